import Testing
import Sodium
import TestSupport

@Suite("SecretBytes and randomness")
struct SecretBytesTests {
    @Test("constant-time equality is true exactly for equal contents of equal length")
    func equality() {
        var rng = SeededRNG(seed: 0x50d1_0003)
        print("SecretBytesTests equality seed \(rng.seed)")
        let bytes = rng.bytes(32)
        let a = SecretBytes(copying: bytes)
        #expect(a.constantTimeEquals(SecretBytes(copying: bytes)))
        #expect(a.constantTimeEquals(a))
        for i in bytes.indices {
            var t = bytes
            t[i] ^= 0x80
            #expect(!a.constantTimeEquals(SecretBytes(copying: t)), "byte \(i)")
        }
        #expect(!a.constantTimeEquals(SecretBytes(copying: bytes.dropLast())))
        #expect(!a.constantTimeEquals(SecretBytes(copying: bytes + [0])))
        #expect(SecretBytes(copying: []).constantTimeEquals(SecretBytes(copying: [])))
    }

    @Test("the description never shows the bytes")
    func redacted() {
        let secret = SecretBytes(copying: [0xde, 0xad, 0xbe, 0xef, 0x41, 0x42])
        let text = "\(secret) \(String(describing: secret)) \(String(reflecting: secret))"
        #expect(secret.description == "SecretBytes(6 bytes, redacted)")
        for needle in ["dead", "beef", "DEAD", "222", "173", "AB"] { #expect(!text.contains(needle), "\(needle)") }
    }

    @Test("withUnsafeBytes reads back what was stored, and count is kept")
    func contents() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5]
        let s = SecretBytes(copying: bytes)
        #expect(s.count == 5)
        #expect(s.withUnsafeBytes { Array($0) } == bytes)
        let filled = SecretBytes(count: 3) { $0.copyBytes(from: [9, 8, 7]) }
        #expect(filled.withUnsafeBytes { Array($0) } == [9, 8, 7])
    }

    @Test("secureZero clears an array")
    func zero() {
        var bytes: [UInt8] = [1, 2, 3]
        secureZero(&bytes)
        #expect(bytes == [0, 0, 0])
    }

    @Test("secureZero clears arrays and single values of plain multi-byte types, in place")
    func zeroPlainValues() {
        // Built at run time: a literal's storage can be static and shared, and wiping it would copy.
        var words: [UInt64] = (1...3).map { UInt64.max / $0 }
        var digits: [Int8] = [-8, 7, -1]
        var pair: (UInt64, UInt32) = (.max, .max)
        let before = words.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        secureZero(&words)
        // The same storage was cleared (no copy was made and cleared instead).
        #expect(words.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == before)
        secureZero(&digits)
        secureZero(value: &pair)
        #expect(words == [0, 0, 0])
        #expect(digits == [0, 0, 0])
        #expect(pair == (0, 0))
    }

    @Test("random outputs differ between calls and are not all zero")
    func randomness() {
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)  // equal with probability 2^-256
        #expect(a != [UInt8](repeating: 0, count: 32))
        #expect(SecureRandom.uint64() != SecureRandom.uint64() || SecureRandom.uint64() != SecureRandom.uint64())
        let r1 = SecretBytes(randomCount: 32)
        let r2 = SecretBytes(randomCount: 32)
        #expect(!r1.constantTimeEquals(r2))
        #expect(SecureRandom.bytes(0).isEmpty)
    }

    @Test("libsodium reports a version")
    func version() {
        #expect(Sodium.version.split(separator: ".").count >= 2)
    }
}
