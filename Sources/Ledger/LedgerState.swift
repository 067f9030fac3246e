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
    /// The ledger's chain id: every transfer and mint it settles carries it.
    public let chainID: ChainID
    /// The genesis's authority and the statements settled since (§7.12): who certifies and
    /// whom transfers disclose to, at each sequence.
    public internal(set) var authorities: AuthorityChain
    /// The auditor keys in office at the next sequence, in order: every output of a transfer
    /// settled there carries a handle and a validity proof for each.
    public var auditors: [AuditorKey] { authorities.authority(at: sequence &+ 1).auditors }
    /// The arithmetic backend of this state's proof checks (`verifyVartime`), audit and
    /// receipt hashing (the receipt tree's leaves and nodes, eight at a time on the IFMA
    /// lanes, four on AVX2): the one the executable chose, given by the owner when it builds
    /// the state.
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
    /// Σ amounts burned by redemptions (paid out of the ledger).
    public internal(set) var burned: UInt64 = 0
    /// Σ blindings of burned outputs (public: each redemption reveals its opening).
    public internal(set) var burnBlindingSum = Scalar.zero
    /// The excess encodings E of every settled transfer, concatenated (32 bytes each), in
    /// order (grown and shrunk only through `appendExcess` and `removeLastExcess`).
    public internal(set) var excesses: [UInt8] = []
    /// Σ of the excesses' state-digest terms (`stateDigest`).
    var excessSum = DeferredDigestSum(hasher: LedgerState.excessTermHasher, length: 40)
    /// The chain hash after the last settled object.
    public internal(set) var chainHash: [UInt8]
    /// Sequence number of the last settled object (0: none yet).
    public internal(set) var sequence: UInt64 = 0
    /// The sequence of every settled object by its id (idempotent resubmission): fixed-size
    /// keys, hashed as four words.
    var settledSequences = IDMap<UInt64>()
    /// Where each unspent note was created (orders an owner's notes); held by `unspent`.
    public var positions: NotePositions { NotePositions(notes: unspent) }
    /// The owner index (kept by `unspent` in step with every insert and removal: settle,
    /// undo, replay, snapshot load) as note counts by owner spend key encoding (P, 32
    /// bytes); built on each call, for tests and diagnostics.
    var byOwner: [[UInt8]: Int] { unspent.ownerCounts() }

    /// Value in notes, outstanding: minted − fees − burned (0 if a damaged state had more fees
    /// and burns than mints; the audit then fails).
    public var supply: UInt64 {
        let (out, overflow) = feePool.addingReportingOverflow(burned)
        return !overflow && minted >= out ? minted - out : 0
    }

    /// An empty state of the ledger `chainID` (also its initial chain hash) whose checks run
    /// on `backend` (one the CPU runs).
    /// Its authority never changes: with no validator set named, no statement has a quorum.
    public init(issuer: RistrettoPoint, minimumFee: UInt64, chainID: ChainID, auditors: [AuditorKey] = [],
                backend: Backend = .portable) {
        self.init(issuer: issuer, minimumFee: minimumFee,
                  authorities: AuthorityChain(chainID: chainID, issuer: issuer, validators: [], auditors: auditors),
                  backend: backend)
    }

    /// An empty state of the ledger `genesis` describes.
    public init(genesis: Genesis, backend: Backend = .portable) {
        self.init(issuer: genesis.issuer.spendKey, minimumFee: genesis.minimumFee,
                  authorities: AuthorityChain(genesis: genesis), backend: backend)
    }

    /// An empty state under the genesis authority of `authorities` (which has no statements).
    init(issuer: RistrettoPoint, minimumFee: UInt64, authorities: AuthorityChain, backend: Backend) {
        self.backend = backend
        unspent.backend = backend
        self.authorities = authorities
        self.issuer = issuer
        self.minimumFee = minimumFee
        chainID = authorities.chainID
        chainHash = chainID.bytes
    }

    /// The sequence at which the transfer or mint with id bytes `id` was settled (nil if it
    /// was not); its receipt is the node's (`Ledger.receipt(for:)`).
    public func settledSequence(of id: [UInt8]) -> UInt64? {
        guard let key = Key32(id) else { return nil }
        return settledSequences[key]
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
        guard bytesEqual(f.chainID, chainID.bytes[...]) else { return .otherLedger(chain: ChainID(uncheckedBytes: Array(f.chainID))) }
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
    /// `burn`: a redemption's burn (its output is not created, it settles under the
    /// redemption id, and the burned totals grow).
    mutating func settle(_ f: TransferFacts, inputRecords: [UInt8]?, removed: inout [RemovedNote], undoable: Bool,
                         burn: Burn? = nil) {
        let settledID = burn?.id ?? f.idKey
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
            spentBy.insert(key: key, spentBy: settledID)
        }
        for j in 0..<f.outputCount where j != burn?.index {
            unspent.insert(key: f.outputKey(j), f.output(j), at: NotePosition(sequence: sequence + 1, index: UInt16(j)))
        }
        feePool += f.fee
        if let burn {
            burned += burn.amount
            burnBlindingSum += burn.blinding
        }
        appendExcess(f.excess)
        sequence += 1
        chainHash = Self.nextChainHash(chainHash, key: settledID)
        settledSequences[settledID] = sequence
    }

    // MARK: Mints

    /// The notes of a mint as the state stores them.
    static func mintNotes(_ m: Mint) -> [(NoteID, [UInt8])] {
        m.createdNotes.map { ($0.id, outputBytes($0.output)) }
    }

    func check(_ m: Mint, notes: [(NoteID, [UInt8])]) -> LedgerRejection? {
        guard m.chainID == chainID else { return .otherLedger(chain: m.chainID) }
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
        /// A redemption's burned amount and blinding (zero otherwise).
        var burned: UInt64 = 0
        var burnBlinding = Scalar.zero
        /// An authority statement's: its undo takes the statement out of the chain.
        var isAuthority = false
    }

    /// Reverses every settlement of `batch`, newest first (its log append failed). The batch
    /// must be the state's latest.
    mutating func undo(_ batch: PendingBatch) {
        for u in batch.undos.reversed() {
            for n in u.created { unspent.discard(key: n) }
            for (n, o, p) in batch.removed[u.removed] {
                spentBy.remove(key: n)
                unspent.insert(key: n, o, at: p)
            }
            if u.isAuthority {
                authorities.removeLast()
            } else if u.isTransfer {
                feePool -= u.fee
                burned -= u.burned
                burnBlindingSum -= u.burnBlinding
                removeLastExcess()
            } else {
                minted -= u.minted
                mintBlindingSum -= u.blindings
            }
            settledSequences[u.id] = nil
            sequence -= 1
        }
        if let before = batch.chainHashBefore { chainHash = before }
    }

    /// Records, from a snapshot's receipt, that `id` was settled at `sequence`.
    mutating func restoreSettled(id: Key32, sequence: UInt64) { settledSequences[id] = sequence }
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

/// A logged transfer (its facts), mint or redemption.
enum LoggedObject: Sendable {
    case transfer(TransferFacts)
    case mint(Mint)
    case redemption(RedemptionFacts)
    case authority(AuthorityStatement)
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
