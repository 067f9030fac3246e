// Variable-time multiscalar multiplication. This first version sums per-term NAF
// products; Straus/Pippenger replace it (same contract).

extension RistrettoPoint {
    /// The sum of `scalars[i] * points[i]`.
    /// - Precondition: `scalars.count == points.count`.
    /// - Warning: Variable time. Verification data only; never pass secret-derived values.
    public static func vartimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        precondition(scalars.count == points.count, "vartimeMultiscalarMul needs one scalar per point")
        var acc = EdwardsPoint.identity
        for i in scalars.indices { acc = acc + points[i].edwards.vartimeMultiply(scalars[i]) }
        return RistrettoPoint(edwards: acc)
    }
}
