// Curve constants in radix 2^51 limbs. Each is re-derived from first principles by
// GMP in Tests/Ristretto255Tests/ConstantsTests.swift (d = -121665/121666, sqrt(-1) =
// 2^((p-1)/4), the RFC 9496 §4.1 values, the basepoint with y = 4/5 and even x).

/// The constants of edwards25519 and ristretto255 used by the arithmetic.
package enum Constants {
    /// d = -121665/121666 mod p.
    package static let d = FieldElement(0x34dca135978a3, 0x1a8283b156ebd, 0x5e7a26001c029, 0x739c663a03cbb, 0x52036cee2b6ff)
    /// 2d mod p.
    package static let d2 = FieldElement(0x69b9426b2f159, 0x35050762add7a, 0x3cf44c0038052, 0x6738cc7407977, 0x2406d9dc56dff)
    /// sqrt(-1) = 2^((p-1)/4) mod p (RFC 9496 SQRT_M1).
    package static let sqrtM1 = FieldElement(0x61b274a0ea0b0, 0x0d5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d)
    /// 1/sqrt(a - d), a = -1 (RFC 9496 INVSQRT_A_MINUS_D).
    package static let invSqrtAMinusD = FieldElement(0x0fdaa805d40ea, 0x2eb482e57d339, 0x007610274bc58, 0x6510b613dc8ff, 0x786c8905cfaff)
    /// sqrt(a*d - 1) (RFC 9496 SQRT_AD_MINUS_ONE; the odd root, as the RFC lists it).
    package static let sqrtADMinusOne = FieldElement(0x7f6a0497b2e1b, 0x1836f0a97afd2, 0x7d747f6be7638, 0x456079e7e6498, 0x376931bf2b834)
    /// 1 - d^2 (RFC 9496 ONE_MINUS_D_SQ).
    package static let oneMinusDSquared = FieldElement(0x409c1945fc176, 0x719abc6a1fc4f, 0x1c37f90b20684, 0x06bccca55eedf, 0x029072a8b2b3e)
    /// (d - 1)^2 (RFC 9496 D_MINUS_ONE_SQ).
    package static let dMinusOneSquared = FieldElement(0x55aaa44ed4d20, 0x59603c3332635, 0x26d3baf4a7928, 0x120a66e6997a9, 0x5968b37af66c2)

    /// The Ed25519 basepoint (y = 4/5, x even), the ristretto255 generator.
    package static let basepoint = EdwardsPoint(
        X: FieldElement(0x62d608f25d51a, 0x412a4b4f6592a, 0x75b7171a4b31d, 0x1ff60527118fe, 0x216936d3cd6e5),
        Y: FieldElement(0x6666666666658, 0x4cccccccccccc, 0x1999999999999, 0x3333333333333, 0x6666666666666),
        Z: .one,
        T: FieldElement(0x68ab3a5b7dda3, 0x00eea2a5eadbb, 0x2af8df483c27e, 0x332b375274732, 0x67875f0fd78b7))

    /// The group order l = 2^252 + 27742317777372353535851937790883648493, little-endian bytes.
    package static let lBytes: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]
}
