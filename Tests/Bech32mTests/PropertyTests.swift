import Testing
import Bech32m
import TestSupport

@Suite("Bech32m properties")
struct PropertyTests {
    static let validStrings: [String] = {
        let cases = (try? Fixtures.cases("bech32m.json")) ?? []
        return cases.compactMap { c in
            (c["valid"] as? Bool == true || c["valid_without_length_limit"] as? Bool == true) ? c["string"] as? String : nil
        }
    }()

    /// Every printable ASCII character, the alphabet a substitution can draw from.
    static let printable: [UInt8] = Array(33...126)

    @Test("every single-character change of every valid vector string is rejected")
    func singleCharacterChanges() throws {
        #expect(Self.validStrings.count == 16)
        var tried = 0
        for s in Self.validStrings {
            let bytes = Array(s.utf8)
            // Address checksums are case-insensitive: a case flip is not a change.
            let original = bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }
            for i in bytes.indices {
                for c in Self.printable {
                    let lowered = (65...90).contains(c) ? c + 32 : c
                    if lowered == original[i] { continue }
                    var changed = bytes
                    changed[i] = c
                    let t = String(decoding: changed, as: UTF8.self)
                    tried += 1
                    if let d = try? Bech32.decodeAnyVariant(t, maximumLength: 1000) {
                        Issue.record("changed \(s) at \(i) to \(UnicodeScalar(c)) and it decoded: \(d)")
                    }
                }
            }
        }
        #expect(tried > 70_000)
    }

    @Test("random hrp and data round-trip through encode and decode, in both cases")
    func roundTrips() throws {
        var rng = SeededRNG(seed: 0xb3c3_2001)
        print("Bech32m roundTrips seed \(rng.seed)")
        for _ in 0..<testIterations(2000) {
            let hrpLength = Int.random(in: 1...20, using: &rng)
            let hrp = String(decoding: (0..<hrpLength).map { _ in
                var c: UInt8
                repeat { c = UInt8.random(in: 33...126, using: &rng) } while (65...90).contains(c)
                return c
            }, as: UTF8.self)
            let data = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0..<32, using: &rng) }
            let variant: Bech32Variant = Bool.random(using: &rng) ? .bech32 : .bech32m
            let s = try Bech32.encode(humanReadablePart: hrp, data: data, variant: variant, maximumLength: 1000)
            let d = try Bech32.decode(s, variant: variant, maximumLength: 1000)
            #expect(d.humanReadablePart == hrp && d.data == data, "\(s)")
            if !s.utf8.contains(where: { (97...122).contains($0) }) { continue }
            let upper = try Bech32.decode(s.uppercased(), variant: variant, maximumLength: 1000)
            #expect(upper.humanReadablePart == hrp && upper.data == data)
        }
    }

    @Test("bytes survive 8-to-5-to-8 conversion at every length 0...100")
    func byteConversion() throws {
        var rng = SeededRNG(seed: 0xb3c3_2002)
        print("Bech32m byteConversion seed \(rng.seed)")
        for length in 0...100 {
            let bytes = rng.bytes(length)
            let groups = Bech32.fiveBitGroups(bytes)
            #expect(groups.count == (length * 8 + 4) / 5)
            #expect(groups.allSatisfy { $0 < 32 })
            #expect(try Bech32.bytes(fromFiveBitGroups: groups) == bytes)
        }
    }

    @Test("5-to-8 conversion rejects nonzero padding, padding of 5 or more bits and out-of-range values")
    func conversionErrors() throws {
        // One 5-bit group: 5 bits of padding, not allowed.
        #expect(throws: Bech32Error.excessPadding(bits: 5)) { try Bech32.bytes(fromFiveBitGroups: [0]) }
        // Two groups = 10 bits: one byte and 2 padding bits that must be 0.
        #expect(try Bech32.bytes(fromFiveBitGroups: [31, 28]) == [0xff])
        #expect(throws: Bech32Error.nonZeroPadding) { try Bech32.bytes(fromFiveBitGroups: [31, 29]) }
        #expect(throws: Bech32Error.dataValueOutOfRange(index: 1, value: 32)) {
            try Bech32.bytes(fromFiveBitGroups: [1, 32])
        }
    }

    @Test("encode rejects bad hrps, out-of-range data and over-long results")
    func encodeErrors() throws {
        #expect(throws: Bech32Error.emptyHumanReadablePart) { try Bech32.encode(humanReadablePart: "", data: []) }
        #expect(throws: Bech32Error.characterOutOfRange(position: 1)) {
            try Bech32.encode(humanReadablePart: "a b", data: [])
        }
        #expect(throws: Bech32Error.characterOutOfRange(position: 0)) {
            try Bech32.encode(humanReadablePart: "é", data: [])
        }
        #expect(throws: Bech32Error.dataValueOutOfRange(index: 2, value: 40)) {
            try Bech32.encode(humanReadablePart: "a", data: [1, 2, 40])
        }
        #expect(throws: Bech32Error.tooLong(length: 91, maximum: 90)) {
            try Bech32.encode(humanReadablePart: "a", data: [UInt8](repeating: 0, count: 83))
        }
        #expect((try? Bech32.encode(humanReadablePart: "a", data: [UInt8](repeating: 0, count: 82)))?.count == 90)
        // An uppercase hrp is lowercased, as decoding would report it.
        #expect(try Bech32.encode(humanReadablePart: "A", data: []) == "a1lqfn3a")
    }

    @Test("the human-readable part is limited to 83 characters even with the length limit lifted")
    func hrpLength() throws {
        let hrp83 = String(repeating: "h", count: 83)
        let s = try Bech32.encode(humanReadablePart: hrp83, data: [1, 2, 3], maximumLength: 200)
        #expect(try Bech32.decode(s, maximumLength: 200).humanReadablePart == hrp83)
        #expect(throws: Bech32Error.humanReadablePartTooLong(length: 84)) {
            try Bech32.encode(humanReadablePart: hrp83 + "h", data: [], maximumLength: 200)
        }
        // A valid checksum over an 84-character HRP is still refused on decode.
        #expect(checksum(hrp: "a", data: []) == "lqfn3a")  // the helper reproduces BIP-350's "a1lqfn3a"
        let data: [UInt8] = [0]
        let forged = hrp83 + "h" + "1" + "q" + checksum(hrp: hrp83 + "h", data: data)
        #expect(throws: Bech32Error.humanReadablePartTooLong(length: 84)) { try Bech32.decode(forged, maximumLength: 200) }
    }

    /// Independent bech32m checksum (BIP-350 reference algorithm) for building test strings.
    func checksum(hrp: String, data: [UInt8]) -> String {
        let gen: [UInt32] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
        var chk: UInt32 = 1
        let values = hrp.utf8.map { $0 >> 5 } + [0] + hrp.utf8.map { $0 & 31 } + data + [0, 0, 0, 0, 0, 0]
        for v in values {
            let b = chk >> 25
            chk = (chk & 0x1ffffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (b >> i) & 1 == 1 { chk ^= gen[i] }
        }
        let mod = chk ^ 0x2bc830a3
        let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
        return String((0..<6).map { alphabet[Int((mod >> (5 * (5 - UInt32($0)))) & 31)] })
    }

    @Test("decode names the rule broken: mixed case, non-ASCII, missing separator, short checksum")
    func decodeErrors() {
        #expect(throws: Bech32Error.mixedCase) { try Bech32.decode("A1lqfn3a") }
        #expect(throws: Bech32Error.characterOutOfRange(position: 1)) { try Bech32.decode("aé1lqfn3a") }
        #expect(throws: Bech32Error.missingSeparator) { try Bech32.decode("lqfn3a") }
        #expect(throws: Bech32Error.checksumTooShort(dataLength: 0)) { try Bech32.decode("a1") }
        #expect(throws: Bech32Error.emptyHumanReadablePart) { try Bech32.decode("1lqfn3a") }
        #expect(throws: Bech32Error.invalidChecksum) { try Bech32.decode("a1lqfn3q") }
        #expect(throws: Bech32Error.invalidDataCharacter(position: 2, inChecksum: false)) {
            try Bech32.decode("a1bqqqqqqq")
        }
        #expect(throws: Bech32Error.tooLong(length: 91, maximum: 90)) {
            try Bech32.decode(String(repeating: "q", count: 91))
        }
    }

    @Test("segwit parts are validated when building an address")
    func segwitBuild() throws {
        #expect(throws: Bech32Error.invalidWitnessVersion(17)) { try SegwitAddress(version: 17, program: [1, 2]) }
        #expect(throws: Bech32Error.invalidProgramLength(version: 0, length: 21)) {
            try SegwitAddress(version: 0, program: [UInt8](repeating: 0, count: 21))
        }
        #expect(throws: Bech32Error.invalidProgramLength(version: 1, length: 41)) {
            try SegwitAddress(version: 1, program: [UInt8](repeating: 0, count: 41))
        }
        let a = try SegwitAddress(version: 1, program: [UInt8](repeating: 7, count: 32))
        let s = try a.encoded(humanReadablePart: "bc")
        #expect(try SegwitAddress(decoding: s, humanReadablePart: "bc") == a)
        #expect(a.scriptPubKey.prefix(2) == [0x51, 32])
    }

    @Test("every error has a message a user can act on")
    func messages() {
        let errors: [Bech32Error] = [.tooLong(length: 91, maximum: 90), .characterOutOfRange(position: 0), .mixedCase,
                                     .missingSeparator, .emptyHumanReadablePart, .humanReadablePartTooLong(length: 84),
                                     .checksumTooShort(dataLength: 3),
                                     .invalidDataCharacter(position: 4, inChecksum: true), .invalidChecksum,
                                     .wrongVariant(expected: .bech32m, found: .bech32),
                                     .dataValueOutOfRange(index: 0, value: 33), .excessPadding(bits: 5), .nonZeroPadding,
                                     .unexpectedHumanReadablePart(expected: "bc", actual: "tb"), .emptyData,
                                     .invalidWitnessVersion(17), .invalidProgramLength(version: 0, length: 3)]
        let messages = Set(errors.map(\.description))
        #expect(messages.count == errors.count)
        #expect(messages.allSatisfy { $0.count > 15 })
    }
}
