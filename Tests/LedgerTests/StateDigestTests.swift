import Foundation
@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayCore

/// The ledger state digest (docs/PROTOCOL.md §7.6.1): its definition against values computed
/// independently, and that every path that changes a state (apply, undo, replay, snapshot
/// load) keeps it equal to the digest of the same state built another way.
@Suite("State digest")
struct StateDigestTests {
    let pool = Pool.shared

    /// Known answers computed with Python's hashlib (the formulas of PROTOCOL §7.6.1):
    ///
    ///     b2 = lambda key, m: hashlib.blake2b(m, digest_size=32, key=key).digest()
    ///     note = b2(b"zkpay/state-note/v1", b"\x01"*32 + b"\x02"*32 + b"\x03"*32)
    ///     excess = b2(b"zkpay/state-excess/v1", struct.pack("<Q", 0) + b"\x05"*32)
    ///     digest = b2(b"zkpay/state-digest/v1", note + pack("<Q", 1) + excess + pack("<Q", 1)
    ///                 + pack("<QQQ", 10, 1, 0) + bytes(64) + pack("<Q", 2) + b"\x06"*32)
    @Test("the digest of a state with one note and one excess, and of an empty state, match independently computed values")
    func knownAnswers() throws {
        let issuer = pool.issuer.spend.publicKey
        let empty = LedgerState(issuer: issuer, minimumFee: 1, chainID: ChainID(uncheckedBytes: [UInt8](repeating: 0, count: 32)))
        #expect(ProtocolHex.encode(empty.stateDigest) == "ccbfea07ed9bd841dd6e99974bb8d4417e985a79a61139da8451f15c377062bb")

        var s = empty
        s.insertUnspent(NoteID(uncheckedBytes: [UInt8](repeating: 1, count: 32)),
                        [UInt8](repeating: 2, count: 32) + [UInt8](repeating: 3, count: 32) + [UInt8](repeating: 4, count: 153),
                        at: NotePosition(sequence: 1, index: 0))
        s.appendExcess([UInt8](repeating: 5, count: 32))
        s.minted = 10
        s.feePool = 1
        s.sequence = 2
        s.chainHash = [UInt8](repeating: 6, count: 32)
        #expect(ProtocolHex.encode(s.unspent.digestSum(backend: .portable).bytes) == "9836f11ee0052d5eeedbed960a8cd8b469ea1b913417f9941b1dc269072516fc")
        #expect(ProtocolHex.encode(s.excessSum.value(backend: .portable).bytes) == "c11a5a503c8c898239d0c942b979ba840250b5361b6588c4d70025cb94dc7aaa")
        #expect(ProtocolHex.encode(s.stateDigest) == "244c2d92f29b67356414989c0abd15cd8d96ec0459beafca5a214c930209370b")

        // A second note adds its term mod 2^256 (this pair carries across words).
        s.insertUnspent(NoteID(uncheckedBytes: [UInt8](repeating: 7, count: 32)),
                        [UInt8](repeating: 2, count: 32) + [UInt8](repeating: 3, count: 32) + [UInt8](repeating: 9, count: 153),
                        at: nil)
        #expect(ProtocolHex.encode(s.unspent.digestSum(backend: .portable).bytes) == "7b34aad425554acc3a91bf5c9f68c399852d7651d440d58afcc0a1fabcec2433")
        // The memo is not hashed; removing the notes and the excess empties the sums.
        s.unspent.discard(NoteID(uncheckedBytes: [UInt8](repeating: 7, count: 32)))
        #expect(ProtocolHex.encode(s.unspent.digestSum(backend: .portable).bytes) == "9836f11ee0052d5eeedbed960a8cd8b469ea1b913417f9941b1dc269072516fc")
        _ = s.unspent.remove(NoteID(uncheckedBytes: [UInt8](repeating: 1, count: 32)))
        s.removeLastExcess()
        #expect(s.unspent.digestSum(backend: .portable) == DigestSum() && s.excessSum.value(backend: .portable) == DigestSum())
    }

    @Test("digest sums: adding then subtracting any terms in any order gives back the start, with carries and borrows")
    func sums() {
        var rng = SeededRNG(seed: 0x57a7_e0d1_0001)
        print("StateDigestTests sums seed \(rng.seed)")
        func term() -> Digest32 {
            switch rng.next() % 4 {
            case 0: (.max, .max, .max, .max)
            case 1: (1, 0, 0, 0)
            default: (rng.next(), rng.next(), rng.next(), rng.next())
            }
        }
        for _ in 0..<200 {
            let terms = (0..<(1 + Int(rng.next() % 12))).map { _ in term() }
            var sum = DigestSum()
            for t in terms { sum.add(t) }
            for t in terms.shuffled(using: &rng) { sum.subtract(t) }
            #expect(sum == DigestSum())
        }
        // 2^256 - 1 plus 1 wraps to 0.
        var wrap = DigestSum()
        wrap.add((.max, .max, .max, .max))
        wrap.add((1, 0, 0, 0))
        #expect(wrap == DigestSum())
    }

    @Test("the digest follows apply, a failed batch's undo, replay and snapshot load, and each receipt names the state after its batch")
    func followsEveryPath() throws {
        let storage = SimulatedStorage()
        try DurableFixture.initialize(storage, minimumFee: 1)
        let ledger = try Ledger(storage: storage)
        var digests = [ledger.state.stateDigest]
        let mint = try ledger.submit(mint: pool.mint, time: 1)
        #expect(mint.receipt?.stateDigest == ledger.state.stateDigest)
        digests.append(ledger.state.stateDigest)
        let first = try ledger.submit([pool.t1], time: 2)
        #expect(first.first?.receipt?.stateDigest == ledger.state.stateDigest)
        digests.append(ledger.state.stateDigest)
        // A failed batch (disk full) is undone: the digest is as before.
        storage.capacity = storage.usedBytes + 10
        #expect(throws: LedgerError.self) { _ = try ledger.submit([pool.t3, pool.t5], time: 3) }
        storage.capacity = nil
        #expect(ledger.state.stateDigest == digests.last)
        let both = try ledger.submit([pool.t3, pool.t5], time: 4)
        // Both receipts of the batch name the state after its last transfer.
        #expect(both.compactMap(\.receipt).map(\.stateDigest) == [ledger.state.stateDigest, ledger.state.stateDigest])
        digests.append(ledger.state.stateDigest)
        #expect(Set(digests).count == digests.count, "every settlement changes the digest")

        // The same history applied by another state gives the same digest.
        var model = pool.emptyState(minimumFee: 1)
        _ = model.mintOrFail(pool.mint)
        _ = model.submit([pool.t1])
        _ = model.submit([pool.t3, pool.t5])
        #expect(model.state.stateDigest == ledger.state.stateDigest)
        // Another order of the same transfers is another history: another digest.
        var other = pool.emptyState(minimumFee: 1)
        _ = other.mintOrFail(pool.mint)
        _ = other.submit([pool.t5])
        _ = other.submit([pool.t1, pool.t3])
        #expect(other.state.stateDigest != ledger.state.stateDigest)

        // Replay and snapshot load rebuild it.
        #expect(try Ledger(storage: storage).state.stateDigest == ledger.state.stateDigest)
        try ledger.snapshot()
        #expect(try Ledger(storage: storage).state.stateDigest == ledger.state.stateDigest)
    }

    @Test("a logged receipt naming another state digest, though validly signed, is refused on replay")
    func replayChecksDigest() throws {
        var leader = pool.emptyState(minimumFee: 1)
        _ = leader.mintOrFail(pool.mint)
        let honest = try #require(leader.submit([pool.t1])[0].receipt)
        // The same entry, signed by the ledger's key over another state digest.
        var batch = ReceiptBatch(capacity: 1)
        batch.append(sequence: honest.sequence, kind: .transfer, id: Key32(id: pool.t1.id), time: honest.time,
                     chainHash: honest.chainHash)
        let forged = batch.sign(signer: Pool.signer, backend: TestBackends.fastest,
                                stateDigest: honest.stateDigest.map { $0 ^ 0x80 })[0]
        #expect(forged.entry == honest.entry && forged.certificateError(genesis: Pool.genesis, quorum: 1) == nil)

        for (receipt, refused) in [(honest, false), (forged, true)] {
            var replica = pool.emptyState(minimumFee: 1)
            _ = replica.mintOrFail(pool.mint)
            let facts = TransferFacts(pool.t1)
            let applied = replica.state.apply(OrderedBatch(time: honest.time, logged: [.transfer(facts)]))
            if refused {
                #expect(throws: LedgerError.replayRejected(
                    sequence: 2, reason: "the receipt's state digest differs from the replayed state's after the batch")) {
                    try SettledReceipts.check(applied, logged: [receipt])
                }
            } else {
                try SettledReceipts.check(applied, logged: [receipt])
            }
        }
    }

    @Test("a snapshot whose state differs from the digest its last receipt names is refused")
    func snapshotChecksDigest() throws {
        var s = pool.emptyState(minimumFee: 1)
        _ = s.mintOrFail(pool.mint)
        _ = s.submit([pool.t1])
        let bytes = s.state.snapshotBytes(receipts: s.receipts)
        var restored = SettledReceipts()
        let state = try LedgerState(issuer: pool.issuer.spend.publicKey, minimumFee: 1, chainID: pool.chain,
                                    snapshot: bytes, receipts: &restored)
        #expect(state.stateDigest == s.state.stateDigest)
        // Minted (offset 41: after the version, sequence and chain hash) one unit higher.
        var tampered = bytes
        tampered[41] &+= 1
        restored = SettledReceipts()
        #expect(throws: LedgerError.corruptSnapshot(
            path: "snapshot", reason: "the restored state's digest differs from the one its last receipt names")) {
            _ = try LedgerState(issuer: pool.issuer.spend.publicKey, minimumFee: 1, chainID: pool.chain,
                                snapshot: tampered, receipts: &restored)
        }
    }
}
