public import Sodium
public import ZKPayCore
import Ristretto255

/// How hard the keystore's Argon2id is. Real wallets use `moderate` (libsodium's
/// OPSLIMIT/MEMLIMIT_MODERATE: 3 passes over 256 MiB) or `sensitive`; `interactive` and
/// `test` exist for scripts and the test suite and are chosen only through the
/// `ZKPAY_KDF` environment variable. The parameters are stored in each keystore's
/// header, so a wallet opens whatever level was current when it was written.
public enum KDFLevel: String, Sendable, CaseIterable {
    case sensitive, moderate, interactive, test

    /// The Argon2id parameters of the level (libsodium's named constants; `test` is the
    /// minimum libsodium accepts).
    public var parameters: Argon2idParameters {
        switch self {
        case .sensitive: Argon2idParameters(opsLimit: 4, memLimitBytes: 1 << 30)
        case .moderate: Argon2idParameters(opsLimit: 3, memLimitBytes: 256 << 20)
        case .interactive: .interactive
        case .test: .minimum
        }
    }

    /// The level named by `ZKPAY_KDF` (default `moderate`).
    /// - Throws: `unknownKDFLevel` for any other value.
    public static func fromEnvironment(_ environment: [String: String]) throws(WalletError) -> KDFLevel {
        guard let name = environment["ZKPAY_KDF"], !name.isEmpty else { return .moderate }
        guard let level = KDFLevel(rawValue: name) else { throw .unknownKDFLevel(name) }
        return level
    }
}

/// The keystore file: a wallet's 32-byte seed encrypted under a passphrase.
///
///     magic "zkpaykey" (8) ‖ version u8 = 1 ‖ kdf u8 = 1 (Argon2id v1.3)
///     opslimit u64 LE ‖ memlimit bytes u64 LE ‖ salt (16) ‖ nonce (24)
///     address payload P ‖ V (64)                       ← header, 130 bytes
///     XChaCha20-Poly1305(key = Argon2id(passphrase, salt), nonce, AD = header)(seed) (32 + 16)
///
/// The header is the AEAD's associated data, so changing any byte of the file (KDF
/// parameters, salt, nonce, the public address, the ciphertext or the tag) makes opening
/// fail; the address in the header lets `wallet list` and `address` work without the
/// passphrase, and opening checks that the seed derives exactly that address.
public enum Keystore {
    static let magic = Array("zkpaykey".utf8)
    static let version: UInt8 = 1
    static let kdfArgon2id13: UInt8 = 1
    /// Header length in bytes.
    public static let headerLength = 8 + 1 + 1 + 8 + 8 + 16 + 24 + 64
    /// File length in bytes.
    public static let fileLength = headerLength + WalletKeys.seedLength + XChaCha20Poly1305.tagBytes
    /// Bounds on stored parameters: a damaged or hostile file must not make opening
    /// allocate gigabytes or run for minutes.
    static let opsLimits: ClosedRange<UInt64> = 1...16
    static let memLimits: ClosedRange<UInt64> = 8192...(1 << 30)

    /// The public part of a keystore.
    public struct Header: Sendable {
        /// The Argon2id parameters the key was derived with.
        public let parameters: Argon2idParameters
        /// The Argon2id salt.
        public let salt: [UInt8]
        /// The AEAD nonce.
        public let nonce: [UInt8]
        /// The wallet's address (authenticated only once the file is opened).
        public let address: Address

        var bytes: [UInt8] {
            var out = Keystore.magic
            out.append(Keystore.version)
            out.append(Keystore.kdfArgon2id13)
            out += littleEndian(parameters.opsLimit)
            out += littleEndian(UInt64(parameters.memLimitBytes))
            out += salt
            out += nonce
            out += address.payload
            return out
        }
    }

    /// Encrypts `seed` under `passphrase` with fresh salt and nonce.
    /// - Throws: `badPassphrase` for an empty passphrase; `invalidSeed` for a seed that
    ///   derives no keys.
    public static func seal(seed: SecretBytes, passphrase: SecretBytes,
                            parameters: Argon2idParameters) throws(WalletError) -> [UInt8] {
        let keys: WalletKeys
        do { keys = try WalletKeys(seed: seed) } catch { throw .invalidSeed(error.description) }
        let header = Header(parameters: parameters, salt: SecureRandom.bytes(PasswordKDF.saltBytes),
                            nonce: SecureRandom.bytes(XChaCha20Poly1305.nonceBytes), address: keys.address)
        let key = try deriveKey(passphrase: passphrase, header: header)
        let headerBytes = header.bytes
        var plaintext = seed.withUnsafeBytes { Array($0) }
        defer { secureZero(&plaintext) }
        do {
            return try headerBytes + XChaCha20Poly1305.seal(plaintext, key: key, nonce: header.nonce,
                                                           associatedData: headerBytes)
        } catch { throw .keystoreMalformed(path: "the new keystore", reason: "encryption failed (\(error))") }
    }

    /// Parses the header without the passphrase (no authentication yet).
    /// - Throws: `keystoreMalformed` naming what is wrong.
    public static func header(of file: [UInt8], path: String) throws(WalletError) -> Header {
        func bad(_ reason: String) -> WalletError { .keystoreMalformed(path: path, reason: reason) }
        guard file.count == fileLength else { throw bad("it is \(file.count) bytes, a keystore is \(fileLength)") }
        guard Array(file[0..<8]) == magic else { throw bad("it does not start with \"zkpaykey\"") }
        guard file[8] == version else { throw bad("keystore version \(file[8]) is unknown (this zkpay reads 1)") }
        guard file[9] == kdfArgon2id13 else { throw bad("key-derivation function \(file[9]) is unknown") }
        let ops = readLittleEndian(file[10..<18])
        let mem = readLittleEndian(file[18..<26])
        guard opsLimits.contains(ops), memLimits.contains(mem) else {
            throw bad("Argon2id parameters (\(ops) passes, \(mem) bytes) are out of the accepted range")
        }
        let address: Address
        do {
            address = try Address(spend: RistrettoPoint(encoding: file[66..<98], field: "keystore address"),
                                  view: RistrettoPoint(encoding: file[98..<130], field: "keystore address"))
        } catch { throw bad("the stored address is not valid") }
        return Header(parameters: Argon2idParameters(opsLimit: ops, memLimitBytes: Int(mem)),
                      salt: Array(file[26..<42]), nonce: Array(file[42..<66]), address: address)
    }

    /// Decrypts the seed.
    /// - Throws: `wrongPassphrase` when authentication fails (wrong passphrase or any
    ///   changed byte), `keystoreMalformed` for a file that does not parse or whose seed
    ///   does not derive the stored address.
    public static func open(_ file: [UInt8], passphrase: SecretBytes, wallet: String,
                            path: String) throws(WalletError) -> (seed: SecretBytes, keys: WalletKeys) {
        let header = try header(of: file, path: path)
        let key = try deriveKey(passphrase: passphrase, header: header)
        let seed: SecretBytes
        do {
            seed = try XChaCha20Poly1305.open(Array(file[headerLength...]), key: key, nonce: header.nonce,
                                              associatedData: Array(file[0..<headerLength]))
        } catch { throw .wrongPassphrase(wallet: wallet) }
        let keys: WalletKeys
        do { keys = try WalletKeys(seed: seed) } catch {
            throw .keystoreMalformed(path: path, reason: "the decrypted seed derives no keys")
        }
        guard keys.address == header.address else {
            throw .keystoreMalformed(path: path, reason: "the seed does not derive the address in the header")
        }
        return (seed, keys)
    }

    static func deriveKey(passphrase: SecretBytes, header: Header) throws(WalletError) -> SecretBytes {
        guard passphrase.count > 0 else { throw .badPassphrase("the passphrase is empty; choose a non-empty passphrase") }
        do {
            return try PasswordKDF.deriveKey(passphrase: passphrase, salt: header.salt, parameters: header.parameters,
                                             length: XChaCha20Poly1305.keyBytes)
        } catch {
            throw .keystoreMalformed(path: "keystore", reason: "Argon2id failed (\(error)); is there enough memory?")
        }
    }
}

func littleEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

func readLittleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var v: UInt64 = 0
    for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
    return v
}
