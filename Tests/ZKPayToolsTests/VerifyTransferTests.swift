import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: zkpay-transfer")
struct VerifyTransferTests {
    @Test("every case of transfers.json passes, the valid ones also as one batch, and the command exits 0")
    func allPass() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("transfers.json").path], console: console)
        #expect(code == 0)
        #expect(console.out.contains("zkpay-transfer: 50/50 cases passed"))
    }

    @Test("a valid case marked invalid, or an invalid case with another expected code, fails and exits 1")
    func wrongExpectationsFail() throws {
        let data = try Fixtures.data("transfers.json")
        guard var file = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var cases = file["cases"] as? [[String: Any]] else {
            Issue.record("transfers.json is not an object with cases")
            return
        }
        guard let v = cases.firstIndex(where: { $0["valid"] as? Bool == true }),
              let i = cases.firstIndex(where: { $0["error"] as? String == "duplicate_input" }) else {
            Issue.record("fixture cases missing")
            return
        }
        cases[v]["valid"] = false
        cases[i]["error"] = "invalid_range_proof"
        file["cases"] = cases
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("transfers-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try JSONSerialization.data(withJSONObject: file).write(to: url)
        let console = Console(capture: true)
        #expect(ZKPayTools.run(["verify", url.path], console: console) == 1)
        #expect(console.out.contains("accepted; expected rejection"))
        #expect(console.out.contains("rejected with duplicate_input"))
        #expect(console.out.contains("48 passed, 2 failed"))
    }

    @Test("generate-fixtures writes exactly the committed file")
    func regenerate() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("transfers-gen-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let console = Console(capture: true)
        #expect(ZKPayTools.run(["generate-fixtures", "transfers", "--output", url.path], console: console) == 0)
        #expect(try Data(contentsOf: url) == Fixtures.data("transfers.json"))
        _ = ZKPayTools.run(["help"], console: console)
        #expect(!console.out.contains("generate-fixtures"), "hidden from help")
    }
}
