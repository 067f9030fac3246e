import Foundation
import Testing
import ZKPayCLI

@Suite("zkpay validator run: arguments")
struct ValidatorRunCommandTests {
    func run(_ args: [String]) -> (code: Int32, console: Console) {
        let console = Console(capture: true)
        return (ZKPayCLI.run(args, console: console), console)
    }

    @Test("bad or missing options are usage errors (exit 64) naming the option; a missing data directory fails (exit 1)")
    func usageErrors() {
        let usage: [[String]] = [
            ["validator", "run"],
            ["validator", "run", "--data"],
            ["validator", "run", "--data", "/tmp", "--listen", "7878"],
            ["validator", "run", "--data", "/tmp", "--listen", ":7878"],
            ["validator", "run", "--data", "/tmp", "--listen", "127.0.0.1:99999"],
            ["validator", "run", "--data", "/tmp", "--workers", "0"],
            ["validator", "run", "--data", "/tmp", "--batch-max", "many"],
            ["validator", "run", "--data", "/tmp", "--batch-wait-ms", "-1"],
            ["validator", "run", "--data", "/tmp", "--frobnicate"],
            ["validator", "run", "--data", "/tmp", "extra"],
            ["validator", "run", "--data", "/tmp", "--backend", "avx512"],
            ["validator", "run", "--data", "/tmp", "--backend", "IFMA"],
            ["validator", "run", "--data", "/tmp", "--crc32c", "fast"],
            ["validator", "run", "--data", "/tmp", "--direct-io", "maybe"],
            ["validator", "run", "--data", "/tmp", "--zero-ahead", "-5"],
            ["validator", "serve"],
        ]
        for args in usage {
            let (code, console) = run(args)
            #expect(code == 64, "\(args): \(console.err)")
            #expect(console.err.hasPrefix("error: "), "\(args)")
        }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-missing-\(UUID().uuidString)").path
        let (code, console) = run(["validator", "run", "--data", missing])
        #expect(code == 1)
        #expect(console.err.contains("zkpay validator init"))
    }
}
