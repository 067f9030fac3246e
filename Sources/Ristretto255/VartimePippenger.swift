import Ristretto255SIMD
import Ristretto255AVX2
// Variable-time Pippenger (bucket method) multiscalar multiplication.
//
// Each scalar is recoded into W = ceil(254/c) signed radix-2^c digits in
// [-2^(c-1), 2^(c-1)]. For each window from the top: every point is added to (or, for
// a negative digit, subtracted from) the bucket of its digit's magnitude, then the
// window sum sum_k k * bucket_k is formed with the running-sum trick (2 additions per
// bucket), and the accumulator is shifted by c doublings and the window sum added.
// Cost ~ W * (n + 2^c) additions, so c grows with n (`windowBits(count:)`).
//
// The points are first normalized to affine Niels form with one shared inversion:
// a bucket addition is then 7M (mixed addition + back to extended) instead of 8M,
// and the normalization (~7M per point) is repaid after the first window.

/// The variable-time Pippenger algorithm.
package enum VartimePippenger {
    /// The window width minimizing the operation count for `n` terms. Costs in field
    /// multiplications: bucket addition 7, bucket aggregation 2 * 9 per bucket,
    /// doubling ~7.
    package static func windowBits(count n: Int) -> Int {
        var best = 4
        var bestCost = Int.max
        for c in 4...15 {
            let windows = Scalar.signedRadixDigitCount(windowBits: c)
            let cost = windows * (7 * n + 18 * (1 << (c - 1)) + 7 * c)
            if cost < bestCost { bestCost = cost; best = c }
        }
        return best
    }

    /// sum scalars[i] * points[i] with window width `c` (default: by size).
    /// - Warning: Variable time. Public data only.
    package static func multiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint],
                                       windowBits c: Int? = nil) -> EdwardsPoint {
        precondition(scalars.count == points.count)
        let n = scalars.count
        if n == 0 { return .identity }
        let c = c ?? windowBits(count: n)
        precondition(c >= 2 && c <= 15)
        let windows = Scalar.signedRadixDigitCount(windowBits: c)
        let bucketCount = 1 << (c - 1)

        // Digits window-major: digit of term i in window w at [w * n + i].
        var digits = [Int16](repeating: 0, count: windows * n)
        digits.withUnsafeMutableBufferPointer { d in
            scalars.withUnsafeBufferPointer { s in
                for i in 0..<n { s[i].vartimeWriteSignedRadix(windowBits: c, into: d.baseAddress! + i, stride: n) }
            }
        }
        let affine = points.withUnsafeBufferPointer { batchAffineNiels($0) }
        var buckets = [EdwardsPoint](repeating: .identity, count: bucketCount)
        // A bucket's first point is stored (1M), not added to the identity (7M).
        var filled = [Bool](repeating: false, count: bucketCount)

        return digits.withUnsafeBufferPointer { dig in
            affine.withUnsafeBufferPointer { pts in
                buckets.withUnsafeMutableBufferPointer { bk in
                  filled.withUnsafeMutableBufferPointer { fl in
                    let invD = Self.invD
                    var acc = EdwardsPoint.identity
                    var w = windows - 1
                    while w >= 0 {
                        let row = dig.baseAddress! + w * n
                        for k in 0..<bucketCount { fl[k] = false }
                        for i in 0..<n {
                            let d = Int(row[i])
                            if d > 0 {
                                let k = d &- 1
                                if fl[k] {
                                    bk[k] = (bk[k] + pts[i]).extended
                                } else {
                                    bk[k] = extended(pts[i], invD); fl[k] = true
                                }
                            } else if d < 0 {
                                let k = -d &- 1
                                if fl[k] {
                                    bk[k] = (bk[k] - pts[i]).extended
                                } else {
                                    bk[k] = extended(-pts[i], invD); fl[k] = true
                                }
                            }
                        }
                        for k in 0..<bucketCount where !fl[k] { bk[k] = .identity }
                        let windowSum = aggregate(bk)
                        acc = w == windows - 1 ? windowSum : acc.multipliedByPow2(c) + windowSum
                        w -= 1
                    }
                    return acc
                  }
                }
            }
        }
    }

    /// The window width minimizing the work of a window-per-lane kernel with `lanes` lanes
    /// for `n` terms: ceil(W / lanes) passes, each n mixed additions (7M) and 2 * 2^(c-1)
    /// full ones (9M), `lanes` at a time; the final sum_w 2^(cw) S_w (W c doublings) is
    /// the same for every c.
    package static func simdWindowBits(count n: Int, lanes: Int = 8) -> Int {
        var best = 4
        var bestCost = Int.max
        for c in 4...12 {
            let passes = (Scalar.signedRadixDigitCount(windowBits: c) + lanes - 1) / lanes
            let cost = passes * (7 * n + 18 * (1 << (c - 1)))
            if cost < bestCost { bestCost = cost; best = c }
        }
        return best
    }

    /// From this many terms on, the IFMA engine (`VartimeMSM`) uses the vector kernel
    /// (measured with `zkpay bench`, figures msm_*; see docs/notes/simd.md).
    package static let simdThreshold = 64

    /// From this many terms on, the AVX2 engine (`VartimeMSM`) uses the four-lane kernel:
    /// it ties with Straus between 24 and 32 terms (timed side by side; docs/notes/simd.md).
    package static let avx2Threshold = 32

    /// sum scalars[i] * points[i] with the bucket phase on eight lanes (one window per
    /// lane, module Ristretto255SIMD) and the final combination in scalar code.
    /// - Warning: AVX-512 IFMA code: only for `Backend.ifma`, which the caller checked
    ///   against the CPU. Variable time. Public data only.
    package static func multiscalarMulIFMA(_ scalars: [Scalar], _ points: [RistrettoPoint],
                                           windowBits c: Int? = nil) -> EdwardsPoint {
        multiscalarMulLanes(scalars, points, windowBits: c ?? simdWindowBits(count: scalars.count, lanes: 8),
                            kernel: WindowLanes.windowSums)
    }

    /// sum scalars[i] * points[i] with the bucket phase on four AVX2 lanes (one window per
    /// lane, module Ristretto255AVX2) and the final combination in scalar code.
    /// - Warning: AVX2 code: only for `Backend.avx2` (or `.ifma`, whose CPUs have AVX2),
    ///   which the caller checked against the CPU. Variable time. Public data only.
    package static func multiscalarMulAVX2(_ scalars: [Scalar], _ points: [RistrettoPoint],
                                           windowBits c: Int? = nil) -> EdwardsPoint {
        multiscalarMulLanes(scalars, points, windowBits: c ?? simdWindowBits(count: scalars.count, lanes: 4),
                            kernel: WindowLanes4.windowSums)
    }

    /// The window-sum kernels' shared interface (`WindowLanes.windowSums`,
    /// `WindowLanes4.windowSums`): digits, count, windows, half, points, 2d, out.
    typealias WindowSumsKernel = (UnsafePointer<Int16>, Int, Int, Int, UnsafePointer<UInt64>,
                                  UnsafePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> Void

    /// Recodes the scalars, packs the points for a window-per-lane kernel, runs it and
    /// combines its window sums.
    @inline(__always)
    static func multiscalarMulLanes(_ scalars: [Scalar], _ points: [RistrettoPoint], windowBits c: Int,
                                    kernel: WindowSumsKernel) -> EdwardsPoint {
        precondition(scalars.count == points.count)
        let n = scalars.count
        if n == 0 { return .identity }
        precondition(c >= 2 && c <= 15)
        let windows = Scalar.signedRadixDigitCount(windowBits: c)
        var digits = [Int16](repeating: 0, count: windows * n)
        digits.withUnsafeMutableBufferPointer { d in
            scalars.withUnsafeBufferPointer { s in
                for i in 0..<n { s[i].vartimeWriteSignedRadix(windowBits: c, into: d.baseAddress! + i, stride: n) }
            }
        }
        let affine = points.withUnsafeBufferPointer { batchAffineNiels($0) }
        // Packed words (the radix-2^51 limbs, reduced by batchAffineNiels below 2^52 as the
        // kernels require): the points, their negatives (y-x, y+x, -2dxy), and the identity
        // (1, 1, 0).
        var words = [UInt64](repeating: 0, count: 15 * (2 * n + 1))
        words.withUnsafeMutableBufferPointer { w in
            @inline(__always) func put(_ f: FieldElement, _ o: Int) {
                w[o] = f.l0; w[o + 1] = f.l1; w[o + 2] = f.l2; w[o + 3] = f.l3; w[o + 4] = f.l4
            }
            for i in 0..<n {
                let q = affine[i]
                let yp = q.yPlusX, ym = q.yMinusX, xy = q.xy2d
                put(yp, 15 * i); put(ym, 15 * i + 5); put(xy, 15 * i + 10)
                put(ym, 15 * (n + i)); put(yp, 15 * (n + i) + 5); put(-xy, 15 * (n + i) + 10)
            }
            put(.one, 30 * n); put(.one, 30 * n + 5); put(.zero, 30 * n + 10)
        }
        let d2Words = Constants.d2.limbs
        var sums = [UInt64](repeating: 0, count: 20 * windows)
        digits.withUnsafeBufferPointer { d in
            words.withUnsafeBufferPointer { w in
                sums.withUnsafeMutableBufferPointer { s in
                    kernel(d.baseAddress!, n, windows, 1 << (c - 1), w.baseAddress!, d2Words, s.baseAddress!)
                }
            }
        }
        var acc = EdwardsPoint(limbs: sums, at: 20 * (windows - 1))
        var w = windows - 2
        while w >= 0 {
            acc = acc.multipliedByPow2(c) + EdwardsPoint(limbs: sums, at: 20 * w)
            w -= 1
        }
        return acc
    }

    /// 1/d, for `extended(_:invD:)`.
    static let invD = Constants.d.inverted()

    /// The extended form of an affine Niels point (y+x, y-x, 2dxy): with Z = 2,
    /// X = 2x = (y+x) - (y-x), Y = 2y = (y+x) + (y-x), T = 2xy = 2dxy / d (one
    /// multiplication, instead of the 7 of an addition to the identity).
    @inline(__always)
    static func extended(_ q: AffineNielsPoint, _ invD: FieldElement) -> EdwardsPoint {
        EdwardsPoint(X: q.yPlusX - q.yMinusX, Y: (q.yPlusX + q.yMinusX).reduced(), Z: FieldElement(2, 0, 0, 0, 0),
                     T: q.xy2d * invD)
    }

    /// sum_k (k + 1) * buckets[k], as the sum of the running suffix sums
    /// (2 additions per bucket).
    @inline(__always)
    static func aggregate(_ bk: UnsafeMutableBufferPointer<EdwardsPoint>) -> EdwardsPoint {
        var running = bk[bk.count - 1]
        var sum = running
        var k = bk.count - 2
        while k >= 0 {
            running = running + bk[k]
            sum = sum + running
            k -= 1
        }
        return sum
    }

    /// Affine Niels forms of `points` with one shared field inversion (Montgomery's
    /// trick). Every Edwards point has Z != 0, so the product is invertible. Every limb of
    /// the result is carried below 2^52, y+x included: the vector kernels read the
    /// tables as factors, and IFMA reads 52 bits of a factor.
    package static func batchAffineNiels(_ points: UnsafeBufferPointer<RistrettoPoint>) -> [AffineNielsPoint] {
        let n = points.count
        if n == 0 { return [] }
        var prefix = [FieldElement](repeating: .one, count: n)
        var out = [AffineNielsPoint](repeating: .identity, count: n)
        prefix.withUnsafeMutableBufferPointer { pre in
            out.withUnsafeMutableBufferPointer { o in
                // A point with Z = 1 exactly (every freshly decoded point) is already affine,
                // with T = xy: it needs one multiplication and stays out of the inversion.
                @inline(__always) func zIsOne(_ z: FieldElement) -> Bool {
                    z.l0 == 1 && z.l1 == 0 && z.l2 == 0 && z.l3 == 0 && z.l4 == 0
                }
                var acc = FieldElement.one
                for i in 0..<n where !zIsOne(points[i].edwards.Z) { pre[i] = acc; acc = acc * points[i].edwards.Z }
                var inv = acc.inverted()
                var i = n - 1
                while i >= 0 {
                    let p = points[i].edwards
                    if zIsOne(p.Z) {
                        o[i] = AffineNielsPoint(yPlusX: (p.Y + p.X).reduced(), yMinusX: p.Y - p.X, xy2d: p.T * Constants.d2)
                    } else {
                        let zInv = inv * pre[i]
                        inv = inv * p.Z
                        let x = p.X * zInv, y = p.Y * zInv
                        o[i] = AffineNielsPoint(yPlusX: (y + x).reduced(), yMinusX: y - x, xy2d: (x * y) * Constants.d2)
                    }
                    i -= 1
                }
            }
        }
        return out
    }
}
