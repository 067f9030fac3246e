import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayCore

/// `zkpay demo [--dir DIR] [--keep]`: the end-to-end story of zkpay, in-process, with the
/// real library code (keys, mint, confidential transfer, batch verification, durable
/// ledger, memo scanning, offline receipt check, supply audit). No network: the demo drives
/// the `Ledger` directly (`make demo` tells the story over HTTP). Without `--dir` it works
/// in a temporary folder that it removes at the end unless `--keep`.
enum DemoCommand {
    static let usage = "zkpay demo [--dir DIR] [--keep]"

    /// 1 coin = 1,000,000 units.
    static let unitsPerCoin: UInt64 = AmountFormat.standard.unitsPerCoin
    /// The minimum fee the demo ledger is created with (0.001000 coin).
    static let minimumFee: UInt64 = 1_000

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--dir"], flags: ["--keep"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        let temporary = args.options["--dir"] == nil
        let dir = args.options["--dir"] ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("zkpay-demo-\(UUID().uuidString)").path
        let keep = !temporary || args.flags.contains("--keep")
        // A temporary folder goes away however the story ends (`tell` has released the data
        // directory's lock by then).
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        return try tell(dir: dir, keep: keep, console)
    }

    static func tell(dir: String, keep: Bool, _ console: Console) throws -> Int32 {

        // 1. Wallets from fresh random seeds.
        console.print("1. wallets (fresh random seeds; an address is the spend and view public keys)")
        let issuer = WalletKeys.generate().keys
        let alice = WalletKeys.generate().keys
        let bob = WalletKeys.generate().keys
        for (name, w) in [("issuer", issuer), ("alice", alice), ("bob", bob)] {
            console.print("   \(name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(short(w.address.encoded))")
        }

        // 2. The ledger data directory, as `zkpay validator init` makes it.
        let runtime = try RuntimeOptions.fromEnvironment()
        let (storage, lock) = try createDataDirectory(dir, runtime)
        defer { withExtendedLifetime(lock) {} }
        let genesis: Genesis
        let ledger: Ledger
        do {
            genesis = try Ledger.initialize(storage: storage, issuer: issuer.address, minimumFee: minimumFee)
            ledger = try Ledger(storage: storage, options: runtime.logOptions, backend: runtime.backend)
        } catch {
            throw CLIError.failure("cannot initialize the ledger in \(dir): \(error)")
        }
        console.print("2. ledger created in \(dir)")
        console.print("   issuer \(short(genesis.issuer.encoded)), minimum fee \(coins(genesis.minimumFee)), "
            + "chain id \(genesis.chainID.hex.prefix(16))…")

        // 3. The issuer mints 1,000 coins to alice; the ledger checks the issuer signature.
        let minted: UInt64 = 1_000 * unitsPerCoin
        let mint: Mint
        do {
            mint = try Mint.create(chain: genesis.chainID, serial: 1, payments: [Payment(to: alice.address, amount: minted,
                                                                 text: Array("welcome".utf8))],
                                   issuer: issuer.spend)
        } catch { throw CLIError.failure("the issuer could not create the mint: \(error)") }
        let mintReceipt = try settled(try submitMint(ledger, mint), what: "the mint")
        console.print("3. issuer minted \(coins(minted)) to alice (mint amounts are public); "
            + "receipt sequence \(mintReceipt.sequence)")

        // 4. Alice pays bob 250 coins with the memo "rent".
        let aliceNotes = try scan(ledger, alice)
        guard let mintedNote = aliceNotes.first(where: { $0.amount == minted }) else {
            throw CLIError.failure("alice's wallet does not find the minted note on the ledger")
        }
        let amount: UInt64 = 250 * unitsPerCoin
        let fee = ledger.state.minimumFee
        let built: BuiltTransfer
        do {
            built = try TransferBuilder.build(chain: genesis.chainID, auditors: genesis.auditors, from: alice, spending: [mintedNote.owned],
                                              payments: [Payment(to: bob.address, amount: amount, text: Array("rent".utf8))],
                                              fee: fee, changeText: Array("change".utf8), backend: runtime.backend)
        } catch { throw CLIError.failure("alice could not build the transfer: \(error)") }
        let transfer = built.transfer
        console.print("4. alice built a transfer of \(coins(amount)) to bob, memo \"rent\", fee \(coins(fee))")
        console.print("   transfer id \(transfer.id.hex.prefix(16))…, \(transfer.inputs.count) input, "
            + "\(transfer.outputs.count) outputs (payment and change)")
        console.print("   the amounts are hidden in Pedersen commitments; a range proof shows each is in [0, 2^64)")

        // 5. The ledger verifies (range proof, balance, authorization, in one batch) and finalizes.
        let start = ContinuousClock.now
        let outcomes: [Outcome]
        do { outcomes = try ledger.submit([transfer], time: now()) } catch {
            throw CLIError.failure("the ledger could not settle the transfer durably: \(error)")
        }
        let elapsed = ContinuousClock.now - start
        guard outcomes.count == 1 else { throw CLIError.failure("the ledger returned \(outcomes.count) outcomes for 1 transfer") }
        let receipt = try settled(outcomes[0], what: "the transfer")
        console.print("5. ledger verified the range proof, balance and authorization in one batch and finalized it")
        console.print("   receipt: sequence \(receipt.sequence), chain hash \(ProtocolHex.encode(receipt.chainHash).prefix(16))…, "
            + "verify+finalize took \(milliseconds(elapsed)) ms")

        // 6. Wallets scan the unspent notes with their view keys.
        let bobNotes = try scan(ledger, bob)
        guard let received = bobNotes.first(where: { transfer.outputIDs.contains($0.owned.input.id) }) else {
            throw CLIError.failure("bob's view key opens no note of the transfer")
        }
        guard received.amount == amount else {
            throw CLIError.failure("bob's note opens to \(coins(received.amount)), not \(coins(amount))")
        }
        console.print("6. bob scanned the ledger with his view key")
        console.print("   bob received \(coins(received.amount)) (memo: \(String(decoding: received.text, as: UTF8.self)))")
        let aliceAfter = try scan(ledger, alice)
        let aliceBalance = aliceAfter.reduce(UInt64(0)) { $0 + $1.amount }
        let bobBalance = bobNotes.reduce(UInt64(0)) { $0 + $1.amount }
        guard aliceBalance == minted - amount - fee else {
            throw CLIError.failure("alice's balance is \(coins(aliceBalance)), expected \(coins(minted - amount - fee))")
        }
        console.print("   alice recovered her change: \(coins(built.change))")
        console.print("   balances: alice \(coins(aliceBalance)), bob \(coins(bobBalance))")

        // 7. Anyone checks the receipt offline, and audits the supply.
        guard receipt.verify(genesis: genesis) else {
            throw CLIError.failure("the receipt is not certified by the ledger's validators")
        }
        console.print("7. receipt verified offline against the genesis's validator set: ok (version \(receipt.version): "
            + "leaf \(receipt.leafIndex) of a batch of \(receipt.batchSize), path of \(receipt.path.count) up to the signed root)")
        let audit = ledger.auditVartime()
        guard audit.ok else {
            throw CLIError.failure("the audit failed: Σ unspent commitments do not match the supply")
        }
        console.print("   audit: ok, supply \(coins(audit.supply)) (minted \(coins(audit.minted)), "
            + "fees \(coins(audit.fees))), \(audit.notes) unspent notes")

        // 8. Where the data lives.
        if keep {
            console.print("8. the ledger's data directory is \(dir)")
            console.print("   try: zkpay audit --data \(dir)")
        } else {
            console.print("8. the ledger lived in the temporary folder \(dir), removed now (keep it with --keep)")
        }
        return ExitCode.success
    }

    /// An unspent note a wallet could open, with its memo.
    struct Found {
        let owned: OwnedNote
        let text: [UInt8]
        var amount: UInt64 { owned.amount }
    }

    /// The unspent notes `wallet` owns: every unspent note is tried with the wallet's keys;
    /// notes of other owners do not open.
    static func scan(_ ledger: Ledger, _ wallet: WalletKeys) throws -> [Found] {
        var found: [Found] = []
        for id in ledger.state.unspent.keys.sorted() {
            guard let note = ledger.state.note(id) else {
                throw CLIError.failure("the ledger holds an undecodable unspent note \(id.hex)")
            }
            guard let contents = try? wallet.open(note.output) else { continue }
            found.append(Found(owned: OwnedNote(note: note, contents: contents), text: contents.text))
        }
        return found
    }

    static func submitMint(_ ledger: Ledger, _ mint: Mint) throws -> Outcome {
        do { return try ledger.submit(mint: mint, time: now()) } catch {
            throw CLIError.failure("the ledger could not settle the mint durably: \(error)")
        }
    }

    static func settled(_ outcome: Outcome, what: String) throws -> Receipt {
        switch outcome {
        case let .settled(r): return r
        case .finalized: throw CLIError.failure("\(what) was already settled on this ledger")
        case let .rejected(e): throw CLIError.failure("the ledger rejected \(what): \(e)")
        }
    }

    /// Milliseconds since 1970 (receipt time).
    static func now() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    static func milliseconds(_ d: Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return String(format: "%.1f", ms)
    }

    /// Units as coins, the way every human output of zkpay writes them (`AmountFormat.format`).
    static func coins(_ units: UInt64) -> String { AmountFormat.standard.format(units) }

    /// `zkp1abcdefghij…uvwxyz`.
    static func short(_ address: String) -> String {
        address.count > 24 ? "\(address.prefix(14))…\(address.suffix(6))" : address
    }
}
