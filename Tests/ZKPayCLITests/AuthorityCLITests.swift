import Foundation
import Testing

@Suite("zkpay authority against a real validator")
struct AuthorityCLITests {
    @Test("draft, sign by the validator and the issuer, submit: the auditor keys change at the stated sequence, wallets disclose to the new auditor from there, and each auditor's scan reads the transfers of its own sequences")
    func change() throws {
        let home = temporaryPath("authority-home")
        var zkpay = ZKPay(home: home)
        var addresses: [String: String] = [:]
        for name in ["alice", "bob", "issuer"] {
            addresses[name] = try jsonObject(try zkpay.expect(["wallet", "create", name, "--json"], 0).out)["address"] as? String
        }
        let acme = try #require(try jsonObject(try zkpay.expect(["auditor", "create", "acme", "--json"], 0).out)["auditor"] as? String)
        let beta = try #require(try jsonObject(try zkpay.expect(["auditor", "create", "beta", "--json"], 0).out)["auditor"] as? String)
        let validator = try LoopbackValidator(zkpay: zkpay, issuer: try #require(addresses["issuer"]),
                                              data: temporaryPath("authority-data"), initArguments: ["--auditor", acme])
        zkpay.environment["ZKPAY_VALIDATOR"] = validator.url
        let file = temporaryPath("authority-statement")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
            try? FileManager.default.removeItem(atPath: file)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1000"], 0)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "250"], 0)

        let shown = try jsonObject(try zkpay.expect(["authority", "show", "--json"], 0).out)
        #expect((shown["authorities"] as? [[String: Any]])?.count == 1 && shown["sequence"] as? Int == 2, "\(shown)")
        // Not ahead of the ledger: refused before anything is written.
        let early = try zkpay.expect(["authority", "draft", "--effective", "3", "--auditor", beta, "--out", file], 64)
        #expect(early.err.contains("not ahead"), "\(early.err)")
        // The statement settles at 3; beta is in office from 5.
        try zkpay.expect(["authority", "draft", "--effective", "5", "--auditor", beta, "--out", file], 0)
        let unsigned = try zkpay.expect(["authority", "submit", file], 1)
        #expect(unsigned.err.contains("needs 1"), "\(unsigned.err)")
        try zkpay.expect(["authority", "sign", file, "--data", validator.data], 0)
        let noIssuer = try zkpay.expect(["authority", "submit", file], 1)
        #expect(noIssuer.err.contains("issuer must sign"), "\(noIssuer.err)")
        let wrongWallet = try zkpay.expect(["authority", "sign", file, "--issuer", "--wallet", "alice"], 1)
        #expect(wrongWallet.err.contains("not the ledger's issuer"), "\(wrongWallet.err)")
        try zkpay.expect(["authority", "sign", file, "--issuer", "--wallet", "issuer"], 0)
        let review = try zkpay.expect(["authority", "show", "--file", file], 0).out
        #expect(review.contains("signed by: v1; the issuer") && review.contains("continues the ledger's chain"), "\(review)")
        let submitted = try zkpay.expect(["authority", "submit", file], 0).out
        #expect(submitted.contains("settled at sequence 3"), "\(submitted)")
        let after = try zkpay.expect(["authority", "show"], 0).out
        #expect(after.contains("authority 1 from sequence 5") && after.contains(beta), "\(after)")

        // Sequence 4 is still acme's, 5 beta's: the wallet reads the auditors in office.
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "100"], 0)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "40"], 0)
        func amounts(_ item: [String: Any]) -> [String] {
            ((item["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["amount"] as? String }
        }
        for (auditor, reads) in [("acme", [2, 4]), ("beta", [5])] {
            let scanned = try jsonObject(try zkpay.expect(["auditor", "scan", "--auditor", auditor, "--json"], 0).out)
            let items = try #require(scanned["items"] as? [[String: Any]], "\(scanned)")
            #expect(items.map { $0["kind"] as? String } == ["mint", "transfer", "authority", "transfer", "transfer"], "\(items)")
            #expect(scanned["flagged"] as? Int == 0, "\(scanned)")
            for (k, item) in items.enumerated() where item["kind"] as? String == "transfer" {
                #expect(amounts(item).isEmpty != reads.contains(k + 1), "\(auditor) at \(k + 1): \(item)")
            }
        }
        let last = try jsonObject(try zkpay.expect(["auditor", "scan", "--auditor", "beta", "--json"], 0).out)
        let items = try #require(last["items"] as? [[String: Any]])
        #expect(Set(amounts(items[4])) == ["40000000", "609997000"], "\(items[4])")
        // The full audit re-checks the statement against the chain on the way.
        try zkpay.expect(["audit"], 0)
    }
}
