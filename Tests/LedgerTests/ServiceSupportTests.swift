@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import Validator
import ZKPayCore

/// What the validator service needs of the ledger: the owner index, record and object
/// lookup, one event derivation for replay and live streams, parallel verification.
@Suite("Ledger service support")
struct ServiceSupportTests {
    let pool = Pool.shared

    /// The owner index must equal a scan of the unspent notes, owner by owner, in
    /// (sequence created, output index) order.
    func checkIndex(_ state: LedgerState, _ context: String) {
        var byOwner: [[UInt8]: [NoteID]] = [:]
        for (id, o) in state.unspent { byOwner[Array(o.prefix(32)), default: []].append(id) }
        #expect(Set(byOwner.keys) == Set(state.byOwner.keys), "\(context)")
        for (owner, ids) in byOwner {
            let expected = ids.sorted { a, b in
                let pa = state.positions[a] ?? NotePosition(sequence: 0, index: 0)
                let pb = state.positions[b] ?? NotePosition(sequence: 0, index: 0)
                return pa != pb ? pa < pb : a < b
            }
            guard let key = try? RistrettoPoint(encoding: owner) else {
                Issue.record("undecodable owner")
                continue
            }
            #expect(state.unspentNotes(owner: key).map(\.id) == expected, "\(context)")
            #expect(state.unspentCount(owner: key) == ids.count, "\(context)")
        }
        #expect(Set(state.positions.keys) == Set(state.unspent.keys), "\(context)")
    }

    @Test("the owner index follows every apply, failed-batch undo, replay and snapshot load")
    func ownerIndex() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        checkIndex(ledger.state, "empty")
        _ = try ledger.submit(mint: pool.mint, time: 1)
        checkIndex(ledger.state, "after the mint")
        // Mint notes come in output order.
        #expect(ledger.state.unspentNotes(owner: pool.alice.spend.publicKey).map(\.id) == pool.mint.createdNotes.map(\.id))
        _ = try ledger.submit([pool.t1], time: 2)
        checkIndex(ledger.state, "after t1")
        // A failed batch (disk full) is undone: the index is as before.
        let before = ledger.state.unspentNotes(owner: pool.bob.spend.publicKey).map(\.id)
        storage.capacity = storage.usedBytes + 10
        #expect(throws: LedgerError.self) { _ = try ledger.submit([pool.t3, pool.t5], time: 3) }
        storage.capacity = nil
        checkIndex(ledger.state, "after the undo")
        #expect(ledger.state.unspentNotes(owner: pool.bob.spend.publicKey).map(\.id) == before)
        _ = try ledger.submit([pool.t3, pool.t5], time: 4)
        checkIndex(ledger.state, "after t3, t5")
        let bobNotes = ledger.state.unspentNotes(owner: pool.bob.spend.publicKey).map(\.id)
        // Replay rebuilds the same index and positions.
        let replayed = try Ledger(storage: storage)
        checkIndex(replayed.state, "after replay")
        #expect(replayed.state.positions == ledger.state.positions)
        #expect(replayed.state.unspentNotes(owner: pool.bob.spend.publicKey).map(\.id) == bobNotes)
        // A snapshot (version 3) keeps the positions.
        try ledger.snapshot()
        let restored = try Ledger(storage: storage)
        #expect(restored.recovery.snapshotSequence == 4)
        checkIndex(restored.state, "after the snapshot load")
        #expect(restored.state.positions == ledger.state.positions)
        #expect(restored.snapshotBytes == ledger.snapshotBytes)
    }

    @Test("a snapshot of an earlier state version is refused with a clear error, never a trap")
    func earlierSnapshotVersion() throws {
        var s = pool.emptyState(minimumFee: 1)
        _ = s.mintOrFail(pool.mint)
        _ = s.submit([pool.t1])
        var bytes = s.state.snapshotBytes(receipts: s.receipts)
        // Version 5 is version 6 without the statement count (after the unspent notes, the
        // spent notes and the excesses, each list after its u64 count); version 4 is version 5
        // without the burn fields (offset 89: after version, sequence, chain hash, minted, fee
        // pool and Σ mint blindings). Both are still read, with nothing burned and no statement.
        let statements = 129 + 8 + s.state.unspent.count * (32 + Output.encodedLength + 10) + 8 + s.state.spentBy.count * 64
            + 8 + s.state.excesses.count
        #expect(bytes[statements..<(statements + 8)].allSatisfy { $0 == 0 })
        var v5 = Array(bytes[0..<statements]) + Array(bytes[(statements + 8)...])
        v5[0] = 5
        var v4 = Array(v5[0..<89]) + Array(v5[(89 + 8 + 32)...])
        v4[0] = 4
        for old in [v5, v4] {
            var restoredReceipts = SettledReceipts()
            let restored = try LedgerState(issuer: pool.issuer.spend.publicKey, minimumFee: 1, chainID: pool.chain,
                                           snapshot: old, receipts: &restoredReceipts)
            #expect(restored.snapshotBytes(receipts: restoredReceipts) == bytes && restored.burned == 0)
            #expect(restored.authorities.statements.isEmpty)
        }
        for version: UInt8 in [1, 2, 3, 7] {
            bytes[0] = version
            var receipts = SettledReceipts()
            #expect(throws: LedgerError.corruptSnapshot(path: "snapshot", reason: "state version \(version); this build reads version 6")) {
                _ = try LedgerState(issuer: pool.issuer.spend.publicKey, minimumFee: 1, chainID: pool.chain,
                                    snapshot: bytes, receipts: &receipts)
            }
        }
    }

    @Test("record(at:) returns every durable record across rotated files, before and after appends; nil past the end")
    func recordLookup() throws {
        var rng = SeededRNG(seed: 0x10_0c0f)
        print("record lookup seed \(0x10_0c0f)")
        let storage = SimulatedStorage()
        let options = LogOptions(rotateAfterBytes: 120)
        var (log, _) = try WriteAheadLog.open(storage: storage, options: options, replay: { _ in })
        var all: [[UInt8]] = []
        for round in 0..<6 {
            let batch = randomBatch(&rng, count: 1 + round % 3)
            try log.append(batch: batch)
            all += batch
            // Look up a few (indexes the files), then append more (extends the index).
            for s in stride(from: 1, through: all.count, by: 2) {
                #expect(try log.record(at: UInt64(s))?.payload == all[s - 1])
            }
        }
        #expect(log.fileNames.count > 2)
        for s in 1...all.count { #expect(try log.record(at: UInt64(s)) == LogRecord(sequence: UInt64(s), payload: all[s - 1])) }
        #expect(try log.record(at: 0) == nil)
        #expect(try log.record(at: UInt64(all.count + 1)) == nil)
        // The same from a reopened log (no index yet).
        (log, _) = try WriteAheadLog.open(storage: storage, options: options, replay: { _ in })
        for s in (1...all.count).reversed() { #expect(try log.record(at: UInt64(s))?.payload == all[s - 1]) }
    }

    @Test("settledObject finds a settled transfer's bytes and receipt by id, and nothing for unknown ids")
    func settledObject() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        let out = try ledger.submit([pool.t1, pool.t5], time: 2)
        let found = try #require(try ledger.settledObject(id: pool.t5.id.bytes))
        #expect(found.bytes == pool.t5.bytes)
        #expect(found.receipt == out[1].receipt)
        #expect(try ledger.settledObject(id: pool.mint.id.bytes)?.bytes == pool.mint.bytes)
        #expect(try ledger.settledObject(id: pool.t2.id.bytes) == nil)
    }

    @Test("live events of a settled record equal the events replayed from the log, for every address")
    func liveEqualsReplay() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        var live: [LedgerEvent] = []
        let m = try ledger.submit(mint: pool.mint, time: 1)
        if let r = m.receipt { live += try LedgerEvent.events(of: LogRecord(sequence: r.sequence, payload: r.bytes + pool.mint.bytes)) }
        let transfers = [pool.t1, pool.t3, pool.t5]
        for t in transfers {
            let o = try ledger.submit([t], time: 2)
            if case let .settled(r) = o[0] {
                live += try LedgerEvent.events(of: LogRecord(sequence: r.sequence, payload: r.bytes + t.bytes))
            }
        }
        for wallet in [pool.alice, pool.bob, pool.issuer] {
            let key = wallet.spend.publicKey
            let replayed = try ledger.events(for: key)
            #expect(replayed == live.filter { $0.owner == key.encoding })
            // Read in slices of records (clamped to the log), the same events.
            #expect(try ledger.events(for: key, records: 0...100) == replayed)
            let sliced = try (1...5).flatMap { (s: UInt64) throws(LedgerError) in try ledger.events(for: key, records: s...s) }
            #expect(sliced == replayed)
            #expect(try ledger.events(for: key, records: 5...9).isEmpty)
            for e in replayed {
                #expect(e.owner == key.encoding)
                if e.kind != .sent { #expect(e.outputs.allSatisfy { $0.owner == key } && e.outputs.map(\.id) == e.notes) }
            }
        }
        // t1: alice sent (inputs, every output), then received her change; bob received 50.
        let t1Events = live.filter { $0.objectID == pool.t1.id.bytes }
        #expect(t1Events.map(\.kind) == [.sent, .received, .received])
        #expect(t1Events[0].outputs.map(\.id) == pool.t1.outputIDs)
        #expect(t1Events[0].fee == pool.t1.fee && t1Events[0].sender == pool.alice.spend.publicKey.encoding)
    }

    /// A comparable summary of a verdict.
    func summary(_ v: Verification) -> String {
        switch v {
        case let .verified(t): "verified \(t.id.hex)"
        case let .finalized(sequence): "finalized \(sequence)"
        case let .rejected(e): "rejected \(e.code)"
        }
    }

    @Test("verification split across workers gives the sequential verdicts for every position of a bad transfer")
    func parallelVerification() throws {
        var s = pool.emptyState(minimumFee: 1)
        _ = s.mintOrFail(pool.mint)
        var tampered = pool.t5.bytes
        tampered[3 + 64 + 1 + 64 + 120] ^= 1  // a memo ciphertext byte: the signatures fail
        let bad = try Transfer(bytes: tampered)
        let good = [pool.t1, pool.t5, pool.t4]
        let workers = WorkerPool(count: 3)
        defer { workers.stop() }
        for position in 0...good.count {
            var batch = good
            batch.insert(bad, at: position)
            let sequential = s.verifyVartime(batch).map(summary)
            let parallel = s.verifyVartime(batch, parallelism: workers.parallelism).map(summary)
            #expect(parallel == sequential, "bad transfer at \(position)")
            #expect(parallel.filter { $0.hasPrefix("rejected") }.count == 1, "bad transfer at \(position)")
        }
        // Slices: contiguous, covering, nearly equal.
        for total in 0...9 {
            for parts in 1...4 {
                let slices = workers.slices(total, parts: parts)
                #expect(slices.flatMap { Array($0) } == Array(0..<total))
                if let longest = slices.map(\.count).max(), let shortest = slices.map(\.count).min() {
                    #expect(longest - shortest <= 1)
                }
            }
        }
    }
}
