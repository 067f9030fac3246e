import Bech32m

/// `zkpay verify` for kind `bech32m` (Fixtures/vectors/bech32m.json).
///
/// - bech32m_string: valid strings decode to the listed hrp and 5-bit data and re-encode to
///   their lowercase form; invalid ones are rejected.
/// - segwit_address: valid addresses decode (for their hrp) to the listed version, program
///   and scriptPubKey; invalid ones are rejected for both `bc` and `tb`.
/// - derived_long_payload: rejected under the 90-character limit; with the limit lifted it
///   decodes to the listed payload and re-encodes to the same string.
extension VerifyCommand {
    static func checkBech32m(_ file: [String: Any]) throws -> [CaseResult] {
        var results = [CaseResult]()
        for (index, c) in try file.objects("cases").enumerated() {
            let group = try c.string("group")
            let string = try c.string("string")
            let name = "case \(index) (\(group)) \(string.debugDescription)"
            let valid = try c.bool("valid")
            switch group {
            case "bech32m_string":
                results.append(try checkBech32mString(c, name: name, string: string, valid: valid))
            case "segwit_address":
                results.append(try checkSegwitAddress(c, name: name, string: string, valid: valid))
            case "derived_long_payload":
                results.append(try checkLongPayload(c, name: name, string: string, valid: valid))
            default:
                throw VectorFileError("case \(index): unknown group '\(group)'")
            }
        }
        return results
    }

    private static func fiveBit(_ c: [String: Any]) throws -> [UInt8] {
        guard let values = c["data_5bit"] as? [Int], values.allSatisfy({ (0..<32).contains($0) }) else {
            throw VectorFileError("missing or out-of-range `data_5bit`")
        }
        return values.map { UInt8($0) }
    }

    private static func checkBech32mString(_ c: [String: Any], name: String, string: String,
                                           valid: Bool) throws -> CaseResult {
        guard valid else {
            do {
                let d = try Bech32.decode(string)
                return .fail(name, "accepted, decoded to hrp '\(d.humanReadablePart)'; expected rejection (\((try? c.string("reason")) ?? ""))")
            } catch { return .pass(name) }
        }
        let hrp = try c.string("hrp")
        let data = try fiveBit(c)
        do {
            let d = try Bech32.decode(string)
            guard d.humanReadablePart == hrp else { return .fail(name, "hrp '\(d.humanReadablePart)', expected '\(hrp)'") }
            guard d.data == data else { return .fail(name, "5-bit data differs from the vector") }
            let again = try Bech32.encode(humanReadablePart: hrp, data: data)
            guard again == string.lowercased() else { return .fail(name, "re-encodes to \(again)") }
            return .pass(name)
        } catch { return .fail(name, "rejected: \(error)") }
    }

    private static func checkSegwitAddress(_ c: [String: Any], name: String, string: String,
                                           valid: Bool) throws -> CaseResult {
        guard valid else {
            for hrp in ["bc", "tb"] {
                if let a = try? SegwitAddress(decoding: string, humanReadablePart: hrp) {
                    return .fail(name, "accepted for '\(hrp)' as version \(a.version); expected rejection (\((try? c.string("reason")) ?? ""))")
                }
            }
            return .pass(name)
        }
        let hrp = try c.string("hrp")
        let version = try c.int("witness_version")
        let program = try c.hex("witness_program")
        let script = try c.hex("script_pubkey")
        do {
            let a = try SegwitAddress(decoding: string, humanReadablePart: hrp)
            guard a.version == version else { return .fail(name, "version \(a.version), expected \(version)") }
            guard a.program == program else { return .fail(name, "witness program differs") }
            guard a.scriptPubKey == script else { return .fail(name, "scriptPubKey differs") }
            let again = try a.encoded(humanReadablePart: hrp)
            guard again == string.lowercased() else { return .fail(name, "re-encodes to \(again)") }
            return .pass(name)
        } catch { return .fail(name, "rejected: \(error)") }
    }

    private static func checkLongPayload(_ c: [String: Any], name: String, string: String,
                                         valid: Bool) throws -> CaseResult {
        let hrp = try c.string("hrp")
        let payload = try c.hex("payload_hex")
        let data = try fiveBit(c)
        let lifted = (c["valid_without_length_limit"] as? Bool) ?? valid
        let strict = Result { () throws(Bech32Error) in try Bech32.decode(string) }
        if case .success = strict, !valid {
            return .fail(name, "accepted under the \(Bech32.standardMaximumLength)-character limit; expected rejection")
        }
        if case let .failure(error) = strict, valid {
            return .fail(name, "rejected under the standard limit: \(error)")
        }
        let maximum = string.utf8.count
        do {
            let d = try Bech32.decode(string, maximumLength: maximum)
            guard lifted else { return .fail(name, "decodes with the length limit lifted; expected rejection") }
            guard d.humanReadablePart == hrp, d.data == data else { return .fail(name, "hrp or 5-bit data differs") }
            guard try Bech32.bytes(fromFiveBitGroups: d.data) == payload else { return .fail(name, "payload differs") }
            let again = try Bech32.encode(humanReadablePart: hrp, bytes: payload, maximumLength: maximum)
            guard again == string else { return .fail(name, "re-encodes to \(again)") }
            return .pass(name)
        } catch {
            return lifted ? .fail(name, "rejected with the length limit lifted: \(error)") : .pass(name)
        }
    }
}
