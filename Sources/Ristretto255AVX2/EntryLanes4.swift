import CIntrinsics

/// The bucket phase of fixed-base Pippenger (module Ristretto255's
/// `VartimePrecomputedMSM`) on four AVX2 lanes: every entry (a stored shift 2^(4k) P of a
/// fixed point, with its signed digit) is added to a bucket, and entries are dealt to the
/// lanes in turn. Each lane owns a separate set of buckets, so the lanes never touch the
/// same bucket; the four bucket sets are aggregated one per lane and the caller adds the
/// four lane sums.
package enum EntryLanes4 {
    /// Writes, for each lane j, sum_k k * bucket_{j,k} (20 packed words) at `out[20 j]`,
    /// where entry e (< `count`) goes to lane e % 4, adding digit(e) times the affine
    /// Niels point of 15 words at `table + offsets[e]`.
    ///
    /// The inputs are those of the IFMA kernel (`EntryLanes.laneSums` in module
    /// Ristretto255SIMD).
    ///
    /// - Parameters:
    ///   - offsets: the word offset of each entry's affine Niels point in `table`.
    ///   - digits: each entry's signed digit, nonzero, in [-half, half].
    ///   - half: the number of buckets per lane.
    ///   - table: affine Niels points, 15 packed words each (y+x, y-x, 2dxy), every word
    ///     < 2^52.
    ///   - d2: 2d, five packed words (< 2^51).
    ///   - out: room for 80 words.
    /// - Warning: Variable time. Public data only. AVX2 code: call only where
    ///   `Backend.avx2` (module Ristretto255) is chosen and checked against the CPU.
    @inline(never)
    package static func laneSums(offsets: UnsafePointer<Int>, digits: UnsafePointer<Int16>, count: Int, half: Int,
                                 table: UnsafePointer<UInt64>, d2 d2Words: UnsafePointer<UInt64>,
                                 out: UnsafeMutablePointer<UInt64>) {
        precondition(count >= 0 && half >= 1)
        let pointWords = WindowLanes4.pointWords
        let slots = half + 1                       // slot 0: the dummy for the padding
        let laneWords = slots * pointWords
        let buckets = UnsafeMutablePointer<UInt64>.allocate(capacity: 4 * laneWords)
        defer { buckets.deallocate() }
        for s in 0..<(4 * slots) {
            let b = buckets + s * pointWords
            b.initialize(repeating: 0, count: pointWords)
            b[5] = 1; b[10] = 1
        }
        let pointLanes = WindowLanes4.pointLanes
        // The gathered buckets, the entries' Niels points and 2d as limb vectors in memory,
        // for `zk_ge4_add_niels` (in place) and `WindowLanes4.aggregate`.
        let work = UnsafeMutablePointer<Lanes>.allocate(capacity: pointLanes + 30 + 10)
        defer { work.deallocate() }
        let point = work, niels = work + pointLanes, d2 = work + pointLanes + 30
        FieldElement4(broadcast: d2Words).store(to: d2)
        let zero = FieldElement4.zero
        let laneBase = SIMD4<Int>(0, 1, 2, 3) &* laneWords
        var e = 0
        while e < count {
            // Lanes past the end add the table's first point into the dummy slot 0.
            var d = SIMD4<Int>()
            var o = SIMD4<Int>()
            for j in 0..<4 where e + j < count {
                d[j] = Int(digits[e + j]); o[j] = offsets[e + j]
            }
            let negative = SIMD4<Int64>(truncatingIfNeeded: d) .< 0
            let magnitude = d.replacing(with: 0 &- d, where: d .< 0)
            let slot = laneBase &+ magnitude &* pointWords
            let yp = FieldElement4(gather: table, o), ym = FieldElement4(gather: table + 5, o)
            let xy = FieldElement4(gather: table + 10, o)
            let qyp = FieldElement4.select(yp, ym, negative)
            let qym = FieldElement4.select(ym, yp, negative)
            // `-` needs a reduced subtrahend; unpacked table words are not.
            let qxy = FieldElement4.select(xy, zero - xy.carried(), negative)
            EdwardsPoint4(gather: buckets, slot).store(to: point)
            qyp.store(to: niels); qym.store(to: niels + 10); qxy.store(to: niels + 20)
            zk_ge4_add_niels(point, niels)
            EdwardsPoint4(loading: point).scatter(buckets, slot)
            e += 4
        }
        WindowLanes4.aggregate(buckets, laneBase: laneBase, half: half, d2: d2)
            .scatter(out, SIMD4<Int>(0, 1, 2, 3) &* pointWords)
    }
}
