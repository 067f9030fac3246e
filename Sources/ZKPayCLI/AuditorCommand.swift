import Foundation
import Ristretto255
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

/// `zkpay auditor create NAME` and `zkpay auditor scan --auditor NAME [--validator URL]
/// [--json|--csv] [--evidence DIR]`.
///
/// `create` makes an auditor key in the wallet home (a passphrase-sealed seed, like a
/// wallet's) and prints its `zkpaud1…` key, which operators pass to `validator init
/// --auditor` or `cluster init --auditor`. `scan` downloads the ledger's genesis and log
/// (`GET /v1/genesis`, `GET /v1/log`, paged as `zkpay audit` pages it) and lists every
/// settled transfer and mint: time, sender, recipients, amounts, fee and flags. An output
/// whose ciphertext lies about its amount (or does not open) flags its transfer: the
/// sender is named and the signed transfer is written to the evidence directory; the
/// committed amount is then recovered by baby-step giant-step when below 2^40.
enum AuditorCommand {
    static let usage = "zkpay auditor create NAME | scan --auditor NAME [--validator URL] [--json|--csv] [--evidence DIR]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard let sub = arguments.first else { throw CLIError.usage("expected a subcommand: create or scan") }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "create": return try create(rest, console)
        case "scan": return try scan(rest, console)
        default: throw CLIError.usage("unknown subcommand '\(sub)'; expected create or scan")
        }
    }

    static func create(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console, positionals: 1...1,
                                    positionalHint: "name the auditor key: zkpay auditor create NAME")
        let name = ctx.arguments.positionals[0]
        do { try WalletHome.validateName(name) } catch { throw CLIError.usage("\(error)") }
        let home = try ctx.home()
        guard !FileManager.default.fileExists(atPath: home.auditorKeystorePath(name)) else {
            throw CLIError.failure("an auditor key named '\(name)' already exists in \(home.path)")
        }
        let parameters = try WalletCommand.kdfParameters(ctx)
        let passphrase = try Passphrase.obtain(prompt: "new passphrase for auditor key '\(name)': ", confirm: true,
                                               environment: ctx.environment)
        let seed = SecretBytes(randomCount: AuditorSecret.seedLength)
        console.progress("encrypting the auditor key's seed (Argon2id)…")
        let key: AuditorKey
        do { key = try home.createAuditor(name: name, seed: seed, passphrase: passphrase, parameters: parameters) } catch {
            throw CLIError.failure("\(error)", code: errorCode(error))
        }
        if ctx.json {
            var o = JSONObjectText()
            o.string("name", name)
            o.string("auditor", key.encoded)
            o.string("keystore", home.auditorKeystorePath(name))
            console.print(o.text)
        } else {
            console.print("created auditor key \(name) in \(home.auditorKeystorePath(name))")
            console.print("auditor: \(key.encoded)")
            console.print("name it in a new ledger with `zkpay validator init ... --auditor \(key.encoded)`")
        }
        return ExitCode.success
    }

    /// One row of the scan: a settled transfer or mint as the auditor reads it.
    struct Row {
        let sequence: UInt64
        let time: UInt64
        let kind: String
        let id: String
        let sender: String
        let outputs: [(recipient: String, amount: UInt64?, flag: AuditFlag?)]
        let fee: UInt64
        var flagged: Bool { outputs.contains { $0.flag != nil } }
    }

    static func scan(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--auditor", "--evidence"], flags: ["--csv"], console: console)
        let name = try ctx.required("--auditor", "NAME")
        guard !(ctx.json && ctx.arguments.flags.contains("--csv")) else { throw CLIError.usage("give at most one of --json and --csv") }
        let home = try ctx.home()
        let passphrase = try Passphrase.obtain(prompt: "passphrase for auditor key '\(name)': ", confirm: false,
                                               environment: ctx.environment)
        console.progress("unlocking auditor key '\(name)' (Argon2id)…")
        let secret: AuditorSecret
        do { secret = try home.unlockAuditor(name, passphrase: passphrase) } catch {
            throw CLIError.failure("\(error)", code: errorCode(error))
        }
        let runtime = try RuntimeOptions.fromEnvironment()
        let client = ValidatorClient(url: try parseValidatorURL(try ctx.reachableValidatorURL()))
        defer { client.close() }
        let genesis = try AuditCommand.servedGenesis(client)
        let progress = Progress(console: console, json: ctx.json || ctx.arguments.flags.contains("--csv"))
        progress.tick("building the amount-recovery table", 0, 1)
        let table = DiscreteLogTable(backend: runtime.backend)
        // The auditors change by authority statements (§7.12): the scan follows them as the
        // log settles them, reading each transfer with this auditor's place in the authority
        // of its sequence (none where this auditor was not in office).
        let served: AuthorityChain
        do { served = try client.authorities(genesis: genesis) } catch { throw AuditCommand.clientFailure(error, client) }
        guard served.authorities.contains(where: { $0.auditors.contains(secret.publicKey) }) else {
            throw CLIError.failure("the ledger at \(client.url) (chain id \(genesis.chainID.hex)) does not name auditor "
                + "\(secret.publicKey.encoded); its genesis and \(served.statements.count) authority statements name "
                + "\(served.current.auditors.count) auditor keys now", code: "not_an_auditor")
        }
        var chain = AuthorityChain(genesis: genesis)
        var scanners: [UInt32: AuditorScanner?] = [:]
        func scanner(at sequence: UInt64) -> AuditorScanner? {
            let office = chain.authority(at: sequence)
            if let known = scanners[office.number] { return known }
            let made = AuditorScanner(secret: secret, auditors: office.auditors, table: table)
            scanners[office.number] = made
            return made
        }
        func notInOffice(_ outputs: [Output]) -> [(String, UInt64?, AuditFlag?)] {
            outputs.map { (party($0.owner), nil, nil) }
        }
        // Parties by name where the home knows them: its wallets, then its contacts (a
        // contact's name wins, as everywhere else in the CLI); anyone else by spend key.
        var names: [[UInt8]: String] = [:]
        for n in (try? home.walletNames()) ?? [] {
            if let header = try? home.keystoreHeader(n) { names[header.address.spendKey.encoding] = n }
        }
        for (n, a) in ((try? home.contacts()) ?? [:]).sorted(by: { $0.key > $1.key }) { names[a.spendKey.encoding] = n }
        func party(_ p: RistrettoPoint) -> String { names[p.encoding] ?? ProtocolHex.encode(p.encoding) }
        var rows: [Row] = []
        var evidence: [(Transfer, AuditedTransfer)] = []
        let started = ContinuousClock.now
        var transfers = 0
        try AuditCommand.readLog(client, progress: progress, label: "scanning the log") { entry in
            let (receipt, length): (Receipt, Int)
            do { (receipt, length) = try Receipt.decodePrefix(of: entry.payload) } catch {
                throw CLIError.failure("log record \(entry.sequence) is damaged: \(error)")
            }
            let body = entry.payload[length...]
            do {
                switch receipt.kind {
                case .transfer:
                    let t = try Transfer(bytes: body, backend: runtime.backend)
                    transfers += 1
                    guard let scanner = scanner(at: receipt.sequence) else {
                        rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "transfer", id: t.id.hex,
                                        sender: party(t.sender), outputs: notInOffice(t.outputs), fee: t.fee))
                        return
                    }
                    let seen = scanner.scan(t, backend: runtime.backend)
                    rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "transfer", id: t.id.hex,
                                    sender: party(t.sender),
                                    outputs: seen.outputs.map { (party($0.owner), $0.amount, $0.flag) }, fee: t.fee))
                    if seen.isFlagged { evidence.append((t, seen)) }
                case .redemption:
                    // The burn's transfer carries the same auditor section; its burned output
                    // leaves the ledger to the bank reference, with the amount the holder opened.
                    let r = try Redemption(bytes: body, backend: runtime.backend)
                    transfers += 1
                    guard let scanner = scanner(at: receipt.sequence) else {
                        rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "redemption", id: r.id.hex,
                                        sender: party(r.holder), outputs: notInOffice(r.transfer.outputs), fee: r.transfer.fee))
                        return
                    }
                    let seen = scanner.scan(r.transfer, backend: runtime.backend)
                    rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "redemption", id: r.id.hex,
                                    sender: party(r.holder),
                                    outputs: seen.outputs.enumerated().map { j, o in
                                        (j == r.burnedIndex ? "bank \"\(r.reference)\"" : party(o.owner), o.amount, o.flag)
                                    }, fee: r.transfer.fee))
                    if seen.isFlagged { evidence.append((r.transfer, seen)) }
                case .mint:
                    let m = try Mint(bytes: body)
                    rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "mint", id: m.id.hex, sender: "issuer",
                                    outputs: m.outputs.map { (party($0.owner), $0.amount, nil) }, fee: 0))
                case .authority:
                    let statement = try AuthorityStatement(bytes: Array(body))
                    do { try chain.append(statement) } catch {
                        throw CLIError.failure("log record \(entry.sequence) holds authority statement \(statement.number), "
                            + "which does not continue the ledger's chain: \(error)")
                    }
                    rows.append(Row(sequence: receipt.sequence, time: receipt.time, kind: "authority",
                                    id: ProtocolHex.encode(statement.id), sender: "validators",
                                    outputs: statement.auditors.map { ("auditor \($0.encoded) from \(statement.effective)", nil, nil) },
                                    fee: 0))
                }
            } catch let e as CLIError { throw e } catch {
                throw CLIError.failure("log record \(entry.sequence) does not decode: \(error)")
            }
        }
        let elapsed = max(seconds(ContinuousClock.now - started), 1e-9)
        progress.finish("scanned \(rows.count) records")
        let directory = ctx.arguments.options["--evidence"] ?? "zkpay-evidence"
        if !evidence.isEmpty { try writeEvidence(evidence, to: directory, party: party) }
        let flagged = rows.filter(\.flagged).count
        if ctx.json {
            console.print(json(rows, auditor: secret.publicKey, genesis: genesis, flagged: flagged, transfers: transfers,
                               seconds: elapsed, evidence: evidence.isEmpty ? nil : directory))
        } else if ctx.arguments.flags.contains("--csv") {
            console.print("sequence,time,kind,id,sender,output,recipient,amount,fee,flag")
            for r in rows {
                for (j, o) in r.outputs.enumerated() {
                    console.print("\(r.sequence),\(iso(r.time)),\(r.kind),\(r.id),\(r.sender),\(j),\(csvCell(o.recipient)),"
                        + "\(o.amount.map(String.init) ?? ""),\(r.fee),\(o.flag.map { csvField($0.description) } ?? "")")
                }
            }
        } else {
            let amounts = AmountFormat(genesis: genesis)
            for r in rows {
                let outs = r.outputs.map { o in
                    "\(o.recipient) \(o.amount.map { amounts.format($0) } ?? "?")" + (o.flag.map { " [FLAG: \($0)]" } ?? "")
                }.joined(separator: "; ")
                console.print("\(r.sequence)  \(iso(r.time))  \(r.kind)  \(r.sender) -> \(outs)  fee \(amounts.format(r.fee))"
                    + (r.flagged ? "  FLAGGED (sender \(r.sender), transfer \(r.id))" : ""))
            }
            console.print("\(rows.count) records, \(transfers) transfers, \(flagged) flagged, "
                + "\(String(format: "%.0f", Double(transfers) / elapsed)) transfers/s"
                + (evidence.isEmpty ? "" : "; evidence in \(directory)"))
        }
        return flagged == 0 ? ExitCode.success : ExitCode.failure
    }

    /// Writes each flagged transfer's signed bytes (`ID.transfer`) and what the auditor found (`ID.json`).
    static func writeEvidence(_ items: [(Transfer, AuditedTransfer)], to directory: String,
                              party: (RistrettoPoint) -> String) throws {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw CLIError.failure("cannot create the evidence directory \(directory): \(error)")
        }
        for (t, seen) in items {
            var o = JSONObjectText()
            o.string("transfer_id", t.id.hex)
            o.string("sender", ProtocolHex.encode(t.sender.encoding))
            o.string("sender_name", party(t.sender))
            o.raw("outputs", "[" + seen.outputs.enumerated().filter { $0.element.flag != nil }.map { j, out in
                var e = JSONObjectText()
                e.number("output", UInt64(j))
                e.string("recipient", ProtocolHex.encode(out.owner.encoding))
                e.string("flag", out.flag.map(\.description) ?? "")
                if case let .amountMismatch(claimed)? = out.flag { e.string("claimed", String(claimed)) }
                if let a = out.amount { e.string("committed", String(a)) }
                return e.text
            }.joined(separator: ",") + "]")
            o.string("transfer", ProtocolHex.encode(t.bytes))
            let base = (directory as NSString).appendingPathComponent(t.id.hex)
            guard FileManager.default.createFile(atPath: base + ".transfer", contents: Data(t.bytes)),
                  FileManager.default.createFile(atPath: base + ".json", contents: Data((o.text + "\n").utf8))
            else { throw CLIError.failure("cannot write evidence into \(directory)") }
        }
    }

    static func json(_ rows: [Row], auditor: AuditorKey, genesis: Genesis, flagged: Int, transfers: Int, seconds: Double,
                     evidence: String?) -> String {
        var o = JSONObjectText()
        o.string("auditor", auditor.encoded)
        o.string("chain_id", genesis.chainID.hex)
        o.number("records", UInt64(rows.count))
        o.number("transfers", UInt64(transfers))
        o.number("flagged", UInt64(flagged))
        o.raw("transfers_per_second", String(format: "%.1f", Double(transfers) / seconds))
        if let evidence { o.string("evidence", evidence) }
        o.raw("items", "[" + rows.map { r in
            var e = JSONObjectText()
            e.number("sequence", r.sequence)
            e.string("time", iso(r.time))
            e.string("kind", r.kind)
            e.string("id", r.id)
            e.string("sender", r.sender)
            e.string("fee", String(r.fee))
            e.bool("flagged", r.flagged)
            e.raw("outputs", "[" + r.outputs.map { out in
                var x = JSONObjectText()
                x.string("recipient", out.recipient)
                if let a = out.amount { x.string("amount", String(a)) } else { x.raw("amount", "null") }
                if let f = out.flag { x.string("flag", f.description) }
                return x.text
            }.joined(separator: ",") + "]")
            return e.text
        }.joined(separator: ",") + "]")
        return o.text
    }

    static func iso(_ ms: UInt64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func csvField(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    /// A CSV cell: as is, or quoted when it holds a comma, a quote or a line break (a bank
    /// reference may).
    static func csvCell(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? csvField(s) : s
    }
}
