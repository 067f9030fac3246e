import Foundation
public import Sodium
public import ZKPayCore

/// Auditor keys in the wallet home:
///
///     auditors/NAME.auditor   a keystore (the format of `Keystore`, 0600) sealing a 32-byte
///                             seed; the auditor secret is s = BLAKE2b-512("zkpay/auditor-secret/v1",
///                             seed) mod l (`AuditorSecret`), its key A = s⁻¹·B~
///     auditors/NAME.zkpaud    the public key as text (`zkpaud1…`), readable without the passphrase
extension WalletHome {
    var auditorsDirectory: String { path + "/auditors" }

    /// The keystore file of auditor `name`.
    public func auditorKeystorePath(_ name: String) -> String { auditorsDirectory + "/" + name + ".auditor" }

    /// The public key file of auditor `name`.
    public func auditorKeyPath(_ name: String) -> String { auditorsDirectory + "/" + name + ".zkpaud" }

    /// Makes a new auditor key from `seed`, sealed under `passphrase`; refuses to replace one.
    /// - Returns: its public key.
    @discardableResult
    public func createAuditor(name: String, seed: SecretBytes, passphrase: SecretBytes,
                              parameters: Argon2idParameters) throws(WalletError) -> AuditorKey {
        try Self.validateName(name)
        try Files.ensureDirectory(auditorsDirectory)
        let secret: AuditorSecret
        do { secret = try AuditorSecret(seed: seed) } catch { throw .invalidSeed(error.description) }
        let file = auditorKeystorePath(name)
        guard !Files.exists(file) else { throw .walletExists(name) }
        let sealed = try Keystore.seal(seed: seed, passphrase: passphrase, parameters: parameters)
        do { try Files.writeAtomically(sealed, to: file, exclusive: true) } catch {
            if case let .io(_, _, code) = error, code == EEXIST { throw .walletExists(name) }
            throw error
        }
        try Files.writeAtomically(Array((secret.publicKey.encoded + "\n").utf8), to: auditorKeyPath(name), exclusive: false)
        return secret.publicKey
    }

    /// Decrypts auditor `name`'s secret.
    public func unlockAuditor(_ name: String, passphrase: SecretBytes) throws(WalletError) -> AuditorSecret {
        try Self.validateName(name)
        let file = auditorKeystorePath(name)
        guard let bytes = try Files.read(file) else { throw .walletNotFound(name: name, home: auditorsDirectory) }
        let (seed, _) = try Keystore.open(bytes, passphrase: passphrase, wallet: name, path: file)
        do { return try AuditorSecret(seed: seed) } catch { throw .keystoreMalformed(path: file, reason: "\(error)") }
    }
}
