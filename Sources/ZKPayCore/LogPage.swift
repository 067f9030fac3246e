/// One page of a ledger's log as `GET /v1/log` serves it (docs/PROTOCOL.md §8): consecutive
/// records, each the ledger's log payload (receipt ‖ canonical transfer or mint bytes), and
/// the ledger's last durable sequence when the page was read.
///
///     magic "zkpaylog" (8) ‖ version u8 = 1 ‖ end u64 ‖ count u32
///     count × (sequence u64 ‖ length u32 ‖ payload (length bytes))
///
/// Integers little-endian. Sequences run consecutively from the first record's and none
/// exceeds `end`; nothing follows the last record.
public struct LogPage: Sendable, Equatable {
    /// One log record.
    public struct Entry: Sendable, Equatable {
        /// Its position in the log, from 1.
        public let sequence: UInt64
        /// Receipt ‖ canonical object bytes.
        public let payload: [UInt8]

        public init(sequence: UInt64, payload: [UInt8]) {
            self.sequence = sequence
            self.payload = payload
        }
    }

    public static let magic = Array("zkpaylog".utf8)
    public static let version: UInt8 = 1
    /// Bytes before the first record.
    public static let headerLength = 8 + 1 + 8 + 4
    /// Bytes of a record's framing (sequence and length).
    public static let entryOverhead = 8 + 4
    /// The media type of the encoding.
    public static let mediaType = "application/octet-stream"

    /// The ledger's last durable sequence when the page was read.
    public let end: UInt64
    /// The records, in order.
    public let entries: [Entry]

    /// A page of `entries` (consecutive sequences, none past `end`).
    public init(end: UInt64, entries: [Entry]) {
        self.end = end
        self.entries = entries
    }

    /// The canonical encoding.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: Self.headerLength + entries.reduce(0) { $0 + Self.entryOverhead + $1.payload.count })
        w.raw(Self.magic)
        w.u8(Self.version)
        w.u64(end)
        w.u32(UInt32(entries.count))
        for e in entries {
            w.u64(e.sequence)
            w.u32(UInt32(e.payload.count))
            w.raw(e.payload)
        }
        return w.bytes
    }

    /// Decodes a page, checking every count against the bytes that remain before allocating.
    /// - Throws: `truncated`, `countOutOfRange`, `invalidEncoding`, `unknownVersion`, `trailingBytes`.
    public init(bytes: some Collection<UInt8>) throws(ProtocolError) {
        var r = ByteReader(bytes)
        guard try r.raw(8, "magic") == Self.magic else {
            throw .invalidEncoding(field: "magic", reason: "not a zkpay log page")
        }
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "log page", version: Int(version)) }
        end = try r.u64("end")
        let count = Int(try r.u32("count"))
        guard count <= r.remaining / Self.entryOverhead else {
            throw .countOutOfRange(field: "count", count: count, allowed: "0...\(r.remaining / Self.entryOverhead)")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var previous: UInt64?
        for i in 0..<count {
            let sequence = try r.u64("records[\(i)].sequence")
            guard sequence >= 1, sequence <= end else {
                throw .invalidEncoding(field: "records[\(i)].sequence", reason: "\(sequence) is outside 1...\(end)")
            }
            if let previous, previous == UInt64.max || sequence != previous + 1 {
                throw .invalidEncoding(field: "records[\(i)].sequence", reason: "\(sequence) does not follow \(previous)")
            }
            previous = sequence
            let length = Int(try r.u32("records[\(i)].length"))
            entries.append(Entry(sequence: sequence, payload: try r.raw(length, "records[\(i)].payload")))
        }
        try r.finish()
        self.entries = entries
    }
}
