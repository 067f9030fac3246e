public import Sodium
import ZKPayCore

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

/// Making receipts: the ledger's side of `Receipt` (decoding and verification, what clients
/// need, live with the type in ZKPayCore).
extension Receipt {
    /// A version-1 receipt (entry ‖ its own signature). The ledger writes version 2; this is
    /// kept so that tests can make the receipts older ledgers wrote.
    static func signedVersionOne(sequence: UInt64, kind: Kind, id: [UInt8], time: UInt64, chainHash: [UInt8],
                                 key: ReceiptKey) -> Receipt
    {
        var w = ByteWriter(capacity: versionOneLength)
        guard let idKey = Key32(id) else { preconditionFailure("ids are 32 bytes") }
        idKey.withBytes { writeEntry(&w, version: 1, sequence: sequence, kind: kind, id: $0, time: time, chainHash: chainHash) }
        let signature = key.pair.sign(versionOneDomain + w.bytes)
        w.raw(signature)
        return Receipt(encoded: w.bytes, version: 1, sequence: sequence, kind: kind, time: time, batchFirst: sequence,
                       batchSize: 1)
    }

    /// The version-2 receipts of one signed batch: `entries` holds `count` consecutive
    /// entries (83 bytes each, version 2, sequences `first`, `first` + 1, …). The tree's levels
    /// are kept; each receipt's bytes are then written once, path included, into one array
    /// of their exact size (no path arrays growing node by node).
    static func signBatch(entries: ArraySlice<UInt8>, first: UInt64, count: Int, key: ReceiptKey) -> [Receipt] {
        precondition((1...maxBatchSize).contains(count) && entries.count == count * entryLength,
                     "a batch holds 1...65535 entries of 83 bytes")
        let leaves = [Digest32](unsafeUninitializedCapacity: count) { buffer, initialized in
            entries.withUnsafeBytes { all in
                ReceiptTree.leafHasher.digests(all.baseAddress!, stride: entryLength, length: entryLength, count: count,
                                               into: buffer.baseAddress!)
            }
            initialized = count
        }
        let levels = ReceiptTree.levels(leaves: leaves)
        let root = levels[levels.count - 1][0]
        let signature = withUnsafeBytes(of: root) { key.pair.sign(batchMessage(first: first, size: count, root: Array($0))) }
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        entries.withUnsafeBytes { all in
            signature.withUnsafeBytes { sig in
                for i in 0..<count {
                    // entry ‖ LE64(first) ‖ LE16(count) ‖ path length ‖ path ‖ signature, written
                    // once into an array of its exact size.
                    let pathCount = ReceiptTree.pathLength(index: i, size: count)
                    let length = versionTwoFixedLength + 32 * pathCount
                    let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                        let out = UnsafeMutableRawPointer(buffer.baseAddress!)
                        out.copyMemory(from: all.baseAddress! + i * entryLength, byteCount: entryLength)
                        out.storeBytes(of: first.littleEndian, toByteOffset: entryLength, as: UInt64.self)
                        out.storeBytes(of: UInt16(count).littleEndian, toByteOffset: entryLength + 8, as: UInt16.self)
                        out.storeBytes(of: UInt8(pathCount), toByteOffset: entryLength + 10, as: UInt8.self)
                        let written = ReceiptTree.writePath(levels: levels, index: i, to: out + entryLength + 11)
                        precondition(written == pathCount, "the path has the length RFC 9162 gives it")
                        (out + entryLength + 11 + 32 * pathCount).copyMemory(from: sig.baseAddress!, byteCount: 64)
                        initialized = length
                    }
                    // The entry's fields are the ones `ReceiptBatch.append` wrote.
                    let kind = Kind(rawValue: bytes[10]) ?? .transfer
                    let time = LogFormat.readLE(UInt64.self, bytes, at: 43)
                    receipts.append(Receipt(encoded: bytes, version: 2, sequence: first + UInt64(i), kind: kind,
                                            time: time, batchFirst: first, batchSize: count))
                }
            }
        }
        return receipts
    }
}

/// The entries of the objects one call settles, before they are signed as one batch
/// (`sign`: one Merkle tree and one Ed25519 signature per 65,535 entries).
struct ReceiptBatch {
    /// The entries, 83 bytes each, in sequence order.
    private var entries = ByteWriter()
    /// Sequence of the first entry.
    private(set) var first: UInt64 = 0
    /// Number of entries.
    private(set) var count = 0

    init(capacity: Int = 0) { entries = ByteWriter(capacity: capacity * Receipt.entryLength) }

    /// Adds the entry of the object settled at `sequence` (the one after the previous entry's).
    mutating func append(sequence: UInt64, kind: Receipt.Kind, id: Key32, time: UInt64, chainHash: [UInt8]) {
        if count == 0 { first = sequence }
        precondition(sequence == first + UInt64(count), "a batch's entries have consecutive sequences")
        id.withBytes {
            Receipt.writeEntry(&entries, version: 2, sequence: sequence, kind: kind, id: $0, time: time, chainHash: chainHash)
        }
        count += 1
    }

    /// The signed receipts, in sequence order (one signature per 65,535 entries).
    func sign(key: ReceiptKey) -> [Receipt] {
        var out: [Receipt] = []
        out.reserveCapacity(count)
        var start = 0
        while start < count {
            let n = min(Receipt.maxBatchSize, count - start)
            let slice = entries.bytes[(start * Receipt.entryLength)..<((start + n) * Receipt.entryLength)]
            out += Receipt.signBatch(entries: slice, first: first + UInt64(start), count: n, key: key)
            start += n
        }
        return out
    }
}
