#if arch(x86_64)
import CIntrinsics
#endif
public import Ristretto255

/// Which CRC-32C code computes the log's frame checksums (the values are the same).
public enum CRC32CImplementation: String, Sendable, Hashable, CaseIterable {
    /// The SSE4.2 `crc32` instruction (x86-64 with `CPUFeatures.sse42`).
    case hardware
    /// Table-driven, every CPU.
    case software

    /// The fastest implementation a CPU with `features` runs.
    public static func fastest(on features: CPUFeatures) -> CRC32CImplementation {
        CRC32CImplementation.hardware.isSupported(by: features) ? .hardware : .software
    }

    /// Whether a CPU with `features` runs this implementation.
    public func isSupported(by features: CPUFeatures) -> Bool {
        switch self {
        case .software: true
        case .hardware:
            #if arch(x86_64)
            features.contains(.sse42)
            #else
            false
            #endif
        }
    }
}

/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR
/// 0xFFFFFFFF; RFC 3720 section 12.1, appendix B.4), the frame checksum of log format
/// version 2 (docs/notes/ledger-storage.md).
///
/// Two implementations that give the same value (`CRC32CImplementation`, chosen by the
/// executable and carried by `LogOptions`): the SSE4.2 `crc32` instruction (8 bytes per
/// instruction, three streams at once over long enough messages) and a table-driven one
/// (eight bytes per step, "slicing by 8") for every CPU. Tests check both against RFC 3720's
/// values and each other.
enum CRC32C {
    /// The CRC-32C of `bytes` with `implementation` (one the CPU runs).
    @inline(__always)
    static func checksum(_ bytes: UnsafeRawBufferPointer, using implementation: CRC32CImplementation) -> UInt32 {
        switch implementation {
        case .hardware: hardware(bytes)
        case .software: software(bytes)
        }
    }

    /// The CRC-32C of `bytes` with the SSE4.2 instruction; only where the CPU has it
    /// (`CRC32CImplementation.hardware.isSupported(by:)`).
    static func hardware(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        #if arch(x86_64)
        guard let base = bytes.baseAddress else { return 0 }
        return shiftTables.withUnsafeBufferPointer { shift in
            ~zk_crc32c_sse42_3way(~0, base.assumingMemoryBound(to: UInt8.self), bytes.count, shift.baseAddress)
        }
        #else
        preconditionFailure("no CRC-32C instruction on this architecture")
        #endif
    }

    /// The CRC-32C of `bytes`, table-driven.
    static func software(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = ~0
        var i = 0
        let n = bytes.count
        table.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }

    /// The register after feeding `count` zero bytes into the register `start` (no inversions).
    static func zeroBytesShift(_ start: UInt32, count: Int) -> UInt32 {
        var crc = start
        for _ in 0..<count { crc = table[Int(crc & 0xFF)] ^ (crc >> 8) }
        return crc
    }

    #if arch(x86_64)
    /// Bytes in each stream of the three-stream instruction loop.
    static let streamBlock = Int(ZK_CRC32C_BLOCK)

    /// `shiftTables[(s * 4 + k) * 256 + v]`: `zeroBytesShift(v << 8k, count: (s + 1) *
    /// streamBlock)` for s in 0...1, k in 0...3 (`zk_crc32c_sse42_3way`). Built from the 32
    /// single-bit starts, since the shift is linear (XOR) in its start.
    static let shiftTables: [UInt32] = {
        var out = [UInt32](repeating: 0, count: 2 * 4 * 256)
        for s in 0..<2 {
            let bits = (0..<32).map { zeroBytesShift(1 << UInt32($0), count: (s + 1) * streamBlock) }
            for k in 0..<4 {
                for v in 0..<256 {
                    var r: UInt32 = 0
                    for j in 0..<8 where v & (1 << j) != 0 { r ^= bits[8 * k + j] }
                    out[(s * 4 + k) * 256 + v] = r
                }
            }
        }
        return out
    }()
    #endif

    /// `table[k * 256 + b]`: the register after feeding byte `b` followed by `k` zero bytes
    /// into a zero register (`k` = 0 is the classic byte-at-a-time table).
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()
}
