import Foundation
import Sodium
import Testing
@testable import Wallet
import ZKPayCore

/// Key rotation in the wallet home: the old keystore retired before the new one replaces it,
/// a wrong passphrase changing nothing, retired keys readable in order.
@Suite("Key rotation (wallet home)")
struct KeyRotationTests {
    static func pass(_ s: String) -> SecretBytes { SecretBytes(copying: Array(s.utf8)) }

    @Test("each rotation retires the current keystore, keeps the passphrase and KDF cost, and lists former addresses oldest first")
    func rotatesAndRetires() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        let (seed, first) = WalletKeys.generate()
        try home.createWallet(name: "alice", seed: seed, passphrase: Self.pass("pw"), parameters: KDFLevel.test.parameters)

        #expect(throws: WalletError.self) { try home.rotateKeys("alice", passphrase: Self.pass("wrong")) }
        #expect(try home.retiredAddresses("alice").isEmpty)
        #expect(try home.keystoreHeader("alice").address == first.address)

        let r1 = try home.rotateKeys("alice", passphrase: Self.pass("pw"))
        #expect(r1.old.address == first.address && r1.new.address != first.address)
        #expect(try home.keystoreHeader("alice").address == r1.new.address)
        #expect(try home.unlock("alice", passphrase: Self.pass("pw")).keys.address == r1.new.address)
        #expect(try home.keystoreHeader("alice").parameters == KDFLevel.test.parameters)
        let r2 = try home.rotateKeys("alice", passphrase: Self.pass("pw"))
        #expect(r2.old.address == r1.new.address)
        #expect(try home.retiredAddresses("alice") == [first.address, r1.new.address])
        #expect(try home.retiredKeys("alice", passphrase: Self.pass("pw")).map(\.address) == [first.address, r1.new.address])
        // Retired keystores are not wallets of their own, and stay private.
        #expect(try home.walletNames() == ["alice"])
        #expect(try permissions(dir + "/wallets/retired/alice.1.wallet") == 0o600)
    }

    @Test("a crash after the retired copy and before the new keystore leaves the old keys current and loses no seed")
    func crashBetweenSteps() throws {
        let dir = temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = try WalletHome(path: dir)
        let (seed, keys) = WalletKeys.generate()
        try home.createWallet(name: "bob", seed: seed, passphrase: Self.pass("pw"), parameters: KDFLevel.test.parameters)
        // The first step alone, as a crash would leave it.
        try FileManager.default.createDirectory(atPath: dir + "/wallets/retired", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: home.keystorePath("bob"), toPath: dir + "/wallets/retired/bob.1.wallet")
        #expect(try home.unlock("bob", passphrase: Self.pass("pw")).keys.address == keys.address)
        // Rotating again works; the repeat of the same keys is listed once.
        let r = try home.rotateKeys("bob", passphrase: Self.pass("pw"))
        #expect(r.old.address == keys.address)
        #expect(try home.retiredKeys("bob", passphrase: Self.pass("pw")).map(\.address) == [keys.address])
    }
}
