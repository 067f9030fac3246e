import Testing
import Sodium
import TestSupport

/// RFC 8032 section 7.1, tests 1 and 2 (re-checked with Python `cryptography`).
@Suite("Ed25519 (libsodium)")
struct Ed25519Tests {
    static let rfc: [(seed: String, publicKey: String, message: String, signature: String)] = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ]

    @Test("RFC 8032 seeds give the RFC public keys and signatures, which verify")
    func knownAnswers() throws {
        for v in Self.rfc {
            let pair = try Ed25519KeyPair(seed: SecretBytes(copying: Hex.decode(v.seed)))
            #expect(Hex.encode(pair.publicKey) == v.publicKey)
            let sig = pair.sign(Hex.decode(v.message))
            #expect(Hex.encode(sig) == v.signature)
            #expect(Ed25519.verify(signature: sig, message: Hex.decode(v.message), publicKey: pair.publicKey))
        }
    }

    @Test("a signature is rejected after any single bit of signature, message or key flips")
    func tamperRejected() {
        var rng = SeededRNG(seed: 0x50d1_0002)
        print("Ed25519Tests tamper seed \(rng.seed)")
        let pair = Ed25519KeyPair()
        let message = rng.bytes(40)
        let sig = pair.sign(message)
        #expect(Ed25519.verify(signature: sig, message: message, publicKey: pair.publicKey))
        for i in 0..<(sig.count * 8) {
            var t = sig
            t[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!Ed25519.verify(signature: t, message: message, publicKey: pair.publicKey), "signature bit \(i)")
        }
        for i in 0..<(message.count * 8) {
            var t = message
            t[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!Ed25519.verify(signature: sig, message: t, publicKey: pair.publicKey), "message bit \(i)")
        }
        for i in 0..<(pair.publicKey.count * 8) {
            var t = pair.publicKey
            t[i / 8] ^= 1 << UInt8(i % 8)
            #expect(!Ed25519.verify(signature: sig, message: message, publicKey: t), "key bit \(i)")
        }
        #expect(!Ed25519.verify(signature: sig, message: message + [0], publicKey: pair.publicKey))
        #expect(!Ed25519.verify(signature: Array(sig.dropLast()), message: message, publicKey: pair.publicKey))
        #expect(!Ed25519.verify(signature: sig, message: message, publicKey: Array(pair.publicKey.dropLast())))
        #expect(!Ed25519.verify(signature: sig, message: message, publicKey: Ed25519KeyPair().publicKey))
    }

    @Test("a seed of the wrong length is refused with a typed error")
    func badSeed() {
        #expect(throws: SodiumError.wrongLength(field: "Ed25519 seed", expected: 32, actual: 31)) {
            try Ed25519KeyPair(seed: SecretBytes(copying: [UInt8](repeating: 1, count: 31)))
        }
    }
}
