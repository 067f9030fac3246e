import Testing
import ZKPayCore

@Suite("Receipt-key fingerprint")
struct ReceiptKeyFingerprintTests {
    /// The key 00 01 … 1f: the vector of docs/PROTOCOL.md ("Receipt-key fingerprint"),
    /// computed independently with Python's `hashlib.blake2b(key, digest_size=32,
    /// key=b"zkpay/receipt-key-fingerprint/v1")`.
    static let vector = "d6dec166cda1d32a16f134cdebfeb4d6b2dd07eec8c3c1b65fa7f29c08bb3b90"

    @Test("the known answer of the protocol document")
    func knownAnswer() {
        let key = (0..<32).map { UInt8($0) }
        #expect(ReceiptKeyFingerprint(publicKey: key).hex == Self.vector)
        #expect(ReceiptKeyFingerprint(publicKey: key).matches(publicKey: key))
        var other = key
        other[31] ^= 1
        #expect(!ReceiptKeyFingerprint(publicKey: key).matches(publicKey: other))
    }

    @Test("parsing accepts either case and separators, and refuses anything but 32 bytes of hex")
    func parsing() {
        let fp = ReceiptKeyFingerprint(publicKey: Array(repeating: 7, count: 32))
        #expect(ReceiptKeyFingerprint(parsing: fp.hex) == fp)
        #expect(ReceiptKeyFingerprint(parsing: fp.hex.uppercased()) == fp)
        let grouped = stride(from: 0, to: 64, by: 4).map { i -> String in
            let s = fp.hex.index(fp.hex.startIndex, offsetBy: i)
            return String(fp.hex[s..<fp.hex.index(s, offsetBy: 4)])
        }.joined(separator: ":")
        #expect(ReceiptKeyFingerprint(parsing: grouped) == fp)
        #expect(ReceiptKeyFingerprint(parsing: String(fp.hex.dropLast(2))) == nil)
        #expect(ReceiptKeyFingerprint(parsing: fp.hex + "00") == nil)
        #expect(ReceiptKeyFingerprint(parsing: "zz" + fp.hex.dropFirst(2)) == nil)
        #expect(ReceiptKeyFingerprint(parsing: "") == nil)
    }
}
