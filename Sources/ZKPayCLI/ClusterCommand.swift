import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayCore

/// `zkpay cluster init --dir DIR --validators N --issuer ADDRESS|WALLET [--min-fee-units UNITS]`:
/// one data directory per validator (DIR/v1 … DIR/vN), each with its own Ed25519 key (mode
/// 0600), sharing one genesis that names every validator's key: a receipt is certified once
/// a quorum of them signed its batch. Run each with `zkpay validator run --cluster`.
enum ClusterCommand {
    static let usage = "zkpay cluster init --dir DIR --validators N --issuer ADDRESS|WALLET [--min-fee-units UNITS] [--currency CODE] [--decimals N] [--auditor zkpaud1…]..."

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard arguments.first == "init" else { throw CLIError.usage("expected a subcommand: init") }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--dir", "--validators", "--issuer", "--min-fee-units", "--currency",
                                                                                 "--decimals"],
                                       repeatable: ["--auditor"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        guard let dir = args.options["--dir"] else { throw CLIError.usage("--dir DIR is required") }
        guard let countText = args.options["--validators"], let count = Int(countText), (1...16).contains(count) else {
            throw CLIError.usage("--validators needs a number of validators from 1 to 16 (3 tolerate one crash)")
        }
        guard let issuerText = args.options["--issuer"] else { throw CLIError.usage("--issuer ADDRESS|WALLET is required") }
        var minimumFee: UInt64 = 1
        if let fee = args.options["--min-fee-units"] {
            guard let f = UInt64(fee) else { throw CLIError.usage("--min-fee-units needs a whole number of units") }
            minimumFee = f
        }
        let issuer = try ValidatorCommand.issuerAddress(issuerText)
        let currency = try ValidatorCommand.currencyOption(args.options["--currency"])
        let auditors = try ValidatorCommand.auditorOptions(args.repeated["--auditor"] ?? [])
        let decimals = try ValidatorCommand.decimalsOption(args.options["--decimals"])
        let runtime = try RuntimeOptions.fromEnvironment()
        let fm = FileManager.default
        let directories = (1...count).map { "\(dir)/v\($0)" }
        if let existing = directories.first(where: { fm.fileExists(atPath: $0) }) {
            throw CLIError.failure("\(existing) already exists; choose another --dir")
        }
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw CLIError.failure("cannot create \(dir): \(error)")
        }
        let seeds = directories.map { _ in SecretBytes(randomCount: 32) }
        let genesis: Genesis
        do {
            let validators = try zip(1...count, seeds).map { n, seed in
                try GenesisValidator(name: "v\(n)", publicKey: try ReceiptKey(seed: seed).publicKey)
            }
            genesis = try Genesis(issuer: issuer, minimumFee: minimumFee, currency: currency, decimals: decimals,
                                  validators: validators, auditors: auditors)
        } catch { throw CLIError.failure("cannot make the genesis: \(error)") }
        for (path, seed) in zip(directories, seeds) {
            let storage: POSIXStorage
            do { storage = try runtime.openStorage(path, create: true) } catch {
                throw CLIError.failure("cannot create data directory \(path): \(error)")
            }
            let lock = try lockDataDirectory(path)
            defer { withExtendedLifetime(lock) {} }
            do { try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: seed) } catch {
                throw CLIError.failure("\(error)")
            }
            do { _ = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend) } catch {
                throw CLIError.failure("\(error)")
            }
        }
        console.print("initialized a cluster of \(count) validators: \(directories.joined(separator: " "))")
        console.print("issuer:             \(issuer.encoded)")
        console.print("minimum fee:        \(AmountFormat(genesis: genesis).format(minimumFee)) (\(minimumFee) units)")
        console.print("quorum:             \(genesis.quorum) of \(count) signatures per receipt")
        for v in genesis.validators {
            console.print("validator \(v.name):".padding(toLength: 20, withPad: " ", startingAt: 0)
                + "key fingerprint \(ReceiptKeyFingerprint(publicKey: v.publicKey))")
        }
        for a in genesis.auditors { console.print("auditor:            \(a.encoded)") }
        console.print("chain id:           \(genesis.chainID.hex)")
        console.print("next: zkpay validator run --data \(directories[0]) --cluster http://127.0.0.1:2379 --listen 127.0.0.1:7878")
        return ExitCode.success
    }
}
