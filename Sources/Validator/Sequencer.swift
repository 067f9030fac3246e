import BatchVerify
import Foundation
import Ledger
import Ristretto255
import Synchronization
import ZKPayCore

/// What one submitted transfer or mint came to.
enum ItemResult: Sendable {
    /// Settled (now: `fresh`, or before: the original receipt).
    case settled(Receipt, fresh: Bool)
    /// Refused; nothing of it was settled.
    case failed(APIFailure)
}

/// Answers one item (a closure that renders and sends the HTTP response, or fills a slot of
/// a batch response).
typealias Reply = @Sendable (ItemResult) -> Void

/// A decoded item waiting in the batch queue.
enum Work: Sendable {
    case transfer(Transfer, Reply)
    case mint(Mint, Reply)
    case redemption(Redemption, Reply)
    case authority(AuthorityStatement, Reply)

    var isTransfer: Bool {
        if case .transfer = self { return true }
        return false
    }
}

/// What readers may see without asking the sequencer: published after every batch.
struct LedgerSummary: Sendable {
    var sequence: UInt64
    var chainHash: [UInt8]
    /// The state digest at `sequence` (`LedgerState.stateDigest`).
    var stateDigest: [UInt8]
    var unspentNotes: Int
    /// The last sequence the ledger's durable snapshot covers.
    var snapshotSequence: UInt64 = 0
    /// The ledger's chain of authority statements (who is in office at each sequence).
    var authorities: AuthorityChain
}

/// Batching parameters.
struct BatchPolicy: Sendable {
    /// Most transfers in one batch.
    var maxTransfers: Int
    /// How long a batch may wait to fill under load (never when the server is idle).
    var maxWaitNanos: UInt64
    /// Most items admitted and not yet taken (the bounded queue).
    var capacity: Int
}

/// Where the sequencer reads time: the system clocks in a validator, a simulated clock in
/// the deterministic simulation (`SequencerLoop`).
struct SequencerClock: Sendable {
    /// Monotonic nanoseconds (batch deadlines, queue latency).
    let monotonicNanos: @Sendable () -> UInt64
    /// Milliseconds since 1970 (the settlement time receipts carry).
    let wallMilliseconds: @Sendable () -> UInt64

    static let system = SequencerClock(monotonicNanos: systemMonotonicNanos,
                                       wallMilliseconds: { Sequencer.wallClockMilliseconds() })
}

/// The single writer: one dedicated thread owns the `Ledger` (it opens it, so the
/// non-Sendable ledger never crosses threads). It takes batches from a bounded queue, has
/// its one verifier thread check them across the worker pool, applies and appends them
/// with one fsync (group commit), answers every item, and publishes events. Reads that need
/// the ledger run on the same thread between batches, so they never race a batch.
///
/// Adaptive batching: a batch takes what is queued. It waits up to `maxWaitNanos` (from
/// the oldest item's arrival) for more only under load: when items arrived while the
/// previous batch was being processed, or more admitted items are still being decoded.
/// A lone transfer on an idle server is taken at once.
final class Sequencer: Sendable {
    struct Queue: Sendable {
        var items: [(work: Work, arrived: UInt64)] = []
        var head = 0
        var reads: [@Sendable (Ledger) -> Void] = []
        /// Admitted and not yet taken (queued or still being decoded by a worker).
        var admitted = 0
        /// Items enqueued since the sequencer last took a batch.
        var arrivals = 0
        var stopping = false
        var stopped = false

        var queued: Int { items.count - head }
    }

    let policy: BatchPolicy
    let clock: SequencerClock
    let workers: WorkerPool
    let hub: EventHub
    let metrics: Metrics
    /// Ledger parameters, fixed at open.
    let genesis: Genesis
    let receiptPublicKey: [UInt8]
    let recovery: RecoveryReport
    /// The replicated log this validator appends to when it leads a cluster (set once, after
    /// start-up; nil for a validator on its own).
    let replication = Mutex<Replication?>(nil)
    /// The cluster's certificates, when this validator is in a cluster (the stats name how far
    /// each validator has signed).
    let certifier = Mutex<Certifier?>(nil)
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let published: Mutex<LedgerSummary>

    /// What the sequencer learns from the ledger when it opens it.
    private struct Opened: Sendable {
        let genesis: Genesis
        let key: [UInt8]
        let recovery: RecoveryReport
        let summary: LedgerSummary

        init(_ ledger: Ledger) {
            genesis = ledger.genesis
            key = ledger.receiptPublicKey
            recovery = ledger.recovery
            summary = Sequencer.summary(ledger)
        }
    }

    private init(opened o: Opened, policy: BatchPolicy, clock: SequencerClock, workers: WorkerPool, hub: EventHub,
                 metrics: Metrics) {
        self.policy = policy
        self.clock = clock
        self.workers = workers
        self.hub = hub
        self.metrics = metrics
        genesis = o.genesis
        receiptPublicKey = o.key
        recovery = o.recovery
        published = Mutex(o.summary)
    }

    /// Opens the ledger on a new sequencer thread and starts serving the queue.
    /// - Throws: whatever opening the storage or the ledger threw.
    convenience init(openStorage: @escaping @Sendable () throws -> any Storage, logOptions: LogOptions, backend: Backend,
                     policy: BatchPolicy, workers: WorkerPool, hub: EventHub, metrics: Metrics) throws {
        let opened = Mutex<Result<Opened, any Error>?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let started = Mutex<Sequencer?>(nil)
        let go = DispatchSemaphore(value: 0)
        let thread = Thread {
            let ledger: Ledger
            do {
                ledger = try Ledger(storage: try openStorage(), options: logOptions, backend: backend)
            } catch {
                opened.withLock { $0 = .failure(error) }
                ready.signal()
                return
            }
            opened.withLock { $0 = .success(Opened(ledger)) }
            ready.signal()
            go.wait()
            guard let me = started.withLock({ $0 }) else { return }  // init failed after opening
            started.withLock { $0 = nil }
            me.run(ledger)
        }
        thread.name = "zkpay.sequencer"
        thread.start()
        ready.wait()
        switch opened.withLock({ $0 }) {
        case let .success(o)?:
            self.init(opened: o, policy: policy, clock: .system, workers: workers, hub: hub, metrics: metrics)
        case let .failure(e)?:
            throw e
        case nil:
            preconditionFailure("the sequencer thread reports before signalling")
        }
        started.withLock { $0 = self }
        go.signal()
    }

    /// A sequencer without a thread of its own: the caller owns `ledger` and drives the
    /// returned loop one step at a time on its own thread, with `clock` (the deterministic
    /// simulation). Proof checks run inside the step that needs them, on `workers`. Calls
    /// that wait for the loop (`stop`, `applyReplicated`) are for a threaded sequencer: here
    /// `beginStopping` and stepping until `.exit` stop it.
    static func manual(ledger: Ledger, policy: BatchPolicy, clock: SequencerClock, workers: WorkerPool, hub: EventHub,
                       metrics: Metrics) -> (Sequencer, SequencerLoop) {
        let sequencer = Sequencer(opened: Opened(ledger), policy: policy, clock: clock, workers: workers, hub: hub,
                                  metrics: metrics)
        let parallelism = workers.parallelism
        let loop = SequencerLoop(sequencer: sequencer, ledger: ledger,
                                 verify: { $0.verify(parallelism) }, stopVerifying: {})
        return (sequencer, loop)
    }

    static func summary(_ ledger: Ledger) -> LedgerSummary {
        LedgerSummary(sequence: ledger.state.sequence, chainHash: ledger.state.chainHash, stateDigest: ledger.state.stateDigest,
                      unspentNotes: ledger.state.unspent.count, snapshotSequence: ledger.snapshotSequence,
                      authorities: ledger.state.authorities)
    }

    /// The ledger figures as of the last batch.
    var summary: LedgerSummary { published.withLock { $0 } }

    /// Items admitted and not yet taken into a batch.
    var depth: Int { queue.withLock { $0.admitted } }

    // MARK: Admission

    /// Reserves room for `count` items; false if the queue is full or stopping.
    func admit(_ count: Int) -> APIFailure? {
        queue.withLock { q in
            if q.stopping { return APIFailure.shuttingDown }
            guard q.admitted + count <= policy.capacity else { return APIFailure.queueFull }
            q.admitted += count
            return nil
        }
    }

    /// Gives back room reserved by `admit` for items that will not be enqueued (bad input).
    func release(_ count: Int) { queue.withLock { $0.admitted -= count } }

    /// Queues an admitted item.
    func enqueue(_ work: Work) {
        let arrived = clock.monotonicNanos()
        // The answer also records the item's queue-to-answer time for the live figures.
        let timed: Work
        switch work {
        case let .transfer(t, reply): timed = .transfer(t, timedReply(reply, arrived: arrived))
        case let .mint(m, reply): timed = .mint(m, timedReply(reply, arrived: arrived))
        case let .redemption(r, reply): timed = .redemption(r, timedReply(reply, arrived: arrived))
        case let .authority(a, reply): timed = .authority(a, timedReply(reply, arrived: arrived))
        }
        queue.withLock { q in
            q.items.append((timed, arrived))
            q.arrivals += 1
        }
        wake.signal()
    }

    private func timedReply(_ reply: @escaping Reply, arrived: UInt64) -> Reply {
        { [metrics, clock] result in
            if case .settled = result {
                metrics.settled(latencySeconds: Double(clock.monotonicNanos() &- arrived) * 1e-9)
            }
            reply(result)
        }
    }

    /// Runs `body` on the sequencer thread between batches. False if the sequencer stopped.
    @discardableResult
    func read(_ body: @escaping @Sendable (Ledger) -> Void) -> Bool {
        let accepted = queue.withLock { q in
            guard !q.stopped else { return false }
            q.reads.append(body)
            return true
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// Stops admitting, finishes every admitted item (answering it), then stops the thread
    /// and returns.
    func stop() {
        let first = beginStopping()
        if first { finished.wait() }
    }

    /// Stops admitting and lets the loop finish the admitted items and exit (`stop` waits
    /// for that; a manual loop's driver steps until `.exit`). True for the first call.
    @discardableResult
    func beginStopping() -> Bool {
        let first = queue.withLock { q in
            defer { q.stopping = true }
            return !q.stopping
        }
        wake.signal()
        return first
    }

    // MARK: The sequencer thread

    fileprivate enum Step {
        case reads([@Sendable (Ledger) -> Void])
        case batch([Work])
        case wait(UInt64?)
        case exit
    }

    /// A batch of transfers whose proofs are being checked (by the `Verifier` thread, on the
    /// workers) while the sequencer applies the batch before it (the pipeline: verification
    /// of batch n + 1 overlaps the apply, fsync and replies of batch n).
    final class Flight: Sendable {
        let items: [(Transfer, Reply)]
        let prepared: PreparedVerification
        private let result = Mutex<(verdicts: [Verification], seconds: Double)?>(nil)
        private let done = DispatchSemaphore(value: 0)

        init(items: [(Transfer, Reply)], prepared: PreparedVerification) {
            self.items = items
            self.prepared = prepared
        }

        /// Checks the proofs across `parallelism` and hands the verdicts to `wait` (the
        /// verifier thread calls it once).
        func verify(_ parallelism: Parallelism) {
            let start = ContinuousClock.now
            let verdicts = prepared.verifyVartime(parallelism: parallelism)
            result.withLock { $0 = (verdicts, seconds(ContinuousClock.now - start)) }
            done.signal()
        }

        /// Waits for the verdicts.
        func wait() -> (verdicts: [Verification], seconds: Double) {
            done.wait()
            done.signal()  // later calls return at once
            return result.withLock { $0 } ?? ([], 0)
        }
    }

    /// The sequencer's one verifier thread: it takes flights from a bounded queue, in order,
    /// and runs each one's proof checks, spreading them over the worker pool. Started when
    /// the sequencer starts serving and stopped when it stops, so a batch starts no thread.
    /// The sequencer keeps at most two flights unlanded (the one being applied and the next),
    /// so `capacity` never makes it wait.
    private final class Verifier: Sendable {
        private struct Queue: ~Copyable {
            var flights: [Flight] = []
            var stopping = false
        }

        static let capacity = 2

        private let queue = Mutex(Queue())
        private let available = DispatchSemaphore(value: 0)
        private let space = DispatchSemaphore(value: Verifier.capacity)
        private let exited = DispatchSemaphore(value: 0)

        init(parallelism: Parallelism) {
            let thread = Thread { [self] in serve(parallelism) }
            thread.name = "zkpay.verifier"
            thread.start()
        }

        /// The thread's loop: one flight per signal, until the stop signal finds none left.
        private func serve(_ parallelism: Parallelism) {
            while true {
                available.wait()
                let next: Flight? = queue.withLock { q in q.flights.isEmpty ? nil : q.flights.removeFirst() }
                guard let next else { break }
                space.signal()
                next.verify(parallelism)
            }
            exited.signal()
        }

        /// Queues a flight behind those already queued; waits while the queue is full.
        func submit(_ flight: Flight) {
            space.wait()
            queue.withLock { q in
                precondition(!q.stopping, "a flight submitted after the verifier stopped")
                q.flights.append(flight)
            }
            available.signal()
        }

        /// Lets the thread finish the queued flights, then waits until it has exited.
        func stop() {
            let first = queue.withLock { q in
                defer { q.stopping = true }
                return !q.stopping
            }
            guard first else { return }
            available.signal()
            exited.wait()
        }
    }

    /// The sequencer thread: runs the loop, waiting on the queue's signal when a step says so.
    private func run(_ ledger: Ledger) {
        let verifier = Verifier(parallelism: workers.parallelism)
        let loop = SequencerLoop(sequencer: self, ledger: ledger, verify: { verifier.submit($0) },
                                 stopVerifying: { verifier.stop() })
        while true {
            switch loop.step() {
            case .proceed:
                continue
            case let .wait(until: deadline?):
                let now = clock.monotonicNanos()
                let nanos = deadline > now ? min(deadline - now, 1_000_000_000) : 0
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(nanos)))
            case .wait(until: nil):
                wake.wait()
            case .exit:
                finished.signal()
                return
            }
        }
    }

    /// The next thing the loop does, decided from the queue under its lock: reads, a batch
    /// (a run of one kind from the head), a wait for more (or until the oldest item's
    /// deadline under load), or the exit once stopping and every admitted item is taken.
    fileprivate func nextStep(loaded: Bool, batchFirst: Bool) -> Step {
        queue.withLock { q in
            if !q.reads.isEmpty && !(batchFirst && q.queued > 0) {
                defer { q.reads.removeAll() }
                return .reads(q.reads)
            }
            if q.queued == 0 {
                if q.stopping && q.admitted == 0 {
                    q.stopped = true
                    return .exit
                }
                return .wait(nil)
            }
            let underLoad = loaded || q.admitted > q.queued
            if !q.stopping, underLoad, q.queued < policy.maxTransfers, policy.maxWaitNanos > 0 {
                let deadline = q.items[q.head].arrived + policy.maxWaitNanos
                if clock.monotonicNanos() < deadline { return .wait(deadline) }
            }
            // A run of one kind from the head: transfers up to the batch size, mints alike.
            let kind = q.items[q.head].work.isTransfer
            var end = q.head
            while end < q.items.count, end - q.head < policy.maxTransfers, q.items[end].work.isTransfer == kind {
                end += 1
            }
            let batch = q.items[q.head..<end].map(\.work)
            q.head = end
            if q.head == q.items.count {
                q.items.removeAll(keepingCapacity: true)
                q.head = 0
            }
            q.admitted -= batch.count
            q.arrivals = 0
            return .batch(batch)
        }
    }

    /// Whether items arrived while the last batch was processed, or admitted ones are still
    /// being decoded: the next batch may wait to fill.
    fileprivate var underLoad: Bool { queue.withLock { $0.arrivals > 0 || $0.admitted > $0.queued } }

    /// Reads that raced the stop, taken off the queue.
    fileprivate func lateReads() -> [@Sendable (Ledger) -> Void] {
        queue.withLock { q in
            defer { q.reads.removeAll() }
            return q.reads
        }
    }

    /// Waits for a batch's verdicts, applies it with one fsync, answers every item and hands
    /// the batch's events to the hub.
    fileprivate func finish(_ flight: Flight, _ ledger: Ledger) {
        let items = flight.items
        let (verdicts, verifySeconds) = flight.wait()
        let outcomes: [Outcome]
        let events: BatchEvents
        do {
            (outcomes, events) = try ledger.settle(OrderedBatch(time: clock.wallMilliseconds(), transfers: verdicts),
                                                   replicate: replicate)
        } catch {
            let failure = APIFailure.storage(error)
            metrics.update { m in
                m.batchSize.observe(Double(items.count))
                m.verifySeconds.observe(verifySeconds)
                m.rejected[failure.code, default: 0] += UInt64(items.count)
                m.interval.batch(items: items.count)
                m.interval.rejected += items.count
            }
            for (_, reply) in items { reply(.failed(failure)) }
            return
        }
        // Readers of the summary (status, metrics) see the batch before any client hears of it.
        published.withLock { $0 = Self.summary(ledger) }
        let appendSeconds = seconds(ledger.lastAppendDuration)
        metrics.update { m in
            m.batchSize.observe(Double(items.count))
            m.verifySeconds.observe(verifySeconds)
            m.fsyncSeconds.observe(appendSeconds)
            m.interval.batch(items: items.count)
            m.interval.appended(seconds: appendSeconds, stallSeconds: metrics.fsyncStallSeconds)
            for o in outcomes {
                switch o {
                case .settled:
                    m.finalized += 1
                    m.interval.transfers += 1
                case .finalized: break
                case let .rejected(e):
                    m.rejected[e.code, default: 0] += 1
                    m.interval.rejected += 1
                }
            }
        }
        answer(items.map(\.1), outcomes, object: "transfer")
        hub.publish(events)
    }

    /// Settles a batch of mints or redemptions (each verified as `apply` meets it), answers
    /// every item and hands the events to the hub.
    fileprivate func settle(_ batch: OrderedBatch, replies items: [Reply], object: Receipt.Kind, _ ledger: Ledger) {
        let outcomes: [Outcome]
        let events: BatchEvents
        do {
            (outcomes, events) = try ledger.settle(batch, replicate: replicate)
        } catch {
            let failure = APIFailure.storage(error)
            metrics.update { m in
                m.rejected[failure.code, default: 0] += UInt64(items.count)
                m.interval.rejected += items.count
            }
            for reply in items { reply(.failed(failure)) }
            return
        }
        published.withLock { $0 = Self.summary(ledger) }
        let appendSeconds = seconds(ledger.lastAppendDuration)
        metrics.update { m in
            m.fsyncSeconds.observe(appendSeconds)
            m.interval.batch(items: items.count)
            m.interval.appended(seconds: appendSeconds, stallSeconds: metrics.fsyncStallSeconds)
            for o in outcomes {
                switch o {
                case .settled where object == .mint:
                    m.mintsFinalized += 1
                    m.interval.mints += 1
                case .settled:
                    m.finalized += 1
                    m.interval.transfers += 1
                case .finalized: break
                case let .rejected(e):
                    m.rejected[e.code, default: 0] += 1
                    m.interval.rejected += 1
                }
            }
        }
        answer(items, outcomes, object: object.name)
        hub.publish(events)
    }

    /// The leader's append to the replicated log, when this validator is in a cluster.
    private var replicate: ((ReplicatedBatch) throws(LedgerError) -> Void)? {
        guard let r = replication.withLock({ $0 }) else { return nil }
        return { (batch: ReplicatedBatch) throws(LedgerError) in try r.append(batch) }
    }

    /// Applies a batch of the replicated log on the sequencer thread (between batches) and
    /// waits: re-verified and made durable by `Ledger.applyReplicated`, then published to
    /// readers and event streams like a batch of this validator's own.
    func applyReplicated(_ batch: ReplicatedBatch) -> Result<Void, LedgerError> {
        let result = Mutex<Result<Void, LedgerError>>(.failure(.notReplicated(reason: "the validator is stopping",
                                                                              outcomeUnknown: false)))
        let done = DispatchSemaphore(value: 0)
        let accepted = read { [self] ledger in
            defer { done.signal() }
            let applied: (outcomes: [Outcome], events: BatchEvents)?
            do throws(LedgerError) { applied = try ledger.applyReplicated(batch, parallelism: workers.parallelism) } catch {
                result.withLock { $0 = .failure(error) }
                return
            }
            result.withLock { $0 = .success(()) }
            guard let applied else { return }
            published.withLock { $0 = Self.summary(ledger) }
            let appendSeconds = seconds(ledger.lastAppendDuration)
            metrics.update { m in
                m.fsyncSeconds.observe(appendSeconds)
                m.batchSize.observe(Double(applied.outcomes.count))
                switch batch.kind {
                case .transfers, .redemptions: m.finalized += UInt64(applied.outcomes.count)
                case .mints: m.mintsFinalized += UInt64(applied.outcomes.count)
                case .authorities: break
                }
            }
            hub.publish(applied.events)
        }
        guard accepted else { return .failure(.notReplicated(reason: "the validator is stopping", outcomeUnknown: false)) }
        done.wait()
        return result.withLock { $0 }
    }

    /// Answers every item of a durable batch.
    private func answer(_ replies: [Reply], _ outcomes: [Outcome], object: String) {
        for (reply, outcome) in zip(replies, outcomes) {
            switch outcome {
            case let .settled(r): reply(.settled(r, fresh: true))
            case let .finalized(r): reply(.settled(r, fresh: false))
            case let .rejected(e): reply(.failed(.rejection(e, object: object)))
            }
        }
    }

    /// Milliseconds since 1970 (receipt time).
    static func wallClockMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}

/// The sequencer's loop, one step at a time. It owns the ledger and the batch in flight: a
/// batch of transfers is taken with its inputs looked up after the batch in flight, its
/// proof checks are started (`verify`), and the batch in flight is applied meanwhile
/// (`land`); mints and redemptions land what flies and settle at once. The sequencer thread
/// runs it until it exits, waiting on the queue's signal where a step says to; the
/// deterministic simulation runs it on its own thread with a simulated clock, checking
/// proofs inside the step.
final class SequencerLoop {
    /// What the driver does after a step.
    enum Next: Equatable {
        /// Step again.
        case proceed
        /// Nothing to do until more is queued, or until the monotonic time given (the
        /// oldest item's deadline under load), whichever comes first.
        case wait(until: UInt64?)
        /// Stopped: every admitted item was answered and the proof checks have stopped.
        case exit
    }

    let sequencer: Sequencer
    let ledger: Ledger
    private let verify: (Sequencer.Flight) -> Void
    private let stopVerifying: () -> Void
    /// Items arrived while the last batch was processed: a batch may wait to fill.
    private var loaded = false
    /// After a round of reads, queued items go first: a long read split into slices that
    /// re-queue themselves (event replay) cannot starve settlement.
    private var batchFirst = false
    /// The deadline the last step waited for: once it has passed, the load has been served.
    private var waitedFor: UInt64?
    private var flight: Sequencer.Flight?

    init(sequencer: Sequencer, ledger: Ledger, verify: @escaping (Sequencer.Flight) -> Void,
         stopVerifying: @escaping () -> Void) {
        self.sequencer = sequencer
        self.ledger = ledger
        self.verify = verify
        self.stopVerifying = stopVerifying
    }

    /// Whether a batch of transfers is verified and not yet applied.
    var inFlight: Bool { flight != nil }

    /// Applies the batch in flight, if any.
    private func land() {
        guard let f = flight else { return }
        flight = nil
        sequencer.finish(f, ledger)
        loaded = sequencer.underLoad
    }

    /// Takes one decision and carries it out.
    func step() -> Next {
        if let deadline = waitedFor {
            waitedFor = nil
            if sequencer.clock.monotonicNanos() >= deadline { loaded = false }
        }
        switch sequencer.nextStep(loaded: loaded, batchFirst: batchFirst) {
        case let .reads(jobs):
            land()  // readers see every batch taken so far
            for job in jobs { job(ledger) }
            batchFirst = true
            return .proceed
        case .wait where flight != nil:
            land()  // nothing to overlap with: apply the batch in flight now
            return .proceed
        case let .wait(deadline):
            waitedFor = deadline
            return .wait(until: deadline)
        case let .batch(items):
            batchFirst = false
            take(items)
            return .proceed
        case .exit where flight != nil:
            land()
            return .proceed
        case .exit:
            // Answer reads that raced the stop (they see the final state).
            for job in sequencer.lateReads() { job(ledger) }
            stopVerifying()  // every flight has landed
            return .exit
        }
    }

    private func take(_ items: [Work]) {
        var transfers: [(Transfer, Reply)] = []
        var mints: [(Mint, Reply)] = []
        var redemptions: [(Redemption, Reply)] = []
        var statements: [(AuthorityStatement, Reply)] = []
        for w in items {
            switch w {
            case let .transfer(t, r): transfers.append((t, r))
            case let .mint(m, r): mints.append((m, r))
            case let .redemption(d, r): redemptions.append((d, r))
            case let .authority(a, r): statements.append((a, r))
            }
        }
        let time = sequencer.clock.wallMilliseconds
        if !transfers.isEmpty, let change = ledger.state.authorities.nextChange(after: ledger.state.sequence),
           ledger.state.sequence &+ UInt64(flight?.items.count ?? 0) &+ UInt64(transfers.count) >= change {
            takeAcrossChange(transfers)
        } else if !transfers.isEmpty {
            // Look up this batch's inputs (after the batch in flight), start its proof
            // checks, and apply the batch in flight meanwhile.
            let prepared = ledger.state.prepareVerification(transfers.map(\.0), after: flight?.prepared)
            let next = Sequencer.Flight(items: transfers, prepared: prepared)
            verify(next)
            land()
            flight = next
        }
        if !mints.isEmpty {
            settleWithinAuthorities(mints, object: .mint) { OrderedBatch(time: time(), mints: $0) }
            loaded = sequencer.underLoad
        }
        if !redemptions.isEmpty {
            settleWithinAuthorities(redemptions, object: .redemption) { OrderedBatch(time: time(), redemptions: $0) }
            loaded = sequencer.underLoad
        }
        // Each statement alone in its batch, after the batch in flight: transfers verified
        // before it landed are applied under the authority they were verified for.
        for (statement, reply) in statements {
            land()
            sequencer.settle(OrderedBatch(time: time(), authorities: [statement]), replies: [reply], object: .authority, ledger)
            loaded = sequencer.underLoad
        }
    }
}

extension SequencerLoop {
    /// Settles transfers that could reach the effective sequence of a pending authority
    /// statement (§7.12): after the batch in flight lands, in batches that end before each
    /// effective sequence, each verified for the authority that governs it. Apply would
    /// refuse an item verified for another authority; the cut keeps such refusals to the
    /// items a rejection before them moved across the boundary. Rare, so not overlapped.
    fileprivate func takeAcrossChange(_ transfers: [(Transfer, Reply)]) {
        land()
        var rest = transfers[...]
        while !rest.isEmpty {
            let part = Array(rest.prefix(roomBeforeChange(rest.count)))
            rest = rest.dropFirst(part.count)
            flight = Sequencer.Flight(items: part, prepared: ledger.state.prepareVerification(part.map(\.0)))
            if let f = flight { verify(f) }
            land()
        }
    }
}

extension SequencerLoop {
    /// How many of `count` items the next batch may take so that it ends before the next
    /// authority change (at least one; all `count` with none pending): one batch, one
    /// authority, whose validators sign it.
    fileprivate func roomBeforeChange(_ count: Int) -> Int {
        let next = ledger.state.sequence &+ 1
        return ledger.state.authorities.nextChange(after: next).map { max(1, Int(clamping: $0 - next)) } ?? count
    }

    /// Settles mints or redemptions after the batch in flight lands, in batches that end
    /// before each pending authority change (apply refuses an item past it with
    /// `authority_changed`).
    fileprivate func settleWithinAuthorities<Item>(_ items: [(Item, Reply)], object: Receipt.Kind,
                                                   batch: ([Item]) -> OrderedBatch) {
        var rest = items[...]
        while !rest.isEmpty {
            land()
            let part = rest.prefix(roomBeforeChange(rest.count))
            rest = rest.dropFirst(part.count)
            sequencer.settle(batch(part.map(\.0)), replies: part.map(\.1), object: object, ledger)
        }
    }
}

/// The system's monotonic clock, named apart from `SequencerClock.monotonicNanos`.
private func systemMonotonicNanos() -> UInt64 { monotonicNanos() }

/// Monotonic nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// A duration in seconds.
func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}
