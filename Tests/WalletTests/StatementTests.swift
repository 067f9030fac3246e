import Foundation
import Sodium
import TestSupport
import Testing
@testable import Wallet
import ZKPayCore

/// camt.053 statements from a wallet's history: balances that reconcile, every file valid
/// under the ISO 20022 schema (real xmllint), hostile text escaped, amounts never rounded.
@Suite("camt.053 statements")
struct StatementTests {
    static func keys(_ byte: UInt8) throws -> WalletKeys {
        try WalletKeys(seed: SecretBytes(copying: [UInt8](repeating: byte, count: 32)))
    }

    static func genesis(decimals: UInt8 = 2, currency: String = "EUR") throws -> Genesis {
        try Genesis(issuer: try keys(3).address, minimumFee: 5, currency: currency, decimals: decimals,
                    validators: [GenesisValidator(name: "v1", publicKey: [UInt8](repeating: 7, count: 32))])
    }

    static func id(_ n: Int) -> String { String(repeating: String(format: "%02x", n % 256), count: 32) }

    /// Alice: minted 100.00 at 1, pays bob 12.34 (fee 0.05) at 3, receives 2.00 at 4,
    /// pays herself 1.00 (fee 0.05) at 6, redeems 10.00 (fee 0.05) at 7; issued and unsettled
    /// entries book nothing.
    static func history(owner: String, bob: String) -> [HistoryEntry] {
        [
            HistoryEntry(kind: "minted", id: id(1), sequence: 1, timeMs: 1_000, amount: 10_000, fee: nil,
                         counterparty: "the issuer", memo: "welcome", notes: ["a"]),
            HistoryEntry(kind: "sent", id: id(3), sequence: 3, timeMs: 3_000, amount: 1_234, fee: 5,
                         counterparty: bob, memo: "rent <march> & \"more\"", notes: ["b"]),
            HistoryEntry(kind: "received", id: id(4), sequence: 4, timeMs: 4_000, amount: 200, fee: nil,
                         counterparty: "bob", memo: "<script>alert(1)</script>\u{1}", notes: ["c"]),
            HistoryEntry(kind: "issued", id: id(5), sequence: 5, timeMs: 5_000, amount: 999, fee: nil,
                         counterparty: bob, memo: "", notes: ["d"]),
            HistoryEntry(kind: "sent", id: id(6), sequence: 6, timeMs: 6_000, amount: 100, fee: 5,
                         counterparty: owner, memo: "", notes: ["e"]),
            HistoryEntry(kind: "redeemed", id: id(7), sequence: 7, timeMs: 7_000, amount: 1_000, fee: 5,
                         counterparty: "DE89370400440532013000", memo: "invoice 42", notes: []),
            HistoryEntry(kind: "sent", id: id(8), sequence: nil, timeMs: 8_000, amount: 50, fee: 5,
                         counterparty: bob, memo: "in flight", notes: []),
        ]
    }

    @Test("balances reconcile at every range: opening + credits − debits = closing = the history's balance at --to")
    func reconciles() throws {
        let alice = try Self.keys(1).address
        let bob = try Self.keys(2).address.encoded
        let h = Self.history(owner: alice.encoded, bob: bob)
        let g = try Self.genesis()
        let expected: [UInt64: UInt64] = [0: 0, 1: 10_000, 2: 10_000, 3: 8_761, 4: 8_961, 5: 8_961, 6: 8_956, 7: 7_951]
        for (at, balance) in expected {
            #expect(try AccountStatement.historyBalance(h, owner: alice, at: at) == balance, "at \(at)")
        }
        for from in 0...7 as ClosedRange<UInt64> {
            for to in from...7 {
                let s = try AccountStatement.wallet(history: h, owner: alice, name: "alice", genesis: g, from: from,
                                                    to: to, createdMs: 9_000)
                #expect(s.openingBalance == expected[from] && s.closingBalance == expected[to], "\(from)…\(to)")
                #expect(s.entries.allSatisfy { $0.sequence > from && $0.sequence <= to })
                var running = s.openingBalance
                for e in s.entries { running = e.direction == .credit ? running + e.amount : running - e.amount }
                #expect(running == s.closingBalance)
                let xml = try Camt053.render(s)
                let check = try XMLSchema.validate(xml: xml, schema: XMLSchema.camt053)
                #expect(check.valid, "\(from)…\(to): \(check.output)\n\(xml)")
            }
        }
    }

    @Test("the full statement: account, currency, balances, one entry per payment with its id, fees as included charges, hostile text escaped")
    func contents() throws {
        let alice = try Self.keys(1).address
        let bob = try Self.keys(2).address.encoded
        let s = try AccountStatement.wallet(history: Self.history(owner: alice.encoded, bob: bob), owner: alice,
                                            name: "alice & co", genesis: try Self.genesis(), from: 0, to: 7,
                                            createdMs: 1_780_000_000_000)
        let xml = try Camt053.render(s)
        #expect(try XMLSchema.validate(xml: xml, schema: XMLSchema.camt053).valid)
        // The schema check can fail: 6 decimals, or an entry without its status, are refused.
        #expect(try !XMLSchema.validate(xml: xml.replacingOccurrences(of: ">79.51<", with: ">79.511111<"),
                                        schema: XMLSchema.camt053).valid)
        #expect(try !XMLSchema.validate(xml: xml.replacingOccurrences(of: "<Cd>BOOK</Cd>", with: ""),
                                        schema: XMLSchema.camt053).valid)
        #expect(xml.contains("<Id>\(alice.encoded.prefix(34))</Id>") && xml.contains("<Id>\(alice.encoded)</Id>"))
        #expect(xml.contains("<Ccy>EUR</Ccy>") && xml.contains("<Nm>alice &amp; co</Nm>"))
        #expect(xml.contains("<Cd>OPBD</Cd>") && xml.contains("<Amt Ccy=\"EUR\">0</Amt>"))
        #expect(xml.contains("<Cd>CLBD</Cd>") && xml.contains("<Amt Ccy=\"EUR\">79.51</Amt>"))
        #expect(xml.components(separatedBy: "<Ntry>").count - 1 == 5)
        // The payment to bob: 12.34 plus the 0.05 fee leave, the fee an included charge.
        #expect(xml.contains("<Amt Ccy=\"EUR\">12.39</Amt>") && xml.contains("<ChrgInclInd>true</ChrgInclInd>"))
        #expect(xml.contains("zkpay transfer \(Self.id(3)) at ledger sequence 3"))
        #expect(xml.contains("<AcctSvcrRef>\(Self.id(3).prefix(32))</AcctSvcrRef>"))
        #expect(xml.contains("<Cd>ZKPAY-BURN</Cd>") && xml.contains("<Ustrd>invoice 42</Ustrd>"))
        // Hostile memo text is escaped, control characters dropped: no markup from it survives.
        #expect(!xml.contains("<script>") && !xml.contains("<march>") && !xml.contains("\u{1}"))
        #expect(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(xml.contains("rent &lt;march&gt; &amp; &quot;more&quot;"))
        // Only settled entries are booked.
        #expect(!xml.contains("in flight"))
        // The same statement gets the same id; another range another one.
        let again = try AccountStatement.wallet(history: Self.history(owner: alice.encoded, bob: bob), owner: alice,
                                                name: "alice & co", genesis: try Self.genesis(), from: 0, to: 6,
                                                createdMs: 1_780_000_000_000)
        #expect(Camt053.messageID(s) == Camt053.messageID(s) && Camt053.messageID(s) != Camt053.messageID(again))
        #expect(Camt053.messageID(s).count == 35)
    }

    @Test("amounts are never rounded: more than 5 significant decimals or 18 digits is an error that says why")
    func amountLimits() throws {
        let six = AmountFormat(decimals: 6)
        #expect(try Camt053.amount(12_500_000, six) == "12.5")
        #expect(try Camt053.amount(10, six) == "0.00001")
        #expect(throws: StatementError.self) { try Camt053.amount(1, six) }
        #expect(try Camt053.amount(0, AmountFormat(decimals: 0)) == "0")
        #expect(try Camt053.amount(999_999_999_999_999_999, AmountFormat(decimals: 0)) == "999999999999999999")
        #expect(throws: StatementError.self) { try Camt053.amount(1_000_000_000_000_000_000, AmountFormat(decimals: 0)) }
        do {
            _ = try Camt053.amount(1, six)
        } catch {
            #expect(error.description.contains("at most 5 decimals") && error.description.contains("--decimals"))
        }
    }

    @Test("a history that cannot be booked is refused: unknown kinds, a debit below zero, a reversed range")
    func refusals() throws {
        let alice = try Self.keys(1).address
        let g = try Self.genesis()
        let odd = [HistoryEntry(kind: "gift", id: Self.id(1), sequence: 1, timeMs: 1, amount: 1, fee: nil,
                                counterparty: "", memo: "", notes: [])]
        #expect(throws: StatementError.unknownKind("gift", id: Self.id(1))) {
            try AccountStatement.wallet(history: odd, owner: alice, name: "a", genesis: g, from: 0, to: 1, createdMs: 1)
        }
        let overdrawn = [HistoryEntry(kind: "sent", id: Self.id(2), sequence: 2, timeMs: 1, amount: 10, fee: 1,
                                      counterparty: "x", memo: "", notes: [])]
        #expect(throws: StatementError.negativeBalance(sequence: 2)) {
            try AccountStatement.historyBalance(overdrawn, owner: alice, at: 5)
        }
        #expect(throws: StatementError.self) {
            try AccountStatement.wallet(history: [], owner: alice, name: "a", genesis: g, from: 5, to: 4, createdMs: 1)
        }
        // An empty statement is still a valid file with equal balances.
        let empty = try AccountStatement.wallet(history: [], owner: alice, name: "a", genesis: g, from: 0, to: 0, createdMs: 1)
        #expect(empty.openingBalance == 0 && empty.closingBalance == 0)
        #expect(try XMLSchema.validate(xml: try Camt053.render(empty), schema: XMLSchema.camt053).valid)
    }

    @Test("the issuer's issuance account: mints are credits, burns to pay out debits, its own payments not booked; valid under the schema")
    func issuance() throws {
        let issuer = try Self.keys(3).address
        let bob = try Self.keys(2).address.encoded
        let h = [
            HistoryEntry(kind: "issued", id: Self.id(1), sequence: 1, timeMs: 1_000, amount: 50_000, fee: nil,
                         counterparty: bob, memo: "", notes: []),
            HistoryEntry(kind: "minted", id: Self.id(2), sequence: 2, timeMs: 2_000, amount: 700, fee: nil,
                         counterparty: "the issuer", memo: "", notes: []),
            HistoryEntry(kind: "issued", id: Self.id(2), sequence: 2, timeMs: 2_000, amount: 700, fee: nil,
                         counterparty: issuer.encoded, memo: "", notes: []),
            HistoryEntry(kind: "burned", id: Self.id(3), sequence: 3, timeMs: 3_000, amount: 1_250, fee: 5,
                         counterparty: bob, memo: "IBAN DE89 3704 0044 0532 0130 00", notes: []),
            HistoryEntry(kind: "sent", id: Self.id(4), sequence: 4, timeMs: 4_000, amount: 100, fee: 5,
                         counterparty: bob, memo: "", notes: []),
        ]
        #expect(try AccountStatement.issuanceBalance(h, issuer: issuer, at: 4) == 50_000 + 700 - 1_250)
        let s = try AccountStatement.issuance(history: h, issuer: issuer, name: "issuance", genesis: try Self.genesis(),
                                              from: 1, to: 4, createdMs: 5_000)
        #expect(s.openingBalance == 50_000 && s.closingBalance == 49_450 && s.entries.count == 2)
        let xml = try Camt053.render(s)
        #expect(try XMLSchema.validate(xml: xml, schema: XMLSchema.camt053).valid)
        #expect(xml.contains("<Cd>ZKPAY-MINT</Cd>") && xml.contains("<Cd>ZKPAY-BURN</Cd>"))
        #expect(xml.contains("<Ustrd>IBAN DE89 3704 0044 0532 0130 00</Ustrd>") && xml.contains("<Amt Ccy=\"EUR\">494.5</Amt>"))
        // In the issuer's own wallet statement, neither mints for others nor burns are booked.
        #expect(try AccountStatement.historyBalance(h, owner: issuer, at: 4) == 700 - 105)
    }
}
