import Sodium

/// A long-lived secret scalar (a key) in heap memory that is wiped when released.
///
/// The canonical 32 bytes live in `SecretBytes`; `withScalar` rebuilds a short-lived
/// `Scalar` for constant-time arithmetic. The description never shows the value.
public final class SecretScalar: Sendable {
    private let storage: SecretBytes

    /// Stores `scalar`'s canonical bytes in wiped heap memory.
    public init(_ scalar: Scalar) {
        var bytes = scalar.bytes
        storage = SecretBytes(copying: bytes)
        secureZero(&bytes)
    }

    /// Calls `body` with the scalar. Keep the value inside `body`: stack copies cannot be wiped.
    public func withScalar<R>(_ body: (Scalar) throws -> R) rethrows -> R {
        let scalar = storage.withUnsafeBytes { raw in Scalar(reducing: raw) }
        return try body(scalar)
    }
}

extension SecretScalar: CustomStringConvertible {
    /// Never shows the value.
    public var description: String { "SecretScalar(redacted)" }
}
