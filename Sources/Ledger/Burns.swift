import BatchVerify
import Ristretto255
import ZKPayCore

/// What the ledger needs of a redemption (docs/PROTOCOL.md §7.11): the inner transfer's
/// facts (its note ids derive from the inner transfer id), the redemption id under which it
/// settles, and the burn it records.
struct RedemptionFacts: Sendable {
    /// The inner transfer, read in place.
    let transfer: TransferFacts
    /// The redemption.
    let redemption: Redemption
    /// The redemption id as a hash key: the settled id (receipt, chain hash, spender).
    let idKey: Key32

    init(_ r: Redemption) {
        redemption = r
        transfer = TransferFacts(r.transfer)
        idKey = Key32(id: r.id)
    }

    /// The burn the settlement records.
    var burn: LedgerState.Burn {
        LedgerState.Burn(id: idKey, index: redemption.burnedIndex, amount: redemption.amount, blinding: redemption.blinding)
    }

    /// The notes settling it creates (every output of the inner transfer but the burned one).
    var createdKeys: ArraySlice<Key32> {
        ArraySlice(transfer.outputKeys.enumerated().filter { $0.offset != redemption.burnedIndex }.map(\.element))
    }
}

extension LedgerState {
    /// A burned output as a settlement records it.
    struct Burn {
        /// The redemption id (settled id and spender of the inputs).
        let id: Key32
        /// The burned output, never created.
        let index: Int
        let amount: UInt64
        let blinding: Scalar
    }

    /// Verifies redemptions against this state as one batch: each one's inputs must be
    /// unspent notes of the ledger; then the statements of all of them (inner transfers,
    /// openings of the burned outputs, holder signatures) are checked with one multiscalar
    /// multiplication on `backend`, the generator terms shared; a failing batch is bisected,
    /// and each redemption found invalid is checked alone to name its error.
    /// - Returns: per redemption, in order, the facts to stage and the input notes' encodings
    ///   it was verified against, or why it is refused (`unknownInput`, `doubleSpend`,
    ///   `inputMismatch` or `invalid(...)`).
    /// - Warning: Variable time; public data only.
    func verifyVartime(_ redemptions: [Redemption]) -> [Result<(facts: RedemptionFacts, inputs: [UInt8]), LedgerRejection>] {
        var results = [Result<(facts: RedemptionFacts, inputs: [UInt8]), LedgerRejection>?](repeating: nil,
                                                                                              count: redemptions.count)
        var checked: [(index: Int, inputs: [InputNote], records: [UInt8], statements: [Statement])] = []
        for (i, r) in redemptions.enumerated() {
            // A settled one is answered with its receipt when staged.
            if settledSequences[Key32(id: r.id)] != nil {
                results[i] = .success((RedemptionFacts(r), []))
                continue
            }
            do throws(LedgerRejection) {
                let (inputs, records) = try inputNotes(of: r.transfer)
                let statements: [Statement]
                do { statements = try r.statements(inputs: inputs, auditors: auditors, backend: backend) } catch {
                    throw .invalid(error)
                }
                checked.append((i, inputs, records, statements))
            } catch {
                results[i] = .failure(error)
            }
        }
        let verifier = BatchVerifier(backend: backend)
        let invalid = Set(verifier.invalidItemsVartime(checked.map(\.statements)))
        for (n, c) in checked.enumerated() {
            let r = redemptions[c.index]
            if invalid.contains(n) {
                do {
                    try r.verifyVartime(inputs: c.inputs, auditors: auditors, verifier: verifier)
                } catch {
                    results[c.index] = .failure(.invalid(error))
                    continue
                }
            }
            results[c.index] = .success((RedemptionFacts(r), c.records))
        }
        return results.map { verdict in
            guard let verdict else { preconditionFailure("every redemption gets a verdict above") }
            return verdict
        }
    }

    /// The notes a transfer spends, as this state holds them, and their records in order.
    /// - Throws: `unknownInput`, `doubleSpend` or `inputMismatch` naming the input.
    private func inputNotes(of transfer: Transfer) throws(LedgerRejection) -> ([InputNote], [UInt8]) {
        var inputs: [InputNote] = []
        var records: [UInt8] = []
        for (k, n) in transfer.inputs.enumerated() {
            guard let bytes = unspent[n] else {
                if let spender = spentBy[n] { throw .doubleSpend(index: k, note: n, spentBy: spender) }
                throw .unknownInput(index: k, note: n)
            }
            guard bytes.count >= 64, let owner = try? RistrettoPoint(encoding: bytes[0..<32]),
                  let commitment = try? RistrettoPoint(encoding: bytes[32..<64])
            else { throw .inputMismatch(index: k) }
            inputs.append(InputNote(id: n, owner: owner, commitment: commitment))
            records += bytes
        }
        return (inputs, records)
    }

    /// Settles a redemption into `batch` (or records why not): the inner transfer under the
    /// ledger rules, every output but the burned one created, the burn added to the burned
    /// total. `verifiedInputs`: the input notes it was verified against (nil on replay).
    mutating func stage(_ r: RedemptionFacts, verifiedInputs: [UInt8]?, time: UInt64, into batch: inout PendingBatch) {
        if let s = settledSequences[r.idKey] { return batch.items.append(.finalized(sequence: s)) }
        if let rejection = check(r.transfer, verifiedInputs: verifiedInputs) ?? checkBurn(r) {
            return batch.items.append(.rejected(rejection))
        }
        if batch.chainHashBefore == nil { batch.chainHashBefore = chainHash }
        let first = batch.removed.count
        let burn = r.burn
        settle(r.transfer, inputRecords: verifiedInputs, removed: &batch.removed, undoable: batch.undoable, burn: burn)
        if batch.undoable {
            batch.undos.append(Undo(id: r.idKey, removed: first..<batch.removed.count, created: r.createdKeys,
                                    fee: r.transfer.fee, minted: 0, blindings: .zero, isTransfer: true,
                                    burned: burn.amount, burnBlinding: burn.blinding))
        }
        recordSettled(kind: .redemption, id: r.idKey, time: time, into: &batch)
    }

    /// The supply rule of a burn: the fees and burns together never exceed what was minted
    /// (a valid redemption cannot break it; a crafted log could).
    func checkBurn(_ r: RedemptionFacts) -> LedgerRejection? {
        let (b, o1) = burned.addingReportingOverflow(r.redemption.amount)
        let (out, o2) = b.addingReportingOverflow(feePool)
        let (total, o3) = out.addingReportingOverflow(r.transfer.fee)
        guard !o1, !o2, !o3, total <= minted else { return .burnOverflow(amount: r.redemption.amount) }
        return nil
    }
}

extension LedgerEvent {
    /// The events of a redemption settled at `sequence` (`redemptionEvents` over its notes).
    /// - Throws: `replayRejected` if an output does not decode as a note.
    static func events(of r: RedemptionFacts, sequence: UInt64, time: UInt64, issuer: [UInt8]) throws(LedgerError)
        -> [LedgerEvent]
    {
        let f = r.transfer
        var notes: [Note] = []
        for (j, (n, o)) in zip(f.outputIDs, f.outputs).enumerated() where j != r.redemption.burnedIndex {
            guard let note = try? Note(bytes: [Note.objectType, Note.version] + n.bytes + o) else {
                throw .replayRejected(sequence: sequence, reason: "output note \(n) does not decode")
            }
            notes.append(note)
        }
        let burn = LedgerEvent.Burn(amount: r.redemption.amount, reference: r.redemption.reference,
                                    holder: r.redemption.holder.encoding)
        return redemptionEvents(sequence: sequence, id: r.idKey.bytes, time: time, sender: Array(f.sender), inputs: f.inputs,
                                fee: f.fee, outputs: notes, burn: burn, issuer: issuer)
    }
}
