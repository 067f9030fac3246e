import Foundation
import Sodium
import Testing
import Wallet
import ZKPayCore

func temporaryHome() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-home-\(UUID().uuidString)").path
}

func permissions(_ path: String) throws -> Int {
    try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
}

@Suite("WalletHome")
struct HomeTests {
    static let parameters = KDFLevel.test.parameters
    static func pass(_ s: String) -> SecretBytes { SecretBytes(copying: Array(s.utf8)) }

    @Test("the home is created 0700 and keystores 0600; a wallet cannot be created twice")
    func createsPrivately() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir + "/nested/home")
        #expect(try permissions(home.path) == 0o700)
        let (seed, keys) = WalletKeys.generate()
        let address = try home.createWallet(name: "alice", seed: seed, passphrase: Self.pass("pw"), parameters: Self.parameters)
        #expect(address == keys.address)
        #expect(try permissions(home.keystorePath("alice")) == 0o600)
        let before = try Data(contentsOf: URL(fileURLWithPath: home.keystorePath("alice")))
        #expect(throws: WalletError.walletExists("alice")) {
            try home.createWallet(name: "alice", seed: WalletKeys.generate().seed, passphrase: Self.pass("pw"),
                                  parameters: Self.parameters)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: home.keystorePath("alice"))) == before)
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/nested/home/wallets") == ["alice.wallet"])
    }

    @Test("a wrong passphrase changes nothing on disk")
    func wrongPassphraseChangesNothing() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        try home.createWallet(name: "bob", seed: WalletKeys.generate().seed, passphrase: Self.pass("right"),
                              parameters: Self.parameters)
        let before = try FileManager.default.subpathsOfDirectory(atPath: dir).sorted()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: home.keystorePath("bob")))
        #expect(throws: WalletError.wrongPassphrase(wallet: "bob")) { try home.unlock("bob", passphrase: Self.pass("wrong")) }
        #expect(try FileManager.default.subpathsOfDirectory(atPath: dir).sorted() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: home.keystorePath("bob"))) == bytes)
        #expect(try home.unlock("bob", passphrase: Self.pass("right")).keys.address == home.keystoreHeader("bob").address)
    }

    @Test("wallet selection: --wallet, then 'default', then the only wallet; otherwise a clear error")
    func selection() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        #expect(throws: WalletError.noWallet(home: dir)) { try home.selectWallet(nil) }
        try home.createWallet(name: "zed", seed: WalletKeys.generate().seed, passphrase: Self.pass("p"), parameters: Self.parameters)
        #expect(try home.selectWallet(nil) == "zed")
        try home.createWallet(name: "amy", seed: WalletKeys.generate().seed, passphrase: Self.pass("p"), parameters: Self.parameters)
        #expect(throws: WalletError.ambiguousWallet(names: ["amy", "zed"])) { try home.selectWallet(nil) }
        try home.createWallet(name: "default", seed: WalletKeys.generate().seed, passphrase: Self.pass("p"), parameters: Self.parameters)
        #expect(try home.selectWallet(nil) == "default")
        #expect(try home.selectWallet("amy") == "amy")
        #expect(throws: WalletError.walletNotFound(name: "nope", home: dir)) { try home.selectWallet("nope") }
        for bad in ["", "Alice", "a/b", "../x", "-x", String(repeating: "a", count: 33), "a b"] {
            #expect(throws: WalletError.invalidWalletName(bad)) { try home.selectWallet(bad) }
        }
        #expect(try home.walletNames() == ["amy", "default", "zed"])
    }

    @Test("contacts resolve by name; local wallets too; addresses are not names")
    func contacts() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        let carol = WalletKeys.generate().keys.address
        try home.addContact(name: "carol", address: carol)
        #expect(try home.contacts() == ["carol": carol])
        #expect(try home.resolveRecipient("carol") == carol)
        #expect(try home.resolveRecipient("dave") == nil)
        #expect(try home.resolveRecipient(carol.encoded) == nil)
        #expect(home.name(forSpendKey: carol.spendKey.encoding) == "carol")
        #expect(throws: WalletError.self) { try home.addContact(name: "Bad Name", address: carol) }
        #expect(try permissions(dir + "/contacts.json") == 0o600)
    }

    @Test("the ledger is pinned on first use, a different ledger is refused, and its genesis is kept")
    func pinning() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        let chain = ChainID(uncheckedBytes: [UInt8](repeating: 7, count: 32))
        #expect(try home.pin(chain: chain, for: "http://127.0.0.1:7878"))
        #expect(try !home.pin(chain: chain, for: "http://127.0.0.1:7878"))
        #expect(try home.pinnedChain(for: "http://127.0.0.1:7878") == chain)
        #expect(throws: LedgerMismatch.self) {
            try home.pin(chain: ChainID(uncheckedBytes: [UInt8](repeating: 8, count: 32)), for: "http://127.0.0.1:7878")
        }
        #expect(try home.pinnedChain(for: "http://127.0.0.1:7878") == chain)
        #expect(try home.pinnedChain(for: "http://127.0.0.1:9999") == nil)

        let issuer = try WalletKeys(seed: SecretBytes(copying: [UInt8](repeating: 3, count: 32)))
        let genesis = try Genesis(issuer: issuer.address, minimumFee: 1, validators: [
            GenesisValidator(name: "v1", publicKey: [UInt8](repeating: 1, count: 32)),
            GenesisValidator(name: "v2", publicKey: [UInt8](repeating: 2, count: 32)),
        ])
        #expect(try home.genesis(chain: genesis.chainID) == nil)
        try home.save(genesis: genesis)
        #expect(try home.genesis(chain: genesis.chainID) == genesis)
        #expect(try permissions(dir + "/ledgers/\(genesis.chainID.hex).zkpg") == 0o600)
    }
}
