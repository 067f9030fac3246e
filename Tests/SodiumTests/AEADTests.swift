import Sodium
import Testing
import TestSupport

@Suite("XChaCha20-Poly1305")
struct AEADTests {
    // draft-irtf-cfrg-xchacha-03, Appendix A.3.1 (the AEAD_XChaCha20_Poly1305 example).
    let key = SecretBytes(copying: Hex.decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))
    let nonce = Hex.decode("404142434445464748494a4b4c4d4e4f5051525354555657")
    let ad = Hex.decode("50515253c0c1c2c3c4c5c6c7")
    let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)

    @Test("sealing the draft's example gives its ciphertext and tag")
    func knownAnswer() throws {
        let sealed = try XChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce, associatedData: ad)
        #expect(Hex.encode(sealed.suffix(16)) == "c0875924c1c7987947deafd8780acf49")
        #expect(Hex.encode(sealed.prefix(16)) == "bd6d179d3e83d43b9576579493c0e939")
        let opened = try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: ad)
        #expect(opened.withUnsafeBytes { Array($0) } == plaintext)
    }

    @Test("every flipped byte of the ciphertext, nonce or associated data is rejected")
    func tampering() throws {
        let sealed = try XChaCha20Poly1305.seal(Array(plaintext.prefix(20)), key: key, nonce: nonce, associatedData: ad)
        for i in sealed.indices {
            var bad = sealed
            bad[i] ^= 0x01
            #expect(throws: SodiumError.authenticationFailed) { try XChaCha20Poly1305.open(bad, key: key, nonce: nonce, associatedData: ad) }
        }
        for i in nonce.indices {
            var bad = nonce
            bad[i] ^= 0x80
            #expect(throws: SodiumError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, key: key, nonce: bad, associatedData: ad) }
        }
        for i in ad.indices {
            var bad = ad
            bad[i] ^= 0x01
            #expect(throws: SodiumError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: bad) }
        }
        let wrongKey = SecretBytes(randomCount: 32)
        #expect(throws: SodiumError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, key: wrongKey, nonce: nonce, associatedData: ad) }
        #expect(throws: SodiumError.authenticationFailed) { try XChaCha20Poly1305.open(Array(sealed.prefix(15)), key: key, nonce: nonce) }
    }

    @Test("wrong key and nonce sizes are errors naming the field")
    func sizes() {
        #expect(throws: SodiumError.wrongLength(field: "AEAD nonce", expected: 24, actual: 12)) {
            try XChaCha20Poly1305.seal([], key: key, nonce: Array(nonce.prefix(12)))
        }
        #expect(throws: SodiumError.wrongLength(field: "AEAD key", expected: 32, actual: 16)) {
            try XChaCha20Poly1305.seal([], key: SecretBytes(randomCount: 16), nonce: nonce)
        }
    }
}

@Suite("Argon2id")
struct PasswordKDFTests {
    let salt = Hex.decode("000102030405060708090a0b0c0d0e0f")

    @Test("the same passphrase, salt and parameters derive the same key; any change derives another")
    func deterministic() throws {
        let pass = SecretBytes(copying: Array("correct horse battery staple".utf8))
        let a = try PasswordKDF.deriveKey(passphrase: pass, salt: salt, parameters: .minimum)
        let b = try PasswordKDF.deriveKey(passphrase: pass, salt: salt, parameters: .minimum)
        #expect(a.constantTimeEquals(b))
        var otherSalt = salt
        otherSalt[0] = 1
        let c = try PasswordKDF.deriveKey(passphrase: pass, salt: otherSalt, parameters: .minimum)
        #expect(!a.constantTimeEquals(c))
        let d = try PasswordKDF.deriveKey(passphrase: SecretBytes(copying: Array("correct horse battery stapl3".utf8)), salt: salt, parameters: .minimum)
        #expect(!a.constantTimeEquals(d))
        #expect("\(a)".contains("redacted"))
    }

    @Test("a bad salt or an empty passphrase is a clear error")
    func errors() {
        #expect(throws: SodiumError.wrongLength(field: "Argon2id salt", expected: 16, actual: 8)) {
            try PasswordKDF.deriveKey(passphrase: SecretBytes(copying: [1]), salt: Array(salt.prefix(8)), parameters: .minimum)
        }
        #expect(throws: SodiumError.self) {
            try PasswordKDF.deriveKey(passphrase: SecretBytes(copying: []), salt: salt, parameters: .minimum)
        }
    }
}
