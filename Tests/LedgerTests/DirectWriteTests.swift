import Foundation
import Testing
@testable import Ledger
import TestSupport

/// `Storage.writeAndSync` (direct I/O in `POSIXStorage`) and the log's handling of the zero
/// bytes a block-completing write leaves after the last record.
@Suite("Direct log writes and zero tails")
struct DirectWriteTests {
    /// The whole current contents of `name` in `storage`.
    func contents(_ storage: any Storage, _ name: String) throws -> [UInt8] {
        let file = try storage.open(name, create: false)
        defer { storage.close(file) }
        return try storage.read(file, at: 0, count: Int(try storage.size(of: file)))
    }

    @Test("writeAndSync puts every byte at its offset, with or without direct I/O, after plain writes and cuts too",
          arguments: [true, false])
    func bytesLandWhereWritten(directIO: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var rng = SeededRNG(seed: 0xd1ec_7001)
        print("seed \(rng.seed)")
        let storage = try POSIXStorage(directory: dir.path, directIO: directIO, zeroAhead: 0)
        let file = try storage.open("f", create: true)
        defer { storage.close(file) }
        var expected = rng.bytes(40)
        try storage.write(file, at: 0, expected)
        try storage.sync(file)
        // Sizes that end inside a block, exactly on one, span several, and a single byte.
        for size in [1, 4_056, 4_096, 10_000, 3, 70_001, 1, 8_192, 517] {
            let bytes = rng.bytes(size)
            try storage.writeAndSync(file, at: UInt64(expected.count), bytes)
            expected += bytes
            let now = try contents(storage, "f")
            #expect(Array(now.prefix(expected.count)) == expected)
            // Beyond the written bytes: at most the zeros that complete the last block.
            #expect(now.count - expected.count < POSIXStorage.directBlockBytes)
            #expect(now[expected.count...].allSatisfy { $0 == 0 })
        }
        // A plain write and a cut in between: the next direct write reads the block back.
        let plain = rng.bytes(77)
        try storage.write(file, at: UInt64(expected.count), plain)
        expected += plain
        try storage.truncate(file, to: UInt64(expected.count - 30))
        expected.removeLast(30)
        let more = rng.bytes(5_000)
        try storage.writeAndSync(file, at: UInt64(expected.count), more)
        expected += more
        #expect(Array(try contents(storage, "f").prefix(expected.count)) == expected)
        // Through the fill form as well.
        let filled = rng.bytes(123)
        try storage.writeAndSync(file, at: UInt64(expected.count), count: filled.count) { out in
            filled.withUnsafeBytes { out.copyMemory(from: $0) }
        }
        expected += filled
        #expect(Array(try contents(storage, "f").prefix(expected.count)) == expected)
        // A fresh storage (no cached block) continues the file as well.
        let again = try POSIXStorage(directory: dir.path, create: false, directIO: directIO, zeroAhead: 0)
        let same = try again.open("f", create: false)
        let last = rng.bytes(999)
        try again.writeAndSync(same, at: UInt64(expected.count), last)
        again.close(same)
        expected += last
        #expect(Array(try contents(storage, "f").prefix(expected.count)) == expected)
    }

    @Test("a real log reopens without cutting anything, and its sealed files end with their last record",
          arguments: [0, 12_288, 8 << 20])
    func logOnDisk(zeroAhead: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var rng = SeededRNG(seed: 0xd1ec_7002)
        print("seed \(rng.seed)")
        let options = LogOptions(rotateAfterBytes: 20_000)
        var expected: [[UInt8]] = []
        do {
            let log = try recover(try POSIXStorage(directory: dir.path, zeroAhead: zeroAhead), options: options).log
            for _ in 0..<12 {
                let batch = randomBatch(&rng, count: 40, maxLength: 200)
                try log.append(batch: batch)
                expected += batch
            }
            #expect(log.fileNames.count > 2)
        }
        let storage = try POSIXStorage(directory: dir.path, create: false, zeroAhead: zeroAhead)
        let r = try recover(storage, options: options)
        #expect(r.payloads == expected)
        #expect(r.report.truncatedBytes == 0)
        // Each sealed file is its header and its frames, nothing after them.
        var next = 0
        for name in r.log.fileNames.dropLast() {
            let bytes = try contents(storage, name)
            var end = LogFormat.headerBytes
            while end < bytes.count {
                end += FrameFormat.current.frameBytes(payload: expected[next].count)
                next += 1
            }
            #expect(end == bytes.count, "\(name) ends after its last record")
        }
        let batch = randomBatch(&rng, count: 3)
        try r.log.append(batch: batch)
        #expect(try recover(storage, options: options).payloads == expected + batch)
    }

    @Test("zeros after the last record end the log: cut without counting as torn, appends continue and survive reopening")
    func zeroTailIsTheEnd() throws {
        let storage = SimulatedStorage()
        let name: String
        do {
            let log = try recover(storage).log
            try log.append(batch: [[1, 2, 3], [4]])
            name = log.fileNames[0]
        }
        let records = try #require(storage.contents(of: name))
        storage.setContents(of: name, to: records + [UInt8](repeating: 0, count: 4_000))
        let r = try recover(storage)
        #expect(r.payloads == [[1, 2, 3], [4]])
        #expect(r.report.truncatedBytes == 0)
        #expect(storage.contents(of: name) == records)
        try r.log.append(batch: [[5], [6, 7]])
        let again = try recover(storage)
        #expect(again.payloads == [[1, 2, 3], [4], [5], [6, 7]])
        #expect(again.report.truncatedBytes == 0)
    }

    @Test("a torn frame followed by zeros is still a torn tail, cut to the last record")
    func tornFrameThenZeros() throws {
        let storage = SimulatedStorage()
        let name: String
        do {
            let log = try recover(storage).log
            try log.append(batch: [[1, 2, 3]])
            name = log.fileNames[0]
        }
        let records = try #require(storage.contents(of: name))
        var frame: [UInt8] = []
        LogFormat.appendFrame(sequence: 2, payload: [9, 9, 9, 9, 9], to: &frame)
        storage.setContents(of: name, to: records + frame.prefix(frame.count - 3) + [UInt8](repeating: 0, count: 100))
        let r = try recover(storage)
        #expect(r.payloads == [[1, 2, 3]])
        #expect(r.report.truncatedBytes == UInt64(frame.count - 3 + 100))
        #expect(storage.contents(of: name) == records)
    }

    @Test("zeros after the last record of a sealed file are refused as corruption (rotation cuts them)")
    func zeroTailInSealedFile() throws {
        let storage = SimulatedStorage()
        let options = LogOptions(rotateAfterBytes: 1)
        let first: String
        do {
            let log = try recover(storage, options: options).log
            try log.append(batch: [[1]])
            try log.append(batch: [[2]])
            #expect(log.fileNames.count == 2)
            first = log.fileNames[0]
        }
        let records = try #require(storage.contents(of: first))
        storage.setContents(of: first, to: records + [0, 0, 0, 0])
        #expect {
            _ = try recover(storage, options: options)
        } throws: { error in
            if case .corruptRecord(_, let offset, 2, _) = error as? LedgerError { return offset == UInt64(records.count) }
            return false
        }
    }

    @Test("zero-filling ahead: every write lands, the bytes past it are zeros, and cuts, plain writes and reopening stay exact",
          arguments: [4_096, 65_536])
    func zeroFillAhead(zeroAhead: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var rng = SeededRNG(seed: 0xd1ec_7003)
        print("seed \(rng.seed)")
        let storage = try POSIXStorage(directory: dir.path, zeroAhead: zeroAhead)
        let file = try storage.open("f", create: true)
        defer { storage.close(file) }
        var expected = rng.bytes(40)
        try storage.write(file, at: 0, expected)
        try storage.sync(file)
        // Writes of every size, most without waiting for the filler (it is often writing the
        // next chunk while the writer claims past it), some after it caught up.
        for round in 0..<60 {
            let bytes = rng.bytes(Int(rng.next() % 30_000) + 1)
            try storage.writeAndSync(file, at: UInt64(expected.count), bytes)
            expected += bytes
            if round % 7 == 0 {
                storage.waitForZeroFill()
                let zeroed = try #require(storage.zeroFilledEnd(file))
                #expect(zeroed >= UInt64(expected.count) + UInt64(zeroAhead) / 2)
            }
            if round % 11 == 5 {
                // A cut (the log's cut-back after a failed batch) stops the filling; the
                // next direct write reads its first block back and starts it again.
                expected.removeLast(Int(rng.next() % 100))
                try storage.truncate(file, to: UInt64(expected.count))
                #expect(storage.zeroFilledEnd(file) == nil)
            }
            if round % 13 == 6 {
                let plain = rng.bytes(55)
                try storage.write(file, at: UInt64(expected.count), plain)
                expected += plain
            }
            let now = try contents(storage, "f")
            #expect(Array(now.prefix(expected.count)) == expected)
            #expect(now[expected.count...].allSatisfy { $0 == 0 })
        }
        storage.waitForZeroFill()
        let now = try contents(storage, "f")
        #expect(now.count >= expected.count + zeroAhead / 2)
        #expect(now.count < expected.count + zeroAhead + 2 * POSIXStorage.directBlockBytes)
        #expect(Array(now.prefix(expected.count)) == expected)
        #expect(now[expected.count...].allSatisfy { $0 == 0 })
        #expect(storage.zeroFillFailure == nil)
    }

    @Test("a failing zero fill stops filling that file and is reported, and the writer extends the file itself")
    func zeroFillFailure() throws {
        let filler = ZeroFiller(chunkBytes: 4_096)
        // A descriptor that is not open: the chunk's write fails with EBADF.
        filler.fill(7_777, descriptor: -1, from: 0, to: 16_384)
        filler.waitUntilIdle()
        #expect(filler.lastFailure != nil)
        #expect(filler.zeroedEnd(7_777) == 0)
        #expect(filler.claim(7_777, through: 8_192) == false)
        // No new filling for that file until it is stopped (truncated or closed).
        filler.fill(7_777, descriptor: -1, from: 8_192, to: 65_536)
        filler.waitUntilIdle()
        #expect(filler.zeroedEnd(7_777) == 8_192)
        filler.stop(7_777)
        #expect(filler.zeroedEnd(7_777) == nil)
    }

    @Test("a ledger on disk with the zero fill survives reopening with nothing cut (and its zeros are where its log ends)")
    func ledgerWithZeroFill() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var rng = SeededRNG(seed: 0xd1ec_7004)
        print("seed \(rng.seed)")
        let options = LogOptions(rotateAfterBytes: 20_000)
        var expected: [[UInt8]] = []
        let storage = try POSIXStorage(directory: dir.path, zeroAhead: 1 << 20)
        do {
            let log = try recover(storage, options: options).log
            for _ in 0..<30 {
                let batch = randomBatch(&rng, count: 20, maxLength: 300)
                try log.append(batch: batch)
                expected += batch
            }
            #expect(log.fileNames.count > 2)
            // The process stops here without closing anything: the filler may be writing.
            let again = try recover(try POSIXStorage(directory: dir.path, create: false, zeroAhead: 0), options: options)
            #expect(again.payloads == expected)
            #expect(again.report.truncatedBytes == 0)
        }
        storage.waitForZeroFill()
        let r = try recover(try POSIXStorage(directory: dir.path, create: false), options: options)
        #expect(r.payloads == expected)
        #expect(r.report.truncatedBytes == 0)
    }
}
