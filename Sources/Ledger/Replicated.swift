public import ZKPayCore

extension Ledger {
    /// Applies a batch of the replicated log that another validator (the leader) wrote:
    /// every item is decoded from its bytes and re-verified against this ledger's state
    /// (signatures and range proofs in one batch across `workers`, mint signatures), applied
    /// through the same apply path as a submission, signed and made durable here. Every item
    /// must settle, in order, from `firstSequence`, and the chain must end at the batch's
    /// chain hash: anything else means the leader is faulty, and nothing of the batch is kept.
    ///
    /// A batch this ledger already holds (its own append, seen again in the log) is checked
    /// against the receipt at its last sequence and skipped.
    /// - Returns: the outcomes and events of a newly applied batch; nil for one already held.
    /// - Throws: `replicaRejected` naming the first item refused; storage errors from the append.
    /// - Warning: Variable time; public data only.
    public func applyReplicated(_ record: ReplicatedBatch, workers: WorkerPool?)
        throws(LedgerError) -> (outcomes: [Outcome], events: BatchEvents)?
    {
        if record.lastSequence <= state.sequence {
            guard let held = receipts.receipt(at: record.lastSequence), held.chainHash == record.chainHash else {
                throw .replicaRejected(sequence: record.firstSequence,
                                       reason: "this ledger settled other items at sequences \(record.firstSequence)...\(record.lastSequence)")
            }
            return nil
        }
        guard record.firstSequence == state.sequence + 1, record.previousChainHash == state.chainHash else {
            throw .replicaRejected(sequence: record.firstSequence,
                                   reason: "it does not continue this ledger's chain (at sequence \(state.sequence))")
        }
        let batch: OrderedBatch
        switch record.kind {
        case .transfers:
            var transfers: [Transfer] = []
            transfers.reserveCapacity(record.items.count)
            for (i, bytes) in record.items.enumerated() {
                do { transfers.append(try Transfer(bytes: bytes, backend: backend)) } catch {
                    throw .replicaRejected(sequence: record.firstSequence + UInt64(i), reason: "the transfer does not decode: \(error)")
                }
            }
            let verdicts = state.verifyVartime(transfers, workers: workers)
            for (i, v) in verdicts.enumerated() {
                let sequence = record.firstSequence + UInt64(i)
                switch v {
                case .verified: continue
                case let .finalized(s): throw .replicaRejected(sequence: sequence, reason: "the transfer was settled before, at \(s)")
                case let .rejected(e): throw .replicaRejected(sequence: sequence, reason: e.description)
                }
            }
            batch = OrderedBatch(time: record.time, transfers: verdicts)
        case .mints:
            var mints: [Mint] = []
            for (i, bytes) in record.items.enumerated() {
                do { mints.append(try Mint(bytes: bytes)) } catch {
                    throw .replicaRejected(sequence: record.firstSequence + UInt64(i), reason: "the mint does not decode: \(error)")
                }
            }
            batch = OrderedBatch(time: record.time, mints: mints)
        }
        let applied = state.apply(batch)
        for (i, item) in applied.pending.items.enumerated() {
            guard case let .settled(s) = item, s == record.firstSequence + UInt64(i) else {
                state.undo(applied.pending)
                let reason = if case let .rejected(e) = item { e.description } else { "it was settled before" }
                throw .replicaRejected(sequence: record.firstSequence + UInt64(i), reason: reason)
            }
        }
        guard state.chainHash == record.chainHash else {
            state.undo(applied.pending)
            throw .replicaRejected(sequence: record.firstSequence, reason: "applying it gives another chain hash than the leader's")
        }
        let outcomes = receipts.seal(applied, signatures: applied.signatures(key: key))
        var payloads: [LogPayload] = []
        payloads.reserveCapacity(outcomes.count)
        for (i, outcome) in outcomes.enumerated() {
            if case let .settled(r) = outcome { payloads.append(LogPayload(head: r.bytes, body: record.items[i])) }
        }
        try commit(payloads, applied.pending)
        return (outcomes, applied.events)
    }
}
