// x^((p-5)/8) on eight lanes: the exponentiation inside every ristretto255 decoding
// (RFC 9496 SQRT_RATIO_M1), which is 252 squarings and 11 multiplications. The exponent
// is public and fixed, so the running time does not depend on the inputs.

extension FieldElement8 {
    /// self^2 (limbs < 2^52). A dedicated squaring (15 distinct products) needs the
    /// doubled cross products in separate columns, which costs about what the ten
    /// multiply-adds it saves, so this is the multiplication.
    @inline(__always)
    func squared() -> FieldElement8 { self * self }

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
    /// each, limbs < 2^52) by its power (p-5)/8, eight at a time. Outputs have limbs
    /// < 2^51 + 2^8 (within the scalar code's bound for reduced elements).
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
