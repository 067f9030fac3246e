import CIntrinsics

// x^((p-5)/8) on four AVX2 lanes: the exponentiation inside every ristretto255 decoding and
// encoding (RFC 9496 SQRT_RATIO_M1), 252 squarings and 11 products (`zk_fe4_pow_p58` in
// module CIntrinsics). The exponent is public and fixed, so the running time does not
// depend on the inputs; the lanes a short last chunk does not use repeat its last element.

/// Batch exponentiations for module Ristretto255 on the AVX2 backend.
package enum Exponentiation4 {
    /// Replaces each of the `count` packed elements at `words` (five radix-2^51 words
    /// each, every word < 2^52) by its power (p-5)/8, four at a time. Outputs are packed
    /// reduced lanes: words < 2^51 + 2^44, which the scalar code carries on reading.
    /// - Warning: AVX2 code: call only for `Backend.avx2` (module Ristretto255), which the
    ///   executable checked against the CPU.
    @inline(never)
    package static func powP58(_ words: UnsafeMutablePointer<UInt64>, count: Int) {
        precondition(count >= 0)
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 10) { buffer in
            let x = buffer.baseAddress!
            var start = 0
            while start < count {
                var o = SIMD4<Int>()
                for j in 0..<4 { o[j] = 5 * min(start + j, count - 1) }
                // Words < 2^52 unpack to limbs < 2^26, within both factors' bounds.
                FieldElement4(gather: words, o).store(to: x)
                zk_fe4_pow_p58(x)
                FieldElement4(loading: x).scatter(words, o)
                start += 4
            }
        }
    }
}
