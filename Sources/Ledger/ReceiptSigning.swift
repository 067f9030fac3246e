import Ristretto255
public import Sodium
public import ZKPayCore

/// The ledger's Ed25519 receipt key.
public struct ReceiptKey: Sendable {
    /// The key pair (secret part in `SecretBytes`).
    public let pair: Ed25519KeyPair
    /// A fresh random key.
    public init() { pair = Ed25519KeyPair() }
    /// A key from a 32-byte seed.
    public init(seed: SecretBytes) throws(SodiumError) { pair = try Ed25519KeyPair(seed: seed) }
    /// The 32-byte public key receipts verify under.
    public var publicKey: [UInt8] { pair.publicKey }
}

/// A validator's receipt signer: its key and the chain id every signature binds. It signs a
/// batch as its index in the authority in office at the batch's first sequence
/// (docs/PROTOCOL.md §7.12), and not at all while it is not in office.
public struct ReceiptSigner: Sendable {
    /// The validator's key.
    public let key: ReceiptKey
    /// The ledger's chain id.
    public let chain: ChainID

    /// The signer with `key` of the ledger `chain`.
    public init(key: ReceiptKey, chain: ChainID) {
        self.key = key
        self.chain = chain
    }

    /// This validator's index in `office` (nil if its key is not one of its validators').
    public func index(in office: Authority) -> Int? {
        office.validators.firstIndex { $0.publicKey == key.publicKey }
    }

    /// This validator's signature of the batch whose tree is `tree`, as its index in `office`
    /// (the authority in office at the tree's first sequence); nil while not in office.
    public func sign(_ tree: ReceiptBatchTree, office: Authority) -> Receipt.Signer? {
        index(in: office).map { sign(tree, asIndex: $0) }
    }

    /// This validator's signature of the batch whose tree is `tree`, as validator `index`.
    public func sign(_ tree: ReceiptBatchTree, asIndex index: Int) -> Receipt.Signer {
        Receipt.Signer(index: index, signature: key.pair.sign(tree.message(chain: chain)))
    }
}

/// The Merkle tree over up to 65,535 consecutive version-2 entries: what one signature covers.
/// Built by `LedgerState.apply` (the state's side: deterministic, no key); the node signs
/// `message` and `receipts(signature:)` then writes each receipt once, path included.
public struct ReceiptBatchTree: Sendable {
    /// Sequence of the first entry.
    public let first: UInt64
    /// Number of entries (leaves), 1...65535.
    public let count: Int
    /// The ledger state's digest after the last entry (`LedgerState.stateDigest`).
    public let stateDigest: [UInt8]
    /// The entries, 83 bytes each, in sequence order.
    let entries: ArraySlice<UInt8>
    /// Every level of the tree, leaves first, the root alone last.
    let levels: [[Digest32]]

    /// The tree over `count` entries (83 bytes each, version 2, sequences `first`, `first` + 1, …).
    init(entries: ArraySlice<UInt8>, first: UInt64, count: Int, stateDigest: [UInt8], backend: Backend) {
        precondition((1...Receipt.maxBatchSize).contains(count) && entries.count == count * Receipt.entryLength,
                     "a batch holds 1...65535 entries of 83 bytes")
        precondition(stateDigest.count == 32, "a state digest is 32 bytes")
        self.stateDigest = stateDigest
        let leaves = [Digest32](unsafeUninitializedCapacity: count) { buffer, initialized in
            entries.withUnsafeBytes { all in
                ReceiptTree.leafHasher.digests(all.baseAddress!, stride: Receipt.entryLength, length: Receipt.entryLength,
                                               count: count, into: buffer.baseAddress!, backend: backend)
            }
            initialized = count
        }
        self.entries = entries
        self.first = first
        self.count = count
        levels = ReceiptTree.levels(leaves: leaves, backend: backend)
    }

    /// The root (RFC 9162 MTH over the entries' leaf hashes).
    public var root: [UInt8] { withUnsafeBytes(of: levels[levels.count - 1][0]) { Array($0) } }

    /// What a validator signs: "zkpay/receipt-batch/v4" ‖ chain id ‖ first u64 ‖ size u16 ‖ root
    /// ‖ state digest.
    public func message(chain: ChainID) -> [UInt8] {
        Receipt.batchMessage(chain: chain, first: first, size: count, root: root, stateDigest: stateDigest)
    }

    /// The entry of leaf `i` (83 bytes).
    func entry(_ i: Int) -> ArraySlice<UInt8> {
        let start = entries.startIndex + i * Receipt.entryLength
        return entries[start..<(start + Receipt.entryLength)]
    }

    /// The receipts of the tree's entries signed by `signer` alone (unsigned without one: a
    /// validator not in office), in sequence order. Each receipt's bytes are written once,
    /// path included, into one array of their exact size (no path arrays growing node by node).
    public func receipts(signer: Receipt.Signer?) -> [Receipt] {
        let signature = signer?.signature ?? [], index = UInt8(signer?.index ?? 0), signerCount = signer == nil ? 0 : 1
        let entryLength = Receipt.entryLength, first = first, count = count, levels = levels, digest = stateDigest
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        entries.withUnsafeBytes { all in
            signature.withUnsafeBytes { sig in
                for i in 0..<count {
                    // entry ‖ LE64(first) ‖ LE16(count) ‖ state digest ‖ path length ‖ path ‖ 1 ‖ index
                    // ‖ signature (signer count 0 and nothing after it when unsigned).
                    let pathCount = ReceiptTree.pathLength(index: i, size: count)
                    let signersOffset = Receipt.pathOffset + 32 * pathCount
                    let length = signersOffset + 1 + 65 * signerCount
                    let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                        let out = UnsafeMutableRawPointer(buffer.baseAddress!)
                        out.copyMemory(from: all.baseAddress! + i * entryLength, byteCount: entryLength)
                        out.storeBytes(of: first.littleEndian, toByteOffset: entryLength, as: UInt64.self)
                        out.storeBytes(of: UInt16(count).littleEndian, toByteOffset: entryLength + 8, as: UInt16.self)
                        digest.withUnsafeBytes { (out + Receipt.stateDigestOffset).copyMemory(from: $0.baseAddress!, byteCount: 32) }
                        out.storeBytes(of: UInt8(pathCount), toByteOffset: Receipt.pathCountOffset, as: UInt8.self)
                        let written = ReceiptTree.writePath(levels: levels, index: i, to: out + Receipt.pathOffset)
                        precondition(written == pathCount, "the path has the length RFC 9162 gives it")
                        out.storeBytes(of: UInt8(signerCount), toByteOffset: signersOffset, as: UInt8.self)
                        if signerCount == 1 {
                            out.storeBytes(of: index, toByteOffset: signersOffset + 1, as: UInt8.self)
                            (out + signersOffset + 2).copyMemory(from: sig.baseAddress!, byteCount: 64)
                        }
                        initialized = length
                    }
                    // The entry's fields are the ones `ReceiptBatch.append` wrote.
                    let kind = Receipt.Kind(rawValue: bytes[10]) ?? .transfer
                    let time = LogFormat.readLE(UInt64.self, bytes, at: 43)
                    receipts.append(Receipt(encoded: bytes, sequence: first + UInt64(i), kind: kind, time: time,
                                            batchFirst: first, batchSize: count, signersOffset: signersOffset))
                    assert(receipts[receipts.count - 1].batchRoot == root && (try? Receipt(bytes: bytes)) == receipts[receipts.count - 1],
                           "a written receipt decodes to itself and its path leads to the batch root")
                }
            }
        }
        return receipts
    }
}

/// The entries of the objects one batch settles, before they are signed (`trees`: one Merkle
/// tree, so one Ed25519 signature, per 65,535 entries).
struct ReceiptBatch {
    /// The entries, 83 bytes each, in sequence order.
    private var entries = ByteWriter()
    /// Sequence of the first entry.
    private(set) var first: UInt64 = 0
    /// Number of entries.
    private(set) var count = 0
    /// The state digest after the last entry of each full tree so far (`closeTree`).
    private var closedDigests: [[UInt8]] = []

    init(capacity: Int = 0) { entries = ByteWriter(capacity: capacity * Receipt.entryLength) }

    /// Adds the entry of the object settled at `sequence` (the one after the previous entry's).
    mutating func append(sequence: UInt64, kind: Receipt.Kind, id: Key32, time: UInt64, chainHash: [UInt8]) {
        if count == 0 { first = sequence }
        precondition(sequence == first + UInt64(count), "a batch's entries have consecutive sequences")
        id.withBytes {
            Receipt.writeEntry(&entries, sequence: sequence, kind: kind, id: $0, time: time, chainHash: chainHash)
        }
        count += 1
    }

    /// Records the state digest after the entry that just filled a tree (a multiple of
    /// 65,535 entries).
    mutating func closeTree(stateDigest: [UInt8]) {
        precondition(count == (closedDigests.count + 1) * Receipt.maxBatchSize, "a tree closes at 65,535 entries")
        closedDigests.append(stateDigest)
    }

    /// The trees the batch is signed as, in sequence order: one per 65,535 entries (hashed
    /// on `backend`). Each full tree carries the digest `closeTree` recorded; the last one,
    /// `stateDigest`, the digest after the whole batch.
    func trees(backend: Backend, stateDigest: [UInt8]) -> [ReceiptBatchTree] {
        var out: [ReceiptBatchTree] = []
        var start = 0
        while start < count {
            let n = min(Receipt.maxBatchSize, count - start)
            let slice = entries.bytes[(start * Receipt.entryLength)..<((start + n) * Receipt.entryLength)]
            let digest = out.count < closedDigests.count ? closedDigests[out.count] : stateDigest
            out.append(ReceiptBatchTree(entries: slice, first: first + UInt64(start), count: n, stateDigest: digest,
                                        backend: backend))
            start += n
        }
        return out
    }

    /// The receipts signed by `signer` as validator `index`, in sequence order (one signature
    /// per 65,535 entries).
    func sign(signer: ReceiptSigner, asIndex index: Int, backend: Backend, stateDigest: [UInt8]) -> [Receipt] {
        trees(backend: backend, stateDigest: stateDigest).flatMap { $0.receipts(signer: signer.sign($0, asIndex: index)) }
    }
}
