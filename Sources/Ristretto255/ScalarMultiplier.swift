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
