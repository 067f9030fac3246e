import BatchVerify
import Foundation
public import Ristretto255
import Synchronization
public import HTTP1
public import Ledger
import ZKPayCore

/// The validator: the ledger behind the HTTP API of docs/notes/http-api.md.
///
/// Threads: the HTTP server's event loop (parses, routes, answers), a worker pool
/// (decoding and proof verification), one sequencer (owns the ledger: batches, group
/// commit, reads) with its one verifier thread (hands each batch's proof checks to the
/// workers while the sequencer applies the batch before) and the event hub's heartbeat. Pipeline design: docs/notes/validator.md.
public final class ValidatorService: Sendable {
    /// Service parameters.
    public struct Configuration: Sendable {
        /// Listen address.
        public var host: String
        /// Listen port (0: the kernel picks one; see `port`).
        public var port: UInt16
        /// Verification and decoding threads.
        public var workers: Int
        /// Most transfers in one batch.
        public var batchMax: Int
        /// Longest a batch waits to fill under load, in milliseconds (never when idle).
        public var batchWaitMilliseconds: Double
        /// Most transfers and mints admitted and not yet batched; beyond: 503 queue_full.
        public var queueCapacity: Int
        /// Seconds between heartbeat comments on event streams.
        public var heartbeatInterval: Double
        /// HTTP limits (`Routes.limits()`: each route's body limit, checked before buffering).
        public var limits: Limits
        /// Log file options.
        public var logOptions: LogOptions
        /// The arithmetic backend of decoding, verification, the audit and receipt hashing
        /// (one the CPU runs: the executable checks its choice).
        public var backend: Backend
        /// Most log records one replay step of an event stream reads before queued batches
        /// get their turn.
        public var replaySliceRecords: Int = 1024
        /// The cluster this validator joins (nil: a validator on its own, the default).
        public var cluster: ClusterOptions?
        /// Where the service reports what it does on its own (replication: elections,
        /// refused batches); the executable prints it.
        public var log: @Sendable (String) -> Void = { _ in }
        /// Where a cluster validator reports how far it has come while it catches up with the
        /// log (from etcd or a peer's log), for a progress display; `log` still says when it
        /// starts and ends.
        public var catchUpProgress: @Sendable (CatchUpProgress) -> Void = { _ in }
        /// The live figures of `GET /v1/stats/stream`.
        public var stats = StatsOptions()

        /// Defaults: 127.0.0.1:7878, one worker per active core, batches of up to 256
        /// transfers waiting at most 2 ms, 8192 queued, heartbeat every 15 s.
        public init(host: String = "127.0.0.1", port: UInt16 = 7878,
                    workers: Int? = nil, batchMax: Int = 256,
                    batchWaitMilliseconds: Double = 2, queueCapacity: Int = 8192, heartbeatInterval: Double = 15,
                    limits: Limits = Routes.limits(), logOptions: LogOptions = LogOptions(),
                    backend: Backend = .portable) {
            self.host = host
            self.port = port
            self.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
            self.batchMax = batchMax
            self.batchWaitMilliseconds = batchWaitMilliseconds
            self.queueCapacity = queueCapacity
            self.heartbeatInterval = heartbeatInterval
            self.limits = limits
            self.logOptions = logOptions
            self.backend = backend
        }
    }

    /// The bound port.
    public let port: UInt16
    /// The configuration it runs with.
    public let configuration: Configuration
    let server: Server
    let sequencer: Sequencer
    let hub: EventHub
    let workers: WorkerPool
    let metrics: Metrics
    let stats: StatsHub
    let router: Router
    let replication: Replication?
    /// The cluster's receipt certificates (nil for a validator on its own).
    let certifier: Certifier?

    /// Opens the ledger (recovering it) and starts serving.
    /// - Parameter openStorage: called once, on the sequencer thread, which then owns the storage.
    /// - Throws: errors opening the ledger (`GenesisError`, ...) or binding the socket (`SocketError`).
    public init(openStorage: @escaping @Sendable () throws -> any Storage, configuration: Configuration) throws {
        self.configuration = configuration
        // The precomputed generator table (B, B~, G_i, H_i) is built on first use; build it
        // now so that the first transfer after start is not held back by it.
        _ = Generators.vartimeTable
        let workers = WorkerPool(count: configuration.workers, name: "zkpay.verify")
        let metrics = Metrics(fsyncStallSeconds: configuration.stats.fsyncStallSeconds)
        let hub = EventHub(heartbeatInterval: configuration.heartbeatInterval)
        let policy = BatchPolicy(maxTransfers: max(1, configuration.batchMax),
                                 maxWaitNanos: UInt64(max(0, configuration.batchWaitMilliseconds) * 1e6),
                                 capacity: max(1, configuration.queueCapacity))
        let sequencer: Sequencer
        do {
            sequencer = try Sequencer(openStorage: openStorage, logOptions: configuration.logOptions,
                                      backend: configuration.backend, policy: policy, workers: workers, hub: hub,
                                      metrics: metrics)
        } catch {
            workers.stop()
            hub.stop()
            throw error
        }
        // A validator on its own signs every receipt: its key must be in office.
        let opened = sequencer.summary
        if configuration.cluster == nil,
           !opened.authorities.authority(at: opened.sequence &+ 1).validators.contains(where: { $0.publicKey == sequencer.receiptPublicKey })
        {
            sequencer.stop()
            workers.stop()
            hub.stop()
            throw ValidatorStartError.notAValidator
        }
        var replication: Replication?
        var certifier: Certifier?
        if let cluster = configuration.cluster {
            do {
                let certificates = Mutex<Certifier?>(nil)
                // Snapshots at the cluster's interval: the log's batches leave etcd once a
                // quorum holds them in a snapshot. Set before any batch is applied.
                _ = sequencer.read { ledger in ledger.snapshotInterval = cluster.snapshotRecords }
                let r = try Replication(options: cluster, genesis: sequencer.genesis,
                                        summary: { sequencer.summary },
                                        receipt: { sequence in
                                            let found = Mutex<Receipt?>(nil)
                                            let done = DispatchSemaphore(value: 0)
                                            guard sequencer.read({ ledger in
                                                found.withLock { $0 = ledger.receipts.receipt(at: sequence) }
                                                done.signal()
                                            }) else { return nil }
                                            done.wait()
                                            return found.withLock { $0 }
                                        },
                                        apply: { batch in
                                            let result = sequencer.applyReplicated(batch)
                                            // A follower signs every batch it applies: its signature goes to the peers.
                                            if case .success = result, let c = certificates.withLock({ $0 }) {
                                                _ = sequencer.read { ledger in
                                                    if let receipt = ledger.receipts.receipt(at: batch.firstSequence) { c.announce(receipt) }
                                                }
                                            }
                                            return result
                                        }, log: configuration.log, progress: configuration.catchUpProgress)
                // A validator whose key is in no authority yet (one joining by a statement)
                // follows and applies without signing until a statement puts it in office.
                let c = Certifier(chain: sequencer.genesis.chainID, ownKey: sequencer.receiptPublicKey,
                                  authorities: { sequencer.summary.authorities }, peers: { r.peerURLs() })
                certificates.withLock { $0 = c }
                sequencer.certifier.withLock { $0 = c }
                replication = r
                certifier = c
            } catch {
                sequencer.stop()
                workers.stop()
                hub.stop()
                throw error
            }
            sequencer.replication.withLock { $0 = replication }
        }
        let stats = StatsHub(options: configuration.stats, sequencer: sequencer, metrics: metrics)
        let router = Router(sequencer: sequencer, hub: hub, stats: stats, metrics: metrics, workers: workers,
                            backend: configuration.backend, replaySliceRecords: UInt64(max(1, configuration.replaySliceRecords)),
                            replication: replication, certifier: certifier)
        let server: Server
        do {
            server = try Server(host: configuration.host, port: configuration.port, limits: configuration.limits) {
                request, responder in router.handle(request, responder)
            }
        } catch {
            stats.stop()
            sequencer.stop()
            workers.stop()
            hub.stop()
            throw error
        }
        router.server.withLock { $0 = server }
        certifier?.start()
        replication?.start()
        self.replication = replication
        self.certifier = certifier
        self.server = server
        self.port = server.port
        self.sequencer = sequencer
        self.hub = hub
        self.workers = workers
        self.metrics = metrics
        self.stats = stats
        self.router = router
    }

    /// The ledger sequence as of the last batch.
    public var sequence: UInt64 { sequencer.summary.sequence }
    /// Worker threads.
    public var workerCount: Int { workers.count }
    /// What recovery found when the ledger was opened.
    public var recovery: RecoveryReport { sequencer.recovery }
    /// The receipt public key.
    public var receiptPublicKey: [UInt8] { sequencer.receiptPublicKey }

    /// Graceful shutdown, in order: stop accepting connections and work (later submissions
    /// get 503 shutting_down), settle and answer every transfer already admitted (their
    /// batches fsynced, their events published), end the event streams, drain the HTTP
    /// server (answers still being written go out; idle connections close), stop the
    /// threads. Reports each step through `progress`. Safe to call more than once.
    public func shutdown(gracePeriod: Double = 10, progress: (String) -> Void = { _ in }) {
        progress("shutdown: no new connections or submissions")
        server.stopAccepting()
        if let replication {
            replication.stop()
            progress("shutdown: left the cluster (a leader gives its lease up)")
        }
        sequencer.stop()
        certifier?.stop()
        progress("shutdown: queued transfers settled and answered; ledger at sequence \(sequencer.summary.sequence)")
        hub.stop()
        stats.stop()
        progress("shutdown: event streams ended")
        server.shutdown(gracePeriod: gracePeriod)
        progress("shutdown: HTTP server stopped")
        workers.stop()
        progress("shutdown: done")
    }

    /// Runs `body` with the ledger on the sequencer thread and returns its result (tests and
    /// tools: inspection between batches).
    func withLedger<T: Sendable>(_ body: @escaping @Sendable (Ledger) -> T) -> T? {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        guard sequencer.read({ ledger in
            result.withLock { $0 = body(ledger) }
            done.signal()
        }) else { return nil }
        done.wait()
        return result.withLock { $0 }
    }
}

/// Why a validator cannot start.
public enum ValidatorStartError: Error, CustomStringConvertible {
    /// The data directory's key is not one of the validators in office, and the validator runs
    /// on its own (it could sign no receipt).
    case notAValidator

    public var description: String {
        switch self {
        case .notAValidator:
            "this data directory's key is not one of the validators in office on its ledger, and a validator on its own "
                + "must sign every receipt; run it in its cluster (validator run --cluster ETCD_URL,...), where it follows the log until a statement puts it in office"
        }
    }
}
