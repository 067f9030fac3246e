public import Ristretto255
public import Sodium
public import ZKPayCore

/// The durable settlement ledger: genesis, receipt key, write-ahead log and snapshots in
/// one storage directory, and the `LedgerState` they rebuild.
///
/// Every settled transfer or mint is one log record:
///
///     receipt (`Receipt.bytes`, self-delimiting) ‖ canonical transfer or mint bytes
///
/// so the record sequence equals the receipt sequence. The objects one ordered batch
/// settles (`settle`, `submit`) are one signed receipt batch (one Merkle root, one Ed25519
/// signature of this validator) and one log append: the state applies the batch without a
/// key, then this type signs the root. A batch is acknowledged (its
/// outcomes returned) only after its records are durable (one fsync). Opening replays
/// the records after the latest snapshot through the same `LedgerState.apply`, batch by
/// logged batch, without verifying proofs again (they were verified before they were
/// logged), and checks that every replayed receipt matches the rebuilt entry and root.
///
/// One writer: the type is not `Sendable`, so one thread or actor at a time holds it (the
/// validator's sequencer thread opens it and keeps it).
public final class Ledger {
    /// The ledger's parameters.
    public let genesis: Genesis
    /// The settled state (always the state after the last durable record).
    public internal(set) var state: LedgerState
    /// The receipts of every settled object (signed by this validator's key, or logged by it).
    public internal(set) var receipts: SettledReceipts
    /// The storage directory.
    public let storage: any Storage
    /// The backend of the proof checks, the audit and receipt hashing (chosen by the executable).
    public var backend: Backend { state.backend }
    /// What recovery found when the ledger was opened.
    public let recovery: RecoveryReport
    /// A snapshot is written after a batch once this many records follow the last one.
    public var snapshotInterval: UInt64 = 100_000
    /// How long the last batch's log append (one write and one fsync) took.
    public private(set) var lastAppendDuration: Duration = .zero
    /// The error of the last snapshot attempt, if it failed (the batch itself stayed acknowledged).
    public private(set) var lastSnapshotError: LedgerError?
    let log: WriteAheadLog
    /// This validator's receipt signer.
    public let signer: ReceiptSigner

    /// Writes a new one-validator ledger (genesis naming one validator, `name`, whose key
    /// comes from `receiptKeySeed`) into `storage`.
    /// - Throws: `alreadyInitialized` if a genesis file exists; `storage` for I/O failures.
    @discardableResult
    public static func initialize(storage: any Storage, issuer: Address, minimumFee: UInt64,
                                  currency: String = Genesis.noCurrency, decimals: UInt8 = Genesis.defaultDecimals,
                                  name: String = "v1", auditors: [AuditorKey] = [],
                                  receiptKeySeed: SecretBytes = SecretBytes(randomCount: 32))
        throws(GenesisError) -> Genesis
    {
        let key: ReceiptKey
        do { key = try ReceiptKey(seed: receiptKeySeed) } catch { throw GenesisError.badReceiptKey("\(error)") }
        let genesis: Genesis
        do {
            genesis = try Genesis(issuer: issuer, minimumFee: minimumFee, currency: currency, decimals: decimals,
                                  validators: [GenesisValidator(name: name, publicKey: key.publicKey)], auditors: auditors)
        } catch { throw .damaged(error.description) }
        try initialize(storage: storage, genesis: genesis, receiptKeySeed: receiptKeySeed)
        return genesis
    }

    /// Writes `genesis` and this validator's key seed (mode 0600) into `storage`. The key must
    /// be one of the genesis's validators, or, for a validator `joining` later by an authority
    /// statement (docs/PROTOCOL.md §7.12), none of them: such a validator follows the log
    /// without signing until a statement puts its key in office.
    /// - Throws: `alreadyInitialized` if a genesis file exists; `badReceiptKey` if the key is
    ///   not a validator's (or, joining, is one); `storage` for I/O failures.
    public static func initialize(storage: any Storage, genesis: Genesis, receiptKeySeed: SecretBytes,
                                  joining: Bool = false) throws(GenesisError) {
        do {
            let names = try storage.list()
            guard !names.contains(Genesis.fileName) else { throw GenesisError.alreadyInitialized }
            let key: ReceiptKey
            do { key = try ReceiptKey(seed: receiptKeySeed) } catch { throw GenesisError.badReceiptKey("\(error)") }
            switch (genesis.validatorIndex(publicKey: key.publicKey), joining) {
            case (nil, false): throw GenesisError.badReceiptKey("the key is not one of the genesis's validators")
            case (.some, true): throw GenesisError.badReceiptKey("a joining validator's key is already one of the genesis's validators")
            default: break
            }
            var seed = receiptKeySeed.withUnsafeBytes { Array($0) }
            defer { secureZero(&seed) }
            // Key first: a genesis file without its key would be an unusable ledger.
            try writeDurably(storage, Genesis.keyFileName, seed)
            try writeDurably(storage, Genesis.fileName, genesis.bytes)
            try storage.syncDirectory()
        } catch let e as GenesisError {
            throw e
        } catch let e as LedgerError {
            throw .storage(e)
        } catch {
            throw .storage(.logUnusable(reason: "\(error)"))
        }
    }

    static func writeDurably(_ storage: any Storage, _ name: String, _ bytes: [UInt8]) throws(LedgerError) {
        let f = try storage.open(name, create: true)
        defer { storage.close(f) }
        try storage.truncate(f, to: 0)
        try storage.write(f, at: 0, bytes)
        try storage.sync(f)
    }

    static func readAll(_ storage: any Storage, _ name: String) throws(LedgerError) -> [UInt8]? {
        guard try storage.list().contains(name) else { return nil }
        let f = try storage.open(name, create: false)
        defer { storage.close(f) }
        let size = try storage.size(of: f)
        guard size <= 1 << 20 else { return Array(repeating: 0, count: 1 << 20 + 1) }
        return try storage.read(f, at: 0, count: Int(size))
    }

    /// Reads and checks the genesis file of `storage` without opening the log.
    /// - Throws: `missing`, `notGenesis`, `unsupportedVersion`, `damaged`, `storage`.
    public static func readGenesis(storage: any Storage) throws(GenesisError) -> Genesis {
        let bytes: [UInt8]?
        do { bytes = try readAll(storage, Genesis.fileName) } catch { throw .storage(error) }
        guard let bytes else { throw .missing }
        do { return try Genesis(bytes: bytes) } catch {
            switch error {
            case .notGenesis: throw .notGenesis
            case let .unsupportedVersion(found): throw .unsupportedVersion(found: found)
            case let .damaged(reason): throw .damaged(reason)
            }
        }
    }

    /// Opens the ledger in `storage`: checks genesis and key, loads the snapshot, replays
    /// the log (cutting a torn tail, refusing corruption).
    /// - Parameter backend: the backend of the proof checks and the audit (one the CPU runs).
    /// - Throws: `GenesisError` (with `.storage` wrapping log and recovery errors).
    public init(storage: any Storage, options: LogOptions = LogOptions(), backend: Backend = .portable)
        throws(GenesisError) {
        let genesis = try Self.readGenesis(storage: storage)
        let seed: [UInt8]?
        do { seed = try Self.readAll(storage, Genesis.keyFileName) } catch { throw .storage(error) }
        guard var seed else { throw .badReceiptKey("the key file is missing") }
        defer { secureZero(&seed) }
        guard seed.count == 32 else { throw .badReceiptKey("it is \(seed.count) bytes, expected 32") }
        let key: ReceiptKey
        do { key = try ReceiptKey(seed: SecretBytes(copying: seed)) } catch { throw .badReceiptKey("\(error)") }
        var state = LedgerState(genesis: genesis, backend: backend)
        var settled = SettledReceipts()
        // Replay goes through the live path, `LedgerState.apply`, one logged batch at a time
        // (the records of one signed receipt batch; a version-1 receipt is a batch of its own).
        var objects: [LoggedObject] = []
        var receipts: [Receipt] = []
        func replayBatch() throws(LedgerError) {
            guard let first = receipts.first else { return }
            let applied = state.apply(OrderedBatch(time: first.time, logged: objects))
            try settled.seal(applied, logged: receipts)
            objects.removeAll(keepingCapacity: true)
            receipts.removeAll(keepingCapacity: true)
        }
        do {
            let (log, report) = try WriteAheadLog.open(
                storage: storage, options: options,
                restore: { (s: Snapshot) throws(LedgerError) in
                    settled = SettledReceipts()
                    state = try LedgerState(genesis: genesis, snapshot: s.payload, receipts: &settled, backend: backend)
                    guard state.sequence == s.sequence else {
                        throw .corruptSnapshot(path: LogFormat.snapshotName, reason: "state sequence differs")
                    }
                },
                replay: { (record: LogRecord) throws(LedgerError) in
                    let (object, receipt) = try Self.decodeRecord(record)
                    if let last = receipts.last, receipt.batchFirst != last.batchFirst || receipt.time != last.time {
                        try replayBatch()
                    }
                    objects.append(object)
                    receipts.append(receipt)
                    if receipt.sequence == receipt.batchFirst + UInt64(receipt.batchSize) - 1 { try replayBatch() }
                })
            // A torn tail may end inside a batch: its durable records are applied as they are.
            try replayBatch()
            self.log = log
            self.recovery = report
        } catch { throw .storage(error) }
        self.genesis = genesis
        self.state = state
        self.receipts = settled
        self.storage = storage
        signer = ReceiptSigner(key: key, chain: genesis.chainID)
    }

    /// Splits a log record into the settled object and its receipt.
    static func decodeRecord(_ record: LogRecord) throws(LedgerError) -> (LoggedObject, Receipt) {
        let p = record.payload
        do {
            let (receipt, length) = try Receipt.decodePrefix(of: p)
            guard receipt.sequence == record.sequence else {
                throw LedgerError.replayRejected(sequence: record.sequence, reason: "receipt sequence differs")
            }
            guard length < p.count else {
                throw LedgerError.replayRejected(sequence: record.sequence, reason: "the record holds no object after its receipt")
            }
            let body = p[length...]
            // Ids are derived from the logged bytes (never taken from the receipt), so replay
            // settles exactly what the bytes say; `seal(_:logged:)` then checks the receipt.
            switch receipt.kind {
            case .transfer: return (.transfer(try TransferFacts.parse(body)), receipt)
            case .mint: return (.mint(try Mint(bytes: body)), receipt)
            case .redemption: return (.redemption(RedemptionFacts(try Redemption(bytes: body))), receipt)
            case .authority: return (.authority(try AuthorityStatement(bytes: Array(body))), receipt)
            }
        } catch let e as LedgerError {
            throw e
        } catch {
            throw .replayRejected(sequence: record.sequence, reason: "\(error)")
        }
    }

    /// This validator's public key.
    public var receiptPublicKey: [UInt8] { signer.key.publicKey }

    /// Verifies `transfers` against the current state and settles the verified ones, in
    /// order, durably.
    /// - Returns: one outcome per transfer, after the batch is durable.
    /// - Throws: a storage error if the batch could not be made durable: then nothing of
    ///   the batch is settled, the state is as before, and reads keep working.
    ///   (`logUnusable`: the outcome of the batch is unknown until the ledger is reopened.)
    public func submit(_ transfers: [Transfer], time: UInt64) throws(LedgerError) -> [Outcome] {
        try submit(verified: state.verifyVartime(transfers), time: time)
    }

    /// Settles already verified transfers (see `LedgerState.verifyVartime`) durably; the
    /// settled ones get their receipts from one signed batch.
    public func submit(verified batch: [Verification], time: UInt64) throws(LedgerError) -> [Outcome] {
        try settle(OrderedBatch(time: time, transfers: batch)).outcomes
    }

    /// Verifies and settles a mint durably (a one-leaf receipt batch).
    /// - Throws: as `submit(_:time:)`.
    public func submit(mint: Mint, time: UInt64) throws(LedgerError) -> Outcome {
        try submit(mints: [mint], time: time)[0]
    }

    /// Verifies and settles mints in order, durably, with one fsync and one signed receipt batch.
    /// - Throws: as `submit(_:time:)`.
    public func submit(mints: [Mint], time: UInt64) throws(LedgerError) -> [Outcome] {
        try settle(OrderedBatch(time: time, mints: mints)).outcomes
    }

    /// Checks an authority statement against the chain (§7.12) and settles it durably, alone
    /// in its batch; the authority it states governs from its effective sequence.
    /// - Throws: as `submit(_:time:)`.
    public func submit(authority statement: AuthorityStatement, time: UInt64) throws(LedgerError) -> Outcome {
        try settle(OrderedBatch(time: time, authorities: [statement])).outcomes[0]
    }

    /// Verifies and settles redemptions in order, durably, with one fsync and one signed
    /// receipt batch (each is verified against the state the ones before it left).
    /// - Throws: as `submit(_:time:)`.
    public func submit(redemptions: [Redemption], time: UInt64) throws(LedgerError) -> [Outcome] {
        try settle(OrderedBatch(time: time, redemptions: redemptions)).outcomes
    }

    /// Applies `batch` to the state (`LedgerState.apply`), signs its receipt trees with the
    /// receipt key, and appends the settled items' records (receipt ‖ object) with one
    /// fsync; undoes the batch if that fails.
    ///
    /// With `replicate` (a validator of a cluster that leads), the settled items go to the
    /// replicated log first, as one `ReplicatedBatch`: only a batch the log committed is
    /// written here and acknowledged; if `replicate` throws, the batch is undone and nothing
    /// of it settles.
    /// - Returns: each item's outcome and the batch's events, once the batch is durable.
    /// - Throws: as `submit(_:time:)`, or what `replicate` threw.
    public func settle(_ batch: OrderedBatch, replicate: ((ReplicatedBatch) throws(LedgerError) -> Void)? = nil)
        throws(LedgerError) -> (outcomes: [Outcome], events: BatchEvents)
    {
        // What the replicated batch states about the chain before it (read only when one is sent).
        let previous = replicate == nil ? [] : state.chainHash
        let first = state.sequence + 1
        // What a failed batch must leave behind (checked by the verification assertions).
        let before = (sequence: state.sequence, unspent: state.unspent.count, receipts: receipts.count)
        let applied = state.apply(batch)
        let outcomes = receipts.seal(applied, signatures: applied.signatures(signer: signer))
        assert(UInt64(receipts.count) == state.sequence && (receipts.all.last?.chainHashSlice.elementsEqual(state.chainHash) ?? true),
               "every settled sequence has its receipt, the last one ending at the state's chain hash")
        var payloads: [LogPayload] = []
        payloads.reserveCapacity(applied.pending.settledCount)
        for (i, outcome) in outcomes.enumerated() {
            if case let .settled(r) = outcome, let bytes = batch.objectBytes(i) {
                payloads.append(LogPayload(head: r.bytes, body: bytes))
            }
        }
        if let replicate, !payloads.isEmpty, let kind = batch.replicatedKind {
            let record = ReplicatedBatch(firstSequence: first, time: batch.time, kind: kind, previousChainHash: previous,
                                         chainHash: state.chainHash, items: payloads.map(\.body))
            do { try replicate(record) } catch {
                state.undo(applied.pending)
                receipts.removeLast(applied.pending.settledCount)
                assert(state.sequence == before.sequence && state.unspent.count == before.unspent
                       && receipts.count == before.receipts && state.chainHash.elementsEqual(previous),
                       "a batch the log refused leaves nothing behind")
                throw error
            }
        }
        do { try commit(payloads, applied.pending) } catch {
            assert(state.sequence == before.sequence && state.unspent.count == before.unspent && receipts.count == before.receipts,
                   "a batch whose append failed leaves nothing behind")
            throw error
        }
        return (outcomes, applied.events)
    }

    func commit(_ payloads: [LogPayload], _ pending: LedgerState.PendingBatch) throws(LedgerError) {
        guard !payloads.isEmpty else { return }
        let started = ContinuousClock.now
        defer { lastAppendDuration = ContinuousClock.now - started }
        do {
            _ = try log.append(payloads: payloads)
        } catch {
            state.undo(pending)
            receipts.removeLast(pending.settledCount)
            throw error
        }
        if state.sequence - log.snapshotSequence >= snapshotInterval {
            do {
                try snapshot()
                lastSnapshotError = nil
            } catch { lastSnapshotError = error }
        }
    }

    /// Writes a snapshot of the current state. Log files are kept (not compacted): they are
    /// the source of the per-address event streams, readable from any sequence; the
    /// snapshot bounds recovery time.
    public func snapshot() throws(LedgerError) {
        try log.writeSnapshot(snapshotBytes, through: state.sequence)
    }

    /// The supply audit over the current state.
    public func auditVartime() -> AuditResult { state.auditVartime() }

    /// The last sequence the durable snapshot covers (0: none yet). A cluster deletes the
    /// replicated log's batches that a quorum of validators hold in a snapshot.
    public var snapshotSequence: UInt64 { log.snapshotSequence }

    /// The snapshot payload of the current state and its receipts.
    public var snapshotBytes: [UInt8] { state.snapshotBytes(receipts: receipts) }

    /// The receipt of a settled transfer or mint.
    public func receipt(for id: [UInt8]) -> Receipt? { state.settledSequence(of: id).flatMap(receipts.receipt(at:)) }
}
