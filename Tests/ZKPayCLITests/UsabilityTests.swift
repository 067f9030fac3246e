import Foundation
import Testing

/// The rough edges a new user met between the README and the binary (names that could
/// redirect money, host names, exit codes, one seen-cursor, receipts, units, JSON errors).
@Suite("zkpay as a new user meets it")
struct UsabilityTests {
    static func cleanup(_ home: String, _ validator: LoopbackValidator) {
        validator.stop()
        try? FileManager.default.removeItem(atPath: home)
        try? FileManager.default.removeItem(atPath: validator.data)
    }

    @Test("a contact cannot take a wallet's name or silently change address; sends name the address; near misses and bad amounts are explained")
    func namesAndAmounts() throws {
        let (zkpay, home, validator, addresses) = try WalletCLITests.world("names")
        defer { Self.cleanup(home, validator) }
        let alice = try #require(addresses["alice"])
        let bob = try #require(addresses["bob"])

        // `bob` is a wallet: a contact of that name would redirect `send --to bob`.
        let shadow = try zkpay.expect(["contacts", "add", "bob", alice], 64)
        #expect(shadow.err.contains("'bob' is the name of a wallet"), "\(shadow.err)")
        #expect(try zkpay.expect(["contacts", "add", "carol", alice], 0).out == "added contact carol: \(alice)\n")
        // The same address again changes nothing; another address needs --replace.
        #expect(try zkpay.expect(["contacts", "add", "carol", alice], 0).out.contains("nothing changed"))
        let silent = try zkpay.expect(["contacts", "add", "carol", bob], 1)
        #expect(silent.err.contains("contact 'carol' already names \(alice); give --replace"), "\(silent.err)")
        let replaced = try zkpay.expect(["contacts", "add", "carol", bob, "--replace"], 0).out
        #expect(replaced.contains("old: \(alice)") && replaced.contains("new: \(bob)"), "\(replaced)")
        // Contacts belong to the home, not to a wallet.
        #expect(try zkpay.expect(["contacts", "add", "dave", bob, "--wallet", "alice"], 64).err.contains("wallet home"))

        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0)
        let sent = try zkpay.expect(["send", "--wallet", "alice", "--to", "carol", "--amount", "1"], 0).out
        #expect(sent.contains("sent 1.00 to carol (\(bob.prefix(14))…), fee 0.001"), "\(sent)")
        let history = try zkpay.expect(["history", "--wallet", "alice"], 0).out
        #expect(history.contains("sent     1.00 to carol (\(bob.prefix(14))…)"), "\(history)")

        // A near miss is answered with the name it probably meant, before any passphrase.
        let near = try zkpay.expect(["send", "--wallet", "alice", "--to", "carl", "--amount", "1"], 64)
        #expect(near.err.hasPrefix("error: --to: no contact or wallet is named 'carl'; did you mean 'carol'?"), "\(near.err)")
        // -1 and 0 get one message.
        for amount in ["-1", "0", "0.000000"] {
            let r = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", amount], 64)
            #expect(r.err.hasPrefix("error: --amount \(amount): an amount must be more than 0; the smallest is 0.000001"), "\(r.err)")
        }

        // A home from before the rule, where a contact shadows a wallet with another address: refused.
        try "{\"bob\": \"\(alice)\"}".write(toFile: home + "/contacts.json", atomically: true, encoding: .utf8)
        let clash = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "1"], 1)
        #expect(clash.err.contains("'bob' is both a wallet and a contact"), "\(clash.err)")

        // Under --json an error is one JSON object on stderr.
        let usage = try zkpay.expect(["send", "--wallet", "alice", "--to", "nobody", "--amount", "1", "--json"], 64)
        let usageError = try #require(try jsonObject(usage.err)["error"] as? [String: Any])
        #expect(usageError["code"] as? String == "usage" && (usageError["message"] as? String)?.contains("nobody") == true)
        let broke = try zkpay.expect(["send", "--wallet", "bob", "--to", "alice", "--amount", "100", "--json"], 1)
        #expect(broke.out.isEmpty)
        #expect((try jsonObject(broke.err)["error"] as? [String: Any])?["code"] as? String == "insufficient_funds", "\(broke.err)")
    }

    @Test("one cursor: balance shows a new payment with sender and sequence once, watch does not repeat it; watch --timeout exits 124; receipts of past payments; ZKPAY_VALIDATOR with a host name")
    func seenCursorAndReceipts() throws {
        let (zkpay, home, validator, _) = try WalletCLITests.world("cursor")
        defer { Self.cleanup(home, validator) }
        let port = try #require(validator.url.split(separator: ":").last)

        // Nothing arrives: a distinct exit code and a line that says so.
        let idle = try zkpay.expect(["watch", "--wallet", "bob", "--count", "1", "--timeout", "1"], 124)
        #expect(idle.out.hasSuffix("no payment within 1 s\n"), "\(idle.out)")
        let idleJSON = try zkpay.expect(["watch", "--wallet", "bob", "--timeout", "1", "--json"], 124)
        #expect((try jsonObject(idleJSON.err)["error"] as? [String: Any])?["code"] as? String == "timeout")

        // A payment nobody watched: balance announces it with its sender and sequence...
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "20"], 0)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "2.5", "--memo", "lunch"], 0)
        let first = try zkpay.expect(["balance", "--wallet", "bob"], 0).out
        #expect(first.contains("new: received 2.50 from alice (memo: lunch)  [sequence 2]"), "\(first)")
        let second = try zkpay.expect(["balance", "--wallet", "bob"], 0).out
        #expect(!second.contains("new:"), "\(second)")
        // ...and watch, sharing the cursor, does not announce it again.
        let quiet = try zkpay.expect(["watch", "--wallet", "bob", "--count", "1", "--timeout", "1"], 124)
        #expect(!quiet.out.contains("received"), "\(quiet.out)")
        let history = try zkpay.expect(["history", "--wallet", "bob"], 0).out
        #expect(history.contains("#2    received 2.50 from alice (memo: lunch)"), "\(history)")
        // A mint received shows the issuer and its sequence too.
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "bob", "--amount", "1"], 0)
        let minted = try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)
        let new = try #require(minted["new"] as? [[String: Any]])
        #expect(new.count == 1 && new.first?["kind"] as? String == "minted" && new.first?["sequence"] as? Int == 3
            && new.first?["amount"] as? String == "1.000000" && new.first?["fee_units"] as? Int == 0, "\(minted)")

        // Receipts: the sender's is kept in history; the recipient fetches it from the validator.
        let entries = try #require(try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)["history"]
            as? [[String: Any]])
        let sentEntry = try #require(entries.first { $0["kind"] as? String == "sent" })
        let id = try #require(sentEntry["id"] as? String)
        #expect(sentEntry["receipt"] is String && sentEntry["fee"] as? String == "0.001000" && sentEntry["fee_units"] as? Int == 1000)
        let aliceFile = temporaryPath("alice-receipt") + ".json"
        let bobFile = temporaryPath("bob-receipt") + ".json"
        defer {
            try? FileManager.default.removeItem(atPath: aliceFile)
            try? FileManager.default.removeItem(atPath: bobFile)
        }
        #expect(try zkpay.expect(["receipt", "get", id, "--wallet", "alice", "--out", aliceFile], 0).out
            .contains("kept in the wallet's history"))
        #expect(try zkpay.expect(["receipt", "get", String(id.prefix(10)), "--wallet", "bob", "--out", bobFile], 0).out
            .contains("from \(validator.url), checked under its pinned key"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: aliceFile)) == Data(contentsOf: URL(fileURLWithPath: bobFile)))
        let bobEntries = try #require(try jsonObject(try zkpay.expect(["history", "--wallet", "bob", "--json"], 0).out)["history"]
            as? [[String: Any]])
        #expect(bobEntries.first { $0["id"] as? String == id }?["receipt"] is String, "the fetched receipt is kept")
        #expect(try zkpay.expect(["receipt", "get", String(repeating: "ab", count: 32), "--wallet", "bob"], 1).err
            .contains("has no finalized transfer"))

        // receipt verify: the time in ISO 8601; a changed member is named; an unreadable file says why.
        let verified = try zkpay.expect(["receipt", "verify", bobFile], 0).out
        #expect(verified.range(of: #"settled at 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"#,
                               options: .regularExpression) != nil, "\(verified)")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bobFile)))
            as? [String: Any])
        #expect(object["sequence"] as? Int == 2)
        object["sequence"] = 7
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: bobFile))
        #expect(try zkpay.expect(["receipt", "verify", bobFile], 1).err
            == "error: verification failed: sequence differs from the signed bytes\n")
        #expect(try zkpay.expect(["receipt", "verify", bobFile + ".missing"], 1).err
            == "error: cannot read \(bobFile).missing: No such file or directory\n")
        #expect(try zkpay.expect(["receipt", "verify", home], 1).err.contains("Is a directory"))

        // ZKPAY_VALIDATOR with a host name: audit honours it, amounts in coins.
        let audit = try zkpay.expect(["audit"], 0, environment: ["ZKPAY_VALIDATOR": "http://localhost:\(port)"]).out
        #expect(audit.contains("supply:    20.999 (minted 21.00, fees 0.001)"), "\(audit)")
        try zkpay.expect(["balance", "--wallet", "bob", "--validator", "http://localhost:\(port)/"], 0)
        let unknown = try zkpay.expect(["balance", "--wallet", "bob", "--validator", "http://no-such-host.invalid:1"], 1)
        #expect(unknown.err.contains("cannot resolve the host 'no-such-host.invalid'") && unknown.err.contains("ZKPAY_VALIDATOR"),
                "\(unknown.err)")
    }

    @Test("version, validator init with a wallet name as issuer and the minimum fee in named units")
    func versionAndInit() throws {
        let home = temporaryPath("init-home")
        let data = temporaryPath("init-data")
        defer {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: data)
        }
        let zkpay = ZKPay(home: home)
        for args in [["--version"], ["version"]] {
            let out = try zkpay.expect(args, 0).out
            #expect(out.hasPrefix("zkpay ") && out.contains("protocol:   zkpay/2") && out.contains("log format: 2"), "\(out)")
        }
        let created = try jsonObject(try zkpay.expect(["wallet", "create", "issuer", "--json"], 0).out)
        let issuer = try #require(created["address"] as? String)
        let out = try zkpay.expect(["validator", "init", "--data", data, "--issuer", "issuer", "--min-fee-units", "1500"], 0).out
        #expect(out.contains("issuer:             \(issuer)") && out.contains("minimum fee:        0.0015 (1500 units)"), "\(out)")
        #expect(try zkpay.expect(["validator", "init", "--data", data + "x", "--issuer", "nobody"], 64).err
            .contains("neither a zkpay address"))
    }
}
