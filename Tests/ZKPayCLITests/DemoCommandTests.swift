import Foundation
import Testing
import ZKPayCLI

@Suite("zkpay demo")
struct DemoCommandTests {
    @Test("the demo runs end to end into a fresh directory: bob receives 250 coins and the audit holds")
    func demoRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let console = Console(capture: true)
        let code = ZKPayCLI.run(["demo", "--dir", dir], console: console)
        #expect(code == 0, "out \(console.out) err \(console.err)")
        #expect(console.out.contains("bob received 250.000000 (memo: rent)"))
        #expect(console.out.contains("audit: ok, supply 999.999000"))
        #expect(FileManager.default.fileExists(atPath: dir + "/genesis.zkpg"))
        // A second run into the same directory refuses to overwrite the ledger.
        let again = Console(capture: true)
        #expect(ZKPayCLI.run(["demo", "--dir", dir], console: again) == 1)
        #expect(again.err.contains("cannot initialize the ledger"))
    }
}
