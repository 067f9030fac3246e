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

