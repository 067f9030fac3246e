import Dispatch
import Foundation
import Ledger
import Synchronization
import ZKPayCLI

/// `zkpay bench disk [--dir DIR] [--seconds S] [--bytes B] [--files F] [--rate R] [--json]`: how long the
/// machine's disk takes to make an append durable, with nothing of zkpay but the storage
/// layer. Each of F writers appends B bytes to its own file and syncs it (`POSIXStorage`
/// `write` + `sync`, the log's group commit) in a loop for S seconds, as fast as it can or
/// R times a second. Prints the latency percentiles, the syncs slower than 25 ms, and how
/// many of those overlapped a slow sync of another writer (a stall of the device rather than
/// of one file).
///
/// Why it exists: every acknowledged batch waits for its fsync, so a stalled fsync delays
/// every transfer of the batch by the stall, whatever the validator does. This measures the
/// stalls the latency runs of `make bench` are exposed to.
enum BenchDisk {
    struct Sync: Sendable {
        let start: Double
        let seconds: Double
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--dir", "--seconds", "--bytes", "--files", "--rate"], flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        func number(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = args.options[name] else { return fallback }
            guard let v = Int(text), range.contains(v) else {
                throw CLIError.usage("\(name) needs \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        let duration = try number("--seconds", 10, 1...3_600)
        let bytes = try number("--bytes", 40_000, 1...(16 << 20))
        let files = try number("--files", 1, 1...16)
        let rate = try number("--rate", 0, 0...100_000)
        let directory = args.options["--dir"] ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("zkpay-bench-disk-\(UUID().uuidString)").path
        let runtime = try RuntimeOptions.fromEnvironment()
        // Creates the directory (each writer opens its own storage on it).
        do { _ = try runtime.openStorage(directory, create: true) } catch { throw CLIError.failure("\(error)") }
        defer {
            for f in 0..<files { try? FileManager.default.removeItem(atPath: directory + "/disk-\(f).tmp") }
            if args.options["--dir"] == nil { try? FileManager.default.removeItem(atPath: directory) }
        }

        let origin = ContinuousClock.now
        let deadline = origin.advanced(by: .seconds(duration))
        let results = Mutex<[[Sync]]>(Array(repeating: [], count: files))
        let failure = Mutex<String?>(nil)
        DispatchQueue.concurrentPerform(iterations: files) { f in
            var syncs: [Sync] = []
            do {
                let storage = try runtime.openStorage(directory, create: false)
                let file = try storage.open("disk-\(f).tmp", create: true)
                defer { storage.close(file) }
                let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: 0xa5 &+ f), count: bytes)
                var offset: UInt64 = 0
                var due = origin
                while ContinuousClock.now < deadline {
                    if rate > 0 {
                        // Paced: one append per interval (a late one starts at once, not in a burst).
                        let now = ContinuousClock.now
                        if due > now { Thread.sleep(forTimeInterval: seconds(now.duration(to: due))) }
                        due = max(due, now).advanced(by: .nanoseconds(1_000_000_000 / Int64(rate)))
                    }
                    let t0 = ContinuousClock.now
                    try storage.write(file, at: offset, payload)
                    try storage.sync(file)
                    let t1 = ContinuousClock.now
                    syncs.append(Sync(start: seconds(origin.duration(to: t0)), seconds: seconds(t0.duration(to: t1))))
                    offset += UInt64(bytes)
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            results.withLock { $0[f] = syncs }
        }
        if let message = failure.withLock({ $0 }) { throw CLIError.failure("bench disk: \(message)") }
        let perFile = results.withLock { $0 }
        let all = perFile.flatMap { $0 }.map(\.seconds).sorted()
        guard !all.isEmpty else { throw CLIError.failure("bench disk: no sync completed") }
        func pct(_ p: Double) -> Double { LoadgenCommand.percentile(all, p) * 1_000 }
        let slow = 0.025
        let stalls = perFile.enumerated().flatMap { f, syncs in syncs.filter { $0.seconds > slow }.map { (f, $0) } }
        // A stall overlaps another writer's when their intervals intersect.
        let shared = stalls.filter { f, s in
            stalls.contains { g, t in g != f && t.start < s.start + s.seconds && s.start < t.start + t.seconds }
        }.count
        let mean = all.reduce(0, +) / Double(all.count) * 1_000
        if args.flags.contains("--json") {
            console.print("{\"files\": \(files), \"bytes\": \(bytes), \"rate\": \(rate), \"seconds\": \(duration), \"syncs\": \(all.count), "
                + "\"mean_ms\": \(f3(mean)), \"p50_ms\": \(f3(pct(0.5))), \"p99_ms\": \(f3(pct(0.99))), "
                + "\"p999_ms\": \(f3(pct(0.999))), \"max_ms\": \(f3(all.last! * 1_000)), "
                + "\"over_25ms\": \(stalls.count), \"over_25ms_overlapping_another_file\": \(shared)}")
        } else {
            console.print("\(files) writer(s), \(bytes)-byte appends, write + fsync"
                + (rate > 0 ? " \(rate) times a second" : "") + ", \(duration) s in \(directory):")
            console.print("syncs:      \(all.count) (\(f3(Double(all.count) / Double(duration))) per second)")
            console.print("latency:    mean \(f3(mean)) ms, p50 \(f3(pct(0.5))) ms, p99 \(f3(pct(0.99))) ms, "
                + "p99.9 \(f3(pct(0.999))) ms, max \(f3(all.last! * 1_000)) ms")
            console.print("over 25 ms: \(stalls.count)" + (files > 1 ? " (\(shared) of them overlapping a slow sync of another file)" : ""))
            for (f, s) in stalls.sorted(by: { $0.1.start < $1.1.start }) {
                console.print("  file \(f) at \(f3(s.start)) s: \(f3(s.seconds * 1_000)) ms")
            }
        }
        return ExitCode.success
    }

    static func f3(_ v: Double) -> String { String(format: "%.3f", v) }
}
