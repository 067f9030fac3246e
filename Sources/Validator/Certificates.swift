import Foundation
import HTTP1
import Ledger
import Sodium
import Synchronization
import ZKPayCore

/// One validator's signature of one receipt batch, as validators exchange them
/// (docs/PROTOCOL.md §7.10; integers little-endian, 139 bytes):
///
///     batch first sequence u64 ‖ batch size u16 ‖ batch root (32) ‖ state digest (32)
///     ‖ validator index u8 ‖ Ed25519 signature (64) of
///     `Receipt.batchMessage(chain, first, size, root, state digest)`
struct BatchSignature: Sendable, Equatable {
    static let encodedLength = 8 + 2 + 32 + 32 + 1 + 64
    /// The batch signed (its first sequence, size, root and the state digest after it).
    let key: Certifier.BatchKey
    let signer: Receipt.Signer

    init(key: Certifier.BatchKey, signer: Receipt.Signer) {
        self.key = key
        self.signer = signer
    }

    var first: UInt64 { key.first }
    var size: Int { key.size }

    /// The signatures a receipt carries, each as a batch signature (nil without a root).
    static func of(_ receipt: Receipt) -> [BatchSignature]? {
        guard let key = Certifier.BatchKey(receipt) else { return nil }
        return receipt.signers.map { BatchSignature(key: key, signer: $0) }
    }

    var bytes: [UInt8] {
        var w = ByteWriter(capacity: Self.encodedLength)
        w.u64(key.first)
        w.u16(UInt16(key.size))
        w.raw(key.root)
        w.raw(key.stateDigest)
        w.u8(UInt8(signer.index))
        w.raw(signer.signature)
        return w.bytes
    }

    /// Decodes exactly `encodedLength` bytes (a batch size of at least 1).
    init?(bytes: [UInt8]) {
        guard bytes.count == Self.encodedLength else { return nil }
        var r = ByteReader(bytes)
        guard let first = try? r.u64("first"), let size = try? r.u16("size"), size >= 1,
              let root = try? r.raw(32, "root"), let digest = try? r.raw(32, "state digest"),
              let index = try? r.u8("index"), let signature = try? r.raw(64, "signature")
        else { return nil }
        self.init(key: Certifier.BatchKey(first: first, size: Int(size), root: root, stateDigest: digest),
                  signer: Receipt.Signer(index: Int(index), signature: signature))
    }

    /// Whether the signature is validator `signer.index`'s of `office` (the authority in office
    /// at the batch's first sequence, §7.12) over this batch of the ledger `chain`.
    func verifies(chain: ChainID, office: Authority) -> Bool {
        guard signer.index < office.validators.count else { return false }
        return Ed25519.verify(signature: signer.signature, message: key.message(chain: chain),
                              publicKey: office.validators[signer.index].publicKey)
    }
}

/// A cluster's receipt certificates (docs/notes/replication.md, "Certificates"): collects the
/// validators' signatures of each receipt batch and completes receipts with them.
///
/// Every validator in office signs the batches it applies (its ledger's receipts carry its
/// own signature) and pushes that signature to its peers (`POST /v1/certificates`); peers
/// check it against the authority in office at the batch (the genesis's validators until a
/// statement changes them, §7.12) before keeping it. A receipt is answered once that
/// authority's quorum of signatures is held for its batch; signatures a validator lacks (pushes lost,
/// or a restart emptied this in-memory store) are pulled from the peers
/// (`GET /v1/certificates/{sequence}`). Signatures travel validator to validator over HTTP,
/// never through etcd.
///
/// One thread (`zkpay.certificates`) pushes, pulls and times out waiters; callers never block.
final class Certifier: Sendable {
    /// A signed batch: what every signature of it covers. Validators whose states differ
    /// after the batch sign different keys, so their signatures never combine.
    struct BatchKey: Hashable, Sendable {
        let first: UInt64
        let size: Int
        let root: [UInt8]
        let stateDigest: [UInt8]

        init(first: UInt64, size: Int, root: [UInt8], stateDigest: [UInt8]) {
            self.first = first
            self.size = size
            self.root = root
            self.stateDigest = stateDigest
        }

        /// The batch `receipt` belongs to (nil if its path gives no root).
        init?(_ receipt: Receipt) {
            guard let root = receipt.batchRoot else { return nil }
            self.init(first: receipt.batchFirst, size: receipt.batchSize, root: root, stateDigest: receipt.stateDigest)
        }

        /// What a validator signs for this batch of the ledger `chain`.
        func message(chain: ChainID) -> [UInt8] {
            Receipt.batchMessage(chain: chain, first: first, size: size, root: root, stateDigest: stateDigest)
        }
    }

    /// A receipt waiting for its certificate.
    struct Waiter {
        let receipt: Receipt
        let key: BatchKey
        let deadline: UInt64
        /// When the missing signatures are pulled from the peers, if they have not come.
        let pullAt: UInt64
        var pulled: Bool
        let done: @Sendable (Receipt?) -> Void
    }

    /// The receipts waiting for a certificate, by batch: a batch's quorum completes its
    /// waiters without a scan, and the thread scans them all only once a pull time or
    /// deadline has come, so its rounds do not cost in proportion to the receipts in flight.
    struct Waiters {
        private var byBatch: [BatchKey: [Waiter]] = [:]
        private(set) var count = 0
        /// No unpulled waiter's pull time and no deadline comes before this.
        private var nextDue = UInt64.max

        mutating func insert(_ waiter: Waiter) {
            byBatch[waiter.key, default: []].append(waiter)
            count += 1
            nextDue = min(nextDue, waiter.pulled ? waiter.deadline : waiter.pullAt)
        }

        /// Removes and returns the waiters of one batch.
        mutating func remove(_ key: BatchKey) -> [Waiter] {
            guard let done = byBatch.removeValue(forKey: key) else { return [] }
            count -= done.count
            return done
        }

        /// The waiters whose pull time has come (now marked pulled; they stay), and those past
        /// their deadline (removed).
        mutating func takeDue(now: UInt64) -> (pull: [Waiter], expired: [Waiter]) {
            guard now >= nextDue else { return ([], []) }
            var pull: [Waiter] = [], expired: [Waiter] = []
            var next = UInt64.max
            for key in Array(byBatch.keys) {
                guard var list = byBatch.removeValue(forKey: key) else { continue }
                var kept: [Waiter] = []
                kept.reserveCapacity(list.count)
                for i in list.indices {
                    if list[i].deadline <= now {
                        expired.append(list[i])
                        continue
                    }
                    if !list[i].pulled && now >= list[i].pullAt {
                        list[i].pulled = true
                        pull.append(list[i])
                    }
                    next = min(next, list[i].pulled ? list[i].deadline : list[i].pullAt)
                    kept.append(list[i])
                }
                if !kept.isEmpty { byBatch[key] = kept }
            }
            count -= expired.count
            nextDue = next
            return (pull, expired)
        }

        /// Removes and returns every waiter.
        mutating func removeAll() -> [Waiter] {
            defer {
                byBatch = [:]
                count = 0
                nextDue = .max
            }
            return byBatch.values.flatMap { $0 }
        }
    }

    private struct State {
        var signatures: [BatchKey: [Int: [UInt8]]] = [:]
        /// Insertion order of `signatures`' keys (the oldest are dropped past `maxBatches`).
        var order: [BatchKey] = []
        var orderHead = 0
        var waiters = Waiters()
        /// Own signatures to push, oldest first (bounded: a lost push is pulled later).
        var outbox: [BatchSignature] = []
        /// The last sequence each validator (by key) is known to have signed.
        var signedThrough: [[UInt8]: UInt64] = [:]
        var stopping = false
    }

    /// The ledger's chain id (every signature binds it).
    let chain: ChainID
    /// This validator's receipt key.
    let ownKey: [UInt8]
    /// The ledger's chain of authorities as this validator has applied it.
    private let authorities: @Sendable () -> AuthorityChain
    /// Seconds a submitter waits for a certificate before it is answered 503.
    let timeout: Double
    /// The other validators' URLs (from the cluster's membership keys).
    private let peers: @Sendable () -> [String]
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    static let maxBatches = 16_384
    static let maxOutbox = 4_096
    static let maxWaiters = 65_536

    init(chain: ChainID, ownKey: [UInt8], authorities: @escaping @Sendable () -> AuthorityChain, timeout: Double = 5,
         peers: @escaping @Sendable () -> [String]) {
        self.chain = chain
        self.ownKey = ownKey
        self.authorities = authorities
        self.timeout = timeout
        self.peers = peers
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "zkpay.certificates"
        thread.start()
    }

    /// Stops the thread; waiters still pending are answered nil.
    func stop() {
        let already = state.withLock { s in
            defer { s.stopping = true }
            return s.stopping
        }
        guard !already else { return }
        wake.signal()
        finished.wait()
    }

    // MARK: Signatures

    /// The authority in office at `sequence`, as far as this validator's ledger knows (a batch
    /// past a statement it has not applied yet is judged by the authority before it; its
    /// signatures are pulled again once needed).
    func office(at sequence: UInt64) -> Authority { authorities().authority(at: sequence) }

    /// This validator's index in the authority in office at `sequence` (nil: not in office).
    func ownIndex(at sequence: UInt64) -> Int? { office(at: sequence).validators.firstIndex { $0.publicKey == ownKey } }

    /// Keeps `signature` if it is a validator's valid signature of its batch (checked here).
    /// - Returns: false for a signature that does not verify.
    @discardableResult
    func add(_ signature: BatchSignature) -> Bool {
        let office = office(at: signature.first)
        guard signature.verifies(chain: chain, office: office) else { return false }
        let key = signature.key
        let signerKey = office.validators[signature.signer.index].publicKey
        let (ready, held): ([Waiter], [Int: [UInt8]]) = state.withLock { s in
            if s.signatures[key] == nil {
                s.order.append(key)
                if s.order.count - s.orderHead > Self.maxBatches {
                    s.signatures[s.order[s.orderHead]] = nil
                    s.orderHead += 1
                    if s.orderHead > Self.maxBatches {
                        s.order.removeFirst(s.orderHead)
                        s.orderHead = 0
                    }
                }
            }
            s.signatures[key, default: [:]][signature.signer.index] = signature.signer.signature
            let last = signature.first &+ UInt64(signature.size) &- 1
            s.signedThrough[signerKey] = max(s.signedThrough[signerKey] ?? 0, last)
            let held = s.signatures[key] ?? [:]
            guard held.count >= office.quorum else { return ([], [:]) }
            return (s.waiters.remove(key), held)
        }
        for w in ready { w.done(Self.merge(w.receipt, held)) }
        return true
    }

    /// This validator's own receipt of a batch it applied: keeps its signature and pushes it to
    /// the peers (once per batch).
    func announce(_ receipt: Receipt) {
        guard let key = BatchKey(receipt) else { return }
        announce(receipt, key: key)
    }

    /// `announce` for a receipt whose batch key (its root) the caller already computed.
    private func announce(_ receipt: Receipt, key: BatchKey) {
        guard let index = ownIndex(at: receipt.batchFirst), let signer = receipt.signers.first(where: { $0.index == index })
        else { return }
        let fresh = state.withLock { s in s.signatures[key]?[index] == nil }
        guard fresh else { return }
        let own = BatchSignature(key: key, signer: signer)
        add(own)
        state.withLock { s in
            if s.outbox.count >= Self.maxOutbox { s.outbox.removeFirst() }
            s.outbox.append(own)
        }
        wake.signal()
    }

    /// Each validator in office now, by name, and the last sequence it is known to have signed
    /// (0: none yet), in the authority's order: how far each one has applied, as far as this
    /// validator has heard.
    func signedThrough() -> [(name: String, sequence: UInt64)] {
        let known = state.withLock { $0.signedThrough }
        return authorities().current.validators.map { ($0.name, known[$0.publicKey] ?? 0) }
    }

    /// `receipt` with `held` signatures (by validator index) merged in.
    private static func merge(_ receipt: Receipt, _ held: [Int: [UInt8]]) -> Receipt {
        receipt.adding(held.map { Receipt.Signer(index: $0.key, signature: $0.value) })
    }

    /// Calls `done` with `receipt` certified (a quorum of signatures), at once when they are
    /// held, else once they arrive or are pulled; with nil when no quorum is reached within
    /// `timeout` seconds. A batch just settled (`settledNow`) waits half the time for the
    /// peers' pushes before pulling; an earlier one (a lookup, or a resubmission answered
    /// with its old receipt), whose signatures this store may have dropped or never held
    /// since a restart, is pulled at once.
    func certify(_ receipt: Receipt, settledNow: Bool, done: @escaping @Sendable (Receipt?) -> Void) {
        guard let key = BatchKey(receipt) else { return done(nil) }
        announce(receipt, key: key)
        // The quorum check and the registration share the lock that `add` completes waiters
        // under, so a signature arriving in between cannot be missed.
        enum Registration { case ready([Int: [UInt8]]), waiting, refused }
        let quorum = office(at: receipt.batchFirst).quorum
        let now = monotonicNanos()
        let deadline = now + UInt64(timeout * 1e9)
        let waiter = Waiter(receipt: receipt, key: key, deadline: deadline,
                            pullAt: settledNow ? deadline - UInt64(timeout * 5e8) : now, pulled: false, done: done)
        let registration = state.withLock { s -> Registration in
            let held = s.signatures[key] ?? [:]
            if Set(held.keys).union(receipt.signers.map(\.index)).count >= quorum { return .ready(held) }
            guard !s.stopping, s.waiters.count < Self.maxWaiters else { return .refused }
            s.waiters.insert(waiter)
            return .waiting
        }
        switch registration {
        case let .ready(held): done(Self.merge(receipt, held))
        case .refused: done(nil)
        case .waiting:
            // A pull due now needs the thread at once; a later one is found by its next round.
            if !settledNow { wake.signal() }
        }
    }

    // MARK: The thread

    private func run() {
        var clients: [String: HTTPClient] = [:]
        while true {
            _ = wake.wait(timeout: .now() + 0.05)
            let (outbox, stopping) = state.withLock { s in
                defer { s.outbox.removeAll() }
                return (s.outbox, s.stopping)
            }
            if stopping { break }
            let urls = outbox.isEmpty ? [] : peers()
            for signature in outbox {
                let body = signature.bytes
                for url in urls {
                    _ = Self.send(&clients, url, "POST", "/v1/certificates", body: body)
                }
            }
            pullAndExpire(&clients)
        }
        let left = state.withLock { s in s.waiters.removeAll() }
        for w in left { w.done(nil) }
    }

    /// Pulls the missing signatures of waiters past their pull time; answers nil to those past
    /// their deadline.
    private func pullAndExpire(_ clients: inout [String: HTTPClient]) {
        let now = monotonicNanos()
        let (toPull, expired) = state.withLock { s in s.waiters.takeDue(now: now) }
        for w in expired { w.done(nil) }
        guard !toPull.isEmpty else { return }
        var asked = Set<BatchKey>()
        let urls = peers()
        for w in toPull where asked.insert(w.key).inserted {
            for url in urls {
                guard let body = Self.send(&clients, url, "GET", "/v1/certificates/\(w.receipt.batchFirst)", body: []),
                      let signature = BatchSignature(bytes: body), signature.key == w.key
                else { continue }
                add(signature)
            }
        }
    }

    /// One request to a peer; the body of a 2xx answer, nil otherwise (a peer that is down or
    /// slow is skipped: the quorum needs only some of them).
    private static func send(_ clients: inout [String: HTTPClient], _ url: String, _ method: String, _ path: String,
                             body: [UInt8]) -> [UInt8]? {
        guard let (host, port) = hostPort(url) else { return nil }
        let client = clients[url] ?? HTTPClient(host: host, port: port, timeout: 1, maxResponseBytes: 4096)
        clients[url] = client
        let headers = Headers([Header("Content-Type", "application/octet-stream")])
        guard let r = try? client.request(method, path, headers: method == "POST" ? headers : Headers(), body: body),
              (200..<300).contains(r.status)
        else {
            client.close()
            return nil
        }
        return r.body
    }

    /// "http://HOST:PORT[/]" → (HOST, PORT).
    static func hostPort(_ url: String) -> (String, UInt16)? {
        guard url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else { return nil }
        return (String(rest[..<colon]), port)
    }
}

extension Router {
    /// Answers 200 with `body(receipt)`, the receipt certified first in a cluster (503
    /// `certificate_pending` when no quorum of signatures comes in time).
    func respondCertified(_ receipt: Receipt, _ responder: Responder, _ body: @escaping @Sendable (Receipt) -> JSONValue) {
        guard let certifier else {
            responder.respond(jsonResponse(.ok, body(receipt)))
            return
        }
        certifier.certify(receipt, settledNow: false) { certified in
            if let certified {
                responder.respond(jsonResponse(.ok, body(certified)))
            } else {
                responder.respond(APIFailure.certificatePending(receipt).response)
            }
        }
    }

    /// `POST /v1/certificates`: a peer's signature of a receipt batch (139 bytes); 204 when it
    /// verifies for this ledger, 422 when it does not.
    func receiveSignature(_ request: Request, _ responder: Responder) {
        guard let certifier else {
            return answer(responder, APIFailure.notFound("this validator is not in a cluster").response)
        }
        guard let signature = BatchSignature(bytes: Array(request.body)) else {
            return answer(responder, APIFailure.badRequest(
                "a batch signature is \(BatchSignature.encodedLength) bytes (docs/PROTOCOL.md §7.10)").response)
        }
        guard certifier.add(signature) else {
            return answer(responder, APIFailure(.unprocessableContent, "bad_signature",
                                                "the signature is not validator \(signature.signer.index)'s of that batch on this ledger").response)
        }
        responder.respond(Response(status: Status(204, "No Content"), headers: Headers(), body: []))
    }

    /// `GET /v1/certificates/{sequence}`: this validator's own signature of the batch that holds
    /// `sequence` (107 bytes), 404 when it has not applied that sequence.
    func ownSignature(_ text: String, _ responder: Responder) {
        guard let certifier else {
            return answer(responder, APIFailure.notFound("this validator is not in a cluster").response)
        }
        guard let sequence = UInt64(text), sequence >= 1 else {
            return answer(responder, APIFailure.badRequest("a sequence is a decimal number from 1").response)
        }
        onSequencer(responder) { ledger in
            guard let r = ledger.receipts.receipt(at: sequence), let own = certifier.ownIndex(at: r.batchFirst),
                  let s = BatchSignature.of(r)?.first(where: { $0.signer.index == own })
            else { return answer(responder, APIFailure.notFound("this validator has not signed sequence \(sequence)").response) }
            responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", "application/octet-stream")]),
                                       body: s.bytes))
        }
    }
}
