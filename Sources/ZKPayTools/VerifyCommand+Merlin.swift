import Foundation
import Keccak
import Merlin

/// `zkpay verify` for kind `merlin`: Merlin transcripts, STROBE-128 operation
/// sequences and Keccak-f[1600] states (Fixtures/vectors/merlin.json).
extension VerifyCommand {
    static func checkMerlin(_ file: [String: Any]) throws -> [CaseResult] {
        try file.objects("cases").map { c in
            let name = try c.string("name")
            let kind = try c.string("kind")
            let failure: String?
            switch kind {
            case "transcript": failure = try merlinTranscriptFailure(c)
            case "strobe128": failure = try strobeFailure(c)
            case "keccak_f1600": failure = try keccakFailure(c)
            default: throw VectorFileError("case \(name) has unknown kind '\(kind)' (known: transcript, strobe128, keccak_f1600)")
            }
            return failure.map { CaseResult.fail(name, $0) } ?? .pass(name)
        }
    }

    /// Replays the operations; nil if every challenge matched.
    private static func merlinTranscriptFailure(_ c: [String: Any]) throws -> String? {
        var t = Transcript(labelBytes: try c.hex("protocol_label_hex"))
        for (i, op) in try c.objects("operations").enumerated() {
            let label = try op.hex("label_hex")
            switch try op.string("op") {
            case "append_message":
                t.appendMessage(labelBytes: label, try op.hex("message_hex"))
            case "append_u64":
                guard let value = (op["value"] as? NSNumber)?.uint64Value else {
                    throw VectorFileError("operation \(i): missing unsigned integer field `value`")
                }
                t.appendU64(labelBytes: label, value)
            case "challenge_bytes":
                let got = t.challengeBytes(labelBytes: label, count: try op.int("length"))
                let expected = try op.hex("expected_hex")
                if got != expected {
                    return "operation \(i) (challenge_bytes): got \(HexCoding.encode(got)), expected \(HexCoding.encode(expected))"
                }
            case let other:
                throw VectorFileError("operation \(i): unknown op '\(other)'")
            }
        }
        return nil
    }

    /// Replays a STROBE-128 sequence; `key` takes the previous PRF output.
    private static func strobeFailure(_ c: [String: Any]) throws -> String? {
        var s = Strobe128(protocolLabel: Array(try c.string("protocol_label").utf8))
        var lastPRF: [UInt8] = []
        for (i, op) in try c.objects("operations").enumerated() {
            let more = (op["more"] as? Bool) ?? false
            switch try op.string("op") {
            case "meta_ad": s.metaAD(try op.hex("data_hex"), more: more)
            case "ad": s.ad(try op.hex("data_hex"), more: more)
            case "key": s.key(lastPRF, more: more)
            case "prf":
                lastPRF = s.prf(count: try op.int("length"), more: more)
                let expected = try op.hex("expected_hex")
                if lastPRF != expected {
                    return "operation \(i) (prf): got \(HexCoding.encode(lastPRF)), expected \(HexCoding.encode(expected))"
                }
            case let other:
                throw VectorFileError("operation \(i): unknown STROBE op '\(other)'")
            }
        }
        return nil
    }

    /// Permutes the input state once and twice.
    private static func keccakFailure(_ c: [String: Any]) throws -> String? {
        let input = try c.hex("input_state_hex")
        guard input.count == 200 else { throw VectorFileError("input_state_hex must be 200 bytes, got \(input.count)") }
        var state = KeccakState()
        state.withUnsafeMutableBytes { s in s.copyBytes(from: input) }
        state.permute()
        let one = state.withUnsafeBytes { Array($0) }
        if one != (try c.hex("after_one_permutation_hex")) { return "state after one permutation differs" }
        state.permute()
        let two = state.withUnsafeBytes { Array($0) }
        if two != (try c.hex("after_two_permutations_hex")) { return "state after two permutations differs" }
        return nil
    }
}
