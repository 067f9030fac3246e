public import HTTP1

extension EtcdClient {
    /// Watches `key` (or [key, end), as in `range`) from revision `from` (0: from now on).
    /// Returns once a member has confirmed the watch.
    /// - Throws: `compacted` when `from` is older than the oldest revision kept; the
    ///   failover errors of `EtcdClient` when no member accepts the watch.
    public func watch(_ key: [UInt8], end: [UInt8]? = nil, from revision: Int64 = 0, prevKV: Bool = false,
                      cancellation: StreamCancellation = StreamCancellation()) throws(EtcdError) -> EtcdWatch {
        let watch = EtcdWatch(config: config, key: key, end: end, from: revision, prevKV: prevKV,
                              firstMember: preferredMember, cancellation: cancellation)
        try watch.open()
        return watch
    }
}

/// A watch: the changes of a key range in revision order, from a starting revision, as
/// one long streaming response of the gateway (`POST /v3/watch`).
///
/// When its member goes away (connection closed or broken, nothing received for
/// `watchIdleTimeout`, the member losing its leader), the watch reopens on the next
/// member from the revision after the last one it delivered, so no event is lost or
/// repeated. Only the `cancellation` handle may be used from another thread.
public final class EtcdWatch {
    public let config: EtcdConfig
    public let key: [UInt8]
    public let end: [UInt8]?
    public let prevKV: Bool
    /// Stops the watch from any thread: a blocked `next` throws `cancelled`.
    public let cancellation: StreamCancellation
    /// The revision the watch resumes from if it has to reopen: one past the last event or
    /// progress notification delivered.
    public private(set) var nextRevision: Int64
    /// The member (index into `config.endpoints`) the watch is open on.
    public private(set) var member: Int
    private var stream: HTTPResponseStream?

    init(config: EtcdConfig, key: [UInt8], end: [UInt8]?, from revision: Int64, prevKV: Bool, firstMember: Int,
         cancellation: StreamCancellation) {
        self.config = config
        self.key = key
        self.end = end
        self.prevKV = prevKV
        self.cancellation = cancellation
        self.nextRevision = revision
        self.member = firstMember
    }

    deinit { stream?.close() }

    /// Stops the watch (same as `cancellation.cancel()`).
    public func cancel() { cancellation.cancel() }

    /// The next message: events in revision order, or none for a progress notification.
    /// Blocks until one arrives; reopens on another member when needed (see the type).
    /// - Throws: `cancelled`; `compacted` when the history to resume from is gone;
    ///   `watchCanceled` when the server ended the watch; the failover errors of
    ///   `EtcdClient` when no member can carry the watch.
    public func next() throws(EtcdError) -> WatchResponse {
        var reopenFailures: [String] = []
        while true {
            if cancellation.isCancelled { throw .cancelled }
            if stream == nil {
                do { try open() } catch let error {
                    switch error {
                    case .unreachable, .noLeader, .timedOut:
                        // Every member was tried once: one more round, then give up.
                        reopenFailures.append("\(error)")
                        if reopenFailures.count >= 2 { throw error }
                        continue
                    default:
                        throw error
                    }
                }
            }
            guard let current = stream else { continue }
            let endpoint = config.endpoints[member].description
            let line: [UInt8]?
            do { line = try current.nextLine() } catch {
                if case .cancelled = error { throw .cancelled }
                // The member is gone or silent: resume on the next one.
                dropStream(advance: true)
                continue
            }
            guard let line else {
                dropStream(advance: true)
                continue
            }
            if line.isEmpty { continue }
            let message = try ReplyObject(parsing: line, endpoint: endpoint)
            if let response = try handle(message, endpoint: endpoint) { return response }
        }
    }

    /// Interprets one line of the stream: a response to deliver, or nil for one that only
    /// changed the watch's state (a reopen is due after an error or a cancellation that
    /// leaves nothing to deliver).
    private func handle(_ message: ReplyObject, endpoint: String) throws(EtcdError) -> WatchResponse? {
        if try message.object("error") != nil {
            // A stream error: the member lost its leader, or the stream broke server-side.
            let failure = Self.streamError(message, endpoint: endpoint, revision: nextRevision)
            if let failure { throw failure }
            dropStream(advance: true)
            return nil
        }
        guard let result = try message.object("result") else {
            throw .malformedReply(endpoint: endpoint, "a watch message without result")
        }
        let header = try result.header()
        if try result.bool("canceled") {
            dropStream(advance: false)
            let compactRevision = try result.int64("compact_revision")
            if compactRevision > 0 { throw .compacted(requested: nextRevision, compactRevision: compactRevision) }
            let reason = try result.string("cancel_reason")
            if reason.contains("no leader") {
                // The member lost its leader: resume on another member.
                member = (member + 1) % config.endpoints.count
                return nil
            }
            throw .watchCanceled(reason.isEmpty ? "no reason given" : reason)
        }
        var events: [WatchEvent] = []
        for e in try result.objects("events") { events.append(try e.watchEvent()) }
        if let last = events.last {
            nextRevision = last.kv.modRevision + 1
        } else if header.revision > 0 {
            // A progress notification: everything up to header.revision has been sent.
            nextRevision = max(nextRevision, header.revision + 1)
        }
        return WatchResponse(revision: header.revision, events: events)
    }

    /// The error a stream's `{"error": {...}}` message stands for, or nil when the watch
    /// should reopen elsewhere.
    static func streamError(_ message: ReplyObject, endpoint: String, revision: Int64) -> EtcdError? {
        guard let error = try? message.object("error") else { return nil }
        let text = (try? error.string("message")) ?? ""
        let code = Int((try? error.int64("grpc_code")) ?? -1)
        switch EtcdClient.classify(code: code, message: text, endpoint: endpoint,
                                   context: EtcdClient.Context(revision: revision)) {
        case let .definite(e): return e
        case .retry: return nil
        }
    }

    private func dropStream(advance: Bool) {
        stream?.close()
        stream = nil
        if advance { member = (member + 1) % config.endpoints.count }
    }

    /// Opens the stream on the first member, from `member` on, that confirms the watch.
    func open() throws(EtcdError) {
        var create: [String: Any] = ["key": GatewayJSON.base64(key), "progress_notify": true]
        if let end { create["range_end"] = GatewayJSON.base64(end) }
        if nextRevision > 0 { create["start_revision"] = String(nextRevision) }
        if prevKV { create["prev_kv"] = true }
        let body = GatewayJSON.encode(["create_request": create])
        var failures: [(endpoint: String, failure: EtcdClient.Failure)] = []
        for _ in 0..<config.endpoints.count {
            if cancellation.isCancelled { throw .cancelled }
            let endpoint = config.endpoints[member]
            switch attemptOpen(endpoint, body) {
            case let .success(opened):
                stream = opened
                return
            case let .failure(.definite(error)):
                throw error
            case let .failure(.retry(failure)):
                failures.append((endpoint.description, failure))
                member = (member + 1) % config.endpoints.count
            }
        }
        throw EtcdClient.summary(failures, timeout: config.requestTimeout)
    }

    /// Opens the stream on one member and reads its confirmation.
    private func attemptOpen(_ endpoint: EtcdEndpoint, _ body: [UInt8]) -> Result<HTTPResponseStream, EtcdClient.AttemptError> {
        let client = HTTPClient(host: endpoint.host, port: endpoint.port, timeout: config.requestTimeout,
                                connectTimeout: config.connectTimeout, maxResponseBytes: config.maxReplyBytes)
        let name = endpoint.description
        let opened: HTTPResponseStream
        do {
            opened = try client.openStream("POST", "/v3/watch", headers: EtcdClient.jsonHeaders, body: body,
                                           idleTimeout: config.watchIdleTimeout, maxLineBytes: config.maxReplyBytes,
                                           cancellation: cancellation)
        } catch {
            if case .cancelled = error { return .failure(.definite(.cancelled)) }
            return .failure(.retry(EtcdClient.transportFailure(error)))
        }
        guard opened.status == 200 else {
            let errorBody = (try? opened.readToEnd(limit: 64 * 1024)) ?? []
            opened.close()
            return .failure(EtcdClient.gatewayFailure(status: opened.status, body: errorBody, endpoint: name,
                                                      context: EtcdClient.Context(revision: nextRevision)))
        }
        // The first message confirms the watch (or refuses it, e.g. for a compacted start).
        do {
            while true {
                guard let line = try opened.nextLine() else {
                    return .failure(.retry(.unreachable("the watch stream ended before it was confirmed", sent: true)))
                }
                if line.isEmpty { continue }
                let message = try ReplyObject(parsing: line, endpoint: name)
                if let error = Self.streamError(message, endpoint: name, revision: nextRevision) {
                    return .failure(.definite(error))
                }
                guard let result = try message.object("result") else {
                    return .failure(.retry(.noLeader("the watch stream failed before it was confirmed")))
                }
                if try result.bool("canceled") {
                    let compactRevision = try result.int64("compact_revision")
                    if compactRevision > 0 {
                        return .failure(.definite(.compacted(requested: nextRevision, compactRevision: compactRevision)))
                    }
                    let reason = try result.string("cancel_reason")
                    if reason.contains("no leader") { return .failure(.retry(.noLeader(reason))) }
                    return .failure(.definite(.watchCanceled(reason)))
                }
                guard try result.bool("created") else { continue }
                if nextRevision == 0 {
                    // "From now on": events after the revision current at creation.
                    nextRevision = try result.header().revision + 1
                }
                return .success(opened)
            }
        } catch let error as HTTPClientError {
            if case .cancelled = error { return .failure(.definite(.cancelled)) }
            if case .idleTimeout = error { return .failure(.retry(.noAnswer("\(error)"))) }
            return .failure(.retry(EtcdClient.transportFailure(error)))
        } catch let error as EtcdError {
            return .failure(.definite(error))
        } catch {
            return .failure(.definite(.malformedReply(endpoint: name, "\(error)")))
        }
    }
}
