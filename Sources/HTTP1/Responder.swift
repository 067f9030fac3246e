import Synchronization

/// The handler's way to answer one request, now or later, from any thread.
///
/// Exactly one answer counts: `respond` or `startEventStream`; later calls are ignored
/// and return false. If the last reference goes away unanswered, the client gets a 500
/// (`no_response`), so a forgotten request cannot hang a connection forever.
public final class Responder: Sendable {
    let connection: UInt64
    let shared: ServerShared
    private let answered = Atomic<Bool>(false)

    init(connection: UInt64, shared: ServerShared) {
        self.connection = connection
        self.shared = shared
    }

    deinit {
        if !answered.load(ordering: .acquiring) {
            shared.submit(.respond(connection: connection,
                                   response: .error(.internalServerError, code: "no_response",
                                                    message: "the handler finished without answering")))
        }
    }

    /// Sends `response`. Returns false if this request was already answered.
    @discardableResult
    public func respond(_ response: Response) -> Bool {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        shared.submit(.respond(connection: connection, response: response))
        return true
    }

    /// Answers with a `text/event-stream` response (status 200 plus `headers`) and returns
    /// the stream to send events on; nil if this request was already answered. The
    /// connection is not reused afterwards.
    public func startEventStream(headers: Headers = Headers()) -> EventStream? {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        let state = StreamState()
        shared.submit(.streamOpen(connection: connection, status: nil, headers: headers, state: state))
        return EventStream(StreamChannel(connection: connection, shared: shared, state: state))
    }

    /// Answers with a chunked response (`status` plus `headers`; RFC 9112 §7.1) whose body
    /// is sent piece by piece from any thread; nil if this request was already answered.
    /// The connection is closed after the last chunk.
    public func startChunkedResponse(status: Status = .ok, headers: Headers = Headers()) -> ChunkedResponseStream? {
        guard status.allowsBody, !answered.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        let state = StreamState()
        shared.submit(.streamOpen(connection: connection, status: status, headers: headers, state: state))
        return ChunkedResponseStream(StreamChannel(connection: connection, shared: shared, state: state))
    }
}
