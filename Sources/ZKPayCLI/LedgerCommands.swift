import Foundation
import Ledger
import Sodium
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

/// `zkpay audit --data DIR [--json]`.
enum AuditCommand {
    static let usage = "zkpay audit --data DIR [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--data"], flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let data = args.options["--data"] else { throw CLIError.usage("--data DIR is required") }
        let ledger: Ledger
        do { ledger = try Ledger(storage: try openDataStorage(data)) } catch let e as CLIError { throw e } catch {
            throw CLIError.failure("\(error)")
        }
        let a = ledger.auditVartime()
        let chain = ProtocolHex.encode(ledger.state.chainHash)
        if args.flags.contains("--json") {
            console.print("{\"ok\": \(a.ok), \"notes\": \(a.notes), \"supply\": \(a.supply), \"minted\": \(a.minted), "
                + "\"fees\": \(a.fees), \"transfers\": \(a.transfers), \"sequence\": \(ledger.state.sequence), "
                + "\"chain_hash\": \"\(chain)\"}")
        } else {
            console.print("audit:     \(a.ok ? "ok" : "FAILED (the supply equation does not hold)")")
            console.print("notes:     \(a.notes)")
            console.print("supply:    \(a.supply) (minted \(a.minted), fees \(a.fees))")
            console.print("transfers: \(a.transfers)")
            console.print("sequence:  \(ledger.state.sequence)")
            console.print("chain:     \(chain)")
        }
        if !a.ok { console.printError("error: the audit failed: Σ unspent commitments do not match the supply") }
        return a.ok ? ExitCode.success : ExitCode.failure
    }
}

/// `zkpay receipt verify FILE --ledger-key HEX|--data DIR`.
enum ReceiptCommand {
    static let usage = "zkpay receipt verify FILE --ledger-key HEX|--data DIR"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard arguments.first == "verify" else { throw CLIError.usage("expected a subcommand: verify") }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--ledger-key", "--data"])
        guard args.positionals.count == 1 else { throw CLIError.usage("expected one receipt FILE") }
        let key: [UInt8]
        switch (args.options["--ledger-key"], args.options["--data"]) {
        case let (hex?, nil):
            guard let k = ProtocolHex.decode(hex.lowercased()), k.count == 32 else {
                throw CLIError.usage("--ledger-key needs 64 hex digits (the ledger's receipt public key)")
            }
            key = k
        case let (nil, dir?):
            do { key = try Ledger.readGenesis(storage: try openDataStorage(dir)).receiptPublicKey } catch let e as CLIError {
                throw e
            } catch { throw CLIError.failure("\(error)") }
        default: throw CLIError.usage("give exactly one of --ledger-key HEX and --data DIR")
        }
        let path = args.positionals[0]
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw CLIError.failure("cannot read \(path)")
        }
        // The binary encoding, or its hex spelling (whitespace ignored).
        var bytes = [UInt8](contents)
        if bytes.count != Receipt.encodedLength {
            let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }.lowercased()
            guard let decoded = ProtocolHex.decode(text) else {
                throw CLIError.failure("\(path) is neither a \(Receipt.encodedLength)-byte receipt nor its hex")
            }
            bytes = decoded
        }
        let receipt: Receipt
        do { receipt = try Receipt(bytes: bytes) } catch { throw CLIError.failure("\(path): \(error)") }
        guard receipt.verify(publicKey: key) else {
            console.printError("error: the receipt signature does not verify under \(ProtocolHex.encode(key))")
            return ExitCode.failure
        }
        let kind = receipt.kind == .transfer ? "transfer" : "mint"
        console.print("ok: receipt \(receipt.sequence) for \(kind) \(ProtocolHex.encode(receipt.id)) "
            + "at \(receipt.time) ms, chain hash \(ProtocolHex.encode(receipt.chainHash))")
        return ExitCode.success
    }
}
