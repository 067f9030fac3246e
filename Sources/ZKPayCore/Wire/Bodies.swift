// The JSON bodies of the validator HTTP API (docs/notes/http-api.md, PROTOCOL.md §11).
// The validator renders them with these encoders and the clients read them with these
// decoders, so the two sides cannot drift. They are part of the protocol layer (what a
// client needs to check what a validator says), below both the validator and the API
// client; they only turn values into JSON and back, no I/O. Response decoders ignore members they do not
// know (a newer validator may add some); the receipt decoder is strict.

extension JSONValue {
    /// Lowercase hex.
    static func apiHex(_ bytes: some Sequence<UInt8>) -> JSONValue { .string(ProtocolHex.encode(bytes)) }
    /// A count, sequence or time as a JSON number. Values above Int.max (never reached by a
    /// sequence or a time) are written as a decimal string, which `apiNumber` reads back.
    static func apiNumber(_ v: UInt64) -> JSONValue {
        if let i = Int(exactly: v) { return .int(i) }
        return .string(String(v))
    }
}

extension JSONObjectReader {
    /// A non-negative JSON number, or a decimal string (see `JSONValue.apiNumber`).
    mutating func apiNumber(_ key: String) throws(ProtocolError) -> UInt64 {
        switch try value(key) {
        case let .int(i) where i >= 0: return UInt64(i)
        case let .string(s): if let v = UInt64(s) { return v }
        default: break
        }
        throw .invalidJSON(field: path == "$" ? key : "\(path).\(key)", reason: "expected a non-negative integer")
    }

    /// An optional member (absent -> nil).
    mutating func optional(_ key: String) -> JSONValue? { try? value(key) }
}

// MARK: receipts

extension Receipt {
    /// The receipt JSON object: `{"version": 4, "kind": "transfer"|"mint"|"redemption"|"authority", "sequence",
    /// "id", "time", "chain_hash", "batch_first", "batch_size", "state_digest", "path": [hex nodes,
    /// leaf-to-root], "signers": [{"index", "signature"}], "bytes"}` where `bytes` is the hex
    /// of the canonical receipt and each signer a validator's signature over the batch root.
    /// This is what `zkpay receipt verify FILE` reads.
    public var json: JSONValue {
        var members = [
            JSONMember("version", .int(Int(version))),
            JSONMember("kind", .string(kind.name)),
            JSONMember("sequence", .apiNumber(sequence)),
            JSONMember("id", .apiHex(id)),
            JSONMember("time", .apiNumber(time)),
            JSONMember("chain_hash", .apiHex(chainHash)),
        ]
        members += [
            JSONMember("batch_first", .apiNumber(batchFirst)),
            JSONMember("batch_size", .int(batchSize)),
            JSONMember("state_digest", .apiHex(stateDigest)),
            JSONMember("path", .array(path.map { .apiHex($0) })),
            JSONMember("signers", .array(signers.map {
                .object([JSONMember("index", .int($0.index)), JSONMember("signature", .apiHex($0.signature))])
            })),
            JSONMember("bytes", .apiHex(bytes)),
        ]
        return .object(members)
    }

    /// Reads the receipt JSON object strictly: `bytes` is decoded and every other member
    /// must equal the decoded field (a receipt whose fields disagree is refused).
    /// Does not check the signatures (see `verify(genesis:)`).
    public init(json: JSONValue, path: String = "receipt") throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: path)
        let raw = try o.hex("bytes")
        let decoded: Receipt
        do { decoded = try Receipt(bytes: raw) } catch {
            throw .invalidJSON(field: "\(path).bytes", reason: "\(error)")
        }
        func check(_ ok: Bool, _ field: String) throws(ProtocolError) {
            if !ok { throw .invalidJSON(field: "\(path).\(field)", reason: "does not match the receipt bytes") }
        }
        try check(try o.int("version") == Int(decoded.version), "version")
        try check(try o.string("kind") == decoded.kind.name, "kind")
        try check(try o.apiNumber("sequence") == decoded.sequence, "sequence")
        try check(try o.hex("id", length: 32) == decoded.id, "id")
        try check(try o.apiNumber("time") == decoded.time, "time")
        try check(try o.hex("chain_hash", length: 32) == decoded.chainHash, "chain_hash")
        try check(try o.apiNumber("batch_first") == decoded.batchFirst, "batch_first")
        try check(try o.int("batch_size") == decoded.batchSize, "batch_size")
        try check(try o.hex("state_digest", length: 32) == decoded.stateDigest, "state_digest")
        let nodes = try o.array("path")
        var hexNodes: [[UInt8]] = []
        for (i, node) in nodes.enumerated() {
            guard case let .string(s) = node, let b = ProtocolHex.decode(s), b.count == 32 else {
                throw .invalidJSON(field: "\(path).path[\(i)]", reason: "expected 32 bytes of lowercase hex")
            }
            hexNodes.append(b)
        }
        try check(hexNodes == decoded.path, "path")
        let signerValues = try o.array("signers")
        var signers: [Receipt.Signer] = []
        for (k, v) in signerValues.enumerated() {
            var so = try JSONObjectReader(v, path: "\(path).signers[\(k)]")
            let index = try so.int("index")
            let signature = try so.hex("signature", length: 64)
            try so.finish()
            guard (0...255).contains(index) else {
                throw .invalidJSON(field: "\(path).signers[\(k)].index", reason: "expected 0...255")
            }
            signers.append(Receipt.Signer(index: index, signature: signature))
        }
        try check(signers == decoded.signers, "signers")
        try o.finish()
        self = decoded
    }
}

// MARK: finalized transfer or mint

/// The 200 body of `POST /v1/transfers` and `POST /v1/mints` (and a finalized batch item):
/// `{"status": "finalized"|"already_finalized", "transfer_id"|"mint_id": hex, "sequence", "receipt"}`.
public struct FinalizedBody: Sendable, Equatable {
    /// False when the object had been finalized before this request (idempotent resubmission).
    public var isNew: Bool
    /// The receipt (its `kind` says transfer or mint, its `id` the object id).
    public var receipt: Receipt

    public init(isNew: Bool, receipt: Receipt) {
        self.isNew = isNew
        self.receipt = receipt
    }

    /// The transfer or mint id.
    public var id: [UInt8] { receipt.id }
    /// The receipt sequence.
    public var sequence: UInt64 { receipt.sequence }

    public var json: JSONValue {
        .object([
            JSONMember("status", .string(isNew ? "finalized" : "already_finalized")),
            JSONMember(receipt.kind.name + "_id", .apiHex(receipt.id)),
            JSONMember("sequence", .apiNumber(receipt.sequence)),
            JSONMember("receipt", receipt.json),
        ])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let status = try o.string("status")
        guard status == "finalized" || status == "already_finalized" else {
            throw .invalidJSON(field: "status", reason: "expected finalized or already_finalized, got \(status)")
        }
        let receipt = try Receipt(json: try o.value("receipt"))
        let idKey = receipt.kind.name + "_id"
        guard try o.hex(idKey, length: 32) == receipt.id else {
            throw .invalidJSON(field: idKey, reason: "does not match the receipt")
        }
        guard try o.apiNumber("sequence") == receipt.sequence else {
            throw .invalidJSON(field: "sequence", reason: "does not match the receipt")
        }
        self.init(isNew: status == "finalized", receipt: receipt)
    }
}

// MARK: batches

/// One result of `POST /v1/transfers/batch`.
public enum BatchItem: Sendable, Equatable {
    case finalized(FinalizedBody)
    /// `{"status": "rejected", "http_status": N, "error": {...}}`; the error's `status` is N.
    case rejected(APIErrorBody)

    public var json: JSONValue {
        switch self {
        case let .finalized(f): f.json
        case let .rejected(e):
            .object([JSONMember("status", .string("rejected")), JSONMember("http_status", .int(e.status)),
                     JSONMember("error", e.errorObject)])
        }
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        if try o.string("status") == "rejected" {
            let status = try o.int("http_status")
            self = .rejected(try APIErrorBody(errorObject: try o.value("error"), status: status))
        } else {
            self = .finalized(try FinalizedBody(json: json))
        }
    }
}

/// The request and response bodies of `POST /v1/transfers/batch`.
public enum BatchBody {
    /// Most transfers one batch request may carry.
    public static let maxTransfers = 1024

    /// Binary request: `count u32be ‖ (length u32be ‖ transfer bytes) × count`.
    public static func binary(_ transfers: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + transfers.reduce(0) { $0 + 4 + $1.count })
        appendU32(transfers.count, to: &out)
        for t in transfers {
            appendU32(t.count, to: &out)
            out += t
        }
        return out
    }

    /// Appends `v` as four big-endian bytes (the framing's lengths and counts).
    static func appendU32(_ v: Int, to out: inout [UInt8]) {
        for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> s)) }
    }

    /// Reads the binary framings: big-endian counts and lengths, each read naming its field.
    struct FrameReader {
        let body: [UInt8]
        var at = 0

        init(_ body: [UInt8]) { self.body = body }

        var remaining: Int { body.count - at }

        mutating func u32(_ field: String) throws(ProtocolError) -> Int {
            guard remaining >= 4 else { throw .truncated(field: field, needed: 4, remaining: remaining) }
            defer { at += 4 }
            return Int(body[at]) << 24 | Int(body[at + 1]) << 16 | Int(body[at + 2]) << 8 | Int(body[at + 3])
        }

        /// The next `n` bytes.
        mutating func bytes(_ n: Int, _ field: String) throws(ProtocolError) -> ArraySlice<UInt8> {
            guard remaining >= n else { throw .truncated(field: field, needed: n, remaining: remaining) }
            defer { at += n }
            return body[at..<(at + n)]
        }

        func finish() throws(ProtocolError) {
            guard at == body.count else { throw .trailingBytes(count: remaining) }
        }
    }

    /// Splits a binary batch request into the transfers' encodings (not yet decoded).
    /// - Throws: `countOutOfRange` for 0 or more than `maxTransfers`; `truncated` or
    ///   `trailingBytes` for broken framing.
    public static func splitBinary(_ body: [UInt8]) throws(ProtocolError) -> [ArraySlice<UInt8>] {
        var r = FrameReader(body)
        let count = try r.u32("count")
        guard (1...maxTransfers).contains(count) else {
            throw .countOutOfRange(field: "count", count: count, allowed: "1...\(maxTransfers)")
        }
        var out: [ArraySlice<UInt8>] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let n = try r.u32("transfers[\(i)].length")
            out.append(try r.bytes(n, "transfers[\(i)]"))
        }
        try r.finish()
        return out
    }

    /// JSON request: `{"transfers": [transfer JSON, ...]}`.
    public static func json(_ transfers: [Transfer]) -> JSONValue {
        .object([JSONMember("transfers", .array(transfers.map(\.json)))])
    }

    /// The transfers of a JSON batch body as separate JSON texts, found without parsing the
    /// whole body into values (see `JSONValue.arrayElementRanges`); each is parsed by the
    /// caller on its own, so that one bad transfer is one bad item.
    public static func splitJSON(text: [UInt8]) throws(ProtocolError) -> [ArraySlice<UInt8>] {
        try JSONValue.arrayElementRanges(in: text, member: "transfers", maxCount: maxTransfers).map { text[$0] }
    }

    /// The media type of the binary request and of the binary response.
    public static let binaryMediaType = "application/octet-stream"

    /// Binary response, for a request with `Accept: application/octet-stream` (a load
    /// generator or a service that wants no JSON on its path): `count u32be ‖ (kind u8 ‖
    /// length u32be ‖ payload) × count`, in request order. Kind 0: finalized now, 1: already
    /// finalized, both with the receipt's canonical bytes (PROTOCOL.md §7.6) as payload;
    /// 2: rejected, payload `http_status u16be ‖ the error object as JSON text`.
    public static func binaryResults(_ items: [BatchItem]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + items.count * 400)
        appendU32(items.count, to: &out)
        for item in items {
            switch item {
            case let .finalized(f):
                let bytes = f.receipt.bytes
                out.append(f.isNew ? 0 : 1)
                appendU32(bytes.count, to: &out)
                out += bytes
            case let .rejected(e):
                let text = Array(e.errorObject.render().utf8)
                out.append(2)
                appendU32(2 + text.count, to: &out)
                out += [UInt8(truncatingIfNeeded: e.status >> 8), UInt8(truncatingIfNeeded: e.status)]
                out += text
            }
        }
        return out
    }

    /// Reads a binary response (`binaryResults`).
    /// - Throws: `truncated`, `trailingBytes`, `invalidEncoding` (unknown kind, a receipt
    ///   or error that does not decode) naming the item.
    public static func results(binary body: [UInt8]) throws(ProtocolError) -> [BatchItem] {
        var r = FrameReader(body)
        let count = try r.u32("count")
        guard count <= maxTransfers else {
            throw .countOutOfRange(field: "count", count: count, allowed: "0...\(maxTransfers)")
        }
        var out: [BatchItem] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let field = "results[\(i)]"
            let kind = try r.bytes(1, "\(field).kind").first ?? 0
            let n = try r.u32("\(field).length")
            let payload = Array(try r.bytes(n, field))
            switch kind {
            case 0, 1:
                do { out.append(.finalized(FinalizedBody(isNew: kind == 0, receipt: try Receipt(bytes: payload)))) } catch {
                    throw .invalidEncoding(field: "\(field).receipt", reason: "\(error)")
                }
            case 2:
                guard n >= 2 else { throw .truncated(field: "\(field).http_status", needed: 2, remaining: n) }
                let status = Int(payload[0]) << 8 | Int(payload[1])
                let error: APIErrorBody
                do {
                    error = try APIErrorBody(errorObject: try JSONValue.parse(payload[2...]), status: status)
                } catch {
                    throw .invalidEncoding(field: "\(field).error", reason: "\(error)")
                }
                out.append(.rejected(error))
            default:
                throw .invalidEncoding(field: "\(field).kind", reason: "\(kind) is not 0, 1 or 2")
            }
        }
        try r.finish()
        return out
    }

    /// Response: `{"results": [item, ...]}`.
    public static func results(_ items: [BatchItem]) -> JSONValue {
        .object([JSONMember("results", .array(items.map(\.json)))])
    }

    public static func results(json: JSONValue) throws(ProtocolError) -> [BatchItem] {
        var o = try JSONObjectReader(json, path: "$")
        var out: [BatchItem] = []
        for item in try o.array("results") { out.append(try BatchItem(json: item)) }
        return out
    }
}

// MARK: reads

/// `GET /v1/notes?owner=ADDRESS`: `{"owner": "zkp1…", "sequence": N, "notes": [Note JSON]}`.
public struct NotesBody: Sendable, Equatable {
    public var owner: String
    public var sequence: UInt64
    public var notes: [Note]

    public init(owner: String, sequence: UInt64, notes: [Note]) {
        self.owner = owner
        self.sequence = sequence
        self.notes = notes
    }

    public var json: JSONValue {
        .object([JSONMember("owner", .string(owner)), JSONMember("sequence", .apiNumber(sequence)),
                 JSONMember("notes", .array(notes.map(\.json)))])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        owner = try o.string("owner")
        sequence = try o.apiNumber("sequence")
        var list: [Note] = []
        for n in try o.array("notes") { list.append(try Note(json: n)) }
        notes = list
    }
}

/// `GET /v1/transfers/{id}`: `{"transfer_id", "sequence", "transfer": transfer JSON, "receipt"}`.
public struct TransferLookupBody: Sendable, Equatable {
    public var transfer: Transfer
    public var receipt: Receipt

    public init(transfer: Transfer, receipt: Receipt) {
        self.transfer = transfer
        self.receipt = receipt
    }

    public var json: JSONValue {
        .object([JSONMember("transfer_id", .apiHex(receipt.id)), JSONMember("sequence", .apiNumber(receipt.sequence)),
                 JSONMember("transfer", transfer.json), JSONMember("receipt", receipt.json)])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let transfer = try Transfer(json: try o.value("transfer"))
        let receipt = try Receipt(json: try o.value("receipt"))
        guard transfer.id.bytes == receipt.id, try o.hex("transfer_id", length: 32) == receipt.id else {
            throw .invalidJSON(field: "transfer_id", reason: "the transfer, its id and its receipt disagree")
        }
        self.init(transfer: transfer, receipt: receipt)
    }
}

/// One event of `GET /v1/events` (the `data` of a Server-Sent Event).
public struct EventBody: Sendable, Equatable {
    /// `sent`, `received`, `minted` or `burned` (also the SSE event name).
    public enum Kind: String, Sendable {
        case sent, received, minted, burned
    }

    public var sequence: UInt64
    public var kind: Kind
    /// The transfer or mint id.
    public var id: [UInt8]
    /// Settlement time, ms since 1970.
    public var time: UInt64
    /// The sender's spend key P (empty for mints).
    public var sender: [UInt8]
    /// The transfer's public fee (0 for mints).
    public var fee: UInt64
    /// `received`/`minted`: the address's new notes.
    public var notes: [Note]
    /// `sent`: the spent input note ids.
    public var spent: [NoteID]
    /// `sent`: every output note of the transfer (the sender finds its change among them).
    public var outputs: [Note]
    /// A redemption's `sent` and `burned`: the amount paid out and the bank reference (the
    /// members `amount` and `reference`, absent otherwise).
    public var burn: (amount: UInt64, reference: String)?

    public static func == (a: EventBody, b: EventBody) -> Bool {
        a.sequence == b.sequence && a.kind == b.kind && a.id == b.id && a.time == b.time && a.sender == b.sender
            && a.fee == b.fee && a.notes == b.notes && a.spent == b.spent && a.outputs == b.outputs
            && a.burn?.amount == b.burn?.amount && a.burn?.reference == b.burn?.reference
    }

    public init(sequence: UInt64, kind: Kind, id: [UInt8], time: UInt64, sender: [UInt8], fee: UInt64,
                notes: [Note] = [], spent: [NoteID] = [], outputs: [Note] = [],
                burn: (amount: UInt64, reference: String)? = nil) {
        self.burn = burn
        self.sequence = sequence
        self.kind = kind
        self.id = id
        self.time = time
        self.sender = sender
        self.fee = fee
        self.notes = notes
        self.spent = spent
        self.outputs = outputs
    }

    public var json: JSONValue {
        let noteList: [JSONValue] = kind == .sent
            ? spent.map { .object([JSONMember("id", .apiHex($0.bytes))]) }
            : notes.map(\.json)
        return .object([
            JSONMember("sequence", .apiNumber(sequence)), JSONMember("kind", .string(kind.rawValue)),
            JSONMember("id", .apiHex(id)), JSONMember("time", .apiNumber(time)),
            JSONMember("sender", .apiHex(sender)), JSONMember("fee", .string(String(fee))),
            JSONMember("notes", .array(noteList)), JSONMember("outputs", .array(outputs.map(\.json))),
        ] + (burn.map { [JSONMember("amount", .string(String($0.amount))), JSONMember("reference", .string($0.reference))] } ?? []))
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        sequence = try o.apiNumber("sequence")
        let k = try o.string("kind")
        guard let kind = Kind(rawValue: k) else { throw .invalidJSON(field: "kind", reason: "unknown event kind \(k)") }
        self.kind = kind
        id = try o.hex("id", length: 32)
        time = try o.apiNumber("time")
        sender = try o.hex("sender")
        fee = try o.u64("fee")
        notes = []
        spent = []
        for item in try o.array("notes") {
            if kind == .sent {
                var n = try JSONObjectReader(item, path: "notes[]")
                spent.append(try NoteID(bytes: try n.hex("id", length: 32), field: "notes[].id"))
            } else {
                notes.append(try Note(json: item))
            }
        }
        outputs = []
        if let list = o.optional("outputs"), case let .array(items) = list {
            for item in items { outputs.append(try Note(json: item)) }
        }
        burn = nil
        if o.optional("amount") != nil {
            burn = (try o.u64("amount"), try o.string("reference"))
        }
    }
}

/// `GET /v1/status`.
public struct StatusBody: Sendable, Equatable {
    public static let protocolVersion = "zkpay/2"
    public var version: String
    public var sequence: UInt64
    public var chainHash: [UInt8]
    /// The ledger's chain id (its genesis hash): what wallets pin.
    public var chainID: [UInt8]
    /// This validator's receipt-signing key.
    public var receiptPublicKey: [UInt8]
    public var issuer: String
    public var minimumFee: UInt64
    public var unspentNotes: Int
    public var queueDepth: Int
    public var workers: Int
    public var connections: Int
    public var uptimeSeconds: Int
    /// The arithmetic backend the validator verifies with (`portable`, `ifma`, `avx2`).
    public var backend: String
    /// The digest of the ledger state at `sequence` (what receipts' signers attest; equal on
    /// validators that applied the same history).
    public var stateDigest: [UInt8]?
    /// In a cluster: `leader`, `follower` or `halted` (absent for a validator on its own).
    public var role: String?
    /// In a cluster: the leader's URL when one is known.
    public var leader: String?

    public init(version: String = StatusBody.protocolVersion, sequence: UInt64, chainHash: [UInt8], chainID: [UInt8],
                receiptPublicKey: [UInt8], issuer: String, minimumFee: UInt64, unspentNotes: Int,
                queueDepth: Int, workers: Int, connections: Int, uptimeSeconds: Int, backend: String) {
        self.version = version
        self.sequence = sequence
        self.chainHash = chainHash
        self.chainID = chainID
        self.receiptPublicKey = receiptPublicKey
        self.issuer = issuer
        self.minimumFee = minimumFee
        self.unspentNotes = unspentNotes
        self.queueDepth = queueDepth
        self.workers = workers
        self.connections = connections
        self.uptimeSeconds = uptimeSeconds
        self.backend = backend
    }

    public var json: JSONValue {
        .object([
            JSONMember("version", .string(version)), JSONMember("sequence", .apiNumber(sequence)),
            JSONMember("chain_hash", .apiHex(chainHash)), JSONMember("chain_id", .apiHex(chainID)),
            JSONMember("receipt_public_key", .apiHex(receiptPublicKey)),
            JSONMember("issuer", .string(issuer)), JSONMember("minimum_fee", .string(String(minimumFee))),
            JSONMember("unspent_notes", .int(unspentNotes)), JSONMember("queue_depth", .int(queueDepth)),
            JSONMember("workers", .int(workers)), JSONMember("connections", .int(connections)),
            JSONMember("uptime_s", .int(uptimeSeconds)), JSONMember("backend", .string(backend)),
        ] + (stateDigest.map { [JSONMember("state_digest", .apiHex($0))] } ?? [])
          + (role.map { [JSONMember("role", .string($0))] } ?? []) + (leader.map { [JSONMember("leader", .string($0))] } ?? []))
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        version = try o.string("version")
        sequence = try o.apiNumber("sequence")
        chainHash = try o.hex("chain_hash", length: 32)
        chainID = try o.hex("chain_id", length: 32)
        receiptPublicKey = try o.hex("receipt_public_key", length: 32)
        issuer = try o.string("issuer")
        minimumFee = try o.u64("minimum_fee")
        unspentNotes = try o.int("unspent_notes")
        queueDepth = try o.int("queue_depth")
        workers = try o.int("workers")
        connections = try o.int("connections")
        uptimeSeconds = try o.int("uptime_s")
        backend = try o.string("backend")
        if o.optional("state_digest") != nil { stateDigest = try o.hex("state_digest", length: 32) }
        if case let .string(r)? = o.optional("role") { role = r }
        if case let .string(l)? = o.optional("leader") { leader = l }
    }
}

/// `GET /v1/audit` (the same members as `zkpay audit --json`).
public struct AuditBody: Sendable, Equatable {
    public var ok: Bool
    public var notes: Int
    public var supply: UInt64
    public var minted: UInt64
    public var fees: UInt64
    /// Σ amounts burned by redemptions (paid out by the issuer).
    public var burned: UInt64
    public var transfers: Int
    public var sequence: UInt64
    public var chainHash: [UInt8]

    public init(ok: Bool, notes: Int, supply: UInt64, minted: UInt64, fees: UInt64, burned: UInt64 = 0, transfers: Int,
                sequence: UInt64, chainHash: [UInt8]) {
        self.burned = burned
        self.ok = ok
        self.notes = notes
        self.supply = supply
        self.minted = minted
        self.fees = fees
        self.transfers = transfers
        self.sequence = sequence
        self.chainHash = chainHash
    }

    /// From a ledger's audit result, sequence and chain hash.
    public init(_ a: AuditResult, sequence: UInt64, chainHash: [UInt8]) {
        self.init(ok: a.ok, notes: a.notes, supply: a.supply, minted: a.minted, fees: a.fees, burned: a.burned,
                  transfers: a.transfers, sequence: sequence, chainHash: chainHash)
    }

    public var json: JSONValue {
        .object([
            JSONMember("ok", .bool(ok)), JSONMember("notes", .int(notes)), JSONMember("supply", .apiNumber(supply)),
            JSONMember("minted", .apiNumber(minted)), JSONMember("fees", .apiNumber(fees)),
            JSONMember("burned", .apiNumber(burned)), JSONMember("transfers", .int(transfers)), JSONMember("sequence", .apiNumber(sequence)),
            JSONMember("chain_hash", .apiHex(chainHash)),
        ])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        ok = try o.bool("ok")
        notes = try o.int("notes")
        supply = try o.apiNumber("supply")
        minted = try o.apiNumber("minted")
        fees = try o.apiNumber("fees")
        burned = try o.apiNumber("burned")
        transfers = try o.int("transfers")
        sequence = try o.apiNumber("sequence")
        chainHash = try o.hex("chain_hash", length: 32)
    }
}
