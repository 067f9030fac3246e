import Foundation
import Keccak
import TestSupport
import Testing

/// One case of Fixtures/golden/sha3-hashlib.json (see the generator beside it).
struct HashlibCase: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let sha3_512: [UInt8]
    let shake256: [UInt8]
    var testDescription: String { "\(input.count)-byte input" }

    static func all() throws -> [HashlibCase] {
        let object = try JSONSerialization.jsonObject(with: Fixtures.data("golden/sha3-hashlib.json"))
        guard let file = object as? [String: Any], let cases = file["cases"] as? [[String: Any]] else {
            throw FixtureError.noCases("golden/sha3-hashlib.json")
        }
        return cases.map {
            HashlibCase(input: Hex.decode($0["input"] as? String ?? "x"),
                        sha3_512: Hex.decode($0["sha3_512"] as? String ?? "x"),
                        shake256: Hex.decode($0["shake256"] as? String ?? "x"))
        }
    }
}

@Suite("SHA3-512")
struct SHA3Tests {
    @Test("FIPS 202 known answers for the empty string and \"abc\"")
    func knownAnswers() {
        #expect(Hex.encode(SHA3.sha512([UInt8]())) ==
            "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26")
        #expect(Hex.encode(SHA3.sha512(Array("abc".utf8))) ==
            "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")
    }

    @Test("SHA3-512 equals Python hashlib on 320 seeded inputs of 0 to 2000 bytes")
    func matchesHashlib() throws {
        let cases = try HashlibCase.all()
        try #require(cases.count == 320)
        for c in cases {
            #expect(SHA3.sha512(c.input) == c.sha3_512, "input of \(c.input.count) bytes")
        }
    }

    @Test("non-contiguous collections hash like arrays")
    func nonContiguousInput() {
        var rng = SeededRNG(seed: 0x5348_4133_0002)
        print("seed \(rng.seed)")
        for n in [0, 1, 71, 72, 73, 200] {
            let data = rng.bytes(n)
            #expect(SHA3.sha512(data.reversed().reversed()) == SHA3.sha512(data))
            #expect(SHA3.sha512(data[...]) == SHA3.sha512(data))
        }
    }
}

@Suite("SHAKE256")
struct SHAKE256Tests {
    static func shake(_ data: [UInt8], _ count: Int) -> [UInt8] {
        var s = SHAKE256()
        s.absorb(data)
        return s.squeeze(count)
    }

    @Test("FIPS 202 known answers for the empty string and \"abc\" (first 32 bytes)")
    func knownAnswers() {
        #expect(Hex.encode(Self.shake([], 32)) == "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f")
        #expect(Hex.encode(Self.shake(Array("abc".utf8), 32)) ==
            "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739")
    }

    @Test("SHAKE256 equals Python hashlib on 320 seeded inputs and output lengths up to 600")
    func matchesHashlib() throws {
        let cases = try HashlibCase.all()
        try #require(cases.count == 320)
        for c in cases {
            #expect(Self.shake(c.input, c.shake256.count) == c.shake256, "input of \(c.input.count) bytes")
        }
    }

    @Test("absorbing in random pieces and squeezing in random pieces equals the one-shot output")
    func incrementalEqualsOneShot() {
        var rng = SeededRNG(seed: 0x5348_414b_4500_0003)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(200) {
            let data = rng.bytes(Int(rng.next() % 700))
            let total = Int(rng.next() % 900)
            let expected = Self.shake(data, total)

            var s = SHAKE256()
            var offset = 0
            while offset < data.count {
                let take = min(data.count - offset, Int(rng.next() % 200))
                s.absorb(data[offset..<offset + take])
                offset += take
            }
            var out: [UInt8] = []
            while out.count < total {
                let take = min(total - out.count, Int(rng.next() % 300))
                if rng.next() % 2 == 0 {
                    out += s.squeeze(take)
                } else {
                    var piece = [UInt8](repeating: 0, count: take)
                    piece.withUnsafeMutableBytes { s.squeeze(into: $0) }
                    out += piece
                }
            }
            #expect(out == expected, "input \(data.count) bytes, output \(total) bytes")
        }
    }

    @Test("a longer squeeze extends a shorter one (prefix property)")
    func prefixProperty() {
        let data = Array("zkpay generators".utf8)
        let long = Self.shake(data, 1000)
        for n in [0, 1, 135, 136, 137, 999] {
            #expect(Array(long.prefix(n)) == Self.shake(data, n))
        }
    }
}
