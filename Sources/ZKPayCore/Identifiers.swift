import Sodium

/// A 32-byte identifier, shown as lowercase hex.
public protocol Identifier32: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 32 bytes.
    var bytes: [UInt8] { get }
    /// Wraps bytes already known to be 32 long.
    init(uncheckedBytes: [UInt8])
}

extension Identifier32 {
    /// An identifier from exactly 32 bytes.
    /// - Throws: `truncated` / `trailingBytes` for another length.
    public init(bytes: some Collection<UInt8>, field: String = "id") throws(ProtocolError) {
        var reader = ByteReader(bytes)
        let b = try reader.raw(32, field)
        try reader.finish()
        self.init(uncheckedBytes: b)
    }

    /// Lowercase hex.
    public var hex: String { ProtocolHex.encode(bytes) }
    public var description: String { hex }
    /// Byte-wise (lexicographic) order.
    public static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// Feeds the bytes to the hasher in one call: the synthesized conformance combined the
    /// count and then each of the 32 bytes separately, which dominated dictionary lookups
    /// keyed by ids (the ledger's spent-note map).
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

/// A ledger's chain id: the hash of its genesis (`Genesis.chainID`), carried by every
/// transfer and mint of that ledger.
public struct ChainID: Identifier32 {
    public let bytes: [UInt8]
    public init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }
}

/// A transfer id: BLAKE2b-256 keyed "zkpay/transfer-id/v2" of the canonical encoding.
public struct TransferID: Identifier32 {
    public let bytes: [UInt8]
    public init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }
}

/// A mint id: BLAKE2b-256 keyed "zkpay/mint-id/v2" of the canonical encoding.
public struct MintID: Identifier32 {
    public let bytes: [UInt8]
    public init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }
}

/// A note id: BLAKE2b-256 keyed "zkpay/note-id/v1" of (parent id ‖ LE32(output index)),
/// where the parent is the transfer or mint that created the note.
public struct NoteID: Identifier32 {
    public let bytes: [UInt8]
    public init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

    /// The id of output `index` of the transfer `parent`.
    public init(transfer parent: TransferID, outputIndex index: Int) {
        self.init(parent: parent.bytes, outputIndex: index)
    }

    /// The id of output `index` of the mint `parent`.
    public init(mint parent: MintID, outputIndex index: Int) {
        self.init(parent: parent.bytes, outputIndex: index)
    }

    private init(parent: [UInt8], outputIndex index: Int) {
        precondition((0..<Int(UInt32.max)).contains(index), "output index out of range")
        // parent ‖ LE32(index), hashed from a stack buffer (no array for the input or the key).
        let n = parent.count
        bytes = [UInt8](unsafeUninitializedCapacity: 32) { out, initialized in
            withUnsafeTemporaryAllocation(byteCount: n + 4, alignment: 8) { input in
                parent.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: input[0..<n]).copyMemory(from: $0) }
                input.storeBytes(of: UInt32(index).littleEndian, toByteOffset: n, as: UInt32.self)
                Domain.noteIDKey.withUnsafeBytes { key in
                    Hash.blake2b(UnsafeRawBufferPointer(input), key: key, into: UnsafeMutableRawBufferPointer(out))
                }
            }
            initialized = 32
        }
    }
}

/// Lowercase hex encoding and strict decoding (JSON forms).
public enum ProtocolHex {
    /// Lowercase hex of `bytes`. Contiguous bytes (arrays, slices: every caller here) are
    /// encoded from their buffer in one pass: receipts in JSON are mostly hex, and the
    /// element-by-element generic loop was a tenth of the validator's time under load.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let s = bytes.withContiguousStorageIfAvailable({ encode(buffer: UnsafeRawBufferPointer($0)) }) { return s }
        return Array(bytes).withUnsafeBytes { encode(buffer: $0) }
    }

    /// Lowercase hex of the bytes in `buffer`.
    static func encode(buffer: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * buffer.count) { out in
            // "0123456789abcdef" by nibble.
            @inline(__always) func digit(_ v: UInt8) -> UInt8 { v < 10 ? 48 &+ v : 87 &+ v }
            var i = 0
            for b in buffer {
                out[i] = digit(b >> 4)
                out[i &+ 1] = digit(b & 15)
                i &+= 2
            }
            return i
        }
    }

    /// Bytes of lowercase hex; nil for odd length, uppercase or non-hex characters
    /// (the JSON form has one spelling per value).
    public static func decode(_ string: String) -> [UInt8]? {
        let chars = Array(string.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
