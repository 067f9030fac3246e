/// Why a key or signature was refused. Messages name the field and say what to do;
/// they never contain secret material.
public enum SchnorrError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A byte string has the wrong length.
    case wrongLength(field: String, expected: Int, actual: Int)
    /// Bit 7 of byte 63 is clear: not an sr25519 (schnorrkel) signature.
    case notMarkedSchnorrkel
    /// A scalar (the signature's s, or a secret key scalar) is not below the group order l.
    case nonCanonicalScalar(field: String)
    /// A point (public key or R) is not a canonical ristretto255 encoding.
    case invalidPoint(field: String)
    /// The signature equation does not hold for this key, context, message and generator.
    case verificationFailed

    public var description: String {
        switch self {
        case let .wrongLength(field, expected, actual):
            "\(field) must be \(expected) bytes but is \(actual); pass the exact encoding"
        case .notMarkedSchnorrkel:
            "signature lacks the schnorrkel marker (bit 7 of byte 63); it is not an sr25519 signature (an Ed25519 signature?)"
        case let .nonCanonicalScalar(field):
            "\(field) is not a canonical scalar (must be below the group order l); the signature or key was altered or mis-encoded"
        case let .invalidPoint(field):
            "\(field) is not a canonical ristretto255 encoding; the key or signature was altered or is from another curve"
        case .verificationFailed:
            "signature does not verify for this public key, signing context, message and generator"
        }
    }
}
