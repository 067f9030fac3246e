// Pippenger's bucket phase with one window per SIMD lane.
//
// For a point P_i, its signed digits in eight different windows select eight buckets in
// eight disjoint bucket sets, so the eight bucket additions are independent: lane j adds
// +-P_i to bucket |d_j| of window 8g + j. The point is the same in every lane (a
// broadcast), the buckets are gathered and scattered. No two lanes ever touch the same
// bucket, so there is nothing to schedule; a zero digit adds into a dummy slot 0 that is
// never read. The window sums sum_k k * bucket_k are then formed the same way, one
// window per lane. Everything here is variable time and for public data only (it runs
// on verification data: points and scalars of proofs being checked).

/// Eight extended points (X:Y:Z:T), one per lane.
struct EdwardsPoint8 {
    var X: FieldElement8, Y: FieldElement8, Z: FieldElement8, T: FieldElement8

    /// Lane j from the 20 packed words (X, Y, Z, T) at `base + offsets[j]`.
    @inline(__always)
    init(gather base: UnsafePointer<UInt64>, _ o: SIMD8<Int>) {
        X = FieldElement8(gather: base, o)
        Y = FieldElement8(gather: base + 5, o)
        Z = FieldElement8(gather: base + 10, o)
        T = FieldElement8(gather: base + 15, o)
    }

    @inline(__always)
    init(X: FieldElement8, Y: FieldElement8, Z: FieldElement8, T: FieldElement8) {
        self.X = X; self.Y = Y; self.Z = Z; self.T = T
    }

    @inline(__always)
    func scatter(_ base: UnsafeMutablePointer<UInt64>, _ o: SIMD8<Int>) {
        X.scatter(base, o); Y.scatter(base + 5, o); Z.scatter(base + 10, o); T.scatter(base + 15, o)
    }

    /// The identity (0 : 1 : 1 : 0) in every lane.
    static var identity: EdwardsPoint8 {
        @inline(__always) get {
            var one = [UInt64](repeating: 0, count: 5)
            one[0] = 1
            let zero = FieldElement8(broadcast: [UInt64](repeating: 0, count: 5))
            let o = FieldElement8(broadcast: one)
            return EdwardsPoint8(X: zero, Y: o, Z: o, T: zero)
        }
    }

    /// Writes lane j as 20 packed words at `p` (reduced coordinates).
    @inline(__always)
    func storeLane(_ j: Int, to p: UnsafeMutablePointer<UInt64>) {
        X.storeLane(j, to: p); Y.storeLane(j, to: p + 5); Z.storeLane(j, to: p + 10); T.storeLane(j, to: p + 15)
    }

    /// Per lane: `b` where `mask` is set, else `a`.
    @inline(__always)
    static func select(_ a: EdwardsPoint8, _ b: EdwardsPoint8, _ mask: SIMDMask<SIMD8<Int64>>) -> EdwardsPoint8 {
        EdwardsPoint8(X: .select(a.X, b.X, mask), Y: .select(a.Y, b.Y, mask), Z: .select(a.Z, b.Z, mask),
                      T: .select(a.T, b.T, mask))
    }

    /// The completed point ((cx:cz), (cy:ct)) back in extended coordinates (4M).
    @inline(__always)
    static func extended(_ cx: FieldElement8, _ cy: FieldElement8, _ cz: FieldElement8,
                         _ ct: FieldElement8) -> EdwardsPoint8 {
        EdwardsPoint8(X: cx * ct, Y: cy * cz, Z: cz * ct, T: cx * cy)
    }

    /// self + (yPlusX, yMinusX, xy2d), an affine Niels point per lane (7M; the
    /// formulas of curve25519-dalek's mixed addition).
    @inline(__always)
    func adding(yPlusX: FieldElement8, yMinusX: FieldElement8, xy2d: FieldElement8) -> EdwardsPoint8 {
        let pp = (Y + X) * yPlusX
        let mm = (Y - X) * yMinusX
        let txy = T * xy2d
        let z2 = Z + Z
        return .extended(pp - mm, pp + mm, z2 + txy, z2 - txy)
    }

    /// self + other, both extended (9M).
    @inline(__always)
    func adding(_ other: EdwardsPoint8, d2: FieldElement8) -> EdwardsPoint8 {
        let pp = (Y + X) * (other.Y + other.X)
        let mm = (Y - X) * (other.Y - other.X)
        let tt = (T * d2) * other.T
        let zz = Z * other.Z
        let zz2 = zz + zz
        return .extended(pp - mm, pp + mm, zz2 + tt, zz2 - tt)
    }
}

/// The window-per-lane bucket phase of variable-time Pippenger (see the top of the file).
package enum WindowLanes {
    /// Words of one packed extended point: X, Y, Z, T, five each.
    static let pointWords = 20

    /// Per lane j: sum_k k * bucket_k over the buckets k = 1...half at
    /// `buckets + laneBase[j] + 20 k`, as the sum of the running suffix sums (two full
    /// additions per bucket).
    @inline(__always)
    static func aggregate(_ buckets: UnsafePointer<UInt64>, laneBase: SIMD8<Int>, half: Int,
                          d2: FieldElement8) -> EdwardsPoint8 {
        var running = EdwardsPoint8(gather: buckets, laneBase &+ half * pointWords)
        var sum = running
        var k = half - 1
        while k >= 1 {
            running = running.adding(EdwardsPoint8(gather: buckets, laneBase &+ k * pointWords), d2: d2)
            sum = sum.adding(running, d2: d2)
            k -= 1
        }
        return sum
    }

    /// For every window w < `windows`: S_w = sum_i digit(w, i) * P_i, written as 20
    /// packed words (X, Y, Z, T in the radix-2^51 layout, limbs < 2^51 + 2^8) at
    /// `out[20 w]`; the caller forms sum_w 2^(c w) S_w.
    ///
    /// Each lane's entries (the points with a nonzero digit in its window) are first
    /// sorted by bucket (a counting sort), so a lane adds a run of points into one
    /// accumulator that stays in registers and is written out once per bucket, when
    /// the run ends; the per-step work is a gather of the eight points and the mixed
    /// addition. Shorter lanes are padded with the identity point.
    ///
    /// - Parameters:
    ///   - digits: window-major signed digits, digit of point i in window w at
    ///     `digits[w * count + i]`, each in [-half, half].
    ///   - count: the number of points n.
    ///   - windows: the number of windows.
    ///   - half: 2^(c-1), the largest digit magnitude (the number of buckets).
    ///   - points: 2n + 1 affine Niels points (y+x, y-x, 2dxy), 15 packed words each,
    ///     every limb < 2^52: P_0..P_{n-1}, then -P_0..-P_{n-1}, then the identity
    ///     (1, 1, 0).
    ///   - d2: 2d, five packed words.
    ///   - out: room for `20 * windows` words.
    /// - Warning: Variable time. Public data only. Runs AVX-512 code when the module is
    ///   built for it: call only for `Backend.ifma` (module Ristretto255).
    @inline(never)
    package static func windowSums(digits: UnsafePointer<Int16>, count n: Int, windows: Int, half: Int,
                                   points: UnsafePointer<UInt64>, d2 d2Words: UnsafePointer<UInt64>,
                                   out: UnsafeMutablePointer<UInt64>) {
        precondition(n >= 0 && windows >= 1 && half >= 1 && half < 1 << 15 && 15 * (2 * n + 1) < Int(Int32.max))
        let slots = half + 1                       // slot 0: unused (lanes without entries)
        let laneWords = slots * pointWords
        let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * laneWords)
        defer { sums.deallocate() }
        let result = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * pointWords)
        defer { result.deallocate() }
        // Sorted entries per lane (lane-major), then interleaved step-major for the loop.
        let sortedOffset = UnsafeMutablePointer<Int32>.allocate(capacity: max(8 * n, 1))
        defer { sortedOffset.deallocate() }
        let sortedBucket = UnsafeMutablePointer<Int32>.allocate(capacity: max(8 * n, 1))
        defer { sortedBucket.deallocate() }
        let stepOffset = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * (n + 1))
        defer { stepOffset.deallocate() }
        let stepBucket = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * (n + 2))
        defer { stepBucket.deallocate() }
        let next = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        defer { next.deallocate() }
        let d2 = FieldElement8(broadcast: d2Words)
        let identity = EdwardsPoint8.identity
        let laneBase = SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7) &* laneWords
        let identityOffset = Int32(15 * 2 * n)

        var g = 0
        while g * 8 < windows {
            // Every bucket sum starts as the identity (0 : 1 : 1 : 0).
            for s in 0..<(8 * slots) {
                let b = sums + s * pointWords
                b.initialize(repeating: 0, count: pointWords)
                b[5] = 1; b[10] = 1
            }
            // 1. Counting sort of each lane's nonzero digits by magnitude.
            var length = [Int](repeating: 0, count: 8)
            for j in 0..<8 where g * 8 + j < windows {
                let row = digits + (g * 8 + j) * n
                for k in 0..<slots { next[k] = 0 }
                for i in 0..<n { next[Int(row[i].magnitude)] += 1 }
                var position = 0
                for k in 1..<slots { let c = next[k]; next[k] = position; position += c }
                length[j] = position
                let offsets = sortedOffset + j * n, buckets = sortedBucket + j * n
                for i in 0..<n {
                    let d = Int(row[i])
                    if d == 0 { continue }
                    let k = d.magnitude
                    let at = next[Int(k)]
                    next[Int(k)] = at + 1
                    offsets[at] = Int32(15 * (d > 0 ? i : n + i))
                    buckets[at] = Int32(k)
                }
            }
            let steps = length.max()!
            // 2. Step-major: step t of lane j at [8 t + j]; short lanes add the identity
            //    into their last bucket (or the unused slot 0).
            for j in 0..<8 {
                let len = length[j]
                let last: Int32 = len > 0 ? sortedBucket[j * n + len - 1] : 0
                for t in 0..<steps {
                    if t < len {
                        stepOffset[8 * t + j] = sortedOffset[j * n + t]
                        stepBucket[8 * t + j] = sortedBucket[j * n + t]
                    } else {
                        stepOffset[8 * t + j] = identityOffset
                        stepBucket[8 * t + j] = last
                    }
                }
                stepBucket[8 * steps + j] = -1        // every lane flushes after the last step
            }
            // 3. Runs of equal buckets into one accumulator per lane.
            var acc = identity
            var bucket = SIMD8<Int32>(repeating: 0)
            if steps > 0 { bucket = UnsafeRawPointer(stepBucket).loadUnaligned(as: SIMD8<Int32>.self) }
            for t in 0..<steps {
                let o = SIMD8<Int>(truncatingIfNeeded: UnsafeRawPointer(stepOffset + 8 * t).loadUnaligned(as: SIMD8<Int32>.self))
                let yp = FieldElement8(gather: points, o), ym = FieldElement8(gather: points + 5, o)
                let xy = FieldElement8(gather: points + 10, o)
                acc = acc.adding(yPlusX: yp, yMinusX: ym, xy2d: xy)
                let following = UnsafeRawPointer(stepBucket + 8 * (t + 1)).loadUnaligned(as: SIMD8<Int32>.self)
                let flush = SIMD8<Int64>(truncatingIfNeeded: bucket) .!= SIMD8<Int64>(truncatingIfNeeded: following)
                if any(flush) {
                    for j in 0..<8 where flush[j] {
                        acc.storeLane(j, to: sums + laneBase[j] + Int(bucket[j]) * pointWords)
                    }
                    acc = EdwardsPoint8.select(acc, identity, flush)
                }
                bucket = following
            }
            // 4. sum_k k * bucket_k, one window per lane.
            aggregate(sums, laneBase: laneBase, half: half, d2: d2)
                .scatter(result, SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7) &* pointWords)
            for j in 0..<8 where g * 8 + j < windows {
                (out + (g * 8 + j) * pointWords).update(from: result + j * pointWords, count: pointWords)
            }
            g += 1
        }
    }
}

/// The bucket phase of fixed-base Pippenger (module Ristretto255's
/// `VartimePrecomputedMSM`) on eight lanes: every entry (a stored shift 2^(4k) P of a
/// fixed point, with its signed digit) is added to a bucket, and entries are dealt to
/// the lanes in turn. Each lane owns a separate set of buckets, so the lanes never touch
/// the same bucket; the eight bucket sets are aggregated one per lane and the caller adds
/// the eight lane sums.
package enum EntryLanes {
    /// Writes, for each lane j, sum_k k * bucket_{j,k} (20 packed words) at `out[20 j]`,
    /// where entry e (< `count`) goes to lane e % 8, adding digit(e) times the affine
    /// Niels point of 15 words at `table + offsets[e]`.
    ///
    /// - Parameters:
    ///   - offsets: the word offset of each entry's affine Niels point in `table`.
    ///   - digits: each entry's signed digit, nonzero, in [-half, half].
    ///   - half: the number of buckets per lane.
    ///   - table: affine Niels points, 15 packed words each (y+x, y-x, 2dxy), every limb
    ///     < 2^52 (the IFMA products read 52 bits of a factor).
    ///   - d2: 2d, five packed words.
    ///   - out: room for 160 words.
    /// - Warning: Variable time. Public data only. AVX-512 code: call only where
    ///   `Backend.ifma` (module Ristretto255) is chosen.
    @inline(never)
    package static func laneSums(offsets: UnsafePointer<Int>, digits: UnsafePointer<Int16>, count: Int, half: Int,
                                 table: UnsafePointer<UInt64>, d2 d2Words: UnsafePointer<UInt64>,
                                 out: UnsafeMutablePointer<UInt64>) {
        precondition(count >= 0 && half >= 1)
        let pointWords = WindowLanes.pointWords
        let slots = half + 1                       // slot 0: the dummy for the padding
        let laneWords = slots * pointWords
        let buckets = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * laneWords)
        defer { buckets.deallocate() }
        for s in 0..<(8 * slots) {
            let b = buckets + s * pointWords
            b.initialize(repeating: 0, count: pointWords)
            b[5] = 1; b[10] = 1
        }
        let d2 = FieldElement8(broadcast: d2Words)
        let zero = FieldElement8(broadcast: [UInt64](repeating: 0, count: 5))
        let laneBase = SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7) &* laneWords
        var e = 0
        while e < count {
            var d = SIMD8<Int>()
            var o = SIMD8<Int>()
            for j in 0..<8 where e + j < count {
                d[j] = Int(digits[e + j]); o[j] = offsets[e + j]
            }
            let negative = SIMD8<Int64>(truncatingIfNeeded: d) .< 0
            let magnitude = d.replacing(with: 0 &- d, where: d .< 0)
            let slot = laneBase &+ magnitude &* pointWords
            let yp = FieldElement8(gather: table, o), ym = FieldElement8(gather: table + 5, o)
            let xy = FieldElement8(gather: table + 10, o)
            let qyp = FieldElement8.select(yp, ym, negative)
            let qym = FieldElement8.select(ym, yp, negative)
            let qxy = FieldElement8.select(xy, zero - xy, negative)
            let bucket = EdwardsPoint8(gather: buckets, slot)
            bucket.adding(yPlusX: qyp, yMinusX: qym, xy2d: qxy).scatter(buckets, slot)
            e += 8
        }
        WindowLanes.aggregate(buckets, laneBase: laneBase, half: half, d2: d2)
            .scatter(out, SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7) &* pointWords)
    }
}
