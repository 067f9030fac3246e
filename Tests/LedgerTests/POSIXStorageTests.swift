import Foundation
import Testing
@testable import Ledger
import TestSupport

@Suite("POSIX storage on a real directory")
struct POSIXStorageTests {
    @Test("append, reopen, rotate, snapshot, compact and reopen again round-trip every record")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var rng = SeededRNG(seed: 0x9051_0001)
        print("seed \(rng.seed)")
        let options = LogOptions(rotateAfterBytes: 4_096)
        var expected: [[UInt8]] = []
        do {
            let storage = try POSIXStorage(directory: dir.path)
            let log = try recover(storage, options: options).log
            for _ in 0..<10 {
                let batch = randomBatch(&rng, count: 12, maxLength: 100)
                try log.append(batch: batch)
                expected += batch
            }
            #expect(log.fileNames.count > 1)
            #expect(try readAll(log) == expected)
        }
        do {
            let r = try recover(try POSIXStorage(directory: dir.path, create: false), options: options)
            #expect(r.payloads == expected)
            try r.log.writeSnapshot(encodeState(expected), through: r.log.lastSequence)
            let removed = try r.log.compact()
            #expect(!removed.isEmpty)
            let batch = randomBatch(&rng, count: 5)
            try r.log.append(batch: batch)
            expected += batch
        }
        let r = try recover(try POSIXStorage(directory: dir.path), options: options)
        #expect(fullState(r) == expected)
        #expect(r.report.replayedRecords == 5)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == [LogFormat.logFileName(firstSequence: 121), LogFormat.snapshotName].sorted())
    }

    @Test("a torn tail in a real file is cut on reopen and the log continues after it")
    func tornTailOnDisk() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let storage = try POSIXStorage(directory: dir.path)
        let name: String
        let end: UInt64
        do {
            let log = try recover(storage).log
            try log.append(batch: [[1, 2, 3], [4]])
            name = log.fileNames[0]
            end = log.durableEnd
        }
        // Half of a frame after the last record, as a crash in the middle of a write leaves
        // it (a direct write may have left zeros after the record: the half frame covers
        // some of them, and the cut removes the rest with it).
        var frame: [UInt8] = []
        LogFormat.appendFrame(sequence: 3, payload: [5, 6, 7, 8], to: &frame)
        let file = try storage.open(name, create: false)
        try storage.write(file, at: end, Array(frame.prefix(frame.count / 2)))
        let size = try storage.size(of: file)
        storage.close(file)
        let r = try recover(storage)
        #expect(r.payloads == [[1, 2, 3], [4]])
        #expect(size >= end + UInt64(frame.count / 2))
        #expect(r.report.truncatedBytes == size - end)
        try r.log.append(batch: [[9]])
        #expect(try recover(storage).payloads == [[1, 2, 3], [4], [9]])
    }

    @Test("ENOSPC from the kernel (a file that is /dev/full) becomes diskFull naming the path")
    func enospcFromKernel() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/full", withDestinationPath: "/dev/full")
        let storage = try POSIXStorage(directory: dir.path)
        let file = try storage.open("full", create: false)
        defer { storage.close(file) }
        #expect(throws: LedgerError.diskFull(path: dir.path + "/full")) { try storage.write(file, at: 0, [1, 2, 3]) }
    }

    @Test("missing directories, missing files and names with '/' give errors that name them")
    func errorsNamePaths() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let missing = dir.path + "/absent/child"
        let error = #expect(throws: LedgerError.self) { try POSIXStorage(directory: missing) }
        #expect(error?.description.contains(missing) == true)
        #expect(throws: LedgerError.missingFile(path: dir.path + "/nope")) {
            try POSIXStorage(directory: dir.path + "/nope", create: false)
        }
        let storage = try POSIXStorage(directory: dir.path)
        #expect(throws: LedgerError.missingFile(path: dir.path + "/nothing")) { try storage.open("nothing", create: false) }
        for bad in ["", ".", "..", "../x", "a/b"] {
            #expect(throws: LedgerError.invalidName(bad)) { try storage.open(bad, create: true) }
        }
    }

    @Test("storage operations behave the same on POSIX and on the simulated disk")
    func differentialAgainstSimulated() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let stores: [any Storage] = [try POSIXStorage(directory: dir.path), SimulatedStorage()]
        var results: [[String]] = []
        for storage in stores {
            var log: [String] = []
            let a = try storage.open("a", create: true)
            try storage.write(a, at: 0, [1, 2, 3, 4, 5])
            try storage.write(a, at: 7, [9])  // leaves a hole of zeros
            log.append("\(try storage.read(a, at: 0, count: 100))")
            log.append("\(try storage.read(a, at: 6, count: 2)) \(try storage.read(a, at: 8, count: 4))")
            try storage.truncate(a, to: 2)
            try storage.sync(a)
            log.append("\(try storage.size(of: a))")
            storage.close(a)
            try storage.rename("a", to: "b")
            try storage.syncDirectory()
            log.append("\(try storage.list().sorted())")
            try storage.remove("b")
            try storage.remove("b")
            log.append("\(try storage.list().sorted())")
            results.append(log)
        }
        #expect(results[0] == results[1])
        #expect(results[0][0] == "[1, 2, 3, 4, 5, 0, 0, 9]")
    }
}
