import Sodium
import Testing
@testable import Ledger
import TestSupport

/// Log files of format version 1 (BLAKE2b-128 frames) and 2 (CRC-32C frames) side by side.
@Suite("Log format versions")
struct LogFormatVersionTests {
    /// A version-1 log file holding `payloads` from sequence 1, as an earlier build wrote it.
    static func versionOneFile(_ payloads: [[UInt8]]) -> [UInt8] {
        var bytes = LogFormat.logHeader(firstSequence: 1, version: 1)
        for (i, p) in payloads.enumerated() {
            LogFormat.appendFrame(sequence: UInt64(i + 1), payload: p, format: .blake2b, to: &bytes)
        }
        return bytes
    }

    @Test("frames of each version: the same header and payload, the version's checksum")
    func frameLayouts() throws {
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        var one: [UInt8] = []
        var two: [UInt8] = []
        LogFormat.appendFrame(sequence: 7, payload: payload, format: .blake2b, to: &one)
        LogFormat.appendFrame(sequence: 7, payload: payload, format: .crc32c, to: &two)
        #expect(one.count == 12 + 5 + 16 && two.count == 12 + 5 + 4)
        #expect(one.prefix(17) == two.prefix(17))
        #expect(Array(one.suffix(16)) == Hash.blake2b(Array(one.prefix(17)), outputLength: 16))
        let crc = Array(two.prefix(17)).withUnsafeBytes { CRC32C.software($0) }
        #expect(Array(two.suffix(4)) == withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        #expect(FrameFormat(version: 1) == .blake2b && FrameFormat(version: 2) == .crc32c && FrameFormat(version: 3) == nil)
        #expect(FrameFormat.current == .crc32c)
    }

    @Test("a version-1 file recovers, takes appends in version 1, and the next file is version 2")
    func versionOneThenTwo() throws {
        var rng = SeededRNG(seed: 0x10_6f_0001)
        let old = randomBatch(&rng, count: 5)
        let storage = SimulatedStorage()
        let first = LogFormat.logFileName(firstSequence: 1)
        storage.setContents(of: first, to: Self.versionOneFile(old))

        let opened = try recover(storage)
        #expect(opened.payloads == old && opened.report.truncatedBytes == 0)
        #expect(opened.log.format == .blake2b)
        let more = randomBatch(&rng, count: 3)
        try opened.log.append(batch: more)
        #expect(try #require(storage.contents(of: first)) == Self.versionOneFile(old + more))

        try opened.log.rotate()
        #expect(opened.log.format == .crc32c)
        let newest = randomBatch(&rng, count: 4)
        try opened.log.append(batch: newest)
        let second = try #require(opened.log.fileNames.last)
        let bytes = try #require(storage.contents(of: second))
        #expect(LogFormat.readLE(UInt32.self, bytes, at: 8) == 2)
        #expect(bytes.count == LogFormat.headerBytes + newest.reduce(0) { $0 + frameBytes($1) })

        let reopened = try recover(storage)
        #expect(reopened.payloads == old + more + newest)
        #expect(reopened.log.format == .crc32c)
        #expect(try readAll(reopened.log, from: 3) == Array((old + more + newest).dropFirst(2)))
        #expect(try reopened.log.record(at: 6)?.payload == more[0])
        #expect(try reopened.log.record(at: 12)?.payload == newest[3])
    }

    @Test("a torn tail of a version-1 file is cut; damage before a valid version-1 frame is refused")
    func versionOneDamage() throws {
        var rng = SeededRNG(seed: 0x10_6f_0002)
        let payloads = randomBatch(&rng, count: 4, maxLength: 30)
        let original = Self.versionOneFile(payloads)
        let lastFrame = original.count - FrameFormat.blake2b.frameBytes(payload: payloads[3].count)

        let torn = SimulatedStorage()
        let name = LogFormat.logFileName(firstSequence: 1)
        torn.setContents(of: name, to: Array(original.dropLast(3)))
        let cut = try recover(torn)
        #expect(cut.payloads == Array(payloads.prefix(3)))
        #expect(cut.report.truncatedBytes == UInt64(original.count - 3 - lastFrame))

        let damaged = SimulatedStorage()
        var bytes = original
        bytes[LogFormat.headerBytes + 13] ^= 0x40
        damaged.setContents(of: name, to: bytes)
        do {
            _ = try recover(damaged)
            Issue.record("damage before valid records was accepted")
        } catch let LedgerError.corruptRecord(_, offset, sequence, _) {
            #expect(offset == UInt64(LogFormat.headerBytes) && sequence == 1)
        }
    }

    @Test("a log file of an unknown version is refused with the versions this build reads")
    func unknownVersionRefused() throws {
        let storage = SimulatedStorage()
        let name = LogFormat.logFileName(firstSequence: 1)
        var bytes = LogFormat.logHeader(firstSequence: 1, version: 3)
        LogFormat.appendFrame(sequence: 1, payload: [1, 2, 3], to: &bytes)
        storage.setContents(of: name, to: bytes)
        #expect(throws: LedgerError.unsupportedVersion(path: "simulated:/" + name, found: 3, supported: 2)) {
            try recover(storage)
        }
    }
}
