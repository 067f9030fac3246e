internal import CSodium

/// XChaCha20-Poly1305 (IETF) authenticated encryption from libsodium, with an explicit
/// 24-byte nonce and associated data.
public enum XChaCha20Poly1305 {
    public static let keyBytes = 32
    public static let nonceBytes = 24
    public static let tagBytes = 16

    /// Encrypts `plaintext` under `key`; the result is ciphertext ‖ 16-byte tag.
    /// - Throws: `SodiumError.wrongLength` for a key or nonce of the wrong size.
    public static func seal(_ plaintext: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8] = []) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard key.count == keyBytes else { throw .wrongLength(field: "AEAD key", expected: keyBytes, actual: key.count) }
        guard nonce.count == nonceBytes else { throw .wrongLength(field: "AEAD nonce", expected: nonceBytes, actual: nonce.count) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var outLength: UInt64 = 0
        let status = key.withUnsafeBytes { k in
            out.withUnsafeMutableBytes { o in plaintext.withUnsafeBytes { p in nonce.withUnsafeBytes { n in associatedData.withUnsafeBytes { a in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    o.bindMemory(to: UInt8.self).baseAddress!, &outLength,
                    p.bindMemory(to: UInt8.self).baseAddress, UInt64(plaintext.count),
                    a.bindMemory(to: UInt8.self).baseAddress, UInt64(associatedData.count),
                    nil, n.bindMemory(to: UInt8.self).baseAddress!, k.bindMemory(to: UInt8.self).baseAddress!)
            } } } }
        }
        guard status == 0 else { throw .operationFailed("crypto_aead_xchacha20poly1305_ietf_encrypt") }
        return out
    }

    /// Decrypts and authenticates `ciphertext` (ciphertext ‖ tag).
    /// - Throws: `SodiumError.authenticationFailed` if the key, nonce, associated data or
    ///   ciphertext do not match; nothing is returned in that case.
    public static func open(_ ciphertext: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8] = []) throws(SodiumError) -> SecretBytes {
        Sodium.ensureInitialized()
        guard key.count == keyBytes else { throw .wrongLength(field: "AEAD key", expected: keyBytes, actual: key.count) }
        guard nonce.count == nonceBytes else { throw .wrongLength(field: "AEAD nonce", expected: nonceBytes, actual: nonce.count) }
        guard ciphertext.count >= tagBytes else { throw .authenticationFailed }
        var status: Int32 = -1
        let plain = SecretBytes(count: ciphertext.count - tagBytes) { o in
            var outLength: UInt64 = 0
            status = key.withUnsafeBytes { k in
                ciphertext.withUnsafeBytes { c in nonce.withUnsafeBytes { n in associatedData.withUnsafeBytes { a in
                    crypto_aead_xchacha20poly1305_ietf_decrypt(
                        o.bindMemory(to: UInt8.self).baseAddress, &outLength, nil,
                        c.bindMemory(to: UInt8.self).baseAddress!, UInt64(ciphertext.count),
                        a.bindMemory(to: UInt8.self).baseAddress, UInt64(associatedData.count),
                        n.bindMemory(to: UInt8.self).baseAddress!, k.bindMemory(to: UInt8.self).baseAddress!)
                } } }
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        return plain
    }
}
