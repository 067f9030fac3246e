import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: sr25519")
struct VerifySr25519Tests {
    @Test("every case of sr25519.json gets its expected verdict and the command exits 0")
    func allPass() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("vectors/sr25519.json").path], console: console)
        #expect(code == 0)
        #expect(console.out.contains("sr25519: 18/18 cases passed"))
    }

    @Test("a valid case turned invalid, or an invalid one marked valid, fails that case and exits 1")
    func flippedVerdictsFail() throws {
        let text = try String(contentsOf: Fixtures.url("vectors/sr25519.json"), encoding: .utf8)
        let first = try #require(text.range(of: "\"valid\": true"))
        let invalidFirst = try #require(text.range(of: "\"valid\": false"))
        for (range, replacement) in [(first, "\"valid\": false"), (invalidFirst, "\"valid\": true")] {
            let url = FileManager.default.temporaryDirectory
                .appendingPathComponent("sr25519-flipped-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: url) }
            try text.replacingCharacters(in: range, with: replacement).write(to: url, atomically: true, encoding: .utf8)
            let console = Console(capture: true)
            #expect(ZKPayTools.run(["verify", url.path], console: console) == 1)
            #expect(console.out.contains("17 passed, 1 failed"))
        }
    }
}
