/// Why bytes could not become a `Scalar` or a `RistrettoPoint`.
public enum RistrettoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has the wrong number of bytes.
    case wrongLength(field: String, expected: Int, actual: Int)
    /// A 32-byte scalar whose value is >= l (the group order); canonical scalars are < l.
    case nonCanonicalScalar(field: String)
    /// Not a canonical ristretto255 encoding (RFC 9496 §4.3.1 rejects it).
    case invalidPoint(field: String)

    public var description: String {
        switch self {
        case let .wrongLength(field, expected, actual):
            "\(field) must be \(expected) bytes but has \(actual); send the exact encoding"
        case let .nonCanonicalScalar(field):
            "\(field) is not a canonical scalar (its value is >= the group order l); reduce it mod l before encoding"
        case let .invalidPoint(field):
            "\(field) is not a valid canonical ristretto255 encoding (RFC 9496 section 4.3.1); the data is corrupt or forged"
        }
    }
}
