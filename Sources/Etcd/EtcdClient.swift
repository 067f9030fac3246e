import HTTP1

/// A client of an etcd 3.4 cluster through its JSON gateway (`/v3/...`), over the
/// project's own HTTP/1.1 client: key-value reads, writes and transactions, compaction,
/// leases, watches (`watch`, in Watch.swift) and per-member maintenance.
///
/// Failover, in one place (`call`): a request goes to the member that answered last,
/// and on to the next member, each at most once, when
/// - the member cannot be connected to (nothing was sent), or
/// - the member says it has no leader (it refused before proposing anything), or
/// - for a read, or another request that is safe to repeat, the answer does not arrive
///   within `requestTimeout`, the connection breaks, or the member reports a timeout.
/// A write that reached a member but got no definite answer is not repeated: it throws
/// `outcomeUnknown` and the caller reads back what it wrote. When every member failed the
/// error says why for each (`unreachable`, `noLeader`, `timedOut`).
///
/// Every request carries the gateway header that asks the member to refuse it when the
/// member has no leader (`Grpc-Metadata-hasleader`), so a member cut off from the
/// majority answers at once instead of waiting out its own timeout.
///
/// Not thread-safe (it holds one keep-alive connection per member): give each thread its
/// own client made from the same `EtcdConfig`.
public final class EtcdClient {
    public let config: EtcdConfig
    private var connections: [HTTPClient?]
    /// The member tried first: the one that answered last.
    public private(set) var preferredMember = 0

    /// - Throws: `invalidEndpoint` when `config` names no endpoint.
    public init(_ config: EtcdConfig) throws(EtcdError) {
        guard !config.endpoints.isEmpty else { throw .invalidEndpoint("(no endpoints)") }
        self.config = config
        self.connections = Array(repeating: nil, count: config.endpoints.count)
    }

    // MARK: key-value

    /// Keys from `key`: just `key` when `end` is nil, else the keys in [key, end) (`[0]`:
    /// every key from `key` on; see `KeyRange.prefixEnd`). `revision` 0 reads the latest;
    /// `serializable` reads the member's local copy without asking the leader (may be stale,
    /// works without quorum).
    /// - Throws: `compacted` when `revision` is no longer kept.
    public func range(_ key: [UInt8], end: [UInt8]? = nil, limit: Int64 = 0, revision: Int64 = 0,
                      serializable: Bool = false, keysOnly: Bool = false, countOnly: Bool = false) throws(EtcdError) -> RangeResult {
        let body = GatewayJSON.rangeRequest(key: key, end: end, limit: limit, revision: revision, serializable: serializable,
                                            keysOnly: keysOnly, countOnly: countOnly)
        // A serializable read is served from the member's own copy, leader or not.
        return try call("/v3/kv/range", body, repeatable: true, context: Context(revision: revision),
                        requireLeader: !serializable).rangeResult()
    }

    /// The value of `key`, or nil when it does not exist.
    public func get(_ key: [UInt8], serializable: Bool = false) throws(EtcdError) -> KeyValue? {
        try range(key, serializable: serializable).kvs.first
    }

    /// Writes `key`; returns the revision of the write.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], lease: Int64 = 0) throws(EtcdError) -> Int64 {
        let body = GatewayJSON.putRequest(key: key, value: value, lease: lease)
        return try call("/v3/kv/put", body, repeatable: false, context: Context(lease: lease)).header().revision
    }

    /// Deletes `key` (or the keys in [key, end), as in `range`).
    @discardableResult
    public func delete(_ key: [UInt8], end: [UInt8]? = nil, prevKV: Bool = false) throws(EtcdError) -> DeleteResult {
        let body = GatewayJSON.deleteRequest(key: key, end: end, prevKV: prevKV)
        return try call("/v3/kv/deleterange", body, repeatable: false, context: Context()).deleteResult()
    }

    /// Runs `success` if every comparison holds, else `failure`, atomically, in one
    /// revision. The fenced append of the replicated log is
    /// `txn([.absent(logKey(n)), .held(leaderKey, lease: myLease)], success: [.put(...)])`.
    public func txn(_ compares: [Compare], success: [TxnOp], failure: [TxnOp] = []) throws(EtcdError) -> TxnResult {
        let body: [String: Any] = [
            "compare": compares.map(GatewayJSON.compare),
            "success": success.map(GatewayJSON.op),
            "failure": failure.map(GatewayJSON.op),
        ]
        let lease = success.lazy.compactMap { op -> Int64? in
            if case let .put(_, _, lease) = op, lease != 0 { return lease }
            return nil
        }.first ?? 0
        return try call("/v3/kv/txn", body, repeatable: false, context: Context(lease: lease)).txnResult()
    }

    /// Discards the history before `revision` (reads and watches of older revisions then
    /// fail with `compacted`); `physical` waits until the space is reclaimed in the backend.
    public func compact(revision: Int64, physical: Bool = true) throws(EtcdError) {
        var body: [String: Any] = ["revision": String(revision)]
        if physical { body["physical"] = true }
        _ = try call("/v3/kv/compaction", body, repeatable: true, context: Context(revision: revision))
    }

    // MARK: leases

    /// A new lease living `ttl` seconds without keep-alives (a leaked lease just expires,
    /// so a grant is repeated on another member when the answer was lost).
    public func grantLease(ttl: Int64) throws(EtcdError) -> Lease {
        let reply = try call("/v3/lease/grant", ["TTL": String(ttl)], repeatable: true, context: Context())
        return Lease(id: try reply.int64("ID"), ttl: try reply.int64("TTL"))
    }

    /// Renews the lease once; returns its TTL from now.
    /// - Throws: `leaseNotFound` when it has expired or was revoked.
    @discardableResult
    public func keepAlive(_ lease: Int64) throws(EtcdError) -> Int64 {
        // The gateway maps the keep-alive stream onto one POST: one answer, then the end.
        let reply = try call("/v3/lease/keepalive", ["ID": String(lease)], repeatable: true, context: Context(lease: lease))
        guard let result = try reply.object("result") else {
            throw .malformedReply(endpoint: reply.endpoint, "a keep-alive answer without result")
        }
        let ttl = try result.int64("TTL")
        guard ttl > 0 else { throw .leaseNotFound(lease) }
        return ttl
    }

    /// Revokes the lease, deleting every key attached to it. Returns false when the lease
    /// did not exist (already expired or revoked).
    @discardableResult
    public func revokeLease(_ lease: Int64) throws(EtcdError) -> Bool {
        do {
            _ = try call("/v3/lease/revoke", ["ID": String(lease)], repeatable: true, context: Context(lease: lease))
            return true
        } catch .leaseNotFound {
            return false
        }
    }

    /// Seconds the lease has left, or nil when it does not exist.
    public func leaseTimeToLive(_ lease: Int64) throws(EtcdError) -> Int64? {
        let reply = try call("/v3/lease/timetolive", ["ID": String(lease)], repeatable: true, context: Context(lease: lease))
        let ttl = try reply.int64("TTL")
        return ttl < 0 ? nil : ttl
    }

    // MARK: maintenance (one member each, no failover)

    /// The status of member `index` (of `config.endpoints`), including its database file
    /// size and the part of it in use.
    public func status(member index: Int) throws(EtcdError) -> MemberStatus {
        let reply = try call("/v3/maintenance/status", [:], repeatable: true, context: Context(), only: index)
        return MemberStatus(header: try reply.header(), version: try reply.string("version"), dbSize: try reply.int64("dbSize"),
                            dbSizeInUse: try reply.int64("dbSizeInUse"), leader: try reply.uint64("leader"),
                            raftIndex: try reply.uint64("raftIndex"), raftTerm: try reply.uint64("raftTerm"),
                            errors: try reply.strings("errors"))
    }

    /// Rewrites member `index`'s database file without its free pages (the member pauses
    /// while it does). Run it on one member at a time.
    public func defragment(member index: Int) throws(EtcdError) {
        _ = try call("/v3/maintenance/defragment", [:], repeatable: true, context: Context(), only: index)
    }

    // MARK: transport and the retry policy

    /// What a request is about, for the errors that need it.
    struct Context {
        var revision: Int64 = 0
        var lease: Int64 = 0
    }

    /// How one attempt on one member went wrong (reasons without the endpoint).
    enum Failure {
        /// The member could not be connected to (`sent` false: nothing reached it), or the
        /// connection broke before an answer (`sent` true: the request may have been applied).
        case unreachable(String, sent: Bool)
        /// The member refused without proposing anything: it has no leader.
        case noLeader(String)
        /// The member answered that the request timed out or could not complete; it may
        /// have been applied.
        case serverTimeout(String)
        /// No answer within the request timeout; the request may have been applied.
        case noAnswer(String)

        var reason: String {
            switch self {
            case let .unreachable(r, _), let .noLeader(r), let .serverTimeout(r), let .noAnswer(r): r
            }
        }
    }

    static let jsonHeaders = Headers([Header("Content-Type", "application/json"), Header("Grpc-Metadata-hasleader", "true")])
    static let jsonHeadersAnyLeader = Headers([Header("Content-Type", "application/json")])

    private func connection(_ index: Int) -> HTTPClient {
        if let c = connections[index] { return c }
        let endpoint = config.endpoints[index]
        let c = HTTPClient(host: endpoint.host, port: endpoint.port, timeout: config.requestTimeout,
                           connectTimeout: config.connectTimeout, maxResponseBytes: config.maxReplyBytes)
        connections[index] = c
        return c
    }

    /// Sends `body` to `path` under the retry policy described on the type; `repeatable`:
    /// the request may safely reach the cluster twice. `only`: that member alone.
    func call(_ path: String, _ body: [String: Any], repeatable: Bool, context: Context,
              only: Int? = nil, requireLeader: Bool = true) throws(EtcdError) -> ReplyObject {
        let bytes = GatewayJSON.encode(body)
        let members = only.map { [$0] } ?? (0..<config.endpoints.count).map { (preferredMember + $0) % config.endpoints.count }
        var failures: [(endpoint: String, failure: Failure)] = []
        for index in members {
            guard config.endpoints.indices.contains(index) else {
                throw .invalidEndpoint("member \(index) of \(config.endpoints.count)")
            }
            let endpoint = config.endpoints[index].description
            let failure: Failure
            switch attempt(index, path, bytes, repeatable: repeatable, context: context, requireLeader: requireLeader) {
            case let .success(reply):
                preferredMember = index
                return reply
            case let .failure(.definite(error)):
                preferredMember = index
                throw error
            case let .failure(.retry(f)):
                failure = f
            }
            switch failure {
            case .serverTimeout, .noAnswer:
                if !repeatable { throw .outcomeUnknown(endpoint: endpoint, reason: failure.reason) }
            case let .unreachable(reason, sent: true) where !repeatable:
                throw .outcomeUnknown(endpoint: endpoint, reason: reason)
            default:
                break
            }
            failures.append((endpoint, failure))
        }
        throw Self.summary(failures, timeout: config.requestTimeout)
    }

    enum AttemptError: Error {
        case definite(EtcdError)
        case retry(Failure)
    }

    /// One request to one member.
    private func attempt(_ index: Int, _ path: String, _ bytes: [UInt8], repeatable: Bool,
                         context: Context, requireLeader: Bool) -> Result<ReplyObject, AttemptError> {
        let endpoint = config.endpoints[index].description
        let client = connection(index)
        let response: ClientResponse
        do {
            response = try client.request("POST", path, headers: requireLeader ? Self.jsonHeaders : Self.jsonHeadersAnyLeader, body: bytes,
                                          timeout: config.requestTimeout, resendOnStaleConnection: repeatable)
        } catch {
            return .failure(.retry(Self.transportFailure(error)))
        }
        if response.status == 200 {
            do { return .success(try ReplyObject(parsing: response.body, endpoint: endpoint)) } catch {
                return .failure(.definite(error))
            }
        }
        return .failure(Self.gatewayFailure(status: response.status, body: response.body, endpoint: endpoint, context: context))
    }

    /// A transport error, sorted by whether the request can have reached the member.
    static func transportFailure(_ error: HTTPClientError) -> Failure {
        switch error {
        case let .socket(s):
            switch s {
            case let .system(operation, _) where operation == "connect" || operation == "socket":
                return .unreachable("\(s)", sent: false)
            case let .timedOut(operation) where operation == "connect":
                return .unreachable("\(s)", sent: false)
            case .invalidAddress:
                return .unreachable("\(s)", sent: false)
            default:
                return .unreachable("\(s)", sent: true)
            }
        case .timedOut:
            return .noAnswer("\(error)")
        default:
            return .unreachable("\(error)", sent: true)
        }
    }

    /// A gateway error answer `{"error": ..., "message": ..., "code": gRPC code}` (a
    /// stream's error has the fields one level down: `{"error": {"grpc_code", "message"}}`).
    static func gatewayFailure(status: Int, body: [UInt8], endpoint: String, context: Context) -> AttemptError {
        var message = "HTTP status \(status)"
        var code = -1
        if let object = try? ReplyObject(parsing: body, endpoint: endpoint) {
            if let nested = try? object.object("error") {
                message = (try? nested.string("message")) ?? message
                code = Int((try? nested.int64("grpc_code")) ?? -1)
            } else {
                message = ((try? object.string("message")) ?? "").isEmpty ? ((try? object.string("error")) ?? message)
                    : ((try? object.string("message")) ?? message)
                code = Int((try? object.int64("code")) ?? -1)
            }
        }
        return classify(code: code, message: message, endpoint: endpoint, context: context)
    }

    /// The gRPC status an etcd member reported, sorted into the policy's classes.
    static func classify(code: Int, message: String, endpoint: String, context: Context) -> AttemptError {
        if message.contains("no leader") || message.contains("not capable") {
            return .retry(.noLeader(message))
        }
        if message.contains("required revision has been compacted") {
            return .definite(.compacted(requested: context.revision, compactRevision: nil))
        }
        if message.contains("requested lease not found") {
            return .definite(.leaseNotFound(context.lease))
        }
        if message.contains("database space exceeded") {
            return .definite(.spaceExceeded(endpoint: endpoint, message: message))
        }
        if message.contains("request is too large") {
            return .definite(.requestTooLarge(endpoint: endpoint, message: message))
        }
        if message.contains("too many requests") {
            return .retry(.unreachable(message, sent: false))  // refused before proposing
        }
        // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: "request timed out", "leader changed" and
        // the like; the request may have been applied.
        if code == 14 || code == 4 || message.contains("timed out") || message.contains("leader changed") {
            return .retry(.serverTimeout(message))
        }
        return .definite(.rejected(endpoint: endpoint, code: code, message: message))
    }

    /// The error once every member failed: no leader if a member said so or could not
    /// complete the request in time, timed out if a member did not answer in time, else
    /// unreachable.
    static func summary(_ failures: [(endpoint: String, failure: Failure)], timeout: Double) -> EtcdError {
        let reasons = failures.map { "\($0.endpoint): \($0.failure.reason)" }
        if failures.contains(where: { if case .noLeader = $0.failure { true } else if case .serverTimeout = $0.failure { true } else { false } }) {
            return .noLeader(reasons)
        }
        if failures.contains(where: { if case .noAnswer = $0.failure { true } else { false } }) {
            return .timedOut(seconds: timeout, reasons)
        }
        return .unreachable(reasons)
    }
}
