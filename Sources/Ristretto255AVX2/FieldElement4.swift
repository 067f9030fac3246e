import CIntrinsics

// Four independent elements of GF(2^255 - 19), one per 64-bit lane of a 256-bit AVX2
// vector, in radix 2^25.5 (the ref10 layout): ten limbs, value = l0 + l1 2^26 + l2 2^51 +
// l3 2^77 + ... + l9 2^230 (even limbs carry 26 bits, odd limbs 25). Each limb is a
// SIMD4<UInt64>; products are 32 x 32 -> 64-bit lane multiplications (vpmuludq), which
// LLVM forms from `(a & 0xffffffff) &* (b & 0xffffffff)`. A multiplication is 100 lane
// products plus the carry chain, for four field elements at once.
//
// Limb bounds (every factor limb < 2^32 is needed for the 32-bit products; the column
// sums must stay < 2^64):
// - "reduced": the output of `*` and `carried()`: even limbs < 2^26 (the carry chain
//   masks them last), odd limbs < 2^25 + 2^18.
// - `*` accepts a with limbs < 2^28 and b with limbs < 2^27.7: the largest column (c0) is
//   a0 b0 + 38 (a1 b9 + a3 b7 + a5 b5 + a7 b3 + a9 b1) + 19 (a2 b8 + a4 b6 + a6 b4 + a8 b2)
//   <= 267 A B < 2^64 for A = 2^28, B = 2^27.7, and 19 b < 2^32, 2 a < 2^32.
// - `+` of two reduced elements gives limbs < 2^27 + 2^19; `-` computes a + 2p - b, which
//   for a and b reduced gives limbs < 2^27.59 (b <= 2p limb-wise, so nothing wraps). One
//   more step is allowed only where it stays a first factor: (r + r) - s for r, s
//   reduced has limbs < 2^28 (the point formulas' z2 - txy).
// - Unpacked words (`init(gather:)`, `init(broadcast:)`) must be < 2^52: their limbs are
//   then < 2^26, fine as factors and as the first operand of `+`, but not reduced, so
//   never the subtrahend of `-`.
//
// The packed form (five 64-bit words, word i = l_{2i} + l_{2i+1} 2^26) is the radix-2^51
// layout of the scalar `FieldElement`, so tables and results move between the scalar and
// the vector code without conversion: unpacking splits each word, packing needs even limbs
// < 2^26, which every reduced element has (packed words < 2^51 + 2^44).

typealias Lanes = SIMD4<UInt64>

struct FieldElement4 {
    var l0: Lanes, l1: Lanes, l2: Lanes, l3: Lanes, l4: Lanes
    var l5: Lanes, l6: Lanes, l7: Lanes, l8: Lanes, l9: Lanes

    @inline(__always)
    init(_ l0: Lanes, _ l1: Lanes, _ l2: Lanes, _ l3: Lanes, _ l4: Lanes,
         _ l5: Lanes, _ l6: Lanes, _ l7: Lanes, _ l8: Lanes, _ l9: Lanes) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
        self.l5 = l5; self.l6 = l6; self.l7 = l7; self.l8 = l8; self.l9 = l9
    }

    // Constants are computed properties, not `static let`: a stored global costs a
    // `swift_once` check at every use inside the hot loops.
    static var mask26: Lanes { @inline(__always) get { Lanes(repeating: (1 << 26) - 1) } }
    static var mask25: Lanes { @inline(__always) get { Lanes(repeating: (1 << 25) - 1) } }

    /// 0 in every lane.
    static var zero: FieldElement4 {
        @inline(__always) get { let z = Lanes(); return FieldElement4(z, z, z, z, z, z, z, z, z, z) }
    }

    /// 1 in every lane.
    static var one: FieldElement4 {
        @inline(__always) get {
            let z = Lanes()
            return FieldElement4(Lanes(repeating: 1), z, z, z, z, z, z, z, z, z)
        }
    }

    /// Splits five packed words (one per lane) into ten limbs. Words < 2^52 give limbs
    /// < 2^26.
    @inline(__always)
    init(words w0: Lanes, _ w1: Lanes, _ w2: Lanes, _ w3: Lanes, _ w4: Lanes) {
        let m = FieldElement4.mask26
        self.init(w0 & m, w0 &>> 26, w1 & m, w1 &>> 26, w2 & m, w2 &>> 26, w3 & m, w3 &>> 26, w4 & m, w4 &>> 26)
    }

    /// The same packed element (five words at `p`, each < 2^52) in every lane.
    @inline(__always)
    init(broadcast p: UnsafePointer<UInt64>) {
        self.init(words: Lanes(repeating: p[0]), Lanes(repeating: p[1]), Lanes(repeating: p[2]),
                  Lanes(repeating: p[3]), Lanes(repeating: p[4]))
    }

    /// Lane j from the five packed words (each < 2^52) at `base + offsets[j]`.
    @inline(__always)
    init(gather base: UnsafePointer<UInt64>, _ o: SIMD4<Int>) {
        @inline(__always) func word(_ k: Int) -> Lanes {
            Lanes(base[o[0] &+ k], base[o[1] &+ k], base[o[2] &+ k], base[o[3] &+ k])
        }
        self.init(words: word(0), word(1), word(2), word(3), word(4))
    }

    /// The five packed words of every lane (word i = l_{2i} + l_{2i+1} 2^26).
    /// - Precondition: reduced (even limbs < 2^26).
    @inline(__always)
    func packed() -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        (l0 | l1 &<< 26, l2 | l3 &<< 26, l4 | l5 &<< 26, l6 | l7 &<< 26, l8 | l9 &<< 26)
    }

    /// Writes lane j as five packed words at `base + offsets[j]`.
    /// - Precondition: reduced (even limbs < 2^26).
    @inline(__always)
    func scatter(_ base: UnsafeMutablePointer<UInt64>, _ o: SIMD4<Int>) {
        let (w0, w1, w2, w3, w4) = packed()
        for j in 0..<4 {
            let p = base + o[j]
            p[0] = w0[j]; p[1] = w1[j]; p[2] = w2[j]; p[3] = w3[j]; p[4] = w4[j]
        }
    }

    /// The ten limb vectors at `p` (as `store(to:)` writes them).
    @inline(__always)
    init(loading p: UnsafePointer<Lanes>) {
        self.init(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9])
    }

    /// Writes the ten limb vectors at `p`, the memory form of the point functions in
    /// CIntrinsics (`zk_ge4_add_niels`, `zk_ge4_add`).
    @inline(__always)
    func store(to p: UnsafeMutablePointer<Lanes>) {
        p[0] = l0; p[1] = l1; p[2] = l2; p[3] = l3; p[4] = l4
        p[5] = l5; p[6] = l6; p[7] = l7; p[8] = l8; p[9] = l9
    }

    /// Lane-wise sum, not carried.
    @inline(__always)
    static func + (a: FieldElement4, b: FieldElement4) -> FieldElement4 {
        FieldElement4(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4,
                      a.l5 &+ b.l5, a.l6 &+ b.l6, a.l7 &+ b.l7, a.l8 &+ b.l8, a.l9 &+ b.l9)
    }

    /// 2p limb-wise: 2 (2^26 - 19), 2 (2^25 - 1), 2 (2^26 - 1), ...
    static var twoP0: Lanes { @inline(__always) get { Lanes(repeating: 0x7ff_ffda) } }
    static var twoPEven: Lanes { @inline(__always) get { Lanes(repeating: 0x7ff_fffe) } }
    static var twoPOdd: Lanes { @inline(__always) get { Lanes(repeating: 0x3ff_fffe) } }

    /// a + 2p - b (b reduced, so no limb wraps), not carried.
    @inline(__always)
    static func - (a: FieldElement4, b: FieldElement4) -> FieldElement4 {
        let e = twoPEven, o = twoPOdd
        return FieldElement4(a.l0 &+ twoP0 &- b.l0, a.l1 &+ o &- b.l1, a.l2 &+ e &- b.l2, a.l3 &+ o &- b.l3,
                             a.l4 &+ e &- b.l4, a.l5 &+ o &- b.l5, a.l6 &+ e &- b.l6, a.l7 &+ o &- b.l7,
                             a.l8 &+ e &- b.l8, a.l9 &+ o &- b.l9)
    }

    /// Per lane: `b` where `mask` is set, else `a`.
    @inline(__always)
    static func select(_ a: FieldElement4, _ b: FieldElement4, _ mask: SIMDMask<SIMD4<Int64>>) -> FieldElement4 {
        FieldElement4(a.l0.replacing(with: b.l0, where: mask), a.l1.replacing(with: b.l1, where: mask),
                      a.l2.replacing(with: b.l2, where: mask), a.l3.replacing(with: b.l3, where: mask),
                      a.l4.replacing(with: b.l4, where: mask), a.l5.replacing(with: b.l5, where: mask),
                      a.l6.replacing(with: b.l6, where: mask), a.l7.replacing(with: b.l7, where: mask),
                      a.l8.replacing(with: b.l8, where: mask), a.l9.replacing(with: b.l9, where: mask))
    }

    /// One carry pass: limbs < 2^63 in, reduced out (same value mod p).
    @inline(__always)
    func carried() -> FieldElement4 {
        var c = self
        c.carryChain()
        return c
    }

    /// The interleaved carry chain of ref10: two chains (from l0 and from l4), the top
    /// carry folded into l0 times 19, even limbs masked last.
    @inline(__always)
    mutating func carryChain() {
        let m26 = FieldElement4.mask26, m25 = FieldElement4.mask25
        var t = l0 &>> 26; l1 &+= t; l0 &= m26
        t = l4 &>> 26; l5 &+= t; l4 &= m26
        t = l1 &>> 25; l2 &+= t; l1 &= m25
        t = l5 &>> 25; l6 &+= t; l5 &= m25
        t = l2 &>> 26; l3 &+= t; l2 &= m26
        t = l6 &>> 26; l7 &+= t; l6 &= m26
        t = l3 &>> 25; l4 &+= t; l3 &= m25
        t = l7 &>> 25; l8 &+= t; l7 &= m25
        t = l4 &>> 26; l5 &+= t; l4 &= m26
        t = l8 &>> 26; l9 &+= t; l8 &= m26
        t = l9 &>> 25; l0 &+= t &* 19; l9 &= m25
        t = l0 &>> 26; l1 &+= t; l0 &= m26
    }

    /// Lane-wise product mod p (a: limbs < 2^28, b: limbs < 2^27.7; output reduced).
    ///
    /// Schoolbook in the ref10 form: a_i b_j lands in column i + j, columns >= 10 fold in
    /// times 19 (2^255 = 19 mod p, taken on b), and a product of two odd limbs is doubled
    /// (the limb weights 2^ceil(25.5 i) of two odd limbs sum to one bit more than their
    /// column's). The body is `zk_fe4_mul` in module CIntrinsics (C, inlined here): it is
    /// written row by row (one limb of a against all of b, into ten column sums that stay in
    /// registers, b and 19 b read from memory), with an empty asm statement at every row's
    /// end. Written in Swift, the same rows were reassociated by LLVM into column order
    /// (~30 live vectors against 16 ymm registers), which spilled and reloaded around most
    /// products; the pins keep the row order.
    @inline(__always)
    static func * (a: FieldElement4, b: FieldElement4) -> FieldElement4 {
        // A homogeneous tuple is laid out contiguously, as the C side writes it; after
        // inlining, the stores and loads through it fold away.
        let z = Lanes()
        var r = (z, z, z, z, z, z, z, z, z, z)
        withUnsafeMutableBytes(of: &r) { out in
            withUnsafeBytes(of: (a.l0, a.l1, a.l2, a.l3, a.l4, a.l5, a.l6, a.l7, a.l8, a.l9)) { x in
                withUnsafeBytes(of: (b.l0, b.l1, b.l2, b.l3, b.l4, b.l5, b.l6, b.l7, b.l8, b.l9)) { y in
                    zk_fe4_mul(out.baseAddress!, x.baseAddress!, y.baseAddress!)
                }
            }
        }
        return FieldElement4(r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9)
    }
}
