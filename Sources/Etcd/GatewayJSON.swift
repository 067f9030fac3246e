import Foundation

/// The gateway's JSON mapping of etcd's protobuf messages: keys and values are base64,
/// 64-bit integers are decimal strings, and fields holding their default value (0, false,
/// empty) are left out, so a missing field reads as that default.
enum GatewayJSON {
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The request body for `object` (built from strings, booleans, arrays and objects).
    /// Written directly as UTF-8: an append's body is mostly one long base64 value, which
    /// needs no escaping and is copied as it is.
    static func encode(_ object: [String: Any]) -> [UInt8] {
        var out: [UInt8] = []
        write(object, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        case let s as String:
            writeString(s, into: &out)
        case let b as Bool:
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case let i as Int:
            out.append(contentsOf: String(i).utf8)
        case let i as Int64:
            out.append(contentsOf: String(i).utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in object.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, v) in array.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            preconditionFailure("a gateway request holds only strings, booleans, integers, arrays and objects")
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as \u00XX, the rest as UTF-8.
    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5c }) {
            out.append(contentsOf: s.utf8)
        } else {
            let hex = Array("0123456789abcdef".utf8)
            for b in s.utf8 {
                switch b {
                case 0x22, 0x5c: out.append(contentsOf: [0x5c, b])
                case 0..<0x20: out.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func rangeRequest(key: [UInt8], end: [UInt8]?, limit: Int64, revision: Int64 = 0,
                             serializable: Bool = false, keysOnly: Bool = false, countOnly: Bool = false) -> [String: Any] {
        var r: [String: Any] = ["key": base64(key)]
        if let end { r["range_end"] = base64(end) }
        if limit > 0 { r["limit"] = String(limit) }
        if revision > 0 { r["revision"] = String(revision) }
        if serializable { r["serializable"] = true }
        if keysOnly { r["keys_only"] = true }
        if countOnly { r["count_only"] = true }
        return r
    }

    static func putRequest(key: [UInt8], value: [UInt8], lease: Int64) -> [String: Any] {
        var r: [String: Any] = ["key": base64(key), "value": base64(value)]
        if lease != 0 { r["lease"] = String(lease) }
        return r
    }

    static func deleteRequest(key: [UInt8], end: [UInt8]?, prevKV: Bool = false) -> [String: Any] {
        var r: [String: Any] = ["key": base64(key)]
        if let end { r["range_end"] = base64(end) }
        if prevKV { r["prev_kv"] = true }
        return r
    }

    static func compare(_ c: Compare) -> [String: Any] {
        var r: [String: Any] = ["key": base64(c.key), "result": c.op.rawValue]
        switch c.target {
        case let .version(v): r["target"] = "VERSION"; r["version"] = String(v)
        case let .createRevision(v): r["target"] = "CREATE"; r["create_revision"] = String(v)
        case let .modRevision(v): r["target"] = "MOD"; r["mod_revision"] = String(v)
        case let .value(v): r["target"] = "VALUE"; r["value"] = base64(v)
        case let .lease(v): r["target"] = "LEASE"; r["lease"] = String(v)
        }
        return r
    }

    static func op(_ op: TxnOp) -> [String: Any] {
        switch op {
        case let .put(key, value, lease): ["request_put": putRequest(key: key, value: value, lease: lease)]
        case let .range(key, end, limit): ["request_range": rangeRequest(key: key, end: end, limit: limit)]
        case let .delete(key, end): ["request_delete_range": deleteRequest(key: key, end: end)]
        }
    }
}

/// A JSON object from a reply, read with the gateway's conventions (see `GatewayJSON`).
/// Every accessor throws `malformedReply` for a value of the wrong type.
struct ReplyObject {
    let fields: [String: Any]
    let endpoint: String

    init(fields: [String: Any], endpoint: String) {
        self.fields = fields
        self.endpoint = endpoint
    }

    /// Parses a whole reply body (or one line of a stream).
    init(parsing bytes: [UInt8], endpoint: String) throws(EtcdError) {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw .malformedReply(endpoint: endpoint, "not JSON: \(String(decoding: bytes.prefix(120), as: UTF8.self))")
        }
        guard let object = parsed as? [String: Any] else {
            throw .malformedReply(endpoint: endpoint, "not a JSON object: \(String(decoding: bytes.prefix(120), as: UTF8.self))")
        }
        self.init(fields: object, endpoint: endpoint)
    }

    private func bad(_ name: String) -> EtcdError { .malformedReply(endpoint: endpoint, "field '\(name)' has the wrong type") }

    func has(_ name: String) -> Bool { fields[name] != nil }

    func int64(_ name: String) throws(EtcdError) -> Int64 {
        guard let v = fields[name] else { return 0 }
        if let s = v as? String, let n = Int64(s) { return n }
        if let n = v as? Int { return Int64(n) }
        throw bad(name)
    }

    func uint64(_ name: String) throws(EtcdError) -> UInt64 {
        guard let v = fields[name] else { return 0 }
        if let s = v as? String, let n = UInt64(s) { return n }
        if let n = v as? Int, let exact = UInt64(exactly: n) { return exact }
        throw bad(name)
    }

    func bool(_ name: String) throws(EtcdError) -> Bool {
        guard let v = fields[name] else { return false }
        guard let b = v as? Bool else { throw bad(name) }
        return b
    }

    func string(_ name: String) throws(EtcdError) -> String {
        guard let v = fields[name] else { return "" }
        guard let s = v as? String else { throw bad(name) }
        return s
    }

    func bytes(_ name: String) throws(EtcdError) -> [UInt8] {
        guard let v = fields[name] else { return [] }
        guard let s = v as? String, let data = Data(base64Encoded: s) else { throw bad(name) }
        return [UInt8](data)
    }

    func object(_ name: String) throws(EtcdError) -> ReplyObject? {
        guard let v = fields[name] else { return nil }
        guard let o = v as? [String: Any] else { throw bad(name) }
        return ReplyObject(fields: o, endpoint: endpoint)
    }

    func objects(_ name: String) throws(EtcdError) -> [ReplyObject] {
        guard let v = fields[name] else { return [] }
        guard let list = v as? [Any] else { throw bad(name) }
        var out: [ReplyObject] = []
        for item in list {
            guard let o = item as? [String: Any] else { throw bad(name) }
            out.append(ReplyObject(fields: o, endpoint: endpoint))
        }
        return out
    }

    func strings(_ name: String) throws(EtcdError) -> [String] {
        guard let v = fields[name] else { return [] }
        guard let list = v as? [String] else { throw bad(name) }
        return list
    }

    // MARK: etcd messages

    func header() throws(EtcdError) -> ResponseHeader {
        let h = try object("header") ?? ReplyObject(fields: [:], endpoint: endpoint)
        return ResponseHeader(clusterID: try h.uint64("cluster_id"), memberID: try h.uint64("member_id"),
                              revision: try h.int64("revision"), raftTerm: try h.uint64("raft_term"))
    }

    func keyValue() throws(EtcdError) -> KeyValue {
        KeyValue(key: try bytes("key"), value: try bytes("value"), createRevision: try int64("create_revision"),
                 modRevision: try int64("mod_revision"), version: try int64("version"), lease: try int64("lease"))
    }

    func rangeResult() throws(EtcdError) -> RangeResult {
        var kvs: [KeyValue] = []
        for o in try objects("kvs") { kvs.append(try o.keyValue()) }
        return RangeResult(header: try header(), kvs: kvs, count: try int64("count"), more: try bool("more"))
    }

    func deleteResult() throws(EtcdError) -> DeleteResult {
        var kvs: [KeyValue] = []
        for o in try objects("prev_kvs") { kvs.append(try o.keyValue()) }
        return DeleteResult(header: try header(), deleted: try int64("deleted"), prevKVs: kvs)
    }

    func txnResult() throws(EtcdError) -> TxnResult {
        var results: [TxnOpResult] = []
        for r in try objects("responses") {
            if let put = try r.object("response_put") {
                results.append(.put(revision: try put.header().revision))
            } else if let range = try r.object("response_range") {
                results.append(.range(try range.rangeResult()))
            } else if let delete = try r.object("response_delete_range") {
                results.append(.delete(try delete.deleteResult()))
            } else {
                throw .malformedReply(endpoint: endpoint, "a transaction response of unknown kind: \(r.fields.keys.sorted())")
            }
        }
        return TxnResult(header: try header(), succeeded: try bool("succeeded"), responses: results)
    }

    func watchEvent() throws(EtcdError) -> WatchEvent {
        let kind: WatchEvent.Kind
        switch try string("type") {
        case "", "PUT": kind = .put
        case "DELETE": kind = .delete
        case let other: throw .malformedReply(endpoint: endpoint, "watch event type '\(other)'")
        }
        guard let kv = try object("kv") else { throw .malformedReply(endpoint: endpoint, "a watch event without kv") }
        return WatchEvent(kind: kind, kv: try kv.keyValue(), prevKV: try object("prev_kv")?.keyValue())
    }
}
