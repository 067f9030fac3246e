import Ristretto255SIMD
import Ristretto255AVX2

// Multiscalar multiplication with a fixed list of points (the Pedersen and Bulletproof
// generators): fixed-base Pippenger.
//
// At init every fixed point P gets its shifts 2^(4k) P, k = 0..63, in affine Niels
// form (64 entries of 120 bytes: ~7.7 KB per point, ~16 MB for 2,050 generators).
// With signed radix-2^c digits d_w (c in {4, 8, 12}), s P = sum_w d_w (2^(cw) P), and
// 2^(cw) P is a stored entry (index cw/4). So all windows share one set of 2^(c-1)
// buckets: every digit of every static scalar costs one mixed addition into a bucket,
// and the buckets are aggregated once, with no doublings at all. Against plain
// Pippenger over the same points this saves the normalization, the per-window bucket
// aggregation and the doublings, and allows a wider window (c = 12 for ~2,000 terms);
// against dalek's precomputed Straus (width-8 NAF tables, ~28 additions per term) it
// needs ~22 additions per term at c = 12 and streams its tables instead of reading
// random entries of a 16 MB table, whose reads miss the cache at these sizes.
// Dynamic terms go through the ordinary dispatch (Straus or Pippenger) and are added.

/// Precomputed data for a fixed list of points, for MSMs where most terms are on them.
/// The data is the same for every backend: one table serves the engines of all of them
/// (`VartimePrecomputedMSM(table:backend:)`).
public final class VartimePrecomputedTable: Sendable {
    /// The fixed points, in order.
    package let points: [RistrettoPoint]
    /// shifts[64 i + k] = 2^(4k) * points[i] in affine Niels form.
    package let shifts: [AffineNielsPoint]

    /// Shifts stored per point: 2^0, 2^4, ..., 2^252.
    static let shiftCount = 64

    /// Prepares for MSMs over `points` (252 doublings and one batched normalization per
    /// point: about 4 single scalar multiplications' worth per point).
    public init(points: [RistrettoPoint]) {
        self.points = points
        let size = Self.shiftCount
        var shifts = [AffineNielsPoint](repeating: .identity, count: points.count * size)
        // Chunks of points share one inversion; the chunk bounds the temporary memory.
        let chunk = 64
        var scratch = [RistrettoPoint](repeating: .identity, count: chunk * size)
        shifts.withUnsafeMutableBufferPointer { t in
            scratch.withUnsafeMutableBufferPointer { sc in
                var start = 0
                while start < points.count {
                    let end = min(start + chunk, points.count)
                    for i in start..<end {
                        var q = points[i].edwards
                        let base = (i - start) * size
                        sc[base] = RistrettoPoint(edwards: q)
                        for k in 1..<size {
                            q = q.multipliedByPow2(4)
                            sc[base + k] = RistrettoPoint(edwards: q)
                        }
                    }
                    let filled = UnsafeBufferPointer(rebasing: sc[0..<((end - start) * size)])
                    let affine = VartimePippenger.batchAffineNiels(filled)
                    for k in 0..<affine.count { t[start * size + k] = affine[k] }
                    start = end
                }
            }
        }
        self.shifts = shifts
    }
}

/// A fixed-base variable-time MSM engine: a precomputed table and the backend whose
/// kernels run over it.
public struct VartimePrecomputedMSM: Sendable {
    /// The precomputed points.
    public let table: VartimePrecomputedTable
    /// The backend whose kernels this engine calls.
    public let backend: Backend

    /// An engine over `table` for `backend`.
    /// - Warning: The backend must be one the CPU runs (`Backend.check(on:)`).
    public init(table: VartimePrecomputedTable, backend: Backend) {
        self.table = table
        self.backend = backend
    }

    /// Precomputes a table for `points` (see `VartimePrecomputedTable.init(points:)`) and
    /// builds an engine over it for `backend`.
    public init(points: [RistrettoPoint], backend: Backend) {
        self.init(table: VartimePrecomputedTable(points: points), backend: backend)
    }

    /// The fixed points, in order.
    package var points: [RistrettoPoint] { table.points }
    /// See `VartimePrecomputedTable.shifts`.
    package var shifts: [AffineNielsPoint] { table.shifts }
    static var shiftCount: Int { VartimePrecomputedTable.shiftCount }

    /// The window width in {4, 8, 12} minimizing the cost of `n` static terms:
    /// n * ceil(254/c) mixed additions (7M) plus one aggregation of 2^(c-1) buckets (18M each).
    package static func windowBits(count n: Int) -> Int {
        var best = 4, bestCost = Int.max
        for c in [4, 8, 12] {
            let cost = n * Scalar.signedRadixDigitCount(windowBits: c) * 7 + 18 * (1 << (c - 1))
            if cost < bestCost { bestCost = cost; best = c }
        }
        return best
    }

    /// sum staticScalars[i] * points[i] + sum dynamicScalars[j] * dynamicPoints[j].
    /// - Parameters:
    ///   - staticScalars: scalars on a prefix of `points` (missing ones are zero).
    ///   - dynamicScalars: scalars on `dynamicPoints`, one each.
    /// - Precondition: `staticScalars.count <= points.count` and
    ///   `dynamicScalars.count == dynamicPoints.count`.
    /// - Warning: Variable time. Verification data only; never pass secret-derived values.
    public func vartimeMultiscalarMul(staticScalars: [Scalar], dynamicScalars: [Scalar],
                                      dynamicPoints: [RistrettoPoint]) -> RistrettoPoint {
        precondition(staticScalars.count <= points.count, "more static scalars than precomputed points")
        precondition(dynamicScalars.count == dynamicPoints.count, "one dynamic scalar per dynamic point")
        var sum = staticMultiscalarMul(staticScalars)
        if !dynamicScalars.isEmpty { sum = sum + VartimeMSM(backend: backend).multiscalarMul(dynamicScalars, dynamicPoints) }
        return RistrettoPoint(edwards: sum)
    }

    /// sum scalars[i] * points[i] by fixed-base Pippenger with window `c` (default: by size),
    /// on eight vector lanes for the IFMA backend (`staticMultiscalarMulIFMA`).
    /// - Warning: Variable time. Public data only.
    package func staticMultiscalarMul(_ scalars: [Scalar], windowBits c: Int? = nil) -> EdwardsPoint {
        switch backend {
        case .portable:
            return staticMultiscalarMulScalar(scalars, windowBits: c)
        case .ifma:
            if c == nil && scalars.count <= Self.simdMaximum { return staticMultiscalarMulIFMA(scalars) }
            return staticMultiscalarMulScalar(scalars, windowBits: c)
        case .avx2:
            if c == nil && scalars.count <= Self.avx2Maximum { return staticMultiscalarMulAVX2(scalars) }
            return staticMultiscalarMulScalar(scalars, windowBits: c)
        }
    }

    /// Up to this many static terms the lanes are faster; above it the scalar loop is: the
    /// lanes gather their table entries, which the scalar loop streams, and a larger table
    /// no longer fits in the cache (`zkpay bench` figures bp_verify_m2, 258 terms, and
    /// msm_precomputed_2050 sit on either side).
    package static let simdMaximum = 512

    /// No such limit for the four AVX2 lanes: with the point additions in place
    /// (`zk_ge4_add_niels`), they were faster than the scalar loop at every size timed side
    /// by side, 258 to 8,200 static terms (docs/notes/simd.md).
    package static let avx2Maximum = Int.max

    /// The window width in {4, 8, 12} for `n` static terms on `lanes` lanes: n ceil(254/c)
    /// mixed additions (7M) spread over the lanes, and each lane aggregating its own
    /// 2^(c-1) buckets (18M each), counted in lane-multiplications.
    package static func simdWindowBits(count n: Int, lanes: Int = 8) -> Int {
        var best = 4, bestCost = Int.max
        for c in [4, 8, 12] {
            let cost = n * Scalar.signedRadixDigitCount(windowBits: c) * 7 + lanes * 18 * (1 << (c - 1))
            if cost < bestCost { bestCost = cost; best = c }
        }
        return best
    }

    /// Whether `shifts` can be read as packed words: AffineNielsPoint is three
    /// FieldElements of five UInt64 limbs, laid out in declaration order (checked once).
    static let shiftsArePackedWords: Bool = {
        MemoryLayout<FieldElement>.stride == 40 && MemoryLayout<FieldElement>.offset(of: \.l4) == 32
            && MemoryLayout<AffineNielsPoint>.stride == 120
            && MemoryLayout<AffineNielsPoint>.offset(of: \.yMinusX) == 40
            && MemoryLayout<AffineNielsPoint>.offset(of: \.xy2d) == 80
    }()

    /// `staticMultiscalarMul` with the bucket additions on eight lanes (module
    /// Ristretto255SIMD, `EntryLanes`): the (term, window) entries with a nonzero digit
    /// are dealt to the lanes, each lane with its own buckets.
    /// - Warning: AVX-512 IFMA code: only for `Backend.ifma`, which the caller checked
    ///   against the CPU. Variable time. Public data only.
    package func staticMultiscalarMulIFMA(_ scalars: [Scalar], windowBits c: Int? = nil) -> EdwardsPoint {
        staticMultiscalarMulLanes(scalars, windowBits: c ?? Self.simdWindowBits(count: scalars.count, lanes: 8),
                                  lanes: 8, kernel: EntryLanes.laneSums)
    }

    /// `staticMultiscalarMul` with the bucket additions on four AVX2 lanes (module
    /// Ristretto255AVX2, `EntryLanes4`), dealt as for IFMA.
    /// - Warning: AVX2 code: only for `Backend.avx2` (or `.ifma`, whose CPUs have AVX2),
    ///   which the caller checked against the CPU. Variable time. Public data only.
    package func staticMultiscalarMulAVX2(_ scalars: [Scalar], windowBits c: Int? = nil) -> EdwardsPoint {
        staticMultiscalarMulLanes(scalars, windowBits: c ?? Self.simdWindowBits(count: scalars.count, lanes: 4),
                                  lanes: 4, kernel: EntryLanes4.laneSums)
    }

    /// The lane-sum kernels' shared interface (`EntryLanes.laneSums`,
    /// `EntryLanes4.laneSums`): offsets, digits, count, half, table, 2d, out (20 words per
    /// lane).
    typealias LaneSumsKernel = (UnsafePointer<Int>, UnsafePointer<Int16>, Int, Int, UnsafePointer<UInt64>,
                                UnsafePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> Void

    /// Lists the nonzero (term, window) entries, runs a lane-sum kernel over them and adds
    /// its `lanes` sums.
    @inline(__always)
    func staticMultiscalarMulLanes(_ scalars: [Scalar], windowBits c: Int, lanes: Int,
                                   kernel: LaneSumsKernel) -> EdwardsPoint {
        precondition(Self.shiftsArePackedWords, "AffineNielsPoint is not five-limb packed words")
        let n = scalars.count
        precondition(n <= points.count)
        if n == 0 { return .identity }
        precondition(c == 4 || c == 8 || c == 12, "fixed-base windows are multiples of the 4-bit shift spacing")
        let windows = Scalar.signedRadixDigitCount(windowBits: c)
        let step = c / 4
        var offsets: [Int] = [], entryDigits: [Int16] = []
        offsets.reserveCapacity(n * windows)
        entryDigits.reserveCapacity(n * windows)
        var digits = [Int16](repeating: 0, count: windows)
        for i in 0..<n {
            digits.withUnsafeMutableBufferPointer {
                scalars[i].vartimeWriteSignedRadix(windowBits: c, into: $0.baseAddress!, stride: 1)
            }
            for w in 0..<windows where digits[w] != 0 {
                offsets.append(15 * (i * Self.shiftCount + w * step))
                entryDigits.append(digits[w])
            }
        }
        let d2Words = Constants.d2.limbs
        var sums = [UInt64](repeating: 0, count: 20 * lanes)
        shifts.withUnsafeBufferPointer { tab in
            tab.baseAddress!.withMemoryRebound(to: UInt64.self, capacity: 15 * tab.count) { words in
                kernel(offsets, entryDigits, offsets.count, 1 << (c - 1), words, d2Words, &sums)
            }
        }
        return (0..<lanes).reduce(EdwardsPoint.identity) { $0 + EdwardsPoint(limbs: sums, at: 20 * $1) }
    }

    /// `staticMultiscalarMul` in scalar code.
    /// - Warning: Variable time. Public data only.
    package func staticMultiscalarMulScalar(_ scalars: [Scalar], windowBits c: Int? = nil) -> EdwardsPoint {
        let n = scalars.count
        precondition(n <= points.count)
        if n == 0 { return .identity }
        let c = c ?? Self.windowBits(count: n)
        precondition(c == 4 || c == 8 || c == 12, "fixed-base windows are multiples of the 4-bit shift spacing")
        let windows = Scalar.signedRadixDigitCount(windowBits: c)
        let step = c / 4
        let bucketCount = 1 << (c - 1)
        var buckets = [EdwardsPoint](repeating: .identity, count: bucketCount)
        // A bucket's first point is stored (1M), not added to the identity (7M); the
        // buckets start as the identity, so unfilled ones need no fixing up.
        var filled = [Bool](repeating: false, count: bucketCount)
        var digits = [Int16](repeating: 0, count: windows)
        return scalars.withUnsafeBufferPointer { s in
            shifts.withUnsafeBufferPointer { tab in
                digits.withUnsafeMutableBufferPointer { dig in
                    buckets.withUnsafeMutableBufferPointer { bk in
                      filled.withUnsafeMutableBufferPointer { fl in
                        let invD = VartimePippenger.invD
                        for i in 0..<n {
                            s[i].vartimeWriteSignedRadix(windowBits: c, into: dig.baseAddress!, stride: 1)
                            let entries = tab.baseAddress! + i * Self.shiftCount
                            for w in 0..<windows {
                                let d = Int(dig[w])
                                if d > 0 {
                                    let k = d &- 1
                                    if fl[k] {
                                        bk[k] = (bk[k] + entries[w &* step]).extended
                                    } else {
                                        bk[k] = VartimePippenger.extended(entries[w &* step], invD); fl[k] = true
                                    }
                                } else if d < 0 {
                                    let k = -d &- 1
                                    if fl[k] {
                                        bk[k] = (bk[k] - entries[w &* step]).extended
                                    } else {
                                        bk[k] = VartimePippenger.extended(-entries[w &* step], invD); fl[k] = true
                                    }
                                }
                            }
                        }
                        return VartimePippenger.aggregate(bk)
                      }
                    }
                }
            }
        }
    }
}
