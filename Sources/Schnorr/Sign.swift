public import Merlin
public import Ristretto255
import Sodium

/// Signing transcript labels (schnorrkel `sign.rs`).
enum Labels {
    static let protoName: StaticString = "proto-name"
    static let schnorrSig: StaticString = "Schnorr-sig"
    static let publicKey: StaticString = "sign:pk"
    static let commitment: StaticString = "sign:R"
    static let challenge: StaticString = "sign:c"
    static let nonceWitness: StaticString = "signing"
}

extension SecretKey {
    /// Signs the message bound in `transcript` (schnorrkel `SecretKey::sign`).
    ///
    /// The nonce r comes from the transcript RNG keyed with this key's nonce seed and
    /// 32 fresh CSPRNG bytes (hedged: safe if either is good); R = r·G;
    /// k = challenge("sign:c", 64 bytes) mod l; s = k·x + r. Constant time in x and r.
    /// - Parameters:
    ///   - transcript: the message transcript, e.g. `SigningContext("...").bytes(message)`.
    ///   - publicKey: x·G (committed to in the transcript; pass the matching key).
    ///   - generator: G; B unless stated otherwise (the balance proof uses B~).
    public func sign(_ transcript: Transcript, publicKey: PublicKey,
                     generator: RistrettoPoint = .basepoint) -> Signature {
        sign(transcript, publicKey: publicKey, generator: generator, randomness: SecureRandom.bytes(32))
    }

    /// `sign` with the transcript RNG's external randomness given (tests only need this
    /// to be reproducible; production code uses `sign` above).
    func sign(_ transcript: Transcript, publicKey: PublicKey, generator: RistrettoPoint,
              randomness: [UInt8]) -> Signature {
        var t = transcript
        Labels.schnorrSig.withUTF8Buffer { t.appendMessage(Labels.protoName, $0) }
        t.appendMessage(Labels.publicKey, publicKey.bytes)

        var builder = t.buildRNG()
        nonce.withUnsafeBytes { builder.rekeyWithWitnessBytes(Labels.nonceWitness, $0) }
        var rng = builder.finalize(randomBytes: randomness)
        var wide = rng.fillBytes(64)
        var r = Scalar(reducingWide: wide)
        secureZero(&wide)
        defer { secureZero(value: &r) }  // the nonce: whoever learns it learns the key

        let R = generator == .basepoint ? RistrettoPoint.multiplyBase(secret: r) : generator.multiply(secret: r)
        let rBytes = R.encoding
        t.appendMessage(Labels.commitment, rBytes)
        let k = Schnorr.challenge(&t)
        let s = scalar.withScalar { x in k * x + r }
        return Signature(R: R, rBytes: rBytes, s: s)
    }

    /// Signs `message` in `context` under the basepoint with this key's public key.
    public func sign(context: SigningContext, message: some Collection<UInt8>) -> Signature {
        sign(context.bytes(message), publicKey: publicKey())
    }
}
