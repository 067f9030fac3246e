// Variable-time multiscalar multiplication: size-based dispatch between Straus
// (VartimeStraus.swift) for small sizes and Pippenger (VartimePippenger.swift) for
// large ones. The crossover was measured with `zkpay bench` (see `pippengerThreshold`).

/// Size-based choice of the variable-time MSM algorithm.
package enum VartimeMSM {
    /// From this many terms on, Pippenger is faster than Straus (measured; dalek uses 190).
    package static let pippengerThreshold = 190

    /// sum scalars[i] * points[i] with the faster algorithm for the size.
    /// - Warning: Variable time. Public data only.
    @inline(__always)
    package static func multiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> EdwardsPoint {
        if scalars.count < pippengerThreshold {
            if scalars.count >= VartimePippenger.simdThreshold && SIMDSupport.available {
                return VartimePippenger.multiscalarMulSIMD(scalars, points)
            }
            return VartimeStraus.multiscalarMul(scalars, points)
        }
        return SIMDSupport.available
            ? VartimePippenger.multiscalarMulSIMD(scalars, points)
            : VartimePippenger.multiscalarMul(scalars, points)
    }
}

extension RistrettoPoint {
    /// The sum of `scalars[i] * points[i]` (Straus below `VartimeMSM.pippengerThreshold`
    /// terms, Pippenger from there on).
    /// - Precondition: `scalars.count == points.count`.
    /// - Warning: Variable time. Verification data only; never pass secret-derived values.
    public static func vartimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        precondition(scalars.count == points.count, "vartimeMultiscalarMul needs one scalar per point")
        return RistrettoPoint(edwards: VartimeMSM.multiscalarMul(scalars, points))
    }
}
