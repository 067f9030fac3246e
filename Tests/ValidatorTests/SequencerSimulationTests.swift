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

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Runs one seed and records its failure (seed, step and the command that reproduces it).
    @discardableResult
    static func run(seed: UInt64, steps: Int) -> SimulationResult? {
        let started = ContinuousClock.now
        do {
            let result = try SequencerSimulation(seed: seed, steps: steps).run()
            say("sequencer simulation seed \(seed): \(steps) steps, \(result.sequence) records, \(result.restarts) restarts, "
                + "\(result.faults) faults, trace \(String(result.digest, radix: 16)), \(ContinuousClock.now - started)")
            if environment["ZKPAY_SIM_TRACE"] != nil { say(result.trace.joined(separator: "\n")) }
            return result
        } catch let failure as SimulationFailure {
            say("sequencer " + failure.description)
            Issue.record(Comment(rawValue: "sequencer " + failure.description))
        } catch {
            Issue.record("sequencer simulation seed \(seed) could not start: \(error)")
        }
        return nil
    }

    @Test("fixed seeds: every invariant holds after every step, restart and stop", arguments: fixedSeeds)
    func fixed(seed: UInt64) {
        Self.run(seed: seed, steps: Self.fixedSteps)
    }

    @Test("the same seed gives the same schedule, trace and final chain hash")
    func deterministic() throws {
        let a = try #require(Self.run(seed: 0x5e9_d371, steps: 40))
        let b = try #require(Self.run(seed: 0x5e9_d371, steps: 40))
        #expect(a == b)
        let c = try #require(Self.run(seed: 0x5e9_d372, steps: 40))
        #expect(c.trace != a.trace, "another seed gives another schedule")
    }

    /// `make sim SEEDS=N` / `make sim SEED=S` (see the ledger simulation's `requested`).
    @Test("seeds from ZKPAY_SIM_SEEDS / ZKPAY_SIM_SEED", .enabled(if: environment["ZKPAY_SIM_SEEDS"] != nil
        || environment["ZKPAY_SIM_SEED"] != nil))
    func requested() {
        let env = Self.environment
        let count = env["ZKPAY_SIM_SEEDS"].flatMap { Int($0) } ?? 1
        let steps = env["ZKPAY_SIM_STEPS"].flatMap { Int($0) } ?? 300
        let first = env["ZKPAY_SIM_SEED"].flatMap { UInt64($0) }
        var random = SystemRandomNumberGenerator()
        var failed = 0
        for i in 0..<count {
            let seed = first.map { $0 &+ UInt64(i) } ?? random.next()
            Self.say("sequencer simulation seed \(seed) (\(i + 1) of \(count))")
            if Self.run(seed: seed, steps: steps) == nil { failed += 1 }
        }
        Self.say("sequencer simulation: \(count - failed) of \(count) seeds passed, \(steps) steps each")
    }
}
