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
        #expect(console.out.contains("bob received 250.00 (memo: rent)"), "\(console.out)")
        #expect(console.out.contains("audit: ok, supply 999.999 (minted 1000.00, fees 0.001)"), "\(console.out)")
        #expect(FileManager.default.fileExists(atPath: dir + "/genesis.zkpg"))
        // A second run into the same directory refuses to overwrite the ledger.
        let again = Console(capture: true)
        #expect(ZKPayCLI.run(["demo", "--dir", dir], console: again) == 1)
        #expect(again.err.contains("cannot initialize the ledger"))
    }

    @Test("without --dir the demo removes its temporary folder, unless --keep")
    func temporaryFolder() throws {
        func folder(_ out: String, after marker: String) throws -> String {
            let line = try #require(out.split(separator: "\n").first { $0.contains(marker) }, "\(out)")
            let start = try #require(line.range(of: marker)).upperBound
            return String(line[start...].prefix { $0 != "," && $0 != " " })
        }
        let removed = Console(capture: true)
        #expect(ZKPayCLI.run(["demo"], console: removed) == 0, "\(removed.err)")
        let gone = try folder(removed.out, after: "the ledger lived in the temporary folder ")
        #expect(gone.contains("zkpay-demo-") && !FileManager.default.fileExists(atPath: gone), "\(removed.out)")
        let kept = Console(capture: true)
        #expect(ZKPayCLI.run(["demo", "--keep"], console: kept) == 0, "\(kept.err)")
        let here = try folder(kept.out, after: "the ledger's data directory is ")
        defer { try? FileManager.default.removeItem(atPath: here) }
        #expect(FileManager.default.fileExists(atPath: here + "/genesis.zkpg"), "\(kept.out)")
    }
}
