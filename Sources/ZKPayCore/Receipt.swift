import Sodium

/// A statement, certified by the ledger's validators, that the ledger settled a transfer or
/// mint (docs/PROTOCOL.md §7.6).
///
/// Layout (version 4; integers little-endian):
///
///     entry (83): type u8 = 0x52 ('R') ‖ version u8 = 4 ‖ sequence u64 ‖ kind u8 (1 transfer,
///                 2 mint, 3 redemption) ‖ id (32) ‖ time u64 (ms since 1970) ‖ chain hash after (32)
///     ‖ batch first sequence u64 ‖ batch size u16 ‖ state digest after the batch (32)
///     ‖ path count u8 ‖ path (32 each, leaf-to-root)
///     ‖ signer count u8 ‖ signers: validator index u8 ‖ Ed25519 signature (64),
///       indices strictly increasing (the indices of the authority in office at the batch's
///       first sequence, §7.12; none in the log of a validator not in office then)
///
/// One settled batch is an RFC 9162 §2.1 Merkle tree whose leaves are its entries in
/// sequence order; each validator that applied the batch signs its root:
///
///     leaf      = BLAKE2b-256(key "zkpay/receipt-leaf/v2", entry)
///     node      = BLAKE2b-256(key "zkpay/receipt-node/v2", left ‖ right)
///     signature = Ed25519("zkpay/receipt-batch/v4" ‖ chain id ‖ first u64 ‖ size u16 ‖ root
///                         ‖ state digest)
///
/// The state digest is the ledger state's digest after the batch's last object (the ledger
/// layer computes it): validators whose states differ sign different messages, so their
/// signatures never form a certificate.
///
/// A receipt is *certified* when it carries valid signatures of at least the genesis quorum
/// of distinct validators (`verify(genesis:)`). A validator's log holds receipts signed by
/// that validator alone (no signature for a batch it applied while not in office); the node
/// layer adds the other validators' signatures.
///
/// A receipt holds its canonical bytes; decoding checks every field, so holding one means
/// it is well formed (whether its signatures are the ledger's is `verify(genesis:)`).
public struct Receipt: Sendable, Equatable {
    /// What a receipt settles.
    public enum Kind: UInt8, Sendable {
        case transfer = 1
        case mint = 2
        case redemption = 3
        /// An authority statement (§7.12): settled like an object, under its statement id.
        case authority = 4

        /// The kind's name in JSON and messages: "transfer", "mint", "redemption" or "authority".
        public var name: String {
            switch self {
            case .transfer: "transfer"
            case .mint: "mint"
            case .redemption: "redemption"
            case .authority: "authority"
            }
        }
    }

    /// One validator's signature of the receipt's batch.
    public struct Signer: Sendable, Equatable {
        /// The validator's index in the genesis.
        public let index: Int
        /// Ed25519 signature (64 bytes) of `Receipt.batchMessage`.
        public let signature: [UInt8]
        /// A signer (index 0...255, 64-byte signature).
        public init(index: Int, signature: [UInt8]) {
            precondition((0...255).contains(index) && signature.count == 64, "an index byte and a 64-byte signature")
            self.index = index
            self.signature = signature
        }
    }

    /// Type byte.
    public static let objectType: UInt8 = 0x52
    /// The version this build writes and reads.
    public static let currentVersion: UInt8 = 4
    /// Length of the entry (type through chain hash).
    public static let entryLength = 83
    /// Shortest receipt: no path, no signer (a validator's own log while it is not in office).
    public static let minimumLength = pathOffset + 1
    /// Offset of the state digest (after the batch fields).
    package static let stateDigestOffset = entryLength + 8 + 2
    /// Offset of the path count.
    package static let pathCountOffset = stateDigestOffset + 32
    /// Offset of the path.
    package static let pathOffset = pathCountOffset + 1
    /// Most receipts one batch signature covers (the batch size is a u16).
    public static let maxBatchSize = Int(UInt16.max)
    /// The batch signature's domain prefix.
    public static let batchDomain = Array(Domain.receiptBatch.utf8)

    /// The canonical encoding.
    public let bytes: [UInt8]
    /// Position in the ledger (1 is the first settled object).
    public let sequence: UInt64
    /// Transfer or mint.
    public let kind: Kind
    /// Settlement time, milliseconds since 1970-01-01 UTC.
    public let time: UInt64
    /// Sequence of the first receipt of the signed batch.
    public let batchFirst: UInt64
    /// Number of receipts in the signed batch, 1...65535.
    public let batchSize: Int
    /// Offset of the signer count (after the path).
    let signersOffset: Int

    /// The version (4).
    public var version: UInt8 { bytes[1] }
    /// The transfer or mint id.
    public var id: [UInt8] { Array(bytes[11..<43]) }
    /// The ledger's chain hash after this object.
    public var chainHash: [UInt8] { Array(bytes[51..<83]) }
    /// The entry (type through chain hash): what the Merkle leaf hashes.
    public var entry: ArraySlice<UInt8> { bytes[0..<Self.entryLength] }
    /// The leaf's index in its batch's tree (`sequence − batchFirst`).
    public var leafIndex: Int { Int(sequence - batchFirst) }
    /// The inclusion path bytes (32 per node, leaf-to-root).
    public var pathBytes: ArraySlice<UInt8> { bytes[Self.pathOffset..<signersOffset] }
    /// The digest of the ledger state after the batch's last object (what the signers attest
    /// their state to be).
    public var stateDigest: [UInt8] { Array(bytes[Self.stateDigestOffset..<Self.pathCountOffset]) }
    /// The inclusion path, leaf-to-root.
    public var path: [[UInt8]] { stride(from: Self.pathOffset, to: signersOffset, by: 32).map { Array(bytes[$0..<($0 + 32)]) } }
    /// The signers, by increasing index.
    public var signers: [Signer] {
        let count = Int(bytes[signersOffset])
        return (0..<count).map { k in
            let o = signersOffset + 1 + 65 * k
            return Signer(index: Int(bytes[o]), signature: Array(bytes[(o + 1)..<(o + 65)]))
        }
    }
    /// The receipt without its signers: entry, batch fields and path.
    public var unsigned: ArraySlice<UInt8> { bytes[0..<signersOffset] }

    /// The id bytes without a copy, for comparisons inside the ledger.
    package var idSlice: ArraySlice<UInt8> { bytes[11..<43] }
    /// The chain hash without a copy.
    package var chainHashSlice: ArraySlice<UInt8> { bytes[51..<83] }

    /// A receipt whose bytes the caller has just encoded from these fields (the ledger's batch
    /// signer); nothing is checked, so only code that wrote `bytes` itself may call it.
    package init(encoded bytes: [UInt8], sequence: UInt64, kind: Kind, time: UInt64, batchFirst: UInt64,
                 batchSize: Int, signersOffset: Int)
    {
        self.bytes = bytes
        self.sequence = sequence
        self.kind = kind
        self.time = time
        self.batchFirst = batchFirst
        self.batchSize = batchSize
        self.signersOffset = signersOffset
    }

    // MARK: Decoding

    /// Decodes exactly one canonical receipt (does not check the signatures: see
    /// `verify(genesis:)`).
    /// - Throws: `ReceiptError.malformed` naming the first wrong field.
    public init(bytes: some Collection<UInt8>) throws(ReceiptError) {
        let all = Array(bytes)
        let (receipt, length) = try Self.decodePrefix(of: all)
        guard length == all.count else {
            throw .malformed(field: "signers", reason: "\(all.count - length) unexpected bytes after the receipt")
        }
        self = receipt
    }

    /// The length the receipt at the start of `bytes` claims (by its path and signer counts),
    /// without decoding it; nil if too few bytes or an unknown version (decoding then names
    /// what is wrong).
    public static func encodedLength(atStartOf bytes: ArraySlice<UInt8>) -> Int? {
        let s = bytes.startIndex
        guard bytes.count > pathCountOffset, bytes[s + 1] == currentVersion else { return nil }
        let signersOffset = pathOffset + 32 * Int(bytes[s + pathCountOffset])
        guard bytes.count > signersOffset else { return nil }
        return signersOffset + 1 + 65 * Int(bytes[s + signersOffset])
    }

    /// Decodes the receipt at the start of `bytes` (a log record: receipt ‖ object; a
    /// snapshot's receipt list) and returns it with its length; a receipt delimits itself
    /// through its path and signer counts.
    /// - Throws: `ReceiptError.malformed` naming the first wrong field.
    public static func decodePrefix(of bytes: [UInt8]) throws(ReceiptError) -> (receipt: Receipt, length: Int) {
        var r = ByteReader(bytes)
        do {
            guard try r.u8("type") == objectType else {
                throw ReceiptError.malformed(field: "type", reason: "not a receipt (type byte \(bytes[0]), expected 82)")
            }
            let version = try r.u8("version")
            guard version == currentVersion else {
                throw ReceiptError.malformed(field: "version",
                                             reason: "receipt version \(version); this build reads version \(currentVersion)")
            }
            let sequence = try r.u64("sequence")
            let kindByte = try r.u8("kind")
            guard let kind = Kind(rawValue: kindByte) else {
                throw ReceiptError.malformed(field: "kind", reason: "unknown kind \(kindByte) (1 transfer, 2 mint, 3 redemption, 4 authority)")
            }
            try r.skip(32, "id")
            let time = try r.u64("time")
            try r.skip(32, "chain_hash")
            let first = try r.u64("batch_first")
            let size = Int(try r.u16("batch_size"))
            guard size >= 1 else {
                throw ReceiptError.malformed(field: "batch_size", reason: "0; a batch holds at least one receipt")
            }
            guard sequence >= first, sequence - first < UInt64(size) else {
                throw ReceiptError.malformed(
                    field: "batch_first", reason: "sequence \(sequence) lies outside its batch (first \(first), size \(size))")
            }
            try r.skip(32, "state_digest")
            let count = Int(try r.u8("path_count"))
            let expected = ReceiptTree.pathLength(index: Int(sequence - first), size: size)
            guard count == expected else {
                throw ReceiptError.malformed(
                    field: "path_count",
                    reason: "\(count), but leaf \(sequence - first) of a batch of \(size) has a path of exactly \(expected)")
            }
            try r.skip(32 * count, "path")
            let signersOffset = r.offset
            let signerCount = Int(try r.u8("signer_count"))
            var previous = -1
            for k in 0..<signerCount {
                let index = Int(try r.u8("signers[\(k)].index"))
                guard index > previous else {
                    throw ReceiptError.malformed(field: "signers[\(k)].index",
                                                 reason: "\(index) after \(previous); indices must strictly increase")
                }
                previous = index
                try r.skip(64, "signers[\(k)].signature")
            }
            let n = r.offset
            let own = n == bytes.count ? bytes : Array(bytes[0..<n])
            return (Receipt(encoded: own, sequence: sequence, kind: kind, time: time, batchFirst: first,
                            batchSize: size, signersOffset: signersOffset), n)
        } catch let e as ReceiptError {
            throw e
        } catch let ProtocolError.truncated(field, needed, remaining) {
            throw .malformed(field: field, reason: "needs \(needed) bytes but only \(remaining) remain; the receipt is truncated")
        } catch {
            throw .malformed(field: "receipt", reason: "\(error)")
        }
    }

    // MARK: Verification

    /// True if the receipt is certified by the ledger `genesis` describes: at least
    /// `genesis.quorum` signers, each a validator of the genesis whose signature verifies.
    public func verify(genesis: Genesis) -> Bool { certificateError(genesis: genesis) == nil }

    /// Why the receipt is not certified by `genesis`'s validators (nil if it is): recomputes
    /// the root from the entry and the path (RFC 9162 §2.1.3.2) and checks every signature
    /// over the batch message. `quorum` overrides the genesis quorum (a validator checking
    /// its own log requires 1).
    public func certificateError(genesis: Genesis, quorum: Int? = nil) -> CertificateError? {
        certificateError(chain: genesis.chainID, validators: genesis.validators, quorum: quorum ?? genesis.quorum)
    }

    /// Why the receipt is not certified by the authority in office at its batch's first
    /// sequence (docs/PROTOCOL.md §7.12): that authority's validators and quorum instead of the
    /// genesis's.
    public func certificateError(authorities: AuthorityChain) -> CertificateError? {
        let office = authorities.authority(at: batchFirst)
        return certificateError(chain: authorities.chainID, validators: office.validators, quorum: office.quorum)
    }

    /// The certificate check against one validator set: every signer a member whose
    /// signature verifies over this chain's batch message, and at least `quorum` of them.
    private func certificateError(chain: ChainID, validators: [GenesisValidator], quorum needed: Int) -> CertificateError? {
        guard let message = signedMessage(chain: chain) else { return .noRoot }
        let signers = signers
        for s in signers {
            guard s.index < validators.count else { return .unknownSigner(index: s.index) }
            let validator = validators[s.index]
            guard Ed25519.verify(signature: s.signature, message: message, publicKey: validator.publicKey) else {
                return .badSignature(validator: validator.name)
            }
        }
        guard signers.count >= needed else { return .tooFewSigners(found: signers.count, quorum: needed) }
        return nil
    }

    /// The bytes the validators sign, recomputed from this receipt alone: the batch message
    /// over the root that the entry and the path give (nil if the batch fields or the path
    /// cannot be a leaf of a batch). Receipts of one batch give the same message.
    public func signedMessage(chain: ChainID) -> [UInt8]? {
        guard let root = batchRoot else { return nil }
        return Self.batchMessage(chain: chain, first: batchFirst, size: batchSize, root: root,
                                 stateDigest: bytes[Self.stateDigestOffset..<Self.pathCountOffset])
    }

    /// The root of the receipt's batch, from the entry and the path.
    public var batchRoot: [UInt8]? {
        guard batchSize >= 1, batchSize <= Self.maxBatchSize, sequence >= batchFirst,
              sequence - batchFirst < UInt64(batchSize)
        else { return nil }
        let index = leafIndex
        guard (signersOffset - Self.pathOffset) / 32 == ReceiptTree.pathLength(index: index, size: batchSize) else { return nil }
        return ReceiptTree.rootFromPath(leaf: ReceiptTree.leafHash(entry), index: index, size: batchSize,
                                        path: bytes[Self.pathOffset..<signersOffset])
    }

    /// What a validator signs for a batch: "zkpay/receipt-batch/v4" ‖ chain id ‖ first u64
    /// ‖ size u16 ‖ root ‖ state digest after the batch.
    public static func batchMessage(chain: ChainID, first: UInt64, size: Int, root: [UInt8],
                                    stateDigest: some Collection<UInt8>) -> [UInt8] {
        precondition(root.count == 32 && stateDigest.count == 32, "a root and a state digest are 32 bytes")
        var w = ByteWriter(capacity: batchDomain.count + 32 + 8 + 2 + 32 + 32)
        w.raw(batchDomain)
        w.raw(chain.bytes)
        w.u64(first)
        w.u16(UInt16(size))
        w.raw(root)
        w.raw(stateDigest)
        return w.bytes
    }

    /// This receipt with `more` signatures merged in (by index; a signer already present
    /// keeps its signature). The caller checks the signatures it adds.
    public func adding(_ more: [Signer]) -> Receipt {
        var byIndex: [Int: [UInt8]] = [:]
        for s in signers { byIndex[s.index] = s.signature }
        for s in more where byIndex[s.index] == nil { byIndex[s.index] = s.signature }
        guard byIndex.count > signers.count else { return self }
        var w = ByteWriter(capacity: signersOffset + 1 + 65 * byIndex.count)
        w.raw(unsigned)
        w.u8(UInt8(byIndex.count))
        for index in byIndex.keys.sorted() {
            w.u8(UInt8(index))
            w.raw(byIndex[index]!)
        }
        return Receipt(encoded: w.bytes, sequence: sequence, kind: kind, time: time, batchFirst: batchFirst,
                       batchSize: batchSize, signersOffset: signersOffset)
    }

    // MARK: Encoding

    /// Appends an entry (type through chain hash) to `w`; `id` and `chainHash` are 32 bytes each.
    package static func writeEntry(_ w: inout ByteWriter, sequence: UInt64, kind: Kind,
                                   id: UnsafeRawBufferPointer, time: UInt64, chainHash: [UInt8])
    {
        precondition(id.count == 32 && chainHash.count == 32, "ids and chain hashes are 32 bytes")
        w.u8(objectType)
        w.u8(currentVersion)
        w.u64(sequence)
        w.u8(kind.rawValue)
        w.raw(id)
        w.u64(time)
        w.raw(chainHash)
    }
}

/// Why a receipt is not certified by a ledger's validators.
public enum CertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry and the path do not give a batch root.
    case noRoot
    /// A signer index names no validator of the genesis.
    case unknownSigner(index: Int)
    /// A validator's signature does not verify (another ledger, or forged).
    case badSignature(validator: String)
    /// Fewer signers than the quorum.
    case tooFewSigners(found: Int, quorum: Int)

    public var description: String {
        switch self {
        case .noRoot: "its inclusion path does not lead to a batch root"
        case let .unknownSigner(index): "signer \(index) is not a validator of this ledger"
        case let .badSignature(validator): "the signature of validator \(validator) does not verify for this ledger"
        case let .tooFewSigners(found, quorum): "it carries \(found) validator signatures; the quorum is \(quorum)"
        }
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
