import Sodium
package import Merlin
package import Ristretto255
import ZKPayCore

/// Fixture signer: schnorrkel signing (merlin-and-schnorrkel.md §4.2) with the transcript
/// RNG's external 32 bytes drawn from a seeded generator. Never for real use.
package struct FixtureSigner<G: RandomNumberGenerator>: TransferSigner {
    package var rng: G

    package init(rng: G) { self.rng = rng }

    package mutating func sign(secret: Scalar, nonceSeed: [UInt8], publicKey: RistrettoPoint, transcript: Transcript,
                               generator: RistrettoPoint) -> [UInt8] {
        var t = transcript
        t.appendMessage("proto-name", Array("Schnorr-sig".utf8))
        t.appendMessage("sign:pk", publicKey.encoding)
        var builder = t.buildRNG()
        builder.rekeyWithWitnessBytes("signing", nonceSeed)
        var nonceRNG = builder.finalize(randomBytes: rng.bytes(32))
        var wide = nonceRNG.fillBytes(64)
        let r = Scalar(reducingWide: wide)
        secureZero(&wide)
        let bigR = generator.multiply(secret: r)
        t.appendMessage("sign:R", bigR.encoding)
        let k = Scalar(reducingWide: t.challengeBytes("sign:c", count: 64))
        let s = k * secret + r
        var out = bigR.encoding + s.bytes
        out[63] |= 0x80
        return out
    }

    package mutating func nonceSeed() -> [UInt8] { rng.bytes(32) }
}
