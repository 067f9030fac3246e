import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: dalek-bulletproofs")
struct VerifyBulletproofsTests {
    @Test("every case of dalek-bulletproofs.json passes and the command exits 0")
    func allPass() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("vectors/dalek-bulletproofs.json").path], console: console)
        #expect(code == 0)
        #expect(console.out.contains("dalek-bulletproofs: 29/29 cases passed"))
        #expect(console.out.contains("29 passed, 0 failed"))
    }

    @Test("a corrupted valid proof and a wrongly marked invalid case are named and make the command exit 1")
    func tamperedCasesFail() throws {
        let url = Fixtures.url("vectors/dalek-bulletproofs.json")
        var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var cases = try #require(file["cases"] as? [[String: Any]])
        // Case 0 (n8-m1): change one byte of e_blinding (offset 192) so it no longer verifies.
        var proof = try #require(cases[0]["proof"] as? String)
        let index = proof.index(proof.startIndex, offsetBy: 2 * 192)
        let old = proof[index]
        proof.replaceSubrange(index...index, with: old == "0" ? "1" : "0")
        cases[0]["proof"] = proof
        // An invalid case marked valid: the command must report that it is rejected.
        let invalidIndex = try #require(cases.firstIndex { ($0["name"] as? String) == "wrong-commitment" })
        cases[invalidIndex]["valid"] = true
        file["cases"] = cases
        let tampered = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulletproofs-tampered-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: tampered) }
        try JSONSerialization.data(withJSONObject: file).write(to: tampered)
        let console = Console(capture: true)
        #expect(ZKPayTools.run(["verify", tampered.path], console: console) == 1)
        #expect(console.out.contains("FAIL \(tampered.path): n8-m1: valid proof rejected"))
        #expect(console.out.contains("FAIL \(tampered.path): wrong-commitment: valid proof rejected"))
        #expect(console.out.contains("27 passed, 2 failed"))
    }
}
