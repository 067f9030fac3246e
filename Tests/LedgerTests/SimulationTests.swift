import Foundation
import Testing
import SimulationSupport

/// The seeded ledger simulation (`LedgerSimulation`): a fixed list of seeds in every test
/// run, more seeds on demand (`make sim`), and the same trace for the same seed.
@Suite("Seeded simulation")
struct SimulationTests {
    /// The seeds every `make test` runs (each a few seconds).
    static let fixedSeeds: [UInt64] = [1, 0x5eed_0000_0000_0002]
    static let fixedSteps = 120

    static let runs = SimulationRuns(label: "", simulate: { try LedgerSimulation(seed: $0, steps: $1).run() },
                                     report: { Issue.record(Comment(rawValue: $0)) })

    @Test("fixed seeds: every invariant holds after every step and restart", arguments: fixedSeeds)
    func fixed(seed: UInt64) {
        Self.runs.run(seed: seed, steps: Self.fixedSteps)
    }

    @Test("the same seed gives the same schedule, trace and final chain hash")
    func deterministic() throws {
        let a = try #require(Self.runs.run(seed: 0xd371_2a11, steps: 40))
        let b = try #require(Self.runs.run(seed: 0xd371_2a11, steps: 40))
        #expect(a == b)
        #expect(a.restarts > 0 || a.faults > 0, "the schedule exercises faults")
        let c = try #require(Self.runs.run(seed: 0xd371_2a12, steps: 40))
        #expect(c.trace != a.trace, "another seed gives another schedule")
    }

    /// `make sim SEEDS=N` (N random seeds) or `make sim SEED=S` (seed S; with SEEDS=N, the N
    /// seeds from S on); `STEPS` sets the steps per seed.
    @Test("seeds from ZKPAY_SIM_SEEDS / ZKPAY_SIM_SEED", .enabled(if: SimulationRuns.requested))
    func requested() {
        Self.runs.runRequested()
    }
}
