import Testing
@testable import Ledger
import TestSupport

@Suite("Snapshots and compaction")
struct SnapshotTests {
    /// A chained hash over the payloads: the stand-in state machine whose state must not depend on
    /// whether it was rebuilt from a snapshot or from the whole log.
    static func chain(_ state: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        LogFormat.checksum(state + payload)
    }

    @Test("snapshot plus replay of the rest equals the full replay, with and without compaction",
          arguments: [false, true])
    func snapshotPlusReplayEqualsFullReplay(compact: Bool) throws {
        var rng = SeededRNG(seed: 0x5ab_0001)
        print("seed \(rng.seed)")
        let batches = (0..<20).map { _ in randomBatch(&rng, count: Int.random(in: 1...6, using: &rng)) }
        let full = SimulatedStorage()
        let snapshotted = SimulatedStorage()
        let options = LogOptions(rotateAfterBytes: 300)
        let a = try WriteAheadLog.open(storage: full, options: options, replay: { _ in }).log
        let b = try WriteAheadLog.open(storage: snapshotted, options: options, replay: { _ in }).log
        var state = [UInt8](repeating: 0, count: 16)
        for (i, batch) in batches.enumerated() {
            try a.append(batch: batch)
            try b.append(batch: batch)
            for p in batch { state = Self.chain(state, p) }
            if i == 7 || i == 13 {
                try b.writeSnapshot(state, through: b.lastSequence)
                if compact { try b.compact() }
            }
        }
        if compact { #expect(b.fileNames.count < a.fileNames.count) }

        func rebuild(_ storage: SimulatedStorage) throws -> (state: [UInt8], report: RecoveryReport) {
            var s = [UInt8](repeating: 0, count: 16)
            let (_, report) = try WriteAheadLog.open(storage: storage, options: options,
                                                     restore: { s = $0.payload }, replay: { s = Self.chain(s, $0.payload) })
            return (s, report)
        }
        let fromLog = try rebuild(full)
        let fromSnapshot = try rebuild(snapshotted)
        #expect(fromLog.state == state)
        #expect(fromSnapshot.state == state)
        #expect(fromSnapshot.report.lastSequence == fromLog.report.lastSequence)
        #expect(fromSnapshot.report.replayedRecords < fromLog.report.replayedRecords)
        #expect(fromSnapshot.report.snapshotSequence > 0)
    }

    @Test("compaction removes exactly the files the snapshot covers, and reading before it is refused")
    func compactionRemovesCoveredFiles() throws {
        let storage = SimulatedStorage()
        let log = try WriteAheadLog.open(storage: storage, options: LogOptions(rotateAfterBytes: 1), replay: { _ in }).log
        for i in 0..<4 { try log.append(batch: [[UInt8(i)], [UInt8(i), 2]]) }  // files start at 1, 3, 5, 7
        try log.writeSnapshot(encodeState([[0], [0, 2], [1], [1, 2], [2]]), through: 5)
        let removed = try log.compact()
        #expect(removed == [LogFormat.logFileName(firstSequence: 1), LogFormat.logFileName(firstSequence: 3)])
        #expect(try readAll(log, from: 5) == [[2], [2, 2], [3], [3, 2]])
        #expect(throws: LedgerError.missingRecords(expectedFirst: 4, found: 5)) { try readAll(log, from: 4) }
        storage.restart()
        let r = try recover(storage, options: LogOptions(rotateAfterBytes: 1))
        #expect(fullState(r) == [[0], [0, 2], [1], [1, 2], [2], [2, 2], [3], [3, 2]])
        // A snapshot of everything moves to a new file so that every old one can go.
        try r.log.writeSnapshot(encodeState(fullState(r)), through: 8)
        try r.log.compact()
        #expect(r.log.fileNames == [LogFormat.logFileName(firstSequence: 9)])
        try r.log.append(batch: [[9]])
        storage.restart()
        #expect(fullState(try recover(storage)) == fullState(r) + [[9]])
    }

    @Test("a snapshot beyond the durable log or behind the current snapshot is refused")
    func snapshotBoundsRefused() throws {
        let log = try WriteAheadLog.open(storage: SimulatedStorage(), replay: { _ in }).log
        try log.append(batch: [[1], [2], [3]])
        #expect(throws: LedgerError.snapshotAhead(requested: 4, durable: 3)) { try log.writeSnapshot([], through: 4) }
        try log.writeSnapshot([], through: 2)
        #expect(throws: LedgerError.snapshotBehind(requested: 1, current: 2)) { try log.writeSnapshot([], through: 1) }
    }

    @Test("a crash at every byte of a snapshot write leaves the old or the new snapshot, whole")
    func crashDuringSnapshotWrite() throws {
        func setUp() throws -> (SimulatedStorage, WriteAheadLog) {
            let storage = SimulatedStorage()
            let log = try WriteAheadLog.open(storage: storage, replay: { _ in }).log
            try log.append(batch: [[1], [2]])
            try log.writeSnapshot(encodeState([[1], [2]]), through: 2)
            try log.append(batch: [[3], [4, 4]])
            return (storage, log)
        }
        let newState = encodeState([[1], [2], [3], [4, 4]])
        let snapshotBytes = SnapshotFile.encode(Snapshot(sequence: 4, payload: newState)).count
        for offset in 0...snapshotBytes {
            for keep in [0, Int.max] {
                let (storage, log) = try setUp()
                storage.crashAfterBytes = storage.bytesWritten + offset
                var written = true
                do throws(LedgerError) { try log.writeSnapshot(newState, through: 4) } catch {
                    #expect(error == .crashed)
                    written = false
                }
                storage.restart(keepingUnsyncedBytes: keep)
                let r = try recover(storage)
                #expect(r.snapshot?.sequence == (written ? 4 : 2), "offset \(offset) keep \(keep)")
                #expect(fullState(r) == [[1], [2], [3], [4, 4]], "offset \(offset) keep \(keep)")
                #expect(storage.contents(of: LogFormat.snapshotTempName) == nil)
            }
        }
        // A crash at the temporary file's fsync or at the directory fsync also leaves a whole snapshot.
        let (storage, log) = try setUp()
        storage.crashAtNextSync = true
        #expect(throws: LedgerError.crashed) { try log.writeSnapshot(newState, through: 4) }
        storage.restart(keepingUnsyncedBytes: Int.max)
        #expect(fullState(try recover(storage)) == [[1], [2], [3], [4, 4]])
    }

    @Test("every damaged byte of the snapshot is refused, never silently ignored")
    func snapshotDamageRefused() throws {
        let storage = SimulatedStorage()
        let log = try WriteAheadLog.open(storage: storage, replay: { _ in }).log
        try log.append(batch: [[1], [2]])
        try log.writeSnapshot([7, 7, 7], through: 2)
        let original = try #require(storage.contents(of: LogFormat.snapshotName))
        for position in original.indices {
            var damaged = original
            damaged[position] ^= 0x04
            storage.setContents(of: LogFormat.snapshotName, to: damaged)
            let error = #expect(throws: LedgerError.self) { try recover(storage) }
            switch error {
            case .corruptSnapshot?, .unsupportedVersion?: break
            default: Issue.record("snapshot byte \(position): \(String(describing: error))")
            }
        }
        storage.setContents(of: LogFormat.snapshotName, to: Array(original.dropLast()))
        #expect(throws: LedgerError.self) { try recover(storage) }
        storage.setContents(of: LogFormat.snapshotName, to: original)
        #expect(try recover(storage).snapshot == Snapshot(sequence: 2, payload: [7, 7, 7]))
    }
}
