// Multiscalar multiplication with a fixed list of points (the generators). This first
// version keeps the points and defers to `vartimeMultiscalarMul`; precomputed tables
// replace it (same contract).

/// Precomputed data for a fixed list of points, for MSMs where most terms are on them.
public final class VartimePrecomputedMSM: Sendable {
    /// The fixed points, in order.
    package let points: [RistrettoPoint]

    /// Prepares for MSMs over `points`.
    public init(points: [RistrettoPoint]) {
        self.points = points
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
        return RistrettoPoint.vartimeMultiscalarMul(staticScalars + dynamicScalars,
                                                    Array(points.prefix(staticScalars.count)) + dynamicPoints)
    }
}
