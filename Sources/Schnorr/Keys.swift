public import Ristretto255
import Sodium

/// A 32-byte schnorrkel mini secret key (the seed Substrate stores), in wiped memory.
public final class MiniSecretKey: Sendable {
    private let seed: SecretBytes

    /// A fresh random mini secret key from libsodium's CSPRNG.
    public init() {
        seed = SecretBytes(randomCount: 32)
    }

    /// A mini secret key from its 32 bytes. The caller should wipe its own copy.
    /// - Throws: `SchnorrError.wrongLength` unless `bytes` has 32 bytes.
    public init(bytes: some Collection<UInt8>) throws(SchnorrError) {
        guard bytes.count == 32 else { throw .wrongLength(field: "mini secret key", expected: 32, actual: bytes.count) }
        seed = SecretBytes(copying: bytes)
    }

    /// Expands to a secret key in schnorrkel's Ed25519 mode (what Substrate and
    /// py-sr25519-bindings do): h = SHA-512(seed); the key scalar is h[0..32] clamped as
    /// in Ed25519 and divided by the cofactor 8 (schnorrkel shifts right by 3 bits; the
    /// clamp clears the low 3 bits, so the division is exact); the nonce seed is h[32..64].
    public func expandEd25519() -> SecretKey {
        var h = seed.withUnsafeBytes { Hash.sha512($0) }
        defer { secureZero(&h) }
        h[0] &= 248
        h[31] &= 127
        h[31] |= 64
        // Shift the 256-bit little-endian integer h[0..32] right by 3 (fixed loop, no
        // data-dependent branch or index).
        var x = [UInt8](repeating: 0, count: 32)
        defer { secureZero(&x) }
        for i in 0..<32 {
            let high: UInt8 = i < 31 ? h[i + 1] << 5 : 0
            x[i] = (h[i] >> 3) | high
        }
        // x < 2^252 < l: canonical, so reducing changes nothing.
        let scalar = Scalar(reducing: x)
        return SecretKey(scalar: SecretScalar(scalar), nonce: SecretBytes(copying: h[32..<64]))
    }
}

extension MiniSecretKey: CustomStringConvertible {
    /// Never shows the seed.
    public var description: String { "MiniSecretKey(redacted)" }
}

/// A schnorrkel secret key: the secret scalar x and the 32-byte nonce seed, both in
/// wiped memory. Its public key under generator G is x·G.
public final class SecretKey: Sendable {
    /// The secret scalar x.
    let scalar: SecretScalar
    /// The nonce seed mixed into every signing nonce (witness of the transcript RNG).
    let nonce: SecretBytes

    init(scalar: SecretScalar, nonce: SecretBytes) {
        self.scalar = scalar
        self.nonce = nonce
    }

    /// A secret key with scalar `scalar` and a fresh random nonce seed (zkpay keys that
    /// do not come from a mini secret key, e.g. the balance-proof key k).
    public convenience init(scalar: SecretScalar) {
        self.init(scalar: scalar, nonce: SecretBytes(randomCount: 32))
    }

    /// Parses schnorrkel's 64-byte `SecretKey::to_bytes` form: x (canonical) ‖ nonce seed.
    /// - Throws: `wrongLength`, or `nonCanonicalScalar` if x ≥ l.
    public convenience init(bytes: some Collection<UInt8>) throws(SchnorrError) {
        var raw = Array(bytes)
        defer { secureZero(&raw) }
        guard raw.count == 64 else { throw .wrongLength(field: "secret key", expected: 64, actual: raw.count) }
        let x: Scalar
        do { x = try Scalar(canonical: raw[0..<32], field: "secret key scalar") } catch {
            throw .nonCanonicalScalar(field: "secret key scalar")
        }
        self.init(scalar: SecretScalar(x), nonce: SecretBytes(copying: raw[32..<64]))
    }

    /// schnorrkel's `SecretKey::to_bytes`: x ‖ nonce seed (64 bytes). Secret: wipe the
    /// result with `secureZero` when done.
    public func secretBytes() -> [UInt8] {
        scalar.withScalar { $0.bytes } + nonce.withUnsafeBytes { Array($0) }
    }

    /// The public key x·G (constant time in x).
    /// - Parameter generator: G; the ristretto255 basepoint B unless stated otherwise
    ///   (zkpay's balance proof uses B~).
    public func publicKey(generator: RistrettoPoint = .basepoint) -> PublicKey {
        let point = generator == .basepoint
            ? RistrettoPoint.multiplyBase(secret: scalar)
            : generator.multiply(secret: scalar)
        return PublicKey(point: point)
    }
}

extension SecretKey: CustomStringConvertible {
    /// Never shows the key.
    public var description: String { "SecretKey(redacted)" }
}

/// A public key: a ristretto255 point with its canonical 32-byte encoding.
public struct PublicKey: Sendable, Equatable {
    /// The point.
    public let point: RistrettoPoint
    /// Its canonical encoding (what the signing transcript commits to).
    public let bytes: [UInt8]

    /// A public key for an already-decoded point (e.g. a transfer's excess E).
    public init(point: RistrettoPoint) {
        self.point = point
        bytes = point.encoding
    }

    /// A public key from its encoding and the point it decodes to, both already known
    /// (a caller's batch decoding, `RistrettoPoint.decodeBatch`).
    package init(bytes: [UInt8], decoded point: RistrettoPoint) {
        self.point = point
        self.bytes = bytes
    }

    /// Decodes a 32-byte public key; only canonical ristretto255 encodings are accepted.
    /// - Throws: `wrongLength` or `invalidPoint(field: "public key")`.
    public init(bytes: some Collection<UInt8>) throws(SchnorrError) {
        guard bytes.count == 32 else { throw .wrongLength(field: "public key", expected: 32, actual: bytes.count) }
        let raw = Array(bytes)
        do { point = try RistrettoPoint(encoding: raw, field: "public key") } catch { throw .invalidPoint(field: "public key") }
        self.bytes = raw
    }

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.bytes == b.bytes }
}
