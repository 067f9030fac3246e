import Synchronization

/// A Prometheus histogram with fixed upper bounds.
struct Histogram: Sendable {
    let bounds: [Double]
    var counts: [UInt64]
    var sum: Double = 0
    var count: UInt64 = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        for (i, b) in bounds.enumerated() where value <= b { counts[i] += 1 }
        sum += value
        count += 1
    }

    func render(_ name: String, into out: inout String) {
        for (b, c) in zip(bounds, counts) { out += "\(name)_bucket{le=\"\(Metrics.number(b))\"} \(c)\n" }
        out += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(Metrics.number(sum))\n\(name)_count \(count)\n"
    }
}

/// The validator's counters and histograms, rendered as Prometheus text format 0.0.4
/// (families listed in docs/notes/http-api.md). Written by the sequencer, read by
/// `GET /metrics`; one small lock, taken once per batch.
final class Metrics: Sendable {
    struct State: Sendable {
        var finalized: UInt64 = 0
        var mintsFinalized: UInt64 = 0
        var rejected: [String: UInt64] = [:]
        var batchSize = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        var verifySeconds = Histogram(bounds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
        var fsyncSeconds = Histogram(bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
        /// Since the stats producer last took them (`takeInterval`).
        var interval = IntervalFigures()
    }

    private let state = Mutex(State())
    /// A log append at least this slow counts as a stall in the live figures.
    let fsyncStallSeconds: Double

    init(fsyncStallSeconds: Double = 0.1) { self.fsyncStallSeconds = fsyncStallSeconds }

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    func rejected(_ code: String) { state.withLock { $0.rejected[code, default: 0] += 1 } }
    var snapshot: State { state.withLock { $0 } }

    /// The figures since the last call, and a fresh interval.
    func takeInterval() -> IntervalFigures {
        state.withLock { s in
            defer { s.interval = IntervalFigures() }
            return s.interval
        }
    }

    /// Records one settled item's time from entering the queue to its answer.
    func settled(latencySeconds: Double) { state.withLock { $0.interval.latency.observe(latencySeconds) } }

    /// The text of `GET /metrics`.
    func render(queueDepth: Int, connections: Int, sequence: UInt64, unspentNotes: Int) -> String {
        let s = snapshot
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("zkpay_transfers_finalized_total", "counter", "Transfers settled by this process.")
        out += "zkpay_transfers_finalized_total \(s.finalized)\n"
        family("zkpay_transfers_rejected_total", "counter", "Transfers and mints refused, by error code.")
        for (code, n) in s.rejected.sorted(by: { $0.key < $1.key }) {
            out += "zkpay_transfers_rejected_total{reason=\"\(code)\"} \(n)\n"
        }
        family("zkpay_mints_finalized_total", "counter", "Mints settled by this process.")
        out += "zkpay_mints_finalized_total \(s.mintsFinalized)\n"
        family("zkpay_batch_size", "histogram", "Transfers per verified batch.")
        s.batchSize.render("zkpay_batch_size", into: &out)
        family("zkpay_verify_seconds", "histogram", "Proof verification time per batch.")
        s.verifySeconds.render("zkpay_verify_seconds", into: &out)
        family("zkpay_fsync_seconds", "histogram", "Log append and fsync time per batch (group commit).")
        s.fsyncSeconds.render("zkpay_fsync_seconds", into: &out)
        family("zkpay_queue_depth", "gauge", "Transfers and mints admitted and not yet taken into a batch.")
        out += "zkpay_queue_depth \(queueDepth)\n"
        family("zkpay_connections", "gauge", "Open client connections.")
        out += "zkpay_connections \(connections)\n"
        family("zkpay_ledger_sequence", "gauge", "Sequence of the last settled object.")
        out += "zkpay_ledger_sequence \(sequence)\n"
        family("zkpay_unspent_notes", "gauge", "Unspent notes in the ledger.")
        out += "zkpay_unspent_notes \(unspentNotes)\n"
        return out
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
