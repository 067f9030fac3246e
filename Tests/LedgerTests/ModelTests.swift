@testable import Ledger
import Ristretto255
import Testing
import TestSupport
import ZKPayCore

/// A plain model of the ledger rules: sets and counters, applied one object at a time.
struct LedgerModel {
    enum Expected: Equatable {
        case settled(UInt64)
        case finalized(UInt64)
        case rejected(String, spentBy: TransferID?)
    }

    var unspent = Set<NoteID>()
    var spentBy: [NoteID: TransferID] = [:]
    var settled: [[UInt8]: UInt64] = [:]
    var sequence: UInt64 = 0
    var fees: UInt64 = 0
    var minted: UInt64 = 0

    mutating func mint(_ m: Mint) -> Expected {
        if let s = settled[m.id.bytes] { return .finalized(s) }
        sequence += 1
        settled[m.id.bytes] = sequence
        minted += m.total
        for n in m.createdNotes { unspent.insert(n.id) }
        return .settled(sequence)
    }

    mutating func transfer(_ t: Transfer) -> Expected {
        if let s = settled[t.id.bytes] { return .finalized(s) }
        for n in t.inputs {
            if let spender = spentBy[n] { return .rejected("double_spend", spentBy: spender) }
            if !unspent.contains(n) { return .rejected("unknown_input", spentBy: nil) }
        }
        sequence += 1
        settled[t.id.bytes] = sequence
        for n in t.inputs {
            unspent.remove(n)
            spentBy[n] = t.id
        }
        for n in t.outputIDs { unspent.insert(n) }
        fees += t.fee
        return .settled(sequence)
    }
}

@Suite("Ledger against a model")
struct ModelTests {
    let pool = Pool.shared

    static func observed(_ o: Outcome) -> LedgerModel.Expected {
        switch o {
        case let .settled(r): .settled(r.sequence)
        case let .finalized(r): .finalized(r.sequence)
        case let .rejected(e):
            if case let .doubleSpend(_, _, spender) = e { .rejected(e.code, spentBy: spender) } else {
                .rejected(e.code, spentBy: nil)
            }
        }
    }

    @Test("random mints, transfers, double spends, resubmissions, snapshots and restarts match the model",
          arguments: [UInt64(0x51a7e_0001), 0x51a7e_0002, 0x51a7e_0003])
    func randomRuns(seed: UInt64) throws {
        print("ModelTests seed \(seed)")
        var rng = SeededRNG(seed: seed)
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        var ledger = try Ledger(storage: storage)
        var model = LedgerModel()
        var receipts: [UInt64: Receipt] = [:]
        let transfers = [pool.t1, pool.t2, pool.t3, pool.t4, pool.t5]
        let mints = [pool.mint, pool.mint2]
        var restarts = 0
        var settledTransfers = 0
        for step in 0..<testIterations(40) {
            let roll = rng.next() % 10
            if roll < 2 {
                let m = mints[Int(rng.next() % 2)]
                let o = try ledger.submit(mint: m, time: UInt64(step))
                let expected = model.mint(m)
                #expect(Self.observed(o) == expected, "step \(step): mint")
                check(o, &receipts)
            } else if roll < 8 {
                let k = 1 + Int(rng.next() % 3)
                let batch = (0..<k).map { _ in transfers[Int(rng.next() % UInt64(transfers.count))] }
                if rng.next() % 4 == 0 {
                    // Power loss somewhere in this batch's write: recovery keeps an
                    // acknowledged prefix plus possibly whole records of the batch.
                    storage.crashAfterBytes = storage.bytesWritten + Int(rng.next() % 4000)
                    var crashed = false
                    do { _ = try ledger.submit(batch, time: UInt64(step)) } catch { crashed = true }
                    let acknowledged = crashed ? model.sequence : ledger.state.sequence
                    storage.restart(keepingUnsyncedBytes: Int(rng.next() % UInt64(storage.unsyncedBytes + 1)))
                    ledger = try Ledger(storage: storage)
                    #expect(ledger.state.sequence >= acknowledged, "step \(step): acknowledged records lost")
                    for t in batch where model.sequence < ledger.state.sequence {
                        let o = model.transfer(t)
                        if case .settled = o { settledTransfers += 1 }
                    }
                    restarts += 1
                    #expect(ledger.state.sequence == model.sequence, "step \(step): recovered a non-prefix")
                    compare(ledger, model, step)
                    continue
                }
                let out = try ledger.submit(batch, time: UInt64(step))
                for (t, o) in zip(batch, out) {
                    let expected = model.transfer(t)
                    #expect(Self.observed(o) == expected, "step \(step): transfer \(t.id)")
                    if case .settled = o { settledTransfers += 1 }
                    check(o, &receipts)
                }
            } else if roll < 9 {
                try ledger.snapshot()
            } else {
                let chain = ledger.state.chainHash
                storage.restart()
                ledger = try Ledger(storage: storage)
                #expect(ledger.state.chainHash == chain, "step \(step): restart changed the chain")
                restarts += 1
            }
            compare(ledger, model, step)
        }
        print("ModelTests seed \(seed): \(restarts) restarts, \(settledTransfers) transfers settled")
    }

    func compare(_ ledger: Ledger, _ model: LedgerModel, _ step: Int) {
        #expect(ledger.state.sequence == model.sequence, "step \(step)")
        #expect(Set(ledger.state.unspent.keys) == model.unspent, "step \(step)")
        #expect(ledger.state.feePool == model.fees && ledger.state.minted == model.minted, "step \(step)")
        #expect(ledger.auditVartime().ok, "step \(step): audit")
    }

    /// A receipt for a sequence is always the same receipt, and it verifies.
    func check(_ o: Outcome, _ receipts: inout [UInt64: Receipt]) {
        guard let r = o.receipt else { return }
        #expect(r.verify(genesis: Pool.genesis))
        if let earlier = receipts[r.sequence] { #expect(earlier == r) } else { receipts[r.sequence] = r }
    }
}
