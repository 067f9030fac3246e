import Foundation
import Ledger
import Sodium
import TestSupport
import Testing
import ZKPayCLI
import ZKPayCore

@Suite("zkpay validator init, audit, receipt verify")
struct LedgerCommandsTests {
    static func wallet(_ tag: UInt8) throws -> WalletKeys {
        try WalletKeys(seed: SecretBytes(copying: (0..<32).map { UInt8($0) &+ tag &* 29 }))
    }

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-ledger-\(UUID().uuidString)").path
    }

    @discardableResult
    func run(_ args: [String], _ expected: Int32) -> Console {
        let console = Console(capture: true)
        let code = ZKPayCLI.run(args, console: console)
        #expect(code == expected, "zkpay \(args.joined(separator: " ")): out \(console.out) err \(console.err)")
        return console
    }

    @Test("init creates genesis and a 0600 receipt key; audit of the empty ledger holds; a second init fails")
    func initAndAudit() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let issuer = try Self.wallet(1).address.encoded
        run(["validator", "init", "--data", dir, "--issuer", issuer, "--min-fee-units", "3"], 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/" + Genesis.keyFileName)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let out = run(["audit", "--data", dir, "--json"], 0).out
        #expect(out.hasPrefix("{\"ok\": true, \"notes\": 0, \"supply\": \"0.000000\", \"supply_units\": 0,"), "\(out)")
        run(["validator", "init", "--data", dir, "--issuer", issuer], 1)
        run(["validator", "init", "--data", dir, "--issuer", "zkp1notanaddress"], 64)
        run(["audit", "--data", dir + "-missing"], 1)
    }

    @Test("audit counts minted notes; receipts verify with --data and --genesis; tampered or foreign ones fail")
    func receiptsAndAudit() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let issuer = try Self.wallet(1)
        let alice = try Self.wallet(2)
        run(["validator", "init", "--data", dir, "--issuer", issuer.address.encoded], 0)
        let receipt: Receipt
        do {
            let ledger = try Ledger(storage: POSIXStorage(directory: dir, create: false))
            let mint = try Mint.create(chain: ledger.genesis.chainID, serial: 1,
                                       payments: [Payment(to: alice.address, amount: 700), Payment(to: alice.address, amount: 300)],
                                       issuer: issuer.spend)
            receipt = try #require(try ledger.submit(mint: mint, time: 1_000).receipt)
        }
        // Another ledger with the same issuer: its genesis does not certify this ledger's receipts.
        let other = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        run(["validator", "init", "--data", other, "--issuer", issuer.address.encoded], 0)
        let out = run(["audit", "--data", dir, "--json"], 0).out
        #expect(out.hasPrefix("{\"ok\": true, \"notes\": 2, \"supply\": \"0.001000\", \"supply_units\": 1000,"), "\(out)")

        let file = dir + "/r.bin"
        #expect(FileManager.default.createFile(atPath: file, contents: Data(receipt.bytes)))
        #expect(run(["receipt", "verify", file, "--data", dir], 0).out.contains("ok: receipt 1 for mint"))
        let hexFile = dir + "/r.hex"
        #expect(FileManager.default.createFile(atPath: hexFile, contents: Data((ProtocolHex.encode(receipt.bytes) + "\n").utf8)))
        run(["receipt", "verify", hexFile, "--genesis", dir + "/genesis.zkpg"], 0)
        run(["receipt", "verify", file, "--genesis", other + "/genesis.zkpg"], 1)
        run(["receipt", "verify", file, "--data", other], 1)
        var tampered = receipt.bytes
        tampered[20] ^= 1
        #expect(FileManager.default.createFile(atPath: file, contents: Data(tampered)))
        run(["receipt", "verify", file, "--data", dir], 1)
        run(["receipt", "verify", file], 64)
    }

    @Test("receipt verify reads receipts with paths (binary, hex, JSON); a ledger of an earlier format is refused clearly")
    func receiptVersions() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let issuer = try Self.wallet(1)
        let alice = try Self.wallet(2)
        run(["validator", "init", "--data", dir, "--issuer", issuer.address.encoded], 0)
        let ledger = try Ledger(storage: POSIXStorage(directory: dir, create: false))
        let mints = try (1...5).map { serial in
            try Mint.create(chain: ledger.genesis.chainID, serial: UInt64(serial),
                            payments: [Payment(to: alice.address, amount: 10)], issuer: issuer.spend)
        }
        let receipts = try ledger.submit(mints: mints, time: 5_000).compactMap(\.receipt)
        try #require(receipts.count == 5)
        let r = receipts[2]  // leaf 2 of 5: a path of 3 nodes
        #expect(r.path.count == 3)
        let bin = dir + "/r.bin", hex = dir + "/r.hex", json = dir + "/r.json"
        #expect(FileManager.default.createFile(atPath: bin, contents: Data(r.bytes)))
        #expect(FileManager.default.createFile(atPath: hex, contents: Data(ProtocolHex.encode(r.bytes).utf8)))
        #expect(FileManager.default.createFile(atPath: json, contents: Data(r.json.render(pretty: true).utf8)))
        for file in [bin, hex, json] {
            let out = run(["receipt", "verify", file, "--genesis", dir + "/genesis.zkpg", "--json"], 0).out
            #expect(out.contains("\"version\": 4") && out.contains("\"sequence\": 3") && out.contains("\"batch_first\": 1")
                && out.contains("\"state_digest\": \"\(ProtocolHex.encode(r.stateDigest))\"")
                && out.contains("\"batch_size\": 5") && out.contains("\"signers\": \"v1\""), "\(file): \(out)")
        }
        #expect(run(["receipt", "verify", bin, "--data", dir], 0).out.contains("in the batch of sequences 1...5"))
        // A changed path node (byte 100: inside the first node) fails the root and the signature.
        var tampered = r.bytes
        tampered[100] ^= 1
        #expect(FileManager.default.createFile(atPath: bin, contents: Data(tampered)))
        run(["receipt", "verify", bin, "--data", dir], 1)
        // A data directory of format version 1 (Fixtures/golden/genesis-v1.zkpg, written by an
        // earlier build) is refused with a message saying what to do.
        let old = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: old) }
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: old + "/genesis.zkpg", contents: Data(try Fixtures.data("golden/genesis-v1.zkpg"))))
        let refused = run(["receipt", "verify", bin, "--data", old], 1).err
        #expect(refused.contains("format version 1") && refused.contains("Run the zkpay version that created it"), "\(refused)")
    }

    @Test("a damaged genesis makes audit fail with a clear error")
    func damagedGenesis() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        run(["validator", "init", "--data", dir, "--issuer", try Self.wallet(1).address.encoded], 0)
        let path = dir + "/" + Genesis.fileName
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[20] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(run(["audit", "--data", dir], 1).err.contains("damaged"))
    }
}
