import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: bech32m")
struct VerifyBech32mTests {
    @Test("zkpay verify passes every case of bech32m.json and exits 0")
    func passes() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("vectors/bech32m.json").path], console: console)
        #expect(code == 0, "\(console.out)\(console.err)")
        #expect(console.out.contains("45 passed, 0 failed"))
    }

    @Test("zkpay verify names a case whose expected data was changed and exits 1")
    func tamperedFileFails() throws {
        var file = try Fixtures.vector("bech32m.json")
        var cases = try #require(file["cases"] as? [[String: Any]])
        cases[1]["hrp"] = "b"                        // a valid string with the wrong hrp
        cases[4]["valid"] = false                    // a valid string marked invalid
        file["cases"] = cases
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-bech32m-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: file).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", url.path], console: console)
        #expect(code == 1)
        #expect(console.out.contains("case 1 "))
        #expect(console.out.contains("case 4 "))
        #expect(console.out.contains("43 passed, 2 failed"))
    }
}
