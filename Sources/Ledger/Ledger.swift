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
/// so the record sequence equals the receipt sequence. The objects one `submit` call
/// settles are one signed receipt batch (one Merkle root, one Ed25519 signature; version-2
/// receipts) and one log append. Logs written before version 2 hold version-1 receipts (147
/// bytes, one signature each); both are read. A batch is acknowledged (its
/// outcomes returned) only after its records are durable (one fsync). Opening replays
/// the records after the latest snapshot without verifying proofs again (they were
/// verified before they were logged) and checks that every replayed receipt matches the
/// rebuilt chain hash.
///
/// One writer: the type is not `Sendable`; an owning actor serialises calls.
public final class Ledger {
    /// The ledger's parameters.
    public let genesis: Genesis
    /// The settled state (always the state after the last durable record).
    public internal(set) var state: LedgerState
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
    let key: ReceiptKey

    /// Writes a new ledger's genesis file and receipt key (mode 0600) into `storage`.
    /// - Throws: `alreadyInitialized` if a genesis file exists; `storage` for I/O failures.
    @discardableResult
    public static func initialize(storage: any Storage, issuer: Address, minimumFee: UInt64,
                                  receiptKeySeed: SecretBytes = SecretBytes(randomCount: 32))
        throws(GenesisError) -> Genesis
    {
        do {
            let names = try storage.list()
            guard !names.contains(Genesis.fileName) else { throw GenesisError.alreadyInitialized }
            let key: ReceiptKey
            do { key = try ReceiptKey(seed: receiptKeySeed) } catch { throw GenesisError.badReceiptKey("\(error)") }
            let genesis = Genesis(issuer: issuer, minimumFee: minimumFee, receiptPublicKey: key.publicKey)
            var seed = receiptKeySeed.withUnsafeBytes { Array($0) }
            defer { secureZero(&seed) }
            // Key first: a genesis file without its key would be an unusable ledger.
            try writeDurably(storage, Genesis.keyFileName, seed)
            try writeDurably(storage, Genesis.fileName, genesis.bytes)
            try storage.syncDirectory()
            return genesis
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
        return try Genesis(bytes: bytes)
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
        guard key.publicKey == genesis.receiptPublicKey else {
            throw .badReceiptKey("it does not match the receipt public key in \(Genesis.fileName)")
        }
        let issuer = genesis.issuer.spendKey
        var state = LedgerState(issuer: issuer, minimumFee: genesis.minimumFee, initialChainHash: genesis.checksum,
                                backend: backend)
        do {
            let (log, report) = try WriteAheadLog.open(
                storage: storage, options: options,
                restore: { (s: Snapshot) throws(LedgerError) in
                    state = try LedgerState(issuer: issuer, minimumFee: genesis.minimumFee, snapshot: s.payload, backend: backend)
                    guard state.sequence == s.sequence else {
                        throw .corruptSnapshot(path: LogFormat.snapshotName, reason: "state sequence differs")
                    }
                },
                replay: { (record: LogRecord) throws(LedgerError) in
                    let (object, receipt) = try Self.decodeRecord(record)
                    try state.replay(object, receipt: receipt)
                })
            self.log = log
            self.recovery = report
        } catch { throw .storage(error) }
        self.genesis = genesis
        self.state = state
        self.storage = storage
        self.key = key
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
            switch receipt.kind {
            // The transfer id is the receipt's: both were written together at settlement
            // (the id computed from the verified transfer) and the record's checksum binds
            // them; replay trusts the log for this as it does for the proofs. Hashing the
            // whole transfer again cost ~1.5 µs of the ~10 µs a replayed record takes.
            case .transfer: return (.transfer(try TransferFacts.parse(body, id: TransferID(uncheckedBytes: receipt.id))), receipt)
            case .mint: return (.mint(try Mint(bytes: body)), receipt)
            }
        } catch let e as LedgerError {
            throw e
        } catch {
            throw .replayRejected(sequence: record.sequence, reason: "\(error)")
        }
    }

    /// The receipt public key.
    public var receiptPublicKey: [UInt8] { key.publicKey }

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
        state.reserveCapacity(settling: batch)
        return try settle(batch, ahead: { item, step in
            if case let .verified(v) = item { if step == 0 { v.prefetchObject() } else { v.prefetchArrays() } }
        }) { item, pending in
            switch item {
            case let .verified(v): state.stage(v, time: time, into: &pending)
            case let .finalized(r): pending.decide(.finalized(r))
            case let .rejected(e): pending.decide(.rejected(e))
            }
        } object: { item in
            if case let .verified(v) = item { v.transfer.bytes } else { nil }
        }
    }

    /// Verifies and settles a mint durably (a one-leaf receipt batch).
    /// - Throws: as `submit(_:time:)`.
    public func submit(mint: Mint, time: UInt64) throws(LedgerError) -> Outcome {
        try submit(mints: [mint], time: time)[0]
    }

    /// Verifies and settles mints in order, durably, with one fsync and one signed receipt batch.
    /// - Throws: as `submit(_:time:)`.
    public func submit(mints: [Mint], time: UInt64) throws(LedgerError) -> [Outcome] {
        try settle(mints) { mint, pending in
            let v: VerifiedMint
            do throws(LedgerRejection) { v = try state.verifyVartime(mint) } catch { return pending.decide(.rejected(error)) }
            state.stage(v, time: time, into: &pending)
        } object: { $0.bytes }
    }

    /// Stages every item (`stage`), signs the settled ones' receipts as one batch, and appends
    /// their records (receipt ‖ `object(item)`) with one fsync; undoes the batch if that fails.
    /// `ahead(item, 0)` is called eight items before `stage(item)` and `ahead(item, 1)` four
    /// items before (to prefetch what staging reads, in two steps).
    private func settle<Item>(_ items: [Item], ahead: (Item, Int) -> Void = { _, _ in },
                              stage: (Item, inout LedgerState.PendingBatch) -> Void,
                              object: (Item) -> [UInt8]?) throws(LedgerError) -> [Outcome]
    {
        var pending = LedgerState.PendingBatch(capacity: items.count)
        let near = 4, far = 8
        // Items are read in place (a copy of an item costs a retain and a release).
        items.withUnsafeBufferPointer { items in
            for i in 0..<Swift.min(far, items.count) { ahead(items[i], 0) }
            for i in 0..<Swift.min(near, items.count) { ahead(items[i], 1) }
            for i in items.indices {
                if i + far < items.count { ahead(items[i + far], 0) }
                if i + near < items.count { ahead(items[i + near], 1) }
                stage(items[i], &pending)
            }
        }
        let outcomes = state.seal(pending, key: key)
        var payloads: [LogPayload] = []
        payloads.reserveCapacity(pending.settledCount)
        items.withUnsafeBufferPointer { items in
            for i in items.indices {
                if case let .settled(r) = outcomes[i], let bytes = object(items[i]) {
                    payloads.append(LogPayload(head: r.bytes, body: bytes))
                }
            }
        }
        try commit(payloads, pending)
        return outcomes
    }

    /// A log record's payload: the receipt, then the object's canonical bytes.
    package static func record(_ receipt: Receipt, _ object: [UInt8]) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(receipt.bytes.count + object.count)
        payload += receipt.bytes
        payload += object
        return payload
    }

    func commit(_ payloads: [LogPayload], _ pending: LedgerState.PendingBatch) throws(LedgerError) {
        guard !payloads.isEmpty else { return }
        let started = ContinuousClock.now
        defer { lastAppendDuration = ContinuousClock.now - started }
        do {
            _ = try log.append(payloads: payloads)
        } catch {
            state.undo(pending)
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
        try log.writeSnapshot(state.snapshotBytes, through: state.sequence)
    }

    /// The supply audit over the current state.
    public func auditVartime() -> AuditResult { state.auditVartime() }

    /// The receipt of a settled transfer or mint.
    public func receipt(for id: [UInt8]) -> Receipt? { state.receipt(for: id) }
}
