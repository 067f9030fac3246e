public import Ristretto255
import Sodium
public import ZKPayCore

/// The settlement state: unspent notes, supply, fee pool and chain hash, and the rules
/// that move it forward (docs/DESIGN.md, "State"; docs/notes/ledger-state.md).
///
/// Chain hash: `h_0` is given at creation (the genesis checksum for a durable ledger);
/// after the n-th settled object (transfer or mint) `h_n = BLAKE2b-256(key =
/// "zkpay/ledger-chain/v1", h_{n-1} ‖ id_n)` where `id_n` is the transfer or mint id
/// (the two id kinds are themselves domain separated, so they never collide). Two
/// ledgers that settled the same objects in the same order have the same chain hash.
///
/// Notes and excesses are held as their canonical encodings: applying and replaying
/// compare and copy bytes and never decode a point (only verification and the audit do).
public struct LedgerState: Sendable {
    /// The domain key of the chain hash.
    public static let chainDomain = "zkpay/ledger-chain/v1"
    /// `chainDomain` as key bytes (built once, not on every settlement).
    static let chainKey = Array(chainDomain.utf8)
    /// The chain hash's keyed BLAKE2b, its key block compressed once.
    static let chainHasher = KeyedBLAKE2b(key: chainKey)

    /// The issuer whose mints this ledger accepts.
    public let issuer: RistrettoPoint
    /// The minimum fee of a transfer.
    public let minimumFee: UInt64
    /// The arithmetic backend of this state's proof checks (`verifyVartime`), audit and
    /// receipt hashing (the receipt tree's leaves and nodes, eight at a time on the IFMA
    /// lanes): the one the executable chose, given by the owner when it builds the state.
    public let backend: Backend
    /// Unspent notes by id: the output encoding (owner 32 ‖ commitment 32 ‖ memo 153), the
    /// creation position and the owner index, in one compact store (`UnspentNotes`).
    public internal(set) var unspent = UnspentNotes()
    /// Spent notes and the transfer that spent each (names the spender in double-spend errors).
    public internal(set) var spentBy = SpentNotes()
    /// Σ minted amounts.
    public internal(set) var minted: UInt64 = 0
    /// Σ fees of settled transfers (the fee pool).
    public internal(set) var feePool: UInt64 = 0
    /// Σ blindings of minted outputs (public, since mint blindings are public).
    public internal(set) var mintBlindingSum = Scalar.zero
    /// The excess encodings E of every settled transfer, concatenated (32 bytes each), in order.
    public internal(set) var excesses: [UInt8] = []
    /// The chain hash after the last settled object.
    public internal(set) var chainHash: [UInt8]
    /// Sequence number of the last settled object (0: none yet).
    public internal(set) var sequence: UInt64 = 0
    /// The sequence of every settled object by its id (idempotent resubmission): fixed-size
    /// keys, hashed as four words.
    private var settledSequences = IDMap<UInt64>()
    /// The receipts, by sequence: `receiptLog[s - 1]` is the receipt of sequence `s`. While a
    /// call's batch is staged (`stage`), its objects are settled (`sequence` counts them) but
    /// unsigned: their receipts are appended when the batch is sealed (`seal`).
    private var receiptLog: [Receipt] = []
    /// Where each unspent note was created (orders an owner's notes); held by `unspent`.
    public var positions: NotePositions { NotePositions(notes: unspent) }
    /// The owner index (kept by `unspent` in step with every insert and removal: settle,
    /// undo, replay, snapshot load) as note counts by owner spend key encoding (P, 32
    /// bytes); built on each call, for tests and diagnostics.
    var byOwner: [[UInt8]: Int] { unspent.ownerCounts() }

    /// Value in notes: minted − fees (0 if a damaged state had more fees than mints; the
    /// audit then fails).
    public var supply: UInt64 { minted >= feePool ? minted - feePool : 0 }

    /// An empty state whose checks run on `backend` (one the CPU runs).
    public init(issuer: RistrettoPoint, minimumFee: UInt64, initialChainHash: [UInt8], backend: Backend = .portable) {
        self.backend = backend
        self.issuer = issuer
        self.minimumFee = minimumFee
        chainHash = initialChainHash
    }

    /// The receipt of a settled transfer or mint, by its id bytes.
    public func receipt(for id: [UInt8]) -> Receipt? {
        guard let key = Key32(id), let s = settledSequences[key] else { return nil }
        return receipt(at: s)
    }

    /// The receipt of sequence `s` (nil if not settled, or staged and not yet signed).
    func receipt(at s: UInt64) -> Receipt? {
        s >= 1 && s <= UInt64(receiptLog.count) ? receiptLog[Int(s - 1)] : nil
    }

    /// An unspent note, decoded.
    public func note(_ id: NoteID) -> Note? {
        guard let bytes = unspent.output(id) else { return nil }
        return try? Note(bytes: [Note.objectType, Note.version] + id.bytes + bytes)
    }

    /// Every unspent note owned by the spend key `owner`, ordered by (creating sequence,
    /// output index); notes restored from a version-1 snapshot (no positions) come first,
    /// in note-id order.
    public func unspentNotes(owner: RistrettoPoint) -> [Note] {
        unspent.notes(owner: owner.encoding).compactMap { id, output in
            try? Note(bytes: [Note.objectType, Note.version] + id.bytes + output)
        }
    }

    /// Number of unspent notes of `owner` (the owner index without decoding).
    public func unspentCount(owner: RistrettoPoint) -> Int { unspent.count(owner: owner.encoding) }

    /// Adds an unspent note and indexes it by owner.
    mutating func insertUnspent(_ id: NoteID, _ output: [UInt8], at position: NotePosition?) {
        unspent.insert(id, output, at: position)
    }

    /// The chain hash after settling `id` on top of `previous`.
    public static func nextChainHash(_ previous: [UInt8], _ id: [UInt8]) -> [UInt8] {
        let d = previous.withUnsafeBytes { p in id.withUnsafeBytes { chainHasher.digest(p, $0) } }
        return withUnsafeBytes(of: d) { Array($0) }
    }

    /// `nextChainHash(_:_:)` for an id held as a key.
    static func nextChainHash(_ previous: [UInt8], key id: Key32) -> [UInt8] {
        let d = previous.withUnsafeBytes { p in id.withBytes { chainHasher.digest(p, $0) } }
        return withUnsafeBytes(of: d) { Array($0) }
    }

    // MARK: Transfers

    /// Checks the ledger rules without changing anything. `verifiedInputs`: the note
    /// encodings the proofs were verified against, 217 bytes each in input order (nil on
    /// replay, where the log is trusted to hold only verified transfers and only ownership is
    /// re-checked).
    func check(_ f: TransferFacts, verifiedInputs: [UInt8]?) -> LedgerRejection? {
        guard f.fee >= minimumFee else { return .feeTooLow(fee: f.fee, minimum: minimumFee) }
        // Fees come out of minted notes, so their sum never exceeds the supply; a transfer that
        // says otherwise would overflow the pool or break the audit (replay of a crafted log).
        let (pool, overflow) = feePool.addingReportingOverflow(f.fee)
        guard !overflow, pool <= minted else { return .feeOverflow(fee: f.fee) }
        let width = Output.encodedLength
        for k in 0..<f.inputCount {
            let key = f.inputKey(k)
            if let spender = spentBy.spender(key: key) {
                return .doubleSpend(index: k, note: NoteID(uncheckedBytes: key.bytes),
                                    spentBy: TransferID(uncheckedBytes: spender.bytes))
            }
            // A slice of the store: its indices do not start at 0.
            guard let u = unspent.output(key: key) else {
                return .unknownInput(index: k, note: NoteID(uncheckedBytes: key.bytes))
            }
            guard u.count >= 64, Key32(u.prefix(32)) == f.senderKey else { return .inputMismatch(index: k) }
            // Exactly the note it was verified against (settle then keeps these bytes for undo).
            if let verifiedInputs {
                guard verifiedInputs.count >= (k + 1) * width, bytesEqual(u, verifiedInputs[(k * width)..<((k + 1) * width)])
                else { return .inputMismatch(index: k) }
            }
        }
        for j in 0..<f.outputCount {
            let key = f.outputKey(j)
            if unspent.contains(key: key) || spentBy.contains(key: key) {
                return .duplicateOutput(index: j, note: NoteID(uncheckedBytes: key.bytes))
            }
        }
        return nil
    }

    /// A note a settlement took out of the unspent set, as its undo puts it back.
    typealias RemovedNote = (key: Key32, output: ArraySlice<UInt8>, position: NotePosition?)

    /// Moves the state forward by a transfer already checked by `check`. If `undoable`, the
    /// spent notes are appended to `removed` (replay passes false: a replayed record is never
    /// undone). `inputRecords`: the input notes' output bytes when `check` compared them with
    /// the state's (the undo keeps slices of those instead of copying the state's).
    mutating func settle(_ f: TransferFacts, inputRecords: [UInt8]?, removed: inout [RemovedNote], undoable: Bool) {
        let width = Output.encodedLength
        for k in 0..<f.inputCount {
            let key = f.inputKey(k)
            if !undoable {
                unspent.discard(key: key)
            } else if let inputRecords, inputRecords.count >= (k + 1) * width {
                if let position = unspent.discard(key: key) {
                    removed.append((key, inputRecords[(k * width)..<((k + 1) * width)], position))
                }
            } else if let o = unspent.remove(key: key) {
                removed.append((key, o.output[...], o.position))
            }
            spentBy.insert(key: key, spentBy: f.idKey)
        }
        for j in 0..<f.outputCount {
            unspent.insert(key: f.outputKey(j), f.output(j), at: NotePosition(sequence: sequence + 1, index: UInt16(j)))
        }
        feePool += f.fee
        excesses.append(contentsOf: f.excess)
        sequence += 1
        chainHash = Self.nextChainHash(chainHash, key: f.idKey)
        settledSequences[f.idKey] = sequence
    }

    /// Applies one verified transfer: settled (a new receipt, a one-leaf batch), already
    /// finalized (its original receipt, nothing changes) or rejected (nothing changes).
    public mutating func apply(_ v: VerifiedTransfer, time: UInt64, key: ReceiptKey) -> Outcome {
        var pending = PendingBatch(capacity: 1)
        stage(v, time: time, into: &pending)
        return seal(pending, key: key)[0]
    }

    /// Applies a batch in order; each item is decided on its own, and an item sees the
    /// effects of the items before it (so a note spent earlier in the batch is a double
    /// spend naming that transfer). The settled items' receipts are one signed batch.
    public mutating func apply(batch: [Verification], time: UInt64, key: ReceiptKey) -> [Outcome] {
        var pending = PendingBatch(capacity: batch.count)
        reserveCapacity(settling: batch)
        for item in batch {
            switch item {
            case let .verified(v): stage(v, time: time, into: &pending)
            case let .finalized(r): pending.decide(.finalized(r))
            case let .rejected(e): pending.decide(.rejected(e))
            }
        }
        return seal(pending, key: key)
    }

    // MARK: Batches

    /// The settlements of one call before their receipts are signed: each item's outcome
    /// (settled and finalized ones by sequence, resolved by `seal`), the receipt entries and
    /// what undoes each settlement.
    struct PendingBatch {
        enum Item {
            case settled(UInt64)
            case finalized(UInt64)
            case decided(Outcome)
        }

        var items: [Item] = []
        var entries: ReceiptBatch
        /// One per settled item, in order (a failed log append undoes them newest first).
        var undos: [Undo] = []
        /// The notes the settled items spent (each undo names its range).
        var removed: [RemovedNote] = []
        /// The chain hash before the first settled item.
        var chainHashBefore: [UInt8]?

        init(capacity: Int) {
            items.reserveCapacity(capacity)
            undos.reserveCapacity(capacity)
            entries = ReceiptBatch(capacity: capacity)
        }

        /// Records an item decided without the state (already verified as finalized or rejected).
        mutating func decide(_ outcome: Outcome) { items.append(.decided(outcome)) }

        /// Number of items settled by this batch.
        var settledCount: Int { entries.count }
    }

    /// Grows the maps a batch of `items` adds to once, ahead of it, instead of step by step
    /// inside it.
    mutating func reserveCapacity(settling items: [Verification]) {
        var transfers = 0, inputs = 0
        for case let .verified(v) in items {
            transfers += 1
            inputs += v.facts.inputCount
        }
        spentBy.reserveCapacity(spentBy.count + inputs)
        settledSequences.reserveCapacity(settledSequences.count + transfers)
    }

    /// Settles a verified transfer into `batch` (or records why not) without signing.
    mutating func stage(_ v: VerifiedTransfer, time: UInt64, into batch: inout PendingBatch) {
        stage(v.facts, verifiedInputs: v.inputRecords, time: time, into: &batch)
    }

    /// As `stage(_:time:into:)` for facts (`verifiedInputs` nil: records known to be verified).
    mutating func stage(_ f: TransferFacts, verifiedInputs: [UInt8]?, time: UInt64,
                        into batch: inout PendingBatch)
    {
        if let s = settledSequences[f.idKey] { return batch.items.append(.finalized(s)) }
        if let rejection = check(f, verifiedInputs: verifiedInputs) { return batch.decide(.rejected(rejection)) }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        let first = batch.removed.count
        settle(f, inputRecords: verifiedInputs, removed: &batch.removed, undoable: true)
        batch.undos.append(Undo(id: f.idKey, removed: first..<batch.removed.count, created: f.outputKeys, fee: f.fee,
                                minted: 0, blindings: .zero, isTransfer: true))
        batch.entries.append(sequence: sequence, kind: .transfer, id: f.idKey, time: time, chainHash: chainHash)
        batch.items.append(.settled(sequence))
    }

    /// Settles a verified mint into `batch` (or records why not) without signing.
    mutating func stage(_ v: VerifiedMint, time: UInt64, into batch: inout PendingBatch) {
        if let s = settledSequences[Key32(id: v.id)] { return batch.items.append(.finalized(s)) }
        let notes = Self.mintNotes(v.mint)
        if let rejection = check(v.mint, notes: notes) { return batch.decide(.rejected(rejection)) }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        batch.undos.append(settle(v.mint, id: v.id, notes: notes))
        batch.entries.append(sequence: sequence, kind: .mint, id: Key32(id: v.id), time: time, chainHash: chainHash)
        batch.items.append(.settled(sequence))
    }

    /// Signs the staged batch's receipts (one Merkle root and one signature) and returns each
    /// item's outcome. The batch must be the last thing staged on this state.
    mutating func seal(_ batch: PendingBatch, key: ReceiptKey) -> [Outcome] {
        if batch.entries.count > 0 {
            precondition(batch.entries.first == UInt64(receiptLog.count) + 1
                             && sequence == UInt64(receiptLog.count + batch.entries.count),
                         "a sealed batch is the state's latest settlements")
            receiptLog += batch.entries.sign(key: key, backend: backend)
        }
        return batch.items.map { item in
            switch item {
            case let .settled(s): .settled(receiptLog[Int(s - 1)])
            case let .finalized(s): .finalized(receiptLog[Int(s - 1)])
            case let .decided(o): o
            }
        }
    }

    // MARK: Mints

    /// The notes of a mint as the state stores them.
    static func mintNotes(_ m: Mint) -> [(NoteID, [UInt8])] {
        m.createdNotes.map { ($0.id, outputBytes($0.output)) }
    }

    func check(_ m: Mint, notes: [(NoteID, [UInt8])]) -> LedgerRejection? {
        guard !minted.addingReportingOverflow(m.total).overflow else { return .supplyOverflow }
        for (j, note) in notes.enumerated() where unspent.contains(note.0) || spentBy.contains(note.0) {
            return .duplicateOutput(index: j, note: note.0)
        }
        return nil
    }

    @discardableResult
    mutating func settle(_ m: Mint, id: MintID, notes: [(NoteID, [UInt8])]) -> Undo {
        var blindings = Scalar.zero
        for o in m.outputs { blindings += o.blinding }
        let idKey = Key32(id: id)
        let u = Undo(id: idKey, removed: 0..<0, created: notes.map { Key32(id: $0.0) }[...], fee: 0, minted: m.total,
                     blindings: blindings, isTransfer: false)
        for (j, (n, o)) in notes.enumerated() {
            insertUnspent(n, o, at: NotePosition(sequence: sequence + 1, index: UInt16(j)))
        }
        minted += m.total
        mintBlindingSum += blindings
        sequence += 1
        chainHash = Self.nextChainHash(chainHash, id.bytes)
        settledSequences[idKey] = sequence
        return u
    }

    /// What reverses one settlement of a staged batch (`undo(_:)`).
    struct Undo {
        let id: Key32
        /// Its spent notes, in the batch's `removed`.
        let removed: Range<Int>
        let created: ArraySlice<Key32>
        let fee: UInt64
        let minted: UInt64
        let blindings: Scalar
        let isTransfer: Bool
    }

    /// Reverses every settlement of `batch`, newest first (its log append failed), with its
    /// receipts if it was sealed. The batch must be the state's latest.
    mutating func undo(_ batch: PendingBatch) {
        for u in batch.undos.reversed() {
            for n in u.created { unspent.discard(key: n) }
            for (n, o, p) in batch.removed[u.removed] {
                spentBy.remove(key: n)
                unspent.insert(key: n, o, at: p)
            }
            if u.isTransfer {
                feePool -= u.fee
                excesses.removeLast(32)
            } else {
                minted -= u.minted
                mintBlindingSum -= u.blindings
            }
            if receiptLog.count == Int(sequence) { receiptLog.removeLast() }
            settledSequences[u.id] = nil
            sequence -= 1
        }
        if let before = batch.chainHashBefore { chainHash = before }
    }

    /// Applies a verified mint (supply += its total) as a one-leaf batch.
    public mutating func apply(_ v: VerifiedMint, time: UInt64, key: ReceiptKey) -> Outcome {
        var pending = PendingBatch(capacity: 1)
        stage(v, time: time, into: &pending)
        return seal(pending, key: key)[0]
    }

    /// Every receipt in sequence order, for snapshots.
    var allReceipts: [Receipt] { receiptLog }

    /// Restores the receipt of the next sequence from a snapshot.
    /// - Throws: `corruptSnapshot` if it is not the next one in order.
    mutating func restoreReceipt(_ r: Receipt) throws(LedgerError) {
        guard r.sequence == UInt64(receiptLog.count) + 1, let key = Key32(r.idSlice) else {
            throw .corruptSnapshot(path: "snapshot", reason: "receipt \(r.sequence) is out of order "
                                       + "(expected \(receiptLog.count + 1))")
        }
        receiptLog.append(r)
        settledSequences[key] = r.sequence
    }

    // MARK: Replay

    /// Re-applies a logged, acknowledged object with its logged receipt, without
    /// verifying proofs again (they were verified before the record was acknowledged).
    /// - Throws: `replayRejected` if the rules or the chain disagree with the log.
    mutating func replay(_ object: LoggedObject, receipt: Receipt) throws(LedgerError) {
        guard receiptLog.count == Int(sequence) else {
            throw .replayRejected(sequence: receipt.sequence, reason: "the state has unsigned settlements")
        }
        let id: [UInt8]
        switch object {
        case let .transfer(f):
            if let e = check(f, verifiedInputs: nil) {
                throw .replayRejected(sequence: receipt.sequence, reason: e.description)
            }
            var unused: [RemovedNote] = []
            settle(f, inputRecords: nil, removed: &unused, undoable: false)
            id = f.id.bytes
        case let .mint(m):
            let mid = m.id
            let notes = Self.mintNotes(m)
            if let e = check(m, notes: notes) { throw .replayRejected(sequence: receipt.sequence, reason: e.description) }
            settle(m, id: mid, notes: notes)
            id = mid.bytes
        }
        guard receipt.sequence == sequence, bytesEqual(receipt.chainHashSlice, chainHash[...]),
              bytesEqual(receipt.idSlice, id[...])
        else {
            throw .replayRejected(sequence: receipt.sequence, reason: "the receipt does not match the replayed chain")
        }
        receiptLog.append(receipt)
    }
}

/// Where a note was created: the sequence of the transfer or mint that created it and its
/// output index there. Orders an owner's notes as `GET /v1/notes` lists them.
public struct NotePosition: Sendable, Hashable, Comparable {
    /// The creating object's sequence.
    public let sequence: UInt64
    /// The output index in that object.
    public let index: UInt16

    /// A position.
    public init(sequence: UInt64, index: UInt16) {
        self.sequence = sequence
        self.index = index
    }

    public static func < (a: NotePosition, b: NotePosition) -> Bool {
        (a.sequence, a.index) < (b.sequence, b.index)
    }
}

/// A logged transfer (its facts) or mint.
enum LoggedObject: Sendable {
    case transfer(TransferFacts)
    case mint(Mint)
}

/// What happened to one submitted transfer or mint.
public enum Outcome: Sendable {
    /// Settled now, with this receipt.
    case settled(Receipt)
    /// Settled before; this is the original receipt.
    case finalized(Receipt)
    /// Not settled.
    case rejected(LedgerRejection)

    /// The receipt, if settled now or before.
    public var receipt: Receipt? {
        switch self {
        case let .settled(r), let .finalized(r): r
        case .rejected: nil
        }
    }
}

/// Byte equality of two slices of the same length, eight bytes at a time (the generic
/// `elementsEqual` compares element by element through iterators).
func bytesEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in
            var i = 0
            while i + 8 <= x.count {
                if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            while i < x.count {
                if x[i] != y[i] { return false }
                i += 1
            }
            return true
        }
    }
}
