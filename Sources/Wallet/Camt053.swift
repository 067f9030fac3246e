public import Foundation
import Sodium
import ZKPayCore

/// An `AccountStatement` as an ISO 20022 camt.053.001.08 BankToCustomerStatement message
/// (the statement banks and accounting systems import; Fixtures/iso20022 holds the schema
/// the tests validate against).
///
/// Mapping (docs/PROTOCOL.md §11):
/// - `Stmt/Acct/Id/Othr/Id`: the first 34 characters of the address (the schema's limit),
///   scheme `ZKPAY`, issuer the first 16 hex digits of the chain id; `Acct/Prxy/Id` the
///   whole address; `Acct/Ccy` the genesis currency.
/// - Balances `OPBD` (after `fromSequence`) and `CLBD` (after `toSequence`), never
///   negative, so always `CRDT`.
/// - One `Ntry` per settled payment, mint or burn: `NtryRef` the ledger sequence,
///   `AcctSvcrRef` the first 32 hex digits of the transfer, mint or burn id (the whole id in
///   `AddtlNtryInf`, which allows 500 characters), status `BOOK`, booking and value time the
///   settlement time, a proprietary bank transaction code (`ZKPAY-TRANSFER`, `ZKPAY-MINT`,
///   `ZKPAY-BURN`), the fee as an included charge of a debit, the counterparty as the
///   creditor or debtor name and the memo or bank reference as unstructured remittance
///   information.
/// - Amounts: the genesis decimals, trailing zeros dropped; the schema allows at most 5
///   decimals and 18 digits, and an amount that needs more is an error, never rounded.
public enum Camt053 {
    /// The message's XML namespace.
    public static let namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

    /// The XML document.
    /// - Throws: `amountNotRepresentable` for an amount the schema cannot carry.
    public static func render(_ s: AccountStatement) throws(StatementError) -> String {
        var x = XMLText()
        x.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("Document xmlns=\"\(namespace)\"")
        x.open("BkToCstmrStmt")
        x.open("GrpHdr")
        x.leaf("MsgId", messageID(s))
        x.leaf("CreDtTm", x.dateTime(s.createdMs))
        x.close("GrpHdr")
        x.open("Stmt")
        x.leaf("Id", messageID(s))
        x.leaf("ElctrncSeqNb", String(s.toSequence))
        x.leaf("CreDtTm", x.dateTime(s.createdMs))
        x.open("FrToDt")
        x.leaf("FrDtTm", x.dateTime(s.fromTimeMs))
        x.leaf("ToDtTm", x.dateTime(s.toTimeMs))
        x.close("FrToDt")
        x.open("Acct")
        x.open("Id")
        x.open("Othr")
        x.leaf("Id", String(s.account.prefix(34)))
        x.open("SchmeNm")
        x.leaf("Prtry", "ZKPAY")
        x.close("SchmeNm")
        x.leaf("Issr", String(s.chain.hex.prefix(16)))
        x.close("Othr")
        x.close("Id")
        x.leaf("Ccy", s.currency)
        if !s.accountName.isEmpty { x.leaf("Nm", text(s.accountName, max: 70)) }
        x.open("Prxy")
        x.leaf("Id", s.account)
        x.close("Prxy")
        x.close("Acct")
        try balance(&x, "OPBD", s.openingBalance, s.fromTimeMs, s)
        try balance(&x, "CLBD", s.closingBalance, s.toTimeMs, s)
        try summary(&x, s)
        for e in s.entries { try entry(&x, e, s) }
        x.close("Stmt")
        x.close("BkToCstmrStmt")
        x.close("Document")
        return x.text
    }

    /// 35 characters naming the statement: the account, chain and range hashed, so the same
    /// statement gets the same id and different ones differ.
    static func messageID(_ s: AccountStatement) -> String {
        var input = Array("zkpay/camt053".utf8) + Array(s.account.utf8) + s.chain.bytes
        for v in [s.fromSequence, s.toSequence] { withUnsafeBytes(of: v.littleEndian) { input += $0 } }
        return "ZKPAY" + String(ProtocolHex.encode(Hash.blake2b(input, outputLength: 16)).prefix(30))
    }

    static func balance(_ x: inout XMLText, _ code: String, _ units: UInt64, _ timeMs: UInt64,
                        _ s: AccountStatement) throws(StatementError) {
        x.open("Bal")
        x.open("Tp")
        x.open("CdOrPrtry")
        x.leaf("Cd", code)
        x.close("CdOrPrtry")
        x.close("Tp")
        x.leaf("Amt Ccy=\"\(s.currency)\"", try amount(units, s.format), close: "Amt")
        x.leaf("CdtDbtInd", "CRDT")
        x.open("Dt")
        x.leaf("DtTm", x.dateTime(timeMs))
        x.close("Dt")
        x.close("Bal")
    }

    static func summary(_ x: inout XMLText, _ s: AccountStatement) throws(StatementError) {
        let credits = s.entries.filter { $0.direction == .credit }
        let debits = s.entries.filter { $0.direction == .debit }
        func sum(_ es: [StatementEntry]) throws(StatementError) -> String {
            var total: UInt64 = 0
            for e in es {
                let (t, o) = total.addingReportingOverflow(e.amount)
                guard !o else { throw .amountNotRepresentable("the sum of the entries", reason: "it exceeds 2^64 units") }
                total = t
            }
            return try amount(total, s.format)
        }
        x.open("TxsSummry")
        x.open("TtlNtries")
        x.leaf("NbOfNtries", String(s.entries.count))
        x.close("TtlNtries")
        x.open("TtlCdtNtries")
        x.leaf("NbOfNtries", String(credits.count))
        x.leaf("Sum", try sum(credits))
        x.close("TtlCdtNtries")
        x.open("TtlDbtNtries")
        x.leaf("NbOfNtries", String(debits.count))
        x.leaf("Sum", try sum(debits))
        x.close("TtlDbtNtries")
        x.close("TxsSummry")
    }

    static func entry(_ x: inout XMLText, _ e: StatementEntry, _ s: AccountStatement) throws(StatementError) {
        let ccy = "Amt Ccy=\"\(s.currency)\""
        x.open("Ntry")
        x.leaf("NtryRef", String(e.sequence))
        x.leaf(ccy, try amount(e.amount, s.format), close: "Amt")
        x.leaf("CdtDbtInd", e.direction.rawValue)
        x.open("Sts")
        x.leaf("Cd", "BOOK")
        x.close("Sts")
        for tag in ["BookgDt", "ValDt"] {
            x.open(tag)
            x.leaf("DtTm", x.dateTime(e.timeMs))
            x.close(tag)
        }
        if !e.id.isEmpty { x.leaf("AcctSvcrRef", String(e.id.prefix(32))) }
        x.open("BkTxCd")
        x.open("Prtry")
        x.leaf("Cd", e.kind.rawValue)
        x.leaf("Issr", "ZKPAY")
        x.close("Prtry")
        x.close("BkTxCd")
        if e.fee > 0 {
            x.open("Chrgs")
            x.leaf("TtlChrgsAndTaxAmt Ccy=\"\(s.currency)\"", try amount(e.fee, s.format), close: "TtlChrgsAndTaxAmt")
            x.open("Rcrd")
            x.leaf(ccy, try amount(e.fee, s.format), close: "Amt")
            x.leaf("CdtDbtInd", "DBIT")
            x.leaf("ChrgInclInd", "true")
            x.close("Rcrd")
            x.close("Chrgs")
        }
        x.open("NtryDtls")
        x.open("TxDtls")
        if !e.id.isEmpty {
            x.open("Refs")
            x.leaf("AcctSvcrRef", String(e.id.prefix(32)))
            x.close("Refs")
        }
        let party = text(e.counterparty, max: 140)
        if !party.isEmpty {
            x.open("RltdPties")
            let role = e.direction == .credit ? "Dbtr" : "Cdtr"
            x.open(role)
            x.open("Pty")
            x.leaf("Nm", party)
            x.close("Pty")
            x.close(role)
            x.close("RltdPties")
        }
        let remittance = text(e.text, max: 140)
        if !remittance.isEmpty {
            x.open("RmtInf")
            x.leaf("Ustrd", remittance)
            x.close("RmtInf")
        }
        x.close("TxDtls")
        x.close("NtryDtls")
        let what = switch e.kind {
        case .transfer: "transfer"
        case .mint: "mint"
        case .burn: "burn"
        case .fees: "fees"
        }
        x.leaf("AddtlNtryInf", "zkpay \(what)" + (e.id.isEmpty ? "" : " \(e.id)") + " at ledger sequence \(e.sequence)")
        x.close("Ntry")
    }

    /// Units as the schema's decimal: the ledger's decimals with trailing zeros dropped.
    /// - Throws: `amountNotRepresentable` past 5 decimals or 18 digits.
    public static func amount(_ units: UInt64, _ format: AmountFormat) throws(StatementError) -> String {
        var s = format.formatExact(units)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? parts[1].count : 0
        guard fraction <= 5 else {
            throw .amountNotRepresentable(s, reason: "ISO 20022 amounts have at most 5 decimals and this ledger has "
                + "\(format.decimals); start ledgers that export statements with --decimals 5 or fewer")
        }
        let digits = parts[0].drop { $0 == "0" }.count + fraction
        guard digits <= 18 else { throw .amountNotRepresentable(s, reason: "ISO 20022 amounts have at most 18 digits") }
        return s
    }

    /// Text for a Max-N element: control characters dropped (XML 1.0 cannot carry most of
    /// them), cut to `max` characters, escaped by `XMLText`.
    static func text(_ s: String, max: Int) -> String {
        let kept = s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f && $0.value != 0xfffe && $0.value != 0xffff }
        let trimmed = String(String.UnicodeScalarView(kept)).trimmingCharacters(in: .whitespaces)
        // The schema counts characters as code points.
        return String(String.UnicodeScalarView(trimmed.unicodeScalars.prefix(max)))
    }
}

/// Indented XML built element by element; every text value is escaped.
struct XMLText {
    private(set) var text = ""
    private var depth = 0
    /// One formatter for the whole document (building one per value is costly).
    private let dates: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    /// `2026-12-06T16:00:00.123Z` for a time in ms since 1970.
    func dateTime(_ ms: UInt64) -> String { dates.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) }

    mutating func line(_ s: String) { text += String(repeating: "  ", count: depth) + s + "\n" }
    mutating func open(_ tag: String) {
        line("<\(tag)>")
        depth += 1
    }
    mutating func close(_ tag: String) {
        depth -= 1
        line("</\(tag)>")
    }
    /// `<tag>value</tag>`; `tag` may carry attributes, then `close` names the element.
    mutating func leaf(_ tag: String, _ value: String, close: String? = nil) {
        line("<\(tag)>\(Markup.escape(value))</\(close ?? tag)>")
    }
}
