@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayCore

/// A durable ledger on simulated storage with the pool's issuer and a fixed receipt key.
struct DurableFixture {
    static let keySeed = [UInt8](repeating: 9, count: 32)
    let pool = Pool.shared
    /// Verified once against a state holding the mint; `submit(verified:)` re-checks the rules.
    static let verified: [[UInt8]: Verification] = {
        let pool = Pool.shared
        var s = pool.emptyState(minimumFee: 1)
        _ = s.mintOrFail(pool.mint)
        var out: [[UInt8]: Verification] = [:]
        for t in [pool.t1, pool.t2, pool.t5] { out[t.bytes] = s.verifyVartime([t])[0] }
        _ = s.submit([pool.t1])
        out[pool.t3.bytes] = s.verifyVartime([pool.t3])[0]
        out[pool.t4.bytes] = pool.emptyState(minimumFee: 1).verifyVartime([pool.t4])[0]
        return out
    }()

    /// Initializes the pool's ledger (`Pool.genesis`: minimum fee 1); another minimum fee makes
    /// another chain, on which the pool's objects are refused.
    static func initialize(_ storage: SimulatedStorage, minimumFee: UInt64 = 1) throws {
        try Ledger.initialize(storage: storage, issuer: Pool.shared.issuer.address, minimumFee: minimumFee,
                              receiptKeySeed: SecretBytes(copying: keySeed))
    }

    /// The receipt key of `keySeed`.
    static let key: ReceiptKey = {
        do { return try ReceiptKey(seed: SecretBytes(copying: keySeed)) } catch { preconditionFailure("\(error)") }
    }()

    static func verification(_ t: Transfer) -> Verification {
        verified[t.bytes] ?? .rejected(.invalid(.invalidAuthorization))
    }
}

@Suite("Durable ledger")
struct DurableLedgerTests {
    let pool = Pool.shared

    @Test("a ledger opened with a backend verifies and hashes on it, fresh and restored from a snapshot",
          arguments: TestBackends.supported)
    func openedBackend(backend: Backend) throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage, backend: backend)
        #expect(ledger.backend == backend && ledger.state.backend == backend)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        try ledger.snapshot()
        let restored = try Ledger(storage: storage, backend: backend)
        #expect(restored.recovery.snapshotSequence == 1)
        #expect(restored.backend == backend && restored.state.backend == backend)
        #expect(restored.state.stateDigest == ledger.state.stateDigest)
    }

    @Test("init writes genesis and key; open rebuilds the same state, chain hash and receipts")
    func reopen() throws {
        let storage = SimulatedStorage()
        let genesis = try { () throws -> Genesis in
            try Ledger.initialize(storage: storage, issuer: pool.issuer.address, minimumFee: 1,
                                  receiptKeySeed: SecretBytes(copying: DurableFixture.keySeed))
        }()
        let ledger = try Ledger(storage: storage)
        #expect(ledger.genesis == genesis && ledger.state.chainHash == genesis.chainID.bytes && genesis == Pool.genesis)
        #expect(try ledger.submit(mint: pool.mint, time: 10).receipt?.sequence == 1)
        let out = try ledger.submit([pool.t1, pool.t2, pool.t5], time: 11)
        #expect(out[0].isSettled && out[2].isSettled)
        #expect(out[1].rejection?.code == "double_spend")
        let again = try Ledger(storage: storage)
        #expect(again.state.chainHash == ledger.state.chainHash)
        #expect(again.state.sequence == 3 && again.recovery.replayedRecords == 3)
        #expect(again.snapshotBytes == ledger.snapshotBytes)
        #expect(again.receipt(for: pool.t5.id.bytes) == out[2].receipt)
        #expect(again.auditVartime().ok && again.auditVartime().notes == 5)
        // Resubmission after a restart is idempotent.
        guard case let .finalized(r) = try again.submit([pool.t1], time: 99)[0] else {
            Issue.record("resubmission after restart was not answered with the original receipt")
            return
        }
        #expect(r == out[0].receipt)
        // Snapshot, then more, then reopen: same again.
        try again.snapshot()
        _ = try again.submit([pool.t3], time: 12)
        let third = try Ledger(storage: storage)
        #expect(third.recovery.snapshotSequence == 3 && third.recovery.replayedRecords == 1)
        #expect(third.state.chainHash == again.state.chainHash && third.snapshotBytes == again.snapshotBytes)
        #expect(third.auditVartime().ok)
    }

    @Test("a crash at every byte of the last batch recovers exactly an acknowledged prefix and the audit holds")
    func crashAtEveryByte() throws {
        let last = [pool.t5, pool.t3].map(DurableFixture.verification)
        func prepare() throws -> (SimulatedStorage, Ledger) {
            let storage = SimulatedStorage()
            try DurableFixture.initialize(storage)
            let ledger = try Ledger(storage: storage)
            _ = try ledger.submit(mint: pool.mint, time: 1)
            _ = try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2)
            return (storage, ledger)
        }
        // Reference run: chain hash after each sequence.
        let (refStorage, ref) = try prepare()
        var chain: [UInt64: [UInt8]] = [ref.state.sequence: ref.state.chainHash]
        let start = refStorage.bytesWritten
        let outcomes = try ref.submit(verified: last, time: 3)
        #expect(outcomes.allSatisfy { $0.isSettled })
        chain[ref.state.sequence] = ref.state.chainHash
        // The intermediate state (t5 only) for a recovery that kept the first whole record.
        do {
            let (_, mid) = try prepare()
            _ = try mid.submit(verified: [last[0]], time: 3)
            chain[mid.state.sequence] = mid.state.chainHash
        }
        let tailBytes = refStorage.bytesWritten - start
        #expect(tailBytes > 2 * Receipt.minimumLength)
        var recoveredCounts = Set<UInt64>()
        for offset in 0...tailBytes {
            for keep in [false, true] {
                let (storage, ledger) = try prepare()
                storage.crashAfterBytes = storage.bytesWritten + offset
                var acknowledged = ledger.state.sequence
                do {
                    _ = try ledger.submit(verified: last, time: 3)
                    acknowledged = ledger.state.sequence
                } catch {
                    #expect(error == .crashed)
                    #expect(ledger.state.sequence == 2, "a failed batch leaves the state as before")
                }
                storage.restart(keepingUnsyncedBytes: keep ? storage.unsyncedBytes : 0)
                let reopened = try Ledger(storage: storage)
                let seq = reopened.state.sequence
                #expect(seq >= acknowledged && seq <= 4, "offset \(offset)")
                #expect(reopened.state.chainHash == chain[seq], "offset \(offset): chain differs")
                #expect(reopened.auditVartime().ok, "offset \(offset): audit fails")
                recoveredCounts.insert(seq)
            }
        }
        #expect(recoveredCounts == [2, 3, 4])
    }

    @Test("a full disk or a failing fsync fails the batch cleanly; reads keep working; the next batch succeeds")
    func diskFull() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        let before = ledger.snapshotBytes
        storage.capacity = storage.usedBytes + 100
        #expect(throws: LedgerError.self) { try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2) }
        #expect(ledger.snapshotBytes == before)
        #expect(ledger.auditVartime().ok && ledger.receipt(for: pool.mint.id.bytes) != nil)
        #expect(try ledger.events(for: pool.alice.spend.publicKey).count == 1)
        storage.capacity = nil
        storage.failingSyncs = 1
        #expect(throws: LedgerError.self) { try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2) }
        #expect(ledger.snapshotBytes == before)
        let out = try ledger.submit(verified: [DurableFixture.verification(pool.t1)], time: 2)
        #expect(out[0].receipt?.sequence == 2)
        let reopened = try Ledger(storage: storage)
        #expect(reopened.state.chainHash == ledger.state.chainHash && reopened.auditVartime().ok)
    }

    @Test("a failed batch whose transfers spend each other's outputs is undone whole: notes, receipts and chain as before")
    func failedChainedBatch() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        let before = ledger.snapshotBytes
        let batch = [pool.t1, pool.t3, pool.t5].map(DurableFixture.verification)
        for fault in 0..<2 {
            if fault == 0 { storage.failingSyncs = 1 } else { storage.capacity = storage.usedBytes + 700 }
            #expect(throws: LedgerError.self) { try ledger.submit(verified: batch, time: 2) }
            storage.capacity = nil
            #expect(ledger.snapshotBytes == before, "fault \(fault)")
            #expect(ledger.receipt(for: pool.t1.id.bytes) == nil && ledger.state.sequence == 1)
        }
        let out = try ledger.submit(verified: batch, time: 2)
        let receipts = out.compactMap(\.receipt)
        #expect(receipts.map(\.sequence) == [2, 3, 4] && receipts.allSatisfy { $0.batchFirst == 2 && $0.batchSize == 3 })
        #expect(receipts.allSatisfy { $0.verify(genesis: Pool.genesis) })
        let reopened = try Ledger(storage: storage)
        #expect(reopened.snapshotBytes == ledger.snapshotBytes)
    }

    @Test("a missing, damaged or foreign-version genesis and a wrong receipt key are clear errors")
    func genesisErrors() throws {
        let empty = SimulatedStorage()
        #expect(throws: GenesisError.missing) { try Ledger(storage: empty) }
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        #expect(throws: GenesisError.alreadyInitialized) { try DurableFixture.initialize(storage) }
        let good = try #require(storage.contents(of: Genesis.fileName))
        for i in good.indices {
            var b = good
            b[i] ^= 0x10
            storage.setContents(of: Genesis.fileName, to: b)
            #expect(throws: GenesisError.self) { try Ledger(storage: storage) }
        }
        var v1 = good
        v1[8] = 1
        storage.setContents(of: Genesis.fileName, to: v1)
        #expect(throws: GenesisError.unsupportedVersion(found: 1)) { try Ledger(storage: storage) }
        storage.setContents(of: Genesis.fileName, to: Array(good.dropLast()))
        #expect(throws: GenesisError.self) { try Ledger(storage: storage) }
        storage.setContents(of: Genesis.fileName, to: good)
        storage.setContents(of: Genesis.keyFileName, to: [UInt8](repeating: 1, count: 31))
        #expect(throws: GenesisError.badReceiptKey("it is 31 bytes, expected 32")) { try Ledger(storage: storage) }
        // A key no authority names opens (a validator joining a cluster by statement follows
        // the log without signing); a validator running alone refuses to start with it.
        storage.setContents(of: Genesis.keyFileName, to: [UInt8](repeating: 1, count: 32))
        let outOfOffice = try Ledger(storage: storage)
        #expect(outOfOffice.signer.index(in: outOfOffice.state.authorities.current) == nil)
        storage.setContents(of: Genesis.keyFileName, to: DurableFixture.keySeed)
        _ = try Ledger(storage: storage)
    }

    @Test("events per address are ordered, derived from the log and readable from any sequence")
    func events() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let ledger = try Ledger(storage: storage)
        _ = try ledger.submit(mint: pool.mint, time: 1)
        _ = try ledger.submit([pool.t1], time: 2)
        _ = try ledger.submit([pool.t3], time: 3)
        let alice = try ledger.events(for: pool.alice.spend.publicKey)
        #expect(alice.map(\.kind) == [.minted, .sent, .received, .received])
        #expect(alice.map(\.sequence) == [1, 2, 2, 3])
        #expect(alice[1].notes == pool.t1.inputs && alice[1].objectID == pool.t1.id.bytes)
        let bob = try ledger.events(for: pool.bob.spend.publicKey)
        #expect(bob.map(\.kind) == [.received, .sent, .received])
        #expect(try ledger.events(for: pool.bob.spend.publicKey, from: 3).map(\.sequence) == [3, 3])
        let reopened = try Ledger(storage: storage)
        #expect(try reopened.events(for: pool.alice.spend.publicKey) == alice)
        #expect(try reopened.events(for: pool.issuer.spend.publicKey).isEmpty)
    }
}
