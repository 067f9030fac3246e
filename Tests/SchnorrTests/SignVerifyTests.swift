import Foundation
import BatchVerify
import Ristretto255
@testable import Schnorr
import TestSupport
import Testing

@Suite("Schnorr sign and verify")
struct SignVerifyTests {
    static let context = SigningContext("zkpay test")

    @Test("signatures of random messages under random keys verify, and verification is exact")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 0x5343_484e_0001)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(20) {
            let key = try MiniSecretKey(bytes: rng.bytes(32)).expandEd25519()
            let message = rng.bytes(Int(rng.next() % 300))
            let sig = key.sign(context: Self.context, message: message)
            let bytes = sig.bytes
            #expect(bytes.count == 64)
            #expect(bytes[63] & 0x80 != 0)
            #expect(try Signature(bytes: bytes) == sig)
            try Schnorr.verifyVartime(publicKey: key.publicKey().bytes, message: message, signature: bytes,
                                      context: Self.context)
        }
    }

    @Test("signing is hedged: fresh randomness gives different signatures, fixed randomness repeats")
    func hedgedNonce() throws {
        let key = MiniSecretKey().expandEd25519()
        let pk = key.publicKey()
        let t = Self.context.bytes(Array("pay 5".utf8))
        #expect(key.sign(t, publicKey: pk).bytes != key.sign(t, publicKey: pk).bytes)
        let fixed = [UInt8](repeating: 42, count: 32)
        let a = key.sign(t, publicKey: pk, generator: .basepoint, randomness: fixed)
        let b = key.sign(t, publicKey: pk, generator: .basepoint, randomness: fixed)
        #expect(a.bytes == b.bytes)
        try pk.verifyVartime(a, t)
        // The nonce seed matters too: another key's seed with the same scalar gives another R.
        let sameScalarOtherSeed = try SecretKey(bytes: Array(key.secretBytes()[0..<32]) + [UInt8](repeating: 1, count: 32))
        let c = sameScalarOtherSeed.sign(t, publicKey: pk, generator: .basepoint, randomness: fixed)
        #expect(c.rBytes != a.rBytes)
        try pk.verifyVartime(c, t)
    }

    @Test("flipping any bit of any byte of a valid signature makes it fail")
    func everySignatureByteTampered() throws {
        let key = MiniSecretKey().expandEd25519()
        let message = Array("every byte".utf8)
        let good = key.sign(context: Self.context, message: message).bytes
        let pk = key.publicKey().bytes
        for i in 0..<64 {
            for bit in [0, 3, 7] {
                var bad = good
                bad[i] ^= UInt8(1 << bit)
                #expect(throws: SchnorrError.self, "byte \(i) bit \(bit)") {
                    try Schnorr.verifyVartime(publicKey: pk, message: message, signature: bad, context: Self.context)
                }
            }
        }
    }

    @Test("flipping any bit of any byte of the public key makes verification fail")
    func everyPublicKeyByteTampered() throws {
        let key = MiniSecretKey().expandEd25519()
        let message = Array("public key".utf8)
        let sig = key.sign(context: Self.context, message: message).bytes
        let pk = key.publicKey().bytes
        for i in 0..<32 {
            for bit in [0, 5, 7] {
                var bad = pk
                bad[i] ^= UInt8(1 << bit)
                #expect(throws: SchnorrError.self, "byte \(i) bit \(bit)") {
                    try Schnorr.verifyVartime(publicKey: bad, message: message, signature: sig, context: Self.context)
                }
            }
        }
    }

    @Test("changing any byte of the message, or its length, makes verification fail")
    func everyMessageByteTampered() throws {
        let key = MiniSecretKey().expandEd25519()
        let message = Array(0..<100).map { UInt8($0) }
        let sig = key.sign(context: Self.context, message: message).bytes
        let pk = key.publicKey().bytes
        for i in message.indices {
            var bad = message
            bad[i] ^= 0x01
            #expect(throws: SchnorrError.verificationFailed, "byte \(i)") {
                try Schnorr.verifyVartime(publicKey: pk, message: bad, signature: sig, context: Self.context)
            }
        }
        for bad in [Array(message.dropLast()), message + [0], []] {
            #expect(throws: SchnorrError.verificationFailed) {
                try Schnorr.verifyVartime(publicKey: pk, message: bad, signature: sig, context: Self.context)
            }
        }
    }

    @Test("a signature in one context does not verify in another")
    func wrongContext() throws {
        let key = MiniSecretKey().expandEd25519()
        let message = Array("context".utf8)
        let sig = key.sign(context: Self.context, message: message).bytes
        for other in [SigningContext("zkpay test2"), SigningContext("substrate"), SigningContext(bytes: [])] {
            #expect(throws: SchnorrError.verificationFailed) {
                try Schnorr.verifyVartime(publicKey: key.publicKey().bytes, message: message, signature: sig,
                                          context: other)
            }
        }
    }

    @Test("a signature under generator G (B~ or any other point) proves knowledge of k in E = k·G and fails under B",
          arguments: [0, 1])
    func otherGenerator(_ which: Int) throws {
        // 0: B~, whose scalar the batch statement puts on the shared generator terms;
        // 1: an arbitrary point, which becomes a dynamic term.
        let G = which == 0 ? Generators.standard.blinding
            : RistrettoPoint.fromUniformBytes((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        let k = SecretScalar(Scalar.random())
        let key = SecretKey(scalar: k)
        let E = key.publicKey(generator: G)
        #expect(E.point == G.vartimeMultiply(k.withScalar { $0 }))
        let t = Self.context.bytes(Array("balance".utf8))
        let sig = key.sign(t, publicKey: E, generator: G)
        try E.verifyVartime(sig, t, generator: G)
        #expect(E.statement(for: sig, t, generator: G).isSatisfiedVartime(backend: TestBackends.fastest))
        #expect(throws: SchnorrError.verificationFailed) { try E.verifyVartime(sig, t) }
        #expect(!E.statement(for: sig, t).isSatisfiedVartime(backend: TestBackends.fastest))
        // And a basepoint signature does not verify under G.
        let P = key.publicKey()
        let sigB = key.sign(t, publicKey: P)
        try P.verifyVartime(sigB, t)
        #expect(throws: SchnorrError.verificationFailed) { try P.verifyVartime(sigB, t, generator: G) }
        #expect(!P.statement(for: sigB, t, generator: G).isSatisfiedVartime(backend: TestBackends.fastest))
    }

    @Test("malformed lengths and a non-canonical secret key scalar are refused with typed errors")
    func parsingErrors() {
        #expect(throws: SchnorrError.wrongLength(field: "signature", expected: 64, actual: 63)) {
            try Signature(bytes: [UInt8](repeating: 0, count: 63))
        }
        #expect(throws: SchnorrError.wrongLength(field: "public key", expected: 32, actual: 33)) {
            try PublicKey(bytes: [UInt8](repeating: 0, count: 33))
        }
        #expect(throws: SchnorrError.wrongLength(field: "mini secret key", expected: 32, actual: 0)) {
            try MiniSecretKey(bytes: [])
        }
        #expect(throws: SchnorrError.nonCanonicalScalar(field: "secret key scalar")) {
            try SecretKey(bytes: [UInt8](repeating: 0xff, count: 64))
        }
        #expect(!SchnorrError.notMarkedSchnorrkel.description.isEmpty)
    }

    @Test("secret keys never show their bytes in descriptions")
    func redacted() {
        let mini = MiniSecretKey()
        let key = mini.expandEd25519()
        #expect(String(describing: mini) == "MiniSecretKey(redacted)")
        #expect(String(describing: key) == "SecretKey(redacted)")
    }
}

