/// Why an etcd operation failed. Each message says what to check or do.
public enum EtcdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An endpoint that is not `http://IPv4:PORT`.
    case invalidEndpoint(String)
    /// No member could be connected to; one "endpoint: reason" per member tried.
    case unreachable([String])
    /// The members that answered have no leader: the cluster lost quorum (fewer than a
    /// majority of members run or reach each other) or is electing one.
    case noLeader([String])
    /// No member answered within the request timeout; one "endpoint: reason" per member.
    case timedOut(seconds: Double, [String])
    /// A write reached `endpoint` but no answer came back: it may or may not have been
    /// committed. Read the keys it wrote to find out before acting on it.
    case outcomeUnknown(endpoint: String, reason: String)
    /// The revision asked for is older than the oldest the cluster keeps.
    case compacted(requested: Int64, compactRevision: Int64?)
    /// A transaction's comparisons did not hold (see `TxnResult.requireSuccess`).
    case txnFailed(String)
    /// The lease does not exist: it expired or was revoked.
    case leaseNotFound(Int64)
    /// The member's database reached its quota (`--quota-backend-bytes`): writes are
    /// refused until history is compacted, the database defragmented and the alarm disarmed.
    case spaceExceeded(endpoint: String, message: String)
    /// The request is larger than the members accept (`--max-request-bytes`).
    case requestTooLarge(endpoint: String, message: String)
    /// Any other refusal, as the gateway reported it (gRPC status code and message).
    case rejected(endpoint: String, code: Int, message: String)
    /// A 200 answer that is not the JSON this client expects.
    case malformedReply(endpoint: String, String)
    /// The server ended a watch for a reason other than compaction.
    case watchCanceled(String)
    /// The watch was cancelled through its `StreamCancellation`.
    case cancelled

    public var description: String {
        switch self {
        case let .invalidEndpoint(text):
            "etcd endpoint '\(text)' is not of the form http://IPv4:PORT (e.g. http://127.0.0.1:2379)"
        case let .unreachable(attempts):
            "no etcd member could be reached (\(attempts.joined(separator: "; "))); check that the members run and the endpoints are right"
        case let .noLeader(attempts):
            "the etcd cluster has no leader (\(attempts.joined(separator: "; "))); quorum is lost or an election is under way: make sure a majority of members run and reach each other"
        case let .timedOut(seconds, attempts):
            "no etcd member answered within \(seconds) seconds (\(attempts.joined(separator: "; "))); the cluster is overloaded or partitioned"
        case let .outcomeUnknown(endpoint, reason):
            "the write reached \(endpoint) but its outcome is unknown (\(reason)); read back what it wrote before retrying"
        case let .compacted(requested, compactRevision):
            if let compactRevision {
                "revision \(requested) is compacted (the oldest kept is \(compactRevision)); restart from a snapshot at a later revision"
            } else {
                "revision \(requested) is compacted; restart from a snapshot at a later revision"
            }
        case let .txnFailed(what):
            "etcd transaction failed: \(what)"
        case let .leaseNotFound(id):
            "etcd lease \(id) does not exist (it expired or was revoked); grant a new lease"
        case let .spaceExceeded(endpoint, message):
            "\(endpoint): \(message); compact the history, defragment every member, then disarm the NOSPACE alarm (etcdctl alarm disarm)"
        case let .requestTooLarge(endpoint, message):
            "\(endpoint): \(message); send smaller requests or raise --max-request-bytes on every member"
        case let .rejected(endpoint, code, message):
            "\(endpoint) refused the request: \(message) (gRPC code \(code))"
        case let .malformedReply(endpoint, why):
            "\(endpoint) sent a reply this client cannot read: \(why)"
        case let .watchCanceled(reason):
            "the etcd watch was cancelled by the server: \(reason)"
        case .cancelled:
            "the etcd watch was cancelled"
        }
    }
}
