import Ledger
import Sodium
import ZKPayCore

extension Ledger {
    /// Appends `count` transfers that are copies of the real transfer `template` rewritten
    /// into a chain, each spending both outputs of the one before, with every output owned
    /// by the template's sender and a zero fee. They satisfy the ledger rules, are signed
    /// and logged like real settlements, and replay like them, but their proofs no longer
    /// verify: they let recovery over a log of a million transfers be timed without building
    /// a million proofs (recovery does not re-verify proofs). `template` must be a 2-input,
    /// 2-output transfer whose inputs are unspent notes of this ledger, and the minimum fee
    /// must be 0.
    /// - Throws: storage errors; `replayRejected` if a rewritten transfer breaks a rule.
    func appendSyntheticChain(template: Transfer, count: Int, time: UInt64, batch: Int = 4096) throws(LedgerError) {
        var bytes = template.bytes
        let n = template.inputs.count
        let m = template.outputs.count
        precondition(n == m, "the chain spends every output of the transfer before: inputs and outputs must match")
        let layout = template.layout
        let sender = template.senderKey.bytes
        for j in 0..<m { bytes.replaceSubrange(layout.output(j)..<(layout.output(j) + 32), with: sender) }
        let feeAt = layout.fee
        bytes.replaceSubrange(feeAt..<(feeAt + 8), with: [UInt8](repeating: 0, count: 8))
        let idKey = Array(Domain.transferID.utf8)
        var objects: [[UInt8]] = []
        objects.reserveCapacity(batch)
        for i in 0..<count {
            objects.append(bytes)
            // The next transfer spends this one's outputs.
            let id = TransferID(uncheckedBytes: Hash.blake2b(bytes, outputLength: 32, key: idKey))
            for k in 0..<n {
                bytes.replaceSubrange(layout.input(k)..<(layout.input(k) + 32), with: NoteID(transfer: id, outputIndex: k).bytes)
            }
            if objects.count == batch || i == count - 1 {
                try settleByRulesOnly(objects, time: time)
                objects.removeAll(keepingCapacity: true)
            }
        }
    }
}

extension LedgerState {
    /// Inserts `count` unspent notes through the same path as settlement (notes, positions,
    /// owner index), with ids and outputs from `next` (random bytes in the benchmark) and
    /// `owners` distinct owners, so that the resident memory per unspent note can be
    /// measured without building a million proofs.
    mutating func insertSyntheticNotes(count: Int, owners: Int, next: () -> [UInt8]) {
        let ownerKeys = (0..<max(owners, 1)).map { _ in Array(next().prefix(32)) }
        for i in 0..<count {
            let id = NoteID(uncheckedBytes: Array(next().prefix(32)))
            var output = ownerKeys[i % ownerKeys.count]
            while output.count < Output.encodedLength { output += next() }
            output.removeLast(output.count - Output.encodedLength)
            insertUnspentForMeasurement(id, output, at: NotePosition(sequence: UInt64(i / 16 + 1), index: UInt16(i % 16)))
        }
    }
}
