/// `GET /v1/authority` (docs/PROTOCOL.md §7.12): the ledger's settled authority statements in
/// chain order, and the ledger's sequence when it answered. A client checks the statements
/// from its pinned genesis (`AuthorityChain(genesis:statements:)`) and trusts no field the
/// chain does not give it; `current` is the same authority, spelled out for people reading it.
///
///     { "sequence": "…", "statements": ["<hex of the statement's canonical bytes>", …],
///       "current": { "number": n, "effective": "…", "quorum": q,
///                    "validators": [{"name": "…", "public_key": "<hex>"}, …],
///                    "auditors": ["zkpaud1…", …] } }
public struct AuthorityBody: Sendable, Equatable {
    /// Most statements one answer lists.
    public static let maxStatements = 4096

    public var sequence: UInt64
    public var statements: [AuthorityStatement]

    public init(sequence: UInt64, statements: [AuthorityStatement]) {
        self.sequence = sequence
        self.statements = statements
    }

    /// The body with `current`, the authority `chain` has in office after its last statement.
    public func json(current office: Authority) -> JSONValue {
        .object([
            JSONMember("sequence", .apiNumber(sequence)),
            JSONMember("statements", .array(statements.map { .apiHex($0.bytes) })),
            JSONMember("current", .object([
                JSONMember("number", .int(Int(office.number))),
                JSONMember("effective", .apiNumber(office.effective)),
                JSONMember("quorum", .int(office.quorum)),
                JSONMember("validators", .array(office.validators.map {
                    .object([JSONMember("name", .string($0.name)), JSONMember("public_key", .apiHex($0.publicKey))])
                })),
                JSONMember("auditors", .array(office.auditors.map { .string($0.encoded) })),
            ])),
        ])
    }

    /// Reads the sequence and the statements; `current` is read as an object and not trusted.
    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        sequence = try o.apiNumber("sequence")
        let list = try o.array("statements")
        guard list.count <= Self.maxStatements else {
            throw .countOutOfRange(field: "statements", count: list.count, allowed: "0...\(Self.maxStatements)")
        }
        var statements: [AuthorityStatement] = []
        for (i, item) in list.enumerated() {
            guard case let .string(text) = item, let bytes = ProtocolHex.decode(text) else {
                throw .invalidJSON(field: "statements[\(i)]", reason: "expected lowercase hex")
            }
            statements.append(try AuthorityStatement(bytes: bytes))
        }
        self.statements = statements
        guard case .object = try o.value("current") else {
            throw .invalidJSON(field: "current", reason: "expected an object")
        }
        try o.finish()
    }
}
