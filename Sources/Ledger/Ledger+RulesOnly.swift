package import ZKPayCore

extension Ledger {
    /// Settles encoded transfers in order by the ledger rules alone, as one signed, logged
    /// batch: the rules are checked as on replay (inputs exist, are unspent and owned by the
    /// sender), but proofs and signatures are not verified. Package-level and never on a
    /// product path (validators settle only `Verification`s): the tools use it to fill a log
    /// with transfers rewritten from a real one, whose proofs no longer hold, to time
    /// recovery (which does not re-verify proofs either).
    /// - Throws: storage errors; `replayRejected` if a transfer does not decode (nothing
    ///   changes) or breaks a rule (the ledger is then left with that batch applied and
    ///   unlogged: tool setup only).
    package func settleByRulesOnly(_ transfers: [[UInt8]], time: UInt64) throws(LedgerError) {
        var objects: [LoggedObject] = []
        objects.reserveCapacity(transfers.count)
        for (i, bytes) in transfers.enumerated() {
            do { objects.append(.transfer(try TransferFacts.parse(bytes))) } catch {
                throw .replayRejected(sequence: UInt64(i), reason: "rules-only transfer: \(error)")
            }
        }
        // Applied, signed and logged like a real batch (one signature, one append).
        let applied = state.apply(OrderedBatch(time: time, logged: objects))
        if let rejected = applied.outcomes.firstIndex(where: { if case .settled = $0 { false } else { true } }) {
            throw .replayRejected(sequence: UInt64(rejected), reason: "rules-only transfer: \(applied.outcomes[rejected])")
        }
        let outcomes = receipts.seal(applied, signatures: applied.signatures(signer: signer))
        let payloads = zip(outcomes, transfers).compactMap { o, object in
            o.receipt.map { LogPayload(head: $0.bytes, body: object) }
        }
        // Appended without `commit`'s periodic snapshot: the log is the subject.
        _ = try log.append(payloads: payloads)
    }
}

extension LedgerState {
    /// Adds an unspent note through the settlement path's insertion (notes, positions, owner
    /// index) without a transfer or mint behind it. Package-level and never on a product
    /// path: the tools use it to measure the resident memory per unspent note.
    package mutating func insertUnspentForMeasurement(_ id: NoteID, _ output: [UInt8], at position: NotePosition) {
        insertUnspent(id, output, at: position)
    }
}
