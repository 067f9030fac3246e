import Foundation
@testable import Ledger
import Sodium
import Testing
import TestSupport
import ZKPayCore

/// RFC 9162 §2.1 written out from its definitions (recursion on the split point), to check
/// `ReceiptTree` against: MTH(D[n]) and PATH(m, D[n]) over leaf hashes.
enum ReferenceTree {
    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        if d.count == 1 { return d[d.startIndex] }
        let split = d.startIndex + k(d.count)
        return Hash.blake2b(mth(d[..<split]) + mth(d[split...]), outputLength: 32, key: Array("zkpay/receipt-node/v2".utf8))
    }

    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if d.count == 1 { return [] }
        let n = k(d.count)
        let split = d.startIndex + n
        return m < n ? path(m, d[..<split]) + [mth(d[split...])] : path(m - n, d[split...]) + [mth(d[..<split])]
    }
}

/// `n` version-2 entries with sequences `first`… (ids and chain hashes from `rng`).
func entries(_ n: Int, first: UInt64, rng: inout SeededRNG) -> ReceiptBatch {
    var batch = ReceiptBatch(capacity: n)
    for i in 0..<n {
        batch.append(sequence: first + UInt64(i), kind: i % 3 == 0 ? .mint : .transfer, id: Key32(id: NoteID(uncheckedBytes: rng.bytes(32))),
                     time: 1_764_000_000_000 + UInt64(i), chainHash: rng.bytes(32))
    }
    return batch
}

@Suite("Receipts")
struct ReceiptTests {
    let pool = Pool.shared
    let key = Pool.receiptKey.publicKey

    func receipt() -> Receipt? {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        return s.submit([pool.t1], time: 1_764_000_000_000)[0].receipt
    }

    /// The receipts of a two-transfer batch after a mint (sequences 2 and 3, one signature).
    func batchReceipts() -> [Receipt] {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        return s.submit([pool.t1, pool.t5], time: 1_764_000_000_000).compactMap(\.receipt)
    }

    @Test("a receipt carries sequence, id, time, chain hash and its batch, verifies, and round-trips")
    func verifies() throws {
        let r = try #require(receipt())
        #expect(r.version == 2 && r.sequence == 2 && r.kind == .transfer && r.id == pool.t1.id.bytes)
        #expect(r.time == 1_764_000_000_000 && r.batchFirst == 2 && r.batchSize == 1 && r.path.isEmpty)
        #expect(r.bytes.count == Receipt.versionTwoFixedLength)
        #expect(r.verify(publicKey: key))
        let decoded = try Receipt(bytes: r.bytes)
        #expect(decoded == r && decoded.verify(publicKey: key))
        #expect(!r.verify(publicKey: ReceiptKey().publicKey))
        let (prefixed, length) = try Receipt.decodePrefix(of: r.bytes + pool.t1.bytes)
        #expect(prefixed == r && length == r.bytes.count)
        #expect(Receipt.encodedLength(atStartOf: (r.bytes + [1, 2, 3])[...]) == r.bytes.count)
    }

    @Test("the receipts of one call are one batch: consecutive leaves, one signature, one root")
    func oneSignaturePerBatch() throws {
        let rs = batchReceipts()
        try #require(rs.count == 2)
        #expect(rs.map(\.sequence) == [2, 3] && rs.allSatisfy { $0.batchFirst == 2 && $0.batchSize == 2 })
        #expect(rs[0].signature == rs[1].signature && rs.allSatisfy { $0.verify(publicKey: key) })
        #expect(rs[0].path == [ReceiptTree.leafHash(rs[1].entry)] && rs[1].path == [ReceiptTree.leafHash(rs[0].entry)])
        // Each receipt decodes strictly from its bytes, and the two differ only in entry and path.
        for r in rs { #expect(try Receipt(bytes: r.bytes) == r) }
    }

    @Test("for every batch size 1...70 and 255, 256, 257, 1024 every leaf's receipt verifies with the RFC 9162 path")
    func everyIndexOfEverySize() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0001)
        print("ReceiptTests everyIndexOfEverySize seed \(rng.seed)")
        for size in Array(1...70) + [255, 256, 257, 1024] {
            let first = 1 + rng.next() % 1_000_000
            let batch = entries(size, first: first, rng: &rng)
            let receipts = batch.sign(key: Pool.receiptKey, backend: TestBackends.fastest)
            try #require(receipts.count == size)
            let leaves = receipts.map { ReceiptTree.leafHash($0.entry) }
            let root = ReferenceTree.mth(leaves[...])
            // One signature over the reference root.
            #expect(Ed25519.verify(signature: receipts[0].signature,
                                   message: Receipt.batchMessage(first: first, size: size, root: root),
                                   publicKey: key), "size \(size)")
            // The reference paths are checked for small sizes and a sample of the large ones
            // (the reference recomputes subtrees from scratch: quadratic).
            let checked = size <= 70 ? Set(0..<size) : Set([0, 1, size / 2, size - 2, size - 1])
            for (i, r) in receipts.enumerated() {
                #expect(r.sequence == first + UInt64(i) && r.batchFirst == first && r.batchSize == size)
                #expect(r.path.count == ReceiptTree.pathLength(index: i, size: size))
                #expect(r.verify(publicKey: key), "size \(size) index \(i)")
                if checked.contains(i) { #expect(r.path == ReferenceTree.path(i, leaves[...]), "size \(size) index \(i)") }
            }
        }
    }

    @Test("more than 65,535 settlements are signed as consecutive batches of at most 65,535")
    func largestBatch() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0002)
        print("ReceiptTests largestBatch seed \(rng.seed)")
        let receipts = entries(Receipt.maxBatchSize + 2, first: 10, rng: &rng).sign(key: Pool.receiptKey, backend: TestBackends.fastest)
        #expect(receipts.count == Receipt.maxBatchSize + 2)
        #expect(receipts.map(\.sequence) == (10..<(10 + UInt64(receipts.count))).map { $0 })
        for i in [0, 1, 40_000, Receipt.maxBatchSize - 1] {
            #expect(receipts[i].batchFirst == 10 && receipts[i].batchSize == Receipt.maxBatchSize)
            #expect(receipts[i].path.count == (i == 0 ? 16 : ReceiptTree.pathLength(index: i, size: Receipt.maxBatchSize)))
            #expect(receipts[i].path.count <= 16 && receipts[i].verify(publicKey: key))
        }
        for i in [Receipt.maxBatchSize, Receipt.maxBatchSize + 1] {
            #expect(receipts[i].batchFirst == 10 + UInt64(Receipt.maxBatchSize) && receipts[i].batchSize == 2)
            #expect(receipts[i].verify(publicKey: key))
        }
    }

    @Test("every altered byte of a version-2 receipt makes it fail to decode or to verify")
    func tampered() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0003)
        print("ReceiptTests tampered seed \(rng.seed)")
        // Leaf 4 of 7: a path of 3 nodes, and an index that is neither first nor last.
        let receipts = entries(7, first: 100, rng: &rng).sign(key: Pool.receiptKey, backend: TestBackends.fastest) + batchReceipts()
        for r in [receipts[4], receipts[6], receipts[7]] {
            #expect(r.verify(publicKey: key))
            let bytes = r.bytes
            for i in bytes.indices {
                for mask: UInt8 in [0x01, 0x80, 0xff] {
                    var b = bytes
                    b[i] ^= mask
                    if let t = try? Receipt(bytes: b) {
                        #expect(!t.verify(publicKey: key), "byte \(i) mask \(mask)")
                    }
                }
            }
            #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes.dropLast()) }
            #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes + [0]) }
        }
    }

    /// `r` with `field` replaced (offsets of the version-2 layout) and the path count set to
    /// the new path's length.
    func rebuilt(_ r: Receipt, sequence: UInt64? = nil, first: UInt64? = nil, size: Int? = nil,
                 path: [[UInt8]]? = nil) -> [UInt8]
    {
        var w = ByteWriter()
        w.raw(Array(r.bytes[0..<2]))
        w.u64(sequence ?? r.sequence)
        w.raw(Array(r.bytes[10..<83]))
        w.u64(first ?? r.batchFirst)
        w.u16(UInt16(size ?? r.batchSize))
        let nodes = path ?? r.path
        w.u8(UInt8(nodes.count))
        for n in nodes { w.raw(n) }
        w.raw(r.signature)
        return w.bytes
    }

    @Test("a path from another batch, a wrong index, a wrong size and a truncated or extended path all fail")
    func wrongPaths() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0004)
        print("ReceiptTests wrongPaths seed \(rng.seed)")
        let a = entries(13, first: 50, rng: &rng).sign(key: Pool.receiptKey, backend: TestBackends.fastest)
        let b = entries(13, first: 50, rng: &rng).sign(key: Pool.receiptKey, backend: TestBackends.fastest)
        func fails(_ bytes: [UInt8], _ what: String) {
            if let t = try? Receipt(bytes: bytes) { #expect(!t.verify(publicKey: key), "\(what)") }
        }
        #expect(try Receipt(bytes: rebuilt(a[5])) == a[5])  // the rebuilding itself is faithful
        for i in 0..<13 {
            // The same position in another batch with the same first and size.
            fails(rebuilt(a[i], path: b[i].path), "path of batch b at \(i)")
            // Another leaf's path, and this leaf claimed at another index (same path length).
            for j in 0..<13 where j != i {
                fails(rebuilt(a[i], path: a[j].path), "path of leaf \(j) for leaf \(i)")
                fails(rebuilt(a[i], sequence: 50 + UInt64(j)), "leaf \(i) as index \(j)")
            }
            // The same entry claimed at the index before or after (first moved by one).
            if i >= 1 { fails(rebuilt(a[i], first: 51), "leaf \(i) as index \(i - 1)") }
            if i <= 11 { fails(rebuilt(a[i], first: 49), "leaf \(i) as index \(i + 1)") }
            // Truncated, extended, and with the wrong size.
            fails(rebuilt(a[i], path: Array(a[i].path.dropLast())), "truncated path of \(i)")
            fails(rebuilt(a[i], path: a[i].path + [rng.bytes(32)]), "extended path of \(i)")
            for size in [i + 1, 12, 14, 16] where size != 13 { fails(rebuilt(a[i], size: size), "size \(size) for \(i)") }
        }
        // Decoding names the field for a structurally impossible receipt.
        #expect(throws: ReceiptError.malformed(field: "batch_size", reason: "0; a batch holds at least one receipt")) {
            try Receipt(bytes: rebuilt(a[0], size: 0))
        }
        for (bytes, field) in [(rebuilt(a[3], first: 60), "batch_first"),
                               (rebuilt(a[3], path: Array(a[3].path.dropLast())), "path_count"),
                               (Array(a[3].bytes.prefix(100)), "path"), (Array(a[3].bytes.prefix(20)), "id")] {
            let error = #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes) }
            if case let .malformed(named, _) = error { #expect(named == field) }
        }
    }

    @Test("version-1 receipts (147 bytes, one signature each) still decode and verify; tampering fails")
    func versionOne() throws {
        let r = try #require(receipt())
        let v1 = Receipt.signedVersionOne(sequence: r.sequence, kind: r.kind, id: r.id, time: r.time,
                                          chainHash: r.chainHash, key: Pool.receiptKey)
        #expect(v1.bytes.count == Receipt.versionOneLength && v1.version == 1 && v1.path.isEmpty)
        #expect(v1.batchFirst == v1.sequence && v1.batchSize == 1 && v1.entry.dropFirst(2) == r.entry.dropFirst(2))
        #expect(v1.verify(publicKey: key) && !v1.verify(publicKey: ReceiptKey().publicKey))
        #expect(try Receipt(bytes: v1.bytes) == v1)
        for i in v1.bytes.indices {
            var b = v1.bytes
            b[i] ^= 0x01
            if let t = try? Receipt(bytes: b) { #expect(!t.verify(publicKey: key), "byte \(i)") }
        }
        // A version-1 signature does not make a version-2 receipt, nor the other way round.
        var asTwo = v1.bytes
        asTwo[1] = 2
        #expect((try? Receipt(bytes: asTwo)) == nil)
    }

    @Test("the version-1 receipts an earlier build wrote verify (Fixtures/golden/ledger-v1)")
    func versionOneGolden() throws {
        let lines = String(decoding: try Fixtures.data("golden/ledger-v1/receipts.txt"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        try #require(lines.count == 5)
        let expected = [(UInt64(1), Receipt.Kind.mint, pool.mint.id.bytes), (2, .transfer, pool.t1.id.bytes),
                        (3, .transfer, pool.t5.id.bytes), (4, .transfer, pool.t3.id.bytes)]
        for (line, (sequence, kind, id)) in zip(lines, expected) {
            let r = try Receipt(bytes: try #require(ProtocolHex.decode(line)))
            #expect(r.version == 1 && r.sequence == sequence && r.kind == kind && r.id == id)
            #expect(r.verify(publicKey: DurableFixture.key.publicKey))
            #expect(!r.verify(publicKey: key))
        }
    }
}

/// A ledger data directory written by an earlier build (version-1 receipts, state snapshot
/// version 2) opens, answers, and continues with version-2 receipts in the same log.
@Suite("Version-1 data")
struct VersionOneDataTests {
    let pool = Pool.shared

    /// A copy of Fixtures/golden/ledger-v1 in a fresh temporary directory.
    func copy() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let source = Fixtures.url("golden/ledger-v1")
        for name in ["genesis.zkpg", "receipt.key", "snapshot.zkps", "wal-00000000000000000001.log"] {
            try FileManager.default.copyItem(atPath: source.appendingPathComponent(name).path,
                                             toPath: dir.path + "/" + name)
        }
        return dir
    }

    @Test("an old data directory recovers, keeps its receipts, and appends version-2 batches after them")
    func oldDirectory() throws {
        let dir = try copy()
        defer { dir.cleanup() }
        let lines = String(decoding: try Fixtures.data("golden/ledger-v1/receipts.txt"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let old = try lines.prefix(4).map { try Receipt(bytes: try #require(ProtocolHex.decode($0))) }
        let key = DurableFixture.key.publicKey

        let ledger = try Ledger(storage: POSIXStorage(directory: dir.path, create: false))
        #expect(ledger.recovery.snapshotSequence == 3 && ledger.state.sequence == 4)
        #expect(ProtocolHex.encode(ledger.state.chainHash) == lines[4])
        #expect(ledger.auditVartime().ok)
        for (r, id) in zip(old, [pool.mint.id.bytes, pool.t1.id.bytes, pool.t5.id.bytes, pool.t3.id.bytes]) {
            #expect(ledger.receipt(for: id) == r)
            let found = try #require(try ledger.settledObject(id: id))
            #expect(found.receipt == r && found.receipt.verify(publicKey: key))
        }
        // Resubmitting an old transfer answers with its version-1 receipt.
        let again = try ledger.submit(verified: [DurableFixture.verification(pool.t5)], time: 9)
        guard case let .finalized(r5) = again[0] else { Issue.record("expected finalized, got \(again[0])"); return }
        #expect(r5 == old[2] && r5.version == 1)
        // Events from version-1 records.
        let bobEvents = try ledger.events(for: pool.bob.spend.publicKey)
        #expect(Set(bobEvents.map(\.sequence)) == [2, 3, 4])

        // A new batch (t4 spends alice's 200; fee 1 = the minimum) gets a version-2 receipt.
        var fresh = pool.emptyState(minimumFee: 1)
        _ = fresh.mintOrFail(pool.mint)
        let v4 = fresh.verifyVartime([pool.t4])[0]
        let out = try ledger.submit(verified: [v4], time: 1_764_000_003_000)
        let r6 = try #require(out[0].receipt)
        #expect(r6.version == 2 && r6.sequence == 5 && r6.verify(publicKey: key))

        // Reopen: the log holds both versions; then a version-3 snapshot holds both too.
        let reopened = try Ledger(storage: POSIXStorage(directory: dir.path, create: false))
        #expect(reopened.state.sequence == 5 && reopened.state.chainHash == ledger.state.chainHash)
        #expect(reopened.receipt(for: pool.t4.id.bytes) == r6 && reopened.receipt(for: pool.t3.id.bytes) == old[3])
        #expect(Set(try reopened.events(for: pool.alice.spend.publicKey).map(\.sequence)) == [1, 2, 3, 4, 5])
        try reopened.snapshot()
        let fromSnapshot = try Ledger(storage: POSIXStorage(directory: dir.path, create: false))
        #expect(fromSnapshot.recovery.snapshotSequence == 5)
        #expect(fromSnapshot.snapshotBytes == reopened.snapshotBytes)
        #expect(fromSnapshot.receipts.all == old + [r6])
        #expect(fromSnapshot.receipts.all.allSatisfy { $0.verify(publicKey: key) })
    }
}
