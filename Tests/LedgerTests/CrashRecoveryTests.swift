import Testing
@testable import Ledger
import TestSupport

/// A log with some acknowledged batches, then a tail of batches that a fault interrupts.
struct Scenario {
    let storage = SimulatedStorage()
    let log: WriteAheadLog
    var acknowledged: [[UInt8]] = []
    let tail: [[[UInt8]]]

    /// `rotate`: files rotate before every batch, so faults also hit file creation.
    init(rotate: Bool, seed: UInt64 = 0x1ed9_e4c0_0001) throws {
        var rng = SeededRNG(seed: seed)
        let options = LogOptions(rotateAfterBytes: rotate ? 1 : 64 << 20)
        log = try WriteAheadLog.open(storage: storage, options: options, replay: { _ in }).log
        for count in [3, 1, 5] {
            let batch = randomBatch(&rng, count: count)
            try log.append(batch: batch)
            acknowledged += batch
        }
        // The last few records: single records and multi-record batches, one with an empty payload.
        tail = [randomBatch(&rng, count: 1), randomBatch(&rng, count: 4) + [[]], randomBatch(&rng, count: 1),
                randomBatch(&rng, count: 3)]
    }

    var options: LogOptions { log.options }

    /// Appends the tail batches until one fails; returns the failed batch and its error.
    mutating func runTail() -> (batch: [[UInt8]], error: LedgerError)? {
        for batch in tail {
            do throws(LedgerError) {
                let range = try log.append(batch: batch)
                #expect(range.count == batch.count)
                acknowledged += batch
            } catch {
                return (batch, error)
            }
        }
        return nil
    }
}

@Suite("Crash recovery on the simulated disk")
struct CrashRecoveryTests {
    @Test("a crash at every byte offset of the last batches keeps every acknowledged record and no partial one",
          arguments: [false, true])
    func crashAtEveryByte(rotate: Bool) throws {
        var dry = try Scenario(rotate: rotate)
        let before = dry.storage.bytesWritten
        #expect(dry.runTail() == nil)
        let tailBytes = dry.storage.bytesWritten - before
        #expect(tailBytes > 300)
        for offset in 0...tailBytes {
            for keepUnsynced in [false, true] {
                var s = try Scenario(rotate: rotate)
                s.storage.crashAfterBytes = s.storage.bytesWritten + offset
                let failure = s.runTail()
                let inFlight = failure?.batch ?? []
                if let failure { #expect(failure.error == .crashed) } else { #expect(offset == tailBytes) }
                let unsynced = s.storage.unsyncedBytes
                s.storage.restart(keepingUnsyncedBytes: keepUnsynced ? unsynced : 0)
                let r = try recover(s.storage, options: s.options)
                // Acknowledged prefix, then possibly whole records of the interrupted batch, in order.
                #expect(r.payloads.count >= s.acknowledged.count, "offset \(offset)")
                #expect(Array(r.payloads.prefix(s.acknowledged.count)) == s.acknowledged, "offset \(offset)")
                let extra = Array(r.payloads.dropFirst(s.acknowledged.count))
                #expect(extra == Array(inFlight.prefix(extra.count)), "offset \(offset)")
                if !keepUnsynced { #expect(extra.isEmpty, "offset \(offset): unsynced bytes survived") }
                if keepUnsynced && !rotate {
                    // Without rotation the unsynced bytes are exactly the cut frames of the batch.
                    #expect(extra.count == wholeFrames(inFlight, in: unsynced), "offset \(offset)")
                }
                // The log accepts appends afterwards, and they survive the next crash.
                let more: [[UInt8]] = [[0xAA, UInt8(offset & 0xFF)], []]
                try r.log.append(batch: more)
                s.storage.restart()
                #expect(fullState(try recover(s.storage, options: s.options)) == r.payloads + more, "offset \(offset)")
            }
        }
    }

    @Test("a crash during the fsync of a batch keeps any prefix of its bytes: exactly the whole frames in it survive",
          arguments: [false, true])
    func tornWriteAtEveryPrefix(rotate: Bool) throws {
        let probe = try Scenario(rotate: rotate)
        for (index, batch) in probe.tail.enumerated() {
            let batchBytes = batch.reduce(0) { $0 + frameBytes($1) }
            for keep in 0...batchBytes {
                var s = try Scenario(rotate: rotate)
                for earlier in s.tail.prefix(index) {
                    try s.log.append(batch: earlier)
                    s.acknowledged += earlier
                }
                // Rotate first so that the crash hits the batch's fsync, not the new file's.
                if rotate { try s.log.rotate() }
                s.storage.crashAtNextSync = true
                #expect(throws: LedgerError.crashed) { try s.log.append(batch: batch) }
                #expect(s.storage.unsyncedBytes == batchBytes)
                s.storage.restart(keepingUnsyncedBytes: keep)
                let whole = wholeFrames(batch, in: keep)
                let wholeBytes = batch.prefix(whole).reduce(0) { $0 + frameBytes($1) }
                // The torn bytes (a prefix of the next frame) are reported, unless they are all
                // zero (the start of an empty record's length field): those cannot be told from
                // the zeros a direct write leaves, and are cut without being counted.
                let last = try #require(s.log.fileNames.last)
                let torn = try #require(s.storage.contents(of: last)).suffix(keep - wholeBytes)
                let r = try recover(s.storage, options: s.options)
                #expect(r.payloads == s.acknowledged + batch.prefix(whole), "batch \(index) keep \(keep)")
                #expect(r.report.truncatedBytes == (torn.allSatisfy { $0 == 0 } ? 0 : UInt64(torn.count)),
                        "batch \(index) keep \(keep)")
                try r.log.append(batch: [[1, 2, 3]])
                s.storage.restart()
                #expect(fullState(try recover(s.storage, options: s.options)) == r.payloads + [[1, 2, 3]])
            }
        }
    }

    @Test("a failed fsync fails the batch cleanly: nothing of it survives, reads work, the next batch is durable",
          arguments: [false, true])
    func fsyncFailure(rotate: Bool) throws {
        for index in 0..<4 {
            var s = try Scenario(rotate: rotate)
            for earlier in s.tail.prefix(index) {
                try s.log.append(batch: earlier)
                s.acknowledged += earlier
            }
            // With rotation, the first failing sync is the one that seals the current file
            // (rotation cuts whatever follows its last record, durably); otherwise the batch's.
            // Either way it names the current file.
            s.storage.failingSyncs = 1
            let current = s.log.fileNames.last ?? ""
            let error = #expect(throws: LedgerError.self) { try s.log.append(batch: s.tail[index]) }
            #expect(error == .io(operation: "fsync", path: current, code: 5))
            #expect(s.log.fileNames.last == current)
            #expect(s.log.isWritable)
            #expect(try readAll(s.log) == s.acknowledged)
            let next: [[UInt8]] = [[9, 9], [8]]
            try s.log.append(batch: next)
            s.acknowledged += next
            for keep in [0, Int.max] {
                s.storage.restart(keepingUnsyncedBytes: keep)
                let r = try recover(s.storage, options: s.options)
                #expect(r.payloads == s.acknowledged, "batch \(index) keep \(keep)")
                #expect(r.report.truncatedBytes == 0, "batch \(index): bytes of the failed batch were left in the log")
            }
        }
    }

    @Test("when the batch's fsync and the cut-back both fail, the log refuses writes and recovery decides, in order")
    func fsyncAndCleanupFailure() throws {
        let probe = try Scenario(rotate: false)
        let batch = probe.tail[1]
        let batchBytes = batch.reduce(0) { $0 + frameBytes($1) }
        for keep in 0...batchBytes {
            let s = try Scenario(rotate: false)
            s.storage.failingSyncs = 2
            let error = #expect(throws: LedgerError.self) { try s.log.append(batch: batch) }
            guard case .logUnusable = error else {
                Issue.record("expected logUnusable, got \(String(describing: error))")
                return
            }
            #expect(!s.log.isWritable)
            #expect(throws: LedgerError.self) { try s.log.append(batch: [[1]]) }
            #expect(try readAll(s.log) == s.acknowledged)
            s.storage.restart(keepingUnsyncedBytes: keep)
            let r = try recover(s.storage, options: s.options)
            #expect(r.payloads == s.acknowledged + batch.prefix(wholeFrames(batch, in: keep)), "keep \(keep)")
            #expect(r.log.isWritable)
        }
    }

    @Test("a full disk at every byte of a batch fails it cleanly; after space is freed the log continues",
          arguments: [false, true])
    func diskFullAtEveryByte(rotate: Bool) throws {
        let probe = try Scenario(rotate: rotate)
        let batch = probe.tail[1]
        let needed = batch.reduce(0) { $0 + frameBytes($1) } + (rotate ? LogFormat.headerBytes : 0)
        for free in 0..<needed {
            var s = try Scenario(rotate: rotate)
            s.storage.capacity = s.storage.usedBytes + free
            let error = #expect(throws: LedgerError.self) { try s.log.append(batch: batch) }
            #expect(error?.isDiskFull == true, "free \(free): \(String(describing: error))")
            #expect(s.log.isWritable)
            #expect(try readAll(s.log) == s.acknowledged)
            // Still full: the same batch fails the same clean way.
            #expect(throws: LedgerError.self) { try s.log.append(batch: batch) }
            // Free space; a shorter batch first, so that leftovers of the failed one would show.
            s.storage.capacity = nil
            try s.log.append(batch: [[7]])
            try s.log.append(batch: batch)
            s.acknowledged += [[7]] + batch
            s.storage.restart(keepingUnsyncedBytes: Int.max)
            let r = try recover(s.storage, options: s.options)
            #expect(r.payloads == s.acknowledged, "free \(free)")
            #expect(r.report.truncatedBytes == 0, "free \(free): bytes of the failed batch were left in the log")
        }
    }

    @Test("a crash during recovery's own repair (cutting a torn tail) is repaired by the next recovery")
    func crashDuringRecovery() throws {
        let batch = try Scenario(rotate: false).tail[1]
        let batchBytes = batch.reduce(0) { $0 + frameBytes($1) }
        for keep in 1..<batchBytes where wholeFrames(batch, in: keep) < batch.count {
            let s = try Scenario(rotate: false)
            s.storage.crashAtNextSync = true
            #expect(throws: LedgerError.crashed) { try s.log.append(batch: batch) }
            s.storage.restart(keepingUnsyncedBytes: keep)
            let whole = wholeFrames(batch, in: keep)
            let wholeBytes = batch.prefix(whole).reduce(0) { $0 + frameBytes($1) }
            if keep > wholeBytes {
                // The torn tail is there: recovery cuts it, and crashes at the sync of the cut.
                s.storage.crashAtNextSync = true
                #expect(throws: LedgerError.crashed) { try recover(s.storage, options: s.options) }
                // The cut itself may or may not have reached the disk.
                s.storage.restart(keepingUnsyncedBytes: keep % 2 == 0 ? 0 : Int.max)
            }
            let r = try recover(s.storage, options: s.options)
            #expect(r.payloads == s.acknowledged + batch.prefix(whole), "keep \(keep)")
            #expect(try recover(s.storage, options: s.options).report.truncatedBytes == 0)
        }
    }

    @Test("each batch costs exactly one fsync of the log file")
    func oneSyncPerBatch() throws {
        var s = try Scenario(rotate: false)
        for batch in s.tail {
            let before = s.storage.syncCount
            try s.log.append(batch: batch)
            #expect(s.storage.syncCount == before + 1)
        }
        _ = s.runTail()
    }
}
