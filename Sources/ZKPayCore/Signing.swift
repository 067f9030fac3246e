package import Merlin
package import Ristretto255
import Schnorr
import Sodium

/// Produces the protocol's schnorrkel signatures. Two implementations: `SecureSigner`
/// (real use: the Schnorr module's hedged signer with CSPRNG randomness) and
/// ZKPayTools' `FixtureSigner` (fixture regeneration: the same algorithm with randomness from a
/// seeded generator, so that the published fixtures are reproducible).
package protocol TransferSigner {
    /// Signs the message bound in `transcript` with secret `secret` and nonce seed
    /// `nonceSeed`; the public key is `secret`·`generator`.
    mutating func sign(secret: Scalar, nonceSeed: [UInt8], publicKey: RistrettoPoint, transcript: Transcript,
                       generator: RistrettoPoint) -> [UInt8]
    /// 32 bytes for a nonce seed of an ephemeral key (the balance key k).
    mutating func nonceSeed() -> [UInt8]
}

/// Real-use signer: `Schnorr.SecretKey.sign`, randomness from libsodium.
package struct SecureSigner: TransferSigner {
    package init() {}

    package mutating func sign(secret: Scalar, nonceSeed: [UInt8], publicKey: RistrettoPoint, transcript: Transcript,
                               generator: RistrettoPoint) -> [UInt8] {
        var keyBytes = secret.bytes + nonceSeed
        defer { secureZero(&keyBytes) }
        do {
            let key = try SecretKey(bytes: keyBytes)
            return key.sign(transcript, publicKey: PublicKey(point: publicKey), generator: generator).bytes
        } catch { preconditionFailure("a reduced scalar and 32 bytes form a schnorrkel secret key: \(error)") }
    }

    package mutating func nonceSeed() -> [UInt8] { SecureRandom.bytes(32) }
}
