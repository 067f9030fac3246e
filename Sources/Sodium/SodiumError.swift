/// Failures reported by libsodium calls.
public enum SodiumError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A byte string had the wrong length for the named input.
    case wrongLength(field: String, expected: Int, actual: Int)
    /// libsodium rejected the input as not a valid ristretto255 encoding.
    case invalidPoint(field: String)
    /// A libsodium primitive returned a failure status.
    case operationFailed(String)
    /// Authenticated decryption failed: wrong key, or the ciphertext was changed.
    case authenticationFailed

    public var description: String {
        switch self {
        case let .wrongLength(field, expected, actual):
            "\(field) must be \(expected) bytes, got \(actual)"
        case let .invalidPoint(field):
            "\(field) is not a valid ristretto255 point encoding"
        case let .operationFailed(op):
            "libsodium \(op) failed"
        case .authenticationFailed:
            "decryption failed: wrong key or the ciphertext was modified"
        }
    }
}
