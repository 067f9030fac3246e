import Foundation
public import HTTP1
import Ledger
import Ristretto255
import Synchronization
import ZKPayCore

/// The routes of docs/notes/http-api.md (docs/openapi.yaml lists the same set; a test
/// checks both ways).
public enum Routes {
    /// Every served (method, path template) pair; `{id}` is a path parameter.
    public static let all: [(method: String, path: String)] = [
        ("POST", "/v1/transfers"),
        ("POST", "/v1/transfers/batch"),
        ("POST", "/v1/mints"),
        ("POST", "/v1/redemptions"),
        ("POST", "/v1/authority"),
        ("GET", "/v1/authority"),
        ("GET", "/v1/notes"),
        ("GET", "/v1/transfers/{id}"),
        ("GET", "/v1/mints/{id}"),
        ("GET", "/v1/redemptions/{id}"),
        ("GET", "/v1/events"),
        ("GET", "/v1/status"),
        ("GET", "/v1/audit"),
        ("GET", "/v1/log"),
        ("GET", "/v1/genesis"),
        ("GET", "/metrics"),
        ("GET", "/v1/stats/stream"),
        ("GET", "/"),
        ("POST", "/v1/certificates"),
        ("GET", "/v1/certificates/{sequence}"),
    ]

    /// Largest body of a single transfer or mint.
    public static let maxObjectBytes = 1 << 20
    /// Largest body of a batch request.
    public static let maxBatchBytes = 8 << 20

    /// The server's limits for these routes: each POST route's body limit is checked against
    /// Content-Length before anything is buffered, and every other route takes no body.
    public static func limits(_ base: Limits = Limits()) -> Limits {
        var limits = base
        limits.maxBodyBytes = max(maxObjectBytes, maxBatchBytes)
        limits.routeBodyBytes = ["POST /v1/transfers": maxObjectBytes, "POST /v1/mints": maxObjectBytes,
                                 "POST /v1/redemptions": maxObjectBytes,
                                 // The JSON form spells the bytes in hex.
                                 "POST /v1/authority": 2 * AuthorityStatement.maxEncodedLength + 64,
                                 "POST /v1/transfers/batch": maxBatchBytes,
                                 "POST /v1/certificates": BatchSignature.encodedLength]
        limits.otherRouteBodyBytes = 0
        return limits
    }
}

/// How a POST body is encoded.
enum BodyFormat: Sendable {
    case json
    case binary
}

/// Collects the results of a batch request's items and answers once all are in.
final class BatchCollector: Sendable {
    private let slots: Mutex<(items: [BatchItem?], remaining: Int)>
    private let responder: Responder
    /// Answer in the binary form (the request accepted application/octet-stream).
    private let binary: Bool

    init(count: Int, responder: Responder, binary: Bool) {
        slots = Mutex((Array(repeating: nil, count: count), count))
        self.responder = responder
        self.binary = binary
    }

    func fill(_ index: Int, _ result: ItemResult) {
        let done: [BatchItem]? = slots.withLock { s in
            guard s.items[index] == nil else { return nil }
            s.items[index] = APIRender.batchItem(result)
            s.remaining -= 1
            return s.remaining == 0 ? s.items.compactMap { $0 } : nil
        }
        guard let done else { return }
        if binary {
            responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", BatchBody.binaryMediaType)]),
                                       body: BatchBody.binaryResults(done)))
        } else {
            responder.respond(jsonResponse(.ok, BatchBody.results(done)))
        }
    }
}

/// Dispatches requests: cheap checks on the loop thread, decoding on the worker pool,
/// settlement through the sequencer, ledger reads on the sequencer thread.
final class Router: Sendable {
    let sequencer: Sequencer
    let hub: EventHub
    let stats: StatsHub
    let metrics: Metrics
    let workers: WorkerPool
    /// The backend transfers are decoded with (the sequencer's ledger verifies with the same).
    let backend: Backend
    let started = ContinuousClock.now
    let server = Mutex<Server?>(nil)
    /// Most log records one replay step of an event stream reads.
    let replaySliceRecords: UInt64

    /// The replicated log, when this validator is in a cluster.
    let replication: Replication?
    /// The cluster's receipt certificates, when this validator is in a cluster.
    let certifier: Certifier?

    init(sequencer: Sequencer, hub: EventHub, stats: StatsHub, metrics: Metrics, workers: WorkerPool, backend: Backend,
         replaySliceRecords: UInt64, replication: Replication? = nil, certifier: Certifier? = nil) {
        self.replication = replication
        self.certifier = certifier
        self.sequencer = sequencer
        self.stats = stats
        self.backend = backend
        self.hub = hub
        self.metrics = metrics
        self.workers = workers
        self.replaySliceRecords = max(1, replaySliceRecords)
    }

    var connections: Int { server.withLock { $0?.connectionCount ?? 0 } }

    func handle(_ request: Request, _ responder: Responder) {
        let path = String(request.path)
        let method = request.method == "HEAD" ? "GET" : request.method
        let template: String
        if path.hasPrefix("/v1/transfers/"), path != "/v1/transfers/batch" {
            template = "/v1/transfers/{id}"
        } else if path.hasPrefix("/v1/mints/") {
            template = "/v1/mints/{id}"
        } else if path.hasPrefix("/v1/redemptions/") {
            template = "/v1/redemptions/{id}"
        } else if path.hasPrefix("/v1/certificates/") {
            template = "/v1/certificates/{sequence}"
        } else {
            template = path
        }
        let methods = Routes.all.filter { $0.path == template }.map(\.method)
        guard !methods.isEmpty else {
            responder.respond(APIFailure.notFound("no route \(path); see docs/openapi.yaml for the API").response)
            return
        }
        guard methods.contains(method) else {
            var r = APIFailure(.methodNotAllowed, "method_not_allowed",
                               "\(request.method) is not allowed on \(template); use \(methods.joined(separator: ", "))").response
            r.headers.append("Allow", methods.joined(separator: ", "))
            responder.respond(r)
            return
        }
        if method == "POST", template != "/v1/certificates", let refusal = writeRefusal(request) {
            responder.respond(refusal)
            return
        }
        let query = Self.query(request.query)
        switch template {
        case "/v1/transfers": submit(request, responder, object: .transfer)
        case "/v1/mints": submit(request, responder, object: .mint)
        case "/v1/redemptions": submit(request, responder, object: .redemption)
        case "/v1/authority" where method == "POST": submit(request, responder, object: .authority)
        case "/v1/authority": authority(responder)
        case "/v1/transfers/batch": submitBatch(request, responder)
        case "/v1/notes": notes(query, responder)
        case "/v1/transfers/{id}": lookup(String(path.dropFirst("/v1/transfers/".count)), responder)
        case "/v1/mints/{id}": mintLookup(String(path.dropFirst("/v1/mints/".count)), responder)
        case "/v1/redemptions/{id}": redemptionLookup(String(path.dropFirst("/v1/redemptions/".count)), responder)
        case "/v1/events": events(request, query, responder)
        case "/v1/status": status(responder)
        case "/v1/audit": audit(responder)
        case "/v1/log": logPage(query, responder)
        case "/v1/genesis": genesis(responder)
        case "/metrics": metricsText(responder)
        case "/v1/stats/stream": statsStream(responder)
        case "/": statusPage(request, query, responder)
        case "/v1/certificates": receiveSignature(request, responder)
        case "/v1/certificates/{sequence}": ownSignature(String(path.dropFirst("/v1/certificates/".count)), responder)
        default: responder.respond(APIFailure.notFound("no route \(path)").response)
        }
    }

    // MARK: Submissions

    static func format(_ request: Request) -> Result<BodyFormat, APIFailure> {
        guard let type = request.headers["Content-Type"] else { return .success(.json) }
        let media = type.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json": return .success(.json)
        case "application/octet-stream": return .success(.binary)
        default:
            return .failure(APIFailure(.unsupportedMediaType, "unsupported_media_type",
                                       "content type '\(type)' is not accepted; send application/json or "
                                           + "application/octet-stream (canonical binary)"))
        }
    }

    /// The reply of a single-object request.
    func reply(_ responder: Responder) -> Reply {
        certified { result in
            switch result {
            case let .settled(r, fresh): responder.respond(jsonResponse(.ok, APIRender.finalized(r, fresh: fresh)))
            case let .failed(f): responder.respond(f.response)
            }
        }
    }

    /// `reply` answered with certified receipts: in a cluster, a settled item's receipt is
    /// completed with the other validators' signatures (a quorum) first, or answered 503
    /// `certificate_pending` when they do not come in time.
    func certified(_ reply: @escaping Reply) -> Reply {
        guard let certifier else { return reply }
        return { result in
            guard case let .settled(r, fresh) = result else { return reply(result) }
            certifier.certify(r, settledNow: fresh) { certified in
                reply(certified.map { .settled($0, fresh: fresh) } ?? .failed(.certificatePending(r)))
            }
        }
    }

    func refuse(_ f: APIFailure, _ responder: Responder) {
        metrics.rejected(f.code)
        responder.respond(f.response)
    }

    static func decodeTransfer(_ bytes: [UInt8], _ format: BodyFormat, backend: Backend) throws(ProtocolError) -> Transfer {
        switch format {
        case .binary: try Transfer(bytes: bytes, backend: backend)
        case .json: try Transfer(json: try JSONValue.parse(bytes), backend: backend)
        }
    }

    static func decodeMint(_ bytes: [UInt8], _ format: BodyFormat) throws(ProtocolError) -> Mint {
        switch format {
        case .binary: try Mint(bytes: bytes)
        case .json: try Mint(json: try JSONValue.parse(bytes))
        }
    }

    static func decodeRedemption(_ bytes: [UInt8], _ format: BodyFormat, backend: Backend) throws(ProtocolError)
        -> Redemption
    {
        switch format {
        case .binary: try Redemption(bytes: bytes, backend: backend)
        case .json: try Redemption(json: try JSONValue.parse(bytes), backend: backend)
        }
    }

    /// An authority statement: its canonical bytes (binary), or `{"statement": "<hex>"}`.
    static func decodeAuthority(_ bytes: [UInt8], _ format: BodyFormat) throws(ProtocolError) -> AuthorityStatement {
        switch format {
        case .binary: return try AuthorityStatement(bytes: bytes)
        case .json:
            var o = try JSONObjectReader(try JSONValue.parse(bytes), path: "$")
            let statement = try AuthorityStatement(bytes: try o.hex("statement"))
            try o.finish()
            return statement
        }
    }

    func submit(_ request: Request, _ responder: Responder, object kind: Receipt.Kind) {
        let format: BodyFormat
        switch Self.format(request) {
        case let .success(f): format = f
        case let .failure(f): return refuse(f, responder)
        }
        let object = kind.name
        guard request.body.count <= Routes.maxObjectBytes else {
            return refuse(APIFailure(.contentTooLarge, "body_too_large",
                                     "a \(object) body is limited to \(Routes.maxObjectBytes) bytes"), responder)
        }
        guard !request.body.isEmpty else {
            return refuse(APIFailure(.badRequest, "truncated", "the body is empty; send one \(object)"), responder)
        }
        if let f = sequencer.admit(1) { return refuse(f, responder) }
        let body = request.body
        let reply = reply(responder)
        let alone = replication == nil
        let accepted = workers.submit { [sequencer, metrics, backend] in
            do throws(ProtocolError) {
                switch kind {
                case .mint: sequencer.enqueue(.mint(try Self.decodeMint(body, format), reply))
                case .transfer: sequencer.enqueue(.transfer(try Self.decodeTransfer(body, format, backend: backend), reply))
                case .redemption:
                    sequencer.enqueue(.redemption(try Self.decodeRedemption(body, format, backend: backend), reply))
                case .authority:
                    let statement = try Self.decodeAuthority(body, format)
                    // A validator on its own is the ledger's only signer: under any other set its
                    // receipts would lack a quorum (or any signature).
                    if alone && statement.validators.map(\.publicKey) != [sequencer.receiptPublicKey] {
                        sequencer.release(1)
                        let f = APIFailure.standaloneValidatorSet
                        metrics.rejected(f.code)
                        return reply(.failed(f))
                    }
                    sequencer.enqueue(.authority(statement, reply))
                }
            } catch {
                sequencer.release(1)
                let f = APIFailure.protocolError(error, object: object)
                metrics.rejected(f.code)
                reply(.failed(f))
            }
        }
        if !accepted {
            sequencer.release(1)
            refuse(.shuttingDown, responder)
        }
    }

    /// Splits a batch body into its transfers (each decoded on its own, so that one bad
    /// transfer is one bad item); broken framing fails the whole request.
    static func splitBatch(_ body: [UInt8], _ format: BodyFormat, backend: Backend)
        -> Result<[Result<Transfer, ProtocolError>], APIFailure> {
        func framing(_ e: ProtocolError) -> APIFailure {
            if case let .countOutOfRange(_, count, _) = e {
                if count == 0 {
                    return .badRequest("the batch holds no transfer; send between 1 and \(BatchBody.maxTransfers)")
                }
                return APIFailure(.badRequest, "batch_too_large",
                                  "the batch holds \(count) transfers; send between 1 and \(BatchBody.maxTransfers) per request")
            }
            return .badRequest("the batch framing is broken (\(e)); send {\"transfers\": [...]} or "
                + "count u32be and (length u32be, transfer bytes) per transfer")
        }
        switch format {
        case .binary:
            do throws(ProtocolError) {
                return .success(try BatchBody.splitBinary(body).map { bytes in
                    Result { () throws(ProtocolError) in try Transfer(bytes: bytes, backend: backend) }
                })
            } catch { return .failure(framing(error)) }
        case .json:
            // Each transfer is parsed on its own and its JSON value dropped before the next:
            // the body is never held as one tree of small values.
            let texts: [ArraySlice<UInt8>]
            do throws(ProtocolError) { texts = try BatchBody.splitJSON(text: body) } catch {
                if case .invalidJSON = error { return .failure(.protocolError(error, object: "batch")) }
                return .failure(framing(error))
            }
            return .success(texts.map { text in
                Result { () throws(ProtocolError) in try Transfer(json: try JSONValue.parse(text), backend: backend) }
            })
        }
    }

    func submitBatch(_ request: Request, _ responder: Responder) {
        let format: BodyFormat
        switch Self.format(request) {
        case let .success(f): format = f
        case let .failure(f): return refuse(f, responder)
        }
        if let f = sequencer.admit(1) { return refuse(f, responder) }
        let body = request.body
        // The binary response only when asked for; JSON stays the default.
        let binaryAnswer = request.headers.values("Accept").contains { value in
            value.split(separator: ",").contains {
                // An empty media range (`Accept: ;`) has no first element: never index it.
                ($0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: .whitespaces).lowercased() == BatchBody.binaryMediaType
            }
        }
        let accepted = workers.submit { [sequencer, metrics, backend] in
            let items: [Result<Transfer, ProtocolError>]
            switch Self.splitBatch(body, format, backend: backend) {
            case let .success(list): items = list
            case let .failure(f):
                sequencer.release(1)
                metrics.rejected(f.code)
                return answer(responder, f.response)
            }
            if items.count > 1, let f = sequencer.admit(items.count - 1) {
                sequencer.release(1)
                metrics.rejected(f.code)
                return answer(responder, f.response)
            }
            let collector = BatchCollector(count: items.count, responder: responder, binary: binaryAnswer)
            for (i, item) in items.enumerated() {
                switch item {
                case let .success(t):
                    sequencer.enqueue(.transfer(t, self.certified { collector.fill(i, $0) }))
                case let .failure(e):
                    sequencer.release(1)
                    let f = APIFailure.protocolError(e)
                    metrics.rejected(f.code)
                    collector.fill(i, .failed(f))
                }
            }
        }
        if !accepted {
            sequencer.release(1)
            refuse(.shuttingDown, responder)
        }
    }

    // MARK: Reads

    static func query(_ q: Substring?) -> [String: String] {
        var out: [String: String] = [:]
        guard let q else { return out }
        for pair in q.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    static func address(_ text: String?, _ name: String) -> Result<Address, APIFailure> {
        guard let text, !text.isEmpty else {
            return .failure(APIFailure(.badRequest, "invalid_address", "give the address as ?\(name)=zkp1..."))
        }
        do { return .success(try Address(parsing: text)) } catch {
            return .failure(APIFailure(.badRequest, "invalid_address", "\(name) is not a zkpay address: \(error)"))
        }
    }

    /// Runs `body` on the sequencer thread, or answers 503 if it has stopped.
    func onSequencer(_ responder: Responder, _ body: @escaping @Sendable (Ledger) -> Void) {
        if !sequencer.read(body) { responder.respond(APIFailure.shuttingDown.response) }
    }

    func notes(_ query: [String: String], _ responder: Responder) {
        let owner: Address
        switch Self.address(query["owner"], "owner") {
        case let .success(a): owner = a
        case let .failure(f): return answer(responder, f.response)
        }
        onSequencer(responder) { ledger in
            let body = NotesBody(owner: owner.encoded, sequence: ledger.state.sequence,
                                 notes: ledger.state.unspentNotes(owner: owner.spendKey))
            responder.respond(jsonResponse(.ok, body.json))
        }
    }

    func lookup(_ idText: String, _ responder: Responder) {
        guard idText.count == 64, idText.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let id = ProtocolHex.decode(idText)
        else {
            return answer(responder, APIFailure.badRequest("a transfer id is 64 lowercase hex digits").response)
        }
        onSequencer(responder) { ledger in
            let found: (receipt: Receipt, bytes: [UInt8])?
            do throws(LedgerError) { found = try ledger.settledObject(id: id) } catch {
                return answer(responder, APIFailure.storage(error).response)
            }
            guard let found, found.receipt.kind == .transfer, let t = try? Transfer(bytes: found.bytes, backend: ledger.backend) else {
                return answer(responder, APIFailure.notFound("the ledger has not finalized transfer \(idText)").response)
            }
            self.respondCertified(found.receipt, responder) { TransferLookupBody(transfer: t, receipt: $0).json }
        }
    }

    func events(_ request: Request, _ query: [String: String], _ responder: Responder) {
        let address: Address
        switch Self.address(query["address"], "address") {
        case let .success(a): address = a
        case let .failure(f): return answer(responder, f.response)
        }
        var after: UInt64 = 0
        if let last = request.headers["Last-Event-ID"] {
            guard let v = UInt64(last.trimmingCharacters(in: .whitespaces)) else {
                return answer(responder, APIFailure.badRequest("Last-Event-ID must be a sequence number").response)
            }
            after = v
        } else if let a = query["after"] {
            guard let v = UInt64(a) else {
                return answer(responder, APIFailure.badRequest("after must be a sequence number").response)
            }
            after = v
        }
        // The stream resumes at after + 1, which the largest sequence number has not.
        guard after < UInt64.max else {
            return answer(responder, APIFailure.badRequest("after (or Last-Event-ID) is past the largest sequence number").response)
        }
        replay(owner: address.spendKey, from: after + 1, resumeAfter: after, stream: nil, responder)
    }

    /// One slice of an event stream's history (at most `replaySliceRecords` records) on the
    /// sequencer thread (`EventHub.replaySlice`); the next slice is queued behind waiting
    /// batches. The stream starts with the first slice read, so a log that cannot be read is
    /// answered with an error status instead.
    func replay(owner: RistrettoPoint, from: UInt64, resumeAfter: UInt64, stream: EventStream?, _ responder: Responder) {
        let accepted = sequencer.read { [self] ledger in
            var opened = stream
            let next: UInt64?
            do throws(LedgerError) {
                next = try hub.replaySlice(ledger, owner: owner, from: from, resumeAfter: resumeAfter,
                                           sliceRecords: replaySliceRecords) {
                    opened = opened ?? responder.startEventStream()
                    return opened
                }
            } catch {
                if let stream { stream.close() } else { answer(responder, APIFailure.storage(error).response) }
                return
            }
            if let next, let opened { replay(owner: owner, from: next, resumeAfter: resumeAfter, stream: opened, responder) }
        }
        if !accepted {
            if let stream { stream.close() } else { answer(responder, APIFailure.shuttingDown.response) }
        }
    }

    func status(_ responder: Responder) {
        let s = sequencer.summary
        let g = sequencer.genesis
        var body = StatusBody(sequence: s.sequence, chainHash: s.chainHash, chainID: g.chainID.bytes,
                              receiptPublicKey: sequencer.receiptPublicKey,
                              issuer: g.issuer.encoded, minimumFee: g.minimumFee, unspentNotes: s.unspentNotes,
                              queueDepth: sequencer.depth, workers: workers.count, connections: connections,
                              uptimeSeconds: Int(seconds(ContinuousClock.now - started)), backend: backend.rawValue)
        body.stateDigest = s.stateDigest
        if let replication {
            switch replication.currentRole {
            case .leader:
                body.role = "leader"
                body.leader = replication.options.advertisedURL
            case let .follower(leader):
                body.role = "follower"
                body.leader = leader
            case .halted:
                body.role = "halted"
            }
        }
        responder.respond(jsonResponse(.ok, body.json))
    }

    /// `GET /v1/authority`: the settled authority statements and the authority in office after
    /// the last (`AuthorityBody`), read between batches.
    func authority(_ responder: Responder) {
        onSequencer(responder) { ledger in
            let chain = ledger.state.authorities
            let body = AuthorityBody(sequence: ledger.state.sequence, statements: chain.statements)
            responder.respond(jsonResponse(.ok, body.json(current: chain.current)))
        }
    }

    func audit(_ responder: Responder) {
        onSequencer(responder) { ledger in
            let body = AuditBody(ledger.auditVartime(), sequence: ledger.state.sequence, chainHash: ledger.state.chainHash)
            responder.respond(jsonResponse(.ok, body.json))
        }
    }

    func metricsText(_ responder: Responder) {
        let s = sequencer.summary
        var text = metrics.render(queueDepth: sequencer.depth, connections: connections, sequence: s.sequence,
                                  unspentNotes: s.unspentNotes)
        if let replication { text += replication.compactionMetrics }
        responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", "text/plain; version=0.0.4")]),
                                   body: Array(text.utf8)))
    }
}

/// Sends `response` (a helper that reads as a statement in early returns).
func answer(_ responder: Responder, _ response: Response) {
    responder.respond(response)
}
