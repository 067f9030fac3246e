import Foundation
import Ledger
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

extension WalletContext {
    /// Unlocks the selected wallet and opens a session with the validator, checking
    /// (and on first use pinning) its receipt key.
    func session() throws -> WalletSession {
        // Parse the URL first: a typo is a usage error, found before any passphrase prompt.
        _ = try parsedValidatorURL()
        for text in validatorURLList { _ = try parseValidatorURL(text) }
        let home = try home()
        let name = try walletName(in: home)
        let (_, keys) = try unlock(home, name)
        let backend = try RuntimeOptions.fromEnvironment().backend
        let validator = try reachableValidatorURL()
        let session = try wrap { try WalletSession(home: home, name: name, keys: keys, validator: validator,
                                                   backend: backend) }
        let fresh = try wrap { () -> Bool in
            let before = try home.pinnedChain(for: session.validator)
            try session.connect()
            return before == nil
        }
        // On stderr even with --json: whoever pins a ledger on first use should see its chain id.
        if fresh, let genesis = session.genesis {
            console.printError(trustOnFirstUseNote(chain: genesis.chainID, validator: session.validator))
        }
        for outcome in try wrap({ try session.resolveReservations() }) {
            switch outcome {
            case let .finalized(id, sequence):
                console.printError("note: earlier transfer \(id.prefix(16))… was finalized at sequence \(sequence)")
            case let .released(id):
                console.printError("note: earlier transfer \(id.prefix(16))… never reached the ledger; its notes are free again")
            case let .pending(id):
                console.printError("note: transfer \(id.prefix(16))… is still unconfirmed; its notes stay reserved")
            }
        }
        return session
    }

    /// Syncs the notes and reports memos that did not open.
    func sync(_ session: WalletSession) throws -> SyncResult {
        console.progress("fetching notes from \(session.validator)…")
        let result = try wrap { try session.sync() }
        for why in result.rejected {
            console.printError("warning: \(why)")
        }
        if !result.unreadable.isEmpty {
            console.printError("warning: skipped \(result.unreadable.count) note(s) owned by this wallet whose memo does "
                + "not open with its view key: " + result.unreadable.map { String($0.hex.prefix(16)) + "…" }.joined(separator: ", "))
        }
        return result
    }
}

/// `zkpay balance`.
enum BalanceCommand {
    static let usage = "zkpay balance [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console)
        let session = try ctx.session()
        let f = session.amounts
        let sync = try ctx.sync(session)
        if ctx.json {
            var o = JSONObjectText()
            o.number("units", sync.total)
            o.string("amount", f.formatExact(sync.total))
            o.number("notes", UInt64(sync.owned.count))
            o.string("spendable", f.formatExact(sync.spendableTotal))
            o.number("spendable_units", sync.spendableTotal)
            o.string("reserved", f.formatExact(sync.reservedTotal))
            o.number("reserved_units", sync.reservedTotal)
            o.number("unreadable_notes", UInt64(sync.unreadable.count))
            o.number("sequence", sync.sequence)
            o.raw("new", "[" + sync.events.filter(\.credited).map { WatchCommand.json($0, f) }.joined(separator: ", ") + "]")
            o.number("rejected_notes", UInt64(sync.rejected.count))
            console.print(o.text)
        } else {
            let notes = sync.owned.count == 1 ? "1 note" : "\(sync.owned.count) notes"
            console.print("\(session.name): \(console.paint(f.format(sync.total), .bold)) (\(notes), ledger sequence \(sync.sequence))")
            if sync.reservedTotal > 0 {
                console.print("  of which \(f.format(sync.reservedTotal)) is reserved by transfers in flight")
            }
            for e in sync.events where e.credited { console.print("  new: " + WatchCommand.line(e, f, console)) }
            for n in sync.newlyReceived {
                console.print("  new: received \(f.format(n.contents.amount))" + (n.memoText.isEmpty ? "" : " (memo: \(n.memoText))"))
            }
        }
        return ExitCode.success
    }
}

/// "bob (zkp1qy2x3c4v…)": a recipient's name with the first characters of its address, so
/// that a name that points somewhere unexpected shows; an unnamed address in full.
func recipientLabel(_ address: String, home: WalletHome) -> String {
    guard let parsed = try? Address(parsing: address), let name = home.name(for: parsed) else { return address }
    return "\(name) (\(addressPrefix(address)))"
}

/// The first 14 characters of an address (`zkp1` and 10 more).
func addressPrefix(_ address: String) -> String { address.count > 14 ? String(address.prefix(14)) + "…" : address }

/// `zkpay send`.
enum SendCommand {
    static let usage = "zkpay send --to ADDRESS|CONTACT --amount DECIMAL [--fee DECIMAL] [--memo TEXT] "
        + "[--dry-run --out FILE] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--to", "--amount", "--fee", "--memo", "--out"], flags: ["--dry-run"],
                                    console: console)
        let toText = try ctx.required("--to", "ADDRESS|CONTACT")
        let home = try ctx.home()
        try ctx.precheckAmounts(home)
        let memo = Array((ctx.arguments.options["--memo"] ?? "").utf8)
        guard memo.count <= Memo.maximumTextLength else {
            throw CLIError.usage("--memo is \(memo.count) bytes; a memo holds at most \(Memo.maximumTextLength)")
        }
        let dryRun = ctx.arguments.flags.contains("--dry-run")
        let out = ctx.arguments.options["--out"]
        if dryRun != (out != nil) { throw CLIError.usage("--dry-run and --out FILE go together") }
        let recipient = try ctx.recipient(toText, home: home)

        let session = try ctx.session()
        // The ledger's own decimals decide what the amounts mean (the early parse above only
        // caught malformed text before the passphrase prompt).
        let f = session.amounts
        let (amount, chosenFee) = try ctx.paymentAndFee(session)
        var sync = try ctx.sync(session)
        console.progress("building the transfer (range proof, balance and authorization signatures)…")
        var built = try wrap { try session.build(to: recipient, amount: amount, fee: chosenFee, memo: memo, sync: sync) }
        let who = recipientLabel(recipient.encoded, home: home)
        if dryRun, let out {
            do { try Data((built.transfer.json.render() + "\n").utf8).write(to: URL(fileURLWithPath: out)) } catch {
                throw CLIError.failure("cannot write \(out): \(error.localizedDescription)")
            }
            if ctx.json {
                var o = JSONObjectText()
                o.string("transfer_id", built.transfer.id.hex)
                o.string("file", out)
                o.string("to", recipient.encoded)
                o.string("amount", f.formatExact(amount))
                o.number("units", amount)
                o.string("fee", f.formatExact(chosenFee))
                o.number("fee_units", chosenFee)
                console.print(o.text)
            } else {
                console.print("wrote the signed transfer \(built.transfer.id.hex.prefix(16))… (\(f.format(amount)) to \(who), "
                    + "fee \(f.format(chosenFee))) to \(out); not submitted, no notes reserved")
            }
            return ExitCode.success
        }
        console.progress("submitting to \(session.validator)…")
        let memoText = String(decoding: memo, as: UTF8.self)
        var settled: Settlement?
        // Another send of this wallet may take the chosen notes between the note list and
        // the reservation, or an authority statement may change the auditors before the
        // transfer settles; then nothing was settled, and the send starts over from a new list.
        for attempt in 1...3 {
            do {
                settled = try session.submit(built, recipient: recipient, amount: amount, memo: memoText)
                break
            } catch let e as WalletOperationError where attempt < 3 && e.rebuildReason != nil {
                console.progress(e.rebuildReason ?? "")
                sync = try ctx.sync(session)
                built = try wrap { try session.build(to: recipient, amount: amount, fee: chosenFee, memo: memo, sync: sync) }
            } catch let e as CLIError { throw e } catch { throw CLIError.failure("\(error)", code: errorCode(error)) }
        }
        guard let settled else { throw CLIError.failure(WalletOperationError.notesTaken.description) }
        if let recovery = settled.recovery { console.printError("note: \(recovery)") }
        settled.print(kind: "transfer", json: ctx.json, console, f, amount: amount, to: ("to", recipient.encoded),
                      headline: console.paint("sent", .green) + " \(f.format(amount)) to \(who)"
                          + (memo.isEmpty ? "" : " (memo: \(memoText))") + ", fee \(f.format(settled.fee))"
                          + (settled.change > 0 ? ", change \(f.format(settled.change))" : ""))
        return ExitCode.success
    }
}

/// `zkpay mint` (issuer wallet).
enum MintCommand {
    static let usage = "zkpay mint --to ADDRESS|CONTACT --amount DECIMAL [--memo TEXT] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--to", "--amount", "--memo"], console: console)
        let toText = try ctx.required("--to", "ADDRESS|CONTACT")
        let home = try ctx.home()
        try ctx.precheckAmounts(home, fee: false)
        let memo = Array((ctx.arguments.options["--memo"] ?? "").utf8)
        guard memo.count <= Memo.maximumTextLength else {
            throw CLIError.usage("--memo is \(memo.count) bytes; a memo holds at most \(Memo.maximumTextLength)")
        }
        let recipient = try ctx.recipient(toText, home: home)
        let session = try ctx.session()
        let f = session.amounts
        let amount = try ctx.paymentAmount(format: f)
        console.progress("signing and submitting the mint…")
        let settled = try wrap { try session.mint(to: recipient, amount: amount, memo: memo) }
        let who = recipientLabel(recipient.encoded, home: home)
        settled.print(kind: "mint", json: ctx.json, console, f, amount: amount, to: ("to", recipient.encoded),
                      headline: console.paint("minted", .green) + " \(f.format(amount)) to \(who)"
                          + (memo.isEmpty ? "" : " (memo: \(String(decoding: memo, as: UTF8.self)))"))
        return ExitCode.success
    }
}

/// `zkpay watch`.
enum WatchCommand {
    static let usage = "zkpay watch [--count N] [--timeout SECONDS] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--count", "--timeout"], console: console)
        var count: Int?
        if let c = ctx.arguments.options["--count"] {
            guard let n = Int(c), n > 0 else { throw CLIError.usage("--count needs a whole number above 0") }
            count = n
        }
        var deadline: Date?
        var timeoutText = ""
        if let t = ctx.arguments.options["--timeout"] {
            guard let s = Double(t), s > 0, s.isFinite else { throw CLIError.usage("--timeout needs a number of seconds above 0") }
            deadline = Date(timeIntervalSinceNow: s)
            timeoutText = t
        }
        let session = try ctx.session()
        let f = session.amounts
        if !ctx.json {
            let cursor = (try? session.store.load().cursor) ?? 0
            console.print("watching \(session.name) (\(shortAddress(session.keys.address.encoded))) on \(session.validator)"
                + (cursor > 0 ? ", resuming after sequence \(cursor)" : ""))
        }
        var seen = 0
        try wrap {
            try session.watch(deadline: deadline, notice: { console.printError("note: \($0)") }) { e in
                for why in e.rejections { console.printError("warning: \(why)") }
                if let why = e.unverifiedReason {
                    console.printError("warning: a transfer \(e.id.prefix(16))… reported as sent by this wallet was not "
                        + "shown: \(why); the answer may come from a man in the middle or a dishonest validator")
                }
                guard e.credited else { return true }
                seen += 1
                console.print(ctx.json ? json(e, f) : line(e, f, console))
                if e.unreadable > 0 {
                    console.printError("warning: \(e.unreadable) note(s) of event \(e.sequence) do not open with this wallet's view key; skipped")
                }
                return count.map { seen < $0 } ?? true
            }
        }
        // The watch ended by itself only when the deadline passed (or the count was reached).
        if deadline != nil, seen < (count ?? 1) {
            let message = seen == 0 ? "no payment within \(timeoutText) s"
                : "\(seen) of \(count ?? 1) payments within \(timeoutText) s"
            if ctx.json { throw CLIError.timedOut(message) }
            console.print(message)
            return ExitCode.timedOut
        }
        return ExitCode.success
    }

    /// One event as a JSON object (amounts in coins; `units` and `fee_units` beside them).
    static func json(_ e: WalletEvent, _ f: AmountFormat) -> String {
        var o = JSONObjectText()
        o.number("sequence", e.sequence)
        o.string("kind", e.kind)
        o.string("id", e.id)
        if let a = e.amount {
            o.string("amount", f.formatExact(a))
            o.number("units", a)
        }
        o.string("fee", f.formatExact(e.fee))
        o.number("fee_units", e.fee)
        o.string("counterparty", e.counterparty)
        if let address = e.counterpartyAddress { o.string("counterparty_address", address) }
        o.string("memo", e.memo)
        o.number("time", e.time)
        return o.text
    }

    static func line(_ e: WalletEvent, _ f: AmountFormat, _ console: Console) -> String {
        let memo = e.memo.isEmpty ? "" : " (memo: \(e.memo))"
        switch e.kind {
        case "sent":
            let amount = e.amount.map(f.format) ?? "an amount this wallet cannot see"
            let who = e.counterparty + (e.counterpartyAddress.map { $0 == e.counterparty ? "" : " (\(addressPrefix($0)))" } ?? "")
            return console.paint("sent", .yellow) + " \(amount) to \(who)\(memo), fee \(f.format(e.fee))"
                + console.paint("  [sequence \(e.sequence)]", .dim)
        case "minted":
            return console.paint("received", .green) + " \(f.format(e.amount ?? 0)) newly minted by the issuer\(memo)"
                + console.paint("  [sequence \(e.sequence)]", .dim)
        case "redeemed":
            let amount = e.amount.map(f.format) ?? "an amount this wallet cannot confirm"
            return console.paint("redeemed", .yellow) + " \(amount) to bank reference \"\(e.memo)\", fee \(f.format(e.fee))"
                + console.paint("  [sequence \(e.sequence)]", .dim)
        case "burned":
            return console.paint("pay out", .yellow) + " \(f.format(e.amount ?? 0)) to bank reference \"\(e.memo)\" "
                + "(burned by \(e.counterparty))" + console.paint("  [sequence \(e.sequence)]", .dim)
        default:
            return console.paint("received", .green) + " \(f.format(e.amount ?? 0)) from \(e.counterparty)\(memo)"
                + console.paint("  [sequence \(e.sequence)]", .dim)
        }
    }
}

/// `zkpay history`: this wallet's payments as it recorded them (sends, and what
/// `balance`, `send` and `watch` found), each with its id, sequence and, where the wallet
/// has it, its receipt (`zkpay receipt get ID` prints it).
enum HistoryCommand {
    static let usage = "zkpay history [--wallet NAME] [--json]\n"
        + "       zkpay history --format camt053 [--issuance] [--from SEQ] [--to SEQ] [--out FILE] [--wallet NAME] "
        + "[--validator URL]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--format", "--from", "--to", "--out"], flags: ["--issuance"],
                                    console: console)
        if let format = ctx.arguments.options["--format"] {
            guard format == "camt053" else {
                throw CLIError.usage("--format \(format): the statement format is camt053 (ISO 20022 camt.053.001.08)")
            }
            return try statement(ctx, console)
        }
        for option in ["--from", "--to", "--out"] where ctx.arguments.options[option] != nil {
            throw CLIError.usage("\(option) goes with --format camt053")
        }
        if ctx.arguments.flags.contains("--issuance") { throw CLIError.usage("--issuance goes with --format camt053") }
        let home = try ctx.home()
        let name = try ctx.walletName(in: home)
        let state = try wrap { try home.state(name).load() }
        let f = ctx.localAmounts(home)
        let entries = state.history.sorted { ($0.timeMs, $0.sequence ?? 0) < ($1.timeMs, $1.sequence ?? 0) }
        if ctx.json {
            let items = entries.map { h in
                var o = JSONObjectText()
                o.string("kind", h.kind)
                o.string("id", h.id)
                if let s = h.sequence { o.number("sequence", s) }
                o.number("time", h.timeMs)
                o.string("amount", f.formatExact(h.amount))
                o.number("units", h.amount)
                if let fee = h.fee {
                    o.string("fee", f.formatExact(fee))
                    o.number("fee_units", fee)
                }
                o.string("counterparty", h.counterparty)
                o.string("memo", h.memo)
                if let r = h.receipt { o.string("receipt", r) }
                return o.text
            }
            console.print("{\"wallet\": \(jsonString(name)), \"history\": [" + items.joined(separator: ", ") + "], "
                + "\"reserved\": \(state.reservations.count)}")
            return ExitCode.success
        }
        if entries.isEmpty { console.print("no payments recorded for \(name) yet") }
        let formatter = ISO8601DateFormatter()
        for h in entries {
            let when = formatter.string(from: Date(timeIntervalSince1970: Double(h.timeMs) / 1000))
            let named = (try? Address(parsing: h.counterparty)).flatMap { home.name(for: $0) }
            let who = named ?? (h.counterparty.isEmpty ? "" : shortAddress(h.counterparty))
            let memo = h.memo.isEmpty ? "" : " (memo: \(h.memo))"
            let object = switch h.kind {
            case "issued", "minted": "mint"
            case "redeemed", "burned": "redemption"
            default: "transfer"
            }
            let id = h.id.isEmpty ? "" : "  [\(object) \(h.id.prefix(12))…"
                + (h.receipt == nil ? "" : ", receipt kept") + "]"
            let text = switch h.kind {
            case "sent": "sent     \(f.format(h.amount)) to \(recipientLabel(h.counterparty, home: home))\(memo), fee \(f.format(h.fee ?? 0))"
            case "issued": "minted   \(f.format(h.amount)) to \(recipientLabel(h.counterparty, home: home))\(memo)"
            case "minted": "received \(f.format(h.amount)) newly minted by the issuer\(memo)"
            case "redeemed": "redeemed \(f.format(h.amount)) to bank reference \"\(h.memo)\", fee \(f.format(h.fee ?? 0))"
            case "burned": "pay out  \(f.format(h.amount)) to bank reference \"\(h.memo)\" (burned by key \(h.counterparty.prefix(16))…)"
            default: "received \(f.format(h.amount))" + (who.isEmpty ? "" : " from \(who)") + memo
            }
            console.print("\(when)  " + (h.sequence.map { "#\($0)".padding(toLength: 6, withPad: " ", startingAt: 0) } ?? "      ") + text
                + console.paint(id, .dim))
        }
        for r in state.reservations {
            console.print("in flight: \(f.format(r.amount)) to \(recipientLabel(r.recipient, home: home)) (transfer \(r.transferID.prefix(16))…)")
        }
        return ExitCode.success
    }
}

extension HistoryCommand {
    /// `zkpay history --format camt053`: an ISO 20022 statement of the wallet's settled
    /// payments, mints and burns in (--from, --to], after a sync whose notes must equal what
    /// the history adds up to (else the balances would not be the ones `zkpay balance` shows).
    static func statement(_ ctx: WalletContext, _ console: Console) throws -> Int32 {
        func sequence(_ option: String) throws -> UInt64? {
            guard let text = ctx.arguments.options[option] else { return nil }
            guard let v = UInt64(text) else { throw CLIError.usage("\(option) needs a ledger sequence (a whole number)") }
            return v
        }
        let from = try sequence("--from") ?? 0
        let requestedTo = try sequence("--to")
        let session = try ctx.session()
        let sync = try ctx.sync(session)
        guard let genesis = session.genesis else { throw CLIError.failure("not connected to a validator") }
        let to = requestedTo ?? sync.sequence
        guard to <= sync.sequence else {
            throw CLIError.usage("--to \(to) is past the ledger's sequence \(sync.sequence)")
        }
        guard from <= to else { throw CLIError.usage("--from \(from) is after --to \(to)") }
        // Every event through the synced sequence (burns to pay out bring no note to sync).
        _ = try wrap { try session.catchUpEvents(through: sync.sequence) }
        let state = try wrap { try session.store.load() }
        let issuance = ctx.arguments.flags.contains("--issuance")
        if issuance, genesis.issuer != session.keys.address {
            throw CLIError.failure("--issuance: this wallet is not the ledger's issuer (the issuer is \(genesis.issuer.encoded))")
        }
        let xml: String
        do {
            xml = try statementXML(issuance: issuance, history: state.history, session: session, genesis: genesis,
                                   sync: sync, from: from, to: to)
        } catch {
            throw CLIError.failure("cannot write the statement: \(error)")
        }
        if let out = ctx.arguments.options["--out"] {
            do { try Data(xml.utf8).write(to: URL(fileURLWithPath: out)) } catch {
                throw CLIError.failure("cannot write \(out): \(error.localizedDescription)")
            }
            console.printError("wrote the camt.053 statement of \(session.name), sequences \(from + 1)…\(to), to \(out)")
        } else {
            console.print(String(xml.dropLast()))
        }
        return ExitCode.success
    }
}

extension HistoryCommand {
    /// The statement's XML: the wallet's own account, which must add up to its notes on the
    /// ledger at the sync, or (`issuance`) the issuer's mints and the burns it pays out.
    static func statementXML(issuance: Bool, history: [HistoryEntry], session: WalletSession, genesis: Genesis,
                             sync: SyncResult, from: UInt64, to: UInt64) throws(StatementError) -> String {
        let owner = session.keys.address
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        if issuance {
            return try Camt053.render(try AccountStatement.issuance(history: history, issuer: owner,
                                                                    name: "issuance of \(session.name)", genesis: genesis,
                                                                    from: from, to: to, createdMs: now))
        }
        let former = (try? session.home.retiredAddresses(session.name)) ?? []
        let historyTotal = try AccountStatement.historyBalance(history, owner: owner, former: former, at: sync.sequence)
        guard historyTotal == sync.total else {
            throw .doesNotReconcile(history: historyTotal, ledger: sync.total, sequence: sync.sequence,
                                    format: session.amounts)
        }
        return try Camt053.render(try AccountStatement.wallet(history: history, owner: owner, former: former,
                                                              name: session.name, genesis: genesis, from: from, to: to,
                                                              createdMs: now))
    }
}

/// `zkp1abcdefgh…uvwxyz` for tables; the full address elsewhere.
func shortAddress(_ address: String) -> String {
    address.count > 24 ? String(address.prefix(12)) + "…" + String(address.suffix(6)) : address
}

/// `zkpay redeem`: pays an amount out of the confidential ledger to a bank reference (a burn:
/// the amount becomes public, the issuer pays it out against the reference).
enum RedeemCommand {
    static let usage = "zkpay redeem --amount DECIMAL --reference TEXT [--fee DECIMAL] [--wallet NAME] [--validator URL] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--amount", "--reference", "--fee"], console: console)
        let home = try ctx.home()
        try ctx.precheckAmounts(home)
        let reference = try ctx.required("--reference", "TEXT")
        if let problem = Redemption.referenceProblem(Array(reference.utf8)) {
            throw CLIError.usage("--reference: \(problem)")
        }
        let session = try ctx.session()
        let f = session.amounts
        let (amount, chosenFee) = try ctx.paymentAndFee(session)
        var sync = try ctx.sync(session)
        console.progress("building the redemption (range proof, signatures, opening of the burned output)…")
        var built = try wrap { try session.buildRedemption(amount: amount, reference: reference, fee: chosenFee, sync: sync) }
        console.progress("submitting to \(session.validator)…")
        var settled: Settlement?
        for attempt in 1...3 {
            do {
                settled = try session.submit(built)
                break
            } catch let e as WalletOperationError where attempt < 3 && e.rebuildReason != nil {
                console.progress(e.rebuildReason ?? "")
                sync = try ctx.sync(session)
                built = try wrap { try session.buildRedemption(amount: amount, reference: reference, fee: chosenFee, sync: sync) }
            } catch let e as CLIError { throw e } catch { throw CLIError.failure("\(error)", code: errorCode(error)) }
        }
        guard let settled else { throw CLIError.failure(WalletOperationError.notesTaken.description) }
        if let recovery = settled.recovery { console.printError("note: \(recovery)") }
        settled.print(kind: "redemption", json: ctx.json, console, f, amount: amount, to: ("reference", reference),
                      headline: console.paint("redeemed", .green) + " \(f.format(amount)) to bank reference \"\(reference)\""
                          + ", fee \(f.format(settled.fee))" + (settled.change > 0 ? ", change \(f.format(settled.change))" : ""))
        return ExitCode.success
    }
}

extension Settlement {
    /// What `send`, `mint` and `redeem` print once settled. JSON: `KIND_id`, sequence, the
    /// destination member (`to` or `reference`), amount and units, fee and fee units (not
    /// for a mint), receipt and latency. Text: `headline`, where and when it finalized, its
    /// id and its receipt.
    func print(kind: String, json: Bool, _ console: Console, _ f: AmountFormat, amount: UInt64,
               to destination: (key: String, value: String), headline: String) {
        if json {
            var o = JSONObjectText()
            o.string("\(kind)_id", id)
            o.number("sequence", receipt.sequence)
            o.string(destination.key, destination.value)
            o.string("amount", f.formatExact(amount))
            o.number("units", amount)
            if kind != "mint" {
                o.string("fee", f.formatExact(fee))
                o.number("fee_units", fee)
            }
            o.raw("receipt", receipt.json.render())
            o.number("latency_ms", latencyMs)
            console.print(o.text)
        } else {
            console.print(headline)
            console.print("finalized at sequence \(receipt.sequence) in \(latencyMs) ms"
                + (isNew ? "" : " (it had been finalized before)"))
            console.print("\(kind) \(id)")
            console.print("receipt \(receipt.json.render())")
        }
    }
}
