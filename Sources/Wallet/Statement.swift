public import Foundation
public import ZKPayCore
import Sodium

/// One booked line of an account statement: money in or out of the account at one ledger
/// sequence.
public struct StatementEntry: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case credit = "CRDT"
        case debit = "DBIT"
    }

    /// What settled: a payment in or out, a mint, or a burn (redemption to a bank).
    public enum Kind: String, Sendable {
        case transfer = "ZKPAY-TRANSFER"
        case mint = "ZKPAY-MINT"
        case burn = "ZKPAY-BURN"
        case fees = "ZKPAY-FEES"
    }

    public let kind: Kind
    public let direction: Direction
    /// Units the account's balance moved by (for a debit, the payment plus its fee).
    public let amount: UInt64
    /// The fee included in `amount` (debits only).
    public let fee: UInt64
    /// The ledger sequence it settled at.
    public let sequence: UInt64
    /// Settlement time (ms since 1970, the receipt's time).
    public let timeMs: UInt64
    /// The transfer, mint or burn id (64 hex digits).
    public let id: String
    /// The other party as the wallet knows it (an address, "the issuer", …).
    public let counterparty: String
    /// The memo or bank reference text.
    public let text: String

    public init(kind: Kind, direction: Direction, amount: UInt64, fee: UInt64, sequence: UInt64, timeMs: UInt64,
                id: String, counterparty: String, text: String) {
        self.kind = kind
        self.direction = direction
        self.amount = amount
        self.fee = fee
        self.sequence = sequence
        self.timeMs = timeMs
        self.id = id
        self.counterparty = counterparty
        self.text = text
    }
}

/// Why a statement cannot be made. The description is the message the user sees.
public enum StatementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--from` is after `--to`, or `--to` is past what the wallet has synced.
    case badRange(String)
    /// The history's entries do not add up to the balance the ledger shows.
    case doesNotReconcile(history: UInt64, ledger: UInt64, sequence: UInt64, format: AmountFormat)
    /// A history entry of a kind the statement does not know how to book.
    case unknownKind(String, id: String)
    /// A debit larger than the balance at that point (the history misses a credit).
    case negativeBalance(sequence: UInt64)
    /// An amount ISO 20022 cannot carry (more than 5 decimals, or more than 18 digits).
    case amountNotRepresentable(String, reason: String)

    public var description: String {
        switch self {
        case let .badRange(why):
            why
        case let .doesNotReconcile(history, ledger, sequence, f):
            "the wallet's history adds up to \(f.format(history)) at sequence \(sequence) but its notes on the ledger "
                + "hold \(f.format(ledger)); the history misses payments (a wallet restored from its seed has none "
                + "before the restore), so no statement that reconciles can be written"
        case let .unknownKind(kind, id):
            "history entry \(id.prefix(16))… has kind '\(kind)', which a statement cannot book"
        case let .negativeBalance(sequence):
            "the history's balance would go below zero at sequence \(sequence): it misses a payment received before"
        case let .amountNotRepresentable(amount, why):
            "the amount \(amount) cannot be written in a camt.053 statement: \(why)"
        }
    }
}

/// An account statement over a range of ledger sequences: the balance after `fromSequence`,
/// every entry settled in (fromSequence, toSequence], and the balance after `toSequence`.
/// The closing balance is the opening balance plus credits minus debits, by construction.
public struct AccountStatement: Sendable, Equatable {
    /// The account: the wallet's address (or the issuer's, for an issuance statement).
    public let account: String
    /// A name for the account (the wallet's name).
    public let accountName: String
    /// The ledger's chain id.
    public let chain: ChainID
    /// ISO 4217 letters and decimals from the ledger's genesis.
    public let currency: String
    public let format: AmountFormat
    public let fromSequence: UInt64
    public let toSequence: UInt64
    public let openingBalance: UInt64
    public let closingBalance: UInt64
    /// Times of the range's ends (ms since 1970).
    public let fromTimeMs: UInt64
    public let toTimeMs: UInt64
    public let entries: [StatementEntry]
    /// When the statement was made (ms since 1970).
    public let createdMs: UInt64

    /// A statement from a balance and entries. `entries` must be the entries in
    /// (fromSequence, toSequence] in sequence order; the closing balance follows from them.
    /// - Throws: `negativeBalance` if a debit exceeds the running balance; `badRange`.
    public init(account: String, accountName: String, genesis: Genesis, fromSequence: UInt64, toSequence: UInt64,
                openingBalance: UInt64, fromTimeMs: UInt64, toTimeMs: UInt64, entries: [StatementEntry],
                createdMs: UInt64) throws(StatementError) {
        guard fromSequence <= toSequence else {
            throw .badRange("--from \(fromSequence) is after --to \(toSequence)")
        }
        var balance = openingBalance
        for e in entries {
            guard e.sequence > fromSequence, e.sequence <= toSequence else {
                throw .badRange("entry at sequence \(e.sequence) is outside (\(fromSequence), \(toSequence)]")
            }
            balance = try Self.book(e, on: balance)
        }
        self.account = account
        self.accountName = accountName
        chain = genesis.chainID
        currency = genesis.currency
        format = AmountFormat(genesis: genesis)
        self.fromSequence = fromSequence
        self.toSequence = toSequence
        self.openingBalance = openingBalance
        closingBalance = balance
        self.fromTimeMs = fromTimeMs
        self.toTimeMs = max(toTimeMs, fromTimeMs)
        self.entries = entries
        self.createdMs = createdMs
    }

    static func book(_ e: StatementEntry, on balance: UInt64) throws(StatementError) -> UInt64 {
        switch e.direction {
        case .credit:
            let (b, o) = balance.addingReportingOverflow(e.amount)
            guard !o else { throw .negativeBalance(sequence: e.sequence) }
            return b
        case .debit:
            guard balance >= e.amount else { throw .negativeBalance(sequence: e.sequence) }
            return balance - e.amount
        }
    }

    /// The statement of a wallet from its history: entries settled in (from, to], with the
    /// balances the history gives at both ends. The caller checks that the history's
    /// balance at the wallet's synced sequence equals its notes on the ledger
    /// (`historyBalance`), so that the balances here are the ones `zkpay balance` showed.
    /// - Parameters:
    ///   - owner: the wallet's address (a payment to it is a transfer to itself: only the fee
    ///     leaves the account).
    ///   - to: the last sequence (the wallet's synced sequence when nil).
    ///   - former: the wallet's addresses before key rotations (moving notes to the new
    ///     address is a payment to itself, too).
    public static func wallet(history: [HistoryEntry], owner: Address, former: [Address] = [], name: String,
                              genesis: Genesis, from: UInt64, to: UInt64, createdMs: UInt64)
        throws(StatementError) -> AccountStatement
    {
        let booked = try bookable(history, owners: Set(([owner] + former).map(\.encoded)))
        return try ranged(booked, account: owner.encoded, name: name, genesis: genesis, from: from, to: to,
                          createdMs: createdMs)
    }

    /// The issuer's issuance account from its wallet's history: every mint it signed is a
    /// credit (money put into circulation), every burn it was told of a debit (money to pay
    /// out to the holder's bank reference); the balance is minted − burned, what
    /// `zkpay audit` reports as minted less burned.
    public static func issuance(history: [HistoryEntry], issuer: Address, name: String, genesis: Genesis,
                                from: UInt64, to: UInt64, createdMs: UInt64) throws(StatementError) -> AccountStatement {
        let booked = try bookable(history, owners: [issuer.encoded], account: .issuance)
        return try ranged(booked, account: issuer.encoded, name: name, genesis: genesis, from: from, to: to,
                          createdMs: createdMs)
    }

    /// The issuance balance the history gives after sequence `at` (minted − burned).
    public static func issuanceBalance(_ history: [HistoryEntry], issuer: Address, at: UInt64) throws(StatementError) -> UInt64 {
        try balance(of: try bookable(history, owners: [issuer.encoded], account: .issuance), at: at)
    }

    /// The running balance of `booked` after sequence `at`.
    static func balance(of booked: [StatementEntry], at: UInt64) throws(StatementError) -> UInt64 {
        var balance: UInt64 = 0
        for e in booked where e.sequence <= at { balance = try book(e, on: balance) }
        return balance
    }

    /// Which account a history is booked on: the wallet's own money, or the issuer's
    /// issuance (mints and burns).
    enum Account { case wallet, issuance }

    /// The statement of `booked` entries over (from, to].
    static func ranged(_ booked: [StatementEntry], account: String, name: String, genesis: Genesis, from: UInt64,
                       to: UInt64, createdMs: UInt64) throws(StatementError) -> AccountStatement {
        var opening: UInt64 = 0
        var fromTime: UInt64 = 0
        var inRange: [StatementEntry] = []
        for e in booked {
            if e.sequence <= from {
                opening = try book(e, on: opening)
                fromTime = e.timeMs
            } else if e.sequence <= to {
                inRange.append(e)
            }
        }
        if fromTime == 0 { fromTime = inRange.first?.timeMs ?? createdMs }
        let toTime = inRange.last?.timeMs ?? fromTime
        return try AccountStatement(account: account, accountName: name, genesis: genesis, fromSequence: from,
                                    toSequence: to, openingBalance: opening, fromTimeMs: fromTime, toTimeMs: toTime,
                                    entries: inRange, createdMs: createdMs)
    }

    /// The balance the history gives after sequence `at`.
    public static func historyBalance(_ history: [HistoryEntry], owner: Address, former: [Address] = [], at: UInt64)
        throws(StatementError) -> UInt64
    {
        try balance(of: try bookable(history, owners: Set(([owner] + former).map(\.encoded))), at: at)
    }

    /// The settled history entries as statement entries, in sequence order. Entries not yet
    /// settled (no sequence) are not booked; `issued` (a mint this wallet signed for someone
    /// else) and `burned` (a holder's burn the issuer pays out) do not move this wallet's
    /// balance: they are the issuance account's (`issuance`).
    static func bookable(_ history: [HistoryEntry], owners: Set<String>, account: Account = .wallet)
        throws(StatementError) -> [StatementEntry]
    {
        var out: [StatementEntry] = []
        for h in history {
            guard let sequence = h.sequence else { continue }
            func entry(_ kind: StatementEntry.Kind, _ direction: StatementEntry.Direction, _ amount: UInt64,
                       fee: UInt64 = 0) -> StatementEntry {
                StatementEntry(kind: kind, direction: direction, amount: amount, fee: fee, sequence: sequence,
                               timeMs: h.timeMs, id: h.id, counterparty: h.counterparty, text: h.memo)
            }
            switch (account, h.kind) {
            case (.issuance, "issued"):
                out.append(entry(.mint, .credit, h.amount))
            case (.issuance, "burned"):
                out.append(entry(.burn, .debit, h.amount))
            case (.issuance, "received"), (.issuance, "minted"), (.issuance, "sent"), (.issuance, "redeemed"):
                continue
            case (.wallet, "received"):
                out.append(entry(.transfer, .credit, h.amount))
            case (.wallet, "minted"):
                out.append(entry(.mint, .credit, h.amount))
            case (.wallet, "sent"), (.wallet, "redeemed"):
                let fee = h.fee ?? 0
                // A payment to one of this wallet's own addresses comes back as a note: only the fee leaves.
                let leaving = h.kind == "sent" && owners.contains(h.counterparty) ? 0 : h.amount
                let (total, o) = leaving.addingReportingOverflow(fee)
                guard !o else { throw .negativeBalance(sequence: sequence) }
                out.append(entry(h.kind == "sent" ? .transfer : .burn, .debit, total, fee: fee))
            case (.wallet, "issued"), (.wallet, "burned"):
                // The issuer's mints for others and the burns it pays out: its issuance
                // account, not this wallet's money.
                continue
            default:
                throw .unknownKind(h.kind, id: h.id)
            }
        }
        // Stable: entries of one sequence (a payment in and out of one transfer) keep their order.
        return out.enumerated().sorted { ($0.element.sequence, $0.offset) < ($1.element.sequence, $1.offset) }.map(\.element)
    }
}
