public import BatchVerify
public import ZKPayCore

extension Ledger {
    /// Applies a batch of the replicated log that another validator (the leader) wrote:
    /// every item is decoded from its bytes and re-verified against this ledger's state
    /// (signatures and range proofs in one batch split by `parallelism`, mint signatures), applied
    /// through the same apply path as a submission, signed and made durable here. Every item
    /// must settle, in order, from `firstSequence`, and the chain must end at the batch's
    /// chain hash: anything else means the leader is faulty, and nothing of the batch is kept.
    ///
    /// A batch this ledger already holds (its own append, seen again in the log) is checked
    /// against the receipt at its last sequence and skipped; one it holds in part (a crash
    /// cut its local append after the log committed it) is completed.
    /// - Returns: the outcomes and events of a newly applied batch; nil for one already held.
    /// - Throws: `replicaRejected` naming the first item refused; storage errors from the append.
    /// - Warning: Variable time; public data only.
    public func applyReplicated(_ record: ReplicatedBatch, parallelism: Parallelism)
        throws(LedgerError) -> (outcomes: [Outcome], events: BatchEvents)?
    {
        if record.lastSequence <= state.sequence {
            guard let held = receipts.receipt(at: record.lastSequence), held.chainHash == record.chainHash else {
                throw .replicaRejected(sequence: record.firstSequence,
                                       reason: "this ledger settled other items at sequences \(record.firstSequence)...\(record.lastSequence)")
            }
            return nil
        }
        // A batch this ledger holds in part: the first items reached its log before a crash
        // cut the rest (a torn tail keeps whole records of a batch the log committed). The
        // rest is applied after them; the chain hash at the end covers the held part too.
        let skip: Int
        if record.firstSequence <= state.sequence {
            skip = Int(state.sequence - record.firstSequence + 1)
        } else {
            guard record.firstSequence == state.sequence + 1, record.previousChainHash == state.chainHash else {
                throw .replicaRejected(sequence: record.firstSequence,
                                       reason: "it does not continue this ledger's chain (at sequence \(state.sequence))")
            }
            skip = 0
        }
        let items = Array(record.items[skip...])
        let first = record.firstSequence + UInt64(skip)
        let batch: OrderedBatch
        switch record.kind {
        case .transfers:
            var transfers: [Transfer] = []
            transfers.reserveCapacity(items.count)
            for (i, bytes) in items.enumerated() {
                do { transfers.append(try Transfer(bytes: bytes, backend: backend)) } catch {
                    throw .replicaRejected(sequence: first + UInt64(i), reason: "the transfer does not decode: \(error)")
                }
            }
            let verdicts = state.verifyVartime(transfers, parallelism: parallelism)
            for (i, v) in verdicts.enumerated() {
                let sequence = first + UInt64(i)
                switch v {
                case .verified: continue
                case let .finalized(s): throw .replicaRejected(sequence: sequence, reason: "the transfer was settled before, at \(s)")
                case let .rejected(e): throw .replicaRejected(sequence: sequence, reason: e.description)
                }
            }
            batch = OrderedBatch(time: record.time, transfers: verdicts)
        case .mints:
            var mints: [Mint] = []
            for (i, bytes) in items.enumerated() {
                do { mints.append(try Mint(bytes: bytes)) } catch {
                    throw .replicaRejected(sequence: first + UInt64(i), reason: "the mint does not decode: \(error)")
                }
            }
            batch = OrderedBatch(time: record.time, mints: mints)
        case .redemptions:
            var redemptions: [Redemption] = []
            for (i, bytes) in items.enumerated() {
                do { redemptions.append(try Redemption(bytes: bytes, backend: backend)) } catch {
                    throw .replicaRejected(sequence: first + UInt64(i), reason: "the redemption does not decode: \(error)")
                }
            }
            batch = OrderedBatch(time: record.time, redemptions: redemptions)
        case .authorities:
            var statements: [AuthorityStatement] = []
            for (i, bytes) in items.enumerated() {
                do { statements.append(try AuthorityStatement(bytes: bytes)) } catch {
                    throw .replicaRejected(sequence: first + UInt64(i), reason: "the authority statement does not decode: \(error)")
                }
            }
            batch = OrderedBatch(time: record.time, authorities: statements)
        }
        let applied = state.apply(batch)
        for (i, item) in applied.pending.items.enumerated() {
            guard case let .settled(s) = item, s == first + UInt64(i) else {
                state.undo(applied.pending)
                let reason = if case let .rejected(e) = item { e.description } else { "it was settled before" }
                throw .replicaRejected(sequence: first + UInt64(i), reason: reason)
            }
        }
        guard state.chainHash == record.chainHash else {
            state.undo(applied.pending)
            throw .replicaRejected(sequence: first, reason: "applying it gives another chain hash than the leader's")
        }
        let outcomes = receipts.seal(applied, signatures: applied.signatures(signer: signer))
        var payloads: [LogPayload] = []
        payloads.reserveCapacity(outcomes.count)
        for (i, outcome) in outcomes.enumerated() {
            if case let .settled(r) = outcome { payloads.append(LogPayload(head: r.bytes, body: items[i])) }
        }
        try commit(payloads, applied.pending)
        return (outcomes, applied.events)
    }
}
