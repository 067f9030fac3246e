import Foundation
import Testing

@Suite("zkpay redeem against a real validator")
struct RedeemCLITests {
    @Test("mint, redeem to a bank reference: balance drops by amount + fee, the issuer sees the burn, the audit balances")
    func redeem() throws {
        let (zkpay, home, validator, _) = try WalletCLITests.world("redeem")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1000"], 0)
        let issuerWatch = try zkpay.start(["watch", "--wallet", "issuer", "--count", "1", "--timeout", "60", "--json"])

        // A reference a bank file could not carry is a usage error; nothing is submitted.
        try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "1", "--reference", "line\nbreak"], 64)
        try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "1", "--reference", String(repeating: "R", count: 141)], 64)
        // More than the wallet holds: refused with the spendable balance, nothing reserved.
        let tooMuch = try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "1000", "--reference", "X"], 1)
        #expect(tooMuch.err.contains("1000"), "\(tooMuch.err)")

        let redeemed = try jsonObject(try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "250", "--reference",
                                                        "INV-2026-0042 ACME", "--json"], 0).out)
        #expect((redeemed["redemption_id"] as? String)?.count == 64)
        #expect(redeemed["sequence"] as? Int == 2 && redeemed["units"] as? Int == 250_000_000)
        let receipt = try #require(redeemed["receipt"] as? [String: Any])
        #expect(receipt["kind"] as? String == "redemption")

        let balance = try jsonObject(try zkpay.expect(["balance", "--wallet", "alice", "--json"], 0).out)
        #expect(balance["units"] as? Int == 1_000_000_000 - 250_000_000 - 1_000, "\(balance)")
        let history = try zkpay.expect(["history", "--wallet", "alice"], 0).out
        #expect(history.contains("redeemed 250.00 to bank reference \"INV-2026-0042 ACME\""), "\(history)")

        let watched = ZKPay.collect(issuerWatch)
        #expect(watched.code == 0, "watch: \(watched.out) \(watched.err)")
        let burn = try jsonObject(watched.out.split(separator: "\n").first.map(String.init) ?? "")
        #expect(burn["kind"] as? String == "burned" && burn["units"] as? Int == 250_000_000)
        #expect(burn["memo"] as? String == "INV-2026-0042 ACME", "\(watched.out)")
        #expect(burn["id"] as? String == redeemed["redemption_id"] as? String)

        let audit = try jsonObject(try zkpay.expect(["audit", "--validator", validator.url, "--json"], 0).out)
        let minted = try #require(audit["minted_units"] as? Int), burned = try #require(audit["burned_units"] as? Int)
        let fees = try #require(audit["fees_units"] as? Int), outstanding = try #require(audit["outstanding_units"] as? Int)
        #expect(audit["ok"] as? Bool == true && audit["redemptions"] as? Int == 1, "\(audit)")
        #expect(minted == 1_000_000_000 && burned == 250_000_000 && fees == 1_000)
        #expect(minted - burned - fees == outstanding && outstanding == 749_999_000)
        #expect(audit["burned"] as? String == "250.000000" && audit["outstanding"] as? String == "749.999000")
        // The local audit of the data directory (the validator stopped: one writer) agrees.
        validator.stop()
        let local = try jsonObject(try zkpay.expect(["audit", "--data", validator.data, "--json"], 0).out)
        #expect(local["outstanding_units"] as? Int == outstanding && local["burned_units"] as? Int == burned)
    }
}
