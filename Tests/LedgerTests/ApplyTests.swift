@testable import Ledger
import Sodium
import Testing
import TestSupport
import ZKPayCore

@Suite("One apply path")
struct ApplyTests {
    let pool = Pool.shared

    @Test("two states applying the same ordered batches hold the same state, outcomes, events and roots, whatever key signs")
    func sameBatchesSameState() throws {
        var a = pool.emptyState(minimumFee: 1).state
        var b = pool.emptyState(minimumFee: 1).state
        let mints = OrderedBatch(time: 1, mints: [pool.mint])
        let am = a.apply(mints), bm = b.apply(mints)
        let transfers = OrderedBatch(time: 2, transfers: a.verifyVartime([pool.t1, pool.t5, pool.t2]))
        let at = a.apply(transfers), bt = b.apply(transfers)
        #expect(am.outcomes == bm.outcomes && at.outcomes == bt.outcomes)
        #expect(at.outcomes[0] == .settled(sequence: 2) && at.outcomes[1] == .settled(sequence: 3))
        #expect(at.outcomes[2] == .rejected(.doubleSpend(index: 0, note: pool.t2.inputs[0], spentBy: pool.t1.id)))
        #expect(at.trees.map(\.root) == bt.trees.map(\.root) && at.trees.map(\.count) == [2])
        #expect(at.events.all() == bt.events.all() && !at.events.all().isEmpty)
        #expect(a.snapshotBytes(receipts: SettledReceipts()) == b.snapshotBytes(receipts: SettledReceipts()))

        // Two validators of one ledger sign the same roots: same entries, different signatures,
        // each certified by its own key only.
        let otherKey = try ReceiptKey(seed: SecretBytes(copying: [UInt8](repeating: 3, count: 32)))
        let genesis = try Genesis(issuer: Pool.genesis.issuer, minimumFee: 1, validators: [
            Pool.genesis.validators[0], GenesisValidator(name: "v2", publicKey: otherKey.publicKey),
        ])
        let first = IndexedSigner(key: Pool.receiptKey, index: 0, chain: genesis.chainID)
        let second = IndexedSigner(key: otherKey, index: 1, chain: genesis.chainID)
        var ra = SettledReceipts(), rb = SettledReceipts()
        _ = ra.seal(am, signatures: am.signatures(signer: first))
        _ = rb.seal(bm, signatures: bm.signatures(signer: second))
        _ = ra.seal(at, signatures: at.signatures(signer: first))
        _ = rb.seal(bt, signatures: bt.signatures(signer: second))
        #expect(ra.all.map(\.entry) == rb.all.map(\.entry) && ra.all.count == 3)
        #expect(ra.all.allSatisfy { $0.signers.map(\.index) == [0] && $0.certificateError(genesis: genesis, quorum: 1) == nil })
        #expect(rb.all.allSatisfy { $0.signers.map(\.index) == [1] && $0.certificateError(genesis: genesis, quorum: 1) == nil })
        // Together they are a certificate of the two-validator ledger (quorum 2).
        for (a, b) in zip(ra.all, rb.all) { #expect(a.adding(b.signers).verify(genesis: genesis) && !a.verify(genesis: genesis)) }
    }

    @Test("the events a settled batch returns are the ones the log gives back for each owner")
    func liveEventsMatchTheLog() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        let (_, mintEvents) = try ledger.settle(OrderedBatch(time: 1, mints: [pool.mint]))
        let transfers = [pool.t1, pool.t5].map(DurableFixture.verification)
        let (_, transferEvents) = try ledger.settle(OrderedBatch(time: 2, transfers: transfers))
        let live = mintEvents.all() + transferEvents.all()
        #expect(live.map(\.kind) == [.minted, .sent, .received, .received, .sent, .received, .received])
        for owner in [pool.alice.spend.publicKey, pool.bob.spend.publicKey] {
            #expect(try ledger.events(for: owner) == live.filter { $0.owner == owner.encoding })
        }
    }

    @Test("recovery derives a logged transfer's id from its bytes: a record whose receipt names another transfer is refused")
    func recoveryDerivesIDs() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        do {
            let ledger = try Ledger(storage: storage)
            _ = try ledger.submit(mint: pool.mint, time: 1)
            _ = try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2)
        }
        let records = try recover(storage).payloads
        let t1Receipt = Array(records[1].prefix(try #require(Receipt.encodedLength(atStartOf: records[1][...]))))
        let expected = try Ledger(storage: storage).state.chainHash

        // The same records copied into a fresh ledger directory recover; t1's receipt over the
        // bytes of t2 (which spends the same note, so the rules alone would accept it) does not.
        for (body, accepted) in [(pool.t1.bytes, true), (pool.t2.bytes, false)] {
            let copy = SimulatedStorage()
            try DurableFixture.initialize(copy, minimumFee: 1)
            let (log, _) = try WriteAheadLog.open(storage: copy, options: LogOptions(), restore: { _ in }, replay: { _ in })
            _ = try log.append(payloads: [LogPayload(head: records[0]), LogPayload(head: t1Receipt, body: body)])
            do throws(GenesisError) {
                let reopened = try Ledger(storage: copy)
                #expect(accepted && reopened.state.sequence == 2 && reopened.state.chainHash == expected)
            } catch {
                guard case let .storage(.replayRejected(sequence, _)) = error else {
                    Issue.record("expected replayRejected, got \(error)")
                    continue
                }
                #expect(!accepted && sequence == 2)
            }
        }
    }
}
