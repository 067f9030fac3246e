import Dispatch
import Foundation
import Ledger
import Ristretto255
import Sodium
import Synchronization
import ZKPayAPI
import ZKPayCLI
import ZKPayCore

/// `zkpay loadgen`: funds throwaway wallets, pre-builds valid 2-output transfers in
/// parallel, submits them over C keep-alive connections, and reports throughput,
/// latency and errors; then checks the audit and every receipt against the ledger.
enum LoadgenCommand {
    static let usage = """
        zkpay loadgen --validator URL --transfers N --concurrency C [--wallets W] [--batch K] \
        [--rate TPS] [--issuer-seed HEX] [--backend ifma|avx2|portable] [--json]
          zkpay loadgen address --issuer-seed HEX   (print the issuer address of a seed, for `validator init`)
        """
    static let summary = "load-test a validator: fund wallets, pre-build transfers, submit, report tps and latency"

    struct Options {
        var validator = ProcessInfo.processInfo.environment["ZKPAY_VALIDATOR"] ?? ValidatorURL.defaultURL
        var transfers = 1_000
        var concurrency = 8
        var wallets = 16
        var batch = 1
        /// Target submissions per second over all connections (nil: as fast as replies come).
        var rate: Double? = nil
        var issuerSeed: [UInt8]? = nil
        var json = false
        /// The backend the transfers are built (proved) on.
        var backend = Backend.portable
    }

    static func parse(_ arguments: [String]) throws -> Options {
        let args = try LedgerArguments(arguments, valued: ["--validator", "--transfers", "--concurrency", "--wallets",
                                                           "--batch", "--issuer-seed", "--rate", "--backend"],
                                       flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        var o = Options()
        func count(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = args.options[name] else { return nil }
            guard let v = Int(text), range.contains(v) else {
                throw CLIError.usage("\(name) needs a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        if let v = args.options["--validator"] { o.validator = v }
        o.transfers = try count("--transfers", 1...10_000_000) ?? o.transfers
        o.concurrency = try count("--concurrency", 1...4_096) ?? o.concurrency
        o.wallets = try count("--wallets", 1...100_000) ?? o.wallets
        o.batch = try count("--batch", 1...BatchBody.maxTransfers) ?? o.batch
        if let r = args.options["--rate"] {
            guard let v = Double(r), v > 0, v.isFinite else { throw CLIError.usage("--rate needs a positive number of transfers per second") }
            o.rate = v
        }
        let seedText = args.options["--issuer-seed"] ?? ProcessInfo.processInfo.environment["ZKPAY_ISSUER_SEED"]
        if let seedText {
            guard let s = ProtocolHex.decode(seedText.lowercased()), s.count == 32 else {
                throw CLIError.usage("--issuer-seed needs 64 hex digits (the issuer wallet's 32-byte seed)")
            }
            o.issuerSeed = s
        }
        o.json = args.flags.contains("--json")
        o.backend = try RuntimeOptions.parse(flags: args.options.filter { $0.key == "--backend" },
                                             environment: ProcessInfo.processInfo.environment).backend
        return o
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        if arguments.first == "address" {
            let o = try parse(Array(arguments.dropFirst()))
            guard let seed = o.issuerSeed else { throw CLIError.usage("give the seed with --issuer-seed HEX") }
            do { console.print(try WalletKeys(seed: SecretBytes(copying: seed)).address.encoded) } catch {
                throw CLIError.usage("--issuer-seed: \(error)")
            }
            return ExitCode.success
        }
        let o = try parse(arguments)
        guard let seed = o.issuerSeed else {
            throw CLIError.usage("loadgen mints its own funds: give the issuer's seed with --issuer-seed HEX or ZKPAY_ISSUER_SEED")
        }
        let url: ValidatorURL
        do { url = try ValidatorURL(parsing: o.validator) } catch { throw CLIError.usage("\(error)") }
        let issuer: WalletKeys
        do { issuer = try WalletKeys(seed: SecretBytes(copying: seed)) } catch { throw CLIError.usage("--issuer-seed: \(error)") }
        let progress = Progress(console: console, json: o.json)

        // 1. The validator, its issuer and its fee.
        let status: StatusBody
        let genesis: Genesis
        // The auditors the transfers disclose to: those in office at the ledger's next
        // sequence (docs/PROTOCOL.md §7.12), from the statements checked from the genesis.
        let auditors: [AuditorKey]
        do {
            let client = ValidatorClient(url: url, timeout: 10)
            status = try client.status()
            genesis = try Genesis(bytes: try client.genesisBytes())
            auditors = try client.auditorsInOffice(genesis: genesis)
        } catch { throw CLIError.failure("\(error)") }
        guard status.issuer == issuer.address.encoded else {
            throw CLIError.failure("the validator's issuer is \(status.issuer), not the address of --issuer-seed "
                + "(\(issuer.address.encoded)); loadgen needs the issuer's key to mint")
        }
        let fee = max(status.minimumFee, 1)
        let startSequence = status.sequence

        // 2. Fund W wallets: one note per transfer, minted 16 outputs at a time.
        let wallets = (0..<o.wallets).map { _ in WalletKeys.generate().keys }
        let perNote: UInt64 = 1_000 + fee
        var payments: [[Payment]] = []
        var current: [Payment] = []
        for i in 0..<o.transfers {
            current.append(Payment(to: wallets[i % o.wallets].address, amount: perNote))
            if current.count == 16 { payments.append(current); current = [] }
        }
        if !current.isEmpty { payments.append(current) }
        let serialBase = UInt64(Date().timeIntervalSince1970 * 1_000) << 16
        let mintStart = Date()
        let mints: [Mint]
        do {
            mints = try parallelMap(Array(payments.enumerated())) { (item) throws -> Mint in
                try Mint.create(chain: genesis.chainID, serial: serialBase + UInt64(item.offset), payments: item.element, issuer: issuer.spend)
            }
        } catch { throw CLIError.failure("cannot create the funding mints: \(error)") }
        let mintErrors = Mutex<[String]>([])
        let minted = Atomic<Int>(0)
        runWorkers(count: min(o.concurrency, mints.count), items: mints.count) { client, _, range in
            for k in range {
                do { _ = try client.submit(mint: mints[k]) } catch {
                    mintErrors.withLock { $0.append("\(error)") }
                }
                if progress.isEnabled {
                    progress.tick("funding", minted.add(1, ordering: .relaxed).newValue, mints.count)
                }
            }
        } connect: { ValidatorClient(url: url, timeout: 60) }
        if let first = mintErrors.withLock({ $0.first }) {
            throw CLIError.failure("funding failed (\(mintErrors.withLock { $0.count }) mints refused): \(first)")
        }
        progress.finish("funded \(o.wallets) wallets with \(o.transfers) notes in \(mints.count) mints "
            + "(\(format(Date().timeIntervalSince(mintStart))) s)")

        // 3. Pre-build N transfers in parallel: note i of wallet w pays 1,000 to wallet w+1.
        let notes = mints.flatMap(\.createdNotes)
        let buildStart = Date()
        let built = Mutex(0)
        let transfers: [Transfer]
        do {
            transfers = try parallelMap(Array(notes.enumerated())) { (item) throws -> Transfer in
                let owner = wallets[item.offset % o.wallets]
                let to = wallets[(item.offset + 1) % o.wallets]
                let owned = OwnedNote(note: item.element, contents: try owner.open(item.element.output))
                let t = try TransferBuilder.build(chain: genesis.chainID, auditors: auditors, from: owner, spending: [owned],
                                                  payments: [Payment(to: to.address, amount: 1_000)], fee: fee,
                                                  backend: o.backend).transfer
                let n = built.withLock { $0 += 1; return $0 }
                progress.tick("building transfers", n, o.transfers)
                return t
            }
        } catch { throw CLIError.failure("cannot build the transfers: \(error)") }
        let buildSeconds = Date().timeIntervalSince(buildStart)
        progress.finish("built \(transfers.count) 2-output transfers in \(format(buildSeconds)) s "
            + "(\(format(Double(transfers.count) / buildSeconds)) per second)")

        // 4. Submit over C keep-alive connections. The validator's log-append histogram is read
        // before and after, so that the report says how many of the run's fsyncs were slow (a
        // stalled fsync delays every transfer waiting for it, whatever the rest of the path does).
        let encoded = transfers.map(\.bytes)
        let results = Mutex<[Sample]>([])
        let appendsBefore = LogAppendHistogram.fetch(url)
        let submitStart = ContinuousClock.now
        let chunks = (encoded.count + o.batch - 1) / o.batch
        let workers = min(o.concurrency, chunks)
        // With --rate, each worker paces its requests at its share of the rate, the workers'
        // first requests spread over one interval: started together, they sent their
        // requests in bursts (all workers at once, then nothing for an interval), which
        // measured the queueing of bursts rather than the latency at that rate.
        let intervalNanos: Int64? = o.rate.map { Int64(1e9 * Double(workers * o.batch) / $0) }
        let submitted = Atomic<Int>(0)
        runWorkers(count: workers, items: chunks) { client, worker, range in
            var local: [Sample] = []
            local.reserveCapacity(range.count * o.batch)
            let interval = intervalNanos.map { Duration.nanoseconds($0) }
            var due = submitStart.advanced(by: .nanoseconds((intervalNanos ?? 0) * Int64(worker) / Int64(workers)))
            for c in range {
                if let interval {
                    let now = ContinuousClock.now
                    if due > now { Thread.sleep(forTimeInterval: seconds(now.duration(to: due))) }
                    due = due.advanced(by: interval)
                }
                let lo = c * o.batch, hi = min(lo + o.batch, encoded.count)
                let t0 = ContinuousClock.now
                if o.batch == 1 {
                    let outcome: Outcome
                    do throws(ValidatorClientError) {
                        outcome = .finalized(try client.submit(transfers[lo]).receipt)
                    } catch { outcome = .error(kind(error)) }
                    local.append(Sample(index: lo, latency: t0.duration(to: .now), outcome: outcome))
                } else {
                    var outcomes: [Outcome]
                    do throws(ValidatorClientError) {
                        outcomes = try client.submitBatch(encoded: Array(encoded[lo..<hi])).map {
                            switch $0 {
                            case let .finalized(f): .finalized(f.receipt)
                            case let .rejected(e): .error(e.code)
                            }
                        }
                    } catch { outcomes = Array(repeating: .error(kind(error)), count: hi - lo) }
                    let latency = t0.duration(to: .now)
                    for (k, out) in outcomes.enumerated() { local.append(Sample(index: lo + k, latency: latency, outcome: out)) }
                }
                if progress.isEnabled {
                    progress.tick("submitting", submitted.add(hi - lo, ordering: .relaxed).newValue, encoded.count)
                }
            }
            results.withLock { $0 += local }
        } connect: { ValidatorClient(url: url, timeout: 120) }
        let submitSeconds = seconds(submitStart.duration(to: .now))
        progress.finish("submitted \(encoded.count) transfers in \(format(submitSeconds)) s; checking the receipts and the audit")
        let samples = results.withLock { $0 }
        let appends = LogAppendHistogram.fetch(url).flatMap { after in appendsBefore.map { after.since($0) } }

        // 5. Report.
        var errors: [String: Int] = [:]
        var receipts: [(Int, Receipt)] = []
        var latencies: [Double] = []
        for s in samples {
            latencies.append(seconds(s.latency) * 1_000)
            switch s.outcome {
            case let .finalized(r): receipts.append((s.index, r))
            case let .error(code): errors[code, default: 0] += 1
            }
        }
        latencies.sort()
        func pct(_ p: Double) -> Double { percentile(latencies, p) }
        let tps = Double(receipts.count) / submitSeconds
        let settled = receipts

        // 6. Check: every receipt is the ledger's (certified by the validators in office at its
        // batch: the chain read now decides every batch settled so far), and the audit holds.
        let chain: AuthorityChain
        do { chain = try ValidatorClient(url: url, timeout: 60).authorities(genesis: genesis) } catch {
            throw CLIError.failure("authority statements: \(error)")
        }
        let mismatches = Mutex(0)
        runWorkers(count: min(o.concurrency, max(settled.count, 1)), items: settled.count) { client, _, range in
            var bad = 0
            for k in range {
                let (i, r) = settled[k]
                let found = try? client.transfer(id: transfers[i].id)
                // In a cluster a later lookup may carry more validators' signatures than the
                // answer did: the entry, batch and path must match, and each must be certified.
                guard let held = found?.receipt, held.unsigned == r.unsigned, held.certificateError(authorities: chain) == nil,
                      r.certificateError(authorities: chain) == nil else { bad += 1; continue }
            }
            mismatches.withLock { $0 += bad }
        } connect: { ValidatorClient(url: url, timeout: 60) }
        let audit: AuditBody
        do { audit = try ValidatorClient(url: url, timeout: 120).audit() } catch { throw CLIError.failure("audit: \(error)") }
        let badReceipts = mismatches.withLock { $0 }
        let errorCount = errors.values.reduce(0, +)

        if o.json {
            let errs = errors.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
            console.print("{\"transfers\": \(o.transfers), \"finalized\": \(receipts.count), \"errors\": \(errorCount), "
                + "\"errors_by_kind\": {\(errs)}, \"tps\": \(format(tps)), \"p50_ms\": \(format(pct(0.5))), "
                + "\"p90_ms\": \(format(pct(0.9))), \"p99_ms\": \(format(pct(0.99))), \"max_ms\": \(format(latencies.last ?? 0)), "
                + "\"p1_ms\": \(format(pct(0.01))), \"p10_ms\": \(format(pct(0.1))), \"p25_ms\": \(format(pct(0.25))), "
                + "\"p75_ms\": \(format(pct(0.75))), \"p95_ms\": \(format(pct(0.95))), \"p999_ms\": \(format(pct(0.999))), "
                + "\"backend\": \"\(o.backend)\", \"concurrency\": \(workers), \"rate\": \(o.rate.map { format($0) } ?? "null"), \"batch\": \(o.batch), \"wallets\": \(o.wallets), "
                + "\"submit_seconds\": \(format(submitSeconds)), \"build_seconds\": \(format(buildSeconds)), "
                + "\"receipts_checked\": \(receipts.count), \"receipt_mismatches\": \(badReceipts), "
                + "\"audit_ok\": \(audit.ok), \"ledger_sequence\": \(audit.sequence), \"start_sequence\": \(startSequence), "
                + "\"log_appends\": \(appends.map { String($0.count) } ?? "null"), "
                + "\"log_appends_over_25ms\": \(appends.map { String($0.over(0.025)) } ?? "null"), "
                + "\"slowest_log_append_ms\": \(appends?.slowest.map { "\"\($0)\"" } ?? "null")}")
        } else {
            console.print("submitted \(o.transfers) transfers over \(workers) connections "
                + (o.batch > 1 ? "in batches of \(o.batch)" : "one per request") + " in \(format(submitSeconds)) s")
            console.print("finalized:  \(receipts.count)   (\(format(tps)) transfers per second)")
            console.print("latency:    p50 \(format(pct(0.5))) ms, p90 \(format(pct(0.9))) ms, "
                + "p99 \(format(pct(0.99))) ms, max \(format(latencies.last ?? 0)) ms (submit to receipt)")
            console.print("errors:     \(errorCount)" + (errors.isEmpty ? "" : "  "
                + errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))
            console.print("receipts:   \(receipts.count - badReceipts) of \(receipts.count) match the ledger and verify")
            console.print("audit:      \(audit.ok ? "ok" : "FAILED") (ledger sequence \(audit.sequence), supply \(audit.supply))")
            if let appends {
                let slowest = appends.slowest.map { "\($0) ms" } ?? "none"
                console.print("log:        \(appends.count) appends (one fsync each) during the run, "
                    + "\(appends.over(0.025)) over 25 ms, slowest \(slowest) (validator /metrics)")
            }
        }
        return errorCount == 0 && badReceipts == 0 && audit.ok ? ExitCode.success : ExitCode.failure
    }

    /// The validator's `zkpay_fsync_seconds` histogram (log append and fsync per batch), read
    /// from `GET /metrics`.
    struct LogAppendHistogram {
        /// Cumulative counts by upper bound in seconds (`+Inf` last).
        var buckets: [(bound: Double, count: UInt64)]

        var count: UInt64 { buckets.last?.count ?? 0 }

        /// Appends slower than `seconds` (the bucket bound at or above it).
        func over(_ seconds: Double) -> UInt64 {
            guard let b = buckets.first(where: { $0.bound >= seconds }) else { return 0 }
            return count - b.count
        }

        /// The upper bound of the slowest non-empty bucket (infinity: above the largest bound).
        var slowestBound: Double? {
            var previous: UInt64 = 0
            var slowest: Double?
            for b in buckets {
                if b.count > previous { slowest = b.bound }
                previous = b.count
            }
            return slowest
        }

        /// The slowest non-empty bucket in milliseconds, as "<= B" or "> B" (above every bound).
        var slowest: String? {
            guard let bound = slowestBound else { return nil }
            if bound.isFinite { return "<= " + LoadgenCommand.format(bound * 1_000) }
            let largest = buckets.last(where: { $0.bound.isFinite })?.bound ?? 0
            return "> " + LoadgenCommand.format(largest * 1_000)
        }

        /// The appends counted after `earlier` (the same validator process).
        func since(_ earlier: LogAppendHistogram) -> LogAppendHistogram {
            LogAppendHistogram(buckets: buckets.map { b in
                let before = earlier.buckets.first { $0.bound == b.bound }?.count ?? 0
                return (b.bound, b.count >= before ? b.count - before : 0)
            })
        }

        /// The histogram now, or nil if the validator has no `/metrics` or it lacks the family.
        static func fetch(_ url: ValidatorURL) -> LogAppendHistogram? {
            guard let r = try? ValidatorClient(url: url, timeout: 10).send("GET", "/metrics"), r.status == 200 else { return nil }
            return parse(r.text)
        }

        /// Parses the `zkpay_fsync_seconds_bucket{le="..."} N` lines of a Prometheus text page.
        static func parse(_ text: String) -> LogAppendHistogram? {
            let prefix = "zkpay_fsync_seconds_bucket{le=\""
            var buckets: [(Double, UInt64)] = []
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
                let rest = line.dropFirst(prefix.count)
                guard let quote = rest.firstIndex(of: "\""), let space = rest.lastIndex(of: " "),
                      let count = UInt64(rest[rest.index(after: space)...])
                else { continue }
                let label = rest[..<quote]
                guard let bound = label == "+Inf" ? Double.infinity : Double(label) else { continue }
                buckets.append((bound, count))
            }
            return buckets.isEmpty ? nil : LogAppendHistogram(buckets: buckets.sorted { $0.0 < $1.0 })
        }
    }

    enum Outcome: Sendable {
        case finalized(Receipt)
        case error(String)
    }

    struct Sample: Sendable {
        let index: Int
        let latency: Duration
        let outcome: Outcome
    }

    static func kind(_ error: ValidatorClientError) -> String {
        switch error {
        case let .rejected(e): e.code
        case .unreachable: "unreachable"
        case .transport: "transport"
        case .malformedResponse: "malformed_response"
        case .invalidURL: "invalid_url"
        }
    }

    /// The nearest-rank `p` quantile of `sorted` (ascending), 0 for an empty list.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }


    static func format(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Runs `count` threads, each with its own client, over contiguous slices of
    /// `0..<items` (the body gets the worker's number and slice), and waits for all of them.
    static func runWorkers(count: Int, items: Int, _ body: @escaping @Sendable (ValidatorClient, Int, Range<Int>) -> Void,
                           connect: @escaping @Sendable () -> ValidatorClient) {
        let n = max(1, min(count, max(items, 1)))
        let group = DispatchGroup()
        for w in 0..<n {
            let lo = items * w / n, hi = items * (w + 1) / n
            group.enter()
            let thread = Thread {
                let client = connect()
                body(client, w, lo..<hi)
                client.close()
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    /// `transform` over `items` on every core, results in order.
    static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) throws -> R) throws -> [R] {
        let out = Mutex<[R?]>(Array(repeating: nil, count: items.count))
        let failure = Mutex<(any Error)?>(nil)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < items.count {
                if failure.withLock({ $0 != nil }) { return }
                do {
                    let r = try transform(items[i])
                    out.withLock { $0[i] = r }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
                i += workers
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        let results = out.withLock { $0.compactMap { $0 } }
        guard results.count == items.count else { throw CLIError.failure("a parallel step lost results") }
        return results
    }
}
