public import Foundation
public import HTTP1
public import ZKPayCore

/// Why a call to the validator failed.
public enum ValidatorClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not `http://HOST:PORT` (optionally with a trailing slash).
    case invalidURL(String)
    /// Nothing answered at the URL (refused, unreachable, timed out connecting).
    case unreachable(url: String, reason: String)
    /// The connection failed after it was made.
    case transport(url: String, HTTPClientError)
    /// The validator refused the request (its error body).
    case rejected(APIErrorBody)
    /// The validator answered something this client cannot read.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case let .invalidURL(u):
            "'\(u)' is not a validator URL; expected http://HOST:PORT (for example http://127.0.0.1:7878, "
                + "http://localhost:7878 or http://[::1]:7878)"
        case let .unreachable(url, reason):
            "cannot reach the validator at \(url) (\(reason)); is `zkpay validator run` running there?"
        case let .transport(url, e): "the connection to the validator at \(url) failed: \(e)"
        case let .rejected(e): "the validator refused the request: \(e.message) (\(e.code))"
        case let .malformedResponse(why): "the validator's answer could not be read: \(why)"
        }
    }

    /// The validator's error code, when it refused the request.
    public var code: String? {
        if case let .rejected(e) = self { return e.code }
        return nil
    }
}

/// A validator address `http://HOST:PORT`.
public struct ValidatorURL: Sendable, Equatable, CustomStringConvertible {
    /// The default, `http://127.0.0.1:7878`.
    public static let defaultURL = "http://127.0.0.1:7878"
    public let host: String
    public let port: UInt16

    /// Parses `http://HOST:PORT[/]` (HOST a name, IPv4 address or `[IPv6]`; PORT defaults
    /// to 80 when absent).
    public init(parsing text: String) throws(ValidatorClientError) {
        guard text.hasPrefix("http://") else { throw .invalidURL(text) }
        var rest = Substring(text.dropFirst(7))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else { throw .invalidURL(text) }
        var hostPart = rest
        var portValue: UInt16 = 80
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL(text) }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = UInt16(after.dropFirst()), p > 0 else { throw .invalidURL(text) }
                portValue = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            // An IPv6 address goes in brackets: http://[::1]:7878.
            guard !hostPart.contains(":") else { throw .invalidURL(text) }
            guard let p = UInt16(rest[rest.index(after: colon)...]), p > 0 else { throw .invalidURL(text) }
            portValue = p
        }
        guard !hostPart.isEmpty,
              hostPart.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0)) })
        else { throw .invalidURL(text) }
        host = String(hostPart)
        port = portValue
    }

    public var description: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }
}

/// A client of one validator over one keep-alive connection (docs/notes/http-api.md).
/// One thread at a time; open one client per concurrent caller.
public final class ValidatorClient {
    public let url: ValidatorURL
    private let http: HTTPClient
    private let timeout: Double
    /// The validator a follower of a cluster sent a write to (307), and the connection to it.
    private var redirect: (url: ValidatorURL, http: HTTPClient)?

    public init(url: ValidatorURL, timeout: Double = 30) {
        self.url = url
        self.timeout = timeout
        http = HTTPClient(host: url.host, port: url.port, timeout: timeout)
    }

    public convenience init(_ text: String, timeout: Double = 30) throws(ValidatorClientError) {
        self.init(url: try ValidatorURL(parsing: text), timeout: timeout)
    }

    /// Closes the connection (the next call opens a new one).
    public func close() { http.close() }

    /// One request; the raw response whatever its status.
    public func send(_ method: String, _ path: String, body: [UInt8] = [],
                     contentType: String? = nil, accept: String? = nil) throws(ValidatorClientError) -> ClientResponse {
        var headers = Headers()
        if let contentType { headers.append("Content-Type", contentType) }
        if let accept { headers.append("Accept", accept) }
        let response: ClientResponse
        do {
            response = try http.request(method, path, headers: headers, body: body)
        } catch {
            throw mapTransport(error)
        }
        // A follower of a cluster sends writes to the leader: one hop, same method and body,
        // to a URL of the same form as the validator's own.
        guard response.status == 307, let location = response.headers["Location"],
              let (target, targetPath) = Self.splitLocation(location)
        else { return response }
        if redirect?.url != target { redirect = (target, HTTPClient(host: target.host, port: target.port, timeout: timeout)) }
        guard let next = redirect?.http else { return response }
        do {
            return try next.request(method, targetPath, headers: headers, body: body)
        } catch {
            redirect = nil
            // The leader the follower named cannot be reached (it may have just died): the
            // request was never delivered, so nothing was settled.
            if case let .socket(s) = error, Self.isConnectFailure(s) {
                throw .unreachable(url: target.description, reason: "\(s) (the cluster's leader, named by \(url))")
            }
            throw .transport(url: target.description, error)
        }
    }

    /// `http://HOST:PORT/path?query` as the validator URL and the request target.
    static func splitLocation(_ text: String) -> (ValidatorURL, String)? {
        guard text.hasPrefix("http://") else { return nil }
        let rest = text.dropFirst(7)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        guard let url = try? ValidatorURL(parsing: "http://" + rest[..<slash]) else { return nil }
        return (url, String(rest[slash...]))
    }

    private func mapTransport(_ error: HTTPClientError) -> ValidatorClientError {
        if case let .socket(s) = error, http.connectionsOpened == 0 || Self.isConnectFailure(s) {
            return .unreachable(url: url.description, reason: "\(s)")
        }
        return .transport(url: url.description, error)
    }

    private static func isConnectFailure(_ e: SocketError) -> Bool {
        switch e {
        case let .system(operation, _): operation.hasPrefix("connect") || operation == "getaddrinfo" || operation == "socket"
        case .invalidAddress: true
        case let .timedOut(operation): operation.hasPrefix("connect")
        case .closed: false
        }
    }

    /// The JSON body of a 200 answer; any other status becomes `.rejected` with the error body.
    private func expectJSON(_ r: ClientResponse) throws(ValidatorClientError) -> JSONValue {
        guard r.status == 200 else { throw .rejected(Self.errorBody(r)) }
        do { return try JSONValue.parse(r.body) } catch { throw .malformedResponse("\(error)") }
    }

    /// The error body of a non-200 response (a generic error naming the status when the body
    /// is not an error object, e.g. from a proxy).
    public static func errorBody(_ r: ClientResponse) -> APIErrorBody {
        if let e = try? APIErrorBody(body: r.body, status: r.status) { return e }
        return APIErrorBody(status: r.status, code: "http_\(r.status)",
                            message: "HTTP \(r.status) \(r.reason): \(String(r.text.prefix(200)))")
    }

    private func decode<T>(_ r: ClientResponse, _ make: (JSONValue) throws(ProtocolError) -> T) throws(ValidatorClientError) -> T {
        let json = try expectJSON(r)
        do { return try make(json) } catch { throw .malformedResponse("\(error)") }
    }

    /// `POST /v1/transfers` (binary by default; `json: true` sends the JSON form).
    public func submit(_ transfer: Transfer, json: Bool = false) throws(ValidatorClientError) -> FinalizedBody {
        let r = json
            ? try send("POST", "/v1/transfers", body: Array(transfer.json.render().utf8), contentType: "application/json")
            : try send("POST", "/v1/transfers", body: transfer.bytes, contentType: "application/octet-stream")
        return try decode(r) { (j) throws(ProtocolError) in try FinalizedBody(json: j) }
    }

    /// `POST /v1/transfers/batch` (binary framing by default).
    public func submitBatch(_ transfers: [Transfer], json: Bool = false) throws(ValidatorClientError) -> [BatchItem] {
        try submitBatch(encoded: transfers.map(\.bytes), jsonBody: json ? BatchBody.json(transfers) : nil)
    }

    /// `POST /v1/transfers/batch` with transfers already encoded (load generation).
    public func submitBatch(encoded: [[UInt8]], jsonBody: JSONValue? = nil) throws(ValidatorClientError) -> [BatchItem] {
        let r = if let jsonBody {
            try send("POST", "/v1/transfers/batch", body: Array(jsonBody.render().utf8), contentType: "application/json")
        } else {
            // Binary both ways: no JSON on the load path.
            try send("POST", "/v1/transfers/batch", body: BatchBody.binary(encoded), contentType: BatchBody.binaryMediaType,
                     accept: "\(BatchBody.binaryMediaType), application/json;q=0.5")
        }
        let items: [BatchItem]
        if r.status == 200, let type = r.headers["Content-Type"], type.lowercased().hasPrefix(BatchBody.binaryMediaType) {
            do { items = try BatchBody.results(binary: r.body) } catch { throw .malformedResponse("\(error)") }
        } else {
            items = try decode(r) { (j) throws(ProtocolError) in try BatchBody.results(json: j) }
        }
        guard items.count == encoded.count else {
            throw .malformedResponse("\(items.count) results for \(encoded.count) transfers")
        }
        return items
    }

    /// `POST /v1/mints`.
    public func submit(mint: Mint) throws(ValidatorClientError) -> FinalizedBody {
        let r = try send("POST", "/v1/mints", body: mint.bytes, contentType: "application/octet-stream")
        return try decode(r) { (j) throws(ProtocolError) in try FinalizedBody(json: j) }
    }

    /// `GET /v1/notes?owner=ADDRESS`.
    public func notes(owner: Address) throws(ValidatorClientError) -> NotesBody {
        try decode(try send("GET", "/v1/notes?owner=\(owner.encoded)")) { (j) throws(ProtocolError) in try NotesBody(json: j) }
    }

    /// `GET /v1/transfers/{id}`; nil when the validator never finalized it (404).
    public func transfer(id: TransferID) throws(ValidatorClientError) -> TransferLookupBody? {
        let r = try send("GET", "/v1/transfers/\(id.hex)")
        if r.status == 404 { return nil }
        return try decode(r) { (j) throws(ProtocolError) in try TransferLookupBody(json: j) }
    }

    /// `GET /v1/mints/{id}`; nil when the validator never finalized it (404).
    public func mint(id: MintID) throws(ValidatorClientError) -> MintLookupBody? {
        let r = try send("GET", "/v1/mints/\(id.hex)")
        if r.status == 404 { return nil }
        return try decode(r) { (j) throws(ProtocolError) in try MintLookupBody(json: j) }
    }

    /// `POST /v1/redemptions` (binary body).
    public func submit(redemption: Redemption) throws(ValidatorClientError) -> FinalizedBody {
        let r = try send("POST", "/v1/redemptions", body: redemption.bytes, contentType: "application/octet-stream")
        return try decode(r) { (j) throws(ProtocolError) in try FinalizedBody(json: j) }
    }

    /// `POST /v1/authority` (binary body): settles an authority statement (§7.12).
    public func submit(authority statement: AuthorityStatement) throws(ValidatorClientError) -> FinalizedBody {
        let r = try send("POST", "/v1/authority", body: statement.bytes, contentType: "application/octet-stream")
        return try decode(r) { (j) throws(ProtocolError) in try FinalizedBody(json: j) }
    }

    /// `GET /v1/authority`: the ledger's settled authority statements. Check them from the
    /// pinned genesis (`authorities(genesis:)`) before using them.
    public func authority() throws(ValidatorClientError) -> AuthorityBody {
        try decode(try send("GET", "/v1/authority")) { (j) throws(ProtocolError) in try AuthorityBody(json: j) }
    }

    /// The ledger's chain of authorities from `genesis`, each statement checked against the
    /// authority before it: a validator serving statements that do not continue the chain is
    /// answered `malformedResponse`.
    public func authorities(genesis: Genesis) throws(ValidatorClientError) -> AuthorityChain {
        try ReceiptChecker(client: self, genesis: genesis).chain(covering: .max)
    }

    /// The auditor keys a transfer built now must disclose to: those of the authority that
    /// governs the ledger's next sequence, from the statements checked from `genesis`.
    public func auditorsInOffice(genesis: Genesis) throws(ValidatorClientError) -> [AuditorKey] {
        try ReceiptChecker(client: self, genesis: genesis).auditorsInOffice()
    }

    /// The chain `body` states, each statement checked from `genesis`.
    static func chain(from genesis: Genesis, _ body: AuthorityBody) throws(ValidatorClientError) -> AuthorityChain {
        do { return try AuthorityChain(genesis: genesis, statements: body.statements) } catch {
            throw .malformedResponse("the validator's authority statements do not continue the genesis's chain: \(error)")
        }
    }

    /// `GET /v1/redemptions/{id}`; nil when the validator never finalized it (404).
    public func redemption(id: RedemptionID) throws(ValidatorClientError) -> RedemptionLookupBody? {
        let r = try send("GET", "/v1/redemptions/\(id.hex)")
        if r.status == 404 { return nil }
        return try decode(r) { (j) throws(ProtocolError) in try RedemptionLookupBody(json: j) }
    }

    /// `GET /v1/status`.
    public func status() throws(ValidatorClientError) -> StatusBody {
        try decode(try send("GET", "/v1/status")) { (j) throws(ProtocolError) in try StatusBody(json: j) }
    }

    /// `GET /v1/audit`.
    public func audit() throws(ValidatorClientError) -> AuditBody {
        try decode(try send("GET", "/v1/audit")) { (j) throws(ProtocolError) in try AuditBody(json: j) }
    }

    /// `GET /v1/log?after=SEQ&limit=N`: the next page of the canonical log (records after `after`).
    public func logPage(after: UInt64, limit: Int) throws(ValidatorClientError) -> LogPage {
        let r = try send("GET", "/v1/log?after=\(after)&limit=\(limit)", accept: LogPage.mediaType)
        guard r.status == 200 else { throw .rejected(Self.errorBody(r)) }
        let page: LogPage
        do { page = try LogPage(bytes: r.body) } catch { throw .malformedResponse("the log page: \(error)") }
        guard page.entries.first.map({ after < UInt64.max && $0.sequence == after + 1 }) ?? true else {
            throw .malformedResponse("the log page starts at \(page.entries.first?.sequence ?? 0), not \(after &+ 1)")
        }
        return page
    }

    /// `GET /v1/genesis`: the ledger's genesis file (its bytes; the caller decides whether to trust them).
    public func genesisBytes() throws(ValidatorClientError) -> [UInt8] {
        let r = try send("GET", "/v1/genesis", accept: "application/octet-stream")
        guard r.status == 200 else { throw .rejected(Self.errorBody(r)) }
        return r.body
    }

    /// `GET /v1/events?address=ADDRESS&after=SEQ`: the address's events with sequence > `after`.
    /// The stream takes its own connection (this client opens a new one for later calls).
    public func events(address: Address, after: UInt64 = 0) throws(ValidatorClientError) -> ValidatorEventStream {
        do {
            let reader = try http.openEventStream("/v1/events?address=\(address.encoded)&after=\(after)")
            return ValidatorEventStream(reader: reader, after: after)
        } catch {
            if case let .notAnEventStream(status) = error {
                throw .rejected(APIErrorBody(status: status, code: "http_\(status)",
                                             message: "the validator did not open an event stream"))
            }
            throw mapTransport(error)
        }
    }
}

/// A live event stream of one address (heartbeats skipped).
public final class ValidatorEventStream {
    private let reader: EventStreamReader
    /// The sequence of the last event returned (the resume point after a reconnect).
    public private(set) var lastSequence: UInt64

    init(reader: EventStreamReader, after: UInt64) {
        self.reader = reader
        lastSequence = after
    }

    /// Ends the stream at `date` whatever arrives before it (heartbeats restart only the
    /// idle timeout): `next` then throws `.transport` with `timedOut`. nil: no deadline.
    public func setDeadline(_ date: Date?) {
        reader.setDeadline(secondsFromNow: date.map { $0.timeIntervalSinceNow })
    }

    /// The next event; nil when the validator ended the stream.
    /// - Throws: `.transport` when the connection fails (including the read timeout
    ///   passing without even a heartbeat), `.malformedResponse` for an unreadable event.
    public func next() throws(ValidatorClientError) -> EventBody? {
        let e: ServerSentEvent?
        do { e = try reader.nextEvent() } catch { throw .transport(url: "event stream", error) }
        guard let e else { return nil }
        let body: EventBody
        do { body = try EventBody(json: try JSONValue.parse(Array(e.data.utf8))) } catch {
            throw .malformedResponse("event \(e.id ?? "?"): \(error)")
        }
        lastSequence = body.sequence
        return body
    }
}

/// Checks receipts against the validators in office at their batch (docs/PROTOCOL.md §7.12),
/// not against the genesis alone: after a statement changes the validator set, the genesis's
/// indices name other keys and its quorum is another. The chain of statements is read from the
/// validator (`GET /v1/authority`), checked from the pinned genesis, and read again only for a
/// receipt past what the last read covers: a statement settled after that read takes effect
/// after its own sequence, so the chain read at sequence S decides every batch up to S + 1.
public final class ReceiptChecker {
    /// The pinned ledger's genesis.
    public let genesis: Genesis
    private let client: ValidatorClient
    private var known: (chain: AuthorityChain, through: UInt64)?

    public init(client: ValidatorClient, genesis: Genesis) {
        self.client = client
        self.genesis = genesis
    }

    /// Why `receipt` is not certified by the validators in office at its batch (nil if it is).
    /// - Throws: when the chain of statements cannot be read, or does not continue the genesis.
    public func certificateError(_ receipt: Receipt) throws(ValidatorClientError) -> CertificateError? {
        receipt.certificateError(authorities: try chain(covering: receipt.batchFirst))
    }

    /// The chain of authorities, read again if the last read does not decide `sequence`.
    public func chain(covering sequence: UInt64) throws(ValidatorClientError) -> AuthorityChain {
        if let known, sequence <= known.through &+ 1 { return known.chain }
        return try read().chain
    }

    /// The auditor keys a transfer built now must disclose to: those of the authority that
    /// governs the ledger's next sequence. The chain is read afresh (the next sequence moves
    /// on) and kept, so the receipt of the transfer built from it is checked without
    /// another read when it settles right after.
    public func auditorsInOffice() throws(ValidatorClientError) -> [AuditorKey] {
        let (chain, through) = try read()
        return chain.authority(at: through &+ 1).auditors
    }

    /// `GET /v1/authority`, checked from the genesis and kept.
    private func read() throws(ValidatorClientError) -> (chain: AuthorityChain, through: UInt64) {
        let body = try client.authority()
        let chain = try ValidatorClient.chain(from: genesis, body)
        known = (chain, body.sequence)
        return (chain, body.sequence)
    }
}
