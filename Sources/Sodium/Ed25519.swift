internal import CSodium

/// Ed25519 signatures (libsodium), used for ledger receipts and as the benchmark baseline.
public struct Ed25519KeyPair: Sendable {
    /// 32-byte public key.
    public let publicKey: [UInt8]
    /// 64-byte libsodium secret key (seed ‖ public key), wiped on release.
    public let secretKey: SecretBytes

    /// A fresh random key pair.
    public init() {
        Sodium.ensureInitialized()
        var pk = [UInt8](repeating: 0, count: 32)
        secretKey = SecretBytes(count: 64) { sk in
            pk.withUnsafeMutableBytes { p in
                _ = crypto_sign_keypair(p.bindMemory(to: UInt8.self).baseAddress!, sk.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        publicKey = pk
    }

    /// The key pair for a 32-byte seed.
    public init(seed: SecretBytes) throws(SodiumError) {
        Sodium.ensureInitialized()
        guard seed.count == 32 else { throw .wrongLength(field: "Ed25519 seed", expected: 32, actual: seed.count) }
        var pk = [UInt8](repeating: 0, count: 32)
        secretKey = SecretBytes(count: 64) { sk in
            seed.withUnsafeBytes { s in
                pk.withUnsafeMutableBytes { p in
                    _ = crypto_sign_seed_keypair(p.bindMemory(to: UInt8.self).baseAddress!,
                                                 sk.bindMemory(to: UInt8.self).baseAddress!,
                                                 s.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        }
        publicKey = pk
    }

    /// A 64-byte detached signature over `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: 64)
        let status = secretKey.withUnsafeBytes { sk in
            sig.withUnsafeMutableBytes { s in
                message.withUnsafeBytes { m in
                    crypto_sign_detached(s.bindMemory(to: UInt8.self).baseAddress!, nil,
                                         m.bindMemory(to: UInt8.self).baseAddress, UInt64(message.count),
                                         sk.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        }
        precondition(status == 0, "crypto_sign_detached cannot fail with a valid key")
        return sig
    }
}

/// Ed25519 verification.
public enum Ed25519 {
    /// True if `signature` is a valid signature of `message` under `publicKey`.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ensureInitialized()
        guard signature.count == 64, publicKey.count == 32 else { return false }
        return signature.withUnsafeBytes { s in
            message.withUnsafeBytes { m in
                publicKey.withUnsafeBytes { p in
                    crypto_sign_verify_detached(s.bindMemory(to: UInt8.self).baseAddress!,
                                                m.bindMemory(to: UInt8.self).baseAddress, UInt64(message.count),
                                                p.bindMemory(to: UInt8.self).baseAddress!)
                }
            }
        } == 0
    }
}
