import Foundation
import Testing
import SimulationSupport

/// The seeded sequencer simulation (`SequencerSimulation`): a fixed list of seeds in every
/// test run, more on demand (`make sim` runs this suite's `requested` beside the ledger's),
/// and the same trace for the same seed.
@Suite("Seeded sequencer simulation")
struct SequencerSimulationTests {
    /// The seeds every `make test` runs (each a few seconds).
    static let fixedSeeds: [UInt64] = [1, 0x5eed_5e9_0000_0002, 0x5eed_5e9_0000_0003]
    static let fixedSteps = 100

    static let runs = SimulationRuns(label: "sequencer ", simulate: { try SequencerSimulation(seed: $0, steps: $1).run() },
                                     report: { Issue.record(Comment(rawValue: $0)) })

    @Test("fixed seeds: every invariant holds after every step, restart and stop", arguments: fixedSeeds)
    func fixed(seed: UInt64) {
        Self.runs.run(seed: seed, steps: Self.fixedSteps)
    }

    @Test("the same seed gives the same schedule, trace and final chain hash")
    func deterministic() throws {
        let a = try #require(Self.runs.run(seed: 0x5e9_d371, steps: 40))
        let b = try #require(Self.runs.run(seed: 0x5e9_d371, steps: 40))
        #expect(a == b)
        let c = try #require(Self.runs.run(seed: 0x5e9_d372, steps: 40))
        #expect(c.trace != a.trace, "another seed gives another schedule")
    }

    /// `make sim SEEDS=N` / `make sim SEED=S` (see the ledger simulation's `requested`).
    @Test("seeds from ZKPAY_SIM_SEEDS / ZKPAY_SIM_SEED", .enabled(if: SimulationRuns.requested))
    func requested() {
        Self.runs.runRequested()
    }
}
