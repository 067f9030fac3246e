// Variable-time multiscalar multiplication: size-based dispatch between Straus
// (VartimeStraus.swift) for small sizes and Pippenger (VartimePippenger.swift) for
// large ones, with the bucket phase on the backend's vector kernel where it has one.

/// A variable-time multiscalar multiplication engine for one `Backend`: the algorithm is
/// chosen per call by size, the kernel by the backend the engine was built with.
public struct VartimeMSM: Sendable, Hashable {
    /// The backend whose kernels this engine calls.
    public let backend: Backend

    /// An engine for `backend`.
    /// - Warning: The backend must be one the CPU runs (`Backend.check(on:)`): the engine
    ///   does not check again.
    public init(backend: Backend) { self.backend = backend }

    /// From this many terms on, Pippenger is faster than Straus (measured; dalek uses 190).
    package static let pippengerThreshold = 190

    /// sum scalars[i] * points[i] with the faster algorithm for the size.
    /// - Warning: Variable time. Public data only.
    @inline(__always)
    package func multiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> EdwardsPoint {
        switch backend {
        case .portable:
            return scalars.count < Self.pippengerThreshold
                ? VartimeStraus.multiscalarMul(scalars, points)
                : VartimePippenger.multiscalarMul(scalars, points)
        case .ifma:
            return scalars.count >= VartimePippenger.simdThreshold
                ? VartimePippenger.multiscalarMulIFMA(scalars, points)
                : VartimeStraus.multiscalarMul(scalars, points)
        case .avx2:
            return scalars.count >= VartimePippenger.avx2Threshold
                ? VartimePippenger.multiscalarMulAVX2(scalars, points)
                : VartimeStraus.multiscalarMul(scalars, points)
        }
    }

    /// The sum of `scalars[i] * points[i]` (Straus for few terms, Pippenger for many).
    /// - Precondition: `scalars.count == points.count`.
    /// - Warning: Variable time. Verification data only; never pass secret-derived values.
    public func vartimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        precondition(scalars.count == points.count, "vartimeMultiscalarMul needs one scalar per point")
        return RistrettoPoint(edwards: multiscalarMul(scalars, points))
    }
}

extension RistrettoPoint {
    /// The sum of `scalars[i] * points[i]` on the portable backend (Straus below
    /// `VartimeMSM.pippengerThreshold` terms, Pippenger from there on): the reference, and
    /// the choice for a few terms, where no backend has a kernel. Large sums go through a
    /// `VartimeMSM` engine of the chosen backend.
    /// - Precondition: `scalars.count == points.count`.
    /// - Warning: Variable time. Verification data only; never pass secret-derived values.
    public static func vartimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        VartimeMSM(backend: .portable).vartimeMultiscalarMul(scalars, points)
    }
}
