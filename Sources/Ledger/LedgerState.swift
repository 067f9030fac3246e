public import Ristretto255
import Sodium
public import ZKPayCore

/// The settlement state: unspent notes, supply, fee pool and chain hash, and the rules
/// that move it forward (docs/DESIGN.md, "State").
///
/// Chain hash: `h_0` is given at creation (the genesis checksum for a durable ledger);
/// after the n-th settled object (transfer or mint) `h_n = BLAKE2b-256(key =
/// "zkpay/ledger-chain/v1", h_{n-1} ‖ id_n)` where `id_n` is the transfer or mint id
/// (the two id kinds are themselves domain separated, so they never collide). Two
/// ledgers that settled the same objects in the same order have the same chain hash.
public struct LedgerState: Sendable {
    /// The domain key of the chain hash.
    public static let chainDomain = "zkpay/ledger-chain/v1"

    /// The issuer whose mints this ledger accepts.
    public let issuer: RistrettoPoint
    /// The minimum fee of a transfer.
    public let minimumFee: UInt64
    /// Unspent notes by id (owner, commitment, memo).
    public internal(set) var unspent: [NoteID: Output] = [:]
    /// Spent notes and the transfer that spent each (names the spender in double-spend errors).
    public internal(set) var spentBy: [NoteID: TransferID] = [:]
    /// Σ minted amounts.
    public internal(set) var minted: UInt64 = 0
    /// Σ fees of settled transfers (the fee pool).
    public internal(set) var feePool: UInt64 = 0
    /// Σ blindings of minted outputs (public, since mint blindings are public).
    public internal(set) var mintBlindingSum = Scalar.zero
    /// The excess E of every settled transfer, in order.
    public internal(set) var excesses: [RistrettoPoint] = []
    /// The chain hash after the last settled object.
    public internal(set) var chainHash: [UInt8]
    /// Sequence number of the last settled object (0: none yet).
    public internal(set) var sequence: UInt64 = 0
    /// Receipts of settled objects by id bytes (idempotent resubmission).
    private var receipts: [[UInt8]: Receipt] = [:]

    /// Value in notes: minted − fees.
    public var supply: UInt64 { minted - feePool }

    /// An empty state.
    public init(issuer: RistrettoPoint, minimumFee: UInt64, initialChainHash: [UInt8]) {
        self.issuer = issuer
        self.minimumFee = minimumFee
        chainHash = initialChainHash
    }

    /// The receipt of a settled transfer or mint, by its id bytes.
    public func receipt(for id: [UInt8]) -> Receipt? { receipts[id] }

    /// The chain hash after settling `id` on top of `previous`.
    public static func nextChainHash(_ previous: [UInt8], _ id: [UInt8]) -> [UInt8] {
        Hash.blake2b(previous + id, outputLength: 32, key: Array(chainDomain.utf8))
    }

    // MARK: Transfers

    /// Checks the ledger rules for `v` without changing anything.
    func check(_ v: VerifiedTransfer) -> LedgerRejection? {
        let t = v.transfer
        guard t.fee >= minimumFee else { return .feeTooLow(fee: t.fee, minimum: minimumFee) }
        for (k, n) in t.inputs.enumerated() {
            if let spender = spentBy[n] { return .doubleSpend(index: k, note: n, spentBy: spender) }
            guard let u = unspent[n] else { return .unknownInput(index: k, note: n) }
            guard k < v.inputs.count, u.owner == v.inputs[k].owner, u.commitment == v.inputs[k].commitment,
                  v.inputs[k].owner == t.sender
            else { return .inputMismatch(index: k) }
        }
        for (j, n) in t.outputIDs.enumerated() where unspent[n] != nil || spentBy[n] != nil {
            return .duplicateOutput(index: j, note: n)
        }
        return nil
    }

    /// Moves the state forward by a transfer already checked by `check`.
    @discardableResult
    mutating func settle(_ v: VerifiedTransfer) -> Undo {
        let t = v.transfer
        var removed: [(NoteID, Output)] = []
        removed.reserveCapacity(t.inputs.count)
        let undo = Undo(id: v.id.bytes, previousChainHash: chainHash, removed: removed, created: [], fee: t.fee,
                        minted: 0, blindings: .zero, isTransfer: true)
        var u = undo
        for n in t.inputs {
            if let o = unspent.removeValue(forKey: n) { u.removed.append((n, o)) }
            spentBy[n] = v.id
        }
        u.created = t.outputIDs
        for (n, o) in zip(u.created, t.outputs) { unspent[n] = o }
        feePool += t.fee
        excesses.append(t.excess)
        sequence += 1
        chainHash = Self.nextChainHash(chainHash, v.id.bytes)
        return u
    }

    /// Applies one verified transfer: settled (a new receipt), already finalized (its
    /// original receipt, nothing changes) or rejected (nothing changes).
    public mutating func apply(_ v: VerifiedTransfer, time: UInt64, key: ReceiptKey) -> Outcome {
        applyRecording(v, time: time, key: key).outcome
    }

    mutating func applyRecording(_ v: VerifiedTransfer, time: UInt64, key: ReceiptKey) -> (outcome: Outcome, undo: Undo?) {
        if let r = receipts[v.id.bytes] { return (.finalized(r), nil) }
        if let rejection = check(v) { return (.rejected(rejection), nil) }
        let u = settle(v)
        let r = Receipt(sequence: sequence, kind: .transfer, id: v.id.bytes, time: time, chainHash: chainHash,
                        key: key)
        receipts[v.id.bytes] = r
        return (.settled(r), u)
    }

    /// Applies a batch in order; each item is decided on its own, and an item sees the
    /// effects of the items before it (so a note spent earlier in the batch is a double
    /// spend naming that transfer).
    public mutating func apply(batch: [Verification], time: UInt64, key: ReceiptKey) -> [Outcome] {
        batch.map { item in
            switch item {
            case let .verified(v): apply(v, time: time, key: key)
            case let .finalized(r): .finalized(r)
            case let .rejected(e): .rejected(e)
            }
        }
    }

    // MARK: Mints

    func check(_ v: VerifiedMint) -> LedgerRejection? {
        guard !minted.addingReportingOverflow(v.mint.total).overflow else { return .supplyOverflow }
        for (j, note) in v.mint.createdNotes.enumerated() where unspent[note.id] != nil || spentBy[note.id] != nil {
            return .duplicateOutput(index: j, note: note.id)
        }
        return nil
    }

    @discardableResult
    mutating func settle(_ v: VerifiedMint) -> Undo {
        let notes = v.mint.createdNotes
        var blindings = Scalar.zero
        for o in v.mint.outputs { blindings += o.blinding }
        let u = Undo(id: v.id.bytes, previousChainHash: chainHash, removed: [], created: notes.map(\.id), fee: 0,
                     minted: v.mint.total, blindings: blindings, isTransfer: false)
        for note in notes { unspent[note.id] = note.output }
        minted += v.mint.total
        mintBlindingSum += blindings
        sequence += 1
        chainHash = Self.nextChainHash(chainHash, v.id.bytes)
        return u
    }

    /// What reverses one settlement (a batch whose log append failed is undone, newest first).
    struct Undo {
        let id: [UInt8]
        let previousChainHash: [UInt8]
        var removed: [(NoteID, Output)]
        var created: [NoteID]
        let fee: UInt64
        let minted: UInt64
        let blindings: Scalar
        let isTransfer: Bool
    }

    /// Reverses the most recent settlement `u`.
    mutating func undo(_ u: Undo) {
        for n in u.created { unspent[n] = nil }
        for (n, o) in u.removed {
            spentBy[n] = nil
            unspent[n] = o
        }
        if u.isTransfer {
            feePool -= u.fee
            excesses.removeLast()
        } else {
            minted -= u.minted
            mintBlindingSum -= u.blindings
        }
        sequence -= 1
        chainHash = u.previousChainHash
        receipts[u.id] = nil
    }

    /// Applies a verified mint: supply += its total.
    public mutating func apply(_ v: VerifiedMint, time: UInt64, key: ReceiptKey) -> Outcome {
        applyRecording(v, time: time, key: key).outcome
    }

    mutating func applyRecording(_ v: VerifiedMint, time: UInt64, key: ReceiptKey) -> (outcome: Outcome, undo: Undo?) {
        if let r = receipts[v.id.bytes] { return (.finalized(r), nil) }
        if let rejection = check(v) { return (.rejected(rejection), nil) }
        let u = settle(v)
        let r = Receipt(sequence: sequence, kind: .mint, id: v.id.bytes, time: time, chainHash: chainHash, key: key)
        receipts[v.id.bytes] = r
        return (.settled(r), u)
    }

    /// Every receipt, for snapshots.
    var allReceipts: Dictionary<[UInt8], Receipt>.Values { receipts.values }

    /// Restores a receipt from a snapshot.
    mutating func restoreReceipt(_ r: Receipt) { receipts[r.id] = r }

    // MARK: Replay

    /// Re-applies a logged, acknowledged object with its logged receipt, without
    /// verifying proofs again (they were verified before the record was acknowledged).
    /// - Throws: `replayRejected` if the rules or the chain disagree with the log.
    mutating func replay(_ object: SettledObject, receipt: Receipt) throws(LedgerError) {
        let id: [UInt8]
        switch object {
        case let .transfer(t):
            let inputs = t.inputs.map { n in
                unspent[n].map { InputNote(id: n, owner: $0.owner, commitment: $0.commitment) }
                    ?? InputNote(id: n, owner: t.sender, commitment: .identity)
            }
            let v = VerifiedTransfer(transfer: t, inputs: inputs)
            if let e = check(v) { throw .replayRejected(sequence: receipt.sequence, reason: e.description) }
            settle(v)
            id = v.id.bytes
        case let .mint(m):
            let v = VerifiedMint(mint: m)
            if let e = check(v) { throw .replayRejected(sequence: receipt.sequence, reason: e.description) }
            settle(v)
            id = v.id.bytes
        }
        guard receipt.sequence == sequence, receipt.chainHash == chainHash, receipt.id == id else {
            throw .replayRejected(sequence: receipt.sequence, reason: "the receipt does not match the replayed chain")
        }
        receipts[id] = receipt
    }
}

/// A transfer or mint as settled.
public enum SettledObject: Sendable {
    case transfer(Transfer)
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
