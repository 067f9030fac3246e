public import ZKPayCore

/// The signed receipts of every settled object, by sequence: what a node adds to the state.
/// `LedgerState` holds no signature, so two nodes applying the same batches hold the same
/// state; `Ledger` keeps these beside it, and its snapshot holds both.
public struct SettledReceipts: Sendable {
    /// `all[s - 1]` is the receipt of sequence `s`.
    public private(set) var all: [Receipt] = []

    /// No receipts.
    public init() {}

    /// Number of receipts (the last sealed sequence).
    public var count: Int { all.count }

    /// The receipt of sequence `s` (nil if not settled, or settled and not yet sealed).
    public func receipt(at s: UInt64) -> Receipt? {
        s >= 1 && s <= UInt64(all.count) ? all[Int(s - 1)] : nil
    }

    /// Appends the receipts of `applied` (the batch last applied to the state these receipts
    /// belong to), signed by `signatures[i]` over `applied.trees[i]` (unsigned where nil: a
    /// validator not in office), and returns each item's outcome with its receipt.
    public mutating func seal(_ applied: AppliedBatch, signatures: [Receipt.Signer?]) -> [Outcome] {
        precondition(signatures.count == applied.trees.count, "one signature per receipt tree")
        for (tree, signature) in zip(applied.trees, signatures) { append(tree.receipts(signer: signature)) }
        return applied.pending.items.map { item in
            switch item {
            case let .settled(s): .settled(all[Int(s - 1)])
            case let .finalized(s): .finalized(all[Int(s - 1)])
            case let .rejected(e): .rejected(e)
            }
        }
    }

    /// Appends the logged receipts of `applied` (a batch of logged objects just applied):
    /// each must hold the entry this state computed (sequence, kind, id, time, chain hash),
    /// and a receipt whose whole batch was applied must prove this batch's root and name the
    /// state digest the replay reached.
    /// - Throws: `replayRejected` naming the first record that disagrees.
    mutating func seal(_ applied: AppliedBatch, logged receipts: [Receipt]) throws(LedgerError) {
        try Self.check(applied, logged: receipts)
        append(receipts)
    }

    /// The checks of `seal(_:logged:)` without keeping the receipts (a reader that audits a
    /// log holds the state, not every receipt).
    static func check(_ applied: AppliedBatch, logged receipts: [Receipt]) throws(LedgerError) {
        precondition(receipts.count == applied.pending.items.count, "one receipt per logged object")
        for (receipt, item) in zip(receipts, applied.pending.items) {
            switch item {
            case let .settled(s) where s == receipt.sequence: continue
            case let .rejected(e): throw .replayRejected(sequence: receipt.sequence, reason: e.description)
            default: throw .replayRejected(sequence: receipt.sequence, reason: "the object was settled before")
            }
        }
        var k = 0
        for tree in applied.trees {
            for i in 0..<tree.count {
                let r = receipts[k + i]
                let e = tree.entry(i)
                guard bytesEqual(r.entry, e) else {
                    throw .replayRejected(sequence: r.sequence, reason: "the receipt does not match the replayed chain")
                }
            }
            let head = receipts[k]
            if head.batchFirst == tree.first, head.batchSize == tree.count {
                guard head.batchRoot == tree.root else {
                    throw .replayRejected(sequence: head.sequence, reason: "the receipt's batch root differs from the replayed batch's")
                }
                guard head.stateDigest == tree.stateDigest else {
                    throw .replayRejected(sequence: head.sequence,
                                          reason: "the receipt's state digest differs from the replayed state's after the batch")
                }
            }
            k += tree.count
        }
    }

    /// Appends receipts in sequence order.
    mutating func append(_ receipts: [Receipt]) {
        precondition(receipts.first.map { $0.sequence == UInt64(all.count) + 1 } ?? true,
                     "receipts are appended in sequence order")
        all += receipts
    }

    /// Appends the receipt of the next sequence, read from a snapshot.
    /// - Throws: `corruptSnapshot` if it is not the next one in order.
    mutating func restore(_ r: Receipt) throws(LedgerError) {
        guard r.sequence == UInt64(all.count) + 1 else {
            throw .corruptSnapshot(path: "snapshot", reason: "receipt \(r.sequence) is out of order (expected \(all.count + 1))")
        }
        all.append(r)
    }

    /// Drops the last `n` receipts (a sealed batch whose log append failed).
    mutating func removeLast(_ n: Int) { all.removeLast(n) }
}
