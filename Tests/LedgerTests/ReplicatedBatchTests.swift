@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayCore

@Suite("Replicated batches: the leader's settle hook and the follower's apply")
struct ReplicatedBatchTests {
    let pool = Pool.shared

    /// A fresh ledger on simulated storage with the fixture genesis and key.
    func ledger() throws -> Ledger {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        return try Ledger(storage: storage)
    }

    @Test("a follower applying the leader's batches holds byte-identical records, receipts and state")
    func followerMatchesLeader() throws {
        let leader = try ledger()
        var log: [ReplicatedBatch] = []
        let capture: (ReplicatedBatch) throws(LedgerError) -> Void = { log.append($0) }
        _ = try leader.settle(OrderedBatch(time: 1, mints: [pool.mint]), replicate: capture)
        let out = try leader.settle(OrderedBatch(time: 2, transfers: leader.state.verifyVartime([pool.t1, pool.t2, pool.t5])),
                                    replicate: capture).outcomes
        #expect(out[0].isSettled && out[1].rejection?.code == "double_spend" && out[2].isSettled)
        #expect(log.count == 2 && log[1].items.count == 2 && log[1].firstSequence == 2, "rejected items are not replicated")
        for record in log { #expect(try ReplicatedBatch(bytes: record.bytes) == record) }

        let follower = try ledger()
        for record in log { #expect(try follower.applyReplicated(record, parallelism: .serial) != nil) }
        #expect(follower.snapshotBytes == leader.snapshotBytes)
        #expect(try allRecords(follower) == allRecords(leader))
        // Seen again (its own append, or a repeat): skipped.
        #expect(try follower.applyReplicated(log[1], parallelism: .serial) == nil)
    }

    @Test("a batch with a forged item, a gap or another chain is refused and changes nothing")
    func refused() throws {
        let leader = try ledger()
        var log: [ReplicatedBatch] = []
        let capture: (ReplicatedBatch) throws(LedgerError) -> Void = { log.append($0) }
        _ = try leader.settle(OrderedBatch(time: 1, mints: [pool.mint]), replicate: capture)
        _ = try leader.settle(OrderedBatch(time: 2, transfers: leader.state.verifyVartime([pool.t1])), replicate: capture)
        let follower = try ledger()
        _ = try follower.applyReplicated(log[0], parallelism: .serial)
        let before = follower.snapshotBytes
        var forged = pool.t1.bytes
        forged[forged.count - 1] ^= 1
        let bad = ReplicatedBatch(firstSequence: 2, time: 2, kind: .transfers, previousChainHash: log[1].previousChainHash,
                                  chainHash: log[1].chainHash, items: [forged])
        #expect(throws: LedgerError.self) { try follower.applyReplicated(bad, parallelism: .serial) }
        let wrongChain = ReplicatedBatch(firstSequence: 2, time: 2, kind: .transfers, previousChainHash: log[1].previousChainHash,
                                         chainHash: [UInt8](repeating: 0, count: 32), items: log[1].items)
        #expect(throws: LedgerError.self) { try follower.applyReplicated(wrongChain, parallelism: .serial) }
        let gap = ReplicatedBatch(firstSequence: 3, time: 2, kind: .transfers, previousChainHash: log[1].previousChainHash,
                                  chainHash: log[1].chainHash, items: log[1].items)
        #expect(throws: LedgerError.self) { try follower.applyReplicated(gap, parallelism: .serial) }
        #expect(follower.snapshotBytes == before && follower.state.sequence == 1)
        #expect(try follower.applyReplicated(log[1], parallelism: .serial) != nil)
    }

    @Test("when the replicated log refuses the append, the leader's batch is undone and nothing is written")
    func appendRefused() throws {
        let leader = try ledger()
        _ = try leader.settle(OrderedBatch(time: 1, mints: [pool.mint]))
        let before = leader.snapshotBytes
        let refuse: (ReplicatedBatch) throws(LedgerError) -> Void = { _ throws(LedgerError) in
            throw .notReplicated(reason: "not the leader", outcomeUnknown: false)
        }
        #expect(throws: LedgerError.notReplicated(reason: "not the leader", outcomeUnknown: false)) {
            try leader.settle(OrderedBatch(time: 2, transfers: leader.state.verifyVartime([pool.t1])), replicate: refuse)
        }
        #expect(try leader.snapshotBytes == before && allRecords(leader).count == 1)
        #expect(try leader.settle(OrderedBatch(time: 3, transfers: leader.state.verifyVartime([pool.t1]))).outcomes[0].isSettled)
    }

    @Test("a leader whose crash kept only part of a committed batch completes it from the log")
    func tornCommittedBatch() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage)
        let leader = try Ledger(storage: storage)
        var log: [ReplicatedBatch] = []
        let capture: (ReplicatedBatch) throws(LedgerError) -> Void = { log.append($0) }
        _ = try leader.settle(OrderedBatch(time: 1, mints: [pool.mint]), replicate: capture)
        _ = try leader.settle(OrderedBatch(time: 2, transfers: leader.state.verifyVartime([pool.t1])), replicate: capture)
        // The log commits [t5, t3]; the local append is cut after the first record.
        storage.crashAfterBytes = storage.bytesWritten + frameBytes(try allRecords(leader)[1].payload) + 64
        _ = try? leader.settle(OrderedBatch(time: 3, transfers: leader.state.verifyVartime([pool.t5, pool.t3])),
                               replicate: capture)
        storage.restart(keepingUnsyncedBytes: storage.unsyncedBytes)
        let reopened = try Ledger(storage: storage)
        #expect(reopened.state.sequence == 3 && log.count == 3)
        #expect(try reopened.applyReplicated(log[2], parallelism: .serial) != nil)
        #expect(reopened.state.sequence == 4 && reopened.state.chainHash == log[2].chainHash)
        // A follower that applied the whole log holds the same state.
        let follower = try ledger()
        for record in log { _ = try follower.applyReplicated(record, parallelism: .serial) }
        #expect(follower.state.chainHash == reopened.state.chainHash && reopened.auditVartime().ok)
        #expect(try fullAudit(try allRecords(reopened), reopened.genesis).records == 4)
    }

    @Test("replicated batch decoding: every truncation and a hostile count are refused")
    func codec() throws {
        let record = ReplicatedBatch(firstSequence: 5, time: 9, kind: .mints, previousChainHash: [UInt8](repeating: 1, count: 32),
                                     chainHash: [UInt8](repeating: 2, count: 32), items: [pool.mint.bytes])
        let bytes = record.bytes
        #expect(try ReplicatedBatch(bytes: bytes) == record)
        for n in 0..<bytes.count { #expect(throws: ProtocolError.self) { try ReplicatedBatch(bytes: bytes.prefix(n)) } }
        var huge = bytes
        huge[82] = 0xff; huge[83] = 0xff; huge[84] = 0xff; huge[85] = 0x7f
        #expect(throws: ProtocolError.self) { try ReplicatedBatch(bytes: huge) }
        #expect(throws: ProtocolError.self) { try ReplicatedBatch(bytes: bytes + [0]) }
    }
}
