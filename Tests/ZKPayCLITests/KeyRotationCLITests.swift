import Foundation
import TestSupport
import Testing

/// `zkpay wallet rotate` against a real validator: new keys, every note moved in
/// ceil(n/16) transfers with checked receipts, history kept, the new address shown to share,
/// later payments to the old address swept with --resume, statements still reconcile.
@Suite("key rotation from the CLI")
struct KeyRotationCLITests {
    @Test("17 notes move to the new address in 2 transfers; a wrong passphrase changes nothing; --resume sweeps a later payment to the old address")
    func rotates() throws {
        let (zkpay, home, validator, addresses) = try WalletCLITests.world("rotate")
        defer { UsabilityTests.cleanup(home, validator) }
        let old = try #require(addresses["alice"])
        func units(_ wallet: String) throws -> Int {
            try #require(try jsonObject(try zkpay.expect(["balance", "--wallet", wallet, "--json"], 0).out)["units"] as? Int)
        }
        for _ in 0..<17 { try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1"], 0) }
        #expect(try units("alice") == 17_000_000)

        // A wrong passphrase is refused before anything changes.
        let wrong = try zkpay.expect(["wallet", "rotate", "--wallet", "alice"], 1, environment: ["ZKPAY_PASSPHRASE": "nope"])
        #expect(wrong.err.contains("passphrase"), "\(wrong.err)")
        #expect(try zkpay.expect(["address", "--wallet", "alice"], 0).out == old + "\n")

        let rotated = try jsonObject(try zkpay.expect(["wallet", "rotate", "--wallet", "alice", "--json"], 0).out)
        let new = try #require(rotated["address"] as? String)
        #expect(new != old && new.hasPrefix("zkp1"))
        #expect(rotated["former_addresses"] as? [String] == [old])
        #expect((rotated["transfers"] as? [String])?.count == 2, "\(rotated)")
        // Two fees of 0.001 (the test ledger's minimum fee is 1000 units).
        #expect(rotated["moved_units"] as? Int == 17_000_000 - 2_000)
        #expect(rotated["balance_units"] as? Int == 17_000_000 - 2_000)
        #expect(try zkpay.expect(["address", "--wallet", "alice"], 0).out == new + "\n")
        #expect(try units("alice") == 17_000_000 - 2_000)

        // History stays readable: the 17 mints and the 2 moves.
        let history = try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)
        let entries = try #require(history["history"] as? [[String: Any]])
        #expect(entries.filter { $0["kind"] as? String == "minted" }.count == 17)
        #expect(entries.filter { $0["kind"] as? String == "sent" && $0["counterparty"] as? String == new }.count == 2)

        // Contacts show the address to share.
        let contacts = try zkpay.expect(["contacts", "list"], 0).out
        #expect(contacts.contains("alice") && contacts.contains(new) && contacts.contains("rotated"), "\(contacts)")
        let contactsJSON = try jsonObject(try zkpay.expect(["contacts", "list", "--json"], 0).out)
        let wallets = try #require(contactsJSON["wallets"] as? [[String: Any]])
        let alice = try #require(wallets.first { $0["name"] as? String == "alice" })
        #expect(alice["address"] as? String == new && alice["former_addresses"] as? [String] == [old])

        // Someone still pays the old address: --resume moves it, and the new keys spend.
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "bob", "--amount", "5"], 0)
        try zkpay.expect(["send", "--wallet", "bob", "--to", old, "--amount", "1"], 0)
        let resumed = try jsonObject(try zkpay.expect(["wallet", "rotate", "--wallet", "alice", "--resume", "--json"], 0).out)
        #expect(resumed["address"] as? String == new)
        #expect((resumed["transfers"] as? [String])?.count == 1)
        #expect(try units("alice") == 17_000_000 - 2_000 + 1_000_000 - 1_000)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "3"], 0)
        #expect(try units("alice") == 17_000_000 - 2_000 + 1_000_000 - 1_000 - 3_000_000 - 1_000)

        // The statement reconciles across the rotation: moves between its own addresses cost only fees.
        let xml = try zkpay.expect(["history", "--wallet", "alice", "--format", "camt053"], 0).out
        #expect(try XMLSchema.validate(xml: xml, schema: XMLSchema.camt053).valid)
        #expect(xml.contains("<Amt Ccy=\"XXX\">14.996</Amt>"), "\(xml)")
    }
}
