import Sodium

/// The on-disk layouts of log files and snapshots (see docs/notes/ledger-storage.md).
/// All integers are little-endian; checksums are BLAKE2b with a 16-byte output.
enum LogFormat {
    /// Format version written into every log file and snapshot header.
    static let version: UInt32 = 1
    static let checksumBytes = 16

    // Log file header: magic(8) ‖ version u32 ‖ reserved u32 (0) ‖ firstSequence u64 ‖ checksum(16).
    static let logMagic: [UInt8] = Array("zkpaywal".utf8)
    static let headerBytes = 40

    // Record frame: length u32 ‖ sequence u64 ‖ payload(length) ‖ checksum(16) over the rest.
    static let frameHeaderBytes = 12
    static let frameOverhead = frameHeaderBytes + checksumBytes
    /// Largest payload a record may carry; recovery treats a larger length field as damage.
    static let maxPayloadBytes = 16 << 20

    // Snapshot: magic(8) ‖ version u32 ‖ reserved u32 ‖ sequence u64 ‖ payloadLength u64 ‖
    // payload ‖ checksum(16) over everything before it.
    static let snapshotMagic: [UInt8] = Array("zkpaysnp".utf8)
    static let snapshotHeaderBytes = 32

    static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        Hash.blake2b(bytes, outputLength: checksumBytes)
    }

    /// Hashes the slice where it lies (handing it to the generic `Hash.blake2b` copied it
    /// element by element: about 4 µs per record; copying it first still cost a copy).
    static func checksum(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: checksumBytes) { out, initialized in
            bytes.withUnsafeBytes { input in
                Hash.blake2b(input, key: UnsafeRawBufferPointer(start: nil, count: 0), into: UnsafeMutableRawBufferPointer(out))
            }
            initialized = checksumBytes
        }
    }

    static func appendLE<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Reads a little-endian integer at `offset`; the caller has checked the bounds.
    static func readLE<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }

    /// The header of a log file whose first record has sequence `firstSequence`.
    static func logHeader(firstSequence: UInt64) -> [UInt8] {
        var out = logMagic
        appendLE(version, to: &out)
        appendLE(UInt32(0), to: &out)
        appendLE(firstSequence, to: &out)
        out += checksum(out)
        return out
    }

    /// The byte length of the frame of a record whose payload is `payloadBytes` long.
    static func frameBytes(payload payloadBytes: Int) -> Int { frameOverhead + payloadBytes }

    /// Appends the frame of one record, whose payload is `head ‖ body`, to `out`.
    static func appendFrame(sequence: UInt64, payload head: [UInt8], _ body: [UInt8] = [], to out: inout [UInt8]) {
        let start = out.count
        let count = frameBytes(payload: head.count + body.count)
        out += repeatElement(0, count: count)
        out.withUnsafeMutableBytes { buffer in
            _ = writeFrame(sequence: sequence, payload: head, body, into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Writes the frame of one record, whose payload is `head ‖ body`, at the start of `out`
    /// (at least `frameBytes` long); the checksum is computed over the frame in place.
    /// - Returns: the frame's length.
    static func writeFrame(sequence: UInt64, payload head: [UInt8], _ body: [UInt8],
                           into out: UnsafeMutableRawBufferPointer) -> Int {
        let length = head.count + body.count
        let count = frameBytes(payload: length)
        precondition(out.count >= count, "room for the frame")
        out.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: sequence.littleEndian, toByteOffset: 4, as: UInt64.self)
        // Straight copies (no array of the parts per frame: this runs for every record).
        head.withUnsafeBytes { if let b = $0.baseAddress { (out.baseAddress! + frameHeaderBytes).copyMemory(from: b, byteCount: head.count) } }
        body.withUnsafeBytes {
            if let b = $0.baseAddress { (out.baseAddress! + frameHeaderBytes + head.count).copyMemory(from: b, byteCount: body.count) }
        }
        let covered = frameHeaderBytes + length
        Hash.blake2b(UnsafeRawBufferPointer(rebasing: out[..<covered]), key: UnsafeRawBufferPointer(start: nil, count: 0),
                     into: UnsafeMutableRawBufferPointer(rebasing: out[covered..<count]))
        return count
    }

    /// `wal-<first sequence, 20 digits>.log`: names sort in sequence order.
    static func logFileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return "wal-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The first sequence encoded in a log file name, or nil if `name` is not a log file name.
    static func firstSequence(ofLogFile name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".log") else { return nil }
        let digits = name.dropFirst(4).dropLast(4)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    static let snapshotName = "snapshot.zkps"
    static let snapshotTempName = "snapshot.zkps.tmp"
}
