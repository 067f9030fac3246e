public import BatchVerify
import Foundation
import Synchronization

/// A fixed set of dedicated worker threads for CPU-bound work (verification, decoding).
/// `run` hands out jobs and blocks the caller until all of them finished; the jobs never
/// run on Swift's cooperative pool, so a long batch cannot starve async code.
///
/// Threads start in `init` and stop after `stop()` (or when the pool is released).
public final class WorkerPool: Sendable {
    /// How many threads run jobs.
    public let count: Int
    private let shared = Shared()

    struct Queue: ~Copyable {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopping = false
    }

    /// What the threads hold (not the pool itself, so that releasing the pool stops them).
    final class Shared: Sendable {
        let queue = Mutex<Queue>(Queue())
        let available = DispatchSemaphore(value: 0)
    }

    private var available: DispatchSemaphore { shared.available }

    /// Starts `count` threads (at least 1).
    public init(count: Int, name: String = "zkpay.worker") {
        self.count = max(1, count)
        for i in 0..<self.count {
            let thread = Thread { [shared] in Self.work(shared) }
            thread.name = "\(name).\(i)"
            thread.start()
        }
    }

    deinit { stop() }

    /// Stops the threads once the queued jobs are done. Safe to call more than once.
    public func stop() {
        let first = shared.queue.withLock { q in
            defer { q.stopping = true }
            return !q.stopping
        }
        guard first else { return }
        for _ in 0..<count { available.signal() }
    }

    private static func work(_ shared: Shared) {
        while true {
            shared.available.wait()
            let job: (@Sendable () -> Void)? = shared.queue.withLock { q in
                guard q.head < q.jobs.count else { return nil }
                let j = q.jobs[q.head]
                q.head += 1
                if q.head == q.jobs.count {
                    q.jobs.removeAll(keepingCapacity: true)
                    q.head = 0
                }
                return j
            }
            guard let job else { return }  // a stop signal: no job left for it
            job()
        }
    }

    /// Queues `job` for a worker and returns at once; false (job not queued) once stopped.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = shared.queue.withLock { q in
            guard !q.stopping else { return false }
            q.jobs.append(job)
            return true
        }
        if accepted { shared.available.signal() }
        return accepted
    }

    /// Runs every job on the workers and returns when all have finished. With one job (or
    /// a stopped pool) it runs on the calling thread.
    public func run(_ jobs: [@Sendable () -> Void]) {
        guard jobs.count > 1 else {
            jobs.first?()
            return
        }
        let done = DispatchSemaphore(value: 0)
        let accepted = shared.queue.withLock { q in
            guard !q.stopping else { return false }
            for job in jobs {
                q.jobs.append {
                    job()
                    done.signal()
                }
            }
            return true
        }
        guard accepted else {
            for job in jobs { job() }
            return
        }
        for _ in jobs { available.signal() }
        for _ in jobs { done.wait() }
    }

    /// This pool as a `Parallelism` for batch checks: `count` ways, jobs run by `run`.
    public var parallelism: Parallelism { Parallelism(ways: count) { [self] jobs in run(jobs) } }

    /// Splits `0..<total` into at most `count` (or `parts`) contiguous slices of nearly equal size.
    public func slices(_ total: Int, parts: Int? = nil) -> [Range<Int>] {
        Parallelism.ranges(total, parts: parts ?? count)
    }
}
