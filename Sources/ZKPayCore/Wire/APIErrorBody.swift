/// The error body every failed validator request carries:
/// `{"error": {"code": "snake_case", "message": "...", ...extra members}}`
/// (docs/PROTOCOL.md §11, docs/notes/http-api.md).
public struct APIErrorBody: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status the error came with (0 when it is not known, e.g. inside a batch
    /// result before `http_status` is read).
    public var status: Int
    /// Stable machine-readable code (PROTOCOL.md §9 and §11).
    public var code: String
    /// What happened and what to do, for a person.
    public var message: String
    /// Further members of the error object, in order (for example `note` and `spent_by`
    /// of a double spend).
    public var extras: [JSONMember]

    public init(status: Int, code: String, message: String, extras: [JSONMember] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.extras = extras
    }

    /// A string member of `extras`.
    public func extra(_ key: String) -> String? {
        for m in extras where m.key == key {
            if case let .string(s) = m.value { return s }
        }
        return nil
    }

    /// The inner error object: `{"code", "message", ...extras}`.
    public var errorObject: JSONValue {
        .object([JSONMember("code", .string(code)), JSONMember("message", .string(message))] + extras)
    }

    /// The whole body: `{"error": {...}}`.
    public var json: JSONValue { .object([JSONMember("error", errorObject)]) }

    /// Reads the inner error object (`{"code", "message", ...}`).
    public init(errorObject value: JSONValue, status: Int) throws(ProtocolError) {
        guard case let .object(members) = value else {
            throw .invalidJSON(field: "error", reason: "expected an object")
        }
        var code: String?
        var message: String?
        var extras: [JSONMember] = []
        for m in members {
            switch (m.key, m.value) {
            case let ("code", .string(s)): code = s
            case let ("message", .string(s)): message = s
            default: extras.append(m)
            }
        }
        guard let code else { throw .invalidJSON(field: "error.code", reason: "missing") }
        self.init(status: status, code: code, message: message ?? "", extras: extras)
    }

    /// Reads a whole error body (`{"error": {...}}`).
    public init(body: [UInt8], status: Int) throws(ProtocolError) {
        var o = try JSONObjectReader(try JSONValue.parse(body), path: "$")
        try self.init(errorObject: try o.value("error"), status: status)
    }

    public var description: String { "\(message) (\(code), HTTP \(status))" }
}
