// Eight independent elements of GF(2^255 - 19), one per SIMD lane, in radix 2^51: five
// limbs, value = l0 + l1 2^51 + l2 2^102 + l3 2^153 + l4 2^204, each limb a
// SIMD8<UInt64>. This is exactly the layout of the scalar `FieldElement` (five 64-bit
// words), so tables and results move between the two without conversion.
//
// Products use the AVX-512 IFMA instructions (vpmadd52luq / vpmadd52huq, through module
// CIntrinsics): per lane, acc + the low or the high 52 bits of the product of two 52-bit
// numbers. A field multiplication is 25 low and 25 high multiply-adds plus the reduction,
// about 100 vector instructions, where the radix-2^25.5 form on vpmuludq took about 250
// (see docs/notes/simd.md).
//
// Limb bounds. IFMA reads only the low 52 bits of each factor, so every factor limb must
// be < 2^52; this type keeps every value it makes within that:
// - `*`, `carried()`: limbs < 2^51 + 2^8 (a carry chain, the top carry folded times 19).
// - `+`, `-`: carried too (one parallel carry pass: limbs < 2^51 + 2^8 for inputs < 2^54);
//   `-` computes a + 4p - b, so it accepts any b with limbs <= 2^53 - 76.
// - `init(gather:)`, `init(broadcast:)` take the stored words as they are: callers
//   gather only words < 2^52 (tables with limbs < 2^51 + 2^13, stored sums), or carry
//   (`carried()`) what may be larger before multiplying it.
// Stored words (`scatter`, `storeLane`) are < 2^51 + 2^8, the scalar code's reduced bound.

#if arch(x86_64)
import CIntrinsics
#else
// Off x86-64 the kernels never run (no `Backend.ifma` there); these portable
// forms of the two instructions only keep the module compiling.
@inline(__always)
func zk_madd52lo(_ acc: SIMD8<UInt64>, _ a: SIMD8<UInt64>, _ b: SIMD8<UInt64>) -> SIMD8<UInt64> {
    let m = SIMD8<UInt64>(repeating: (1 << 52) - 1)
    return acc &+ (((a & m) &* (b & m)) & m)
}

@inline(__always)
func zk_madd52hi(_ acc: SIMD8<UInt64>, _ a: SIMD8<UInt64>, _ b: SIMD8<UInt64>) -> SIMD8<UInt64> {
    var r = acc
    for j in 0..<8 {
        let p = (a[j] & ((1 << 52) - 1)).multipliedFullWidth(by: b[j] & ((1 << 52) - 1))
        r[j] &+= p.high << 12 | p.low >> 52
    }
    return r
}
#endif

typealias Lanes = SIMD8<UInt64>

@usableFromInline
struct FieldElement8 {
    var l0: Lanes, l1: Lanes, l2: Lanes, l3: Lanes, l4: Lanes

    @inline(__always)
    init(_ l0: Lanes, _ l1: Lanes, _ l2: Lanes, _ l3: Lanes, _ l4: Lanes) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    // Constants are computed properties, not `static let`: a stored global costs a
    // `swift_once` check at every use inside the hot loops.
    static var mask51: Lanes { @inline(__always) get { Lanes(repeating: (1 << 51) - 1) } }

    /// The same packed element (five words at `p`) in every lane.
    @inline(__always)
    init(broadcast p: UnsafePointer<UInt64>) {
        self.init(Lanes(repeating: p[0]), Lanes(repeating: p[1]), Lanes(repeating: p[2]),
                  Lanes(repeating: p[3]), Lanes(repeating: p[4]))
    }

    /// Lane j from the five packed words at `base + offsets[j]`.
    @inline(__always)
    init(gather base: UnsafePointer<UInt64>, _ o: SIMD8<Int>) {
        @inline(__always) func word(_ k: Int) -> Lanes {
            Lanes(base[o[0] &+ k], base[o[1] &+ k], base[o[2] &+ k], base[o[3] &+ k],
                  base[o[4] &+ k], base[o[5] &+ k], base[o[6] &+ k], base[o[7] &+ k])
        }
        self.init(word(0), word(1), word(2), word(3), word(4))
    }

    /// Writes lane j as five packed words at `base + offsets[j]`.
    @inline(__always)
    func scatter(_ base: UnsafeMutablePointer<UInt64>, _ o: SIMD8<Int>) {
        for j in 0..<8 {
            let p = base + o[j]
            p[0] = l0[j]; p[1] = l1[j]; p[2] = l2[j]; p[3] = l3[j]; p[4] = l4[j]
        }
    }

    /// Writes lane j as five packed words at `p`.
    @inline(__always)
    func storeLane(_ j: Int, to p: UnsafeMutablePointer<UInt64>) {
        p[0] = l0[j]; p[1] = l1[j]; p[2] = l2[j]; p[3] = l3[j]; p[4] = l4[j]
    }

    /// One parallel carry pass: limbs < 2^54 in, limbs < 2^51 + 2^8 out (same value mod p).
    @inline(__always)
    static func carryPass(_ x0: Lanes, _ x1: Lanes, _ x2: Lanes, _ x3: Lanes, _ x4: Lanes) -> FieldElement8 {
        let m = mask51
        let c0 = x0 &>> 51, c1 = x1 &>> 51, c2 = x2 &>> 51, c3 = x3 &>> 51, c4 = x4 &>> 51
        return FieldElement8((x0 & m) &+ c4 &* 19, (x1 & m) &+ c0, (x2 & m) &+ c1, (x3 & m) &+ c2, (x4 & m) &+ c3)
    }

    /// Lane-wise sum, carried (inputs < 2^53 per limb).
    @inline(__always)
    static func + (a: FieldElement8, b: FieldElement8) -> FieldElement8 {
        carryPass(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4)
    }

    /// 4p limb-wise: 4 (2^51 - 19), then 4 (2^51 - 1).
    static var fourP0: Lanes { @inline(__always) get { Lanes(repeating: 0x1f_ffff_ffff_ffb4) } }
    static var fourP: Lanes { @inline(__always) get { Lanes(repeating: 0x1f_ffff_ffff_fffc) } }

    /// a + 4p - b, carried (a < 2^53, b <= 2^53 - 76 per limb, so no limb wraps).
    @inline(__always)
    static func - (a: FieldElement8, b: FieldElement8) -> FieldElement8 {
        let p = fourP
        return carryPass(a.l0 &+ fourP0 &- b.l0, a.l1 &+ p &- b.l1, a.l2 &+ p &- b.l2, a.l3 &+ p &- b.l3,
                         a.l4 &+ p &- b.l4)
    }

    /// Per lane: `b` where `mask` is set, else `a`.
    @inline(__always)
    static func select(_ a: FieldElement8, _ b: FieldElement8, _ mask: SIMDMask<SIMD8<Int64>>) -> FieldElement8 {
        FieldElement8(a.l0.replacing(with: b.l0, where: mask), a.l1.replacing(with: b.l1, where: mask),
                      a.l2.replacing(with: b.l2, where: mask), a.l3.replacing(with: b.l3, where: mask),
                      a.l4.replacing(with: b.l4, where: mask))
    }

    /// The same value with limbs < 2^51 + 2^8 (inputs < 2^54 per limb).
    @inline(__always)
    func carried() -> FieldElement8 { FieldElement8.carryPass(l0, l1, l2, l3, l4) }

    /// Lane-wise product mod p (operand limbs < 2^52; output limbs < 2^51 + 2^8).
    ///
    /// With a_i b_j = lo + 2^52 hi, column k collects lo_k = sum lo(a_i b_j) and hi_k =
    /// sum hi(a_i b_j) over i + j = k, and the product is sum_k (lo_k + 2 hi_{k-1}) 2^(51 k)
    /// for k = 0...9. Columns 5...9 fold into 0...4 times 19 (2^255 = 19 mod p). Bounds:
    /// lo_k, hi_k < 5 * 2^52 < 2^54.4, a column < 2^56, folded < 2^60.4 + 2^56 < 2^61.
    @inline(__always)
    static func * (a: FieldElement8, b: FieldElement8) -> FieldElement8 {
        let z = Lanes()
        @inline(__always) func lo(_ acc: Lanes, _ x: Lanes, _ y: Lanes) -> Lanes { zk_madd52lo(acc, x, y) }
        @inline(__always) func hi(_ acc: Lanes, _ x: Lanes, _ y: Lanes) -> Lanes { zk_madd52hi(acc, x, y) }
        let a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4
        let b0 = b.l0, b1 = b.l1, b2 = b.l2, b3 = b.l3, b4 = b.l4
        // Low halves by column.
        let lo0 = lo(z, a0, b0)
        let lo1 = lo(lo(z, a0, b1), a1, b0)
        let lo2 = lo(lo(lo(z, a0, b2), a1, b1), a2, b0)
        let lo3 = lo(lo(lo(lo(z, a0, b3), a1, b2), a2, b1), a3, b0)
        let lo4 = lo(lo(lo(lo(lo(z, a0, b4), a1, b3), a2, b2), a3, b1), a4, b0)
        let lo5 = lo(lo(lo(lo(z, a1, b4), a2, b3), a3, b2), a4, b1)
        let lo6 = lo(lo(lo(z, a2, b4), a3, b3), a4, b2)
        let lo7 = lo(lo(z, a3, b4), a4, b3)
        let lo8 = lo(z, a4, b4)
        // High halves by column.
        let hi0 = hi(z, a0, b0)
        let hi1 = hi(hi(z, a0, b1), a1, b0)
        let hi2 = hi(hi(hi(z, a0, b2), a1, b1), a2, b0)
        let hi3 = hi(hi(hi(hi(z, a0, b3), a1, b2), a2, b1), a3, b0)
        let hi4 = hi(hi(hi(hi(hi(z, a0, b4), a1, b3), a2, b2), a3, b1), a4, b0)
        let hi5 = hi(hi(hi(hi(z, a1, b4), a2, b3), a3, b2), a4, b1)
        let hi6 = hi(hi(hi(z, a2, b4), a3, b3), a4, b2)
        let hi7 = hi(hi(z, a3, b4), a4, b3)
        let hi8 = hi(z, a4, b4)
        // Columns 5...9 (column 9 is 2 hi8), folded times 19 into 0...4.
        let n19 = Lanes(repeating: 19)
        let u0 = lo5 &+ hi4 &<< 1, u1 = lo6 &+ hi5 &<< 1, u2 = lo7 &+ hi6 &<< 1, u3 = lo8 &+ hi7 &<< 1
        let u4 = hi8 &<< 1
        var r0 = lo0 &+ u0 &* n19
        var r1 = lo1 &+ hi0 &<< 1 &+ u1 &* n19
        var r2 = lo2 &+ hi1 &<< 1 &+ u2 &* n19
        var r3 = lo3 &+ hi2 &<< 1 &+ u3 &* n19
        var r4 = lo4 &+ hi3 &<< 1 &+ u4 &* n19
        // Carry chain; the top carry (< 2^10) folds into r0 times 19, then one more step.
        let m = mask51
        r1 &+= r0 &>> 51; r0 &= m
        r2 &+= r1 &>> 51; r1 &= m
        r3 &+= r2 &>> 51; r2 &= m
        r4 &+= r3 &>> 51; r3 &= m
        r0 &+= (r4 &>> 51) &* n19; r4 &= m
        r1 &+= r0 &>> 51; r0 &= m
        return FieldElement8(r0, r1, r2, r3, r4)
    }
}
