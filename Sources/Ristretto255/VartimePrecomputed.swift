// Multiscalar multiplication with a fixed list of points (the Pedersen and Bulletproof
// generators), in the manner of curve25519-dalek's VartimePrecomputedStraus.
//
// At init every fixed point S gets the table [S, 3S, 5S, ..., 127S] in affine Niels
// form (64 entries, 120 bytes each: ~7.7 KB per point, ~16 MB for 2,050 generators).
// A static term then costs only the mixed additions of its width-8 NAF (~28 for a
// 253-bit scalar), with the 256 doublings shared by all terms. Dynamic terms use
// width-5 tables built per call in the same doubling chain, or Pippenger when there
// are many of them. When the static terms alone are so many that Pippenger over all
// terms beats the table lookups, everything goes to Pippenger (thresholds measured).

/// Precomputed data for a fixed list of points, for MSMs where most terms are on them.
public final class VartimePrecomputedMSM: Sendable {
    /// The fixed points, in order.
    package let points: [RistrettoPoint]
    /// tables[64 i + k] = (2k + 1) * points[i] in affine Niels form.
    package let tables: [AffineNielsPoint]

    /// With at least this many dynamic terms they go to Pippenger, separately from the
    /// static terms (measured: see VartimeMSM.pippengerThreshold).
    package static let dynamicPippengerThreshold = VartimeMSM.pippengerThreshold
    /// With at least this many nonzero-prefix static terms, plain Pippenger over all terms
    /// is faster than the precomputed tables (measured).
    package static let staticPippengerThreshold = Int.max

    /// Prepares for MSMs over `points` (builds 64 affine multiples per point; about the
    /// cost of 80 additions per point).
    public init(points: [RistrettoPoint]) {
        self.points = points
        let size = VartimeStraus.staticTableSize
        var tables = [AffineNielsPoint](repeating: .identity, count: points.count * size)
        // Chunks of points share one inversion; the chunk bounds the temporary memory.
        let chunk = 64
        var scratch = [RistrettoPoint](repeating: .identity, count: chunk * size)
        tables.withUnsafeMutableBufferPointer { t in
            scratch.withUnsafeMutableBufferPointer { sc in
                var start = 0
                while start < points.count {
                    let end = min(start + chunk, points.count)
                    for i in start..<end {
                        let p = points[i].edwards
                        let p2 = p.doubled().projectiveNiels
                        var q = p
                        let base = (i - start) * size
                        sc[base] = RistrettoPoint(edwards: q)
                        for k in 1..<size {
                            q = (q + p2).extended
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
        self.tables = tables
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
        let ns = staticScalars.count, nd = dynamicScalars.count
        if ns >= Self.staticPippengerThreshold {
            return RistrettoPoint(edwards: VartimePippenger.multiscalarMul(
                staticScalars + dynamicScalars, Array(points[0..<ns]) + dynamicPoints))
        }
        if nd >= Self.dynamicPippengerThreshold {
            let s = VartimeStraus.multiscalarMul(dynamicScalars: [], dynamicPoints: [],
                                                 staticScalars: staticScalars, staticTables: tables)
            return RistrettoPoint(edwards: s + VartimePippenger.multiscalarMul(dynamicScalars, dynamicPoints))
        }
        return RistrettoPoint(edwards: VartimeStraus.multiscalarMul(
            dynamicScalars: dynamicScalars, dynamicPoints: dynamicPoints,
            staticScalars: staticScalars, staticTables: tables))
    }
}
