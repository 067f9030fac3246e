import CIntrinsics

// Pippenger's bucket phase with one window per lane, four lanes of AVX2.
//
// For a point P_i, its signed digits in four different windows select four buckets in
// four disjoint bucket sets, so the four bucket additions are independent: lane j adds
// +-P_i to a bucket of window 4g + j, and no two lanes ever touch the same bucket. Each
// lane's entries are sorted by bucket first, so a lane adds a run of points into one
// accumulator kept in registers and writes it out once per bucket. The window sums
// sum_k k * bucket_k are then formed the same way, one window per lane. Everything here is
// variable time and for public data only (it runs on verification data: points and
// scalars of proofs being checked).

/// Four extended points (X:Y:Z:T), one per lane.
struct EdwardsPoint4 {
    var X: FieldElement4, Y: FieldElement4, Z: FieldElement4, T: FieldElement4

    /// Lane j from the 20 packed words (X, Y, Z, T) at `base + offsets[j]`.
    @inline(__always)
    init(gather base: UnsafePointer<UInt64>, _ o: SIMD4<Int>) {
        X = FieldElement4(gather: base, o)
        Y = FieldElement4(gather: base + 5, o)
        Z = FieldElement4(gather: base + 10, o)
        T = FieldElement4(gather: base + 15, o)
    }

    @inline(__always)
    init(X: FieldElement4, Y: FieldElement4, Z: FieldElement4, T: FieldElement4) {
        self.X = X; self.Y = Y; self.Z = Z; self.T = T
    }

    /// Writes lane j as 20 packed words at `base + offsets[j]` (reduced coordinates).
    @inline(__always)
    func scatter(_ base: UnsafeMutablePointer<UInt64>, _ o: SIMD4<Int>) {
        X.scatter(base, o); Y.scatter(base + 5, o); Z.scatter(base + 10, o); T.scatter(base + 15, o)
    }

    /// The 40 limb vectors (X, Y, Z, T) at `p`.
    @inline(__always)
    init(loading p: UnsafePointer<Lanes>) {
        X = FieldElement4(loading: p); Y = FieldElement4(loading: p + 10)
        Z = FieldElement4(loading: p + 20); T = FieldElement4(loading: p + 30)
    }

    /// Writes the 40 limb vectors (X, Y, Z, T) at `p`: the memory form of `zk_ge4_add`.
    @inline(__always)
    func store(to p: UnsafeMutablePointer<Lanes>) {
        X.store(to: p); Y.store(to: p + 10); Z.store(to: p + 20); T.store(to: p + 30)
    }

    /// The identity (0 : 1 : 1 : 0) in every lane.
    static var identity: EdwardsPoint4 {
        @inline(__always) get { EdwardsPoint4(X: .zero, Y: .one, Z: .one, T: .zero) }
    }

    /// self + (yPlusX, yMinusX, xy2d), an affine Niels point per lane (7M; the formulas of
    /// curve25519-dalek's mixed addition), by `zk_ge4_add_niels` in module CIntrinsics, which
    /// the kernels call in place on their buffers:
    ///
    ///     pp = (Y + X) yPlusX, mm = (Y - X) yMinusX, txy = T xy2d, z2 = Z + Z,
    ///     cx = pp - mm, cy = pp + mm, cz = z2 + txy, ct = z2 - txy,
    ///     X' = ct cx, Y' = cy cz, Z' = ct cz, T' = cx cy.
    ///
    /// Bounds (FieldElement4's header): self reduced, so Y + X < 2^27 + 2^19 and Y - X
    /// < 2^27.59 as first factors; the Niels coordinates are unpacked words (limbs < 2^26),
    /// only multiplied. cx < 2^27.59, cy < 2^27 + 2^19, cz < 2^27 + 2^19 + 2^26 < 2^27.7 may
    /// be second factors; ct = (Z + Z) + 2p - txy < 2^28 is only ever a first factor. The
    /// result is reduced.
    func adding(yPlusX: FieldElement4, yMinusX: FieldElement4, xy2d: FieldElement4) -> EdwardsPoint4 {
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 70) { buffer in
            let p = buffer.baseAddress!
            store(to: p)
            yPlusX.store(to: p + 40); yMinusX.store(to: p + 50); xy2d.store(to: p + 60)
            zk_ge4_add_niels(p, p + 40)
            return EdwardsPoint4(loading: p)
        }
    }

    /// self + other, both extended with reduced coordinates (9M), by `zk_ge4_add` in module
    /// CIntrinsics (the kernels call it in place):
    ///
    ///     pp = (Y + X)(Y' + X'), mm = (Y - X)(Y' - X'), tt = (T d2) T', zz = Z Z',
    ///     then as above with zz + zz for z2 and tt for txy.
    ///
    /// Bounds as above: Y' - X' < 2^27.59 is a second factor, d2 is unpacked words
    /// (limbs < 2^26), zz + zz has limbs < 2^27, so ct < 2^28 is again only a first factor.
    func adding(_ other: EdwardsPoint4, d2: FieldElement4) -> EdwardsPoint4 {
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 90) { buffer in
            let p = buffer.baseAddress!
            store(to: p); other.store(to: p + 40); d2.store(to: p + 80)
            zk_ge4_add(p, p + 40, p + 80)
            return EdwardsPoint4(loading: p)
        }
    }
}

/// The window-per-lane bucket phase of variable-time Pippenger on four AVX2 lanes (see the
/// top of the file).
package enum WindowLanes4 {
    /// Words of one packed extended point: X, Y, Z, T, five each.
    static let pointWords = 20

    /// How many steps ahead `windowSums` prefetches the points it will add.
    static let prefetchDistance = 4

    /// Limb vectors of one extended point (X, Y, Z, T) in memory.
    static let pointLanes = 40

    /// Per lane j: sum_k k * bucket_k over the buckets k = 1...half at
    /// `buckets + laneBase[j] + 20 k` (reduced packed words), as the sum of the running
    /// suffix sums (two full additions per bucket, `zk_ge4_add` on points kept in memory).
    /// `d2`: 2d as ten limb vectors.
    @inline(__always)
    static func aggregate(_ buckets: UnsafePointer<UInt64>, laneBase: SIMD4<Int>, half: Int,
                          d2: UnsafePointer<Lanes>) -> EdwardsPoint4 {
        let work = UnsafeMutablePointer<Lanes>.allocate(capacity: 3 * pointLanes)
        defer { work.deallocate() }
        let running = work, sum = work + pointLanes, bucket = work + 2 * pointLanes
        let top = EdwardsPoint4(gather: buckets, laneBase &+ half * pointWords)
        top.store(to: running)
        top.store(to: sum)
        var k = half - 1
        while k >= 1 {
            EdwardsPoint4(gather: buckets, laneBase &+ k * pointWords).store(to: bucket)
            zk_ge4_add(running, bucket, d2)
            zk_ge4_add(sum, running, d2)
            k -= 1
        }
        return EdwardsPoint4(loading: sum)
    }

    /// For every window w < `windows`: S_w = sum_i digit(w, i) * P_i, written as 20
    /// packed words (X, Y, Z, T in the radix-2^51 layout, words < 2^51 + 2^44) at
    /// `out[20 w]`; the caller forms sum_w 2^(c w) S_w.
    ///
    /// The inputs are those of the IFMA kernel (`WindowLanes.windowSums` in module
    /// Ristretto255SIMD), so module Ristretto255 prepares them once for either backend.
    ///
    /// - Parameters:
    ///   - digits: window-major signed digits, digit of point i in window w at
    ///     `digits[w * count + i]`, each in [-half, half].
    ///   - count: the number of points n.
    ///   - windows: the number of windows.
    ///   - half: 2^(c-1), the largest digit magnitude (the number of buckets).
    ///   - points: 2n + 1 affine Niels points (y+x, y-x, 2dxy), 15 packed words each,
    ///     every word < 2^52: P_0..P_{n-1}, then -P_0..-P_{n-1}, then the identity
    ///     (1, 1, 0).
    ///   - d2: 2d, five packed words (< 2^51).
    ///   - out: room for `20 * windows` words.
    /// - Warning: Variable time. Public data only. AVX2 code: call only for `Backend.avx2`
    ///   (module Ristretto255), which the caller checked against the CPU.
    @inline(never)
    package static func windowSums(digits: UnsafePointer<Int16>, count n: Int, windows: Int, half: Int,
                                   points: UnsafePointer<UInt64>, d2 d2Words: UnsafePointer<UInt64>,
                                   out: UnsafeMutablePointer<UInt64>) {
        precondition(n >= 0 && windows >= 1 && half >= 1 && half < 1 << 15 && 15 * (2 * n + 1) < Int(Int32.max))
        let slots = half + 1                       // slot 0: unused (lanes without entries)
        let laneWords = slots * pointWords
        let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 4 * laneWords)
        defer { sums.deallocate() }
        let result = UnsafeMutablePointer<UInt64>.allocate(capacity: 4 * pointWords)
        defer { result.deallocate() }
        // Sorted entries per lane (lane-major), then interleaved step-major for the loop.
        let sortedOffset = UnsafeMutablePointer<Int32>.allocate(capacity: max(4 * n, 1))
        defer { sortedOffset.deallocate() }
        let sortedBucket = UnsafeMutablePointer<Int32>.allocate(capacity: max(4 * n, 1))
        defer { sortedBucket.deallocate() }
        let stepOffset = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * (n + 1))
        defer { stepOffset.deallocate() }
        let stepBucket = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * (n + 2))
        defer { stepBucket.deallocate() }
        let next = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        defer { next.deallocate() }
        // The accumulator, the step's Niels points and 2d stay in memory as limb vectors,
        // the form in which `zk_ge4_add_niels` and `zk_ge4_add` update them in place.
        let work = UnsafeMutablePointer<Lanes>.allocate(capacity: pointLanes + 30 + 10)
        defer { work.deallocate() }
        let acc = work, niels = work + pointLanes, d2 = work + pointLanes + 30
        FieldElement4(broadcast: d2Words).store(to: d2)
        let identity = EdwardsPoint4.identity
        let laneBase = SIMD4<Int>(0, 1, 2, 3) &* laneWords
        let identityOffset = Int32(15 * 2 * n)

        var g = 0
        while g * 4 < windows {
            // Every bucket sum starts as the identity (0 : 1 : 1 : 0).
            for s in 0..<(4 * slots) {
                let b = sums + s * pointWords
                b.initialize(repeating: 0, count: pointWords)
                b[5] = 1; b[10] = 1
            }
            // 1. Counting sort of each lane's nonzero digits by magnitude.
            var length = SIMD4<Int>()
            for j in 0..<4 where g * 4 + j < windows {
                let row = digits + (g * 4 + j) * n
                for k in 0..<slots { next[k] = 0 }
                // Wrapping arithmetic: every count is <= n, every offset < 15 (2n + 1), which
                // the precondition keeps below Int32.max.
                for i in 0..<n { next[Int(row[i].magnitude)] &+= 1 }
                var position = 0
                for k in 1..<slots { let c = next[k]; next[k] = position; position &+= c }
                length[j] = position
                let offsets = sortedOffset + j * n, buckets = sortedBucket + j * n
                for i in 0..<n {
                    let d = Int(row[i])
                    if d == 0 { continue }
                    let k = Int(d.magnitude)
                    let at = next[k]
                    next[k] = at &+ 1
                    offsets[at] = Int32(truncatingIfNeeded: 15 &* (d > 0 ? i : n &+ i))
                    buckets[at] = Int32(truncatingIfNeeded: k)
                }
            }
            let steps = length.max()
            // 2. Step-major: step t of lane j at [4 t + j]; short lanes add the identity
            //    into their last bucket (or the unused slot 0).
            for j in 0..<4 {
                let len = length[j]
                let last: Int32 = len > 0 ? sortedBucket[j * n + len - 1] : 0
                for t in 0..<steps {
                    if t < len {
                        stepOffset[4 * t + j] = sortedOffset[j * n + t]
                        stepBucket[4 * t + j] = sortedBucket[j * n + t]
                    } else {
                        stepOffset[4 * t + j] = identityOffset
                        stepBucket[4 * t + j] = last
                    }
                }
                stepBucket[4 * steps + j] = -1        // every lane flushes after the last step
            }
            // 3. Runs of equal buckets into one accumulator per lane.
            identity.store(to: acc)
            var bucket = SIMD4<Int32>(repeating: 0)
            if steps > 0 { bucket = UnsafeRawPointer(stepBucket).loadUnaligned(as: SIMD4<Int32>.self) }
            for t in 0..<steps {
                // The points of a later step, sorted by bucket, are scattered over the table:
                // their cache lines (a Niels point's 120 bytes span two or three) are
                // requested now, a few point additions before they are read.
                if t &+ prefetchDistance < steps {
                    let ahead = stepOffset + 4 * (t &+ prefetchDistance)
                    for j in 0..<4 {
                        let p = points + Int(ahead[j])
                        zk_prefetch(p); zk_prefetch(p + 8); zk_prefetch(p + 14)
                    }
                }
                let o = SIMD4<Int>(truncatingIfNeeded: UnsafeRawPointer(stepOffset + 4 * t).loadUnaligned(as: SIMD4<Int32>.self))
                FieldElement4(gather: points, o).store(to: niels)
                FieldElement4(gather: points + 5, o).store(to: niels + 10)
                FieldElement4(gather: points + 10, o).store(to: niels + 20)
                zk_ge4_add_niels(acc, niels)
                let following = UnsafeRawPointer(stepBucket + 4 * (t + 1)).loadUnaligned(as: SIMD4<Int32>.self)
                let flush = SIMD4<Int64>(truncatingIfNeeded: bucket) .!= SIMD4<Int64>(truncatingIfNeeded: following)
                if any(flush) {
                    // Lane j of limb vector v is the word at byte 8 (4 v + j) of the buffer:
                    // the lane's packed words are read and its identity written in place.
                    let raw = UnsafeMutableRawPointer(acc)
                    for j in 0..<4 where flush[j] {
                        let out = sums + laneBase[j] + Int(bucket[j]) * pointWords
                        for w in 0..<pointWords {
                            // Word w: limbs 2k, 2k + 1 of coordinate c (w = 5 c + k); reduced, so
                            // the even limb is < 2^26.
                            let v = 10 * (w / 5) + 2 * (w % 5)
                            let even = raw.load(fromByteOffset: 8 * (4 * v + j), as: UInt64.self)
                            let odd = raw.load(fromByteOffset: 8 * (4 * (v + 1) + j), as: UInt64.self)
                            out[w] = even | odd << 26
                        }
                        // The identity (0 : 1 : 1 : 0): limb 0 of Y (vector 10) and of Z (20) is 1.
                        for v in 0..<pointLanes {
                            raw.storeBytes(of: v == 10 || v == 20 ? 1 : 0, toByteOffset: 8 * (4 * v + j), as: UInt64.self)
                        }
                    }
                }
                bucket = following
            }
            // 4. sum_k k * bucket_k, one window per lane.
            aggregate(sums, laneBase: laneBase, half: half, d2: d2)
                .scatter(result, SIMD4<Int>(0, 1, 2, 3) &* pointWords)
            for j in 0..<4 where g * 4 + j < windows {
                (out + (g * 4 + j) * pointWords).update(from: result + j * pointWords, count: pointWords)
            }
            g += 1
        }
    }
}
