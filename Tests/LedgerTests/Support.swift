import Foundation
import Testing
@testable import Ledger
import TestSupport

/// Everything one recovery restored.
struct Recovered {
    let log: WriteAheadLog
    let report: RecoveryReport
    let snapshot: Snapshot?
    let records: [LogRecord]

    var payloads: [[UInt8]] { records.map(\.payload) }
}

/// Opens the log in `storage`, collecting the snapshot and the replayed records, and checks
/// that the replayed sequences are consecutive from the snapshot on.
func recover(_ storage: any Storage, options: LogOptions = LogOptions()) throws(LedgerError) -> Recovered {
    var snapshot: Snapshot?
    var records: [LogRecord] = []
    let (log, report) = try WriteAheadLog.open(storage: storage, options: options,
                                               restore: { snapshot = $0 }, replay: { records.append($0) })
    let first = (snapshot?.sequence ?? 0) + 1
    #expect(records.map(\.sequence) == Array(first..<(first + UInt64(records.count))))
    #expect(log.lastSequence == (snapshot?.sequence ?? 0) + UInt64(records.count))
    return Recovered(log: log, report: report, snapshot: snapshot, records: records)
}

/// Every durable record of `log`, read back through `forEachRecord`.
func readAll(_ log: WriteAheadLog, from sequence: UInt64 = 1) throws(LedgerError) -> [[UInt8]] {
    var out: [[UInt8]] = []
    try log.forEachRecord(from: sequence) { out.append($0.payload) }
    return out
}

/// Random payloads of 0...`maxLength` bytes; some lengths hit 0 on purpose.
func randomBatch(_ rng: inout SeededRNG, count: Int, maxLength: Int = 48) -> [[UInt8]] {
    (0..<count).map { _ in rng.bytes(Int.random(in: 0...maxLength, using: &rng)) }
}

/// Bytes one record takes in the log.
func frameBytes(_ payload: [UInt8]) -> Int { FrameFormat.current.frameBytes(payload: payload.count) }

/// How many leading records of `batch` fit whole in `bytes` bytes of its frames.
func wholeFrames(_ batch: [[UInt8]], in bytes: Int) -> Int {
    var used = 0
    for (i, payload) in batch.enumerated() {
        used += frameBytes(payload)
        if used > bytes { return i }
    }
    return batch.count
}

/// Serialises a list of payloads (the test state machine's state) for snapshots.
func encodeState(_ payloads: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for p in payloads {
        withUnsafeBytes(of: UInt32(p.count).littleEndian) { out.append(contentsOf: $0) }
        out += p
    }
    return out
}

func decodeState(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var i = 0
    while i + 4 <= bytes.count {
        let n = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
        out.append(Array(bytes[(i + 4)..<(i + 4 + n)]))
        i += 4 + n
    }
    return out
}

/// The full state a recovery yields: the snapshot's payloads followed by the replayed ones.
func fullState(_ r: Recovered) -> [[UInt8]] {
    (r.snapshot.map { decodeState($0.payload) } ?? []) + r.payloads
}

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("zkpay-ledger-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
