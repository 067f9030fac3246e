public import Ristretto255
public import Sodium

/// Derives a secret scalar as BLAKE2b-512 keyed with `domain` of the seed, reduced mod l.
/// The wide reduction makes the scalar statistically uniform (bias < 2^-250).
private func deriveScalar(seed: SecretBytes, domain: String) -> Scalar {
    var wide = seed.withUnsafeBytes { Hash.blake2b($0, outputLength: 64, key: Domain.key(domain)) }
    defer { secureZero(&wide) }
    return Scalar(reducingWide: wide)
}

/// The spend key: secret x, public P = x·B, and the schnorrkel nonce seed used when
/// signing with it. Authorizes transfers of notes owned by P.
public final class SpendKey: Sendable {
    /// x, in wiped memory.
    public let secret: SecretScalar
    /// The 32-byte schnorrkel nonce seed (hedges signing nonces), in wiped memory.
    public let nonceSeed: SecretBytes
    /// P = x·B.
    public let publicKey: RistrettoPoint

    init(secret: SecretScalar, nonceSeed: SecretBytes) {
        self.secret = secret
        self.nonceSeed = nonceSeed
        publicKey = RistrettoPoint.multiplyBase(secret: secret)
    }
}

/// The view key: secret y and public V = y·B. Opens memos (learns amounts) but cannot spend.
public final class ViewKey: Sendable {
    /// y, in wiped memory.
    public let secret: SecretScalar
    /// V = y·B.
    public let publicKey: RistrettoPoint

    /// A view key from its secret scalar (e.g. exported to a watch-only wallet).
    public init(secret: SecretScalar) {
        self.secret = secret
        publicKey = RistrettoPoint.multiplyBase(secret: secret)
    }
}

/// A wallet's keys, all derived from one 32-byte seed (docs/PROTOCOL.md §5):
///
///     x     = BLAKE2b-512(key = "zkpay/spend-key/v1",  seed) mod l
///     y     = BLAKE2b-512(key = "zkpay/view-key/v1",   seed) mod l
///     nonce = BLAKE2b-256(key = "zkpay/spend-nonce/v1", seed)
///
/// Distinct BLAKE2b keys make the three values independent, so the view key reveals
/// nothing about the spend key.
public struct WalletKeys: Sendable {
    /// Seed length in bytes.
    public static let seedLength = 32

    /// The spend key (x, P).
    public let spend: SpendKey
    /// The view key (y, V).
    public let view: ViewKey

    /// Derives the keys from `seed`.
    /// - Throws: `invalidSeed` if the seed is not 32 bytes or gives a zero scalar
    ///   (probability 2^-252: a broken seed source).
    public init(seed: SecretBytes) throws(ProtocolError) {
        guard seed.count == Self.seedLength else {
            throw .invalidSeed(reason: "a seed is \(Self.seedLength) bytes, got \(seed.count)")
        }
        let x = deriveScalar(seed: seed, domain: Domain.spendKey)
        let y = deriveScalar(seed: seed, domain: Domain.viewKey)
        guard !x.isZero, !y.isZero else { throw .invalidSeed(reason: "it derives a zero key; use another seed") }
        let nonce = SecretBytes(count: 32) { out in
            var n = seed.withUnsafeBytes { Hash.blake2b($0, outputLength: 32, key: Domain.key(Domain.spendNonce)) }
            out.copyBytes(from: n)
            secureZero(&n)
        }
        spend = SpendKey(secret: SecretScalar(x), nonceSeed: nonce)
        view = ViewKey(secret: SecretScalar(y))
    }

    /// A fresh seed from the CSPRNG and its keys. Keep the seed: it is the wallet backup.
    public static func generate() -> (seed: SecretBytes, keys: WalletKeys) {
        while true {
            let seed = SecretBytes(randomCount: seedLength)
            if let keys = try? WalletKeys(seed: seed) { return (seed, keys) }
        }
    }

    /// The wallet's address (P ‖ V).
    public var address: Address {
        do { return try Address(spend: spend.publicKey, view: view.publicKey) } catch {
            // P and V are multiples of B by nonzero scalars below l: never the identity.
            preconditionFailure("wallet public keys are never the identity")
        }
    }
}
