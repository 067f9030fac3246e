import Sodium
import ZKPayCore

/// The on-disk layouts of log files and snapshots (see docs/notes/ledger-storage.md).
/// All integers are little-endian. Headers and snapshots are checked with BLAKE2b-128;
/// record frames with the checksum of their file's format version (`FrameFormat`).
enum LogFormat {
    /// Format version of the snapshot file header.
    static let snapshotVersion: UInt32 = 1
    /// Length of the BLAKE2b checksums of log file headers and snapshots.
    static let checksumBytes = 16

    // Log file header: magic(8) ‖ version u32 ‖ reserved u32 (0) ‖ firstSequence u64 ‖ checksum(16).
    static let logMagic: [UInt8] = Array("zkpaywal".utf8)
    static let headerBytes = 40

    // Record frame: length u32 ‖ sequence u64 ‖ payload(length) ‖ checksum over the rest
    // (16 bytes of BLAKE2b in version 1, a CRC-32C u32 in version 2).
    static let frameHeaderBytes = 12
    /// Largest payload a record may carry; recovery treats a larger length field as damage.
    static let maxPayloadBytes = 16 << 20

    // Snapshot: magic(8) ‖ version u32 ‖ reserved u32 ‖ sequence u64 ‖ payloadLength u64 ‖
    // payload ‖ checksum(16) over everything before it.
    static let snapshotMagic: [UInt8] = Array("zkpaysnp".utf8)
    static let snapshotHeaderBytes = 32

    static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        Hash.blake2b(bytes, outputLength: checksumBytes)
    }

    /// Hashes the slice where it lies (the generic `Hash.blake2b` would copy it element by
    /// element, and copying it first would still be a copy).
    static func checksum(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The BLAKE2b-128 of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: checksumBytes) { out, initialized in
            Hash.blake2b(bytes, key: UnsafeRawBufferPointer(start: nil, count: 0), into: UnsafeMutableRawBufferPointer(out))
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

    /// The header of a log file of format `version` whose first record has sequence `firstSequence`.
    static func logHeader(firstSequence: UInt64, version: UInt32 = FrameFormat.current.version) -> [UInt8] {
        var out = logMagic
        appendLE(version, to: &out)
        appendLE(UInt32(0), to: &out)
        appendLE(firstSequence, to: &out)
        out += checksum(out)
        return out
    }

    /// Appends the frame of one record, whose payload is `head ‖ body`, to `out`.
    static func appendFrame(sequence: UInt64, payload head: [UInt8], _ body: [UInt8] = [],
                            format: FrameFormat = .current, crc: CRC32CImplementation = .software,
                            to out: inout [UInt8]) {
        let start = out.count
        let count = format.frameBytes(payload: head.count + body.count)
        out += repeatElement(0, count: count)
        out.withUnsafeMutableBytes { buffer in
            _ = format.writeFrame(sequence: sequence, payload: head, body,
                                  into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]), crc: crc)
        }
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

/// The record frames of one log format version: the same header and payload, with the
/// checksum over them that the version defines. A log file's header names its version;
/// every frame in the file has that format. The log writes `current` into new files and
/// keeps appending a file in the format it already has; recovery reads every version here.
struct FrameFormat: Equatable, Sendable {
    /// The version in the file header.
    let version: UInt32
    /// The checksum's length at the end of each frame.
    let checksumBytes: Int

    /// Version 1: BLAKE2b-128 over length ‖ sequence ‖ payload.
    static let blake2b = FrameFormat(version: 1, checksumBytes: 16)
    /// Version 2: CRC-32C (`CRC32C`) over length ‖ sequence ‖ payload, as a u32. About
    /// ten times cheaper per byte than BLAKE2b where the CPU has the instruction; a torn or
    /// damaged frame still fails it (all burst errors up to 32 bits, any other damage but
    /// for a 2^-32 chance), and replay checks every record's receipt against the rebuilt
    /// chain hash besides.
    static let crc32c = FrameFormat(version: 2, checksumBytes: 4)
    /// The format of new log files.
    static let current = crc32c
    /// Every format this build reads.
    static let readable = [blake2b, crc32c]

    /// The format of log files of `version`, nil if this build does not read it.
    init?(version: UInt32) {
        guard let format = Self.readable.first(where: { $0.version == version }) else { return nil }
        self = format
    }

    private init(version: UInt32, checksumBytes: Int) {
        self.version = version
        self.checksumBytes = checksumBytes
    }

    /// Header and checksum bytes of a frame.
    var overhead: Int { LogFormat.frameHeaderBytes + checksumBytes }

    /// The byte length of the frame of a record whose payload is `payloadBytes` long.
    func frameBytes(payload payloadBytes: Int) -> Int { overhead + payloadBytes }

    /// Writes the checksum of `covered` (a frame's header and payload) to `out` (`checksumBytes`
    /// long); a CRC-32C with `crc`.
    func writeChecksum(of covered: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
                       crc: CRC32CImplementation) {
        if version == 1 {
            Hash.blake2b(covered, key: UnsafeRawBufferPointer(start: nil, count: 0), into: out)
        } else {
            out.storeBytes(of: CRC32C.checksum(covered, using: crc).littleEndian, toByteOffset: 0, as: UInt32.self)
        }
    }

    /// True if `stored` is the checksum of `covered` (a CRC-32C computed with `crc`).
    func checks(_ covered: UnsafeRawBufferPointer, against stored: UnsafeRawBufferPointer,
                crc: CRC32CImplementation) -> Bool {
        guard stored.count == checksumBytes else { return false }
        if version == 1 {
            return LogFormat.checksum(covered).elementsEqual(stored)
        }
        return stored.loadUnaligned(as: UInt32.self) == CRC32C.checksum(covered, using: crc).littleEndian
    }

    /// True if `bytes`, a whole frame whose payload is `length` long, end with the checksum
    /// of the rest.
    func checks(frame bytes: ArraySlice<UInt8>, payload length: Int, crc: CRC32CImplementation) -> Bool {
        let covered = LogFormat.frameHeaderBytes + length
        guard bytes.count == covered + checksumBytes else { return false }
        return bytes.withUnsafeBytes { b in
            checks(UnsafeRawBufferPointer(rebasing: b[..<covered]), against: UnsafeRawBufferPointer(rebasing: b[covered...]),
                   crc: crc)
        }
    }

    /// Writes the frame of one record, whose payload is `head ‖ body`, at the start of `out`
    /// (at least `frameBytes` long); the checksum is computed over the frame in place.
    /// - Returns: the frame's length.
    func writeFrame(sequence: UInt64, payload head: [UInt8], _ body: [UInt8],
                    into out: UnsafeMutableRawBufferPointer, crc: CRC32CImplementation) -> Int {
        let length = head.count + body.count
        let count = frameBytes(payload: length)
        precondition(out.count >= count, "room for the frame")
        let header = LogFormat.frameHeaderBytes
        out.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: sequence.littleEndian, toByteOffset: 4, as: UInt64.self)
        // Straight copies (no array of the parts per frame: this runs for every record).
        head.withUnsafeBytes { if let b = $0.baseAddress { (out.baseAddress! + header).copyMemory(from: b, byteCount: head.count) } }
        body.withUnsafeBytes {
            if let b = $0.baseAddress { (out.baseAddress! + header + head.count).copyMemory(from: b, byteCount: body.count) }
        }
        let covered = header + length
        writeChecksum(of: UnsafeRawBufferPointer(rebasing: out[..<covered]),
                      into: UnsafeMutableRawBufferPointer(rebasing: out[covered..<count]), crc: crc)
        return count
    }
}

/// The on-disk format versions this build writes and reads, for `zkpay version`.
public enum DataFormatVersions {
    /// The log frame format of new log files.
    public static var log: UInt32 { FrameFormat.current.version }
    /// Every log frame format recovery reads.
    public static var readableLogs: [UInt32] { FrameFormat.readable.map(\.version) }
    /// The snapshot file format.
    public static var snapshot: UInt32 { LogFormat.snapshotVersion }
    /// The genesis file format.
    public static var genesis: UInt32 { Genesis.formatVersion }
}
