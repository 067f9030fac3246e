// The BLAKE2b compression function F (RFC 7693 §3.2) on four independent states at once, on
// AVX2: lane j of every vector belongs to message j. AVX2 has no 64-bit rotation; the
// compiler turns each shift pair below into byte shuffles (rotations by 32, 24 and 16) or
// two shifts and an OR (by 63). The ledger hashes its receipt Merkle trees with it (module
// Ledger, KeyedBLAKE2b.digests), four leaves or four nodes at a time; callers use it only
// for `Backend.avx2`. Data here is public; the code has no data-dependent branches or
// look-ups anyway. The rounds are those of `BLAKE2bLanes` (module Ristretto255SIMD) on
// four lanes instead of eight: each kernel module compiles its own copy for its instruction
// set (a shared generic would be compiled with the flags of neither).

/// Four BLAKE2b compressions side by side.
package enum BLAKE2bLanes4 {
    /// Applies F to four states: `h` holds 8 vectors (word i of every state), `m` 16 vectors
    /// (message word i of every block), `counter` each lane's byte counter t (< 2^64), and
    /// `last` sets the final-block flag of every lane. `iv` (8 words) and `sigma` (the
    /// message schedule, 12 rounds of 16 indices) come from the caller's scalar code (module
    /// Ledger, `KeyedBLAKE2b`), as for the eight-lane IFMA version.
    package static func compress(_ h: UnsafeMutablePointer<SIMD4<UInt64>>, _ m: UnsafePointer<SIMD4<UInt64>>,
                                 counter: SIMD4<UInt64>, last: Bool, iv: UnsafePointer<UInt64>,
                                 sigma: UnsafePointer<UInt8>) {
        var v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7]
        var v8 = SIMD4(repeating: iv[0]), v9 = SIMD4(repeating: iv[1])
        var v10 = SIMD4(repeating: iv[2]), v11 = SIMD4(repeating: iv[3])
        var v12 = SIMD4(repeating: iv[4]) ^ counter, v13 = SIMD4(repeating: iv[5])
        var v14 = SIMD4(repeating: last ? ~iv[6] : iv[6]), v15 = SIMD4(repeating: iv[7])

        @inline(__always) func rotr(_ x: SIMD4<UInt64>, _ n: UInt64) -> SIMD4<UInt64> {
            (x &>> SIMD4(repeating: n)) | (x &<< SIMD4(repeating: 64 - n))
        }
        @inline(__always) func g(_ a: inout SIMD4<UInt64>, _ b: inout SIMD4<UInt64>, _ c: inout SIMD4<UInt64>,
                                 _ d: inout SIMD4<UInt64>, _ x: SIMD4<UInt64>, _ y: SIMD4<UInt64>) {
            a = a &+ b &+ x
            d = rotr(d ^ a, 32)
            c = c &+ d
            b = rotr(b ^ c, 24)
            a = a &+ b &+ y
            d = rotr(d ^ a, 16)
            c = c &+ d
            b = rotr(b ^ c, 63)
        }
        for r in 0..<12 {
            let o = sigma + 16 * r
            g(&v0, &v4, &v8, &v12, m[Int(o[0])], m[Int(o[1])])
            g(&v1, &v5, &v9, &v13, m[Int(o[2])], m[Int(o[3])])
            g(&v2, &v6, &v10, &v14, m[Int(o[4])], m[Int(o[5])])
            g(&v3, &v7, &v11, &v15, m[Int(o[6])], m[Int(o[7])])
            g(&v0, &v5, &v10, &v15, m[Int(o[8])], m[Int(o[9])])
            g(&v1, &v6, &v11, &v12, m[Int(o[10])], m[Int(o[11])])
            g(&v2, &v7, &v8, &v13, m[Int(o[12])], m[Int(o[13])])
            g(&v3, &v4, &v9, &v14, m[Int(o[14])], m[Int(o[15])])
        }
        h[0] ^= v0 ^ v8
        h[1] ^= v1 ^ v9
        h[2] ^= v2 ^ v10
        h[3] ^= v3 ^ v11
        h[4] ^= v4 ^ v12
        h[5] ^= v5 ^ v13
        h[6] ^= v6 ^ v14
        h[7] ^= v7 ^ v15
    }
}
