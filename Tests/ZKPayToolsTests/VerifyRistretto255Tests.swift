import Foundation
import TestSupport
import Testing
import ZKPayCLI
import ZKPayTools

@Suite("zkpay verify: ristretto255")
struct VerifyRistretto255Tests {
    @Test("every case of ristretto255.json passes and the command exits 0")
    func allPass() {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["verify", Fixtures.url("vectors/ristretto255.json").path], console: console)
        #expect(code == 0)
        #expect(console.out.contains("ristretto255: 64/64 cases passed"))
    }

    @Test("a changed multiple, derived element, square root, or a valid encoding listed as invalid fails that case")
    func tamperedCasesFail() throws {
        let text = try String(contentsOf: Fixtures.url("vectors/ristretto255.json"), encoding: .utf8)
        let replacements = [
            // B[2]'s encoding with its last byte changed.
            ("6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919", "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b918"),
            // The first element-derivation output.
            ("3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46", "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a47"),
            // The first invalid encoding replaced by the identity (valid).
            ("00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0000000000000000000000000000000000000000000000000000000000000000"),
        ]
        for (old, new) in replacements {
            #expect(text.contains(old))
            let url = FileManager.default.temporaryDirectory
                .appendingPathComponent("ristretto-tampered-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: url) }
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
            let console = Console(capture: true)
            #expect(ZKPayTools.run(["verify", url.path], console: console) == 1)
            #expect(console.out.contains("FAIL \(url.path): case"))
            #expect(console.out.contains("63 passed, 1 failed"))
        }
    }
}
