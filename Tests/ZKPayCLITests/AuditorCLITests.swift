import Foundation
import Testing

@Suite("zkpay auditor against a real validator")
struct AuditorCLITests {
    @Test("auditor create, a ledger naming it, a payment and a burn: the scan reads every amount (text, JSON, CSV) and flags nothing; another key is refused")
    func scan() throws {
        let home = temporaryPath("auditor-home")
        var zkpay = ZKPay(home: home)
        var addresses: [String: String] = [:]
        for name in ["alice", "bob", "issuer"] {
            addresses[name] = try jsonObject(try zkpay.expect(["wallet", "create", name, "--json"], 0).out)["address"] as? String
        }
        let created = try jsonObject(try zkpay.expect(["auditor", "create", "acme", "--json"], 0).out)
        let key = try #require(created["auditor"] as? String)
        #expect(key.hasPrefix("zkpaud1") && key.count == 65, "\(key)")
        let again = try zkpay.expect(["auditor", "create", "acme"], 1)
        #expect(again.err.contains("already exists"), "\(again.err)")
        try zkpay.expect(["auditor", "create", "other"], 0)
        // A key that is not an auditor key is a usage error naming the fix.
        let wrongKey = try zkpay.expect(["validator", "init", "--data", temporaryPath("auditor-bad"), "--issuer",
                                         try #require(addresses["issuer"]), "--auditor", try #require(addresses["alice"])], 64)
        #expect(wrongKey.err.contains("zkpay auditor create"), "\(wrongKey.err)")

        let validator = try LoopbackValidator(zkpay: zkpay, issuer: try #require(addresses["issuer"]),
                                              data: temporaryPath("auditor-data"), initArguments: ["--auditor", key])
        zkpay.environment["ZKPAY_VALIDATOR"] = validator.url
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1000"], 0)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "250"], 0)
        try zkpay.expect(["redeem", "--wallet", "bob", "--amount", "100", "--reference", "INV 7, \"ACME\""], 0)

        let scanned = try jsonObject(try zkpay.expect(["auditor", "scan", "--auditor", "acme", "--json"], 0).out)
        #expect(scanned["auditor"] as? String == key)
        #expect(scanned["records"] as? Int == 3 && scanned["transfers"] as? Int == 2 && scanned["flagged"] as? Int == 0, "\(scanned)")
        let items = try #require(scanned["items"] as? [[String: Any]])
        #expect(items.map { $0["kind"] as? String } == ["mint", "transfer", "redemption"])
        func amounts(_ item: [String: Any]) -> [String] {
            ((item["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["amount"] as? String }
        }
        #expect(amounts(items[0]) == ["1000000000"])
        // alice pays bob 250 with fee 0.001 and keeps 749.999; bob burns 100 and keeps 149.999.
        #expect(Set(amounts(items[1])) == ["250000000", "749999000"], "\(items[1])")
        #expect(items[1]["fee"] as? String == "1000" && items[1]["flagged"] as? Bool == false)
        #expect(Set(amounts(items[2])) == ["100000000", "149999000"], "\(items[2])")
        let recipients = ((items[2]["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["recipient"] as? String }
        #expect(recipients.contains("bank \"INV 7, \"ACME\"\""), "\(recipients)")
        // The home's wallets are named; the mint comes from the issuer.
        #expect(items.map { $0["sender"] as? String } == ["issuer", "alice", "bob"], "\(items)")
        #expect(recipients.contains("bob"), "\(recipients)")

        let csv = try zkpay.expect(["auditor", "scan", "--auditor", "acme", "--csv"], 0).out
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first == "sequence,time,kind,id,sender,output,recipient,amount,fee,flag")
        #expect(lines.contains { $0.contains(",redemption,") && $0.contains("\"bank \"\"INV 7, \"\"ACME\"\"\"\"\",100000000,") },
                "\(csv)")
        let text = try zkpay.expect(["auditor", "scan", "--auditor", "acme"], 0).out
        #expect(text.contains("3 records, 2 transfers, 0 flagged"), "\(text)")
        #expect(text.contains("250.00") && text.contains("100.00"), "\(text)")

        // A key the genesis does not name reads nothing.
        let stranger = try zkpay.expect(["auditor", "scan", "--auditor", "other"], 1)
        #expect(stranger.err.contains("does not name auditor"), "\(stranger.err)")
    }
}
