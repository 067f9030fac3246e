import Foundation
import HTTP1
import Ledger
import Ristretto255
import Synchronization
import ZKPayCore

/// Where a subscriber's events go: an HTTP event stream (`EventStream`), or a recorder in the
/// deterministic simulation.
protocol EventSink: Sendable {
    /// False once the sink has ended; stop producing then.
    var isOpen: Bool { get }
    /// Queues `event`; false if the sink has ended.
    @discardableResult
    func send(_ event: ServerSentEvent) throws(EventStreamError) -> Bool
    /// Queues a comment (a heartbeat); false if the sink has ended.
    @discardableResult
    func comment(_ text: String) -> Bool
    /// Ends the sink.
    func close()
}

extension EventStream: EventSink {}

/// Fans settled events out to the open event streams, per address (owner spend key).
///
/// Gap-free resume: a stream is registered by the sequencer thread in the same step that
/// replays its history from the log (`Ledger.events(for:from:)`), with `after` = the ledger
/// sequence at that moment. Every later batch is published by the same thread after that
/// step, so the stream gets each event once: replayed (≤ after) or live (> after; live
/// events at or below `after` are dropped as a second guard).
final class EventHub: Sendable {
    struct Subscriber: Sendable {
        let stream: any EventSink
        let after: UInt64
    }

    private let subscribers = Mutex<[[UInt8]: [Subscriber]]>([:])
    private let stopSignal = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    /// Seconds between heartbeat comments.
    let heartbeatInterval: Double

    init(heartbeatInterval: Double) {
        self.heartbeatInterval = heartbeatInterval
        let thread = Thread { [weak self] in
            while true {
                guard let hub = self else { return }
                let signalled = hub.stopSignal.wait(timeout: .now() + .nanoseconds(Int(hub.heartbeatInterval * 1e9)))
                if signalled == .success || hub.stopping.load(ordering: .acquiring) { return }
                hub.heartbeat()
            }
        }
        thread.name = "zkpay.events.heartbeat"
        thread.start()
    }

    /// Open streams.
    var count: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Registers a stream for `owner` that has seen every event up to `after`.
    func subscribe(owner: [UInt8], stream: any EventSink, after: UInt64) {
        subscribers.withLock { $0[owner, default: []].append(Subscriber(stream: stream, after: after)) }
    }

    /// Publishes the events of a batch just settled (called by the sequencer, in order). The
    /// events are derived only when some stream is open.
    func publish(_ events: BatchEvents) {
        guard !events.isEmpty, subscribers.withLock({ !$0.isEmpty }) else { return }
        var closed = false
        for e in events.all() {
            let targets = subscribers.withLock { $0[e.owner] ?? [] }
            guard !targets.isEmpty else { continue }
            let frame = Self.frame(e)
            for s in targets where e.sequence > s.after {
                if (try? s.stream.send(frame)) != true { closed = true }
            }
        }
        if closed { prune() }
    }

    /// One slice of a subscriber's replay, run on the sequencer thread between batches: the
    /// events for `owner` of records `from...` (at most `sliceRecords` of them) go to the sink
    /// (`open` gives it, opening it if need be; nil ends the replay). When the slice reaches
    /// the ledger's end the sink is registered in this same step, with `after` = that end
    /// (or `resumeAfter` if later), so every later event comes live, once.
    /// - Returns: the first record of the next slice, or nil once the sink is registered or
    ///   has ended.
    /// - Throws: the log could not be read (`open` was not called).
    func replaySlice(_ ledger: Ledger, owner: RistrettoPoint, from: UInt64, resumeAfter: UInt64, sliceRecords: UInt64,
                     open: () -> (any EventSink)?) throws(LedgerError) -> UInt64? {
        let end = ledger.state.sequence
        let last = min(end, from &+ sliceRecords &- 1)
        let history = from <= last ? try ledger.events(for: owner, records: from...last) : []
        guard let sink = open() else { return nil }
        for e in history { _ = try? sink.send(Self.frame(e)) }
        if last >= end {
            subscribe(owner: owner.encoding, stream: sink, after: max(resumeAfter, end))
            return nil
        }
        return sink.isOpen ? last + 1 : nil
    }

    /// Sends the heartbeat comment on every stream and forgets closed ones.
    func heartbeat() {
        let all = subscribers.withLock { $0.values.flatMap { $0 } }
        for s in all { s.stream.comment("heartbeat") }
        prune()
    }

    private func prune() {
        subscribers.withLock { map in
            for (k, list) in map {
                let open = list.filter(\.stream.isOpen)
                map[k] = open.isEmpty ? nil : open
            }
        }
    }

    /// Ends every stream and the heartbeat thread.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopSignal.signal()
        let all = subscribers.withLock { map in
            defer { map.removeAll() }
            return map.values.flatMap { $0 }
        }
        for s in all { s.stream.close() }
    }

    /// The SSE frame of an event: id = sequence, event = kind, data = the JSON of http-api.md.
    static func frame(_ e: LedgerEvent) -> ServerSentEvent {
        ServerSentEvent(id: String(e.sequence), event: e.kind.rawValue, data: APIRender.event(e).render())
    }
}
