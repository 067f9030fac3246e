public import Etcd
import Foundation
import HTTP1
import Ledger
import Synchronization
import ZKPayCore

/// How a validator joins a cluster: the consensus engine's members and how it names itself.
public struct ClusterOptions: Sendable, Equatable {
    /// The etcd members (client URLs).
    public var etcd: EtcdConfig
    /// This validator's name in the cluster (unique).
    public var name: String
    /// The URL clients reach this validator's HTTP API at (followers redirect writes to the
    /// leader's).
    public var advertisedURL: String
    /// Seconds the leader's lease lives without a keep-alive: after a leader dies, a
    /// follower takes over within about this long.
    public var leaseSeconds: Int64
    /// Seconds between the leader's compactions of the log in etcd (docs/PROTOCOL.md §7.9).
    public var compactionSeconds: Double
    /// Records after which the ledger writes a snapshot. The log's batches are deleted from
    /// etcd once a quorum of validators holds them in a snapshot, so this bounds how much of
    /// the log etcd keeps (and the cost of a snapshot: the whole state, written and fsynced).
    public var snapshotRecords: UInt64

    public init(etcd: EtcdConfig, name: String, advertisedURL: String, leaseSeconds: Int64 = 2,
                compactionSeconds: Double = 10, snapshotRecords: UInt64 = 20_000) {
        self.etcd = etcd
        self.name = name
        self.advertisedURL = advertisedURL
        self.leaseSeconds = max(1, leaseSeconds)
        self.compactionSeconds = max(0.1, compactionSeconds)
        self.snapshotRecords = max(1, snapshotRecords)
    }
}

/// What a validator of a cluster is doing now.
enum ReplicaRole: Sendable, Equatable {
    /// Catching up or following; `leader` is the leader's URL when one is known.
    case follower(leader: String?)
    /// Appending batches to the replicated log under this lease.
    case leader(lease: Int64)
    /// Stopped following: the log holds a batch this validator refuses (the reason). It keeps
    /// serving reads of what it applied.
    case halted(String)
}

/// The replicated log on etcd (docs/notes/replication.md): one key per batch under the
/// ledger's prefix, appended by the leader with one fenced transaction, applied by every
/// validator through `Ledger.applyReplicated` (followers) or before acknowledging
/// (`Ledger.settle(_:replicate:)`, the leader).
///
/// Keys, under `P = /zkpay/<genesis checksum hex>/`:
/// - `P leader`: "NAME URL" of the leader, attached to its lease (gone when the lease expires);
/// - `P log/<first sequence, 20 decimal digits>`: one `ReplicatedBatch`;
/// - `P members/NAME`: the URL of validator NAME (written when it joins; peers push and pull
///   receipt signatures there);
/// - `P applied/NAME`: the last sequence validator NAME holds in a durable snapshot (decimal),
///   which the leader's compaction reads (Compaction.swift).
///
/// Safety rests on the append's guard, never on a validator believing it leads: the
/// transaction commits only if the leader key is still attached to the appender's lease
/// and the batch's key does not exist. A new leader first applies every committed batch.
///
/// One thread (`zkpay.replication`) follows the log, campaigns and keeps the lease alive;
/// appends run on the sequencer thread with their own etcd client; another thread
/// (`zkpay.compaction`) publishes the snapshot sequence and, on the leader, compacts.
final class Replication: Sendable {
    let options: ClusterOptions
    let prefix: [UInt8]
    let leaderKey: [UInt8]
    let logPrefix: [UInt8]
    private let role = Mutex(ReplicaRole.follower(leader: nil))
    private let appender: Mutex<EtcdClient>
    /// Reads the membership keys for `peerURLs` (its own client: appends hold theirs).
    private let membership: Mutex<(client: EtcdClient, urls: [String], read: UInt64)>
    let membersPrefix: [UInt8]
    let appliedPrefix: [UInt8]
    let genesis: Genesis
    /// What the last compaction found and did (reported by the metrics).
    let compaction = Mutex(CompactionFigures())
    /// The etcd members' status as last polled (Compaction.swift).
    let etcdMembers = Mutex<[EtcdMemberFigures]>([])
    let maintenanceFinished = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let cancellation = Mutex<StreamCancellation?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    /// Applies a batch on the sequencer thread and waits (set once by the service).
    let apply: @Sendable (ReplicatedBatch) -> Result<Void, LedgerError>
    /// The ledger's figures now (the sequencer's published summary).
    let summary: @Sendable () -> LedgerSummary
    /// The receipt this ledger holds at a sequence (read on the sequencer thread).
    let heldReceipt: @Sendable (UInt64) -> Receipt?
    let log: @Sendable (String) -> Void
    /// How far a catch-up has come (`ValidatorService.Configuration.catchUpProgress`).
    let progress: @Sendable (CatchUpProgress) -> Void

    init(options: ClusterOptions, genesis: Genesis, summary: @escaping @Sendable () -> LedgerSummary,
         receipt: @escaping @Sendable (UInt64) -> Receipt?,
         apply: @escaping @Sendable (ReplicatedBatch) -> Result<Void, LedgerError>,
         log: @escaping @Sendable (String) -> Void,
         progress: @escaping @Sendable (CatchUpProgress) -> Void = { _ in }) throws(EtcdError) {
        self.options = options
        self.genesis = genesis
        prefix = Array("/zkpay/\(genesis.chainID.hex)/".utf8)
        leaderKey = prefix + Array("leader".utf8)
        logPrefix = prefix + Array("log/".utf8)
        appender = Mutex(try EtcdClient(options.etcd))
        membersPrefix = prefix + Array("members/".utf8)
        membership = Mutex((try EtcdClient(options.etcd), [], 0))
        appliedPrefix = prefix + Array("applied/".utf8)
        self.summary = summary
        heldReceipt = receipt
        self.apply = apply
        self.log = log
        self.progress = progress
    }

    /// The ledger's sequence now.
    func sequence() -> UInt64 { summary().sequence }

    /// The first sequence of the batch at log key `key`, nil for a key of another form.
    func logKeySequence(_ key: [UInt8]) -> UInt64? {
        guard key.count == logPrefix.count + 20, key.starts(with: logPrefix) else { return nil }
        return UInt64(String(decoding: key[logPrefix.count...], as: UTF8.self))
    }

    /// The etcd key of the batch whose first item has `sequence`.
    func logKey(_ sequence: UInt64) -> [UInt8] {
        let digits = String(sequence)
        return logPrefix + Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits).utf8)
    }

    var currentRole: ReplicaRole { role.withLock { $0 } }

    /// The leader's URL when this validator follows a known leader; nil when it leads.
    var isLeader: Bool { if case .leader = currentRole { true } else { false } }

    // MARK: The leader's append (sequencer thread)

    /// Appends `batch` to the log if this validator still leads: one transaction guarded by
    /// its lease on the leader key and by the batch's key being absent.
    /// - Throws: `notReplicated` (the validator steps down; its follower loop then applies
    ///   whatever the log holds, including this batch if an unanswered append committed).
    func append(_ batch: ReplicatedBatch) throws(LedgerError) {
        guard case let .leader(lease) = currentRole else {
            throw .notReplicated(reason: "this validator does not lead the cluster", outcomeUnknown: false)
        }
        let key = logKey(batch.firstSequence)
        let result: Result<TxnResult, EtcdError> = appender.withLock { client in
            do throws(EtcdError) {
                return .success(try client.txn([.held(leaderKey, lease: lease), .absent(key)],
                                               success: [.put(key: key, value: batch.bytes)]))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case let .success(r) where r.succeeded:
            return
        case .success:
            stepDown("the fenced append of sequence \(batch.firstSequence) was refused: another validator leads")
            throw .notReplicated(reason: "another validator leads the cluster", outcomeUnknown: false)
        case let .failure(e):
            let unknown = if case .outcomeUnknown = e { true } else { false }
            stepDown("the append of sequence \(batch.firstSequence) failed: \(e)")
            throw .notReplicated(reason: "\(e)", outcomeUnknown: unknown)
        }
    }

    private func stepDown(_ why: String) {
        let was = role.withLock { r -> Bool in
            guard case .leader = r else { return false }
            r = .follower(leader: nil)
            return true
        }
        if was { log("replication: stepping down: \(why)") }
    }

    // MARK: The replication thread

    /// Starts following (and campaigning) on a new thread.
    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "zkpay.replication"
        thread.start()
        let maintenance = Thread { [self] in
            maintain()
            maintenanceFinished.signal()
        }
        maintenance.name = "zkpay.compaction"
        maintenance.start()
    }

    /// Stops the thread (a leader's lease is revoked so a follower takes over at once).
    func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        cancellation.withLock { $0?.cancel() }
        finished.wait()
        maintenanceFinished.wait()
    }

    var isHalted: Bool { if case .halted = currentRole { true } else { false } }

    var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func run() {
        let client: EtcdClient
        do { client = try EtcdClient(options.etcd) } catch {
            halt("cannot reach etcd: \(error)")
            return
        }
        // Consecutive failures to reach etcd: the retry waits 0.2 s, doubling to 3.2 s, and
        // the log says so once per doubling rather than on every try.
        var failures = 0
        var registered = false
        while !isStopping {
            if case .halted = currentRole { return }
            do throws(EtcdError) {
                if !registered {
                    _ = try client.put(membersPrefix + Array(options.name.utf8), Array(options.advertisedURL.utf8))
                    registered = true
                }
                guard let revision = try catchUp(client) else {
                    // Behind the log's compacted tail and no peer could fill the gap (said in
                    // the log): never campaign from here, try again shortly.
                    if case .halted = currentRole { return }
                    pause(1)
                    continue
                }
                if case .halted = currentRole { return }
                failures = 0
                if try campaign(client) {
                    try lead(client)
                } else {
                    try follow(client, from: revision + 1)
                }
            } catch {
                if case .cancelled = error { break }
                stepDown("etcd: \(error)")
                if failures < 5 { log("replication: \(error); retrying") }
                pause(0.2 * Double(1 << min(failures, 4)))
                failures += 1
            }
        }
        if case let .leader(lease) = currentRole {
            role.withLock { $0 = .follower(leader: nil) }
            _ = try? client.revokeLease(lease)
        }
    }

    /// The other validators' URLs, from the membership keys (read again after 2 seconds; the
    /// last answer while etcd cannot be reached).
    func peerURLs() -> [String] {
        membership.withLock { m in
            let now = monotonicNanos()
            if m.read == 0 || now - m.read > 2_000_000_000,
               let r = try? m.client.range(membersPrefix, end: KeyRange.prefixEnd(membersPrefix), serializable: true) {
                let own = membersPrefix + Array(options.name.utf8)
                m.urls = r.kvs.filter { $0.key != own }.map { String(decoding: $0.value, as: UTF8.self) }
                m.read = now
            }
            return m.urls
        }
    }

    func pause(_ seconds: Double) {
        guard !isStopping else { return }
        Thread.sleep(forTimeInterval: seconds)
    }

    func halt(_ reason: String) {
        role.withLock { $0 = .halted(reason) }
        log("replication: stopped following: \(reason)")
    }

    /// Applies every committed batch after this ledger's sequence, in order. Batches etcd no
    /// longer holds (deleted by compaction) come from a peer's log first
    /// (`catchUpFromPeers`, PeerCatchUp.swift), each checked against its certificate.
    /// - Returns: the etcd revision the reads saw (a watch from the next one misses nothing);
    ///   nil when the next batch is gone from etcd and no peer supplied it, or the
    ///   validator halted.
    private func catchUp(_ client: EtcdClient) throws(EtcdError) -> Int64? {
        var revision: Int64 = 0
        // Batches applied from etcd, and how many the first read found ahead (a range read
        // counts every key of its range, beyond its limit).
        var applied = 0, total = 0
        while !isStopping {
            let next = sequence() + 1
            let r = try client.range(logKey(next), end: KeyRange.prefixEnd(logPrefix), limit: 64,
                                     revision: revision)
            revision = r.header.revision
            if let first = r.kvs.first.flatMap({ logKeySequence($0.key) }), first > next {
                guard catchUpFromPeers(through: first - 1), sequence() + 1 >= first else { return nil }
                continue
            }
            total = max(total, applied + Int(clamping: r.count))
            for kv in r.kvs {
                guard applyLogged(kv.value) else { return nil }
                applied += 1
                if r.count > 1 { progress(CatchUpProgress(source: "etcd", applied: applied, total: total, unit: "batches",
                                                          sequence: sequence(), finished: false)) }
            }
            if !r.more { break }
        }
        if total > 1 {
            progress(CatchUpProgress(source: "etcd", applied: applied, total: total, unit: "batches", sequence: sequence(),
                                     finished: true))
        }
        return revision
    }

    /// Decodes and applies one logged batch; false (and halted) if it is refused.
    private func applyLogged(_ value: [UInt8]) -> Bool {
        let batch: ReplicatedBatch
        do { batch = try ReplicatedBatch(bytes: value) } catch {
            halt("a batch of the log does not decode: \(error)")
            return false
        }
        switch apply(batch) {
        case .success: return true
        case let .failure(e):
            if case .replicaRejected = e {
                halt("\(e)")
            } else {
                // A local failure (a full disk): the batch stays in the log; try again later.
                log("replication: applying sequence \(batch.firstSequence) failed: \(e); retrying")
                pause(1)
            }
            return false
        }
    }

    /// Records, while following, the leader's URL from the leader key's value ("NAME URL").
    private func noteLeader(_ value: [UInt8]) {
        let text = String(decoding: value, as: UTF8.self)
        let url = text.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init)
        role.withLock { r in if case .follower = r { r = .follower(leader: url) } }
    }

    /// Tries to become the leader (when no leader key exists). On success every batch
    /// committed before is applied before the role changes, so the first append continues
    /// the chain.
    private func campaign(_ client: EtcdClient) throws(EtcdError) -> Bool {
        if let current = try client.get(leaderKey) {
            noteLeader(current.value)
            return false
        }
        let lease = try client.grantLease(ttl: options.leaseSeconds)
        let value = Array("\(options.name) \(options.advertisedURL)".utf8)
        let won = try client.txn([.absent(leaderKey)], success: [.put(key: leaderKey, value: value, lease: lease.id)])
        guard won.succeeded else {
            _ = try? client.revokeLease(lease.id)
            return false
        }
        // No other validator can append now: apply what the previous leader committed.
        let caughtUp = try catchUp(client)
        if caughtUp == nil || isHalted {
            _ = try? client.revokeLease(lease.id)
            return false
        }
        role.withLock { $0 = .leader(lease: lease.id) }
        log("replication: \(options.name) leads the cluster from sequence \(sequence() + 1)")
        return true
    }

    /// Keeps the lease alive while leading; returns when the lease is lost or the append
    /// path stepped down.
    private func lead(_ client: EtcdClient) throws(EtcdError) {
        guard case let .leader(lease) = currentRole else { return }
        let interval = max(0.1, Double(options.leaseSeconds) / 4)
        while !isStopping, currentRole == .leader(lease: lease) {
            pause(interval)
            do { _ = try client.keepAlive(lease) } catch {
                stepDown("the lease could not be renewed: \(error)")
                break
            }
        }
        // Stepped down (an append was refused or failed): give the leadership up at once
        // rather than when the lease runs out. Stopping revokes it in `run`.
        if !isStopping { _ = try? client.revokeLease(lease) }
    }

    /// Follows the log with a watch on the whole prefix from `revision`: applies each new
    /// batch; returns when the leader key goes away (to campaign) or the watch fails.
    private func follow(_ client: EtcdClient, from revision: Int64) throws(EtcdError) {
        let stream = StreamCancellation()
        cancellation.withLock { $0 = stream }
        defer { cancellation.withLock { $0 = nil } }
        if isStopping { return }
        let watch = try client.watch(prefix, end: KeyRange.prefixEnd(prefix), from: revision, cancellation: stream)
        defer { watch.cancel() }
        while !isStopping {
            let response = try watch.next()
            for event in response.events {
                if event.kv.key == leaderKey {
                    if event.kind == .delete { return }
                    noteLeader(event.kv.value)
                } else if event.kind == .put, event.kv.key.starts(with: logPrefix) {
                    guard applyLogged(event.kv.value) else { return }
                }
            }
        }
    }
}

extension Router {
    /// The answer to a write this validator must not take: a follower sends it to the
    /// leader (307, same method and body); without a known leader, or after this validator
    /// stopped following, 503. Nil when it leads (or is on its own).
    func writeRefusal(_ request: Request) -> Response? {
        guard let replication else { return nil }
        switch replication.currentRole {
        case .leader:
            return nil
        case let .follower(leader?):
            var target = leader
            while target.hasSuffix("/") { target.removeLast() }
            target += String(request.path)
            if let q = request.query { target += "?" + String(q) }
            var r = APIFailure(Status(307, "Temporary Redirect"), "not_leader",
                               "this validator follows the cluster's leader; send writes to \(leader)").response
            r.headers.append("Location", target)
            return r
        case .follower(nil):
            var r = APIFailure(.serviceUnavailable, "no_leader",
                               "the cluster has no leader at the moment (an election is under way, or etcd lost its "
                                   + "quorum); retry shortly").response
            r.headers.append("Retry-After", "1")
            return r
        case let .halted(reason):
            return APIFailure(.serviceUnavailable, "replica_halted",
                              "this validator stopped following the replicated log (\(reason)); send writes to another validator").response
        }
    }
}

/// How far a validator of a cluster has come while catching up with the log: reported after
/// each batch it applies from etcd (in batches) or from a peer's log (in sequences), and once
/// more when it has caught up (`finished`).
public struct CatchUpProgress: Sendable, Equatable {
    /// Where the history comes from: "etcd" or the peer's URL.
    public let source: String
    /// Units applied so far in this catch-up.
    public let applied: Int
    /// Units this catch-up set out to apply (as known when it started).
    public let total: Int
    /// "batches" or "sequences".
    public let unit: String
    /// The ledger's sequence now.
    public let sequence: UInt64
    /// The catch-up ended (caught up, or stopped).
    public let finished: Bool
}
