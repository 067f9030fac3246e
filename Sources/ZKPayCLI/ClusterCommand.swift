import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayCore

/// `zkpay cluster init --dir DIR --validators N --issuer ADDRESS|WALLET [--min-fee-units UNITS]`:
/// one data directory per validator (DIR/v1 … DIR/vN) sharing one genesis. Every validator
/// of the cluster signs receipts with the ledger's one receipt key (written into each
/// directory, mode 0600), so receipts are byte-identical on every validator and any of them
/// verifies under the genesis key; run each with `zkpay validator run --cluster`.
enum ClusterCommand {
    static let usage = "zkpay cluster init --dir DIR --validators N --issuer ADDRESS|WALLET [--min-fee-units UNITS]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard arguments.first == "init" else { throw CLIError.usage("expected a subcommand: init") }
        let args = try LedgerArguments(Array(arguments.dropFirst()), valued: ["--dir", "--validators", "--issuer", "--min-fee-units"])
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
        let runtime = try RuntimeOptions.fromEnvironment()
        let fm = FileManager.default
        let directories = (1...count).map { "\(dir)/v\($0)" }
        if let existing = directories.first(where: { fm.fileExists(atPath: $0) }) {
            throw CLIError.failure("\(existing) already exists; choose another --dir")
        }
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw CLIError.failure("cannot create \(dir): \(error)")
        }
        let seed = SecretBytes(randomCount: 32)
        var genesis: Genesis?
        for path in directories {
            let storage: POSIXStorage
            do { storage = try runtime.openStorage(path, create: true) } catch {
                throw CLIError.failure("cannot create data directory \(path): \(error)")
            }
            let lock = try lockDataDirectory(path)
            defer { withExtendedLifetime(lock) {} }
            let g: Genesis
            do { g = try Ledger.initialize(storage: storage, issuer: issuer, minimumFee: minimumFee, receiptKeySeed: seed) } catch {
                throw CLIError.failure("\(error)")
            }
            guard genesis == nil || genesis == g else { throw CLIError.failure("the validators' genesis files differ") }
            genesis = g
            do { _ = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend) } catch {
                throw CLIError.failure("\(error)")
            }
        }
        guard let genesis else { return ExitCode.success }
        console.print("initialized a cluster of \(count) validators: \(directories.joined(separator: " "))")
        console.print("issuer:             \(issuer.encoded)")
        console.print("minimum fee:        \(Amount.format(minimumFee)) (\(minimumFee) units)")
        console.print("receipt public key: \(ProtocolHex.encode(genesis.receiptPublicKey))")
        console.print("genesis checksum:   \(ProtocolHex.encode(genesis.checksum))")
        console.print("next: zkpay validator run --data \(directories[0]) --cluster http://127.0.0.1:2379 --listen 127.0.0.1:7878")
        return ExitCode.success
    }
}
