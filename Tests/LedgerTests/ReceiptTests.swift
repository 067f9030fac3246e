@testable import Ledger
import Sodium
import Testing
import TestSupport
import ZKPayCore

@Suite("Receipts")
struct ReceiptTests {
    let pool = Pool.shared

    func receipt() -> Receipt? {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        return s.submit([pool.t1], time: 1_764_000_000_000)[0].receipt
    }

    @Test("a receipt carries sequence, id, time and chain hash, and verifies under the receipt key")
    func verifies() throws {
        let r = try #require(receipt())
        #expect(r.sequence == 2 && r.kind == .transfer && r.id == pool.t1.id.bytes && r.time == 1_764_000_000_000)
        #expect(r.bytes.count == Receipt.encodedLength)
        #expect(r.verify(publicKey: Pool.receiptKey.publicKey))
        let decoded = try Receipt(bytes: r.bytes)
        #expect(decoded == r && decoded.verify(publicKey: Pool.receiptKey.publicKey))
        #expect(!r.verify(publicKey: ReceiptKey().publicKey))
    }

    @Test("every altered byte of a receipt makes it fail to decode or to verify")
    func tampered() throws {
        let r = try #require(receipt())
        let bytes = r.bytes
        for i in bytes.indices {
            for bit in [0, 7] {
                var b = bytes
                b[i] ^= UInt8(1 << bit)
                if let t = try? Receipt(bytes: b) {
                    #expect(!t.verify(publicKey: Pool.receiptKey.publicKey), "byte \(i) bit \(bit)")
                }
            }
        }
        #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes.dropLast()) }
        #expect(throws: ReceiptError.self) { try Receipt(bytes: bytes + [0]) }
    }
}
