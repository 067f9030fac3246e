import Testing
@testable import Ledger
import TestSupport

@Suite("Recovery from damaged logs")
struct CorruptionTests {
    /// A synced single-file log and the byte offset and sequence of each record's frame.
    static func makeLog(records: Int = 6, seed: UInt64 = 0xc0_44_0001) throws
        -> (storage: SimulatedStorage, name: String, payloads: [[UInt8]], frames: [(offset: Int, sequence: UInt64)])
    {
        var rng = SeededRNG(seed: seed)
        let storage = SimulatedStorage()
        let log = try WriteAheadLog.open(storage: storage, replay: { _ in }).log
        let payloads = randomBatch(&rng, count: records, maxLength: 24)
        try log.append(batch: Array(payloads.prefix(2)))
        try log.append(batch: Array(payloads.dropFirst(2)))
        var frames: [(Int, UInt64)] = []
        var offset = LogFormat.headerBytes
        for (i, p) in payloads.enumerated() {
            frames.append((offset, UInt64(i + 1)))
            offset += frameBytes(p)
        }
        return (storage, log.fileNames[0], payloads, frames)
    }

    @Test("every damaged byte of a record followed by valid records is refused, naming its offset and sequence")
    func midLogCorruptionRefused() throws {
        let (storage, name, payloads, frames) = try Self.makeLog()
        let original = try #require(storage.contents(of: name))
        let lastFrame = try #require(frames.last)
        var refused = 0
        for position in LogFormat.headerBytes..<lastFrame.offset {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = original
                damaged[position] ^= flip
                storage.setContents(of: name, to: damaged)
                let frame = try #require(frames.last { $0.offset <= position })
                let error = #expect(throws: LedgerError.self) { try recover(storage) }
                guard case let .corruptRecord(_, offset, sequence, _) = error else {
                    Issue.record("byte \(position) ^ \(flip): expected corruptRecord, got \(String(describing: error))")
                    continue
                }
                #expect(offset == UInt64(frame.offset) && sequence == frame.sequence, "byte \(position)")
                #expect(error?.description.contains("offset \(frame.offset)") == true)
                refused += 1
            }
        }
        #expect(refused == 3 * (lastFrame.offset - LogFormat.headerBytes))
        // The untouched file still recovers completely.
        storage.setContents(of: name, to: original)
        #expect(try recover(storage).payloads == payloads)
    }

    @Test("damage confined to the last record is a torn tail: it is cut and every earlier record stays")
    func lastRecordDamageIsTornTail() throws {
        let (storage, name, payloads, frames) = try Self.makeLog()
        let original = try #require(storage.contents(of: name))
        let last = try #require(frames.last)
        for position in last.offset..<original.count {
            var damaged = original
            damaged[position] ^= 0x5A
            storage.setContents(of: name, to: damaged)
            let r = try recover(storage)
            #expect(r.payloads == Array(payloads.dropLast()), "byte \(position)")
            #expect(r.report.truncatedBytes == UInt64(original.count - last.offset))
            #expect(storage.contents(of: name)?.count == last.offset)
        }
    }

    @Test("a file cut at every length recovers exactly the whole records before the cut")
    func truncationAtEveryLength() throws {
        let (storage, name, payloads, frames) = try Self.makeLog()
        let original = try #require(storage.contents(of: name))
        for length in LogFormat.headerBytes...original.count {
            storage.setContents(of: name, to: Array(original.prefix(length)))
            let whole = frames.filter { $0.offset + frameBytes(payloads[Int($0.sequence) - 1]) <= length }.count
            #expect(try recover(storage).payloads == Array(payloads.prefix(whole)), "length \(length)")
        }
    }

    @Test("every damaged header byte is refused with a header or version error")
    func headerDamageRefused() throws {
        let (storage, name, _, _) = try Self.makeLog()
        let original = try #require(storage.contents(of: name))
        for position in 0..<LogFormat.headerBytes {
            var damaged = original
            damaged[position] ^= 0x10
            storage.setContents(of: name, to: damaged)
            let error = #expect(throws: LedgerError.self) { try recover(storage) }
            switch error {
            case .badHeader?, .unsupportedVersion?: break
            default: Issue.record("header byte \(position): \(String(describing: error))")
            }
        }
    }

    @Test("a valid record with the wrong sequence is refused as a sequence gap")
    func sequenceGapRefused() throws {
        let storage = SimulatedStorage()
        let name = LogFormat.logFileName(firstSequence: 1)
        var bytes = LogFormat.logHeader(firstSequence: 1)
        LogFormat.appendFrame(sequence: 1, payload: [1], to: &bytes)
        let gapAt = bytes.count
        LogFormat.appendFrame(sequence: 3, payload: [3], to: &bytes)
        storage.setContents(of: name, to: bytes)
        #expect(throws: LedgerError.sequenceGap(path: "simulated:/" + name, offset: UInt64(gapAt), expected: 2, found: 3)) {
            try recover(storage)
        }
    }

    @Test("a log whose records run up to the largest sequence number is refused, not overflowed")
    func lastSequenceRefused() throws {
        let storage = SimulatedStorage()
        let first = UInt64.max - 1
        let name = LogFormat.logFileName(firstSequence: first)
        var bytes = LogFormat.logHeader(firstSequence: first)
        LogFormat.appendFrame(sequence: first, payload: [1], to: &bytes)
        let lastAt = bytes.count
        LogFormat.appendFrame(sequence: UInt64.max, payload: [2], to: &bytes)
        storage.setContents(of: name, to: bytes)
        // Recovery reaches such a file only behind a snapshot through 2^64 - 2; the scanner is
        // what would have overflowed, so it is driven directly.
        let file = try storage.open(name, create: false)
        var scanner = try SegmentScanner(storage: storage, file: file, path: name, crc: .software)
        try scanner.checkHeader(firstSequence: first)
        let error = #expect(throws: LedgerError.self) {
            _ = try scanner.scan(from: first, isLast: true, visit: { _ in })
        }
        if case let .corruptRecord(_, offset, sequence, _)? = error {
            #expect(offset == UInt64(lastAt) && sequence == UInt64.max)
        } else {
            Issue.record("\(String(describing: error))")
        }
    }

    @Test("damage anywhere in a sealed (rotated) file is refused, even in its last record")
    func sealedFileDamageRefused() throws {
        let storage = SimulatedStorage()
        let log = try WriteAheadLog.open(storage: storage, options: LogOptions(rotateAfterBytes: 1), replay: { _ in }).log
        try log.append(batch: [[1, 2, 3], [4, 5]])
        try log.append(batch: [[6]])
        let sealed = log.fileNames[0]
        let original = try #require(storage.contents(of: sealed))
        for position in LogFormat.headerBytes..<original.count {
            var damaged = original
            damaged[position] ^= 0x01
            storage.setContents(of: sealed, to: damaged)
            let error = #expect(throws: LedgerError.self) { try recover(storage) }
            guard case .corruptRecord = error else {
                Issue.record("byte \(position): \(String(describing: error))")
                continue
            }
        }
        // Cutting a sealed file short is refused too: its successor proves records were lost.
        storage.setContents(of: sealed, to: Array(original.dropLast(1)))
        #expect(throws: LedgerError.self) { try recover(storage) }
    }

    @Test("a missing middle log file is refused as missing records")
    func missingFileRefused() throws {
        let storage = SimulatedStorage()
        let log = try WriteAheadLog.open(storage: storage, options: LogOptions(rotateAfterBytes: 1), replay: { _ in }).log
        for i in 0..<3 { try log.append(batch: [[UInt8(i)], [UInt8(i), 1]]) }
        #expect(log.fileNames.count == 3)
        try storage.remove(log.fileNames[1])
        #expect(throws: LedgerError.missingRecords(expectedFirst: 3, found: 5)) { try recover(storage) }
        try storage.remove(log.fileNames[0])
        #expect(throws: LedgerError.missingRecords(expectedFirst: 1, found: 5)) { try recover(storage) }
    }

    @Test("random garbage in place of the log never traps: it is refused or recovers a valid prefix")
    func garbageNeverTraps() throws {
        var rng = SeededRNG(seed: 0x6a_7b_0001)
        print("garbage seed \(rng.seed)")
        let name = LogFormat.logFileName(firstSequence: 1)
        for _ in 0..<testIterations(300) {
            let storage = SimulatedStorage()
            var bytes = LogFormat.logHeader(firstSequence: 1)
            if Bool.random(using: &rng) { LogFormat.appendFrame(sequence: 1, payload: rng.bytes(5), to: &bytes) }
            bytes += rng.bytes(Int.random(in: 0...200, using: &rng))
            storage.setContents(of: name, to: bytes)
            do throws(LedgerError) {
                let r = try recover(storage)
                #expect(r.log.lastSequence <= 1)
            } catch {
                guard case .corruptRecord = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
            }
        }
    }
}
