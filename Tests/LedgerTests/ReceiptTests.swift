import Foundation
import Ristretto255
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

/// The state digest the receipt tests' synthetic batches are signed with (they have no state).
let syntheticStateDigest = [UInt8](repeating: 0x5d, count: 32)

extension ReceiptBatch {
    /// The receipts of a synthetic batch, signed as if `syntheticStateDigest` were the state after it.
    func sign(signer: IndexedSigner, backend: Backend) -> [Receipt] {
        sign(signer: signer, backend: backend, stateDigest: syntheticStateDigest)
    }
}

@Suite("Receipts")
struct ReceiptTests {
    let pool = Pool.shared
    let genesis = Pool.genesis

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
        #expect(r.version == 4 && r.sequence == 2 && r.kind == .transfer && r.id == pool.t1.id.bytes)
        #expect(r.time == 1_764_000_000_000 && r.batchFirst == 2 && r.batchSize == 1 && r.path.isEmpty)
        #expect(r.bytes.count == Receipt.minimumLength + 65 && r.signers.map(\.index) == [0])
        #expect(r.verify(genesis: genesis))
        let decoded = try Receipt(bytes: r.bytes)
        #expect(decoded == r && decoded.verify(genesis: genesis))
        #expect(r.certificateError(genesis: Self.otherGenesis) != nil)
        let (prefixed, length) = try Receipt.decodePrefix(of: r.bytes + pool.t1.bytes)
        #expect(prefixed == r && length == r.bytes.count)
        #expect(Receipt.encodedLength(atStartOf: (r.bytes + [1, 2, 3])[...]) == r.bytes.count)
    }

    @Test("the receipts of one call are one batch: consecutive leaves, one signature, one root")
    func oneSignaturePerBatch() throws {
        let rs = batchReceipts()
        try #require(rs.count == 2)
        #expect(rs.map(\.sequence) == [2, 3] && rs.allSatisfy { $0.batchFirst == 2 && $0.batchSize == 2 })
        #expect(rs[0].signers == rs[1].signers && rs.allSatisfy { $0.verify(genesis: genesis) })
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
            let receipts = batch.sign(signer: Pool.signer, backend: TestBackends.fastest)
            try #require(receipts.count == size)
            let leaves = receipts.map { ReceiptTree.leafHash($0.entry) }
            let root = ReferenceTree.mth(leaves[...])
            // One signature over the reference root.
            #expect(Ed25519.verify(signature: receipts[0].signers[0].signature,
                                   message: Receipt.batchMessage(chain: genesis.chainID, first: first, size: size, root: root,
                                                                 stateDigest: syntheticStateDigest),
                                   publicKey: genesis.validators[0].publicKey), "size \(size)")
            // The reference paths are checked for small sizes and a sample of the large ones
            // (the reference recomputes subtrees from scratch: quadratic).
            let checked = size <= 70 ? Set(0..<size) : Set([0, 1, size / 2, size - 2, size - 1])
            for (i, r) in receipts.enumerated() {
                #expect(r.sequence == first + UInt64(i) && r.batchFirst == first && r.batchSize == size)
                #expect(r.path.count == ReceiptTree.pathLength(index: i, size: size))
                #expect(r.verify(genesis: genesis), "size \(size) index \(i)")
                if checked.contains(i) { #expect(r.path == ReferenceTree.path(i, leaves[...]), "size \(size) index \(i)") }
            }
        }
    }

    @Test("more than 65,535 settlements are signed as consecutive batches of at most 65,535")
    func largestBatch() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0002)
        print("ReceiptTests largestBatch seed \(rng.seed)")
        let receipts = entries(Receipt.maxBatchSize + 2, first: 10, rng: &rng).sign(signer: Pool.signer, backend: TestBackends.fastest)
        #expect(receipts.count == Receipt.maxBatchSize + 2)
        #expect(receipts.map(\.sequence) == (10..<(10 + UInt64(receipts.count))).map { $0 })
        for i in [0, 1, 40_000, Receipt.maxBatchSize - 1] {
            #expect(receipts[i].batchFirst == 10 && receipts[i].batchSize == Receipt.maxBatchSize)
            #expect(receipts[i].path.count == (i == 0 ? 16 : ReceiptTree.pathLength(index: i, size: Receipt.maxBatchSize)))
            #expect(receipts[i].path.count <= 16 && receipts[i].verify(genesis: genesis))
        }
        for i in [Receipt.maxBatchSize, Receipt.maxBatchSize + 1] {
            #expect(receipts[i].batchFirst == 10 + UInt64(Receipt.maxBatchSize) && receipts[i].batchSize == 2)
            #expect(receipts[i].verify(genesis: genesis))
        }
    }

    @Test("every altered byte of a receipt makes it fail to decode or to verify")
    func tampered() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0003)
        print("ReceiptTests tampered seed \(rng.seed)")
        // Leaf 4 of 7: a path of 3 nodes, and an index that is neither first nor last.
        let receipts = entries(7, first: 100, rng: &rng).sign(signer: Pool.signer, backend: TestBackends.fastest) + batchReceipts()
        for r in [receipts[4], receipts[6], receipts[7]] {
            #expect(r.verify(genesis: genesis))
            let bytes = r.bytes
            for i in bytes.indices {
                for mask: UInt8 in [0x01, 0x80, 0xff] {
                    var b = bytes
                    b[i] ^= mask
                    if let t = try? Receipt(bytes: b) {
                        #expect(!t.verify(genesis: genesis), "byte \(i) mask \(mask)")
                    }
                }
            }
            #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes.dropLast()) }
            #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes + [0]) }
        }
    }

    /// `r` with `field` replaced and the path count set to the new path's length (its signers kept).
    func rebuilt(_ r: Receipt, sequence: UInt64? = nil, first: UInt64? = nil, size: Int? = nil,
                 stateDigest: [UInt8]? = nil, path: [[UInt8]]? = nil) -> [UInt8]
    {
        var w = ByteWriter()
        w.raw(Array(r.bytes[0..<2]))
        w.u64(sequence ?? r.sequence)
        w.raw(Array(r.bytes[10..<83]))
        w.u64(first ?? r.batchFirst)
        w.u16(UInt16(size ?? r.batchSize))
        w.raw(stateDigest ?? r.stateDigest)
        let nodes = path ?? r.path
        w.u8(UInt8(nodes.count))
        for n in nodes { w.raw(n) }
        w.raw(Array(r.bytes[r.unsigned.count...]))
        return w.bytes
    }

    @Test("a path from another batch, a wrong index, a wrong size and a truncated or extended path all fail")
    func wrongPaths() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0004)
        print("ReceiptTests wrongPaths seed \(rng.seed)")
        let a = entries(13, first: 50, rng: &rng).sign(signer: Pool.signer, backend: TestBackends.fastest)
        let b = entries(13, first: 50, rng: &rng).sign(signer: Pool.signer, backend: TestBackends.fastest)
        func fails(_ bytes: [UInt8], _ what: String) {
            if let t = try? Receipt(bytes: bytes) { #expect(!t.verify(genesis: genesis), "\(what)") }
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
            // Another state digest: the signature covers it.
            fails(rebuilt(a[i], stateDigest: rng.bytes(32)), "another state digest for \(i)")
            fails(rebuilt(a[i], stateDigest: b[i].stateDigest.map { $0 ^ 1 }), "a flipped state digest for \(i)")
        }
        // Decoding names the field for a structurally impossible receipt.
        #expect(throws: ReceiptError.malformed(field: "batch_size", reason: "0; a batch holds at least one receipt")) {
            try Receipt(bytes: rebuilt(a[0], size: 0))
        }
        for (bytes, field) in [(rebuilt(a[3], first: 60), "batch_first"),
                               (rebuilt(a[3], path: Array(a[3].path.dropLast())), "path_count"),
                               (Array(a[3].bytes.prefix(100)), "state_digest"), (Array(a[3].bytes.prefix(130)), "path"), (Array(a[3].bytes.prefix(20)), "id")] {
            let error = #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes) }
            if case let .malformed(named, _) = error { #expect(named == field) }
        }
    }

    /// Another ledger of the same issuer and validator key, with another minimum fee.
    static let otherGenesis: Genesis = {
        do {
            return try Genesis(issuer: Pool.genesis.issuer, minimumFee: 99, validators: Pool.genesis.validators)
        } catch { preconditionFailure("\(error)") }
    }()

    /// Four validator keys and their genesis (quorum 3, tolerating one Byzantine validator).
    static func fourValidators() throws -> (Genesis, [IndexedSigner]) {
        let keys = try (1...4).map { try ReceiptKey(seed: SecretBytes(copying: [UInt8](repeating: UInt8(0x40 + $0), count: 32))) }
        let genesis = try Genesis(issuer: Pool.genesis.issuer, minimumFee: 1,
                                  validators: try keys.enumerated().map { try GenesisValidator(name: "v\($0.offset + 1)", publicKey: $0.element.publicKey) })
        return (genesis, keys.enumerated().map { IndexedSigner(key: $0.element, index: $0.offset, chain: genesis.chainID) })
    }

    @Test("the quorum is ceil((N + f + 1) / 2) with f = floor((N - 1) / 3)")
    func quorum() throws {
        let expected = [1: 1, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4, 7: 5, 10: 7, 64: 43]
        for (n, q) in expected {
            let validators = try (0..<n).map { try GenesisValidator(name: "v\($0)", publicKey: [UInt8](repeating: UInt8($0), count: 31) + [1]) }
            let g = try Genesis(issuer: Pool.genesis.issuer, minimumFee: 1, validators: validators)
            #expect(g.quorum == q, "N = \(n)")
            let f = (n - 1) / 3
            #expect(g.quorum == Int((Double(n + f + 1) / 2).rounded(.up)), "N = \(n)")
        }
    }

    @Test("a certificate needs a quorum of distinct validators of the genesis, each signing this chain's batch root")
    func certificates() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0005)
        print("ReceiptTests certificates seed \(rng.seed)")
        let (g, signers) = try Self.fourValidators()
        let batch = entries(5, first: 20, rng: &rng)
        let own = batch.sign(signer: signers[2], backend: TestBackends.fastest)
        let r = own[3]
        #expect(r.signers.map(\.index) == [2])
        #expect(r.certificateError(genesis: g) == .tooFewSigners(found: 1, quorum: 3))
        #expect(r.certificateError(genesis: g, quorum: 1) == nil)
        let sig = { (k: Int) in try #require(signers[k].sign(batchOf: r)) }
        let two = r.adding([try sig(0)])
        #expect(two.signers.map(\.index) == [0, 2] && two.certificateError(genesis: g) == .tooFewSigners(found: 2, quorum: 3))
        let three = two.adding([try sig(3)])
        #expect(three.signers.map(\.index) == [0, 2, 3] && three.verify(genesis: g))
        #expect(try Receipt(bytes: three.bytes) == three)
        // Merging is canonical: any order of the same signatures gives the same bytes.
        #expect(r.adding([try sig(3), try sig(0)]).bytes == three.bytes)
        #expect(three.adding([try sig(2)]) == three)
        let all = three.adding([try sig(1)])
        #expect(all.signers.count == 4 && all.verify(genesis: g))
        // Every receipt of the batch carries the same signatures (one per validator per batch).
        for other in own { #expect(other.adding([try sig(0), try sig(3)]).verify(genesis: g)) }

        // A valid signature under another validator's index; a foreign key; an index past N;
        // the same validator twice; the signature over another chain's message.
        let s0 = try sig(0)
        let swapped = r.adding([Receipt.Signer(index: 1, signature: s0.signature), try sig(3)])
        #expect(swapped.certificateError(genesis: g) == .badSignature(validator: "v2"))
        let foreign = IndexedSigner(key: ReceiptKey(), index: 0, chain: g.chainID)
        let forged = r.adding([try #require(foreign.sign(batchOf: r)), try sig(3)])
        #expect(forged.certificateError(genesis: g) == .badSignature(validator: "v1"))
        let past = r.adding([try sig(0), Receipt.Signer(index: 4, signature: try sig(3).signature)])
        #expect(past.certificateError(genesis: g) == .unknownSigner(index: 4))
        var twice = Array(r.unsigned) + [2, 2]
        twice += r.signers[0].signature + [2] + r.signers[0].signature
        #expect(throws: ReceiptError.self) { try Receipt(bytes: twice) }
        let otherChain = IndexedSigner(key: signers[0].key, index: 0, chain: Self.otherGenesis.chainID)
        let crossChain = r.adding([try #require(otherChain.sign(batchOf: r)), try sig(3)])
        #expect(crossChain.certificateError(genesis: g) == .badSignature(validator: "v1"))
        // No signer at all (the log of a validator not in office) decodes and certifies nothing.
        let unsigned = try Receipt(bytes: Array(r.unsigned) + [0])
        #expect(unsigned.signers.isEmpty && unsigned.certificateError(genesis: g, quorum: 1) == .tooFewSigners(found: 0, quorum: 1))
    }

    @Test("after an authority statement a receipt is checked against the validator set in office at its batch: the old set before the effective sequence, the new one from it")
    func certificatesUnderAuthorities() throws {
        var rng = SeededRNG(seed: 0x2ec_e1b7_0012)
        print("ReceiptTests certificatesUnderAuthorities seed \(rng.seed)")
        let (g, signers) = try Self.fourValidators()
        // Statement 1: from sequence 30 the set is v4, v2 (quorum 2), signed by v1, v2, v3 (3 of 4).
        var statement = try AuthorityStatement(chain: g.chainID, number: 1, previous: g.chainID.bytes, effective: 30,
                                               validators: [g.validators[3], g.validators[1]], auditors: [])
        for i in [0, 1, 2] { statement = statement.signed(asValidator: UInt8(i), key: signers[i].key.pair) }
        let chain = try AuthorityChain(genesis: g, statements: [statement])

        // Batch at 20: governed by the genesis's set; v1, v3, v4 certify it.
        let before = entries(3, first: 20, rng: &rng).sign(signer: signers[0], backend: TestBackends.fastest)[1]
        let certified = before.adding([try #require(signers[2].sign(batchOf: before)), try #require(signers[3].sign(batchOf: before))])
        #expect(certified.certificateError(authorities: chain) == nil)
        #expect(certified.certificateError(authorities: chain) == certified.certificateError(genesis: g))

        // Batch at 30: governed by the new set, where v4 is index 0 and v2 index 1.
        let newV4 = IndexedSigner(key: signers[3].key, index: 0, chain: g.chainID)
        let newV2 = IndexedSigner(key: signers[1].key, index: 1, chain: g.chainID)
        let after = entries(3, first: 30, rng: &rng).sign(signer: newV4, backend: TestBackends.fastest)[2]
        #expect(after.certificateError(authorities: chain) == .tooFewSigners(found: 1, quorum: 2))
        let both = after.adding([try #require(newV2.sign(batchOf: after))])
        #expect(both.certificateError(authorities: chain) == nil)
        // Read against the genesis alone, index 0 is v1, whose key did not sign.
        #expect(both.certificateError(genesis: g) == .badSignature(validator: "v1"))
        // The old set's quorum at 30 is refused: v1, v3 and v4 under their old indices (index 0
        // is v4 now, whose key did not make v1's signature).
        let oldSet = entries(3, first: 30, rng: &rng).sign(signer: signers[0], backend: TestBackends.fastest)[0]
        let old = oldSet.adding([try #require(signers[2].sign(batchOf: oldSet)), try #require(signers[3].sign(batchOf: oldSet))])
        #expect(old.certificateError(genesis: g) == nil)
        #expect(old.certificateError(authorities: chain) == .badSignature(validator: "v4"))
        let v3v4 = entries(3, first: 31, rng: &rng).sign(signer: signers[2], backend: TestBackends.fastest)[0]
        #expect(v3v4.adding([try #require(signers[3].sign(batchOf: v3v4))]).certificateError(authorities: chain)
            == .unknownSigner(index: 2))
    }

    @Test("objects of one ledger are refused by another with the same issuer: wrong_chain, nothing settles")
    func chainBinding() throws {
        var other = SignedState(state: LedgerState(genesis: Self.otherGenesis))
        let m = other.applySigned(OrderedBatch(time: 1, mints: [pool.mint]))
        #expect(m[0].rejection == .otherLedger(chain: pool.chain) && m[0].rejection?.code == "wrong_chain")
        #expect(other.sequence == 0)
        var ours = pool.emptyState(minimumFee: 1)
        _ = ours.mintOrFail(pool.mint)
        let verified = ours.verifyVartime([pool.t1])
        var foreignState = LedgerState(genesis: Self.otherGenesis)
        // The proofs are valid; the rules refuse the chain before anything else.
        let applied = foreignState.apply(OrderedBatch(time: 2, transfers: verified))
        #expect(applied.outcomes.count == 1 && foreignState.sequence == 0)
        if case let .rejected(e) = applied.outcomes[0] { #expect(e == .otherLedger(chain: pool.chain)) } else {
            Issue.record("a transfer of another chain settled: \(applied.outcomes[0])")
        }
    }
}

/// A ledger data directory written by this format version (Fixtures/golden/ledger-v2) opens,
/// answers and continues: later builds must keep reading it.
@Suite("Golden ledger data")
struct GoldenLedgerTests {
    let pool = Pool.shared

    /// A copy of Fixtures/golden/ledger-v2 in a fresh temporary directory.
    func copy() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let source = Fixtures.url("golden/ledger-v2")
        for name in ["genesis.zkpg", "receipt.key", "snapshot.zkps", "wal-00000000000000000001.log"] {
            try FileManager.default.copyItem(atPath: source.appendingPathComponent(name).path,
                                             toPath: dir.path + "/" + name)
        }
        return dir
    }

    /// Writes the golden directory into $ZKPAY_WRITE_GOLDEN (run once when the format
    /// changes; Fixtures/golden/ledger-v2/README.md).
    @Test("write the golden ledger (only with ZKPAY_WRITE_GOLDEN=DIR)",
          .enabled(if: ProcessInfo.processInfo.environment["ZKPAY_WRITE_GOLDEN"] != nil, "set ZKPAY_WRITE_GOLDEN=DIR to regenerate"))
    func write() throws {
        let dir = try #require(ProcessInfo.processInfo.environment["ZKPAY_WRITE_GOLDEN"])
        let storage = try POSIXStorage(directory: dir, create: true)
        try Ledger.initialize(storage: storage, genesis: Pool.genesis, receiptKeySeed: SecretBytes(copying: DurableFixture.keySeed))
        let ledger = try Ledger(storage: storage)
        let m = try ledger.submit(mint: pool.mint, time: 1_764_000_000_000)
        let a = try ledger.submit(verified: [DurableFixture.verification(pool.t1), DurableFixture.verification(pool.t5)],
                                  time: 1_764_000_001_000)
        try ledger.snapshot()
        let b = try ledger.submit(verified: [DurableFixture.verification(pool.t3)], time: 1_764_000_002_000)
        var lines = ([m] + a + b).compactMap { $0.receipt.map { ProtocolHex.encode($0.bytes) } }
        lines.append(ProtocolHex.encode(ledger.state.chainHash))
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/receipts.txt", atomically: true, encoding: .utf8)
    }

    @Test("the golden data directory recovers, keeps its receipts, and appends after them")
    func goldenDirectory() throws {
        let dir = try copy()
        defer { dir.cleanup() }
        let lines = String(decoding: try Fixtures.data("golden/ledger-v2/receipts.txt"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        try #require(lines.count == 5)
        let old = try lines.prefix(4).map { try Receipt(bytes: try #require(ProtocolHex.decode($0))) }

        let ledger = try Ledger(storage: POSIXStorage(directory: dir.path, create: false))
        #expect(ledger.genesis == Pool.genesis)
        #expect(ledger.recovery.snapshotSequence == 3 && ledger.state.sequence == 4)
        #expect(ProtocolHex.encode(ledger.state.chainHash) == lines[4])
        #expect(ledger.auditVartime().ok)
        for (r, id) in zip(old, [pool.mint.id.bytes, pool.t1.id.bytes, pool.t5.id.bytes, pool.t3.id.bytes]) {
            #expect(ledger.receipt(for: id) == r && r.verify(genesis: Pool.genesis))
            let found = try #require(try ledger.settledObject(id: id))
            #expect(found.receipt == r)
        }
        let again = try ledger.submit(verified: [DurableFixture.verification(pool.t5)], time: 9)
        guard case let .finalized(r5) = again[0] else { Issue.record("expected finalized, got \(again[0])"); return }
        #expect(r5 == old[2])
        #expect(Set(try ledger.events(for: pool.bob.spend.publicKey).map(\.sequence)) == [2, 3, 4])

        // t4 spends alice's 200 from the mint: verified against a state that holds the mint.
        var fresh = pool.emptyState(minimumFee: 1)
        _ = fresh.mintOrFail(pool.mint)
        let out = try ledger.submit(verified: fresh.verifyVartime([pool.t4]), time: 1_764_000_003_000)
        let r6 = try #require(out[0].receipt)
        #expect(r6.sequence == 5 && r6.verify(genesis: Pool.genesis))
        try ledger.snapshot()
        let reopened = try Ledger(storage: POSIXStorage(directory: dir.path, create: false))
        #expect(reopened.recovery.snapshotSequence == 5 && reopened.receipts.all == old + [r6])
    }
}
