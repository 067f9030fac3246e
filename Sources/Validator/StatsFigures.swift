import Foundation

/// A histogram of positive durations on a logarithmic scale: eight buckets per doubling
/// from 1 µs (each bucket's bounds are about 9% apart) up to about 70 s; larger values
/// land in the last bucket. Fixed size, so an interval's figures take bounded memory
/// whatever the load; percentiles are read off the bucket bounds.
struct LogHistogram: Sendable {
    static let bucketsPerDoubling = 8.0
    static let bucketCount = 208
    static let smallestSeconds = 1e-6

    private(set) var counts = [UInt32](repeating: 0, count: LogHistogram.bucketCount)
    private(set) var count = 0
    private(set) var maxSeconds = 0.0

    /// The bucket that holds `seconds` (values below 1 µs, NaN included, go to the first).
    static func bucket(_ seconds: Double) -> Int {
        guard seconds > smallestSeconds else { return 0 }
        let b = (log2(seconds / smallestSeconds) * bucketsPerDoubling).rounded(.up)
        guard b.isFinite else { return bucketCount - 1 }
        return min(bucketCount - 1, max(0, Int(b)))
    }

    /// The upper bound of bucket `i`, in seconds.
    static func upperBound(_ i: Int) -> Double { smallestSeconds * exp2(Double(i) / bucketsPerDoubling) }

    mutating func observe(_ seconds: Double) {
        let i = Self.bucket(seconds)
        if counts[i] < UInt32.max { counts[i] += 1 }
        count += 1
        if seconds > maxSeconds { maxSeconds = seconds }
    }

    /// The `q`-quantile (0...1) in seconds: the upper bound of the bucket that holds it,
    /// capped at the largest value seen; nil when empty.
    func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (i, c) in counts.enumerated() {
            seen += Int(c)
            if seen >= rank { return min(Self.upperBound(i), maxSeconds) }
        }
        return maxSeconds
    }
}

/// What the sequencer settled since the stats producer last looked (`Metrics.takeInterval`).
struct IntervalFigures: Sendable {
    /// Transfers settled.
    var transfers = 0
    /// Mints settled.
    var mints = 0
    /// Items refused (rules, verification, storage).
    var rejected = 0
    /// Batches applied, and the transfers and mints in them.
    var batches = 0
    var batchItems = 0
    var largestBatch = 0
    /// Time from entering the batch queue to the answer, per settled item.
    var latency = LogHistogram()
    /// Log append time (write and fsync) per batch.
    var append = LogHistogram()
    /// Appends slower than the stall threshold.
    var stalls = 0

    mutating func batch(items: Int) {
        batches += 1
        batchItems += items
        largestBatch = max(largestBatch, items)
    }

    mutating func appended(seconds: Double, stallSeconds: Double) {
        append.observe(seconds)
        if seconds >= stallSeconds { stalls += 1 }
    }
}
