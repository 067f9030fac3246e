import CIntrinsics
public import BatchVerify
import Ristretto255
public import ZKPayCore

/// A transfer that passed `TransferVerifier` and the batch verifier against the exact
/// input notes recorded here. Only `LedgerState.verifyVartime` and log replay (whose
/// records were verified before they were acknowledged) create one: the initializer is
/// internal, so code outside this module cannot apply an unverified transfer.
///
/// A value type over one immutable reference: a `Verification` array is copied and
/// pattern-matched on the apply path, and copying the transfer, its facts and its input
/// records field by field would cost one retain per array inside them.
public struct VerifiedTransfer: Sendable {
    /// The fields, shared by every copy.
    private final class Storage: Sendable {
        /// Where the arrays staging reads lie (`prefetchArrays`); kept in the object itself,
        /// first, so that prefetching them reads no array header (which would wait for memory).
        let regions: (PrefetchRegion, PrefetchRegion, PrefetchRegion, PrefetchRegion)
        // Then what staging reads, within the lines `prefetchObject` asks for; the transfer
        // (read after staging, for the log record) last.
        let facts: TransferFacts
        let inputRecords: [UInt8]
        let transfer: Transfer
        /// The number of the authority whose auditor keys its auditor section was checked against.
        let authority: UInt32

        init(transfer: Transfer, inputRecords: [[UInt8]], authority: UInt32) {
            self.transfer = transfer
            self.authority = authority
            let records = Array(inputRecords.joined())
            self.inputRecords = records
            let facts = TransferFacts(transfer)
            self.facts = facts
            let r = facts.prefetchRegions
            regions = (r.keys, r.encoding, r.id, records.withUnsafeBytes(PrefetchRegion.init))
        }

        /// Asks for the arrays' lines (reads only `regions`: call it once the object's own
        /// lines have arrived, see `prefetchObject`).
        func prefetchArrays() {
            regions.0.prefetch()
            regions.1.prefetch()
            regions.2.prefetch()
            regions.3.prefetch()
        }
    }

    private let storage: Storage

    /// The transfer.
    public var transfer: Transfer { storage.transfer }
    /// The note encodings (owner ‖ commitment ‖ memo, 217 bytes each) it was verified
    /// against, in input order, one after the other. Applying it checks that the ledger
    /// still holds exactly these notes unspent.
    var inputRecords: [UInt8] { _read { yield storage.inputRecords } }
    /// What the state needs of it, as bytes (borrowed from the shared storage, not copied:
    /// a copy costs a retain and a release of each array in it).
    var facts: TransferFacts { _read { yield storage.facts } }
    /// Its id (computed once).
    public var id: TransferID { storage.facts.id }
    /// The number of the authority (§7.12) whose auditor keys it was verified for: it settles
    /// only at a sequence that authority governs.
    var authority: UInt32 { storage.authority }

    init(transfer: Transfer, inputRecords: [[UInt8]], authority: UInt32) {
        storage = Storage(transfer: transfer, inputRecords: inputRecords, authority: authority)
    }

    /// Prefetching what staging this transfer reads (its facts, note-id keys, outputs,
    /// excess and sender, and the input notes it was verified against) while the transfers
    /// before it are staged: a batch arrives from verification, out of the cache. Two steps,
    /// so that neither waits for memory: `prefetchObject` asks for the shared object's lines
    /// without reading them; `prefetchArrays`, a few transfers later, reads the object (by
    /// then in the cache) and asks for the arrays it points to.
    func prefetchObject() {
        prefetchLines(UnsafeRawBufferPointer(start: Unmanaged.passUnretained(storage).toOpaque(), count: 384))
    }

    /// The second step of prefetching (see `prefetchObject`).
    func prefetchArrays() {
        storage.prefetchArrays()
    }
}

/// A mint whose issuer signature was verified against the ledger's issuer key. Created
/// only inside this module, like `VerifiedTransfer`.
public struct VerifiedMint: Sendable {
    /// The mint.
    public let mint: Mint
    /// Its id (computed once).
    public let id: MintID

    init(mint: Mint) {
        self.mint = mint
        id = mint.id
    }
}

/// Why the ledger did not settle a transfer or mint. Each case has a stable `code`.
public enum LedgerRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// Input `index` names a note the ledger never created.
    case unknownInput(index: Int, note: NoteID)
    /// Input `index` was spent by transfer `spentBy` (in this batch or an earlier one).
    case doubleSpend(index: Int, note: NoteID, spentBy: TransferID)
    /// The fee is below the ledger's minimum.
    case feeTooLow(fee: UInt64, minimum: UInt64)
    /// Output `index` would create a note id the ledger already holds or held.
    case duplicateOutput(index: Int, note: NoteID)
    /// The transfer or mint failed verification.
    case invalid(ProtocolError)
    /// The transfer was verified against notes that differ from the ledger's.
    case inputMismatch(index: Int)
    /// Supply would exceed 2^64 − 1.
    case supplyOverflow
    /// The transfer or mint carries another ledger's chain id.
    case otherLedger(chain: ChainID)
    /// The fees collected would exceed the minted supply (or 2^64 − 1): only a crafted log
    /// or a faulty verifier can produce such a transfer.
    case feeOverflow(fee: UInt64)
    /// The fees and burns would exceed the minted supply: only a crafted log or a faulty
    /// verifier can produce such a redemption.
    case burnOverflow(amount: UInt64)
    /// The transfer was verified for the auditor keys of one authority and would settle at
    /// `sequence`, which another governs (a statement took effect in between): rebuild it
    /// for the auditors in office (`GET /v1/authority`).
    case authorityChanged(sequence: UInt64)
    /// An authority statement that does not continue the ledger's chain of statements.
    case authority(AuthorityError)
    /// An authority statement taking effect at `effective`, not after its own sequence.
    case authorityNotAhead(effective: UInt64, sequence: UInt64)

    /// Machine-readable code.
    public var code: String {
        switch self {
        case .unknownInput: "unknown_input"
        case .doubleSpend: "double_spend"
        case .feeTooLow: "fee_too_low"
        case .duplicateOutput: "duplicate_output"
        case let .invalid(e): e.code
        case .inputMismatch: "input_mismatch"
        case .supplyOverflow: "supply_overflow"
        case .otherLedger: "wrong_chain"
        case .feeOverflow: "fee_overflow"
        case .burnOverflow: "burn_overflow"
        case .authorityChanged: "authority_changed"
        case .authority: "invalid_authority_statement"
        case .authorityNotAhead: "authority_not_ahead"
        }
    }

    public var description: String {
        switch self {
        case let .unknownInput(i, n): "input \(i) (note \(n)) does not exist on this ledger"
        case let .doubleSpend(i, n, t): "input \(i) (note \(n)) was already spent by transfer \(t)"
        case let .feeTooLow(f, m): "fee \(f) is below the ledger minimum \(m)"
        case let .duplicateOutput(i, n): "output \(i) would create note \(n), which already exists"
        case let .invalid(e): "verification failed: \(e)"
        case let .inputMismatch(i): "input \(i) was verified against a different note than the ledger holds"
        case .supplyOverflow: "the mint would take the supply past 2^64 - 1"
        case let .otherLedger(chain):
            "it was made for the ledger with chain id \(chain), not this one; rebuild it against this ledger's genesis"
        case let .feeOverflow(f): "fee \(f) would take the collected fees past the minted supply"
        case let .burnOverflow(a): "burning \(a) would take the fees and burns past the minted supply"
        case let .authorityChanged(s):
            "it was built for the auditor keys of an authority that no longer governs sequence \(s); rebuild it for the auditors in office (GET /v1/authority)"
        case let .authority(e): "the authority statement does not continue this ledger's chain: \(e)"
        case let .authorityNotAhead(e, s):
            "the statement takes effect at sequence \(e), but it would itself settle at \(s); state a later sequence"
        }
    }
}

/// The verdict on one submitted transfer before it is applied.
public enum Verification: Sendable {
    /// Verified; apply it.
    case verified(VerifiedTransfer)
    /// Already finalized at this sequence (its original receipt is the node's:
    /// `Ledger.receipt(for:)`).
    case finalized(sequence: UInt64)
    /// Rejected without entering the state.
    case rejected(LedgerRejection)
}

extension LedgerState {
    /// Verifies a batch of transfers against this state: looks up each transfer's input
    /// notes (among unspent notes and the outputs of earlier transfers of the same batch),
    /// then runs `TransferVerifier` over all of them as one batch.
    ///
    /// A note spent earlier (in this batch or before) is still looked up so that the
    /// transfer verifies; `apply` then rejects it as a double spend naming the spender.
    /// The decoding and the proof checks run on this state's `backend`.
    /// - Warning: Variable time; public data only.
    public func verifyVartime(_ transfers: [Transfer]) -> [Verification] {
        verifyVartime(transfers, parallelism: .serial)
    }

    /// As `verifyVartime(_:)`, with the proof checking split by `parallelism` (for example a
    /// worker pool's): the batch is cut into one contiguous slice per way, each slice is one multiscalar
    /// multiplication (with bisection inside a slice that fails), and the slices run at the
    /// same time. Input lookups stay on the calling thread (they read this state).
    /// - Warning: Variable time; public data only.
    public func verifyVartime(_ transfers: [Transfer], parallelism: Parallelism) -> [Verification] {
        prepareVerification(transfers).verifyVartime(parallelism: parallelism)
    }

    /// The first half of `verifyVartime`: looks up every transfer's input notes in this
    /// state (and among the outputs of earlier transfers of the batch, and of `pending`, a
    /// batch prepared before this one that is not applied yet), without checking proofs.
    ///
    /// Lookups against a state that a later `apply` will have changed are sound: applying
    /// re-checks that every input is still unspent and exactly the note that was verified,
    /// so a note spent in between is a double spend and an output of a transfer that was
    /// not settled is an unknown input. This state's `backend` decodes the input points here
    /// and checks the proofs in `PreparedVerification.verifyVartime`.
    public func prepareVerification(_ transfers: [Transfer], after pending: PreparedVerification? = nil)
        -> PreparedVerification
    {
        var out = [Verification?](repeating: nil, count: transfers.count)
        var pendingItems: [(transfer: Transfer, inputs: [InputNote])] = []
        var records: [[[UInt8]]] = []
        var positions: [Int] = []
        let inherited = pending?.outputs ?? [:]  // only the batch in flight: the ones before it are applied
        var created: [NoteID: [UInt8]] = [:]
        let predecoded = Self.decodeInputPoints(transfers, backend: backend) { n in unspent.output(n) ?? inherited[n]?[...] }
        for (i, t) in transfers.enumerated() {
            if let s = settledSequences[Key32(id: t.id)] {
                out[i] = .finalized(sequence: s)
                continue
            }
            var inputs: [InputNote] = []
            var used: [[UInt8]] = []
            var missing: LedgerRejection?
            for (k, n) in t.inputs.enumerated() {
                guard let bytes = unspent[n] ?? created[n] ?? inherited[n] else {
                    missing = spentBy[n].map { .doubleSpend(index: k, note: n, spentBy: $0) }
                        ?? .unknownInput(index: k, note: n)
                    break
                }
                let points = predecoded[n].flatMap { p in
                    bytes.count >= 64 && bytesEqual(p.encoding[...], bytes[0..<64]) ? (p.owner, p.commitment) : nil
                }
                guard bytes.count >= 64, let owner = points?.0 ?? (try? RistrettoPoint(encoding: bytes[0..<32])),
                      let commitment = points?.1 ?? (try? RistrettoPoint(encoding: bytes[32..<64]))
                else {
                    missing = .inputMismatch(index: k)
                    break
                }
                inputs.append(InputNote(id: n, owner: owner, commitment: commitment))
                used.append(bytes)
            }
            if let missing {
                out[i] = .rejected(missing)
                continue
            }
            let f = TransferFacts(t)
            for (n, o) in zip(f.outputIDs, f.outputs) { created[n] = o }
            pendingItems.append((t, inputs))
            records.append(used)
            positions.append(i)
        }
        let office = authorities.authority(at: sequence &+ 1)
        return PreparedVerification(decided: out, items: pendingItems, records: records, positions: positions,
                                    outputs: created, auditors: office.auditors, authority: office.number,
                                    verifier: BatchVerifier(backend: backend))
    }
    /// The owner and commitment points of every input note `lookup` finds for `transfers`,
    /// decoded in one `RistrettoPoint.decodeBatch` (sixteen square roots at a time where
    /// the CPU allows, rather than one by one on the sequencer thread), keyed by note id with the 64 bytes they were decoded from. Notes whose
    /// points do not decode are left out (the caller decodes them itself and rejects).
    static func decodeInputPoints(_ transfers: [Transfer], backend: Backend, lookup: (NoteID) -> ArraySlice<UInt8>?)
        -> [NoteID: (encoding: [UInt8], owner: RistrettoPoint, commitment: RistrettoPoint)]
    {
        var ids: [NoteID] = []
        var slices: [ArraySlice<UInt8>] = []
        for t in transfers {
            for n in t.inputs {
                guard let bytes = lookup(n), bytes.count >= 64 else { continue }
                let start = bytes.startIndex
                ids.append(n)
                slices.append(bytes[start..<(start + 32)])
                slices.append(bytes[(start + 32)..<(start + 64)])
            }
        }
        let points = RistrettoPoint.decodeBatch(slices, backend: backend)
        var out: [NoteID: (encoding: [UInt8], owner: RistrettoPoint, commitment: RistrettoPoint)] = [:]
        out.reserveCapacity(ids.count)
        for (k, n) in ids.enumerated() {
            guard let owner = points[2 * k], let commitment = points[2 * k + 1] else { continue }
            out[n] = (Array(slices[2 * k]) + Array(slices[2 * k + 1]), owner, commitment)
        }
        return out
    }

    /// Verifies a mint's issuer signature against this ledger's issuer key, on this state's `backend`.
    /// - Throws: `.invalid(.unexpectedIssuer)` or `.invalid(.invalidMintSignature)`.
    /// - Warning: Variable time; public data only.
    public func verifyVartime(_ mint: Mint) throws(LedgerRejection) -> VerifiedMint {
        do { try mint.verifyVartime(issuer: issuer, backend: backend) } catch { throw .invalid(error) }
        return VerifiedMint(mint: mint)
    }
}

/// A batch whose input notes were looked up (`LedgerState.prepareVerification`) and whose
/// proofs are still to be checked. Sendable: the proof checking can run on any thread while
/// the ledger's owner goes on (for example, applying the previous batch).
public struct PreparedVerification: Sendable {
    let decided: [Verification?]
    let items: [(transfer: Transfer, inputs: [InputNote])]
    let records: [[[UInt8]]]
    let positions: [Int]
    /// Outputs of this batch's transfers, for the lookups of the next batch.
    let outputs: [NoteID: [UInt8]]
    /// The auditor keys in office at the state's next sequence, which every transfer's
    /// auditor section must serve, and the number of the authority that named them.
    let auditors: [AuditorKey]
    let authority: UInt32
    /// Checks the proofs, on the backend the batch was prepared with.
    let verifier: BatchVerifier

    /// Transfers whose proofs are to be checked.
    public var pendingCount: Int { items.count }

    /// Checks the proofs and returns one verdict per transfer, in order. With several ways of
    /// `parallelism` the statements are built in slices on all of them and the batch is
    /// checked as one multiscalar multiplication split across them (`TransferVerifier`).
    /// - Warning: Variable time; public data only.
    public func verifyVartime(parallelism: Parallelism) -> [Verification] {
        var failed: [Int: ProtocolError] = [:]
        for f in TransferVerifier.invalidTransfersVartime(items, auditors: auditors, verifier: verifier,
                                                          parallelism: parallelism) {
            failed[f.index] = f.error
        }
        var out = decided
        for (k, item) in items.enumerated() {
            if let e = failed[k] {
                out[positions[k]] = .rejected(.invalid(e))
            } else {
                out[positions[k]] = .verified(VerifiedTransfer(transfer: item.transfer, inputRecords: records[k],
                                                                      authority: authority))
            }
        }
        return out.map { $0 ?? .rejected(.invalid(.invalidAuthorization)) }
    }
}

/// Asks the CPU to load every cache line of `bytes` (a hint: nothing is read). Steps from
/// the start of the first line, so that a region not aligned to 64 bytes gets its last line.
func prefetchLines(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    let misalignment = Int(UInt(bitPattern: base) & 63)
    let start = base - misalignment
    for offset in stride(from: 0, to: misalignment + bytes.count, by: 64) { zk_prefetch(start + offset) }
}

/// A region of memory to prefetch later, kept as a plain address: it is only ever handed to
/// the prefetch instruction, which reads nothing and never faults, so a region whose memory
/// has moved or gone costs a wasted hint and nothing else. Taken from arrays that are
/// constants of an immutable object, it stays exact while the object lives.
struct PrefetchRegion: Sendable {
    private let address: UInt
    private let count: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        address = UInt(bitPattern: bytes.baseAddress)
        count = bytes.count
    }

    /// Asks the CPU to load every cache line of the region.
    func prefetch() {
        prefetchLines(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: count))
    }
}
