import Foundation
import HTTP1
import Ledger
import Synchronization
import ZKPayCore

/// The parameters of `GET /v1/stats/stream` (docs/notes/http-api.md).
public struct StatsOptions: Sendable {
    /// Seconds between two events (the width of each event's interval).
    public var intervalSeconds: Double
    /// Events one stream carries before the server ends it (the client reconnects after
    /// `retryMilliseconds`): no stream is held open forever.
    public var eventsPerStream: Int
    /// Most stats streams open at once; one more is answered 503 `too_many_streams`.
    public var maxStreams: Int
    /// The `retry:` hint sent with every event.
    public var retryMilliseconds: Int
    /// Least seconds between two runs of the supply audit for the stream (the result is
    /// cached and shared by every stream).
    public var auditRefreshSeconds: Double
    /// A log append (write and fsync) at least this slow counts as a stall.
    public var fsyncStallSeconds: Double

    /// Defaults: an event a second, 600 per stream (ten minutes), 32 streams, reconnect
    /// after 1 s, the audit at most once a minute, stalls from 100 ms.
    public init(intervalSeconds: Double = 1, eventsPerStream: Int = 600, maxStreams: Int = 32,
                retryMilliseconds: Int = 1000, auditRefreshSeconds: Double = 60, fsyncStallSeconds: Double = 0.1) {
        self.intervalSeconds = intervalSeconds
        self.eventsPerStream = eventsPerStream
        self.maxStreams = maxStreams
        self.retryMilliseconds = retryMilliseconds
        self.auditRefreshSeconds = auditRefreshSeconds
        self.fsyncStallSeconds = fsyncStallSeconds
    }
}

/// The producer of `GET /v1/stats/stream`: one thread renders the validator's figures once
/// per interval and sends the same frame on every open stream (no thread or timer per
/// stream). Streams are capped (`maxStreams`) and each ends after `eventsPerStream`
/// events. The audit runs on the sequencer thread at most once per `auditRefreshSeconds`,
/// only while some stream is open, and its result is cached for every stream.
final class StatsHub: Sendable {
    private struct Subscriber: Sendable {
        let stream: EventStream
        var sent: Int
    }

    private struct State: Sendable {
        var subscribers: [Subscriber] = []
        /// The last frame rendered: a new stream gets it at once.
        var latest: ServerSentEvent?
        var eventID: UInt64 = 0
        var stopped = false
    }

    /// The cached audit.
    private struct AuditCache: Sendable {
        var ok = false
        /// The ledger sequence the audit saw (nil: no run finished yet).
        var sequence: UInt64?
        /// Wall-clock milliseconds of the cached run.
        var checkedAt: UInt64 = 0
        /// Monotonic nanoseconds of the last run started (nil: never).
        var started: UInt64?
        var running = false
    }

    let options: StatsOptions
    private let sequencer: Sequencer
    private let metrics: Metrics
    private let state = Mutex(State())
    private let audit = Mutex(AuditCache())
    private let stopSignal = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    init(options: StatsOptions, sequencer: Sequencer, metrics: Metrics) {
        var options = options
        options.intervalSeconds = max(0.01, options.intervalSeconds)
        options.eventsPerStream = max(1, options.eventsPerStream)
        options.maxStreams = max(0, options.maxStreams)
        options.retryMilliseconds = max(0, options.retryMilliseconds)
        self.options = options
        self.sequencer = sequencer
        self.metrics = metrics
        let thread = Thread { [weak self] in
            var last = monotonicNanos()
            while true {
                guard let hub = self else { return }
                let wait = hub.options.intervalSeconds
                let signalled = hub.stopSignal.wait(timeout: .now() + .nanoseconds(Int(wait * 1e9)))
                if signalled == .success || hub.stopping.load(ordering: .acquiring) { return }
                let now = monotonicNanos()
                hub.tick(elapsedSeconds: Double(now &- last) * 1e-9)
                last = now
            }
        }
        thread.name = "zkpay.stats"
        thread.start()
    }

    /// Open stats streams.
    var count: Int { state.withLock { $0.subscribers.count } }

    /// Opens a stats stream on `responder`, or answers 503 (`too_many_streams`,
    /// `shutting_down`). A stream gets the latest figures at once, then one event per interval.
    func subscribe(_ responder: Responder) {
        let refused: APIFailure? = state.withLock { s in
            if s.stopped { return .shuttingDown }
            s.subscribers.removeAll { !$0.stream.isOpen }
            guard s.subscribers.count < options.maxStreams else {
                return APIFailure(.serviceUnavailable, "too_many_streams",
                                  "\(options.maxStreams) stats streams are open, the most this validator serves; "
                                      + "retry after the Retry-After delay or share one stream")
            }
            guard let stream = responder.startEventStream(headers: Headers([Header("Cache-Control", "no-store")])) else {
                return nil
            }
            var subscriber = Subscriber(stream: stream, sent: 0)
            if let latest = s.latest, (try? stream.send(latest)) == true { subscriber.sent = 1 }
            if subscriber.sent >= options.eventsPerStream {
                stream.close()
            } else {
                s.subscribers.append(subscriber)
            }
            return nil
        }
        if let refused { responder.respond(refused.response) }
    }

    /// Renders the interval's figures and sends them on every stream; ends the streams
    /// that reached their event count.
    func tick(elapsedSeconds: Double) {
        let figures = metrics.takeInterval()
        let watched = state.withLock { !$0.subscribers.isEmpty }
        if watched { refreshAuditIfDue() }
        let cached = audit.withLock { a in a.sequence.map { (ok: a.ok, sequence: $0, checkedAt: a.checkedAt) } }
        let summary = sequencer.summary
        let depth = sequencer.depth
        let signed = sequencer.certifier.withLock { $0 }?.signedThrough() ?? []
        let cluster = sequencer.replication.withLock { $0 }.map { r -> ClusterFigures in
            let members = r.etcdMembers.withLock { $0 }
            return switch r.currentRole {
            case .leader: ClusterFigures(role: "leader", leader: r.options.advertisedURL, validators: signed, etcd: members)
            case let .follower(leader): ClusterFigures(role: "follower", leader: leader, validators: signed, etcd: members)
            case .halted: ClusterFigures(role: "halted", leader: nil, validators: signed, etcd: members)
            }
        }
        state.withLock { s in
            s.eventID &+= 1
            let text = Self.render(figures, elapsedSeconds: elapsedSeconds, sequence: summary.sequence,
                                   queueDepth: depth, streams: s.subscribers.count,
                                   audit: cached, time: Sequencer.wallClockMilliseconds(), cluster: cluster)
            let event = ServerSentEvent(id: String(s.eventID), event: "stats", data: text,
                                        retryMilliseconds: options.retryMilliseconds)
            s.latest = event
            for i in s.subscribers.indices {
                if (try? s.subscribers[i].stream.send(event)) == true { s.subscribers[i].sent += 1 }
                if s.subscribers[i].sent >= options.eventsPerStream { s.subscribers[i].stream.close() }
            }
            s.subscribers.removeAll { !$0.stream.isOpen }
        }
    }

    /// Queues one audit on the sequencer thread when the cached one is older than the
    /// refresh period and none is running.
    private func refreshAuditIfDue() {
        let now = monotonicNanos()
        let due = audit.withLock { a in
            if a.running { return false }
            if let started = a.started, Double(now &- started) * 1e-9 < options.auditRefreshSeconds { return false }
            a.running = true
            a.started = now
            return true
        }
        guard due else { return }
        let accepted = sequencer.read { [self] ledger in
            let ok = ledger.auditVartime().ok
            let sequence = ledger.state.sequence
            let at = Sequencer.wallClockMilliseconds()
            audit.withLock { a in
                a.ok = ok
                a.sequence = sequence
                a.checkedAt = at
                a.running = false
            }
        }
        if !accepted { audit.withLock { $0.running = false } }
    }

    /// Ends every stream and the producer thread.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopSignal.signal()
        let all = state.withLock { s in
            s.stopped = true
            defer { s.subscribers.removeAll() }
            return s.subscribers
        }
        for s in all { s.stream.close() }
    }

    /// The `data` of one stats event (members in docs/notes/http-api.md). Every number is an
    /// integer, as everywhere in zkpay JSON: durations are whole microseconds, the rate is
    /// rounded (a client wanting more digits divides `transfers` by `interval_ms`);
    /// percentiles without samples in the interval, and the audit before its first run,
    /// are left out (zkpay JSON has no null).
    static func render(_ f: IntervalFigures, elapsedSeconds: Double, sequence: UInt64, queueDepth: Int, streams: Int,
                       audit: (ok: Bool, sequence: UInt64, checkedAt: UInt64)?, time: UInt64,
                       cluster: ClusterFigures? = nil) -> String {
        func micros(_ seconds: Double) -> Int64 { seconds.isFinite ? Int64((seconds * 1e6).rounded()) : Int64.max }
        /// `"p50":…,"p99":…,"max":…,` when `h` has samples, else nothing.
        func percentiles(_ h: LogHistogram) -> String {
            guard let p50 = h.quantile(0.5), let p99 = h.quantile(0.99) else { return "" }
            return "\"p50\":\(micros(p50)),\"p99\":\(micros(p99)),\"max\":\(micros(h.maxSeconds)),"
        }
        let perSecond = elapsedSeconds > 0 ? Double(f.transfers) / elapsedSeconds : 0
        var out = "{\"time\":\(time),\"interval_ms\":\(Int64((elapsedSeconds * 1000).rounded()))"
        out += ",\"sequence\":\(sequence)"
        out += ",\"transfers\":\(f.transfers),\"mints\":\(f.mints),\"rejected\":\(f.rejected)"
        out += ",\"transfers_per_second\":\(Int64(perSecond.rounded()))"
        out += ",\"latency_us\":{\(percentiles(f.latency))\"count\":\(f.latency.count)}"
        out += ",\"batches\":{\"count\":\(f.batches),\"items\":\(f.batchItems),\"max_size\":\(f.largestBatch)}"
        out += ",\"queue_depth\":\(queueDepth)"
        out += ",\"log_sync_us\":{\(percentiles(f.append))\"count\":\(f.append.count),\"stalls\":\(f.stalls)}"
        if let audit {
            out += ",\"audit\":{\"ok\":\(audit.ok),\"sequence\":\(audit.sequence),\"checked_at\":\(audit.checkedAt)}"
        }
        if let cluster {
            // The leader's URL comes from the consensus engine: escaped as any JSON string.
            out += ",\"cluster\":{\"role\":\(JSONValue.string(cluster.role).render())"
            if let leader = cluster.leader { out += ",\"leader\":\(JSONValue.string(leader).render())" }
            // Each validator: the last sequence it signed, and how far that is behind this one's.
            out += ",\"validators\":[" + cluster.validators.map { v in
                "{\"name\":\(JSONValue.string(v.name).render()),\"signed\":\(v.sequence),"
                    + "\"lag\":\(sequence > v.sequence ? sequence - v.sequence : 0)}"
            }.joined(separator: ",") + "]"
            // The consensus engine's members: reachable, Raft leader, applied index, database size.
            out += ",\"etcd\":[" + cluster.etcd.map { m in
                "{\"endpoint\":\(JSONValue.string(m.endpoint).render()),\"up\":\(m.up),\"leader\":\(m.leader),"
                    + "\"raft_index\":\(m.raftIndex),\"db_size\":\(m.dbSize)"
                    + (m.problem.map { ",\"problem\":\(JSONValue.string($0).render())" } ?? "") + "}"
            }.joined(separator: ",") + "]"
            out += "}"
        }
        out += ",\"streams\":\(streams)}"
        return out
    }
}

extension Router {
    /// `GET /v1/stats/stream`.
    func statsStream(_ responder: Responder) { stats.subscribe(responder) }
}

/// A cluster validator's view of the cluster, for the stats stream.
struct ClusterFigures: Sendable {
    var role: String
    var leader: String?
    /// Every validator of the genesis and the last sequence it is known to have signed.
    var validators: [(name: String, sequence: UInt64)]
    /// The etcd members as last polled.
    var etcd: [EtcdMemberFigures] = []
}
