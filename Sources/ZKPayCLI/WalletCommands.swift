import Foundation
import Sodium
import Wallet
import ZKPayCore

/// `zkpay wallet create|list|export-seed|import`.
enum WalletCommand {
    static let usage = "zkpay wallet create NAME | list | export-seed [--wallet NAME] | import NAME [--seed-file FILE] "
        + "| rotate [--resume] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard let sub = arguments.first else {
            throw CLIError.usage("expected a subcommand: create, list, export-seed, import or rotate")
        }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "create": return try create(rest, console)
        case "list": return try list(rest, console)
        case "export-seed": return try exportSeed(rest, console)
        case "import": return try importSeed(rest, console)
        case "rotate": return try rotate(rest, console)
        default: throw CLIError.usage("unknown subcommand '\(sub)'; expected create, list, export-seed, import or rotate")
        }
    }

    static func newWalletName(_ ctx: WalletContext) throws -> String {
        let name = ctx.arguments.positionals[0]
        do { try WalletHome.validateName(name) } catch { throw CLIError.usage("\(error)") }
        return name
    }

    static func kdfParameters(_ ctx: WalletContext) throws -> Argon2idParameters {
        do { return try KDFLevel.fromEnvironment(ctx.environment).parameters } catch { throw CLIError.usage("\(error)") }
    }

    static func create(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console, positionals: 1...1, positionalHint: "name the wallet: zkpay wallet create NAME")
        let name = try newWalletName(ctx)
        let home = try ctx.home()
        guard !FileManager.default.fileExists(atPath: home.keystorePath(name)) else {
            throw CLIError.failure(WalletError.walletExists(name).description)
        }
        let parameters = try kdfParameters(ctx)
        let passphrase = try Passphrase.obtain(prompt: "new passphrase for wallet '\(name)': ", confirm: true,
                                               environment: ctx.environment)
        let (seed, _) = WalletKeys.generate()
        console.progress("encrypting the new wallet's seed (Argon2id)…")
        let address = try wrap { try home.createWallet(name: name, seed: seed, passphrase: passphrase, parameters: parameters) }
        report(ctx, name: name, address: address, home: home, verb: "created")
        if !ctx.json {
            console.print("back up its seed with `zkpay wallet export-seed --wallet \(name)`: the seed is the wallet")
        }
        return ExitCode.success
    }

    /// `zkpay wallet rotate`: fresh spend and view keys (the old keystore is kept as a
    /// retired one), then every note at the old addresses moves to the new one in
    /// ceil(n/16) transfers. `--resume` skips the new keys and only moves what is left at
    /// retired addresses (after an interruption, or a payment that arrived there later).
    static func rotate(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, flags: ["--resume"], console: console)
        _ = try ctx.parsedValidatorURL()
        let home = try ctx.home()
        let name = try ctx.walletName(in: home)
        let passphrase = try Passphrase.obtain(prompt: "passphrase for wallet '\(name)': ", confirm: false,
                                               environment: ctx.environment)
        let validator = try ctx.reachableValidatorURL()
        let backend = try RuntimeOptions.fromEnvironment().backend
        console.progress("unlocking wallet '\(name)' (Argon2id)…")
        var current = try wrap { try home.unlock(name, passphrase: passphrase).keys }
        if !ctx.arguments.flags.contains("--resume") {
            // Check the validator answers before any key changes.
            let probe = try wrap { try WalletSession(home: home, name: name, keys: current, validator: validator,
                                                     backend: backend) }
            _ = try wrap { try probe.connect() }
            console.progress("sealing the new keys (Argon2id)…")
            current = try wrap { try home.rotateKeys(name, passphrase: passphrase).new }
            if !ctx.json {
                console.print("new address of \(name): \(current.address.encoded)")
                console.print("back up the new seed with `zkpay wallet export-seed --wallet \(name)`: the old backup "
                    + "does not hold these keys")
            }
        }
        let retired = try wrap { try home.retiredKeys(name, passphrase: passphrase) }
            .filter { $0.address != current.address }
        var transfers: [String] = []
        var moved: UInt64 = 0
        var leftNotes = 0
        var leftUnits: UInt64 = 0
        var format = AmountFormat.standard
        for old in retired {
            let session = try wrap { try WalletSession(home: home, name: name, keys: old, validator: validator,
                                                       backend: backend) }
            let status = try wrap { try session.connect() }
            format = session.amounts
            _ = try wrap { try session.resolveReservations() }
            console.progress("fetching the notes of \(shortAddress(old.address.encoded))…")
            let sync = try ctx.sync(session)
            let result = try wrap {
                try session.sweep(to: current.address, fee: status.minimumFee, sync: sync) { done, total in
                    console.progress("moving notes: transfer \(done + 1) of \(total)…")
                }
            }
            transfers += result.settlements.map(\.id)
            moved += result.moved
            leftNotes += result.leftNotes
            leftUnits += result.leftUnits
        }
        // The new keys' view of the ledger: notes cache and history follow the new address.
        let session = try wrap { try WalletSession(home: home, name: name, keys: current, validator: validator,
                                                   backend: backend) }
        try wrap { try session.connect() }
        let sync = try ctx.sync(session)
        if ctx.json {
            var o = JSONObjectText()
            o.string("wallet", name)
            o.string("address", current.address.encoded)
            o.raw("former_addresses", "[" + retired.map { jsonString($0.address.encoded) }.joined(separator: ", ") + "]")
            o.raw("transfers", "[" + transfers.map(jsonString).joined(separator: ", ") + "]")
            o.string("moved", format.formatExact(moved))
            o.number("moved_units", moved)
            o.number("left_notes", UInt64(leftNotes))
            o.number("left_units", leftUnits)
            o.string("balance", format.formatExact(sync.total))
            o.number("balance_units", sync.total)
            console.print(o.text)
        } else {
            console.print("moved \(format.format(moved)) to the new address in \(transfers.count) transfer"
                + (transfers.count == 1 ? "" : "s") + "; balance \(format.format(sync.total))")
            if leftNotes > 0 {
                console.print("left \(leftNotes) note(s) worth \(format.format(leftUnits)) at former addresses: "
                    + "each group is worth no more than the fee")
            }
            console.print("share the new address; `zkpay contacts list` shows it, and `zkpay wallet rotate --resume` "
                + "moves anything paid to a former address later")
        }
        return ExitCode.success
    }

    static func report(_ ctx: WalletContext, name: String, address: Address, home: WalletHome, verb: String) {
        if ctx.json {
            var o = JSONObjectText()
            o.string("name", name)
            o.string("address", address.encoded)
            o.string("keystore", home.keystorePath(name))
            ctx.console.print(o.text)
        } else {
            ctx.console.print("\(verb) wallet \(ctx.console.paint(name, .bold)) in \(home.keystorePath(name))")
            ctx.console.print("address: \(address.encoded)")
        }
    }

    static func list(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console)
        let home = try ctx.home()
        let names = try wrap { try home.walletNames() }
        var rows: [(String, String)] = []
        for name in names {
            let address = (try? home.keystoreHeader(name).address.encoded) ?? "(unreadable keystore)"
            rows.append((name, address))
        }
        if ctx.json {
            let items = rows.map { r in
                var o = JSONObjectText()
                o.string("name", r.0)
                o.string("address", r.1)
                return o.text
            }
            console.print("{\"home\": \(jsonString(home.path)), \"wallets\": [" + items.joined(separator: ", ") + "]}")
        } else if rows.isEmpty {
            console.print("no wallets in \(home.path); create one with `zkpay wallet create NAME`")
        } else {
            let width = rows.map(\.0.count).max() ?? 0
            for r in rows { console.print(r.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + r.1) }
        }
        return ExitCode.success
    }

    static func exportSeed(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console)
        let home = try ctx.home()
        let name = try ctx.walletName(in: home)
        let (seed, keys) = try ctx.unlock(home, name)
        if ctx.json {
            var o = JSONObjectText()
            o.string("name", name)
            o.string("address", keys.address.encoded)
            o.string("seed_hex", SeedText.hex(seed))
            o.string("seed_bech32m", SeedText.bech32m(seed))
            console.print(o.text)
        } else {
            console.printError("warning: anyone who sees this seed can spend wallet '\(name)'; store it offline")
            console.print("seed (hex):     \(SeedText.hex(seed))")
            console.print("seed (bech32m): \(SeedText.bech32m(seed))")
            console.print("restore with:   zkpay wallet import NAME  (then type or pipe either form)")
        }
        return ExitCode.success
    }

    static func importSeed(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--seed-file"], console: console, positionals: 1...1,
                                    positionalHint: "name the wallet: zkpay wallet import NAME")
        let name = try newWalletName(ctx)
        let home = try ctx.home()
        guard !FileManager.default.fileExists(atPath: home.keystorePath(name)) else {
            throw CLIError.failure(WalletError.walletExists(name).description)
        }
        let parameters = try kdfParameters(ctx)
        let seedText: String
        if let file = ctx.arguments.options["--seed-file"] {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.failure("cannot read \(file)") }
            seedText = String(decoding: data, as: UTF8.self)
        } else if isatty(STDIN_FILENO) == 1 {
            let typed = try Passphrase.readNoEcho("seed (64 hex digits or zkpseed1…): ")
            seedText = typed.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        } else {
            seedText = readLine(strippingNewline: true) ?? ""
        }
        let seed: SecretBytes
        do { seed = try SeedText.parse(seedText) } catch { throw CLIError.usage("\(error)") }
        let passphrase = try Passphrase.obtain(prompt: "new passphrase for wallet '\(name)': ", confirm: true,
                                               environment: ctx.environment)
        console.progress("encrypting the seed (Argon2id)…")
        let address = try wrap { try home.createWallet(name: name, seed: seed, passphrase: passphrase, parameters: parameters) }
        report(ctx, name: name, address: address, home: home, verb: "imported")
        return ExitCode.success
    }
}

/// `zkpay address [--wallet NAME] [--json]`: no passphrase needed (the keystore header
/// holds the public address).
enum AddressCommand {
    static let usage = "zkpay address [--wallet NAME] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console)
        let home = try ctx.home()
        let name = try ctx.walletName(in: home)
        let address = try wrap { try home.keystoreHeader(name).address }
        if ctx.json {
            var o = JSONObjectText()
            o.string("name", name)
            o.string("address", address.encoded)
            console.print(o.text)
        } else {
            console.print(address.encoded)
        }
        return ExitCode.success
    }
}

/// `zkpay contacts add NAME ADDRESS [--replace] | list`. Contacts belong to the wallet
/// home: every wallet of the home sees the same ones, so `--wallet` is refused.
enum ContactsCommand {
    static let usage = "zkpay contacts add NAME ADDRESS [--replace] | list [--json]   "
        + "(contacts are shared by every wallet in $ZKPAY_HOME)"

    static func context(_ arguments: [String], _ console: Console, flags: Set<String> = [],
                        positionals: ClosedRange<Int> = 0...0, hint: String = "") throws -> WalletContext {
        let ctx = try WalletContext(arguments, flags: flags, console: console, positionals: positionals, positionalHint: hint)
        if ctx.requestedWallet != nil {
            throw CLIError.usage("contacts belong to the wallet home ($ZKPAY_HOME), not to one wallet: drop --wallet")
        }
        return ctx
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard let sub = arguments.first else { throw CLIError.usage("expected a subcommand: add or list") }
        switch sub {
        case "add":
            let ctx = try context(Array(arguments.dropFirst()), console, flags: ["--replace"], positionals: 2...2,
                                  hint: "give a NAME and an ADDRESS")
            let name = ctx.arguments.positionals[0]
            let text = ctx.arguments.positionals[1]
            let address: Address
            do { address = try Address(parsing: text) } catch {
                throw CLIError.usage("'\(abbreviated(text))' is not a valid zkpay address: \(error)")
            }
            let home = try ctx.home()
            let previous: Address?
            do { previous = try home.addContact(name: name, address: address, replace: ctx.arguments.flags.contains("--replace")) } catch {
                if case .invalidContact = error { throw CLIError.usage("\(error)") }
                throw CLIError.failure("\(error)", code: errorCode(error))
            }
            if ctx.json {
                var o = JSONObjectText()
                o.string("name", name)
                o.string("address", address.encoded)
                if let previous { o.string("previous_address", previous.encoded) }
                console.print(o.text)
            } else if let previous, previous != address {
                console.print("changed contact \(name)")
                console.print("  old: \(previous.encoded)")
                console.print("  new: \(address.encoded)")
            } else if previous != nil {
                console.print("contact \(name) already names \(address.encoded); nothing changed")
            } else {
                console.print("added contact \(name): \(address.encoded)")
            }
        case "list":
            let ctx = try context(Array(arguments.dropFirst()), console)
            let home = try ctx.home()
            let contacts = try wrap { try home.contacts() }.sorted { $0.key < $1.key }
            // The home's own wallets: the current address to share, and the ones a rotation retired.
            let wallets = try wrap { try home.walletNames() }.map { name in
                (name: name, address: (try? home.keystoreHeader(name).address.encoded) ?? "",
                 former: ((try? home.retiredAddresses(name)) ?? []).map(\.encoded))
            }
            if ctx.json {
                let items = contacts.map { c in
                    var o = JSONObjectText()
                    o.string("name", c.key)
                    o.string("address", c.value.encoded)
                    return o.text
                }
                let own = wallets.map { w in
                    var o = JSONObjectText()
                    o.string("name", w.name)
                    o.string("address", w.address)
                    o.raw("former_addresses", "[" + w.former.map(jsonString).joined(separator: ", ") + "]")
                    return o.text
                }
                console.print("{\"contacts\": [" + items.joined(separator: ", ") + "], \"wallets\": ["
                    + own.joined(separator: ", ") + "]}")
            } else {
                if contacts.isEmpty {
                    console.print("no contacts; add one with `zkpay contacts add NAME ADDRESS`")
                } else {
                    let width = contacts.map(\.key.count).max() ?? 0
                    for c in contacts { console.print(c.key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.value.encoded) }
                }
                if !wallets.isEmpty {
                    console.print("your wallets (share these addresses):")
                    let width = wallets.map(\.name.count).max() ?? 0
                    for w in wallets {
                        console.print("  " + w.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + w.address
                            + (w.former.isEmpty ? "" : "  (keys rotated \(w.former.count)x; former addresses no longer to be shared)"))
                    }
                }
            }
        default:
            throw CLIError.usage("unknown subcommand '\(sub)'; expected add or list")
        }
        return ExitCode.success
    }
}
