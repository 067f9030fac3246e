import Foundation
import Testing
import ZKPayCore

@Suite("zkpay pin: the ledger (chain id) pinned out of band")
struct PinCLITests {
    /// The contents of the home's validators.json ("" when there is none).
    static func pins(_ home: String) -> String {
        (try? String(contentsOfFile: home + "/validators.json", encoding: .utf8)) ?? ""
    }

    @Test("pin from the genesis file or a matching chain id; a wrong chain id or another ledger's genesis pins nothing")
    func pinning() throws {
        let (zkpay, home, validator, addresses) = try WalletCLITests.world("pin")
        let otherData = temporaryPath("pin-other-data")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
            try? FileManager.default.removeItem(atPath: otherData)
        }
        let genesisFile = validator.data + "/" + Genesis.fileName
        let genesis = try Genesis(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: genesisFile))))
        let fingerprint = genesis.chainID.hex
        let url = validator.url

        // `validator init` prints the chain id the operator publishes.
        let issuer = try #require(addresses["issuer"])
        let initialized = try zkpay.expect(["validator", "init", "--data", otherData, "--issuer", issuer], 0)
        let otherGenesis = try Genesis(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: otherData + "/" + Genesis.fileName))))
        let otherFingerprint = otherGenesis.chainID.hex
        #expect(initialized.out.contains("chain id:           \(otherFingerprint)"), "\(initialized.out)")

        // Nothing pinned yet.
        let bare = try zkpay.expect(["pin", "--validator", url], 0)
        #expect(bare.out.contains("no ledger is pinned for \(url)"), "\(bare.out)")

        // A chain id that is not the validator's ledger: an error, and nothing written.
        let wrong = try zkpay.expect(["pin", "--validator", url, "--chain-id", otherFingerprint], 1)
        #expect(wrong.err.contains("Nothing was pinned") && wrong.err.contains(otherFingerprint), "\(wrong.err)")
        #expect(!Self.pins(home).contains(url))
        let malformed = try zkpay.expect(["pin", "--validator", url, "--chain-id", "abc"], 64)
        #expect(malformed.err.contains("64 hex digits"), "\(malformed.err)")

        // Another ledger's genesis while this validator answers: refused, nothing written.
        let foreign = try zkpay.expect(["pin", "--validator", url, "--genesis", otherData], 1)
        #expect(foreign.err.contains("Nothing was pinned"), "\(foreign.err)")
        #expect(!Self.pins(home).contains(url))

        // The genesis file (or its directory) pins the ledger and prints its chain id.
        let pinned = try zkpay.expect(["pin", "--validator", url, "--genesis", genesisFile], 0)
        #expect(pinned.out.contains("pinned now") && pinned.out.contains(fingerprint), "\(pinned.out)")
        #expect(Self.pins(home).contains(genesis.chainID.hex))
        let again = try zkpay.expect(["pin", "--validator", url, "--genesis", validator.data], 0)
        #expect(again.out.contains("already pinned"), "\(again.out)")
        let shown = try jsonObject(try zkpay.expect(["pin", "--validator", url, "--json"], 0).out)
        #expect(shown["chain_id"] as? String == fingerprint)

        // With the ledger pinned out of band, wallet commands print no trust-on-first-use note.
        let balance = try zkpay.expect(["balance", "--wallet", "alice", "--validator", url], 0)
        #expect(!balance.err.contains("trust on first use"), "\(balance.err)")

        // A second home pins by the published chain id; a different pinned ledger is refused.
        let home2 = temporaryPath("pin-home2")
        defer { try? FileManager.default.removeItem(atPath: home2) }
        let zkpay2 = ZKPay(home: home2)
        let byFingerprint = try zkpay2.expect(["pin", "--validator", url, "--chain-id", fingerprint.uppercased()], 0)
        #expect(byFingerprint.out.contains("pinned now"), "\(byFingerprint.out)")
        let home3 = temporaryPath("pin-home3")
        defer { try? FileManager.default.removeItem(atPath: home3) }
        let zkpay3 = ZKPay(home: home3)
        try zkpay3.expect(["wallet", "create", "carol"], 0)
        // Pinned from another ledger's genesis while the validator is away (out of band, no check possible)...
        let away = "http://127.0.0.1:\(closedPort())"
        try zkpay3.expect(["pin", "--validator", away, "--genesis", otherData], 0)
        let before = Self.pins(home3)
        // ...a later mismatch between the pin and what a validator serves is a clear error.
        let mismatch = try zkpay3.expect(["pin", "--validator", away, "--genesis", genesisFile], 1)
        #expect(mismatch.err.contains("pinned chain id \(otherFingerprint)"), "\(mismatch.err)")
        #expect(Self.pins(home3) == before)
    }
}
