/// How a batch check may spread its work: into `ways` independent jobs handed to `run`,
/// which returns when all of them have finished (e.g. a worker pool's `run`).
public struct Parallelism: Sendable {
    /// How many jobs the work is split into (1: everything on the calling thread).
    public let ways: Int
    /// Runs independent jobs, possibly in parallel, and returns when all are done.
    public let run: @Sendable ([@Sendable () -> Void]) -> Void

    /// - Parameters:
    ///   - ways: at least 1.
    ///   - run: must run every job exactly once before returning.
    public init(ways: Int, run: @escaping @Sendable ([@Sendable () -> Void]) -> Void) {
        self.ways = max(1, ways)
        self.run = run
    }

    /// Everything on the calling thread.
    public static let serial = Parallelism(ways: 1) { jobs in for job in jobs { job() } }

    /// `total` items split into at most `ways` contiguous, nearly equal ranges (none empty).
    public func ranges(_ total: Int) -> [Range<Int>] { Self.ranges(total, parts: ways) }

    /// `0..<total` split into at most `parts` contiguous, nearly equal ranges (none empty).
    public static func ranges(_ total: Int, parts: Int) -> [Range<Int>] {
        guard total > 0 else { return [] }
        let n = max(1, min(parts, total))
        var out: [Range<Int>] = []
        var start = 0
        for k in 0..<n {
            let end = start + (total - start) / (n - k)
            out.append(start..<end)
            start = end
        }
        return out
    }
}
