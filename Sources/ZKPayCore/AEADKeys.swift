import Sodium

/// The XChaCha20-Poly1305 key and nonce that memos (§7.2) and auditor ciphertexts (§7.4.1)
/// derive from their secret key material: okm = BLAKE2b-512 keyed with the object's domain
/// of `input`, key = okm[0..32), nonce = okm[32..56). `input` and okm are wiped here.
enum AEADKeys {
    static func derive(_ input: inout [UInt8], domain: String) -> (key: SecretBytes, nonce: [UInt8]) {
        var okm = Hash.blake2b(input, outputLength: 64, key: Domain.key(domain))
        let key = SecretBytes(copying: okm[0..<32])
        let nonce = Array(okm[32..<56])
        secureZero(&input)
        secureZero(&okm)
        return (key, nonce)
    }
}
