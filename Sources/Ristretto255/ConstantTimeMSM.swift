// Constant-time multiscalar multiplication. This first version sums independent
// constant-time products; the fixed-window Straus replaces it (same contract).

extension RistrettoPoint {
    /// The sum of `scalars[i] * points[i]`, constant time in the scalars (secrets allowed).
    /// - Precondition: `scalars.count == points.count`.
    public static func constantTimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        precondition(scalars.count == points.count, "constantTimeMultiscalarMul needs one scalar per point")
        var acc = EdwardsPoint.identity
        for i in scalars.indices { acc = acc + points[i].edwards.multiply(constantTime: scalars[i]) }
        return RistrettoPoint(edwards: acc)
    }
}
