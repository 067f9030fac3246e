import Sodium

/// A signed statement that the ledger settled a transfer or mint (docs/PROTOCOL.md,
/// "Receipts"; docs/notes/ledger-state.md).
///
/// Both versions start with the same 83-byte *entry* (integers little-endian):
///
///     type u8 = 0x52 ('R') ‖ version u8 ‖ sequence u64 ‖ kind u8 (1 transfer, 2 mint)
///     ‖ id (32) ‖ time u64 (milliseconds since 1970) ‖ chain hash after (32)
///
/// Version 2 (what the ledger writes): one Ed25519 signature per settled batch, over the
/// root of an RFC 9162 §2.1 Merkle tree whose leaves are the batch's entries in sequence
/// order; the receipt carries its inclusion path:
///
///     entry ‖ batch first sequence u64 ‖ batch size u16 ‖ path count u8
///     ‖ path (32 bytes each, leaf-to-root) ‖ signature (64)
///
///     leaf      = BLAKE2b-256(key "zkpay/receipt-leaf/v2", entry)
///     node      = BLAKE2b-256(key "zkpay/receipt-node/v2", left ‖ right)
///     signature = Ed25519("zkpay/receipt-batch/v2" ‖ first u64 ‖ size u16 ‖ root)
///
/// Version 1 (147 bytes, still decoded and verified: older logs, snapshots and saved
/// receipts): `entry ‖ signature (64)`, the signature over "zkpay/receipt/v1" ‖ entry.
///
/// A receipt holds its canonical bytes; decoding checks every field, so holding one means
/// it is well formed (whether it is the ledger's is `verify(publicKey:)`).
public struct Receipt: Sendable, Equatable {
    /// What a receipt settles.
    public enum Kind: UInt8, Sendable {
        case transfer = 1
        case mint = 2
    }

    /// Type byte.
    public static let objectType: UInt8 = 0x52
    /// The version the ledger writes.
    public static let currentVersion: UInt8 = 2
    /// Length of the entry (type through chain hash), the part both versions share.
    public static let entryLength = 83
    /// Encoded length of a version-1 receipt (the shortest receipt of any version).
    public static let versionOneLength = entryLength + 64
    /// Length of a version-2 receipt without its path.
    public static let versionTwoFixedLength = entryLength + 8 + 2 + 1 + 64
    /// Most receipts one batch signature covers (the batch size is a u16).
    public static let maxBatchSize = Int(UInt16.max)
    /// The version-1 signature's domain prefix.
    public static let versionOneDomain = Array("zkpay/receipt/v1".utf8)
    /// The version-2 batch signature's domain prefix.
    public static let batchDomain = Array("zkpay/receipt-batch/v2".utf8)

    /// The canonical encoding.
    public let bytes: [UInt8]
    /// 1 or 2.
    public let version: UInt8
    /// Position in the ledger (1 is the first settled object).
    public let sequence: UInt64
    /// Transfer or mint.
    public let kind: Kind
    /// Settlement time, milliseconds since 1970-01-01 UTC.
    public let time: UInt64
    /// Sequence of the first receipt of the signed batch (version 1: `sequence`).
    public let batchFirst: UInt64
    /// Number of receipts in the signed batch, 1...65535 (version 1: 1).
    public let batchSize: Int

    /// The transfer or mint id.
    public var id: [UInt8] { Array(bytes[11..<43]) }
    /// The ledger's chain hash after this object.
    public var chainHash: [UInt8] { Array(bytes[51..<83]) }
    /// The entry (type through chain hash): what the Merkle leaf hashes.
    public var entry: ArraySlice<UInt8> { bytes[0..<Self.entryLength] }
    /// The leaf's index in its batch's tree (`sequence − batchFirst`; version 1: 0).
    public var leafIndex: Int { Int(sequence - batchFirst) }
    /// The inclusion path, leaf-to-root, 32 bytes per node (empty for version 1).
    public var path: [[UInt8]] {
        guard version == 2 else { return [] }
        let count = Int(bytes[93])
        return (0..<count).map { Array(bytes[(94 + 32 * $0)..<(126 + 32 * $0)]) }
    }
    /// The Ed25519 signature (version 2: over the batch root; version 1: over the entry).
    public var signature: [UInt8] { Array(bytes[(bytes.count - 64)...]) }

    /// The id bytes without a copy, for comparisons inside the ledger.
    package var idSlice: ArraySlice<UInt8> { bytes[11..<43] }
    /// The chain hash without a copy.
    package var chainHashSlice: ArraySlice<UInt8> { bytes[51..<83] }

    /// A receipt whose bytes the caller has just encoded from these fields (the ledger's batch
    /// signer); nothing is checked, so only code that wrote `bytes` itself may call it.
    package init(encoded bytes: [UInt8], version: UInt8, sequence: UInt64, kind: Kind, time: UInt64,
                 batchFirst: UInt64, batchSize: Int)
    {
        self.bytes = bytes
        self.version = version
        self.sequence = sequence
        self.kind = kind
        self.time = time
        self.batchFirst = batchFirst
        self.batchSize = batchSize
    }

    // MARK: Decoding

    /// Decodes exactly one canonical receipt of either version (does not check the
    /// signature: see `verify(publicKey:)`).
    /// - Throws: `ReceiptError.malformed` naming the first wrong field.
    public init(bytes: some Collection<UInt8>) throws(ReceiptError) {
        let all = Array(bytes)
        let (receipt, length) = try Self.decodePrefix(of: all)
        guard length == all.count else {
            throw .malformed(field: "signature", reason: "\(all.count - length) unexpected bytes after the receipt")
        }
        self = receipt
    }

    /// The length the receipt at the start of `bytes` claims (version 1: 147; version 2: by
    /// its path count), without decoding it; nil if too few bytes or an unknown version
    /// (decoding then names what is wrong).
    public static func encodedLength(atStartOf bytes: ArraySlice<UInt8>) -> Int? {
        let s = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        switch bytes[s + 1] {
        case 1: return versionOneLength
        case 2: return bytes.count > 93 ? versionTwoFixedLength + 32 * Int(bytes[s + 93]) : nil
        default: return nil
        }
    }

    /// Decodes the receipt at the start of `bytes` (a log record: receipt ‖ object; a
    /// snapshot's receipt list) and returns it with its length; a receipt delimits itself
    /// through its version and path count.
    /// - Throws: `ReceiptError.malformed` naming the first wrong field.
    public static func decodePrefix(of bytes: [UInt8]) throws(ReceiptError) -> (receipt: Receipt, length: Int) {
        var r = ByteReader(bytes)
        do {
            guard try r.u8("type") == objectType else {
                throw ReceiptError.malformed(field: "type", reason: "not a receipt (type byte \(bytes[0]), expected 82)")
            }
            let version = try r.u8("version")
            guard version == 1 || version == 2 else {
                throw ReceiptError.malformed(field: "version",
                                             reason: "unknown receipt version \(version) (this build reads 1 and 2)")
            }
            let sequence = try r.u64("sequence")
            let kindByte = try r.u8("kind")
            guard let kind = Kind(rawValue: kindByte) else {
                throw ReceiptError.malformed(field: "kind", reason: "unknown kind \(kindByte) (1 transfer, 2 mint)")
            }
            try r.skip(32, "id")
            let time = try r.u64("time")
            try r.skip(32, "chain_hash")
            var first = sequence
            var size = 1
            if version == 2 {
                first = try r.u64("batch_first")
                size = Int(try r.u16("batch_size"))
                guard size >= 1 else {
                    throw ReceiptError.malformed(field: "batch_size", reason: "0; a batch holds at least one receipt")
                }
                guard sequence >= first, sequence - first < UInt64(size) else {
                    throw ReceiptError.malformed(
                        field: "batch_first", reason: "sequence \(sequence) lies outside its batch (first \(first), size \(size))")
                }
                let count = Int(try r.u8("path_count"))
                let expected = ReceiptTree.pathLength(index: Int(sequence - first), size: size)
                guard count == expected else {
                    throw ReceiptError.malformed(
                        field: "path_count",
                        reason: "\(count), but leaf \(sequence - first) of a batch of \(size) has a path of exactly \(expected)")
                }
                try r.skip(32 * count, "path")
            }
            try r.skip(64, "signature")
            let n = r.offset
            let own = n == bytes.count ? bytes : Array(bytes[0..<n])
            return (Receipt(encoded: own, version: version, sequence: sequence, kind: kind, time: time,
                            batchFirst: first, batchSize: size), n)
        } catch let e as ReceiptError {
            throw e
        } catch let ProtocolError.truncated(field, needed, remaining) {
            throw .malformed(field: field, reason: "needs \(needed) bytes but only \(remaining) remain; the receipt is truncated")
        } catch {
            throw .malformed(field: "receipt", reason: "\(error)")
        }
    }

    // MARK: Verification

    /// True if the ledger whose receipt public key is `publicKey` signed this receipt.
    ///
    /// Version 2: checks size ≥ 1 and first ≤ sequence < first + size, that the path has
    /// exactly the length RFC 9162 gives leaf `sequence − first` of a tree of `size`
    /// leaves, recomputes the root from the entry and the path (RFC 9162 §2.1.3.2), and
    /// checks the batch signature over it. Version 1: the signature over the entry.
    public func verify(publicKey: [UInt8]) -> Bool {
        guard let message = signedMessage else { return false }
        return Ed25519.verify(signature: signature, message: message, publicKey: publicKey)
    }

    /// The bytes the signature covers, recomputed from this receipt alone: version 1, the
    /// domain ‖ entry; version 2, the batch message over the root that the entry and the path
    /// give (nil if the batch fields or the path cannot be a leaf of a batch). Receipts of one
    /// batch give the same message, so a reader checking many of them verifies one signature
    /// per distinct (message, signature) pair.
    public var signedMessage: [UInt8]? {
        if version == 1 { return Self.versionOneDomain + entry }
        guard batchSize >= 1, batchSize <= Self.maxBatchSize, sequence >= batchFirst,
              sequence - batchFirst < UInt64(batchSize)
        else { return nil }
        let index = leafIndex
        let count = Int(bytes[93])
        guard count == ReceiptTree.pathLength(index: index, size: batchSize),
              bytes.count == Self.versionTwoFixedLength + 32 * count
        else { return nil }
        let leaf = ReceiptTree.leafHash(entry)
        guard let root = ReceiptTree.rootFromPath(leaf: leaf, index: index, size: batchSize,
                                                  path: bytes[94..<(94 + 32 * count)])
        else { return nil }
        return Self.batchMessage(first: batchFirst, size: batchSize, root: root)
    }

    /// What the batch signature covers: "zkpay/receipt-batch/v2" ‖ first u64 ‖ size u16 ‖ root.
    package static func batchMessage(first: UInt64, size: Int, root: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: batchDomain.count + 8 + 2 + 32)
        w.raw(batchDomain)
        w.u64(first)
        w.u16(UInt16(size))
        w.raw(root)
        return w.bytes
    }

    // MARK: Encoding

    /// Appends an entry (type through chain hash) of `version` to `w`; `id` and `chainHash`
    /// are 32 bytes each.
    package static func writeEntry(_ w: inout ByteWriter, version: UInt8, sequence: UInt64, kind: Kind,
                                   id: UnsafeRawBufferPointer, time: UInt64, chainHash: [UInt8])
    {
        precondition(id.count == 32 && chainHash.count == 32, "ids and chain hashes are 32 bytes")
        w.u8(objectType)
        w.u8(version)
        w.u64(sequence)
        w.u8(kind.rawValue)
        w.raw(id)
        w.u64(time)
        w.raw(chainHash)
    }
}

/// A receipt that cannot be decoded.
public enum ReceiptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a canonical receipt; `field` is the first one that is wrong.
    case malformed(field: String, reason: String)
    public var description: String {
        switch self {
        case let .malformed(field, reason): "malformed receipt: \(field): \(reason)"
        }
    }
}
