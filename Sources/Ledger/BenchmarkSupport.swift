package import ZKPayCore

extension Ledger {
    /// Benchmark support (package-only, never for real use): appends `count` transfers that
    /// are copies of the real transfer `template` rewritten into a chain, each spending both
    /// outputs of the one before, with every output owned by the template's sender and a
    /// zero fee. They satisfy the ledger rules, are signed and logged like real settlements,
    /// and replay like them, but their proofs no longer verify: they exist so that recovery
    /// over a log of a million transfers can be timed without building a million proofs
    /// (recovery does not re-verify proofs). `template` must be a 2-output transfer whose
    /// inputs are unspent notes of this ledger, and the minimum fee must be 0.
    /// - Throws: storage errors; `replayRejected` if a rewritten transfer breaks a rule (the
    ///   ledger is then left with that batch applied and unlogged: benchmark setup only).
    package func appendSyntheticChainForBenchmark(template: Transfer, count: Int, time: UInt64,
                                                  batch: Int = 4096) throws(LedgerError)
    {
        var bytes = template.bytes
        let n = template.inputs.count
        let m = template.outputs.count
        let start = 3 + 32 * n + 1
        let sender = template.senderKey.bytes
        for j in 0..<m { bytes.replaceSubrange((start + j * Output.encodedLength)..<(start + j * Output.encodedLength + 32), with: sender) }
        let feeAt = start + m * Output.encodedLength
        bytes.replaceSubrange(feeAt..<(feeAt + 8), with: [UInt8](repeating: 0, count: 8))
        var previousOutputs: [NoteID]? = nil
        var objects: [LoggedObject] = []
        objects.reserveCapacity(batch)
        for i in 0..<count {
            if let previousOutputs {
                // The inputs become the previous transfer's outputs (n must equal m, or the
                // first min(n, m) are replaced and the rest stay the template's: keep n == m).
                for (k, id) in previousOutputs.prefix(n).enumerated() {
                    bytes.replaceSubrange((3 + 32 * k)..<(3 + 32 * k + 32), with: id.bytes)
                }
            }
            let f: TransferFacts
            do { f = try TransferFacts.parse(bytes) } catch {
                throw .replayRejected(sequence: UInt64(i), reason: "synthetic transfer: \(error)")
            }
            objects.append(.transfer(f))
            previousOutputs = f.outputIDs
            if objects.count == batch || i == count - 1 {
                // Applied, signed and logged like a real batch (one signature, one append).
                let applied = state.apply(OrderedBatch(time: time, logged: objects))
                if let rejected = applied.outcomes.firstIndex(where: { if case .settled = $0 { false } else { true } }) {
                    throw .replayRejected(sequence: UInt64(i - objects.count + 1 + rejected),
                                          reason: "synthetic transfer: \(applied.outcomes[rejected])")
                }
                let outcomes = receipts.seal(applied, signatures: applied.signatures(key: key))
                let payloads = zip(outcomes, objects).compactMap { o, object in
                    o.receipt.map { r in
                        if case let .transfer(f) = object { LogPayload(head: r.bytes, body: f.encoding) } else { nil }
                    } ?? nil
                }
                _ = try log.append(payloads: payloads)
                objects.removeAll(keepingCapacity: true)
            }
        }
    }
}

extension LedgerState {
    /// Benchmark support (package-only, never for real use): inserts `count` unspent notes
    /// through the same path as settlement (notes, positions, owner index), with ids and
    /// outputs from `next` (random bytes in the benchmark) and `owners` distinct owners,
    /// so that the resident memory per unspent note can be measured without building a
    /// million proofs.
    package mutating func insertSyntheticNotesForBenchmark(count: Int, owners: Int, next: () -> [UInt8]) {
        let ownerKeys = (0..<max(owners, 1)).map { _ in Array(next().prefix(32)) }
        for i in 0..<count {
            let id = NoteID(uncheckedBytes: Array(next().prefix(32)))
            var output = ownerKeys[i % ownerKeys.count]
            while output.count < Output.encodedLength { output += next() }
            output.removeLast(output.count - Output.encodedLength)
            insertUnspent(id, output, at: NotePosition(sequence: UInt64(i / 16 + 1), index: UInt16(i % 16)))
        }
    }
}
