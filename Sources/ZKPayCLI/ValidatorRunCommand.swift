import Etcd
import Foundation
import Glibc
import HTTP1
import Ledger
import Validator
import ZKPayCore

/// `zkpay validator run --data DIR [--listen HOST:PORT] [--workers N] [--batch-max N] [--batch-wait-ms T]
/// [--backend ifma|avx2|portable] [--crc32c hardware|software] [--direct-io on|off] [--zero-ahead BYTES|off]`:
/// serves the ledger in DIR over HTTP until SIGINT or SIGTERM, then shuts down gracefully
/// (requests in flight are settled and answered, the log is synced) and exits 0.
enum ValidatorRunCommand {
    static let usage = "zkpay validator run --data DIR [--listen HOST:PORT] [--workers N] [--batch-max N] "
        + "[--batch-wait-ms T] [--backend ifma|avx2|portable] [--crc32c hardware|software] [--direct-io on|off] "
        + "[--zero-ahead BYTES|off] [--cluster ETCD_URL,... [--name NAME] [--advertise URL] [--lease-seconds S] [--compaction-seconds S] [--snapshot-records N]]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: Set(["--data", "--listen", "--workers", "--batch-max",
                                                               "--batch-wait-ms", "--cluster", "--name", "--advertise",
                                                               "--lease-seconds", "--compaction-seconds",
                                                               "--snapshot-records"]).union(RuntimeOptions.flagNames))
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let data = args.options["--data"] else { throw CLIError.usage("--data DIR is required") }
        let runtime = try RuntimeOptions.from(args)
        var configuration = ValidatorService.Configuration(logOptions: runtime.logOptions, backend: runtime.backend)
        if let listen = args.options["--listen"] {
            guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]),
                  colon != listen.startIndex
            else { throw CLIError.usage("--listen needs HOST:PORT, e.g. 127.0.0.1:7878") }
            var host = listen[..<colon]
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { throw CLIError.usage("--listen needs HOST:PORT, e.g. 127.0.0.1:7878 or [::1]:7878") }
            configuration.host = String(host)
            configuration.port = port
        }
        func positive(_ name: String) throws -> Int? {
            guard let text = args.options[name] else { return nil }
            guard let v = Int(text), v >= 1, v <= 1 << 20 else { throw CLIError.usage("\(name) needs a positive whole number") }
            return v
        }
        if let w = try positive("--workers") { configuration.workers = min(w, 1024) }
        if let b = try positive("--batch-max") { configuration.batchMax = min(b, 65536) }
        if let text = args.options["--batch-wait-ms"] {
            guard let t = Double(text), t >= 0, t <= 10_000 else {
                throw CLIError.usage("--batch-wait-ms needs milliseconds between 0 and 10000")
            }
            configuration.batchWaitMilliseconds = t
        }
        if let cluster = args.options["--cluster"] {
            configuration.cluster = try clusterOptions(cluster, args, data: data, configuration: configuration)
            // A replicated batch is one etcd value (etcd refuses requests over 1.5 MiB).
            configuration.batchMax = min(configuration.batchMax, 512)
            // Log lines always; on a terminal also a status line while the validator catches up.
            let progress = Progress(console: console, json: false)
            configuration.log = { line in progress.line(line) }
            configuration.catchUpProgress = { p in
                if p.finished { progress.finish(Self.catchUpLine(p)) } else { progress.update(Self.catchUpLine(p)) }
            }
        } else if let flag = ["--name", "--advertise", "--lease-seconds", "--compaction-seconds", "--snapshot-records"].first(where: { args.options[$0] != nil }) {
            throw CLIError.usage("\(flag) needs --cluster")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError.failure("data directory \(data) does not exist; create it with `zkpay validator init`")
        }
        let lock = try lockDataDirectory(data)
        defer { withExtendedLifetime(lock) {} }

        // Block the shutdown signals before any thread starts: every thread inherits the mask,
        // so the signals stay pending until this thread takes them with sigwait.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &signals, nil) }

        let service: ValidatorService
        do {
            service = try ValidatorService(openStorage: { try runtime.openStorage(data, create: false) },
                                           configuration: configuration)
        } catch {
            throw CLIError.failure("cannot start the validator on \(configuration.host):\(configuration.port): \(error)")
        }
        let recovery = service.recovery
        if recovery.truncatedBytes > 0 {
            console.print("recovery: cut a torn tail of \(recovery.truncatedBytes) bytes (an unacknowledged batch)")
        }
        let shownHost = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        console.print("validator listening on http://\(shownHost):\(service.port) "
            + "(ledger sequence \(service.sequence), \(service.workerCount) workers, backend \(runtime.backend))")
        console.print("receipt key fingerprint \(ReceiptKeyFingerprint(publicKey: service.receiptPublicKey))")
        if let cluster = configuration.cluster {
            console.print("cluster: \(cluster.name) at \(cluster.advertisedURL), etcd \(cluster.etcd.endpoints.map(\.description).joined(separator: ","))")
        }
        var received: Int32 = 0
        while sigwait(&signals, &received) != 0 {}
        console.print("received \(received == SIGINT ? "SIGINT" : "SIGTERM"): shutting down")
        service.shutdown(gracePeriod: 10) { console.print($0) }
        return ExitCode.success
    }

    /// The status line of a catch-up: "catching up from SOURCE: 40/120 batches (33%), at
    /// sequence 1234", and "caught up from SOURCE: …" once finished.
    static func catchUpLine(_ p: CatchUpProgress) -> String {
        let percent = p.total > 0 ? min(100, p.applied * 100 / p.total) : 100
        return "\(p.finished ? "caught up" : "catching up") from \(p.source): \(p.applied)/\(p.total) \(p.unit) "
            + "(\(percent)%), at sequence \(p.sequence)"
    }

    /// `--cluster URL,...` with `--name` (default: the data directory's name), `--advertise`
    /// (default: http://LISTEN), `--lease-seconds` (default 2), `--compaction-seconds`
    /// (default 10) and `--snapshot-records` (default 20000).
    static func clusterOptions(_ text: String, _ args: LedgerArguments, data: String,
                               configuration: ValidatorService.Configuration) throws -> ClusterOptions {
        var endpoints: [EtcdEndpoint] = []
        for part in text.split(separator: ",") {
            do { endpoints.append(try EtcdEndpoint(parsing: String(part))) } catch {
                throw CLIError.usage("--cluster: \(error)")
            }
        }
        guard !endpoints.isEmpty else { throw CLIError.usage("--cluster needs the etcd members' client URLs, e.g. http://127.0.0.1:2379") }
        let name = args.options["--name"] ?? URL(fileURLWithPath: data).lastPathComponent
        guard !name.isEmpty, !name.contains(" "), name.utf8.count <= 64 else {
            throw CLIError.usage("--name: 1 to 64 characters without spaces")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let advertised = args.options["--advertise"] ?? "http://\(host):\(configuration.port)"
        guard advertised.hasPrefix("http://"), !advertised.contains(" ") else {
            throw CLIError.usage("--advertise: the URL clients reach this validator at, e.g. http://10.0.0.5:7878")
        }
        guard configuration.port != 0 || args.options["--advertise"] != nil else {
            throw CLIError.usage("--listen with port 0 needs --advertise (followers redirect writes to the leader's URL)")
        }
        var lease: Int64 = 2
        if let t = args.options["--lease-seconds"] {
            guard let v = Int64(t), (1...60).contains(v) else { throw CLIError.usage("--lease-seconds: 1 to 60") }
            lease = v
        }
        var options = ClusterOptions(etcd: EtcdConfig(endpoints: endpoints, requestTimeout: 5, connectTimeout: 1),
                                     name: name, advertisedURL: advertised, leaseSeconds: lease)
        if let t = args.options["--compaction-seconds"] {
            guard let v = Double(t), v >= 0.1, v <= 86_400 else {
                throw CLIError.usage("--compaction-seconds: seconds between the leader's compactions of the log, 0.1 to 86400")
            }
            options.compactionSeconds = v
        }
        if let t = args.options["--snapshot-records"] {
            guard let v = UInt64(t), v >= 1 else {
                throw CLIError.usage("--snapshot-records: records between snapshots (etcd keeps about this much of the log), at least 1")
            }
            options.snapshotRecords = v
        }
        return options
    }
}
