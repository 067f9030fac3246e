import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

/// Option parsing shared by the ledger commands: `--name VALUE` pairs and positionals.
package struct LedgerArguments {
    package var options: [String: String] = [:]
    package var flags: Set<String> = []
    package var positionals: [String] = []
    /// The values of options that may be given more than once, in order.
    package var repeated: [String: [String]] = [:]

    package init(_ arguments: [String], valued: Set<String>, flags allowed: Set<String> = [],
                 repeatable: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if repeatable.contains(a) {
                guard i + 1 < arguments.count else { throw CLIError.usage("\(a) needs a value") }
                repeated[a, default: []].append(arguments[i + 1])
                i += 2
            } else if valued.contains(a) {
                guard i + 1 < arguments.count else { throw CLIError.usage("\(a) needs a value") }
                options[a] = arguments[i + 1]
                i += 2
            } else if allowed.contains(a) {
                flags.insert(a)
                i += 1
            } else if a.hasPrefix("--") {
                throw CLIError.usage("unknown option \(a)")
            } else {
                positionals.append(a)
                i += 1
            }
        }
    }
}

/// Claims a data directory for this process (see `DataDirectoryLock`); every command that
/// writes one holds the returned value until it is done.
func lockDataDirectory(_ path: String) throws -> DataDirectoryLock {
    do { return try DataDirectoryLock(directory: path) } catch { throw CLIError.failure("\(error)") }
}

/// Creates (or opens) the data directory `path` with the I/O options of `runtime` and claims
/// it for this process: the storage and the lock to hold until the command is done.
func createDataDirectory(_ path: String, _ runtime: RuntimeOptions) throws -> (POSIXStorage, DataDirectoryLock) {
    let storage: POSIXStorage
    do { storage = try runtime.openStorage(path, create: true) } catch {
        throw CLIError.failure("cannot create data directory \(path): \(error)")
    }
    return (storage, try lockDataDirectory(path))
}

/// Opens a data directory's storage (without creating it) with the I/O options of `runtime`.
func openDataStorage(_ path: String, _ runtime: RuntimeOptions) throws -> POSIXStorage {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError.failure("data directory \(path) does not exist; create it with `zkpay validator init`")
    }
    do { return try runtime.openStorage(path, create: false) } catch {
        throw CLIError.failure("cannot open data directory \(path): \(error)")
    }
}

/// `zkpay validator init --data DIR --issuer ADDRESS|WALLET [--min-fee-units UNITS]` and
/// `zkpay validator run ...` (ValidatorRunCommand.swift).
enum ValidatorCommand {
    static let usage = "zkpay validator init --data DIR --issuer ADDRESS|WALLET [--min-fee-units UNITS] [--currency CODE] [--decimals N] [--auditor zkpaud1…]...\n       "
        + "zkpay validator join --data DIR --genesis FILE\n       "
        + ValidatorRunCommand.usage

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        if arguments.first == "run" { return try ValidatorRunCommand.run(Array(arguments.dropFirst()), console) }
        if arguments.first == "join" { return try join(Array(arguments.dropFirst()), console) }
        guard arguments.first == "init" else {
            throw CLIError.usage("expected a subcommand: init, join or run")
        }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--data", "--issuer", "--min-fee-units", "--min-fee", "--currency",
                                                                            "--decimals"],
                                       repeatable: ["--auditor"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let data = args.options["--data"] else { throw CLIError.usage("--data DIR is required") }
        guard let issuerText = args.options["--issuer"] else { throw CLIError.usage("--issuer ADDRESS|WALLET is required") }
        if args.options["--min-fee"] != nil {
            throw CLIError.usage("--min-fee was renamed --min-fee-units: the minimum fee in units (1 coin = 1,000,000 units)")
        }
        var minimumFee: UInt64 = 1
        if let fee = args.options["--min-fee-units"] {
            guard let f = UInt64(fee) else { throw CLIError.usage("--min-fee-units needs a whole number of units") }
            minimumFee = f
        }
        let issuer = try issuerAddress(issuerText)
        let currency = try currencyOption(args.options["--currency"])
        let auditors = try auditorOptions(args.repeated["--auditor"] ?? [])
        let decimals = try decimalsOption(args.options["--decimals"])
        let runtime = try RuntimeOptions.fromEnvironment()
        let (storage, lock) = try createDataDirectory(data, runtime)
        defer { withExtendedLifetime(lock) {} }
        let genesis: Genesis
        do {
            genesis = try Ledger.initialize(storage: storage, issuer: issuer, minimumFee: minimumFee, currency: currency,
                                            decimals: decimals, auditors: auditors)
        } catch {
            throw CLIError.failure("\(error)")
        }
        // Creates the empty log so that the directory is a complete ledger.
        do { _ = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend) } catch {
            throw CLIError.failure("\(error)")
        }
        console.print("initialized ledger in \(data)")
        console.print("issuer:             \(issuer.encoded)")
        console.print("minimum fee:        \(AmountFormat(genesis: genesis).format(minimumFee)) (\(minimumFee) units)")
        console.print("currency:           \(genesis.currency), \(genesis.decimals) decimals")
        if let v = genesis.validators.first {
            console.print("validator key:      \(ProtocolHex.encode(v.publicKey)) (\(v.name))")
        }
        for a in genesis.auditors { console.print("auditor:            \(a.encoded)") }
        console.print("chain id:           \(genesis.chainID.hex)")
        console.print("wallets pin this ledger with `zkpay pin --validator URL --chain-id CHAIN_ID` "
            + "(or --genesis \(data)/\(Genesis.fileName))")
        return ExitCode.success
    }

    /// `join`: the data directory of a validator that joins a running cluster: the cluster's
    /// genesis and a new key that no authority names yet. Run in the cluster, it follows the
    /// log without signing; the validators in office add its key by a statement
    /// (`zkpay authority draft --add-validator NAME:KEY`), and it signs from that statement's
    /// effective sequence (docs/PROTOCOL.md §7.12).
    static func join(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--data", "--genesis"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let data = args.options["--data"] else { throw CLIError.usage("--data DIR is required") }
        guard let path = args.options["--genesis"] else {
            throw CLIError.usage("--genesis FILE is required: the cluster's genesis (the file `\(Genesis.fileName)` of a member's data directory)")
        }
        let genesis: Genesis
        do {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            genesis = try Genesis(bytes: bytes)
        } catch { throw CLIError.failure("cannot read the genesis \(path): \(error)") }
        let runtime = try RuntimeOptions.fromEnvironment()
        let (storage, lock) = try createDataDirectory(data, runtime)
        defer { withExtendedLifetime(lock) {} }
        let key: [UInt8]
        do {
            try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: SecretBytes(randomCount: 32), joining: true)
            key = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend).receiptPublicKey
        } catch { throw CLIError.failure("\(error)") }
        let name = URL(fileURLWithPath: data).lastPathComponent
        console.print("initialized joining validator in \(data) (chain id \(genesis.chainID.hex))")
        console.print("validator key:      \(ProtocolHex.encode(key))")
        console.print("next: run it in the cluster (zkpay validator run --data \(data) --cluster ETCD_URL,...); it follows the log "
            + "and signs once a statement adds it:")
        console.print("      zkpay authority draft --effective SEQ --add-validator \(name):\(ProtocolHex.encode(key)) --auditor ... --out FILE")
        return ExitCode.success
    }

    /// `--auditor zkpaud1…` (repeatable): the genesis's auditor keys, in the order given.
    static func auditorOptions(_ texts: [String]) throws -> [AuditorKey] {
        guard texts.count <= Auditing.maxAuditors else {
            throw CLIError.usage("--auditor given \(texts.count) times; a ledger has at most \(Auditing.maxAuditors) auditors")
        }
        var keys: [AuditorKey] = []
        for t in texts {
            do { keys.append(try AuditorKey(parsing: t)) } catch {
                throw CLIError.usage("--auditor: \(error) (make one with `zkpay auditor create NAME`)")
            }
        }
        guard Set(keys).count == keys.count else { throw CLIError.usage("--auditor: the same key is given twice") }
        return keys
    }

    /// `--decimals N`: decimal places of a coin, 0 to 18 (default 6); wallets parse and
    /// show amounts with them, and statements carry them.
    static func decimalsOption(_ text: String?) throws -> UInt8 {
        guard let text else { return Genesis.defaultDecimals }
        guard let d = UInt8(text), d <= 18 else {
            throw CLIError.usage("--decimals needs a whole number from 0 to 18 (2 for most currencies)")
        }
        return d
    }

    /// `--currency CODE`: three letters A-Z (default XXX, ISO 4217 "no currency").
    static func currencyOption(_ text: String?) throws -> String {
        guard let text else { return Genesis.noCurrency }
        let code = text.uppercased()
        guard Genesis.isValidCurrency(code) else {
            throw CLIError.usage("--currency needs a three-letter code such as EUR or USD (ISO 4217)")
        }
        return code
    }

    /// `--issuer`: an address, or the name of a wallet in the wallet home (its keystore
    /// header holds the address; no passphrase needed).
    static func issuerAddress(_ text: String) throws -> Address {
        if !text.lowercased().hasPrefix("zkp1"), (try? WalletHome.validateName(text)) != nil {
            let homePath = WalletHome.defaultPath(environment: ProcessInfo.processInfo.environment)
            if FileManager.default.fileExists(atPath: homePath + "/wallets/" + text + ".wallet") {
                return try wrap { try WalletHome(path: homePath).keystoreHeader(text).address }
            }
            throw CLIError.usage("--issuer: '\(text)' is neither a zkpay address (zkp1…) nor a wallet in \(homePath)")
        }
        do { return try Address(parsing: text) } catch {
            throw CLIError.usage("--issuer is not a zkpay address: \(error)")
        }
    }
}

/// `zkpay receipt verify FILE [--genesis FILE|--data DIR|--validator URL]`: checks a
/// receipt's certificate offline against a ledger's validator set. FILE holds the receipt
/// JSON object of the HTTP API (or an object with a `receipt` member, such as `zkpay send
/// --json` output), the canonical bytes, or their hex. Without `--genesis` or `--data` the
/// genesis is the one the wallet home pinned for the validator (`--validator`, else
/// $ZKPAY_VALIDATOR, else http://127.0.0.1:7878).
///
/// `zkpay receipt get ID [--out FILE]`: the receipt of a payment (ReceiptGet.swift).
enum ReceiptCommand {
    static let usage = "zkpay receipt verify FILE [--genesis FILE | --data DIR | --validator URL] [--json]\n"
        + "       zkpay receipt get ID [--out FILE] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        if arguments.first == "get" { return try ReceiptGet.run(Array(arguments.dropFirst()), console) }
        guard arguments.first == "verify" else { throw CLIError.usage("expected a subcommand: verify or get") }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--genesis", "--data", "--validator"],
                                       flags: ["--json"])
        guard args.positionals.count == 1 else { throw CLIError.usage("expected one receipt FILE") }
        let given = ["--genesis", "--data", "--validator"].filter { args.options[$0] != nil }
        guard given.count <= 1 else { throw CLIError.usage("give at most one of --genesis, --data and --validator") }
        let genesis: Genesis
        let source: String
        var validatorURL: String?
        if let file = args.options["--genesis"] {
            genesis = try AuditCommand.readGenesisFile(file)
            source = file
        } else if let dir = args.options["--data"] {
            do { genesis = try Ledger.readGenesis(storage: try openDataStorage(dir, try RuntimeOptions.fromEnvironment())) } catch let e as CLIError {
                throw e
            } catch { throw CLIError.failure("\(error)") }
            source = "the genesis of \(dir)"
        } else {
            (genesis, source, validatorURL) = try pinnedGenesis(args.options["--validator"])
        }
        let path = args.positionals[0]
        let receipt = try decode(try readFile(path), path: path)
        // The validators in office at the receipt's batch: the genesis's, unless authority
        // statements changed them (§7.12), which only the validator can tell (checked from
        // the pinned genesis); a genesis file or data directory alone gives the genesis's.
        var chain = AuthorityChain(genesis: genesis)
        if let validatorURL {
            do {
                let client = ValidatorClient(url: try parseValidatorURL(validatorURL), timeout: 10)
                defer { client.close() }
                chain = try client.authorities(genesis: genesis)
            } catch {
                console.printError("note: the authority statements could not be read from \(validatorURL) (\(error)); "
                    + "checking against the genesis's validators")
            }
        }
        let office = chain.authority(at: receipt.batchFirst)
        if let error = receipt.certificateError(authorities: chain) {
            let hint = chain.statements.isEmpty
                ? " If the ledger's validators were changed by an authority statement, check it with --validator URL."
                : ""
            throw CLIError.failure("verification failed: \(error) (ledger \(genesis.chainID.hex), from \(source)); the "
                + "receipt was changed or is not from this ledger." + hint, code: "verification_failed")
        }
        let signers = receipt.signers.map { office.validators[$0.index].name }
        let kind = receipt.kind.name
        let batchLast = receipt.batchFirst + UInt64(receipt.batchSize) - 1
        let time = isoTime(milliseconds: receipt.time)
        if args.flags.contains("--json") {
            var o = JSONObjectText()
            o.bool("ok", true)
            o.number("version", UInt64(receipt.version))
            o.string("kind", kind)
            o.number("sequence", receipt.sequence)
            o.string("id", ProtocolHex.encode(receipt.id))
            o.number("time", receipt.time)
            o.string("time_iso", time)
            o.string("chain_hash", ProtocolHex.encode(receipt.chainHash))
            o.number("batch_first", receipt.batchFirst)
            o.number("batch_size", UInt64(receipt.batchSize))
            o.string("state_digest", ProtocolHex.encode(receipt.stateDigest))
            o.string("chain_id", genesis.chainID.hex)
            o.string("signers", signers.joined(separator: ","))
            o.number("quorum", UInt64(office.quorum))
            o.number("authority", UInt64(office.number))
            console.print(o.text)
        } else {
            console.print("ok: receipt \(receipt.sequence) for \(kind) \(ProtocolHex.encode(receipt.id))")
            console.print("settled at \(time), chain hash \(ProtocolHex.encode(receipt.chainHash))")
            console.print("in the batch of sequences \(receipt.batchFirst)...\(batchLast) (signatures over its "
                + "Merkle root and the ledger's state digest after it, \(ProtocolHex.encode(receipt.stateDigest)); "
                + "path of \(receipt.path.count))")
            console.print("certified by \(signers.joined(separator: ", ")) (quorum \(office.quorum) of "
                + "\(office.validators.count)\(office.number == 0 ? "" : ", authority \(office.number)")) of ledger "
                + "\(genesis.chainID.hex) (\(source))")
        }
        return ExitCode.success
    }

    /// The genesis of the ledger the wallet home pinned for the validator URL (or of the only
    /// one pinned).
    static func pinnedGenesis(_ option: String?) throws -> (Genesis, String, url: String) {
        let environment = ProcessInfo.processInfo.environment
        let text = option ?? environment["ZKPAY_VALIDATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? WalletContext.defaultValidator
        let url = try parseValidatorURL(text)
        let homePath = WalletHome.defaultPath(environment: environment)
        guard FileManager.default.fileExists(atPath: homePath) else {
            throw CLIError.usage("no wallet home at \(homePath), so no pinned ledger; give --genesis FILE or --data DIR")
        }
        let home: WalletHome
        do { home = try WalletHome(path: homePath) } catch { throw CLIError.failure("\(error)") }
        var pinned: (chain: ChainID, url: String)?
        if let chain = try wrap({ try home.pinnedChain(for: url.description) }) {
            pinned = (chain, url.description)
        } else if option == nil, let all = try? home.pinnedChains(), all.count == 1, let only = all.first,
                  let bytes = ProtocolHex.decode(only.value), bytes.count == 32 {
            pinned = (ChainID(uncheckedBytes: bytes), only.key)
        }
        guard let pinned else {
            throw CLIError.usage("no ledger is pinned for \(url.description) in \(home.path); "
                + "give --genesis FILE or --data DIR, or run a wallet command against the validator first")
        }
        guard let genesis = try wrap({ try home.genesis(chain: pinned.chain) }) else {
            throw CLIError.usage("the genesis of the ledger pinned for \(pinned.url) is not saved in \(home.path); "
                + "run a wallet command against the validator, or give --genesis FILE")
        }
        return (genesis, "pinned for \(pinned.url) in \(home.path)", pinned.url)
    }

    /// The receipt JSON object (or an object with a `receipt` member), the canonical bytes, or their hex.
    /// A JSON object whose members disagree with its `bytes` fails naming the first such member.
    /// Equal JSON values, object members in any order (a receipt saved by another JSON tool
    /// may reorder them).
    static func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { m in y.first { $0.key == m.key }.map { sameJSON(m.value, $0.value) } ?? false }
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
        default:
            return a == b
        }
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Receipt {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            var value: JSONValue
            do { value = try JSONValue.parse(Array(text.utf8)) } catch {
                throw CLIError.failure("\(path) is not a receipt JSON object: \(error)")
            }
            if case let .object(members) = value, !members.contains(where: { $0.key == "bytes" }),
               let inner = members.first(where: { $0.key == "receipt" }) {
                value = inner.value
            }
            if case let .object(members) = value, let b = members.first(where: { $0.key == "bytes" }),
               case let .string(hex) = b.value, let raw = ProtocolHex.decode(hex), let signed = try? Receipt(bytes: raw),
               case let .object(canonical) = signed.json {
                for field in canonical where field.key != "bytes" {
                    let given = members.first { $0.key == field.key }?.value
                    if !(given.map { Self.sameJSON($0, field.value) } ?? false) {
                        throw CLIError.failure("verification failed: \(field.key) differs from the signed bytes",
                                               code: "verification_failed")
                    }
                }
            }
            do { return try Receipt(json: value) } catch {
                throw CLIError.failure("\(path) is not a receipt JSON object: \(error)")
            }
        }
        var raw = bytes
        // A binary receipt starts with its type byte 0x52 ('R'); hex text starts with "52".
        if raw.first != Receipt.objectType {
            guard let decoded = ProtocolHex.decode(text.filter { !$0.isWhitespace }.lowercased()) else {
                throw CLIError.failure("\(path) is neither a receipt JSON object, a binary receipt nor its hex")
            }
            raw = decoded
        }
        do { return try Receipt(bytes: raw) } catch { throw CLIError.failure("\(path): \(error)") }
    }
}

/// Milliseconds since 1970 as ISO 8601 in UTC with milliseconds (2026-12-05T09:00:00.123Z).
func isoTime(milliseconds: UInt64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

/// The bytes of a file (at most 16 MiB); a failure names the operating system's reason.
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CLIError.failure("cannot read \(path): \(String(cString: strerror(errno)))", code: "io") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n < 0, errno == EINTR { continue }
        guard n >= 0 else { throw CLIError.failure("cannot read \(path): \(String(cString: strerror(errno)))", code: "io") }
        if n == 0 { return out }
        out += buffer[0..<n]
        guard out.count <= 16 << 20 else { throw CLIError.failure("cannot read \(path): larger than 16 MiB", code: "io") }
    }
}
