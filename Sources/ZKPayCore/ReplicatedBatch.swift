/// One batch of the replicated log (docs/PROTOCOL.md §7.9): what the leader settled in one
/// batch, in order, as every validator must settle it.
///
///     version u8 = 1 ‖ LE64(first sequence) ‖ LE64(time) ‖ kind u8 (1 transfers, 2 mints, 3 redemptions, 4 an authority statement)
///     ‖ chain hash before (32) ‖ chain hash after (32) ‖ LE32(count)
///     ‖ count × ( LE32(length) ‖ canonical object bytes )
///
/// Only settled items are in it (a rejected submission changes no state), so item i
/// settles at `firstSequence + i`. A follower re-verifies every item against its own state,
/// which must be at `firstSequence − 1` with `previousChainHash`; after applying, its chain
/// hash must be `chainHash`.
public struct ReplicatedBatch: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case transfers = 1
        case mints = 2
        case redemptions = 3
        /// One authority statement (§7.12), alone in its batch.
        case authorities = 4
    }

    public static let version: UInt8 = 1
    /// Most items in one batch.
    public static let maxItems = Int(UInt16.max)
    /// Largest item (a transfer or mint is far smaller).
    public static let maxItemBytes = 1 << 20

    /// The sequence of the first item.
    public let firstSequence: UInt64
    /// The settlement time of every item (milliseconds since 1970; the receipts' time).
    public let time: UInt64
    public let kind: Kind
    /// The ledger's chain hash before the first item.
    public let previousChainHash: [UInt8]
    /// The ledger's chain hash after the last item.
    public let chainHash: [UInt8]
    /// The canonical bytes of each item, in settlement order.
    public let items: [[UInt8]]

    public init(firstSequence: UInt64, time: UInt64, kind: Kind, previousChainHash: [UInt8], chainHash: [UInt8],
                items: [[UInt8]]) {
        precondition(previousChainHash.count == 32 && chainHash.count == 32, "chain hashes are 32 bytes")
        self.firstSequence = firstSequence
        self.time = time
        self.kind = kind
        self.previousChainHash = previousChainHash
        self.chainHash = chainHash
        self.items = items
    }

    /// The sequence of the last item.
    public var lastSequence: UInt64 { firstSequence &+ UInt64(items.count) &- 1 }

    /// The canonical encoding.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: 1 + 8 + 8 + 1 + 64 + 4 + items.reduce(0) { $0 + 4 + $1.count })
        w.u8(Self.version)
        w.u64(firstSequence)
        w.u64(time)
        w.u8(kind.rawValue)
        w.raw(previousChainHash)
        w.raw(chainHash)
        w.u32(UInt32(items.count))
        for item in items {
            w.u32(UInt32(item.count))
            w.raw(item)
        }
        return w.bytes
    }

    /// Decodes a batch, checking every count against the bytes that remain before allocating.
    /// - Throws: `ProtocolError` naming the first wrong field.
    public init(bytes: some Collection<UInt8>) throws(ProtocolError) {
        var r = ByteReader(bytes)
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "replicated batch", version: Int(version)) }
        firstSequence = try r.u64("first_sequence")
        guard firstSequence >= 1 else { throw .invalidEncoding(field: "first_sequence", reason: "sequences start at 1") }
        time = try r.u64("time")
        let k = try r.u8("kind")
        guard let kind = Kind(rawValue: k) else { throw .invalidEncoding(field: "kind", reason: "\(k) is not 1, 2, 3 or 4") }
        self.kind = kind
        previousChainHash = try r.raw(32, "previous_chain_hash")
        chainHash = try r.raw(32, "chain_hash")
        let count = Int(try r.u32("count"))
        guard count >= 1, count <= Self.maxItems, count <= r.remaining / 4 else {
            throw .countOutOfRange(field: "count", count: count, allowed: "1...\(min(Self.maxItems, r.remaining / 4))")
        }
        guard UInt64.max - firstSequence >= UInt64(count) else {
            throw .invalidEncoding(field: "count", reason: "the batch would pass the largest sequence number")
        }
        var items: [[UInt8]] = []
        items.reserveCapacity(count)
        for i in 0..<count {
            let length = Int(try r.u32("items[\(i)].length"))
            guard length >= 1, length <= Self.maxItemBytes else {
                throw .countOutOfRange(field: "items[\(i)].length", count: length, allowed: "1...\(Self.maxItemBytes)")
            }
            items.append(try r.raw(length, "items[\(i)]"))
        }
        try r.finish()
        self.items = items
    }
}
