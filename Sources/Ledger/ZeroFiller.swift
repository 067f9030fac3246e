import Foundation
internal import Glibc
import Synchronization

/// Keeps files zero-filled ahead of their writer, on a thread of its own: the region past
/// the end of the last group commit is written with zeros and synced in the background, so
/// that the next commits overwrite blocks that are already allocated and written.
///
/// Why: a direct write that extends a file makes ext4 allocate blocks and change the file
/// size, and the `fdatasync` after it must then commit the file system's journal as well as
/// flush the device. Overwriting blocks that are already written needs neither: the write
/// is faster (no allocation) and the sync is a device flush alone, so a batch's commit
/// waits less. PostgreSQL zero-fills its WAL
/// segments ahead of use for the same reason. The zeros cost device bandwidth instead (as
/// many bytes as the log itself), which a log bound by sync latency has to spare.
///
/// Durability is unchanged: zeros after the last record are where the log ends (recovery
/// rule 8a), which is what `Storage.writeAndSync` already allows. The filler only writes at
/// or past a file's `zeroedEnd`, and the writer claims every byte it writes past that end
/// before writing it (`claim`), so the two never write the same bytes; `stop` waits for a
/// chunk in flight, and is called before a file is truncated, written otherwise or closed.
///
/// A failure (a full disk, an I/O error) stops filling that file and is kept in
/// `lastFailure`; the writer then extends the file itself, as without the filler, and meets
/// the condition itself if it persists.
final class ZeroFiller: Sendable {
    /// Bytes written per chunk (each followed by `fdatasync`).
    let chunkBytes: Int
    private let shared: Shared

    /// One file's filling.
    struct Job {
        /// The direct-I/O descriptor the zeros are written through.
        var descriptor: Int32
        /// Every byte from the writer's last end to here is zero and durable.
        var zeroedEnd: UInt64
        /// Fill up to here.
        var target: UInt64
        /// A chunk is being written at `zeroedEnd`.
        var running = false
        /// Signalled when the running chunk ends (set by a writer waiting for it).
        var waiter: DispatchSemaphore?
        /// Filling stopped after a failure.
        var failed = false
    }

    struct State: ~Copyable {
        var jobs: [Int32: Job] = [:]
        var stopping = false
        var lastFailure: LedgerError?
    }

    /// What the thread holds (not the filler itself, so that releasing it stops the thread).
    final class Shared: Sendable {
        let state = Mutex<State>(State())
        let wake = DispatchSemaphore(value: 0)
        /// `chunkBytes` of zeros, aligned for direct I/O.
        nonisolated(unsafe) let zeros: UnsafeMutableRawPointer
        let chunkBytes: Int

        init(chunkBytes: Int) {
            self.chunkBytes = chunkBytes
            var memory: UnsafeMutableRawPointer?
            guard posix_memalign(&memory, POSIXStorage.directBlockBytes, chunkBytes) == 0, let memory else {
                fatalError("cannot allocate \(chunkBytes) bytes for the log's zero filler")
            }
            memory.initializeMemory(as: UInt8.self, repeating: 0, count: chunkBytes)
            zeros = memory
        }

        deinit { free(zeros) }
    }

    /// Starts the thread. `chunkBytes`: a positive multiple of the direct-I/O block size.
    init(chunkBytes: Int = 1 << 20) {
        precondition(chunkBytes > 0 && chunkBytes % POSIXStorage.directBlockBytes == 0, "whole direct-I/O blocks")
        self.chunkBytes = chunkBytes
        shared = Shared(chunkBytes: chunkBytes)
        let thread = Thread { [shared] in Self.work(shared) }
        thread.name = "zkpay.zero-filler"
        thread.start()
    }

    deinit {
        shared.state.withLock { $0.stopping = true }
        shared.wake.signal()
    }

    /// The most recent failure of a chunk (filling that file stopped), for diagnostics.
    var lastFailure: LedgerError? { shared.state.withLock { $0.lastFailure } }

    /// The end of the zero-filled, durable region of the file with handle `file` (nil if
    /// the filler has no job for it).
    func zeroedEnd(_ file: Int32) -> UInt64? { shared.state.withLock { $0.jobs[file]?.zeroedEnd } }

    /// Makes the writer of `file` the only one to write below `end`: waits for a chunk in
    /// flight that starts below `end`, then moves the filler's start to `end` if it was
    /// before it. Bytes below the zeroed end were filled and synced before; bytes between
    /// the zeroed end and `end` are the writer's to extend the file with.
    /// - Returns: true if every byte below `end` was already zero-filled and durable (the
    ///   write overwrites written blocks).
    func claim(_ file: Int32, through end: UInt64) -> Bool {
        while true {
            let (filled, wait): (Bool, DispatchSemaphore?) = shared.state.withLock { s in
                guard let zeroedEnd = s.jobs[file]?.zeroedEnd else { return (false, nil) }
                if end <= zeroedEnd { return (true, nil) }
                if let semaphore = Self.waiterForChunk(&s, file) { return (false, semaphore) }
                s.jobs[file]?.zeroedEnd = end
                return (false, nil)
            }
            guard let wait else { return filled }
            wait.wait()
        }
    }

    /// Asks for `file` (written through the direct-I/O descriptor `descriptor`) to be
    /// zero-filled up to `target`, from `from` (block-aligned: the end of the writer's last
    /// write) if the filler has no job for it yet. Returns at once.
    func fill(_ file: Int32, descriptor: Int32, from: UInt64, to target: UInt64) {
        precondition(from % UInt64(POSIXStorage.directBlockBytes) == 0, "the filler writes whole blocks")
        let start = shared.state.withLock { s -> Bool in
            var job = s.jobs[file] ?? Job(descriptor: descriptor, zeroedEnd: from, target: from)
            guard !job.failed else { return false }
            job.zeroedEnd = max(job.zeroedEnd, from)
            job.target = max(job.target, target)
            s.jobs[file] = job
            return !job.running && job.zeroedEnd < job.target
        }
        if start { shared.wake.signal() }
    }

    /// Stops filling `file`: waits for a chunk in flight, then forgets the file. Call before
    /// truncating, writing other than through `claim`, or closing it.
    func stop(_ file: Int32) {
        while true {
            let wait: DispatchSemaphore? = shared.state.withLock { s in
                if let semaphore = Self.waiterForChunk(&s, file) { return semaphore }
                s.jobs[file] = nil
                return nil
            }
            guard let wait else { return }
            wait.wait()
        }
    }

    /// If a chunk of `file` is in flight, the semaphore its end will signal (made on first
    /// request); nil if none is.
    private static func waiterForChunk(_ s: inout State, _ file: Int32) -> DispatchSemaphore? {
        guard let job = s.jobs[file], job.running else { return nil }
        let semaphore = job.waiter ?? DispatchSemaphore(value: 0)
        s.jobs[file]?.waiter = semaphore
        return semaphore
    }

    /// Waits until every file is filled up to its target, or filling it stopped.
    func waitUntilIdle() {
        while shared.state.withLock({ s in
            s.jobs.values.contains { !$0.failed && ($0.running || $0.zeroedEnd < $0.target) }
        }) {
            usleep(1000)
        }
    }

    private static func work(_ shared: Shared) {
        while true {
            shared.wake.wait()
            while true {
                let task: (file: Int32, descriptor: Int32, offset: UInt64, count: Int)?? = shared.state.withLock { s in
                    if s.stopping { return .some(nil) }
                    guard let (file, job) = s.jobs.first(where: { !$0.value.running && !$0.value.failed
                        && $0.value.zeroedEnd < $0.value.target })
                    else { return nil }
                    var started = job
                    started.running = true
                    s.jobs[file] = started
                    let count = Int(min(UInt64(shared.chunkBytes), job.target - job.zeroedEnd))
                    let whole = (count + POSIXStorage.directBlockBytes - 1) / POSIXStorage.directBlockBytes
                    return (file, job.descriptor, job.zeroedEnd, whole * POSIXStorage.directBlockBytes)
                }
                guard let task else { break }  // nothing to do: sleep until woken
                guard let (file, descriptor, offset, count) = task else { return }  // stopping
                let failure = writeZeros(shared, descriptor: descriptor, at: offset, count: count)
                shared.state.withLock { s in
                    guard var job = s.jobs[file] else { return }
                    job.running = false
                    if let failure {
                        job.failed = true
                        s.lastFailure = failure
                    } else if job.zeroedEnd == offset {
                        job.zeroedEnd = offset + UInt64(count)
                    }
                    job.waiter?.signal()
                    job.waiter = nil
                    s.jobs[file] = job
                }
            }
        }
    }

    /// Writes `count` zero bytes at `offset` through `descriptor` and syncs them.
    private static func writeZeros(_ shared: Shared, descriptor: Int32, at offset: UInt64, count: Int) -> LedgerError? {
        var done = 0
        while done < count {
            let n = pwrite(descriptor, shared.zeros + done, count - done, off_t(offset) + off_t(done))
            if n > 0, n % POSIXStorage.directBlockBytes == 0 {
                done += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return POSIXStorage.error("zero-fill ahead of the log", "descriptor \(descriptor)", n < 0 ? errno : EIO)
            }
        }
        var status: Int32
        repeat { status = fdatasync(descriptor) } while status != 0 && errno == EINTR
        return status == 0 ? nil : POSIXStorage.error("fdatasync after zero-fill", "descriptor \(descriptor)", errno)
    }
}
