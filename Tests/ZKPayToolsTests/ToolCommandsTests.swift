import Ledger
import Testing
import ZKPayCLI
import ZKPayCore
@testable import ZKPayTools

@Suite("zkpay tools: one binary, the tool commands beside the user commands")
struct ToolCommandsTests {
    @Test("`zkpay help` lists the tools after the user commands; the tools' --help works")
    func helpListsTools() throws {
        let console = Console(capture: true)
        #expect(ZKPayTools.run(["help"], console: console) == 0)
        let lines = console.out.split(separator: "\n").map(String.init)
        let tools = try #require(lines.firstIndex(of: "tools:"))
        for name in ["verify", "bench", "loadgen"] {
            let row = try #require(lines.firstIndex { $0.hasPrefix("  \(name) ") }, "\(name) listed")
            #expect(row > tools, "\(name) listed under tools:")
        }
        #expect(lines.contains { $0.hasPrefix("  send ") })
        let bench = Console(capture: true)
        #expect(ZKPayTools.run(["bench", "--help"], console: bench) == 0)
        #expect(bench.out.hasPrefix("usage: zkpay bench"))
        // Without the tools, the user commands alone: `verify` is unknown.
        let bare = Console(capture: true)
        #expect(ZKPayCLI.run(["verify"], console: bare) == 64)
    }

    @Test("zkpay bench --backend portable --json names the backend it measured; an unknown or missing backend is a usage error")
    func benchNamesBackend() throws {
        let console = Console(capture: true)
        let code = ZKPayTools.run(["bench", "--backend", "portable", "--json", "--samples", "2", "--filter", "scalar_mul"],
                                  console: console)
        #expect(code == 0, "\(console.err)")
        #expect(console.out.hasPrefix("{\"backend\": \"portable\", \"figures\": {"))
        for args in [["bench", "--backend", "avx512"], ["bench", "--backend"]] {
            let bad = Console(capture: true)
            #expect(ZKPayTools.run(args, console: bad) == 64, "\(args): \(bad.err)")
        }
    }

    @Test("the synthetic chain settles by the ledger rules and recovers to the same sequence")
    func syntheticChainRecovers() throws {
        let setup = LedgerBenchSetup(mintCount: 1, runtime: try RuntimeOptions.parse(flags: [:], environment: [:]))
        let directory = BenchDirectory()
        let storage = try POSIXStorage(directory: directory.path)
        try Ledger.initialize(storage: storage, genesis: setup.genesis, receiptKeySeed: setup.keySeed)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mints: [setup.mints[0]], time: 1)
        try ledger.appendSyntheticChain(template: setup.chainTemplate(), count: 10, time: 2, batch: 4)
        #expect(ledger.state.sequence == 11)
        let reopened = try Ledger(storage: POSIXStorage(directory: directory.path, create: false))
        #expect(reopened.state.sequence == 11)
        #expect(reopened.state.chainHash == ledger.state.chainHash)
        // A transfer whose inputs are already spent is refused and nothing of its batch is kept.
        #expect(throws: LedgerError.self) {
            try reopened.appendSyntheticChain(template: setup.chainTemplate(), count: 2, time: 3)
        }
        #expect(reopened.state.sequence == 11)
    }

    @Test("synthetic notes go through the settlement insertion")
    func syntheticNotes() {
        var rng = BenchMemory.SplitMix(seed: 7)
        var state = LedgerState(issuer: .basepoint, minimumFee: 1, chainID: ChainID(uncheckedBytes: [UInt8](repeating: 0, count: 32)))
        state.insertSyntheticNotes(count: 1000, owners: 100) { rng.bytes32() }
        #expect(state.unspent.count == 1000)
    }
}
