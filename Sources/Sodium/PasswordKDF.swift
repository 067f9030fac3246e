internal import CSodium

/// Argon2id password hashing (libsodium `crypto_pwhash`, algorithm ARGON2ID13) with
/// explicit parameters that callers store beside the derived material.
public struct Argon2idParameters: Sendable, Equatable, Codable {
    /// Number of passes.
    public var opsLimit: UInt64
    /// Memory in bytes.
    public var memLimitBytes: Int

    /// libsodium's "interactive" level (2 passes, 64 MiB): for wallet keystores.
    public static let interactive = Argon2idParameters(opsLimit: UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE),
                                                       memLimitBytes: Int(crypto_pwhash_MEMLIMIT_INTERACTIVE))
    /// The cheapest parameters libsodium allows (tests only).
    public static let minimum = Argon2idParameters(opsLimit: UInt64(crypto_pwhash_OPSLIMIT_MIN),
                                                   memLimitBytes: Int(crypto_pwhash_MEMLIMIT_MIN))

    public init(opsLimit: UInt64, memLimitBytes: Int) {
        self.opsLimit = opsLimit
        self.memLimitBytes = memLimitBytes
    }
}

public enum PasswordKDF {
    public static let saltBytes = Int(crypto_pwhash_SALTBYTES)

    /// Derives `length` secret bytes from `passphrase` and a 16-byte `salt` with Argon2id.
    /// - Throws: `SodiumError.wrongLength` for a bad salt; `operationFailed` when the
    ///   parameters are out of libsodium's range or memory cannot be allocated.
    public static func deriveKey(passphrase: SecretBytes, salt: [UInt8], parameters: Argon2idParameters, length: Int = 32) throws(SodiumError) -> SecretBytes {
        Sodium.ensureInitialized()
        guard salt.count == saltBytes else { throw .wrongLength(field: "Argon2id salt", expected: saltBytes, actual: salt.count) }
        guard passphrase.count > 0 else { throw .operationFailed("Argon2id: the passphrase is empty; choose a non-empty passphrase") }
        var status: Int32 = -1
        let key = SecretBytes(count: length) { out in
            status = passphrase.withUnsafeBytes { p in
                salt.withUnsafeBytes { s in
                    crypto_pwhash(out.bindMemory(to: UInt8.self).baseAddress!, UInt64(length),
                                  p.bindMemory(to: CChar.self).baseAddress!, UInt64(passphrase.count),
                                  s.bindMemory(to: UInt8.self).baseAddress!, parameters.opsLimit, parameters.memLimitBytes,
                                  crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard status == 0 else { throw .operationFailed("crypto_pwhash (Argon2id): parameters out of range or out of memory") }
        return key
    }
}
