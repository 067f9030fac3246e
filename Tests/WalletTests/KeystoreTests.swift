import Foundation
import Sodium
import TestSupport
import Testing
import Wallet
import ZKPayCore

@Suite("Keystore")
struct KeystoreTests {
    static let parameters = KDFLevel.test.parameters

    static func seed(_ tag: UInt8) -> SecretBytes { SecretBytes(copying: (0..<32).map { UInt8($0) &* 7 &+ tag }) }
    static func pass(_ s: String) -> SecretBytes { SecretBytes(copying: Array(s.utf8)) }

    @Test("a sealed seed opens with its passphrase to the same seed and address")
    func roundTrip() throws {
        let seed = Self.seed(1)
        let file = try Keystore.seal(seed: seed, passphrase: Self.pass("correct horse"), parameters: Self.parameters)
        #expect(file.count == Keystore.fileLength)
        let header = try Keystore.header(of: file, path: "k")
        let expected = try WalletKeys(seed: seed).address
        #expect(header.address == expected)
        #expect(header.parameters == Self.parameters)
        let opened = try Keystore.open(file, passphrase: Self.pass("correct horse"), wallet: "w", path: "k")
        #expect(opened.seed.constantTimeEquals(seed))
        #expect(opened.keys.address == expected)
    }

    @Test("two seals of one seed differ (fresh salt and nonce)")
    func freshRandomness() throws {
        let a = try Keystore.seal(seed: Self.seed(2), passphrase: Self.pass("p"), parameters: Self.parameters)
        let b = try Keystore.seal(seed: Self.seed(2), passphrase: Self.pass("p"), parameters: Self.parameters)
        #expect(a != b)
    }

    @Test("a wrong passphrase is rejected as such")
    func wrongPassphrase() throws {
        let file = try Keystore.seal(seed: Self.seed(3), passphrase: Self.pass("right"), parameters: Self.parameters)
        #expect(throws: WalletError.wrongPassphrase(wallet: "alice")) {
            try Keystore.open(file, passphrase: Self.pass("wrong"), wallet: "alice", path: "k")
        }
        #expect(throws: WalletError.badPassphrase("the passphrase is empty; choose a non-empty passphrase")) {
            try Keystore.open(file, passphrase: Self.pass(""), wallet: "alice", path: "k")
        }
    }

    @Test("changing any byte of the file makes opening fail")
    func everyByteTampered() throws {
        let file = try Keystore.seal(seed: Self.seed(4), passphrase: Self.pass("pw"), parameters: Self.parameters)
        for i in 0..<file.count {
            for flip: UInt8 in [0x01, 0x80] {
                var tampered = file
                tampered[i] ^= flip
                #expect(throws: WalletError.self, "byte \(i) ^ \(flip)") {
                    try Keystore.open(tampered, passphrase: Self.pass("pw"), wallet: "w", path: "k")
                }
            }
        }
        #expect(throws: WalletError.self) { try Keystore.open(Array(file.dropLast()), passphrase: Self.pass("pw"), wallet: "w", path: "k") }
        #expect(throws: WalletError.self) { try Keystore.open(file + [0], passphrase: Self.pass("pw"), wallet: "w", path: "k") }
    }

    @Test("the KDF level comes from ZKPAY_KDF, moderate by default, and unknown names are refused")
    func kdfLevels() throws {
        #expect(try KDFLevel.fromEnvironment([:]) == .moderate)
        #expect(try KDFLevel.fromEnvironment(["ZKPAY_KDF": "test"]) == .test)
        #expect(KDFLevel.moderate.parameters.memLimitBytes == 256 << 20)
        #expect(KDFLevel.moderate.parameters.opsLimit == 3)
        #expect(throws: WalletError.unknownKDFLevel("fast")) { try KDFLevel.fromEnvironment(["ZKPAY_KDF": "fast"]) }
    }

    @Test("seeds round-trip through hex and zkpseed bech32m; bad seed text is refused")
    func seedText() throws {
        let seed = Self.seed(5)
        let hex = SeedText.hex(seed)
        let b32 = SeedText.bech32m(seed)
        #expect(hex.count == 64)
        #expect(b32.hasPrefix("zkpseed1"))
        #expect(try SeedText.parse(hex).constantTimeEquals(seed))
        #expect(try SeedText.parse(hex.uppercased()).constantTimeEquals(seed))
        #expect(try SeedText.parse(" " + b32 + "\n").constantTimeEquals(seed))
        for bad in [String(hex.dropLast()), hex + "00", "zz" + hex.dropFirst(2), String(b32.dropLast()) + "q",
                    "zkpseed1qqqq", ""] {
            #expect(throws: WalletError.self, "\(bad)") { try SeedText.parse(bad) }
        }
    }
}
