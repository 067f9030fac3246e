import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

/// Option parsing shared by the ledger commands: `--name VALUE` pairs and positionals.
struct LedgerArguments {
    var options: [String: String] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []

    init(_ arguments: [String], valued: Set<String>, flags allowed: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if valued.contains(a) {
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

/// Opens a data directory's storage (without creating it).
func openDataStorage(_ path: String) throws -> POSIXStorage {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError.failure("data directory \(path) does not exist; create it with `zkpay validator init`")
    }
    do { return try POSIXStorage(directory: path, create: false) } catch {
        throw CLIError.failure("cannot open data directory \(path): \(error)")
    }
}

/// `zkpay validator init --data DIR --issuer ADDRESS [--min-fee UNITS]` and
/// `zkpay validator run ...` (ValidatorRunCommand.swift).
enum ValidatorCommand {
    static let usage = "zkpay validator init --data DIR --issuer ADDRESS [--min-fee UNITS]\n       "
        + ValidatorRunCommand.usage

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        if arguments.first == "run" { return try ValidatorRunCommand.run(Array(arguments.dropFirst()), console) }
        guard arguments.first == "init" else {
            throw CLIError.usage("expected a subcommand: init or run")
        }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--data", "--issuer", "--min-fee"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let data = args.options["--data"] else { throw CLIError.usage("--data DIR is required") }
        guard let issuerText = args.options["--issuer"] else { throw CLIError.usage("--issuer ADDRESS is required") }
        var minimumFee: UInt64 = 1
        if let fee = args.options["--min-fee"] {
            guard let f = UInt64(fee) else { throw CLIError.usage("--min-fee needs a whole number of units") }
            minimumFee = f
        }
        let issuer: Address
        do { issuer = try Address(parsing: issuerText) } catch {
            throw CLIError.usage("--issuer is not a zkpay address: \(error)")
        }
        let storage: POSIXStorage
        do { storage = try POSIXStorage(directory: data, create: true) } catch {
            throw CLIError.failure("cannot create data directory \(data): \(error)")
        }
        let lock = try lockDataDirectory(data)
        defer { withExtendedLifetime(lock) {} }
        let genesis: Genesis
        do { genesis = try Ledger.initialize(storage: storage, issuer: issuer, minimumFee: minimumFee) } catch {
            throw CLIError.failure("\(error)")
        }
        // Creates the empty log so that the directory is a complete ledger.
        do { _ = try Ledger(storage: storage) } catch { throw CLIError.failure("\(error)") }
        console.print("initialized ledger in \(data)")
        console.print("issuer:             \(issuer.encoded)")
        console.print("minimum fee:        \(minimumFee)")
        console.print("receipt public key: \(ProtocolHex.encode(genesis.receiptPublicKey))")
        console.print("genesis checksum:   \(ProtocolHex.encode(genesis.checksum))")
        return ExitCode.success
    }
}

/// `zkpay audit --data DIR | --validator URL [--json]`: checks the supply equation on a
/// data directory here, or asks a running validator to check its own.
enum AuditCommand {
    static let usage = "zkpay audit --data DIR | --validator URL [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--data", "--validator"], flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        let a: (ok: Bool, notes: Int, supply: UInt64, minted: UInt64, fees: UInt64, transfers: Int)
        let sequence: UInt64
        let chain: String
        switch (args.options["--data"], args.options["--validator"]) {
        case let (data?, nil):
            let ledger: Ledger
            // Opening a ledger recovers it, which may cut a torn tail: a write.
            let storage = try openDataStorage(data)
            let lock = try lockDataDirectory(data)
            defer { withExtendedLifetime(lock) {} }
            do { ledger = try Ledger(storage: storage) } catch {
                throw CLIError.failure("\(error)")
            }
            let r = ledger.auditVartime()
            a = (r.ok, r.notes, r.supply, r.minted, r.fees, r.transfers)
            sequence = ledger.state.sequence
            chain = ProtocolHex.encode(ledger.state.chainHash)
        case let (nil, url?):
            let client: ValidatorClient
            do { client = try ValidatorClient(url) } catch {
                throw CLIError.usage("--validator: '\(url)' is not a validator URL; expected http://HOST:PORT")
            }
            let body: AuditBody
            do { body = try client.audit() } catch {
                if case .unreachable = error {
                    throw CLIError.failure(WalletOperationError.validatorDown(url: client.url.description).description)
                }
                throw CLIError.failure("\(error)")
            }
            a = (body.ok, body.notes, body.supply, body.minted, body.fees, body.transfers)
            sequence = body.sequence
            chain = ProtocolHex.encode(body.chainHash)
        default:
            throw CLIError.usage("give exactly one of --data DIR and --validator URL")
        }
        if args.flags.contains("--json") {
            console.print("{\"ok\": \(a.ok), \"notes\": \(a.notes), \"supply\": \(a.supply), \"minted\": \(a.minted), "
                + "\"fees\": \(a.fees), \"transfers\": \(a.transfers), \"sequence\": \(sequence), "
                + "\"chain_hash\": \"\(chain)\"}")
        } else {
            console.print("audit:     \(a.ok ? "ok" : "FAILED (the supply equation does not hold)")")
            console.print("notes:     \(a.notes)")
            console.print("supply:    \(a.supply) (minted \(a.minted), fees \(a.fees))")
            console.print("transfers: \(a.transfers)")
            console.print("sequence:  \(sequence)")
            console.print("chain:     \(chain)")
        }
        if !a.ok { console.printError("error: the audit failed: Σ unspent commitments do not match the supply") }
        return a.ok ? ExitCode.success : ExitCode.failure
    }
}

/// `zkpay receipt verify FILE [--ledger-key HEX|--data DIR|--validator URL]`: checks a
/// receipt offline. FILE holds the receipt JSON object of the HTTP API (or an object with
/// a `receipt` member, such as `zkpay send --json` output), the canonical bytes (version 2,
/// or the 147 bytes of version 1), or their hex. Without a key option the key is the one the wallet home pinned for the
/// validator (`--validator`, else $ZKPAY_VALIDATOR, else http://127.0.0.1:7878).
enum ReceiptCommand {
    static let usage = "zkpay receipt verify FILE [--ledger-key HEX | --data DIR | --validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard arguments.first == "verify" else { throw CLIError.usage("expected a subcommand: verify") }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--ledger-key", "--data", "--validator"],
                                       flags: ["--json"])
        guard args.positionals.count == 1 else { throw CLIError.usage("expected one receipt FILE") }
        let key: [UInt8]
        var keySource: String
        switch (args.options["--ledger-key"], args.options["--data"]) {
        case let (hex?, nil):
            guard args.options["--validator"] == nil else { throw CLIError.usage("give at most one of --ledger-key, --data and --validator") }
            guard let k = ProtocolHex.decode(hex.lowercased()), k.count == 32 else {
                throw CLIError.usage("--ledger-key needs 64 hex digits (the ledger's receipt public key)")
            }
            key = k
            keySource = "--ledger-key"
        case let (nil, dir?):
            guard args.options["--validator"] == nil else { throw CLIError.usage("give at most one of --ledger-key, --data and --validator") }
            do { key = try Ledger.readGenesis(storage: try openDataStorage(dir)).receiptPublicKey } catch let e as CLIError {
                throw e
            } catch { throw CLIError.failure("\(error)") }
            keySource = "the genesis of \(dir)"
        case (nil, nil):
            (key, keySource) = try pinnedKey(args.options["--validator"])
        default: throw CLIError.usage("give at most one of --ledger-key, --data and --validator")
        }
        let path = args.positionals[0]
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw CLIError.failure("cannot read \(path)")
        }
        let receipt = try decode([UInt8](contents), path: path)
        guard receipt.verify(publicKey: key) else {
            console.printError("error: the receipt signature does not verify under \(ProtocolHex.encode(key)) (\(keySource))")
            return ExitCode.failure
        }
        let kind = receipt.kind == .transfer ? "transfer" : "mint"
        let batchLast = receipt.batchFirst + UInt64(receipt.batchSize) - 1
        if args.flags.contains("--json") {
            console.print("{\"ok\": true, \"version\": \(receipt.version), \"kind\": \"\(kind)\", \"sequence\": \(receipt.sequence), "
                + "\"id\": \"\(ProtocolHex.encode(receipt.id))\", "
                + "\"time\": \(receipt.time), \"chain_hash\": \"\(ProtocolHex.encode(receipt.chainHash))\", "
                + "\"batch_first\": \(receipt.batchFirst), \"batch_size\": \(receipt.batchSize), "
                + "\"key\": \"\(ProtocolHex.encode(key))\"}")
        } else {
            console.print("ok: receipt \(receipt.sequence) for \(kind) \(ProtocolHex.encode(receipt.id)) "
                + "at \(receipt.time) ms, chain hash \(ProtocolHex.encode(receipt.chainHash))")
            if receipt.version >= 2 {
                console.print("in the batch of sequences \(receipt.batchFirst)...\(batchLast) (one signature over its "
                    + "Merkle root; path of \(receipt.path.count))")
            }
            console.print("signed by \(ProtocolHex.encode(key)) (\(keySource))")
        }
        return ExitCode.success
    }

    /// The key the wallet home pinned for the validator URL (or the only one pinned).
    static func pinnedKey(_ option: String?) throws -> ([UInt8], String) {
        let environment = ProcessInfo.processInfo.environment
        let text = option ?? environment["ZKPAY_VALIDATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? WalletContext.defaultValidator
        let url: ValidatorURL
        do { url = try ValidatorURL(parsing: text) } catch {
            throw CLIError.usage("--validator: '\(text)' is not a validator URL; expected http://HOST:PORT")
        }
        let homePath = WalletHome.defaultPath(environment: environment)
        guard FileManager.default.fileExists(atPath: homePath) else {
            throw CLIError.usage("no wallet home at \(homePath), so no pinned receipt key; give --ledger-key HEX or --data DIR")
        }
        let home: WalletHome
        do { home = try WalletHome(path: homePath) } catch { throw CLIError.failure("\(error)") }
        if let key = try wrap({ try home.pinnedKey(for: url.description) }) {
            return (key, "pinned for \(url.description) in \(home.path)")
        }
        let all = try wrap { try home.pinnedKeys() }
        if option == nil, all.count == 1, let only = all.first, let key = ProtocolHex.decode(only.value), key.count == 32 {
            return (key, "pinned for \(only.key) in \(home.path)")
        }
        throw CLIError.usage("no receipt key is pinned for \(url.description) in \(home.path); "
            + "give --ledger-key HEX or --data DIR, or run a wallet command against the validator first")
    }

    /// The receipt JSON object (or an object with a `receipt` member), the canonical bytes, or their hex.
    static func decode(_ bytes: [UInt8], path: String) throws -> Receipt {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            do {
                var value = try JSONValue.parse(Array(text.utf8))
                if case let .object(members) = value, !members.contains(where: { $0.key == "bytes" }),
                   let inner = members.first(where: { $0.key == "receipt" }) {
                    value = inner.value
                }
                return try Receipt(json: value)
            } catch { throw CLIError.failure("\(path) is not a receipt JSON object: \(error)") }
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
