import Testing
@testable import Ledger
import TestSupport

@Suite("Write-ahead log against an in-memory model")
struct PropertyTests {
    @Test("random appends, snapshots, compactions, faults, crashes and restarts always recover the model's records",
          arguments: [UInt64(0x9e0_0001), 0x9e0_0002, 0x9e0_0003, 0x9e0_0004])
    func randomHistories(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        print("PropertyTests seed \(rng.seed)")
        let options = LogOptions(rotateAfterBytes: UInt64(Int.random(in: 150...2_000, using: &rng)))
        let storage = SimulatedStorage()
        var log = try recover(storage, options: options).log
        /// Every acknowledged record, in sequence order: the model.
        var model: [[UInt8]] = []
        var faults = 0
        var restarts = 0

        /// Restarts with a random amount of unsynced bytes kept and checks the recovered records:
        /// the model, then possibly leading whole records of the interrupted batch.
        func restartAndCheck(inFlight: [[UInt8]], step: Int) throws {
            let keep = Int.random(in: 0...storage.unsyncedBytes, using: &rng)
            storage.restart(keepingUnsyncedBytes: keep)
            let r = try recover(storage, options: options)
            let state = fullState(r)
            #expect(Array(state.prefix(model.count)) == model, "step \(step): acknowledged records lost")
            let extra = Array(state.dropFirst(model.count))
            #expect(extra == Array(inFlight.prefix(extra.count)), "step \(step): records not from the batch")
            model = state
            log = r.log
            restarts += 1
        }

        for step in 0..<testIterations(400) {
            let batch = randomBatch(&rng, count: Int.random(in: 1...8, using: &rng), maxLength: 64)
            let batchBytes = batch.reduce(0) { $0 + frameBytes($1) }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<45:
                let range = try log.append(batch: batch)
                #expect(range.lowerBound == UInt64(model.count + 1) && range.count == batch.count)
                model += batch
            case 45..<55:
                guard log.lastSequence > 0 else { continue }
                let through = UInt64.random(in: log.snapshotSequence...log.lastSequence, using: &rng)
                try log.writeSnapshot(encodeState(Array(model.prefix(Int(through)))), through: through)
                if Bool.random(using: &rng) { try log.compact() }
            case 55..<65:
                faults += 1
                storage.crashAfterBytes = storage.bytesWritten + Int.random(in: 0...(batchBytes + 60), using: &rng)
                do throws(LedgerError) {
                    try log.append(batch: batch)
                    model += batch
                    storage.crashAfterBytes = nil
                } catch {
                    #expect(error == .crashed)
                    try restartAndCheck(inFlight: batch, step: step)
                }
            case 65..<72:
                faults += 1
                storage.crashAtNextSync = true
                #expect(throws: LedgerError.crashed) { try log.append(batch: batch) }
                try restartAndCheck(inFlight: batch, step: step)
            case 72..<80:
                faults += 1
                storage.capacity = storage.usedBytes + Int.random(in: 0...(batchBytes + 50), using: &rng)
                do throws(LedgerError) {
                    try log.append(batch: batch)
                    model += batch
                } catch {
                    #expect(error.isDiskFull, "step \(step): \(error)")
                    #expect(try readAll(log, from: log.snapshotSequence + 1) == Array(model.dropFirst(Int(log.snapshotSequence))))
                }
                storage.capacity = nil
            case 80..<88:
                faults += 1
                storage.failingSyncs = Int.random(in: 1...2, using: &rng)
                do throws(LedgerError) {
                    try log.append(batch: batch)
                    model += batch
                } catch {
                    if log.isWritable {
                        storage.failingSyncs = 0
                    } else {
                        try restartAndCheck(inFlight: batch, step: step)
                    }
                }
                storage.failingSyncs = 0
            case 88..<94:
                faults += 1
                guard log.lastSequence > 0 else { continue }
                storage.crashAfterBytes = storage.bytesWritten + Int.random(in: 0...(model.count * 70 + 100), using: &rng)
                do throws(LedgerError) {
                    try log.writeSnapshot(encodeState(model), through: log.lastSequence)
                    storage.crashAfterBytes = nil
                } catch {
                    #expect(error == .crashed)
                    try restartAndCheck(inFlight: [], step: step)
                }
            default:
                try restartAndCheck(inFlight: [], step: step)
            }
            #expect(log.lastSequence == UInt64(model.count), "step \(step)")
        }
        try restartAndCheck(inFlight: [], step: -1)
        #expect(faults > 50 && restarts > 20)
    }
}
