import Foundation
import Sodium
import ZKPayCLI

/// One benchmark figure: a named operation and how to time it.
struct BenchFigure {
    let name: String
    /// What one operation is (printed in the table).
    let unit: String
    /// Figure this one is compared against in the table (same run), if any.
    let baseline: String?
    /// Runs the setup and returns a closure that performs `iterations` calls and returns the
    /// nanoseconds they took on the given clock, not counting any per-call setup.
    let prepare: () -> (Int, BenchCommand.Clock) -> Double
    /// Operations per timed call (the harness divides the sample time by this).
    let opsPerCall: Int

    /// A figure timed as a whole: `prepare` runs the setup and returns a closure that
    /// performs `iterations` calls; only that closure is timed.
    init(_ name: String, unit: String = "op", baseline: String? = "libsodium_scalarmult", opsPerCall: Int = 1,
         prepare: @escaping () -> (Int) -> Void) {
        self.init(name, unit: unit, baseline: baseline, opsPerCall: opsPerCall, timed: {
            let body = prepare()
            return { iterations, clock in BenchCommand.time(clock) { body(iterations) } }
        })
    }

    /// A figure whose every call consumes state that must be made fresh outside the timing
    /// (a ledger that has not settled the batch yet): `prepareEach` runs the shared setup and
    /// returns a maker; each call, the maker builds one ready operation (untimed) and only
    /// running that operation is timed. What the operation holds is released untimed too.
    init(_ name: String, unit: String = "op", baseline: String? = "libsodium_scalarmult", opsPerCall: Int = 1,
         prepareEach: @escaping () -> () -> () -> Void) {
        self.init(name, unit: unit, baseline: baseline, opsPerCall: opsPerCall, timed: {
            let make = prepareEach()
            return { iterations, clock in
                var total = 0.0
                for _ in 0..<iterations {
                    let operation = make()
                    total += BenchCommand.time(clock, operation)
                }
                return total
            }
        })
    }

    private init(_ name: String, unit: String, baseline: String?, opsPerCall: Int,
                 timed: @escaping () -> (Int, BenchCommand.Clock) -> Double) {
        self.name = name
        self.unit = unit
        self.baseline = baseline
        self.opsPerCall = opsPerCall
        prepare = timed
    }
}

/// Timing summary of one figure in nanoseconds per operation.
struct BenchResult {
    let name: String
    let median: Double
    let min: Double
    let max: Double
    let baseline: String?
}

/// `zkpay bench [--json] [--filter NAME[,NAME...]] [--samples N] [--clock wall|thread] [--backend ifma|avx2|portable]`.
///
/// Every figure runs on one arithmetic backend: `--backend`, else the fastest this CPU runs
/// (`ZKPAY_SIMD=off`: portable); one process measures one backend, and `--json` names it.
///
/// Each figure is timed as a series of samples (each sample runs enough iterations to
/// last about 20 ms, the first sample is a warm-up and is dropped); the table shows
/// min/median/max nanoseconds per operation and the ratio of the median to the
/// baseline figure measured in the same run.
///
/// `--clock thread` times with the calling thread's CPU clock instead of the wall clock:
/// for A/B comparisons of single-threaded figures on a machine that other work shares
/// (time slices given to other processes are not counted). Figures that wait for I/O or
/// for other threads (fsync, worker pools, loopback HTTP) read low under it; the
/// published figures use the wall clock.
enum BenchCommand {
    /// What `time` measures.
    enum Clock: String {
        case wall
        case thread
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        if arguments.first == "memory" { return try BenchMemory.run(Array(arguments.dropFirst()), console) }
        if arguments.first == "disk" { return try BenchDisk.run(Array(arguments.dropFirst()), console) }
        var json = false
        var filter: Set<String>? = nil
        var samples = 7
        var clock = Clock.wall
        var flags: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--json": json = true
            case "--filter":
                guard i + 1 < arguments.count else { throw CLIError.usage("--filter needs a figure name") }
                filter = Set(arguments[i + 1].split(separator: ",").map(String.init))
                i += 1
            case "--samples":
                guard i + 1 < arguments.count, let n = Int(arguments[i + 1]), n >= 2 else {
                    throw CLIError.usage("--samples needs an integer >= 2")
                }
                samples = n
                i += 1
            case "--clock":
                guard i + 1 < arguments.count, let c = Clock(rawValue: arguments[i + 1]) else {
                    throw CLIError.usage("--clock needs wall or thread")
                }
                clock = c
                i += 1
            case let name where RuntimeOptions.flagNames.contains(name):
                guard i + 1 < arguments.count else { throw CLIError.usage("\(name) needs a value") }
                flags[name] = arguments[i + 1]
                i += 1
            default: throw CLIError.usage("unknown option \(arguments[i])")
            }
            i += 1
        }
        let runtime = try RuntimeOptions.parse(flags: flags, environment: ProcessInfo.processInfo.environment)
        let all = allFigures(runtime)
        var chosen = all
        if let filter {
            let unknown = filter.subtracting(all.map(\.name))
            if !unknown.isEmpty {
                throw CLIError.usage("unknown figure(s) \(unknown.sorted().joined(separator: ", ")); known: \(all.map(\.name).joined(separator: ", "))")
            }
            // Baselines are always measured in the same run as the figures that cite them.
            let needed = filter.union(all.filter { filter.contains($0.name) }.compactMap(\.baseline))
            chosen = all.filter { needed.contains($0.name) }
        }
        var results: [BenchResult] = []
        for figure in chosen {
            if !json { console.printError("measuring \(figure.name)...") }
            results.append(measure(figure, samples: samples, clock: clock))
        }
        if json {
            var parts: [String] = []
            for r in results { parts.append("\"\(r.name)\": \(String(format: "%.1f", r.median))") }
            // Which figure each one is compared with (the table's ratio column; the figures plot it).
            let baselines = results.compactMap { r in r.baseline.map { "\"\(r.name)\": \"\($0)\"" } }
            console.print("{\"backend\": \"\(runtime.backend)\", \"figures\": {" + parts.joined(separator: ", ") + "}, "
                + "\"baselines\": {" + baselines.joined(separator: ", ") + "}}")
        } else {
            console.print("backend: \(runtime.backend)")
            console.print(table(results))
        }
        return ExitCode.success
    }

    static func measure(_ figure: BenchFigure, samples: Int, clock: Clock = .wall) -> BenchResult {
        let body = figure.prepare()
        // Calibrate: grow the iteration count until one sample takes >= 20 ms of timed work
        // (or 1 iteration is slower).
        var iterations = 1
        while true {
            let t = body(iterations, clock)
            if t >= 20_000_000 || iterations >= 1 << 24 { break }
            iterations = t < 1_000_000 ? iterations * 10 : Swift.max(iterations + 1, Int(Double(iterations) * 25_000_000 / t))
        }
        var perOp: [Double] = []
        for _ in 0..<samples {
            let t = body(iterations, clock)
            perOp.append(t / Double(iterations * figure.opsPerCall))
        }
        perOp.removeFirst()  // warm-up
        perOp.sort()
        return BenchResult(name: figure.name, median: perOp[perOp.count / 2], min: perOp.first!, max: perOp.last!,
                           baseline: figure.baseline)
    }

    static func time(_ clock: Clock = .wall, _ body: () -> Void) -> Double {
        switch clock {
        case .wall:
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start)
        case .thread:
            let start = threadCPUNanoseconds()
            body()
            return Double(threadCPUNanoseconds() - start)
        }
    }

    /// The calling thread's CPU time in nanoseconds.
    static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func format(_ ns: Double) -> String {
        if ns >= 1_000_000 { return String(format: "%.2f ms", ns / 1_000_000) }
        if ns >= 1_000 { return String(format: "%.2f µs", ns / 1_000) }
        return String(format: "%.1f ns", ns)
    }

    static func table(_ results: [BenchResult]) -> String {
        let byName = Dictionary(results.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var lines = ["figure                           median        min-max                    ratio to baseline"]
        for r in results {
            var ratio = ""
            if let b = r.baseline, b != r.name, let base = byName[b] {
                ratio = String(format: "%.3f x %@", r.median / base.median, b)
            }
            lines.append(r.name.padding(toLength: 32, withPad: " ", startingAt: 0) + " "
                + format(r.median).padding(toLength: 13, withPad: " ", startingAt: 0) + " "
                + (format(r.min) + " - " + format(r.max)).padding(toLength: 26, withPad: " ", startingAt: 0) + " " + ratio)
        }
        return lines.joined(separator: "\n")
    }

    /// Every figure, baselines first. Modules add theirs in `BenchFigures+<Module>.swift`.
    static func allFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        baselineFigures() + moduleFigures(runtime)
    }

    /// libsodium operations measured in the same run as everything else.
    static func baselineFigures() -> [BenchFigure] {
        [
            BenchFigure("libsodium_scalarmult", unit: "crypto_scalarmult_ristretto255", baseline: nil) {
                let scalar = Array(SecureRandom.bytes(31)) + [0]
                var point = (try? SodiumRistretto.fromHash(SecureRandom.bytes(64))) ?? []
                return { n in
                    for _ in 0..<n { point = (try? SodiumRistretto.scalarmult(scalar: scalar, point: point)) ?? point }
                }
            },
            BenchFigure("libsodium_ed25519_verify", unit: "crypto_sign_verify_detached", baseline: nil) {
                let key = Ed25519KeyPair()
                let message = SecureRandom.bytes(64)
                let signature = key.sign(message)
                return { n in
                    for _ in 0..<n { precondition(Ed25519.verify(signature: signature, message: message, publicKey: key.publicKey)) }
                }
            },
        ]
    }
}
