/// Why a range proof could not be decoded, created or verified.
///
/// Decoding errors (`wrongLength`, `malformedInnerProduct`, `nonCanonicalScalar`,
/// `invalidPoint`) correspond to the crate's `FormatError`; `identityPoint`,
/// `sizeMismatch` and `verificationFailed` to its `VerificationError`.
public enum BulletproofsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The proof bytes have an impossible length.
    case wrongLength(field: String, actual: Int, reason: String)
    /// The inner-product part does not hold an even number of points plus the scalars a, b.
    case malformedInnerProduct(reason: String)
    /// A scalar field is not a canonical encoding (its integer is >= l).
    case nonCanonicalScalar(field: String)
    /// A point field is not a valid canonical ristretto255 encoding.
    case invalidPoint(field: String)
    /// A proof point that must not be the identity is the identity (32 zero bytes).
    case identityPoint(field: String)
    /// The bit size is not one of 8, 16, 32, 64.
    case invalidBitSize(Int)
    /// The number of values/commitments is not a power of two in 1...16.
    case invalidAggregationSize(Int)
    /// Values and blindings given to the prover differ in number.
    case mismatchedInputs(values: Int, blindings: Int)
    /// A value does not fit in the bit size, so no proof exists for it.
    case valueOutOfRange(index: Int, bitSize: Int)
    /// n * m does not match the number of inner-product rounds of the proof.
    case sizeMismatch(bitSize: Int, commitments: Int, rounds: Int)
    /// The verification equation does not hold.
    case verificationFailed
    /// A Fiat-Shamir challenge came out zero (probability about 2^-252); retry with fresh randomness.
    case degenerateChallenge(String)

    public var description: String {
        switch self {
        case let .wrongLength(field, actual, reason):
            "\(field) has \(actual) bytes: \(reason)"
        case let .malformedInnerProduct(reason):
            "inner-product proof is malformed: \(reason)"
        case let .nonCanonicalScalar(field):
            "range proof field \(field) is not a canonical scalar (must be a little-endian integer below the group order)"
        case let .invalidPoint(field):
            "range proof field \(field) is not a valid canonical ristretto255 point encoding"
        case let .identityPoint(field):
            "range proof field \(field) is the identity point, which a valid proof never contains"
        case let .invalidBitSize(n):
            "bit size \(n) is not supported; use 8, 16, 32 or 64"
        case let .invalidAggregationSize(m):
            "\(m) values cannot be aggregated; use 1, 2, 4, 8 or 16 (pad with zero-value outputs)"
        case let .mismatchedInputs(values, blindings):
            "\(values) values but \(blindings) blindings; give one blinding per value"
        case let .valueOutOfRange(index, bitSize):
            "value \(index) does not fit in \(bitSize) bits; no range proof exists for it"
        case let .sizeMismatch(bitSize, commitments, rounds):
            "the proof has \(rounds) inner-product rounds, which does not match bit size \(bitSize) with \(commitments) commitment(s); check the bit size and the commitment list"
        case .verificationFailed:
            "range proof does not verify for these commitments (wrong commitments, wrong transcript, or a forged/corrupted proof)"
        case let .degenerateChallenge(label):
            "challenge \(label) is zero; create the proof again with fresh randomness"
        }
    }
}
