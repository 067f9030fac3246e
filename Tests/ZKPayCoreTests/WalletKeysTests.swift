import Bech32m
import Keccak
import Ristretto255
import Sodium
import Testing
import TestSupport
@testable import ZKPayCore
import ZKPayTools

@Suite("Wallet keys")
struct WalletKeysTests {
    @Test("keys are BLAKE2b-512 of the seed under distinct domain keys, reduced mod l (checked against libsodium)")
    func derivation() throws {
        var rng = SeededRNG(seed: 0x6b65_7973)
        print("seed", rng.seed)
        for _ in 0..<testIterations(20) {
            let seedBytes = rng.bytes(32)
            let keys = try WalletKeys(seed: SecretBytes(copying: seedBytes))
            for (domain, point) in [("zkpay/spend-key/v1", keys.spend.publicKey), ("zkpay/view-key/v1", keys.view.publicKey)] {
                let wide = Hash.blake2b(seedBytes, outputLength: 64, key: Array(domain.utf8))
                let reduced = try SodiumRistretto.scalarReduce(wide)
                let expected = try reduced.withUnsafeBytes { try SodiumRistretto.scalarmultBase(scalar: $0) }
                #expect(point.encoding == expected)
            }
            let nonce = Hash.blake2b(seedBytes, outputLength: 32, key: Array("zkpay/spend-nonce/v1".utf8))
            #expect(keys.spend.nonceSeed.withUnsafeBytes { Array($0) } == nonce)
            #expect(keys.spend.publicKey != keys.view.publicKey)
        }
    }

    @Test("the same seed gives the same keys and another seed other keys")
    func deterministic() throws {
        let a = TestKeys.wallet(1), b = TestKeys.wallet(1), c = TestKeys.wallet(2)
        #expect(a.address == b.address)
        #expect(a.spend.publicKey != c.spend.publicKey && a.view.publicKey != c.view.publicKey)
        let (seed, generated) = WalletKeys.generate()
        #expect(try WalletKeys(seed: seed).address == generated.address)
    }

    @Test("the published seed-to-address test vector holds (docs/PROTOCOL.md §5)")
    func knownAnswer() throws {
        let keys = try WalletKeys(seed: SecretBytes(copying: Array(0..<32)))
        print("address of seed 00..1f:", keys.address.encoded)
        #expect(keys.address.encoded == KnownAnswers.addressOfSeed0to31)
    }

    @Test("a seed of the wrong length is rejected")
    func seedLength() {
        for n in [0, 16, 31, 33, 64] {
            #expect(protocolError { _ = try WalletKeys(seed: SecretBytes(copying: [UInt8](repeating: 1, count: n))) }?.code
                == "invalid_seed")
        }
    }

    @Test("secrets never show in descriptions")
    func redacted() {
        let k = TestKeys.wallet(3)
        #expect(!"\(k.spend.secret)".contains(k.spend.secret.withScalar { ProtocolHex.encode($0.bytes) }))
        #expect("\(k.view.secret)".contains("redacted"))
    }
}

@Suite("Addresses")
struct AddressTests {
    @Test("an address is 113 characters of bech32m with prefix zkp1 and round-trips")
    func roundTrip() throws {
        for tag in UInt8(0)..<8 {
            let keys = TestKeys.wallet(tag)
            let s = keys.address.encoded
            #expect(s.count == 113 && s.hasPrefix("zkp1"))
            let parsed = try Address(parsing: s)
            #expect(parsed == keys.address)
            #expect(parsed.spendKey == keys.spend.publicKey && parsed.viewKey == keys.view.publicKey)
            #expect(try Address(parsing: s.uppercased()) == keys.address)
            let (hrp, data) = try Bech32.decode(s, variant: .bech32m, maximumLength: 113)
            #expect(hrp == "zkp")
            #expect(try Bech32.bytes(fromFiveBitGroups: data) == keys.spend.publicKey.encoding + keys.view.publicKey.encoding)
        }
    }

    @Test("every single-character substitution of an address is rejected")
    func substitutions() {
        let s = Array(TestKeys.wallet(9).address.encoded.utf8)
        let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
        var tried = 0
        for i in s.indices {
            for c in alphabet + [UInt8(ascii: "b"), UInt8(ascii: "1"), UInt8(ascii: "Z")] where c != s[i] {
                var t = s
                t[i] = c
                tried += 1
                if let a = try? Address(parsing: String(decoding: t, as: UTF8.self)) {
                    Issue.record("position \(i) changed to \(Character(Unicode.Scalar(c))) still parses as \(a)")
                }
            }
        }
        #expect(tried > 113 * 30)
    }

    @Test("a wrong prefix, the bech32 checksum, a mixed case and other lengths are rejected")
    func wrongForms() throws {
        let keys = TestKeys.wallet(4)
        let payload = keys.address.payload
        let other = try Bech32.encode(humanReadablePart: "zkq", bytes: payload, maximumLength: 200)
        #expect(protocolError { _ = try Address(parsing: other) }?.code == "invalid_address")
        let v0 = try Bech32.encode(humanReadablePart: "zkp", bytes: payload, variant: .bech32, maximumLength: 200)
        #expect(protocolError { _ = try Address(parsing: v0) }?.code == "invalid_address")
        var mixed = Array(keys.address.encoded.utf8)
        if let i = mixed.indices.dropFirst(4).first(where: { (97...122).contains(mixed[$0]) }) { mixed[i] -= 32 }
        #expect(protocolError { _ = try Address(parsing: String(decoding: mixed, as: UTF8.self)) }?.code == "invalid_address")
        for n in [0, 32, 63, 65, 96] {
            let p = Array((payload + payload).prefix(n))
            let s = try Bech32.encode(humanReadablePart: "zkp", bytes: p, maximumLength: 300)
            #expect(protocolError { _ = try Address(parsing: s) }?.code == "invalid_address", "payload \(n)")
        }
        #expect(protocolError { _ = try Address(parsing: "") }?.code == "invalid_address")
    }

    @Test("a non-canonical or identity key inside a well-formed string is rejected naming the key")
    func badKeys() throws {
        let keys = TestKeys.wallet(5)
        let p = keys.spend.publicKey.encoding, v = keys.view.publicKey.encoding
        let zero = [UInt8](repeating: 0, count: 32)
        let cases: [([UInt8], ProtocolError)] = [
            (TestKeys.nonCanonicalPoint + v, .nonCanonicalPoint(field: "address.spend")),
            (p + TestKeys.nonCanonicalPoint, .nonCanonicalPoint(field: "address.view")),
            (zero + v, .identityPoint(field: "address.spend")),
            (p + zero, .identityPoint(field: "address.view")),
        ]
        for (payload, expected) in cases {
            let s = try Bech32.encode(humanReadablePart: "zkp", bytes: payload, maximumLength: 113)
            #expect(protocolError { _ = try Address(parsing: s) } == expected)
        }
        #expect(protocolError { _ = try Address(spend: .identity, view: keys.view.publicKey) }
            == .identityPoint(field: "address.spend"))
    }
}

@Suite("Pedersen generators")
struct PedersenTests {
    @Test("B~ is the ristretto255 element from SHA3-512 of B's encoding, as in the dalek bulletproofs crate")
    func blindingGenerator() {
        let derived = RistrettoPoint.fromUniformBytes(SHA3.sha512(RistrettoPoint.basepoint.encoding))
        #expect(derived == Pedersen.blindingGenerator)
        #expect(derived.encoding == Pedersen.blindingGeneratorEncoding)
    }

    @Test("commit is amount·B + blinding·B~ (constant-time path against the variable-time MSM)")
    func commit() {
        var rng = SeededRNG(seed: 0x7065_6465)
        print("seed", rng.seed)
        for i in 0..<testIterations(20) {
            let v: UInt64 = i == 0 ? 0 : (i == 1 ? .max : rng.next())
            let r = TestKeys.scalar(&rng)
            let expected = RistrettoPoint.vartimeMultiscalarMul([Scalar(v), r], [.basepoint, Pedersen.blindingGenerator])
            #expect(Pedersen.commit(amount: v, blinding: r) == expected)
        }
    }
}

@Suite("Published memo vector")
struct MemoVectorTests {
    @Test("the memo vector of docs/PROTOCOL.md §10 seals and opens as published")
    func memoVector() throws {
        let keys = try WalletKeys(seed: SecretBytes(copying: Array(0..<32)))
        let contents = try MemoContents(amount: 1234, blinding: SecretScalar(Scalar(7)), text: Array("hello zkpay".utf8))
        let c = contents.commitment
        var rng = FixtureRandomness(seed: Array("zkpay/memo-vector/v1".utf8))
        let memo = EncryptedMemo.seal(contents, to: keys.view.publicKey, owner: keys.spend.publicKey, commitment: c, using: &rng)
        print("memo vector: owner", ProtocolHex.encode(keys.spend.publicKey.encoding))
        print("memo vector: commitment", ProtocolHex.encode(c.encoding))
        print("memo vector: memo", ProtocolHex.encode(memo.bytes))
        #expect(ProtocolHex.encode(c.encoding) == KnownAnswers.memoVectorCommitment)
        #expect(ProtocolHex.encode(memo.bytes) == KnownAnswers.memoVectorEncoding)
        let published = try EncryptedMemo(bytes: ProtocolHex.decode(KnownAnswers.memoVectorEncoding) ?? [])
        let opened = try published.open(with: keys.view, owner: keys.spend.publicKey, commitment: c)
        #expect(opened.amount == 1234 && opened.text == Array("hello zkpay".utf8))
        #expect(opened.blinding.withScalar { $0 == Scalar(7) })
    }

    @Test("the memo vector decrypts along an independent path: libsodium's scalar multiplication and the spec's key schedule")
    func memoVectorWithLibsodium() throws {
        let seed = Array(UInt8(0)..<32)
        let y = try SodiumRistretto.scalarReduce(Hash.blake2b(seed, outputLength: 64, key: Array("zkpay/view-key/v1".utf8)))
        let v = try y.withUnsafeBytes { try SodiumRistretto.scalarmultBase(scalar: $0) }
        let x = try SodiumRistretto.scalarReduce(Hash.blake2b(seed, outputLength: 64, key: Array("zkpay/spend-key/v1".utf8)))
        let p = try x.withUnsafeBytes { try SodiumRistretto.scalarmultBase(scalar: $0) }
        let memo = ProtocolHex.decode(KnownAnswers.memoVectorEncoding) ?? []
        let c = ProtocolHex.decode(KnownAnswers.memoVectorCommitment) ?? []
        #expect(memo.count == 153)
        let r = Array(memo[0..<32])
        let shared = try SodiumRistretto.scalarmult(scalar: y, point: r)
        let okm = Hash.blake2b(shared + r + v + p + c, outputLength: 64, key: Array("zkpay/memo-key/v1".utf8))
        let plain = try XChaCha20Poly1305.open(Array(memo[32...]), key: SecretBytes(copying: okm[0..<32]),
                                               nonce: Array(okm[32..<56]))
        let bytes = plain.withUnsafeBytes { Array($0) }
        var expected = [UInt8](repeating: 0, count: 105)
        expected[0] = 0xd2; expected[1] = 0x04  // 1234
        expected[8] = 7  // blinding
        expected[40] = 11
        expected.replaceSubrange(41..<52, with: Array("hello zkpay".utf8))
        #expect(bytes == expected)
        // C = 1234·B + 7·B~, with libsodium.
        let amount: [UInt8] = [0xd2, 0x04] + [UInt8](repeating: 0, count: 30)
        let vb = try amount.withUnsafeBytes { try SodiumRistretto.scalarmultBase(scalar: $0) }
        let rb = try SodiumRistretto.scalarmult(scalar: [7] + [UInt8](repeating: 0, count: 31), point: Pedersen.blindingGeneratorEncoding)
        #expect(try SodiumRistretto.add(vb, rb) == c)
    }
}
