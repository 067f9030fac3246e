package import ZKPayCore

extension Ledger {
    /// Settles encoded transfers in order by the ledger rules alone, as one signed, logged
    /// batch: the rules are checked as on replay (inputs exist, are unspent and owned by the
    /// sender), but proofs and signatures are not verified. Package-level and never on a
    /// product path (validators settle only `Verification`s): the tools use it to fill a log
    /// with transfers rewritten from a real one, whose proofs no longer hold, to time
    /// recovery (which does not re-verify proofs either).
    /// - Throws: storage errors; `replayRejected` (nothing of the batch is logged) if a
    ///   transfer does not decode or breaks a rule.
    package func settleByRulesOnly(_ transfers: [[UInt8]], time: UInt64) throws(LedgerError) {
        var pending = LedgerState.PendingBatch(capacity: transfers.count)
        for (i, bytes) in transfers.enumerated() {
            let f: TransferFacts
            do { f = try TransferFacts.parse(bytes) } catch {
                state.undo(pending)
                throw .replayRejected(sequence: UInt64(i), reason: "rules-only transfer: \(error)")
            }
            if let e = state.check(f, verifiedInputs: nil) {
                state.undo(pending)
                throw .replayRejected(sequence: UInt64(i), reason: "rules-only transfer: \(e)")
            }
            state.stage(f, verifiedInputs: nil, time: time, into: &pending)
        }
        let outcomes = state.seal(pending, key: key)
        let payloads = zip(outcomes, transfers).compactMap { o, object in
            o.receipt.map { LogPayload(head: $0.bytes, body: object) }
        }
        // Appended without `commit`'s periodic snapshot: the log is the subject.
        do { _ = try log.append(payloads: payloads) } catch {
            state.undo(pending)
            throw error
        }
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
