import Foundation
import Ledger
import Ristretto255
import Validator
import Wallet
import ZKPayAPI
import ZKPayCore

/// `zkpay audit [--data DIR | --validator URL] [--genesis FILE] [--json]`: the full audit of
/// a ledger from its genesis (`LogAuditor`): every transfer's signatures and range proofs
/// re-verified in batches, every id recomputed, every receipt signature and the chain hash
/// checked, then the supply equation. With `--data` it reads the log of a data directory
/// here; with `--validator` (default: $ZKPAY_VALIDATOR, else http://127.0.0.1:7878) it
/// downloads the genesis and the log (`GET /v1/genesis`, `GET /v1/log`) and audits them
/// itself, trusting nothing the server says about them. `--genesis FILE` names the genesis
/// file the ledger must have (obtained out of band); without it the downloaded one is used
/// and its receipt key and checksum are printed to compare.
enum AuditCommand {
    static let usage = "zkpay audit [--data DIR | --validator URL] [--genesis FILE] [--json]"
    /// Records one `GET /v1/log` request asks for.
    static let pageRecords = 1000

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--data", "--validator", "--genesis"], flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        let runtime = try RuntimeOptions.fromEnvironment()
        let expected = try args.options["--genesis"].map(readGenesisFile)
        let progress = Progress(console: console, json: args.flags.contains("--json"))
        let workers = WorkerPool(count: ProcessInfo.processInfo.activeProcessorCount, name: "zkpay.audit")
        defer { workers.stop() }
        let started = ContinuousClock.now
        let report: LogAuditReport
        let genesis: Genesis
        let source: String
        do {
            switch (args.options["--data"], args.options["--validator"]) {
            case let (data?, nil):
                (genesis, report) = try auditDirectory(data, runtime, workers, expected: expected, progress: progress)
                source = data
            case let (nil, option):
                let environment = ProcessInfo.processInfo.environment
                let text = option ?? environment["ZKPAY_VALIDATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? WalletContext.defaultValidator
                // A cluster's validators hold the same log: audit the first one given.
                let client = ValidatorClient(url: try parseValidatorURL(validatorURLs(text).first ?? text))
                (genesis, report) = try auditValidator(client, runtime, workers, expected: expected, progress: progress)
                source = client.url.description
            default:
                throw CLIError.usage("give at most one of --data DIR and --validator URL")
            }
        } catch let e as LogAuditError {
            progress.finish("the audit stopped")
            throw CLIError.failure("the audit failed: \(e)", code: e.code)
        }
        progress.finish("audited \(report.records) records")
        let elapsed = seconds(ContinuousClock.now - started)
        let a = report.audit
        let f = AmountFormat(genesis: genesis)
        if args.flags.contains("--json") {
            var o = JSONObjectText()
            o.bool("ok", true)
            o.number("notes", UInt64(a?.notes ?? 0))
            o.string("supply", f.formatExact(a?.supply ?? 0))
            o.number("supply_units", a?.supply ?? 0)
            o.string("minted", f.formatExact(a?.minted ?? 0))
            o.number("minted_units", a?.minted ?? 0)
            o.string("fees", f.formatExact(a?.fees ?? 0))
            o.number("fees_units", a?.fees ?? 0)
            o.string("burned", f.formatExact(a?.burned ?? 0))
            o.number("burned_units", a?.burned ?? 0)
            // minted − burned − fees: the value still held in notes.
            o.string("outstanding", f.formatExact(a?.supply ?? 0))
            o.number("outstanding_units", a?.supply ?? 0)
            o.number("transfers", report.transfers)
            o.number("sequence", report.records)
            o.string("chain_hash", ProtocolHex.encode(report.chainHash))
            o.string("state_digest", ProtocolHex.encode(report.stateDigest))
            o.number("records", report.records)
            o.number("mints", report.mints)
            o.number("redemptions", report.redemptions)
            o.number("receipt_signatures", report.signatures)
            o.string("chain_id", genesis.chainID.hex)
            o.number("validators", UInt64(genesis.validators.count))
            o.string("source", source)
            o.string("seconds", String(format: "%.3f", elapsed))
            console.print(o.text)
        } else {
            console.print("audit:     ok (every proof, id and receipt re-verified from genesis; the supply equation holds)")
            console.print("records:   \(report.records) (\(report.transfers) transfers, \(report.mints) mints, "
                + "\(report.redemptions) redemptions, "
                + "\(report.signatures) receipt signatures)")
            if let a {
                console.print("notes:     \(a.notes)")
                console.print("supply:    \(f.format(a.supply)) (minted \(f.format(a.minted)), fees \(f.format(a.fees)))")
                console.print("burned:    \(f.format(a.burned)) (paid out by redemptions; supply = minted − burned − fees)")
            }
            console.print("chain:     \(ProtocolHex.encode(report.chainHash))")
            console.print("state:     \(ProtocolHex.encode(report.stateDigest)) (the digest every validator with this "
                + "history reports)")
            console.print("chain id:  \(genesis.chainID.hex)\(expected == nil ? "" : " (matches --genesis)")")
            console.print("validators: \(genesis.validators.map(\.name).joined(separator: ", ")) (quorum \(genesis.quorum))")
            console.print("time:      \(String(format: "%.2f", elapsed)) s")
            if expected == nil {
                console.printError("note: the genesis came from \(source) itself; compare its chain id with one "
                    + "obtained out of band, or pass --genesis FILE")
            }
        }
        return ExitCode.success
    }

    static func readGenesisFile(_ path: String) throws -> Genesis {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.failure("--genesis: cannot read \(path)")
        }
        do { return try Genesis(bytes: [UInt8](data)) } catch {
            throw CLIError.failure("--genesis: \(path) is not a zkpay genesis file: \(error)")
        }
    }

    static func checkGenesis(_ genesis: Genesis, expected: Genesis?) throws {
        guard let expected, expected != genesis else { return }
        throw CLIError.failure("the ledger's genesis (chain id \(genesis.chainID.hex)) is not the one given with "
            + "--genesis (chain id \(expected.chainID.hex)): this is a different ledger", code: "genesis_mismatch")
    }

    /// The full audit of the log of the data directory `path` (locked while it is read).
    static func auditDirectory(_ path: String, _ runtime: RuntimeOptions, _ workers: WorkerPool,
                               expected: Genesis?, progress: Progress) throws -> (Genesis, LogAuditReport) {
        // Opening a ledger recovers it, which may cut a torn tail: a write.
        let storage = try openDataStorage(path, runtime)
        let lock = try lockDataDirectory(path)
        defer { withExtendedLifetime(lock) {} }
        let ledger: Ledger
        do { ledger = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend) } catch {
            throw CLIError.failure("\(error)")
        }
        try checkGenesis(ledger.genesis, expected: expected)
        var auditor = LogAuditor(genesis: ledger.genesis, backend: runtime.backend, parallelism: workers.parallelism)
        let end = ledger.state.sequence
        var sequence: UInt64 = 0
        while sequence < end {
            sequence += 1
            let record: LogRecord?
            do { record = try ledger.record(at: sequence) } catch { throw CLIError.failure("reading the log: \(error)") }
            guard let record else { throw CLIError.failure("the log ends at \(sequence - 1), before the state's \(end)") }
            try auditor.add(record)
            progress.tick("re-verifying the log", Int(sequence), Int(end))
        }
        let report = try auditor.finish()
        // The rebuilt chain must be the one the directory's own state reached.
        guard report.chainHash == ledger.state.chainHash else {
            throw CLIError.failure("the re-verified log ends at chain hash \(ProtocolHex.encode(report.chainHash)), but the "
                + "directory's state (its snapshot) is at \(ProtocolHex.encode(ledger.state.chainHash))", code: "audit_failed")
        }
        return (ledger.genesis, report)
    }

    /// The full audit of a running validator's log, downloaded page by page.
    static func auditValidator(_ client: ValidatorClient, _ runtime: RuntimeOptions, _ workers: WorkerPool,
                               expected: Genesis?, progress: Progress) throws -> (Genesis, LogAuditReport) {
        let genesis = try servedGenesis(client)
        try checkGenesis(genesis, expected: expected)
        var auditor = LogAuditor(genesis: genesis, backend: runtime.backend, parallelism: workers.parallelism)
        try readLog(client, progress: progress, label: "downloading and re-verifying the log") { e in
            try auditor.add(LogRecord(sequence: e.sequence, payload: e.payload))
        }
        return (genesis, try auditor.finish())
    }

    /// Reads a validator's whole log (`GET /v1/log`, `pageRecords` per page) and hands each
    /// record to `each`, in order, until the page's end.
    static func readLog(_ client: ValidatorClient, progress: Progress, label: String,
                        _ each: (LogPage.Entry) throws -> Void) throws {
        var after: UInt64 = 0
        while true {
            let page: LogPage
            do { page = try client.logPage(after: after, limit: pageRecords) } catch { throw clientFailure(error, client) }
            for e in page.entries { try each(e) }
            after = page.entries.last?.sequence ?? after
            progress.tick(label, Int(clamping: after), Int(clamping: page.end))
            if page.entries.isEmpty || after >= page.end { break }
        }
    }

    /// The genesis `client`'s validator serves (`GET /v1/genesis`), decoded; a failure says which.
    static func servedGenesis(_ client: ValidatorClient) throws -> Genesis {
        do { return try Genesis(bytes: try client.genesisBytes()) } catch let e as ValidatorClientError {
            throw clientFailure(e, client)
        } catch { throw CLIError.failure("\(client.url) did not serve a zkpay genesis file: \(error)") }
    }

    static func clientFailure(_ error: ValidatorClientError, _ client: ValidatorClient) -> CLIError {
        if case let .unreachable(_, reason) = error {
            return CLIError.failure(WalletOperationError.validatorDown(url: client.url.description, reason: reason).description,
                                    code: "validator_unreachable")
        }
        return CLIError.failure("\(error)", code: errorCode(error))
    }
}
