import Foundation

/// What the seeded simulations share (the ledger's in LedgerTests, the sequencer's in
/// ValidatorTests): the generator every choice comes from, the failure that names the seed
/// and step, and the result whose trace two runs of a seed compare.

/// splitmix64: every choice of a simulation comes from one of these, seeded by the run's
/// seed (`SeededRNG` would take `ZKPAY_TEST_SEED` over the seed it is given).
public struct SimulationRNG: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// The first broken invariant of a simulation run: the seed and step reproduce it.
public struct SimulationFailure: Error, CustomStringConvertible {
    public let seed: UInt64
    public let steps: Int
    public let step: Int
    public let action: String
    public let message: String
    /// The last steps before the failure.
    public let recent: [String]

    public init(seed: UInt64, steps: Int, step: Int, action: String, message: String, recent: [String]) {
        self.seed = seed
        self.steps = steps
        self.step = step
        self.action = action
        self.message = message
        self.recent = recent
    }

    public var description: String {
        "simulation seed \(seed) failed at step \(step) of \(steps) (\(action)): \(message); "
            + "reproduce with `make sim SEEDS=1 SEED=\(seed) STEPS=\(steps)`; the steps before it:\n"
            + recent.joined(separator: "\n")
    }
}

/// What a finished run reports.
public struct SimulationResult: Equatable {
    /// One line per step: the action, its outcome, the sequence and the chain hash after it.
    public let trace: [String]
    public let chainHash: [UInt8]
    public let sequence: UInt64
    public let restarts: Int
    public let faults: Int

    public init(trace: [String], chainHash: [UInt8], sequence: UInt64, restarts: Int, faults: Int) {
        self.trace = trace
        self.chainHash = chainHash
        self.sequence = sequence
        self.restarts = restarts
        self.faults = faults
    }

    /// FNV-1a 64 of the trace (printed, so two runs of a seed can be compared by eye).
    public var digest: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in trace {
            for b in line.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0x0a) &* 0x100_0000_01b3
        }
        return h
    }
}


/// How the test suites run a simulation: one seed with its summary line (or its failure,
/// handed to `report`), and the seeds `make sim` asks for through the environment
/// (`ZKPAY_SIM_SEEDS`, `ZKPAY_SIM_SEED`, `ZKPAY_SIM_STEPS`, `ZKPAY_SIM_TRACE`).
public struct SimulationRuns: Sendable {
    /// What goes before "simulation" in the lines printed ("" for the ledger's, "sequencer ").
    let label: String
    let simulate: @Sendable (UInt64, Int) throws -> SimulationResult
    let report: @Sendable (String) -> Void

    public init(label: String, simulate: @escaping @Sendable (_ seed: UInt64, _ steps: Int) throws -> SimulationResult,
                report: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.simulate = simulate
        self.report = report
    }

    private var name: String { label + "simulation" }

    public static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether `make sim` asked for seeds.
    public static var requested: Bool { environment["ZKPAY_SIM_SEEDS"] != nil || environment["ZKPAY_SIM_SEED"] != nil }

    /// A line on standard output, written at once (`print` buffers when output is a pipe, and
    /// a long `make sim` should show each seed as it starts).
    public static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Runs one seed; prints its summary, or reports its failure (seed, step and the command
    /// that reproduces it) and returns nil.
    @discardableResult
    public func run(seed: UInt64, steps: Int) -> SimulationResult? {
        let started = ContinuousClock.now
        do {
            let result = try simulate(seed, steps)
            Self.say("\(name) seed \(seed): \(steps) steps, \(result.sequence) records, \(result.restarts) restarts, "
                + "\(result.faults) faults, trace \(String(result.digest, radix: 16)), \(ContinuousClock.now - started)")
            if Self.environment["ZKPAY_SIM_TRACE"] != nil { Self.say(result.trace.joined(separator: "\n")) }
            return result
        } catch let failure as SimulationFailure {
            let text = label + failure.description
            Self.say(text)
            report(text)
        } catch {
            report("\(name) seed \(seed) could not start: \(error)")
        }
        return nil
    }

    /// The seeds `make sim` asks for: `ZKPAY_SIM_SEEDS` random ones, or from `ZKPAY_SIM_SEED`
    /// on; `ZKPAY_SIM_STEPS` steps each (300 by default).
    public func runRequested() {
        let env = Self.environment
        let count = env["ZKPAY_SIM_SEEDS"].flatMap { Int($0) } ?? 1
        let steps = env["ZKPAY_SIM_STEPS"].flatMap { Int($0) } ?? 300
        let first = env["ZKPAY_SIM_SEED"].flatMap { UInt64($0) }
        var random = SystemRandomNumberGenerator()
        var failed = 0
        for i in 0..<count {
            let seed = first.map { $0 &+ UInt64(i) } ?? random.next()
            Self.say("\(name) seed \(seed) (\(i + 1) of \(count))")
            if run(seed: seed, steps: steps) == nil { failed += 1 }
        }
        Self.say("\(name): \(count - failed) of \(count) seeds passed, \(steps) steps each")
    }
}
