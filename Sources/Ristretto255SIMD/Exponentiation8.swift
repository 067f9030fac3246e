// x^((p-5)/8) on eight lanes: the exponentiation inside every ristretto255 decoding
// (RFC 9496 SQRT_RATIO_M1), which is 252 squarings and 11 multiplications. The exponent
// is public and fixed, so the running time does not depend on the inputs.

extension FieldElement8 {
    /// self^2 (input limbs < 2^27.7; output reduced): 55 lane products instead of 100,
    /// the ref10 squaring with the doubled and 19-fold operands formed once.
    @inline(__always)
    func squared() -> FieldElement8 {
        let k = Lanes(repeating: 0xffff_ffff)
        @inline(__always) func m(_ x: Lanes, _ y: Lanes) -> Lanes { (x & k) &* (y & k) }
        let f0 = l0, f1 = l1, f2 = l2, f3 = l3, f4 = l4, f5 = l5, f6 = l6, f7 = l7, f8 = l8, f9 = l9
        let f0_2 = f0 &+ f0, f1_2 = f1 &+ f1, f2_2 = f2 &+ f2, f3_2 = f3 &+ f3, f4_2 = f4 &+ f4
        let f5_2 = f5 &+ f5, f6_2 = f6 &+ f6, f7_2 = f7 &+ f7
        let n19 = Lanes(repeating: 19), n38 = Lanes(repeating: 38)
        let f5_38 = f5 &* n38, f6_19 = f6 &* n19, f7_38 = f7 &* n38, f8_19 = f8 &* n19, f9_38 = f9 &* n38
        var r = FieldElement8(
            m(f0, f0) &+ m(f1_2, f9_38) &+ m(f2_2, f8_19) &+ m(f3_2, f7_38) &+ m(f4_2, f6_19) &+ m(f5, f5_38),
            m(f0_2, f1) &+ m(f2, f9_38) &+ m(f3_2, f8_19) &+ m(f4, f7_38) &+ m(f5_2, f6_19),
            m(f0_2, f2) &+ m(f1_2, f1) &+ m(f3_2, f9_38) &+ m(f4_2, f8_19) &+ m(f5_2, f7_38) &+ m(f6, f6_19),
            m(f0_2, f3) &+ m(f1_2, f2) &+ m(f4, f9_38) &+ m(f5_2, f8_19) &+ m(f6, f7_38),
            m(f0_2, f4) &+ m(f1_2, f3_2) &+ m(f2, f2) &+ m(f5_2, f9_38) &+ m(f6_2, f8_19) &+ m(f7, f7_38),
            m(f0_2, f5) &+ m(f1_2, f4) &+ m(f2_2, f3) &+ m(f6, f9_38) &+ m(f7_2, f8_19),
            m(f0_2, f6) &+ m(f1_2, f5_2) &+ m(f2_2, f4) &+ m(f3_2, f3) &+ m(f7_2, f9_38) &+ m(f8, f8_19),
            m(f0_2, f7) &+ m(f1_2, f6) &+ m(f2_2, f5) &+ m(f3_2, f4) &+ m(f8, f9_38),
            m(f0_2, f8) &+ m(f1_2, f7_2) &+ m(f2_2, f6) &+ m(f3_2, f5_2) &+ m(f4, f4) &+ m(f9, f9_38),
            m(f0_2, f9) &+ m(f1_2, f8) &+ m(f2_2, f7) &+ m(f3_2, f6) &+ m(f4_2, f5))
        r.carryChain()
        return r
    }

    /// self^(2^k), k >= 1.
    @inline(__always)
    func squared(times k: Int) -> FieldElement8 {
        var r = squared()
        var i = 1
        while i < k { r = r.squared(); i += 1 }
        return r
    }

    /// self^(2^252 - 3) = self^((p-5)/8): the addition chain of the scalar
    /// `FieldElement.powP58` (the same 252 squarings and 11 multiplications).
    func powP58() -> FieldElement8 {
        let t0 = squared()                    // 2
        let t1 = t0.squared(times: 2)         // 8
        let t2 = self * t1                    // 9
        let t3 = t0 * t2                      // 11
        let t4 = t3.squared()                 // 22
        let t5 = t2 * t4                      // 31 = 2^5 - 1
        let t7 = t5.squared(times: 5) * t5    // 2^10 - 1
        let t9 = t7.squared(times: 10) * t7   // 2^20 - 1
        let t11 = t9.squared(times: 20) * t9  // 2^40 - 1
        let t13 = t11.squared(times: 10) * t7 // 2^50 - 1
        let t15 = t13.squared(times: 50) * t13 // 2^100 - 1
        let t17 = t15.squared(times: 100) * t15 // 2^200 - 1
        let t19 = t17.squared(times: 50) * t13 // 2^250 - 1
        return self * t19.squared(times: 2)   // 2^252 - 4 + 1
    }
}

/// Batch exponentiations for the scalar module.
package enum VectorExponentiation {
    /// Replaces each of the `count` packed elements at `words` (five radix-2^51 words
    /// each, limbs < 2^51 + 2^13) by its power (p-5)/8, eight at a time. Outputs have
    /// limbs < 2^51 + 2^44 (the caller reduces them).
    /// - Warning: AVX-512 code: call only where `SIMDSupport.available` is true.
    @inline(never)
    package static func powP58(_ words: UnsafeMutablePointer<UInt64>, count: Int) {
        var start = 0
        while start < count {
            // A short last chunk repeats its last element in the unused lanes.
            var o = SIMD8<Int>()
            for j in 0..<8 { o[j] = 5 * min(start + j, count - 1) }
            FieldElement8(gather: words, o).powP58().scatter(words, o)
            start += 8
        }
    }
}
