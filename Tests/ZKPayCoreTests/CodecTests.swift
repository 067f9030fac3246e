import Ristretto255
import Testing
import TestSupport
@testable import ZKPayCore

@Suite("ByteWriter and ByteReader")
struct CodecTests {
    @Test("integers, points, scalars and length-prefixed fields round-trip in little-endian order")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 0xc0de_c001)
        print("seed", rng.seed)
        for _ in 0..<testIterations(50) {
            let a = UInt8(truncatingIfNeeded: rng.next()), b = UInt16(truncatingIfNeeded: rng.next())
            let c = UInt32(truncatingIfNeeded: rng.next()), d = rng.next()
            let p = TestKeys.point(&rng), s = TestKeys.scalar(&rng)
            let blob = rng.bytes(Int(rng.next() % 300))
            var w = ByteWriter()
            w.u8(a); w.u16(b); w.u32(c); w.u64(d); w.point(p); w.scalar(s); w.lengthPrefixed(blob)
            #expect(w.bytes.count == 1 + 2 + 4 + 8 + 32 + 32 + 2 + blob.count)
            var r = ByteReader(w.bytes)
            #expect(try r.u8("a") == a)
            #expect(try r.u16("b") == b)
            #expect(try r.u32("c") == c)
            #expect(try r.u64("d") == d)
            #expect(try r.point("p") == p)
            #expect(try r.scalar("s") == s)
            #expect(try r.lengthPrefixed("blob", allowed: 0...300) == blob)
            try r.finish()
        }
        var w = ByteWriter()
        w.u32(0x0403_0201)
        w.u64(0x0807_0605_0403_0201)
        #expect(w.bytes == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("a read past the end names the field, the bytes needed and the bytes remaining")
    func truncation() {
        var r = ByteReader([1, 2, 3])
        #expect(protocolError { _ = try r.u64("fee") } == .truncated(field: "fee", needed: 8, remaining: 3))
        var r2 = ByteReader([UInt8](repeating: 0, count: 31))
        #expect(protocolError { _ = try r2.point("outputs[0].owner") }
            == .truncated(field: "outputs[0].owner", needed: 32, remaining: 31))
        var r3 = ByteReader([5, 0, 1, 2])
        #expect(protocolError { _ = try r3.lengthPrefixed("proof", allowed: 0...10) }
            == .truncated(field: "proof", needed: 5, remaining: 2))
    }

    @Test("finish rejects trailing bytes with their count")
    func trailing() throws {
        var r = ByteReader([1, 2, 3])
        _ = try r.u8("a")
        #expect(protocolError { try r.finish() } == .trailingBytes(count: 2))
    }

    @Test("counts outside their range are rejected before anything is read")
    func counts() throws {
        var r = ByteReader([17])
        #expect(protocolError { _ = try r.count("inputs", allowed: 1...16) }
            == .countOutOfRange(field: "inputs", count: 17, allowed: "1...16"))
        var r0 = ByteReader([0])
        #expect(protocolError { _ = try r0.count("inputs", allowed: 1...16) }?.code == "count_out_of_range")
        for n in 0...255 {
            var r1 = ByteReader([UInt8(n)])
            let ok = [1, 2, 4, 8, 16].contains(n)
            let result = Result { () throws(ProtocolError) in try r1.count("outputs", oneOf: [1, 2, 4, 8, 16]) }
            switch result {
            case let .success(v): #expect(ok && v == n)
            case let .failure(e): #expect(!ok && e.code == "count_out_of_range")
            }
        }
        var r2 = ByteReader([0xff, 0xff])
        #expect(protocolError { _ = try r2.lengthPrefixed("proof", allowed: 0...1000) }
            == .countOutOfRange(field: "proof length", count: 65535, allowed: "0...1000"))
    }

    @Test("non-canonical points and scalars are rejected naming the field; the identity only where asked")
    func canonical() throws {
        var r = ByteReader(TestKeys.nonCanonicalPoint)
        #expect(protocolError { _ = try r.point("excess") } == .nonCanonicalPoint(field: "excess"))
        // A negative field element (low bit set) is non-canonical in ristretto255.
        var r1 = ByteReader([1] + [UInt8](repeating: 0, count: 31))
        #expect(protocolError { _ = try r1.point("owner") } == .nonCanonicalPoint(field: "owner"))
        var r2 = ByteReader(TestKeys.groupOrder)
        #expect(protocolError { _ = try r2.scalar("blinding") } == .nonCanonicalScalar(field: "blinding"))
        var r3 = ByteReader([UInt8](repeating: 0, count: 64))
        #expect(try r3.point("commitment").isIdentity)
        #expect(protocolError { _ = try r3.nonIdentityPoint("owner") } == .identityPoint(field: "owner"))
        var r4 = ByteReader([UInt8](repeating: 0xff, count: 32))
        #expect(protocolError { _ = try r4.scalar("s") } == .nonCanonicalScalar(field: "s"))
    }

    @Test("every error has a distinct stable code listed in allCodes and a message")
    func codes() {
        let samples: [ProtocolError] = [
            .truncated(field: "f", needed: 1, remaining: 0), .trailingBytes(count: 1),
            .countOutOfRange(field: "f", count: 0, allowed: "1...16"), .nonCanonicalPoint(field: "f"),
            .identityPoint(field: "f"), .nonCanonicalScalar(field: "f"), .unexpectedObjectType(expected: "transfer", found: 2),
            .unknownVersion(object: "transfer", version: 2), .invalidEncoding(field: "f", reason: "r"),
            .invalidJSON(field: "f", reason: "r"), .invalidAddress(reason: "r"), .invalidSeed(reason: "r"),
            .memoTextTooLong(length: 65), .memoNotForThisKey, .memoMalformed(reason: "r"), .memoCommitmentMismatch,
            .noteNotOwned, .duplicateInput(index: 1), .inputNotesMismatch(index: 0), .inputOwnerMismatch(index: 0),
            .excessMismatch, .invalidRangeProof, .invalidBalanceSignature, .invalidAuthorization, .invalidMintSignature,
            .unexpectedIssuer, .amountOverflow(field: "f"), .insufficientFunds(available: 1, needed: 2),
            .unsupportedRequest(reason: "r"), .invalidAuditorKey(reason: "r"),
            .auditorSectionMismatch(output: 0, expected: 1, found: 0), .invalidAuditorProof(output: 1),
            .invalidReference(reason: "r"), .invalidBurn(reason: "r"),
            .burnOpeningMismatch(output: 0), .invalidHolderSignature,
        ]
        #expect(samples.map(\.code) == ProtocolError.allCodes)
        #expect(Set(ProtocolError.allCodes).count == ProtocolError.allCodes.count)
        for e in samples { #expect(!e.description.isEmpty) }
    }
}

@Suite("JSON")
struct JSONTests {
    @Test("rendered JSON parses back to the same value")
    func roundTrip() throws {
        let v = JSONValue.object([
            JSONMember("a", .string("x\"y\\z\n\u{1}é")), JSONMember("b", .int(-42)), JSONMember("c", .bool(true)),
            JSONMember("d", .array([.int(0), .object([]), .array([])])),
        ])
        let parsed = try JSONValue.parse(Array(v.render().utf8))
        // Parsed objects keep document order.
        #expect(parsed == v)
        // Exact escapes, and strings that need none are written as they are.
        #expect(JSONValue.string("x\"y\\z\n\r\t\u{1}é").render() == #""x\"y\\z\n\r\t\u0001é""#)
        #expect(JSONValue.object([JSONMember("k", .string("00ff"))]).render() == #"{"k":"00ff"}"#)
    }

    @Test("the parser rejects duplicate keys, floats, null, trailing text and deep nesting")
    func strict() {
        for bad in ["{\"a\":1,\"a\":2}", "{\"a\":1.5}", "{\"a\":null}", "{\"a\":1} x", "{\"a\":01}", "[1,]",
                    "{\"a\":\"\u{1}\"}", String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
                    "{\"a\":1e3}", "\"unterminated", "{'a':1}", ""] {
            #expect(protocolError { _ = try JSONValue.parse(Array(bad.utf8)) }?.code == "invalid_json", "\(bad)")
        }
    }

    @Test("object readers demand every field with its type and reject unknown fields")
    func objectReader() throws {
        let v = try JSONValue.parse(Array("{\"fee\":\"10\",\"id\":\"00ff\",\"n\":3}".utf8))
        var o = try JSONObjectReader(v, path: "$")
        #expect(try o.u64("fee") == 10)
        #expect(try o.hex("id", length: 2) == [0, 255])
        #expect(protocolError { try o.finish() } == .invalidJSON(field: "n", reason: "unknown field"))
        #expect(try o.int("n") == 3)
        try o.finish()
        for (text, key) in [("{\"fee\":\"010\"}", "fee"), ("{\"fee\":\"18446744073709551616\"}", "fee"),
                            ("{\"fee\":10}", "fee"), ("{\"fee\":\"-1\"}", "fee"), ("{\"fee\":\"\"}", "fee")] {
            var r = try JSONObjectReader(try JSONValue.parse(Array(text.utf8)), path: "$")
            #expect(protocolError { _ = try r.u64(key) }?.code == "invalid_json", "\(text)")
        }
        for text in ["{\"id\":\"00FF\"}", "{\"id\":\"0\"}", "{\"id\":\"zz\"}", "{\"id\":\"000000\"}"] {
            var r = try JSONObjectReader(try JSONValue.parse(Array(text.utf8)), path: "$")
            #expect(protocolError { _ = try r.hex("id", length: 2) }?.code == "invalid_json", "\(text)")
        }
        var missing = try JSONObjectReader(.object([]), path: "transfer")
        #expect(protocolError { _ = try missing.string("x") } == .invalidJSON(field: "transfer.x", reason: "missing"))
    }
}

@Suite("ProtocolHex")
struct ProtocolHexTests {
    @Test("every byte value encodes to its two lowercase digits, from arrays, slices and lazy sequences alike")
    func encodeEveryByte() {
        let all = (0...255).map { UInt8($0) }
        let digits = Array("0123456789abcdef")
        let expected = String(all.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
        #expect(ProtocolHex.encode(all) == expected)
        #expect(ProtocolHex.encode(all[16..<48]) == String(expected.dropFirst(32).prefix(64)))
        #expect(ProtocolHex.encode(all.lazy.map { $0 }) == expected)   // not contiguous: the copying path
        #expect(ProtocolHex.encode([UInt8]()) == "")
        #expect(ProtocolHex.decode(expected) == all)
        #expect(ProtocolHex.decode(expected.uppercased()) == nil)
        #expect(ProtocolHex.decode("abc") == nil)
    }
}
