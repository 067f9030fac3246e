import Foundation
import Merlin
import TestSupport
import Testing

/// A case of Fixtures/vectors/merlin.json, by name (for parameterized tests).
struct MerlinCase: Sendable, CustomTestStringConvertible {
    let name: String
    var testDescription: String { name }

    static func named(kind: String) throws -> [MerlinCase] {
        try Fixtures.cases("merlin.json").filter { ($0["kind"] as? String) == kind }
            .map { MerlinCase(name: $0["name"] as? String ?? "?") }
    }

    static let transcripts: [MerlinCase] = (try? named(kind: "transcript")) ?? []

    func load() throws -> [String: Any] {
        let found = try Fixtures.cases("merlin.json").first { ($0["name"] as? String) == name }
        return try #require(found)
    }
}

@Suite("Merlin known answers")
struct MerlinVectorTests {
    @Test("merlin.json holds the expected number of cases of each kind")
    func caseCounts() throws {
        #expect(MerlinCase.transcripts.count == 8)
        #expect(try MerlinCase.named(kind: "strobe128").count == 1)
    }

    @Test("every transcript case of merlin.json gives the expected challenges", arguments: MerlinCase.transcripts)
    func transcriptCase(_ c: MerlinCase) throws {
        let v = try c.load()
        var t = Transcript(labelBytes: Hex.decode(try #require(v["protocol_label_hex"] as? String)))
        let ops = try #require(v["operations"] as? [[String: Any]])
        var challenges = 0
        for op in ops {
            let label = Hex.decode(try #require(op["label_hex"] as? String))
            switch op["op"] as? String {
            case "append_message":
                t.appendMessage(labelBytes: label, Hex.decode(try #require(op["message_hex"] as? String)))
            case "append_u64":
                let value = try #require((op["value"] as? NSNumber)?.uint64Value)
                t.appendU64(labelBytes: label, value)
            case "challenge_bytes":
                let length = try #require(op["length"] as? Int)
                let got = t.challengeBytes(labelBytes: label, count: length)
                #expect(Hex.encode(got) == (op["expected_hex"] as? String), "challenge \(challenges) of \(c.name)")
                challenges += 1
            default:
                Issue.record("unknown operation \(op["op"] ?? "nil") in \(c.name)")
            }
        }
        #expect(challenges > 0)
    }

    @Test("the STROBE-128 conformance sequence gives both expected PRF outputs")
    func strobeConformance() throws {
        let v = try MerlinCase(name: "strobe128-conformance").load()
        var s = Strobe128(protocolLabel: Array(try #require(v["protocol_label"] as? String).utf8))
        var lastPRF: [UInt8] = []
        var checked = 0
        for op in try #require(v["operations"] as? [[String: Any]]) {
            let more = op["more"] as? Bool ?? false
            switch op["op"] as? String {
            case "meta_ad": s.metaAD(Hex.decode(try #require(op["data_hex"] as? String)), more: more)
            case "ad": s.ad(Hex.decode(try #require(op["data_hex"] as? String)), more: more)
            case "key": s.key(lastPRF, more: more)
            case "prf":
                lastPRF = s.prf(count: try #require(op["length"] as? Int), more: more)
                #expect(Hex.encode(lastPRF) == op["expected_hex"] as? String)
                checked += 1
            default: Issue.record("unknown STROBE operation \(op["op"] ?? "nil")")
            }
        }
        #expect(checked == 2)
    }

    @Test("the two merlin crate conformance answers hold with StaticString labels")
    func crateAnswersWithStaticLabels() {
        var t = Transcript(label: "test protocol")
        t.appendMessage("some label", Array("some data".utf8))
        #expect(Hex.encode(t.challengeBytes("challenge", count: 32))
            == "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615")

        // equivalence_complex: 32 rounds of step1/step2 with a 1024-byte message.
        var u = Transcript(label: "test protocol")
        u.appendMessage("step1", Array("some data".utf8))
        let data = [UInt8](repeating: 99, count: 1024)
        var chl: [UInt8] = []
        for _ in 0..<32 {
            chl = u.challengeBytes("challenge", count: 32)
            u.appendMessage("bigdata", data)
            u.appendMessage("challengedata", chl)
        }
        #expect(Hex.encode(chl) == "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c")
    }
}
