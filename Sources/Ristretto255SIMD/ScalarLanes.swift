// Montgomery multiplication mod l = 2^252 + 27742317777372353535851937790883648493 on
// eight lanes, radix 2^26 (ten limbs), R = 2^260: the same R as the scalar `Scalar52`
// Montgomery code, so a factor prepared by `ScalarMultiplier` (a R mod l) is used as is.
// The scalars of a range-proof statement (s_i products, y^-i powers) are public, and
// the code has no data-dependent branches anyway. Generated shape: ten columns of
// products a_i b_j (each column < 10 * 2^52), then ten word-by-word reduction steps
// m = t_i * (-1/l) mod 2^26, t += m l 2^(26 i) (l has zero limbs 5...8, so six products
// a step), each column staying < 2^57; the upper half is carried, and l subtracted once
// if the result (< 2l) is not below it.

/// Eight scalars mod l, ten 26-bit limbs each.
struct Scalar8 {
    var r0: Lanes, r1: Lanes, r2: Lanes, r3: Lanes, r4: Lanes, r5: Lanes, r6: Lanes, r7: Lanes, r8: Lanes, r9: Lanes

    /// Splits five 52-bit words per lane (the `Scalar52` layout) into ten 26-bit limbs.
    @inline(__always)
    init(words w0: Lanes, _ w1: Lanes, _ w2: Lanes, _ w3: Lanes, _ w4: Lanes) {
        let m = Lanes(repeating: (1 << 26) - 1)
        r0 = w0 & m; r1 = w0 &>> 26; r2 = w1 & m; r3 = w1 &>> 26; r4 = w2 & m
        r5 = w2 &>> 26; r6 = w3 & m; r7 = w3 &>> 26; r8 = w4 & m; r9 = w4 &>> 26
    }

    @inline(__always)
    init(_ r0: Lanes, _ r1: Lanes, _ r2: Lanes, _ r3: Lanes, _ r4: Lanes, _ r5: Lanes, _ r6: Lanes, _ r7: Lanes,
         _ r8: Lanes, _ r9: Lanes) {
        self.r0 = r0; self.r1 = r1; self.r2 = r2; self.r3 = r3; self.r4 = r4
        self.r5 = r5; self.r6 = r6; self.r7 = r7; self.r8 = r8; self.r9 = r9
    }

    /// a b 2^-260 mod l, canonical (inputs: limbs < 2^26, values < l).
    @inline(__always)
    static func montgomeryMul(_ a: Scalar8, _ b: Scalar8) -> Scalar8 {
        let k = Lanes(repeating: 0xffff_ffff)
        let m26 = Lanes(repeating: (1 << 26) - 1)
        @inline(__always) func m(_ x: Lanes, _ y: Lanes) -> Lanes { (x & k) &* (y & k) }
        let a0 = a.r0, a1 = a.r1, a2 = a.r2, a3 = a.r3, a4 = a.r4, a5 = a.r5, a6 = a.r6, a7 = a.r7, a8 = a.r8, a9 = a.r9
        let b0 = b.r0, b1 = b.r1, b2 = b.r2, b3 = b.r3, b4 = b.r4, b5 = b.r5, b6 = b.r6, b7 = b.r7, b8 = b.r8, b9 = b.r9
        var t0 = m(a0, b0)
        var t1 = m(a0, b1) &+ m(a1, b0)
        var t2 = m(a0, b2) &+ m(a1, b1) &+ m(a2, b0)
        var t3 = m(a0, b3) &+ m(a1, b2) &+ m(a2, b1) &+ m(a3, b0)
        var t4 = m(a0, b4) &+ m(a1, b3) &+ m(a2, b2) &+ m(a3, b1) &+ m(a4, b0)
        var t5 = m(a0, b5) &+ m(a1, b4) &+ m(a2, b3) &+ m(a3, b2) &+ m(a4, b1) &+ m(a5, b0)
        var t6 = m(a0, b6) &+ m(a1, b5) &+ m(a2, b4) &+ m(a3, b3) &+ m(a4, b2) &+ m(a5, b1) &+ m(a6, b0)
        var t7 = m(a0, b7) &+ m(a1, b6) &+ m(a2, b5) &+ m(a3, b4) &+ m(a4, b3) &+ m(a5, b2) &+ m(a6, b1) &+ m(a7, b0)
        var t8 = m(a0, b8) &+ m(a1, b7) &+ m(a2, b6) &+ m(a3, b5) &+ m(a4, b4) &+ m(a5, b3) &+ m(a6, b2) &+ m(a7, b1) &+ m(a8, b0)
        var t9 = m(a0, b9) &+ m(a1, b8) &+ m(a2, b7) &+ m(a3, b6) &+ m(a4, b5) &+ m(a5, b4) &+ m(a6, b3) &+ m(a7, b2) &+ m(a8, b1) &+ m(a9, b0)
        var t10 = m(a1, b9) &+ m(a2, b8) &+ m(a3, b7) &+ m(a4, b6) &+ m(a5, b5) &+ m(a6, b4) &+ m(a7, b3) &+ m(a8, b2) &+ m(a9, b1)
        var t11 = m(a2, b9) &+ m(a3, b8) &+ m(a4, b7) &+ m(a5, b6) &+ m(a6, b5) &+ m(a7, b4) &+ m(a8, b3) &+ m(a9, b2)
        var t12 = m(a3, b9) &+ m(a4, b8) &+ m(a5, b7) &+ m(a6, b6) &+ m(a7, b5) &+ m(a8, b4) &+ m(a9, b3)
        var t13 = m(a4, b9) &+ m(a5, b8) &+ m(a6, b7) &+ m(a7, b6) &+ m(a8, b5) &+ m(a9, b4)
        var t14 = m(a5, b9) &+ m(a6, b8) &+ m(a7, b7) &+ m(a8, b6) &+ m(a9, b5)
        var t15 = m(a6, b9) &+ m(a7, b8) &+ m(a8, b7) &+ m(a9, b6)
        var t16 = m(a7, b9) &+ m(a8, b8) &+ m(a9, b7)
        var t17 = m(a8, b9) &+ m(a9, b8)
        var t18 = m(a9, b9)
        var t19 = Lanes(repeating: 0)
        let lPrime = Lanes(repeating: 0x254_7e1b)
        let l0 = Lanes(repeating: 0xf5d3ed)
        let l1 = Lanes(repeating: 0x98c697)
        let l2 = Lanes(repeating: 0x1cd6581)
        let l3 = Lanes(repeating: 0x37a8bde)
        let l4 = Lanes(repeating: 0x14def9)
        let l9 = Lanes(repeating: 0x40000)
        do {
            let q = m(t0 & m26, lPrime) & m26
            t0 &+= m(q, l0)
            t1 &+= m(q, l1)
            t2 &+= m(q, l2)
            t3 &+= m(q, l3)
            t4 &+= m(q, l4)
            t9 &+= m(q, l9)
            t1 &+= t0 &>> 26
        }
        do {
            let q = m(t1 & m26, lPrime) & m26
            t1 &+= m(q, l0)
            t2 &+= m(q, l1)
            t3 &+= m(q, l2)
            t4 &+= m(q, l3)
            t5 &+= m(q, l4)
            t10 &+= m(q, l9)
            t2 &+= t1 &>> 26
        }
        do {
            let q = m(t2 & m26, lPrime) & m26
            t2 &+= m(q, l0)
            t3 &+= m(q, l1)
            t4 &+= m(q, l2)
            t5 &+= m(q, l3)
            t6 &+= m(q, l4)
            t11 &+= m(q, l9)
            t3 &+= t2 &>> 26
        }
        do {
            let q = m(t3 & m26, lPrime) & m26
            t3 &+= m(q, l0)
            t4 &+= m(q, l1)
            t5 &+= m(q, l2)
            t6 &+= m(q, l3)
            t7 &+= m(q, l4)
            t12 &+= m(q, l9)
            t4 &+= t3 &>> 26
        }
        do {
            let q = m(t4 & m26, lPrime) & m26
            t4 &+= m(q, l0)
            t5 &+= m(q, l1)
            t6 &+= m(q, l2)
            t7 &+= m(q, l3)
            t8 &+= m(q, l4)
            t13 &+= m(q, l9)
            t5 &+= t4 &>> 26
        }
        do {
            let q = m(t5 & m26, lPrime) & m26
            t5 &+= m(q, l0)
            t6 &+= m(q, l1)
            t7 &+= m(q, l2)
            t8 &+= m(q, l3)
            t9 &+= m(q, l4)
            t14 &+= m(q, l9)
            t6 &+= t5 &>> 26
        }
        do {
            let q = m(t6 & m26, lPrime) & m26
            t6 &+= m(q, l0)
            t7 &+= m(q, l1)
            t8 &+= m(q, l2)
            t9 &+= m(q, l3)
            t10 &+= m(q, l4)
            t15 &+= m(q, l9)
            t7 &+= t6 &>> 26
        }
        do {
            let q = m(t7 & m26, lPrime) & m26
            t7 &+= m(q, l0)
            t8 &+= m(q, l1)
            t9 &+= m(q, l2)
            t10 &+= m(q, l3)
            t11 &+= m(q, l4)
            t16 &+= m(q, l9)
            t8 &+= t7 &>> 26
        }
        do {
            let q = m(t8 & m26, lPrime) & m26
            t8 &+= m(q, l0)
            t9 &+= m(q, l1)
            t10 &+= m(q, l2)
            t11 &+= m(q, l3)
            t12 &+= m(q, l4)
            t17 &+= m(q, l9)
            t9 &+= t8 &>> 26
        }
        do {
            let q = m(t9 & m26, lPrime) & m26
            t9 &+= m(q, l0)
            t10 &+= m(q, l1)
            t11 &+= m(q, l2)
            t12 &+= m(q, l3)
            t13 &+= m(q, l4)
            t18 &+= m(q, l9)
            t10 &+= t9 &>> 26
        }
        _ = t0; _ = t1; _ = t2; _ = t3; _ = t4; _ = t5; _ = t6; _ = t7; _ = t8
        t11 &+= t10 &>> 26; t10 &= m26
        t12 &+= t11 &>> 26; t11 &= m26
        t13 &+= t12 &>> 26; t12 &= m26
        t14 &+= t13 &>> 26; t13 &= m26
        t15 &+= t14 &>> 26; t14 &= m26
        t16 &+= t15 &>> 26; t15 &= m26
        t17 &+= t16 &>> 26; t16 &= m26
        t18 &+= t17 &>> 26; t17 &= m26
        t19 &+= t18 &>> 26; t18 &= m26
        t19 &= m26
        // Subtract l once unless the result is already below it.
        var borrow = Lanes(repeating: 0)
        var d0 = t10 &- Lanes(repeating: 0xf5d3ed) &- borrow; borrow = d0 &>> 63; d0 &= m26
        var d1 = t11 &- Lanes(repeating: 0x98c697) &- borrow; borrow = d1 &>> 63; d1 &= m26
        var d2 = t12 &- Lanes(repeating: 0x1cd6581) &- borrow; borrow = d2 &>> 63; d2 &= m26
        var d3 = t13 &- Lanes(repeating: 0x37a8bde) &- borrow; borrow = d3 &>> 63; d3 &= m26
        var d4 = t14 &- Lanes(repeating: 0x14def9) &- borrow; borrow = d4 &>> 63; d4 &= m26
        var d5 = t15 &- Lanes(repeating: 0x0) &- borrow; borrow = d5 &>> 63; d5 &= m26
        var d6 = t16 &- Lanes(repeating: 0x0) &- borrow; borrow = d6 &>> 63; d6 &= m26
        var d7 = t17 &- Lanes(repeating: 0x0) &- borrow; borrow = d7 &>> 63; d7 &= m26
        var d8 = t18 &- Lanes(repeating: 0x0) &- borrow; borrow = d8 &>> 63; d8 &= m26
        var d9 = t19 &- Lanes(repeating: 0x40000) &- borrow; borrow = d9 &>> 63; d9 &= m26
        let keep = borrow .== Lanes(repeating: 1)   // t < l
        return Scalar8(d0.replacing(with: t10, where: keep), d1.replacing(with: t11, where: keep), d2.replacing(with: t12, where: keep), d3.replacing(with: t13, where: keep), d4.replacing(with: t14, where: keep), d5.replacing(with: t15, where: keep), d6.replacing(with: t16, where: keep), d7.replacing(with: t17, where: keep), d8.replacing(with: t18, where: keep), d9.replacing(with: t19, where: keep))
    }
}

/// Batch Montgomery products for the scalar module.
package enum ScalarLanes {
    /// out[k] = a[k] * factor * 2^-260 mod l, canonical, for k < `count`; every value as
    /// five 52-bit words (the `Scalar52` layout): a[k] canonical, factor < l (a
    /// `ScalarMultiplier` factor, so out[k] = a[k] times the multiplier's scalar).
    /// `out` must not overlap `a`.
    /// - Warning: AVX-512 code: call only for `Backend.ifma` (module Ristretto255), which the executable checked against the CPU.
    @inline(never)
    package static func montgomeryMul(_ a: UnsafePointer<UInt64>, count: Int, factor: UnsafePointer<UInt64>,
                                      out: UnsafeMutablePointer<UInt64>) {
        let f = Scalar8(words: Lanes(repeating: factor[0]), Lanes(repeating: factor[1]), Lanes(repeating: factor[2]),
                        Lanes(repeating: factor[3]), Lanes(repeating: factor[4]))
        var start = 0
        while start < count {
            var o = SIMD8<Int>()
            for j in 0..<8 { o[j] = 5 * min(start + j, count - 1) }
            @inline(__always) func word(_ i: Int) -> Lanes {
                Lanes(a[o[0] + i], a[o[1] + i], a[o[2] + i], a[o[3] + i], a[o[4] + i], a[o[5] + i], a[o[6] + i], a[o[7] + i])
            }
            let r = Scalar8.montgomeryMul(Scalar8(words: word(0), word(1), word(2), word(3), word(4)), f)
            let w0 = r.r0 | r.r1 &<< 26, w1 = r.r2 | r.r3 &<< 26, w2 = r.r4 | r.r5 &<< 26
            let w3 = r.r6 | r.r7 &<< 26, w4 = r.r8 | r.r9 &<< 26
            for j in 0..<min(8, count - start) {
                let p = out + 5 * (start + j)
                p[0] = w0[j]; p[1] = w1[j]; p[2] = w2[j]; p[3] = w3[j]; p[4] = w4[j]
            }
            start += 8
        }
    }
}
