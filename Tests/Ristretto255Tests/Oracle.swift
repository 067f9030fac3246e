@testable import Ristretto255
import TestSupport

/// GMP-side views of the project's internal values, shared by the differential tests.
enum Oracle {
    static let p = (BigInt(1) << 255) - BigInt(19)
    static let l = (BigInt(1) << 252) + BigInt("27742317777372353535851937790883648493")

    /// Σ limb_i 2^(51 i), not reduced.
    static func value(_ f: FieldElement) -> BigInt {
        var acc = BigInt(0)
        for (i, limb) in [f.l0, f.l1, f.l2, f.l3, f.l4].enumerated() { acc = acc + (BigInt(limb) << (51 * i)) }
        return acc
    }

    /// Canonical 32 bytes of x mod p.
    static func fieldBytes(_ x: BigInt) -> [UInt8] { (x % p).littleEndianBytes(count: 32) }

    /// Canonical 32 bytes of x mod l.
    static func scalarBytes(_ x: BigInt) -> [UInt8] { (x % l).littleEndianBytes(count: 32) }

    static func value(_ s: Scalar) -> BigInt { BigInt(littleEndian: s.bytes) }

    /// A field element with limbs drawn below 2^bits (non-canonical representations on purpose).
    static func randomLimbs(_ rng: inout SeededRNG, bits: Int) -> FieldElement {
        let mask: UInt64 = bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1
        return FieldElement(rng.next() & mask, rng.next() & mask, rng.next() & mask, rng.next() & mask, rng.next() & mask)
    }

    /// A field element that is the output of a reducing operation (limbs < 2^51 + 2^13),
    /// sometimes with saturated limbs.
    static func randomReduced(_ rng: inout SeededRNG) -> FieldElement {
        switch rng.next() % 4 {
        case 0: return FieldElement(bytesMaskingBit255: rng.bytes(32))
        case 1: return randomLimbs(&rng, bits: 51).reduced()
        case 2:  // saturated: every limb at or near 2^51 - 1
            let m: UInt64 = (1 << 51) - 1
            return FieldElement(m - rng.next() % 4, m, m - rng.next() % 2, m, m)
        default: return randomLimbs(&rng, bits: 54).reduced()
        }
    }

    /// Edge values as 32-byte encodings read with bit 255 masked: 0, 1, p-1, p, p+1,
    /// 2^255-1, 2^255-19..2^255-1 and their neighbours, and 2^256-1.
    static var fieldEdgeBytes: [[UInt8]] {
        let two255 = BigInt(1) << 255
        var values: [BigInt] = [BigInt(0), BigInt(1), BigInt(2), BigInt(19), p - BigInt(1), p, p + BigInt(1), p + BigInt(2),
                                two255 - BigInt(1), two255 - BigInt(2), (BigInt(1) << 254), (BigInt(1) << 51) - BigInt(1),
                                BigInt(1) << 51, (BigInt(1) << 204) - BigInt(1)]
        values.append((BigInt(1) << 256) - BigInt(1))
        return values.map { ($0 % (BigInt(1) << 256)).littleEndianBytes(count: 32) }
    }

    /// Edge field elements as limbs, including saturated limbs up to the documented bounds.
    static var fieldEdgeLimbs: [FieldElement] {
        let m51: UInt64 = (1 << 51) - 1
        let m54: UInt64 = (1 << 54) - 1
        var out = fieldEdgeBytes.map { FieldElement(bytesMaskingBit255: $0) }
        out += [FieldElement(m51, m51, m51, m51, m51), FieldElement(m51 + (1 << 13), m51 + (1 << 13), m51 + (1 << 13), m51 + (1 << 13), m51 + (1 << 13)),
                FieldElement(m54, m54, m54, m54, m54), FieldElement(0, 0, 0, 0, m54), FieldElement(m54, 0, 0, 0, 0),
                FieldElement(0x7_ffff_ffff_ffed, m51, m51, m51, m51), FieldElement(0x7_ffff_ffff_ffec, m51, m51, m51, m51)]
        return out
    }
}
