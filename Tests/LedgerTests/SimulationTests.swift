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

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// A line on standard output, written at once (`print` buffers when output is a pipe, and
    /// a long `make sim` should show each seed as it starts).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Runs one seed and records its failure (seed, step and the command that reproduces it).
    @discardableResult
    static func run(seed: UInt64, steps: Int) -> SimulationResult? {
        let started = ContinuousClock.now
        do {
            let result = try LedgerSimulation(seed: seed, steps: steps).run()
            say("simulation seed \(seed): \(steps) steps, \(result.sequence) records, \(result.restarts) restarts, "
                + "\(result.faults) faults, trace \(String(result.digest, radix: 16)), \(ContinuousClock.now - started)")
            if environment["ZKPAY_SIM_TRACE"] != nil { say(result.trace.joined(separator: "\n")) }
            return result
        } catch let failure as SimulationFailure {
            say(failure.description)
            Issue.record(Comment(rawValue: failure.description))
        } catch {
            Issue.record("simulation seed \(seed) could not start: \(error)")
        }
        return nil
    }

    @Test("fixed seeds: every invariant holds after every step and restart", arguments: fixedSeeds)
    func fixed(seed: UInt64) {
        Self.run(seed: seed, steps: Self.fixedSteps)
    }

    @Test("the same seed gives the same schedule, trace and final chain hash")
    func deterministic() throws {
        let a = try #require(Self.run(seed: 0xd371_2a11, steps: 40))
        let b = try #require(Self.run(seed: 0xd371_2a11, steps: 40))
        #expect(a == b)
        #expect(a.restarts > 0 || a.faults > 0, "the schedule exercises faults")
        let c = try #require(Self.run(seed: 0xd371_2a12, steps: 40))
        #expect(c.trace != a.trace, "another seed gives another schedule")
    }

    /// `make sim SEEDS=N` (N random seeds) or `make sim SEED=S` (seed S; with SEEDS=N, the N
    /// seeds from S on); `STEPS` sets the steps per seed.
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
            Self.say("simulation seed \(seed) (\(i + 1) of \(count))")
            if Self.run(seed: seed, steps: steps) == nil { failed += 1 }
        }
        Self.say("simulation: \(count - failed) of \(count) seeds passed, \(steps) steps each")
    }
}
