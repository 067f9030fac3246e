import Ristretto255SIMD

/// A scalar prepared for many products with it: `ScalarMultiplier(a).times(b) == a * b`
/// at half the cost of `*`.
///
/// `Scalar.*` is two Montgomery multiplications (a·b/R, then ·R²/R). Keeping the factor in
/// Montgomery form, a·R mod l, makes each product one: (a·R)·b/R = a·b. The verifier's hot
/// loops multiply many scalars by one factor (batch weights, the inner-product constants
/// a and b) or walk powers (y^-i), which is where this pays. Constant time like `*`.
public struct ScalarMultiplier: Sendable, Equatable {
    /// a·R mod l (< l).
    let factor: Scalar52

    /// Prepares `a` (one Montgomery multiplication).
    public init(_ a: Scalar) { factor = a.value.montgomeryForm }

    private init(factor: Scalar52) { self.factor = factor }

    /// 1.
    public static let one = ScalarMultiplier(.one)

    /// a·b mod l. (a·R < l and b < l keep the Montgomery bound T < l·2^260.)
    @inline(__always)
    public func times(_ b: Scalar) -> Scalar { Scalar(value: Scalar52.montgomeryMul(factor, b.value)) }

    /// The multiplier of a·b: (a·R)(b·R)/R = a·b·R.
    @inline(__always)
    public func times(_ other: ScalarMultiplier) -> ScalarMultiplier {
        ScalarMultiplier(factor: Scalar52.montgomeryMul(factor, other.factor))
    }

    /// The scalar a.
    public var scalar: Scalar { Scalar(value: factor.fromMontgomery) }
}

extension ScalarMultiplier {
    /// Whether `[Scalar]` storage is five packed UInt64 limbs per scalar (checked once).
    static let scalarsArePackedWords: Bool = {
        MemoryLayout<Scalar>.stride == 40 && MemoryLayout<Scalar52>.stride == 40
            && MemoryLayout<Scalar52>.offset(of: \.l4) == 32 && MemoryLayout<Scalar>.offset(of: \.value) == 0
    }()

    /// out[k] = a * input[k] for every k: eight Montgomery products at a time on the IFMA
    /// backend (module Ristretto255SIMD, `ScalarLanes`), else one by one. The lanes
    /// have no data-dependent branches.
    /// - Precondition: equal counts; `out` does not overlap `input`; `backend` is one the CPU runs.
    package func times(_ input: UnsafeBufferPointer<Scalar>, into out: UnsafeMutableBufferPointer<Scalar>,
                       backend: Backend) {
        let n = input.count
        precondition(out.count == n, "one output per input")
        if n >= 8 && backend == .ifma && Self.scalarsArePackedWords {
            let f = [factor.l0, factor.l1, factor.l2, factor.l3, factor.l4]
            input.baseAddress!.withMemoryRebound(to: UInt64.self, capacity: 5 * n) { a in
                out.baseAddress!.withMemoryRebound(to: UInt64.self, capacity: 5 * n) { o in
                    ScalarLanes.montgomeryMul(a, count: n, factor: f, out: o)
                }
            }
        } else {
            for k in 0..<n { out[k] = times(input[k]) }
        }
    }
}
