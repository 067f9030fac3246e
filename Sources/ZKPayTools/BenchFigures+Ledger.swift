import ZKPayCLI
import Foundation
import Ledger

/// Ledger durability figures: group commit on a real file system and log replay.
extension BenchCommand {
    static func ledgerFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        [
            // One batch of 256 records of 400 bytes: one pwrite and one fsync on a real file in a
            // temporary directory; the figure is per record (fsync amortised over the batch).
            BenchFigure("wal_append_batch256", unit: "record (400 B, batch 256, 1 fsync)", opsPerCall: 256) {
                let directory = BenchDirectory()
                let log = directory.openLog(runtime)
                var rng = SystemRandomNumberGenerator()
                let batch = (0..<256).map { _ in (0..<400).map { _ in UInt8.random(in: 0...255, using: &rng) } }
                return { n in
                    for _ in 0..<n {
                        do { try log.append(batch: batch) } catch { fatalError("wal_append_batch256: \(error)") }
                    }
                    _ = directory  // the directory lives (and is removed) with this closure
                }
            },
            // Recovery of a log of 1,000,000 records of 400 bytes (about 428 MB, from the page
            // cache after the first pass): framing, BLAKE2b-128 check and delivery, per record.
            BenchFigure("wal_replay", unit: "record (400 B, log of 1,000,000)", opsPerCall: 1_000_000) {
                let directory = BenchDirectory()
                do {
                    let log = directory.openLog(runtime)
                    let payload = [UInt8](repeating: 0x5A, count: 400)
                    let batch = (0..<4_000).map { i in [UInt8(i & 0xFF), UInt8(i >> 8)] + payload.dropFirst(2) }
                    for _ in 0..<250 {
                        do { try log.append(batch: batch) } catch { fatalError("wal_replay setup: \(error)") }
                    }
                }
                return { n in
                    for _ in 0..<n {
                        var records = 0
                        var bytes = 0
                        do {
                            let storage = try runtime.openStorage(directory.path, create: false)
                            _ = try WriteAheadLog.open(storage: storage, options: runtime.logOptions) { record in
                                records += 1
                                bytes &+= record.payload.count
                            }
                        } catch {
                            fatalError("wal_replay: \(error)")
                        }
                        precondition(records == 1_000_000 && bytes == 400_000_000, "wal_replay replayed \(records) records")
                    }
                }
            },
        ]
    }
}

/// A temporary directory for a benchmark's log, removed when the benchmark closure is released.
final class BenchDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-bench-\(UUID().uuidString)").path
    }

    /// A new log in the directory, with `runtime`'s storage options.
    func openLog(_ runtime: RuntimeOptions) -> WriteAheadLog {
        do {
            return try WriteAheadLog.open(storage: runtime.openStorage(path, create: true), options: runtime.logOptions,
                                          replay: { _ in }).log
        } catch {
            fatalError("cannot create a benchmark log in \(path): \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
