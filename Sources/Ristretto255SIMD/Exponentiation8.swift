// x^((p-5)/8) on eight lanes: the exponentiation inside every ristretto255 decoding
// (RFC 9496 SQRT_RATIO_M1), which is 252 squarings and 11 multiplications. The exponent
// is public and fixed, so the running time does not depend on the inputs.
//
// The chain is one long dependency: each squaring waits for the one before, and an IFMA
// multiplication's latency (its multiply-add columns, the fold and the carry chain) is
// longer than its issue time. Two vectors run the chain together (`FieldElement8Pair`),
// so the second vector's instructions fill the first one's waits: sixteen elements at once.

/// What the (p-5)/8 chain needs: a multiplication.
protocol ChainElement {
    static func * (a: Self, b: Self) -> Self
}

extension ChainElement {
    /// self^2 (a squaring is the multiplication: a dedicated one, 15 distinct products,
    /// needs the doubled cross products in separate columns, which costs about what the
    /// ten multiply-adds it saves).
    @inline(__always)
    func squared() -> Self { self * self }

    /// self^(2^k), k >= 1. Not inlined: thirteen inlined copies of this loop (with two
    /// vectors' multiplications in its body) took the optimizer minutes.
    @inline(never)
    func squared(times k: Int) -> Self {
        var r = squared()
        var i = 1
        while i < k { r = r.squared(); i += 1 }
        return r
    }

    /// self^(2^252 - 3) = self^((p-5)/8): the addition chain of the scalar
    /// `FieldElement.powP58` (the same 252 squarings and 11 multiplications).
    func powP58() -> Self {
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

extension FieldElement8: ChainElement {}

/// Two vectors of eight elements that go through the chain together.
struct FieldElement8Pair: ChainElement {
    var a: FieldElement8, b: FieldElement8

    @inline(__always)
    static func * (x: FieldElement8Pair, y: FieldElement8Pair) -> FieldElement8Pair {
        FieldElement8Pair(a: x.a * y.a, b: x.b * y.b)
    }
}

/// Batch exponentiations for the scalar module.
package enum VectorExponentiation {
    /// Replaces each of the `count` packed elements at `words` (five radix-2^51 words
    /// each, limbs < 2^52) by its power (p-5)/8, sixteen at a time, then eight. Outputs
    /// have limbs < 2^51 + 2^8 (within the scalar code's bound for reduced elements).
    /// - Warning: AVX-512 code: call only for `Backend.ifma` (module Ristretto255), which the executable checked against the CPU.
    @inline(never)
    package static func powP58(_ words: UnsafeMutablePointer<UInt64>, count: Int) {
        // Lane offsets of elements start..<start + 8; a short chunk repeats its last
        // element in the unused lanes.
        func offsets(_ start: Int) -> SIMD8<Int> {
            var o = SIMD8<Int>()
            for j in 0..<8 { o[j] = 5 * min(start + j, count - 1) }
            return o
        }
        var start = 0
        while count - start > 8 {
            let o0 = offsets(start), o1 = offsets(start + 8)
            let r = FieldElement8Pair(a: FieldElement8(gather: words, o0), b: FieldElement8(gather: words, o1)).powP58()
            r.a.scatter(words, o0)
            r.b.scatter(words, o1)
            start += 16
        }
        if start < count {
            let o = offsets(start)
            FieldElement8(gather: words, o).powP58().scatter(words, o)
        }
    }
}
