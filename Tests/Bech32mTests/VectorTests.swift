import Testing
import Foundation
import Bech32m
import TestSupport

/// Maps a vector file's `reason` to the error the decoder must give, so a string
/// rejected for the wrong reason fails the test.
func expectedErrorMatches(_ reason: String, _ error: Bech32Error) -> Bool {
    switch error {
    case .characterOutOfRange: reason == "HRP character out of range"
    case .tooLong: reason.hasPrefix("overall max length exceeded")
    case .missingSeparator: reason == "No separator character"
    case .emptyHumanReadablePart: reason.lowercased() == "empty hrp"
    case .invalidDataCharacter(_, let inChecksum):
        inChecksum ? reason.hasPrefix("Invalid character in checksum") : reason == "Invalid data character"
    case .checksumTooShort: reason == "Too short checksum"
    case .invalidChecksum: reason == "checksum calculated with uppercase form of HRP"
    case .wrongVariant: reason.hasPrefix("Invalid checksum (")
    case .unexpectedHumanReadablePart: reason == "Invalid human-readable part"
    case .invalidWitnessVersion: reason == "Invalid witness version"
    case .invalidProgramLength: reason.hasPrefix("Invalid program length")
    case .mixedCase: reason == "Mixed case"
    case .excessPadding: reason == "zero padding of more than 4 bits"
    case .nonZeroPadding: reason == "Non-zero padding in 8-to-5 conversion"
    case .emptyData: reason == "Empty data section"
    case .dataValueOutOfRange, .humanReadablePartTooLong: false
    }
}

@Suite("BIP-350 vectors (Fixtures/vectors/bech32m.json)")
struct VectorTests {
    static func group(_ name: String, valid: Bool) -> [[String: Any]] {
        ((try? Fixtures.cases("bech32m.json")) ?? []).filter { $0["group"] as? String == name && $0["valid"] as? Bool == valid }
    }

    @Test("the vector file has every group the BIP and the zkpay note define")
    func fileShape() {
        #expect(Self.group("bech32m_string", valid: true).count == 7)
        #expect(Self.group("bech32m_string", valid: false).count == 14)
        #expect(Self.group("segwit_address", valid: true).count == 8)
        #expect(Self.group("segwit_address", valid: false).count == 15)
        #expect(Self.group("derived_long_payload", valid: false).count == 1)
    }

    @Test("every valid bech32m string decodes to its hrp and data and re-encodes to its lowercase form")
    func validStrings() throws {
        for c in Self.group("bech32m_string", valid: true) {
            let s = try #require(c["string"] as? String)
            let (hrp, data) = try Bech32.decode(s)
            #expect(hrp == c["hrp"] as? String, "\(s)")
            #expect(data == (c["data_5bit"] as? [Int])?.map { UInt8($0) }, "\(s)")
            #expect(s.count == c["length"] as? Int)
            #expect(try Bech32.encode(humanReadablePart: hrp, data: data) == s.lowercased())
            // The same string is not a valid bech32 (constant 1) string.
            #expect(throws: Bech32Error.wrongVariant(expected: .bech32, found: .bech32m)) {
                try Bech32.decode(s, variant: .bech32)
            }
        }
    }

    @Test("every invalid bech32m string is rejected for the BIP's reason")
    func invalidStrings() throws {
        for c in Self.group("bech32m_string", valid: false) {
            let s = try #require(c["string"] as? String)
            let reason = try #require(c["reason"] as? String)
            do {
                let decoded = try Bech32.decode(s)
                Issue.record("accepted invalid string \(s.debugDescription) as \(decoded)")
            } catch {
                #expect(expectedErrorMatches(reason, error), "\(s.debugDescription): got \(error), BIP says \(reason)")
            }
        }
    }

    @Test("every valid segwit address decodes to its version, program and scriptPubKey and re-encodes")
    func validSegwit() throws {
        for c in Self.group("segwit_address", valid: true) {
            let s = try #require(c["string"] as? String)
            let hrp = try #require(c["hrp"] as? String)
            let address = try SegwitAddress(decoding: s, humanReadablePart: hrp)
            #expect(address.version == c["witness_version"] as? Int, "\(s)")
            #expect(Hex.encode(address.program) == c["witness_program"] as? String, "\(s)")
            #expect(Hex.encode(address.scriptPubKey) == c["script_pubkey"] as? String, "\(s)")
            let variant: Bech32Variant = c["checksum"] as? String == "bech32" ? .bech32 : .bech32m
            #expect(try Bech32.decodeAnyVariant(s).variant == variant)
            #expect(try address.encoded(humanReadablePart: hrp) == s.lowercased())
            // The other network's prefix is refused.
            let other = hrp == "bc" ? "tb" : "bc"
            #expect(throws: Bech32Error.unexpectedHumanReadablePart(expected: other, actual: hrp)) {
                try SegwitAddress(decoding: s, humanReadablePart: other)
            }
        }
    }

    @Test("every invalid segwit address is rejected for both 'bc' and 'tb', for the BIP's reason")
    func invalidSegwit() throws {
        for c in Self.group("segwit_address", valid: false) {
            let s = try #require(c["string"] as? String)
            let reason = try #require(c["reason"] as? String)
            for hrp in ["bc", "tb"] {
                do {
                    let a = try SegwitAddress(decoding: s, humanReadablePart: hrp)
                    Issue.record("accepted invalid address \(s) for \(hrp): \(a)")
                } catch {
                    // Under the other network's prefix the HRP check may fire first.
                    let ownPrefix = s.lowercased().hasPrefix(hrp + "1")
                    if ownPrefix || reason == "Invalid human-readable part" {
                        #expect(expectedErrorMatches(reason, error), "\(s) (\(hrp)): got \(error), BIP says \(reason)")
                    } else {
                        #expect(error == .unexpectedHumanReadablePart(expected: hrp, actual: String(s.lowercased().prefix(2)))
                                || expectedErrorMatches(reason, error), "\(s) (\(hrp)): \(error)")
                    }
                }
            }
        }
    }

    @Test("the 113-character zkp payload is refused under the 90-character limit and decodes with it lifted")
    func longPayload() throws {
        let c = try #require(Self.group("derived_long_payload", valid: false).first)
        let s = try #require(c["string"] as? String)
        let payload = Hex.decode(try #require(c["payload_hex"] as? String))
        let data = try #require((c["data_5bit"] as? [Int])?.map { UInt8($0) })
        #expect(c["valid_without_length_limit"] as? Bool == true)
        #expect(throws: Bech32Error.tooLong(length: 113, maximum: 90)) { try Bech32.decode(s) }
        let (hrp, decoded) = try Bech32.decode(s, maximumLength: 113)
        #expect(hrp == "zkp")
        #expect(decoded == data)
        #expect(try Bech32.bytes(fromFiveBitGroups: decoded) == payload)
        #expect(try Bech32.decodeBytes(s, expectedHumanReadablePart: "zkp", maximumLength: 200) == payload)
        #expect(try Bech32.encode(humanReadablePart: "zkp", bytes: payload, maximumLength: 113) == s)
        #expect(throws: Bech32Error.tooLong(length: 113, maximum: 112)) {
            try Bech32.encode(humanReadablePart: "zkp", bytes: payload, maximumLength: 112)
        }
        #expect(throws: Bech32Error.unexpectedHumanReadablePart(expected: "zkt", actual: "zkp")) {
            try Bech32.decodeBytes(s, expectedHumanReadablePart: "zkt", maximumLength: 113)
        }
    }
}
