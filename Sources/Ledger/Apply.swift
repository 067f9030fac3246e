public import ZKPayCore

/// A batch as the sequencer ordered it, or as the log holds it: the batch time and its items
/// in order (docs/notes/ledger-state.md, "One apply path"). `LedgerState.apply(_:)` is the one
/// way a batch enters the state, for the live sequencer and for recovery alike, so the same
/// batches applied to the same state give the same state, outcomes and events on every
/// machine.
public struct OrderedBatch: Sendable {
    /// The settlement time of every item (milliseconds since 1970; the receipts' time).
    public let time: UInt64
    /// The items, in order (held in the form they arrive in: no per-item wrapping).
    let items: Items

    enum Items: Sendable {
        /// Transfers with their verdicts (`LedgerState.verifyVartime`), as submitted.
        case transfers([Verification])
        /// Mints as submitted (`apply` checks their issuer signatures).
        case mints([Mint])
        /// Redemptions as submitted (`apply` verifies each against the state it meets:
        /// redemptions are rare, so each is one multiscalar multiplication of its own).
        case redemptions([Redemption])
        /// Authority statements as submitted (`apply` checks each against the chain).
        case authorities([AuthorityStatement])
        /// Objects read back from a log: verified before they were logged, so only the
        /// ledger rules are checked again; their settlements are never undone.
        case logged([LoggedObject])
    }

    /// A batch of transfers and their verdicts, in submission order.
    public init(time: UInt64, transfers: [Verification]) {
        self.time = time
        items = .transfers(transfers)
    }

    /// A batch of mints, in submission order.
    public init(time: UInt64, mints: [Mint]) {
        self.time = time
        items = .mints(mints)
    }

    /// A batch of redemptions, in submission order.
    public init(time: UInt64, redemptions: [Redemption]) {
        self.time = time
        items = .redemptions(redemptions)
    }

    /// A batch of authority statements (a validator settles each alone).
    public init(time: UInt64, authorities: [AuthorityStatement]) {
        self.time = time
        items = .authorities(authorities)
    }

    /// A batch of logged objects, in log order.
    init(time: UInt64, logged: [LoggedObject]) {
        self.time = time
        items = .logged(logged)
    }

    /// Number of items.
    public var count: Int {
        switch items {
        case let .transfers(v): v.count
        case let .mints(m): m.count
        case let .redemptions(r): r.count
        case let .authorities(a): a.count
        case let .logged(l): l.count
        }
    }

    /// The kind of a replicated batch of these items (nil for logged objects, which are
    /// replayed, never replicated).
    var replicatedKind: ReplicatedBatch.Kind? {
        switch items {
        case .transfers: .transfers
        case .mints: .mints
        case .redemptions: .redemptions
        case .authorities: .authorities
        case .logged: nil
        }
    }

    /// The canonical bytes of item `i`, the body of its log record (nil for a transfer that
    /// was not verified: it is never settled).
    func objectBytes(_ i: Int) -> [UInt8]? {
        switch items {
        case let .transfers(v): if case let .verified(t) = v[i] { t.transfer.bytes } else { nil }
        case let .mints(m): m[i].bytes
        case let .redemptions(r): r[i].bytes
        case let .authorities(a): a[i].bytes
        case let .logged(l):
            switch l[i] {
            case let .transfer(f): f.encoding
            case let .mint(m): m.bytes
            case let .redemption(r): r.redemption.bytes
            case let .authority(a): a.bytes
            }
        }
    }
}

/// What applying an ordered batch did (`LedgerState.apply(_:)`): each item's outcome, the
/// batch's events and the receipt tree(s) the node signs. Nothing here depends on a key, so
/// every machine applying the same batch gets the same value.
public struct AppliedBatch: Sendable {
    /// What happened to one item.
    public enum ItemOutcome: Sendable, Equatable {
        /// Settled by this batch at `sequence`.
        case settled(sequence: UInt64)
        /// Settled before, at `sequence`; nothing changed.
        case finalized(sequence: UInt64)
        /// Not settled.
        case rejected(LedgerRejection)
    }

    /// The batch applied.
    public let batch: OrderedBatch
    /// One outcome per item, in order.
    public var outcomes: [ItemOutcome] { pending.items }
    /// The receipt trees over the settled items' entries (one per 65,535; empty if nothing
    /// settled): the node signs each `message`, and the roots are the batch root of a
    /// replicated log.
    public let trees: [ReceiptBatchTree]
    /// What undoes the batch, and the entries the trees were built from.
    let pending: LedgerState.PendingBatch

    /// The authority in office at each tree's first sequence: whose validators sign it.
    public let offices: [Authority]

    /// `signer`'s signatures of `trees` (nil for a tree whose authority it is not in office
    /// in), for `SettledReceipts.seal(_:signatures:)`.
    public func signatures(signer: ReceiptSigner) -> [Receipt.Signer?] {
        zip(trees, offices).map { signer.sign($0, office: $1) }
    }

    /// The ledger's issuer (P encoding): its stream gets the `burned` events.
    let issuer: [UInt8]

    /// The batch's events, derived from the settled items (on each call: applying does not
    /// pay for events nobody reads).
    public var events: BatchEvents { BatchEvents(batch: batch, outcomes: pending.items, issuer: issuer) }
}

/// The events of an applied batch: every event of its settled items, in sequence order
/// (typed values, never bytes parsed back).
public struct BatchEvents: Sendable {
    let batch: OrderedBatch
    let outcomes: [AppliedBatch.ItemOutcome]
    let issuer: [UInt8]

    /// True if the batch settled nothing (so it has no events).
    public var isEmpty: Bool {
        !outcomes.contains { if case .settled = $0 { true } else { false } }
    }

    /// Every event, in sequence order; within an item, as `LedgerEvent.transferEvents` and
    /// `mintEvents` order them.
    public func all() -> [LedgerEvent] {
        var out: [LedgerEvent] = []
        for (i, outcome) in outcomes.enumerated() {
            guard case let .settled(sequence) = outcome else { continue }
            switch batch.items {
            case let .transfers(v):
                if case let .verified(t) = v[i] { out += (try? LedgerEvent.events(of: t.facts, sequence: sequence, time: batch.time)) ?? [] }
            case let .mints(m):
                out += LedgerEvent.mintEvents(sequence: sequence, id: m[i].id.bytes, time: batch.time, notes: m[i].createdNotes)
            case let .redemptions(r):
                out += (try? LedgerEvent.events(of: RedemptionFacts(r[i]), sequence: sequence, time: batch.time,
                                                issuer: issuer)) ?? []
            case .authorities: continue  // concerns no wallet's notes
            case let .logged(l):
                switch l[i] {
                case let .transfer(f): out += (try? LedgerEvent.events(of: f, sequence: sequence, time: batch.time)) ?? []
                case let .mint(m):
                    out += LedgerEvent.mintEvents(sequence: sequence, id: m.id.bytes, time: batch.time, notes: m.createdNotes)
                case let .redemption(r):
                    out += (try? LedgerEvent.events(of: r, sequence: sequence, time: batch.time, issuer: issuer)) ?? []
                case .authority: continue
                }
            }
        }
        return out
    }
}

extension LedgerState {
    /// Applies `batch` in order: each item is decided on its own and sees the effects of the
    /// items before it (a note spent earlier in the batch is a double spend naming that
    /// transfer). The settled items get consecutive sequences, the chain hash moves over
    /// their ids, and their receipt entries are built into trees; nothing is signed (the node
    /// signs the trees' roots, and `SettledReceipts.seal` makes the receipts).
    ///
    /// Transfers are staged reading each item in place, with the objects eight items ahead
    /// and their arrays four items ahead prefetched (a batch's transfers are rarely in cache).
    public mutating func apply(_ batch: OrderedBatch) -> AppliedBatch {
        var pending = PendingBatch(capacity: batch.count)
        let time = batch.time
        switch batch.items {
        case let .transfers(items):
            reserveCapacity(settling: items)
            // A transfer settles only where the authority it was verified for governs: the
            // one in office at the batch's start, up to the next statement's effective sequence.
            let office = authorities.authority(at: sequence &+ 1).number
            let change = authorities.nextChange(after: sequence &+ 1) ?? .max
            let near = 4, far = 8
            // Items are read in place (a copy of an item costs a retain and a release).
            items.withUnsafeBufferPointer { items in
                func ahead(_ item: Verification, _ step: Int) {
                    if case let .verified(v) = item { if step == 0 { v.prefetchObject() } else { v.prefetchArrays() } }
                }
                for i in 0..<Swift.min(far, items.count) { ahead(items[i], 0) }
                for i in 0..<Swift.min(near, items.count) { ahead(items[i], 1) }
                for i in items.indices {
                    if i + far < items.count { ahead(items[i + far], 0) }
                    if i + near < items.count { ahead(items[i + near], 1) }
                    switch items[i] {
                    case let .verified(v) where v.authority != office || sequence &+ 1 >= change:
                        pending.items.append(.rejected(.authorityChanged(sequence: sequence &+ 1)))
                    case let .verified(v): stage(v.facts, verifiedInputs: v.inputRecords, time: time, into: &pending)
                    case let .finalized(sequence): pending.items.append(.finalized(sequence: sequence))
                    case let .rejected(e): pending.items.append(.rejected(e))
                    }
                }
            }
        case let .mints(mints):
            // Like transfers, the mints of one batch settle under one authority: one validator
            // set signs the batch, so a mint that would reach the next effective sequence waits
            // for a batch of its own.
            let change = authorities.nextChange(after: sequence &+ 1) ?? .max
            for m in mints {
                guard sequence &+ 1 < change else {
                    pending.items.append(.rejected(.authorityChanged(sequence: sequence &+ 1)))
                    continue
                }
                do throws(LedgerRejection) {
                    stage(try verifyVartime(m), time: time, into: &pending)
                } catch {
                    pending.items.append(.rejected(error))
                }
            }
        case let .redemptions(redemptions):
            // Verified for the auditors in office at the batch's start (as transfers are).
            let change = authorities.nextChange(after: sequence &+ 1) ?? .max
            for verdict in verifyVartime(redemptions) {
                switch verdict {
                case .success where sequence &+ 1 >= change:
                    pending.items.append(.rejected(.authorityChanged(sequence: sequence &+ 1)))
                case let .success(v): stage(v.facts, verifiedInputs: v.inputs, time: time, into: &pending)
                case let .failure(e): pending.items.append(.rejected(e))
                }
            }
        case let .authorities(statements):
            for s in statements { stage(s, time: time, into: &pending) }
        case let .logged(objects):
            pending.undoable = false
            for o in objects {
                switch o {
                case let .transfer(f): stage(f, verifiedInputs: nil, time: time, into: &pending)
                case let .mint(m): stage(VerifiedMint(mint: m), time: time, into: &pending)
                case let .redemption(r): stage(r, verifiedInputs: nil, time: time, into: &pending)
                case let .authority(a): stage(a, time: time, into: &pending)
                }
            }
        }
        settleDigestTerms()
        let trees = pending.entries.trees(backend: backend, stateDigest: stateDigest)
        return AppliedBatch(batch: batch, trees: trees, pending: pending,
                            offices: trees.map { authorities.authority(at: $0.first) }, issuer: issuer.encoding)
    }

    // MARK: Staging

    /// The settlements of one batch before their receipts are signed: each item's outcome,
    /// the receipt entries and what undoes each settlement.
    struct PendingBatch: Sendable {
        var items: [AppliedBatch.ItemOutcome] = []
        var entries: ReceiptBatch
        /// False for logged batches: nothing is kept to undo them.
        var undoable = true
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

        /// Number of items settled by this batch.
        var settledCount: Int { entries.count }
    }

    /// Records the object just settled (at `sequence`, the chain hash after it) in `batch`:
    /// its receipt entry and outcome. When the entry fills a receipt tree (65,535 entries),
    /// the state digest after it is kept for that tree's signature.
    mutating func recordSettled(kind: Receipt.Kind, id: Key32, time: UInt64, into batch: inout PendingBatch) {
        batch.entries.append(sequence: sequence, kind: kind, id: id, time: time, chainHash: chainHash)
        if batch.entries.count % Receipt.maxBatchSize == 0 {
            settleDigestTerms()
            batch.entries.closeTree(stateDigest: stateDigest)
        }
        batch.items.append(.settled(sequence: sequence))
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

    /// Settles a transfer into `batch` (or records why not). `verifiedInputs`: the input
    /// notes it was verified against (nil: a logged transfer, known to be verified).
    mutating func stage(_ f: TransferFacts, verifiedInputs: [UInt8]?, time: UInt64, into batch: inout PendingBatch) {
        if let s = settledSequences[f.idKey] { return batch.items.append(.finalized(sequence: s)) }
        if let rejection = check(f, verifiedInputs: verifiedInputs) { return batch.items.append(.rejected(rejection)) }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        let first = batch.removed.count
        settle(f, inputRecords: verifiedInputs, removed: &batch.removed, undoable: batch.undoable)
        if batch.undoable {
            batch.undos.append(Undo(id: f.idKey, removed: first..<batch.removed.count, created: f.outputKeys, fee: f.fee,
                                    minted: 0, blindings: .zero, isTransfer: true))
        }
        recordSettled(kind: .transfer, id: f.idKey, time: time, into: &batch)
    }

    /// Settles a verified mint into `batch` (or records why not).
    mutating func stage(_ v: VerifiedMint, time: UInt64, into batch: inout PendingBatch) {
        if let s = settledSequences[Key32(id: v.id)] { return batch.items.append(.finalized(sequence: s)) }
        let notes = Self.mintNotes(v.mint)
        if let rejection = check(v.mint, notes: notes) { return batch.items.append(.rejected(rejection)) }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        let undo = settle(v.mint, id: v.id, notes: notes)
        if batch.undoable { batch.undos.append(undo) }
        recordSettled(kind: .mint, id: Key32(id: v.id), time: time, into: &batch)
    }
}

extension LedgerState {
    /// Settles an authority statement into `batch` (or records why not): it must continue
    /// the chain (`AuthorityChain.append`) and take effect after its own sequence. It settles
    /// under its statement id; the authority it states (its auditors and its validators, who
    /// sign receipts) governs from its effective sequence.
    /// - Warning: Variable time; public data only.
    mutating func stage(_ statement: AuthorityStatement, time: UInt64, into batch: inout PendingBatch) {
        guard let id = Key32(statement.id) else { preconditionFailure("a statement id is a 32-byte BLAKE2b digest") }
        if let s = settledSequences[id] { return batch.items.append(.finalized(sequence: s)) }
        let own = sequence &+ 1
        var chain = authorities
        do throws(AuthorityError) { try chain.append(statement) } catch {
            return batch.items.append(.rejected(.authority(error)))
        }
        guard statement.effective > own else {
            return batch.items.append(.rejected(.authorityNotAhead(effective: statement.effective, sequence: own)))
        }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        authorities = chain
        sequence = own
        chainHash = Self.nextChainHash(chainHash, key: id)
        settledSequences[id] = sequence
        if batch.undoable {
            batch.undos.append(Undo(id: id, removed: 0..<0, created: [], fee: 0, minted: 0, blindings: .zero,
                                    isTransfer: false, isAuthority: true))
        }
        recordSettled(kind: .authority, id: id, time: time, into: &batch)
    }
}
