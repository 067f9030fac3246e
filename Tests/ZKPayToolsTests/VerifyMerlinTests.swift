import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: merlin")
struct VerifyMerlinTests {
    @Test("every case of merlin.json passes and the command exits 0")
    func allPass() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("vectors/merlin.json").path], console: console)
        #expect(code == 0)
        #expect(console.out.contains("merlin: 10/10 cases passed"))
    }

    @Test("a changed expected challenge, PRF output or permuted state fails that case and exits 1")
    func tamperedCasesFail() throws {
        let text = try String(contentsOf: Fixtures.url("vectors/merlin.json"), encoding: .utf8)
        let replacements = [
            ("d5a21972d0d5fe32", "d5a21972d0d5fe33", "merlin-crate-equivalence_simple"),
            ("b48e645ca17c667f", "b48e645ca17c667e", "strobe128-conformance"),
            ("e7dde140798f25f1", "e7dde140798f25f0", "keccak-f1600-zero-state"),
        ]
        for (old, new, caseName) in replacements {
            #expect(text.contains(old))
            let url = FileManager.default.temporaryDirectory
                .appendingPathComponent("merlin-tampered-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: url) }
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
            let console = Console(capture: true)
            #expect(ZKPayTools.run(["verify", url.path], console: console) == 1)
            #expect(console.out.contains("FAIL \(url.path): \(caseName)"))
            #expect(console.out.contains("9 passed, 1 failed"))
        }
    }
}
