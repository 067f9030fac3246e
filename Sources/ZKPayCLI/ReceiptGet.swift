import Foundation
import Ledger
import Wallet
import ZKPayAPI
import ZKPayCore

/// `zkpay receipt get ID [--out FILE] [--wallet NAME] [--validator URL] [--json]`: the
/// receipt of a past payment. ID is a transfer or mint id, or a prefix of one (at least 8
/// hex digits) that the wallets' history holds. The receipt comes from the history when a
/// wallet kept it (its own sends and mints); otherwise the validator is asked for the
/// transfer (`GET /v1/transfers/{id}`), the receipt is checked under the receipt key pinned
/// for it, and it is kept in the history of every wallet that recorded the payment.
/// No passphrase is needed: receipts and history hold no secret.
enum ReceiptGet {
    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--out"], console: console, positionals: 1...1,
                                    positionalHint: "give the transfer or mint ID (see `zkpay history`)")
        let text = ctx.arguments.positionals[0].lowercased()
        guard (8...64).contains(text.count), text.allSatisfy(\.isHexDigit) else {
            throw CLIError.usage("'\(abbreviated(text))' is not a transfer or mint id; give its 64 hex digits or at least the first 8")
        }
        let home = try ctx.home()
        let wallets = try ctx.requestedWallet.map { _ in [try ctx.walletName(in: home)] } ?? wrap { try home.walletNames() }
        var matches: [(wallet: String, entry: HistoryEntry)] = []
        for name in wallets {
            let history = try wrap { try home.state(name).load().history }
            matches += history.filter { !$0.id.isEmpty && $0.id.hasPrefix(text) }.map { (name, $0) }
        }
        let ids = Set(matches.map(\.entry.id))
        guard ids.count <= 1 else {
            throw CLIError.usage("the prefix \(text) matches \(ids.count) payments in history; give more digits")
        }
        guard let id = ids.first ?? (text.count == 64 ? text : nil) else {
            throw CLIError.failure("no payment whose id starts with \(text) in the history of "
                + (wallets.count == 1 ? "wallet '\(wallets[0])'" : "this home's wallets") + "; give the full 64-digit id to ask the validator",
                code: "not_found")
        }
        let receipt: Receipt
        var source = "kept in the wallet's history"
        if let kept = matches.compactMap(\.entry.receipt).first, let raw = ProtocolHex.decode(kept),
           let decoded = try? Receipt(bytes: raw) {
            receipt = decoded
        } else {
            receipt = try fetch(id: id, ctx: ctx, home: home)
            source = "from \(ctx.validatorURL), checked under its pinned key"
            for name in Set(matches.map(\.wallet)) {
                try wrap {
                    try home.state(name).update { s in
                        for i in s.history.indices where s.history[i].id == id { s.history[i].receipt = ProtocolHex.encode(receipt.bytes) }
                    }
                }
            }
        }
        let rendered = receipt.json.render()
        guard let out = ctx.arguments.options["--out"] else {
            console.print(rendered)
            return ExitCode.success
        }
        do { try Data((rendered + "\n").utf8).write(to: URL(fileURLWithPath: out)) } catch {
            throw CLIError.failure("cannot write \(out): \(error.localizedDescription)", code: "io")
        }
        if ctx.json {
            var o = JSONObjectText()
            o.string("id", id)
            o.number("sequence", receipt.sequence)
            o.string("file", out)
            console.print(o.text)
        } else {
            console.print("wrote the receipt of \(receipt.kind.name) \(id.prefix(16))… "
                + "(sequence \(receipt.sequence), \(source)) to \(out)")
            console.print("check it with: zkpay receipt verify \(out)")
        }
        return ExitCode.success
    }

    /// The transfer's receipt from the validator, checked under the key pinned for it
    /// (pinned now, trust on first use, when this home never met the validator).
    static func fetch(id: String, ctx: WalletContext, home: WalletHome) throws -> Receipt {
        guard let bytes = ProtocolHex.decode(id), bytes.count == 32 else {
            throw CLIError.usage("'\(abbreviated(id))' is not a transfer id; give its 64 hex digits")
        }
        let url = try ctx.parsedValidatorURL()
        let client = ValidatorClient(url: url)
        defer { client.close() }
        func call<T>(_ body: () throws(ValidatorClientError) -> T) throws -> T {
            do { return try body() } catch {
                if case let .unreachable(_, reason) = error {
                    throw CLIError.failure(WalletOperationError.validatorDown(url: url.description, reason: reason).description,
                                           code: "validator_unreachable")
                }
                throw CLIError.failure("\(error)", code: errorCode(error))
            }
        }
        var chain = try wrap { try home.pinnedChain(for: url.description) }
        if chain == nil {
            let bytes = try call { () throws(ValidatorClientError) in try client.genesisBytes() }
            guard let g = try? Genesis(bytes: bytes) else {
                throw CLIError.failure("the validator at \(url.description) serves an unreadable genesis", code: "bad_genesis")
            }
            _ = try wrap { try home.pin(chain: g.chainID, for: url.description) }
            try wrap { try home.save(genesis: g) }
            ctx.console.printError(trustOnFirstUseNote(chain: g.chainID, validator: url.description))
            chain = g.chainID
        }
        guard let chain, let genesis = try wrap({ try home.genesis(chain: chain) }) else {
            throw CLIError.failure("the genesis of the ledger pinned for \(url.description) is not saved in \(home.path); "
                + "pin it again with `zkpay pin --validator \(url.description) --genesis FILE`", code: "bad_receipt")
        }
        let found = try call { () throws(ValidatorClientError) in try client.transfer(id: TransferID(uncheckedBytes: bytes)) }
        guard let found else {
            throw CLIError.failure("the validator at \(url.description) has no finalized transfer \(id.prefix(16))…; "
                + "a mint's receipt is kept only by the issuer's wallet", code: "not_found")
        }
        let certificate = try call { () throws(ValidatorClientError) in
            try ReceiptChecker(client: client, genesis: genesis).certificateError(found.receipt)
        }
        guard found.receipt.id == bytes, certificate == nil else {
            throw CLIError.failure("the validator's receipt for \(id.prefix(16))… is not certified by the ledger pinned for "
                + "\(url.description); not saved", code: "bad_receipt")
        }
        return found.receipt
    }
}
