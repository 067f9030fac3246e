/// Where a member can be reached: `http://HOST:PORT` with an IPv4 host.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `http://127.0.0.1:2379` (a trailing slash is allowed).
    public init(parsing text: String) throws(EtcdError) {
        var rest = Substring(text)
        guard rest.hasPrefix("http://") else { throw .invalidEndpoint(text) }
        rest = rest.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
            throw .invalidEndpoint(text)
        }
        let host = rest[..<colon]
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { throw .invalidEndpoint(text) }
        self.host = String(host)
        self.port = port
    }

    /// Comma-separated endpoints, e.g. `http://127.0.0.1:2379,http://127.0.0.1:22379`.
    public static func list(_ text: String) throws(EtcdError) -> [EtcdEndpoint] {
        var out: [EtcdEndpoint] = []
        for part in text.split(separator: ",") {
            out.append(try EtcdEndpoint(parsing: String(part)))
        }
        guard !out.isEmpty else { throw .invalidEndpoint(text) }
        return out
    }

    public var description: String { "http://\(host):\(port)" }
}

/// Timeouts and bounds of an `EtcdClient`; one value shared by every client of a process.
public struct EtcdConfig: Sendable, Equatable {
    /// The cluster's members, tried in turn (see `EtcdClient`).
    public var endpoints: [EtcdEndpoint]
    /// Seconds one request to one member may take, from connecting to the last byte.
    public var requestTimeout: Double
    /// Seconds a TCP connection to a member may take (a member that is down refuses at once
    /// on loopback; this bounds a host that does not answer at all).
    public var connectTimeout: Double
    /// Seconds a watch waits for anything from its member before it moves to the next
    /// one. Keep it above the members' progress-notify interval on a quiet cluster.
    public var watchIdleTimeout: Double
    /// Largest reply (and largest watch message) accepted.
    public var maxReplyBytes: Int

    public init(endpoints: [EtcdEndpoint], requestTimeout: Double = 5, connectTimeout: Double = 1,
                watchIdleTimeout: Double = 60, maxReplyBytes: Int = 64 << 20) {
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.watchIdleTimeout = watchIdleTimeout
        self.maxReplyBytes = maxReplyBytes
    }
}

/// The header of every reply: which cluster and member answered, at which revision.
public struct ResponseHeader: Sendable, Equatable {
    public var clusterID: UInt64
    public var memberID: UInt64
    /// The store's revision when the request was served.
    public var revision: Int64
    public var raftTerm: UInt64
}

/// One key with its value and revisions.
public struct KeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    /// Revision of the key's creation (0 for a key that does not exist).
    public var createRevision: Int64
    /// Revision of the key's last change.
    public var modRevision: Int64
    /// How many times the key was written since its creation.
    public var version: Int64
    /// The lease the key is attached to (0: none).
    public var lease: Int64
}

/// A range read's answer.
public struct RangeResult: Sendable, Equatable {
    public var header: ResponseHeader
    public var kvs: [KeyValue]
    /// Keys in the range (all of them, even when `limit` cut `kvs` short).
    public var count: Int64
    /// True when `limit` left keys out.
    public var more: Bool
}

/// A delete's answer.
public struct DeleteResult: Sendable, Equatable {
    public var header: ResponseHeader
    public var deleted: Int64
    /// The deleted pairs, when asked for.
    public var prevKVs: [KeyValue]
}

/// One comparison of a transaction's guard.
public struct Compare: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case equal = "EQUAL", greater = "GREATER", less = "LESS", notEqual = "NOT_EQUAL"
    }

    public enum Target: Sendable, Equatable {
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case value([UInt8])
        case lease(Int64)
    }

    public var key: [UInt8]
    public var op: Operator
    public var target: Target

    public init(key: [UInt8], _ op: Operator, _ target: Target) {
        self.key = key
        self.op = op
        self.target = target
    }

    /// The key does not exist (its creation revision is 0): the fencing comparison.
    public static func absent(_ key: [UInt8]) -> Compare { Compare(key: key, .equal, .createRevision(0)) }

    /// The key exists and is attached to `lease` (a missing key compares as lease 0).
    public static func held(_ key: [UInt8], lease: Int64) -> Compare { Compare(key: key, .equal, .lease(lease)) }

    /// The key holds exactly `value` (false for a missing key).
    public static func holds(_ key: [UInt8], value: [UInt8]) -> Compare { Compare(key: key, .equal, .value(value)) }
}

/// One operation of a transaction branch.
public enum TxnOp: Sendable, Equatable {
    case put(key: [UInt8], value: [UInt8], lease: Int64 = 0)
    /// `end` as in `EtcdClient.range`.
    case range(key: [UInt8], end: [UInt8]? = nil, limit: Int64 = 0)
    case delete(key: [UInt8], end: [UInt8]? = nil)
}

/// What one transaction operation returned.
public enum TxnOpResult: Sendable, Equatable {
    case put(revision: Int64)
    case range(RangeResult)
    case delete(DeleteResult)
}

/// A transaction's answer: which branch ran and what its operations returned.
public struct TxnResult: Sendable, Equatable {
    public var header: ResponseHeader
    /// True when every comparison held and the success branch ran.
    public var succeeded: Bool
    public var responses: [TxnOpResult]

    /// Self when the success branch ran; otherwise `txnFailed(what)`.
    @discardableResult
    public func requireSuccess(_ what: @autoclosure () -> String) throws(EtcdError) -> TxnResult {
        guard succeeded else { throw .txnFailed(what()) }
        return self
    }
}

/// A granted lease.
public struct Lease: Sendable, Equatable {
    public var id: Int64
    /// Seconds the lease lives without a keep-alive (the server may raise a small one).
    public var ttl: Int64
}

/// One member's view of itself and the cluster.
public struct MemberStatus: Sendable, Equatable {
    public var header: ResponseHeader
    public var version: String
    /// Size of the member's database file, in bytes.
    public var dbSize: Int64
    /// Bytes of the file in use; the rest is free pages that defragmenting returns.
    public var dbSizeInUse: Int64
    /// The leader's member id (0: none known).
    public var leader: UInt64
    public var raftIndex: UInt64
    public var raftTerm: UInt64
    /// Problems the member reports (e.g. "etcdserver: no leader", alarms).
    public var errors: [String]
}

/// One change seen by a watch.
public struct WatchEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    /// The key after the change (for a delete: the key with its deletion's mod revision).
    public var kv: KeyValue
    /// The key before the change, when the watch asked for it.
    public var prevKV: KeyValue?
}

/// One message of a watch: the events of one or more revisions, in revision order, or
/// none (a progress notification: every event up to `revision` has been delivered).
public struct WatchResponse: Sendable, Equatable {
    /// The store's revision when the message was sent.
    public var revision: Int64
    public var events: [WatchEvent]
}

/// Key-range helpers.
public enum KeyRange {
    /// The range end that covers every key starting with `prefix` ([0] when the prefix is
    /// empty or all 0xff bytes: every key from `prefix` on).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}
