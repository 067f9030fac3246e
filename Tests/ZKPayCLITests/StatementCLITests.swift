import Foundation
import TestSupport
import Testing

/// `zkpay history --format camt053` against a real validator whose genesis says EUR with 2
/// decimals: amounts follow the genesis, the file validates under the ISO 20022 schema
/// (real xmllint), and its balances are the ones `zkpay balance` showed at those sequences.
@Suite("camt.053 statements from the CLI")
struct StatementCLITests {
    /// The first `<Amt …>` after the balance code `code` (OPBD or CLBD).
    static func balance(_ code: String, in xml: String) -> String? {
        guard let at = xml.range(of: "<Cd>\(code)</Cd>"),
              let amt = xml.range(of: "<Amt Ccy=\"EUR\">", range: at.upperBound..<xml.endIndex),
              let end = xml.range(of: "</Amt>", range: amt.upperBound..<xml.endIndex) else { return nil }
        return String(xml[amt.upperBound..<end.lowerBound])
    }

    /// Units (2 decimals) as the statement writes them: trailing zeros dropped.
    static func decimal(_ units: Int) -> String {
        var s = "\(units / 100).\(String(format: "%02d", units % 100))"
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    @Test("a EUR ledger with 2 decimals: amounts parse and show with 2 decimals, statements validate and reconcile with balance at every --to")
    func eurStatements() throws {
        let (zkpay, home, validator, _) = try WalletCLITests.world("camt", initArguments: ["--currency", "EUR", "--decimals", "2"])
        defer { UsabilityTests.cleanup(home, validator) }
        let dir = temporaryPath("camt-files")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        /// `zkpay balance --json`: (sequence, units).
        func balance(_ wallet: String) throws -> (sequence: Int, units: Int) {
            let o = try jsonObject(try zkpay.expect(["balance", "--wallet", wallet, "--json"], 0).out)
            return (try #require(o["sequence"] as? Int), try #require(o["units"] as? Int))
        }

        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1000"], 0)
        // The ledger has 2 decimals: a third is refused, and amounts show with 2.
        let fine = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "0.001"], 64)
        #expect(fine.err.contains("more than 2 decimals"), "\(fine.err)")
        let sent = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "12.34", "--memo", "rent <x> & co"], 0)
        #expect(sent.out.contains("sent 12.34 to bob") && sent.out.contains("fee 10.00"), "\(sent.out)")
        let afterFirst = try balance("alice")
        #expect(afterFirst.units == 100_000 - 1_234 - 1_000)
        _ = try balance("bob")
        try zkpay.expect(["send", "--wallet", "bob", "--to", "alice", "--amount", "2"], 0)
        // A burn to a bank reference: 5.00 plus the fee leave alice's account.
        try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "5", "--reference", "INV-2026-7"], 0)
        let final = try balance("alice")
        #expect(final.units == afterFirst.units + 200 - 500 - 1_000)

        // The whole history: valid, one entry per payment, closing = balance.
        let file = dir + "/alice.xml"
        try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053", "--out", file], 0)
        let xml = try String(contentsOfFile: file, encoding: .utf8)
        let check = try XMLSchema.validate(xml: xml, schema: XMLSchema.camt053)
        #expect(check.valid, "\(check.output)\n\(xml)")
        #expect(xml.contains("<Ccy>EUR</Ccy>"))
        #expect(xml.components(separatedBy: "<Ntry>").count - 1 == 4)
        #expect(xml.contains("<Cd>ZKPAY-BURN</Cd>") && xml.contains("<Ustrd>INV-2026-7</Ustrd>")
            && xml.contains("<Amt Ccy=\"EUR\">15</Amt>"))
        #expect(Self.balance("OPBD", in: xml) == "0")
        #expect(Self.balance("CLBD", in: xml) == Self.decimal(final.units), "\(xml)")
        #expect(xml.contains("<Amt Ccy=\"EUR\">22.34</Amt>") && xml.contains("rent &lt;x&gt; &amp; co"))

        // Up to the sequence of the first balance, and from it: both ends are what balance said then.
        let upTo = try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053", "--to", "\(afterFirst.sequence)"], 0).out
        #expect(try XMLSchema.validate(xml: upTo, schema: XMLSchema.camt053).valid)
        #expect(Self.balance("CLBD", in: upTo) == Self.decimal(afterFirst.units), "\(upTo)")
        let fromThen = try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053",
                                         "--from", "\(afterFirst.sequence)"], 0).out
        #expect(Self.balance("OPBD", in: fromThen) == Self.decimal(afterFirst.units))
        #expect(Self.balance("CLBD", in: fromThen) == Self.decimal(final.units))
        #expect(fromThen.components(separatedBy: "<Ntry>").count - 1 == 2)

        // Bob's statement reconciles too.
        let bob = try zkpay.expect(["history", "--wallet", "bob", "--format", "camt053"], 0).out
        #expect(try XMLSchema.validate(xml: bob, schema: XMLSchema.camt053).valid)
        #expect(Self.balance("CLBD", in: bob) == Self.decimal(try balance("bob").units))

        // The issuer's issuance account: the mint in, the burn to pay out; its balance is what
        // the audit reports as minted less burned.
        let issuance = try zkpay.expect(["history", "--wallet", "issuer", "--format", "camt053", "--issuance"], 0).out
        #expect(try XMLSchema.validate(xml: issuance, schema: XMLSchema.camt053).valid, "\(issuance)")
        #expect(issuance.contains("<Cd>ZKPAY-MINT</Cd>") && issuance.contains("<Cd>ZKPAY-BURN</Cd>"))
        let audit = try jsonObject(try zkpay.expect(["audit", "--json"], 0).out)
        let minted = try #require(audit["minted_units"] as? Int)
        let burned = try #require(audit["burned_units"] as? Int)
        #expect(minted == 100_000 && burned == 500)
        #expect(Self.balance("CLBD", in: issuance) == Self.decimal(minted - burned), "\(issuance)")
        #expect(try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053", "--issuance"], 1).err
            .contains("not the ledger's issuer"))

        // Usage errors before anything is written.
        #expect(try zkpay.expect(["history", "--wallet", "alice", "--format", "pdf"], 64).err.contains("camt053"))
        #expect(try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053", "--to", "999"], 64).err
            .contains("past the ledger's sequence"))
        #expect(try zkpay.expect(["history", "--wallet", "alice", "--from", "1"], 64).err.contains("--format camt053"))
    }
}
