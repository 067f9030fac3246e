import Testing
@testable import Ledger
import Ristretto255
import TestSupport

/// Whether this CPU has the instruction of the hardware CRC.
private let hardwareAvailable = CRC32CImplementation.hardware.isSupported(by: CPUFeatures.detect())

/// The log's frame checksum (format version 2).
@Suite("CRC-32C")
struct CRC32CTests {
    /// RFC 3720 (iSCSI) appendix B.4, "CRC Examples": 32-byte messages and their CRC-32C,
    /// given there as the bytes sent (least significant first), here as the u32 value; and
    /// the catalogue check value of "123456789" (CRC RevEng, CRC-32/ISCSI: 0xE3069283).
    static let knownAnswers: [(message: [UInt8], crc: UInt32)] = [
        ([UInt8](repeating: 0x00, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        (Array("123456789".utf8), 0xE306_9283),
        ([], 0),
    ]

    @Test("the table-driven CRC gives RFC 3720's values")
    func softwareKnownAnswers() {
        for (message, crc) in Self.knownAnswers {
            #expect(message.withUnsafeBytes { CRC32C.software($0) } == crc, "message \(message.prefix(8))...")
        }
    }

    @Test("the SSE4.2 CRC gives RFC 3720's values",
          .enabled(if: hardwareAvailable, "this CPU has no SSE4.2: only the table-driven CRC runs here"))
    func hardwareKnownAnswers() throws {
        for (message, crc) in Self.knownAnswers {
            #expect(message.withUnsafeBytes { CRC32C.hardware($0) } == crc, "message \(message.prefix(8))...")
        }
    }

    @Test("both implementations agree on random messages at every length and alignment up to 2 KiB")
    func implementationsAgree() {
        var rng = SeededRNG(seed: 0xc4c3_2c00_0001)
        let buffer = rng.bytes(2048 + 8)
        buffer.withUnsafeBytes { all in
            for length in 0...2048 {
                let offset = length % 8
                let message = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                let soft = CRC32C.software(message)
                #expect(CRC32C.checksum(message, using: .fastest(on: .detect())) == soft)
                if hardwareAvailable { #expect(CRC32C.hardware(message) == soft, "length \(length)") }
            }
        }
    }

    @Test("both implementations agree around every multiple of the three-stream block and on long messages")
    func threeStreamBoundaries() {
        var rng = SeededRNG(seed: 0xc4c3_2c00_0003)
        let buffer = rng.bytes(1 << 20)
        var lengths: [Int] = []
        for k in 1...12 { lengths += [3 * 128 * k - 1, 3 * 128 * k, 3 * 128 * k + 1, 3 * 128 * k + 8] }
        lengths += [1_850, 65_536, 475_136, 1 << 20]
        buffer.withUnsafeBytes { all in
            for length in lengths {
                let message = UnsafeRawBufferPointer(rebasing: all[0..<length])
                let soft = CRC32C.software(message)
                #expect(CRC32C.checksum(message, using: .fastest(on: .detect())) == soft, "length \(length)")
                if hardwareAvailable { #expect(CRC32C.hardware(message) == soft, "length \(length)") }
            }
        }
    }

    #if arch(x86_64)
    @Test("the shift tables move a register past zero bytes as feeding them one by one does")
    func shiftTables() {
        var rng = SeededRNG(seed: 0xc4c3_2c00_0004)
        for _ in 0..<64 {
            let start = UInt32(truncatingIfNeeded: rng.next())
            for s in 0..<2 {
                let byTables = (0..<4).reduce(UInt32(0)) { r, k in
                    r ^ CRC32C.shiftTables[s * 1024 + k * 256 + Int((start >> (8 * UInt32(k))) & 0xFF)]
                }
                #expect(byTables == CRC32C.zeroBytesShift(start, count: (s + 1) * CRC32C.streamBlock))
            }
        }
    }
    #endif

    @Test("every single-bit change of a 1,700-byte frame changes its CRC")
    func singleBitErrorsDetected() {
        var rng = SeededRNG(seed: 0xc4c3_2c00_0002)
        var message = rng.bytes(1700)
        let crc = message.withUnsafeBytes { CRC32C.checksum($0, using: .fastest(on: .detect())) }
        for i in 0..<message.count {
            for bit in 0..<8 {
                message[i] ^= UInt8(1 << bit)
                #expect(message.withUnsafeBytes { CRC32C.checksum($0, using: .fastest(on: .detect())) } != crc)
                message[i] ^= UInt8(1 << bit)
            }
        }
    }
}
