#ifndef ZKPAY_CINTRINSICS_H
#define ZKPAY_CINTRINSICS_H
// x86-64 instructions that Swift has no spelling for. Header-only (no library): every
// function is static inline. The vector kernels' multiply-adds are inlined into their
// Swift callers in module Ristretto255SIMD, which is compiled for a CPU that has them
// (Package.swift: -target-cpu cannonlake); module Ristretto255 calls those kernels only
// for a `Backend` the CPU runs (zk_cpu_features, read by CPUFeatures in module Ristretto255,
// which is compiled for the baseline). The CRC-32C serves the write-ahead log (module Ledger).
// The AVX2 lane field (zk_fe4_*, zk_ge4_*) is called from module Ristretto255AVX2, compiled
// for x86-64-v3; every function here that uses AVX2 says so in its target attribute.
//
// Editing this header: SwiftPM does not rebuild the clang module of a [system] module when
// the header changes (the cached .pcm is not revalidated), so an edit is silently ignored
// until .build/*/release/ModuleCache/*/CIntrinsics-*.pcm is deleted (or the build cleaned)
// and an importing Swift file is recompiled.

/// A hint to load the cache line at `p` (no fault if it is not mapped); any architecture.
static inline void zk_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#if defined(__x86_64__)
#include <immintrin.h>

/// Eight unsigned 64-bit lanes; Swift sees SIMD8<UInt64>.
typedef unsigned long long zk_u64x8 __attribute__((ext_vector_type(8)));

/// Per lane: acc + the low 52 bits of the 104-bit product of the low 52 bits of a and b
/// (vpmadd52luq).
__attribute__((target("avx512f,avx512ifma"), always_inline))
static inline zk_u64x8 zk_madd52lo(zk_u64x8 acc, zk_u64x8 a, zk_u64x8 b) {
    return (zk_u64x8)_mm512_madd52lo_epu64((__m512i)acc, (__m512i)a, (__m512i)b);
}

/// Per lane: acc + the high 52 bits of the 104-bit product of the low 52 bits of a and b
/// (vpmadd52huq).
__attribute__((target("avx512f,avx512ifma"), always_inline))
static inline zk_u64x8 zk_madd52hi(zk_u64x8 acc, zk_u64x8 a, zk_u64x8 b) {
    return (zk_u64x8)_mm512_madd52hi_epu64((__m512i)acc, (__m512i)a, (__m512i)b);
}

/// Four unsigned 64-bit lanes; Swift sees SIMD4<UInt64>.
typedef unsigned long long zk_u64x4 __attribute__((ext_vector_type(4)));

/// Per lane: the low 32 bits of a times the low 32 bits of b, 64-bit product (vpmuludq).
__attribute__((target("avx2"), always_inline))
static inline zk_u64x4 zk_mul32(zk_u64x4 a, zk_u64x4 b) {
    return (zk_u64x4)_mm256_mul_epu32((__m256i)a, (__m256i)b);
}

/// One limb vector of a FieldElement4 in memory: Swift aligns SIMD4<UInt64> to 16 bytes,
/// so the point functions below read and write through this 8-byte-aligned type.
typedef unsigned long long zk_u64x4m __attribute__((ext_vector_type(4), aligned(8)));

// An empty asm statement that "reads and writes" the ten column sums in registers and
// clobbers memory. It emits nothing; it stops the compiler from moving a product of one row
// past the row's end, and from hoisting the next rows' loads of a and b above it. Left
// alone, LLVM reassociates and interleaves the rows into the column order, which keeps ~30
// vectors live against 16 ymm registers and spills and reloads around every product; row by
// row, only the ten sums and the row's limb stay in registers, and b_j is read from the
// operand itself (19 b_j from the stack) as a vpmuludq memory operand.
#define ZK_FE4_PIN_COLUMNS() \
    __asm__("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), \
                 "+x"(c5), "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9) : : "memory")

/// r = a b mod p for four pairs of field elements in radix 2^25.5 (limb i of the four
/// elements in a_i, b_i; r: ten vectors, limb i at r + 32 i), carried (FieldElement4.* in module Ristretto255AVX2, whose
/// header has the bounds: a limbs < 2^28, b limbs < 2^27.7; the result has even limbs
/// < 2^26, odd limbs < 2^25 + 2^18).
///
/// Schoolbook in the ref10 form, row by row: limb a_i (doubled for odd i against odd j:
/// the weights of two odd limbs sum to one bit more than their column's) times b_j into
/// column i + j, or times 19 b_j into column i + j - 10 (2^255 = 19 mod p). Then the
/// ref10 carry chain: two interleaved chains from c0 and c4, the top carry folded into c0
/// times 19, even limbs masked last.
__attribute__((target("avx2"), noinline))
static inline void zk_fe4_mul(void *r, const void *a, const void *b) {
    const zk_u64x4m *A = a, *B = b;
    // 19 b_j as 16 b_j + b_j + 2 b_j: shifts and adds, so that the vpmuludq unit does only
    // the 100 limb products. Written as asm because LLVM folds the shifts and adds back
    // into a multiplication by 19, which AVX2 has only as 64 x 64 bits (two vpmuludq, shifts
    // and adds). b_j < 2^27.7, so 19 b_j < 2^32, what vpmuludq reads.
#define ZK_TIMES19(s, b) zk_u64x4 s; { zk_u64x4 t_; \
        __asm__("vpsllq $4, %2, %1\n\tvpaddq %2, %1, %1\n\tvpaddq %2, %2, %0\n\tvpaddq %1, %0, %0" \
                : "=&x"(s), "=&x"(t_) : "x"(b)); }
    ZK_TIMES19(s1, B[1]); ZK_TIMES19(s2, B[2]); ZK_TIMES19(s3, B[3]); ZK_TIMES19(s4, B[4]); ZK_TIMES19(s5, B[5]);
    ZK_TIMES19(s6, B[6]); ZK_TIMES19(s7, B[7]); ZK_TIMES19(s8, B[8]); ZK_TIMES19(s9, B[9]);
    zk_u64x4 x = A[0], d;
    zk_u64x4 c0 = zk_mul32(x, B[0]), c1 = zk_mul32(x, B[1]), c2 = zk_mul32(x, B[2]), c3 = zk_mul32(x, B[3]);
    zk_u64x4 c4 = zk_mul32(x, B[4]), c5 = zk_mul32(x, B[5]), c6 = zk_mul32(x, B[6]), c7 = zk_mul32(x, B[7]);
    zk_u64x4 c8 = zk_mul32(x, B[8]), c9 = zk_mul32(x, B[9]);
    ZK_FE4_PIN_COLUMNS();
    x = A[1]; d = x + x;
    c1 += zk_mul32(x, B[0]); c2 += zk_mul32(d, B[1]); c3 += zk_mul32(x, B[2]); c4 += zk_mul32(d, B[3]); c5 += zk_mul32(x, B[4]);
    c6 += zk_mul32(d, B[5]); c7 += zk_mul32(x, B[6]); c8 += zk_mul32(d, B[7]); c9 += zk_mul32(x, B[8]); c0 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[2];
    c2 += zk_mul32(x, B[0]); c3 += zk_mul32(x, B[1]); c4 += zk_mul32(x, B[2]); c5 += zk_mul32(x, B[3]); c6 += zk_mul32(x, B[4]);
    c7 += zk_mul32(x, B[5]); c8 += zk_mul32(x, B[6]); c9 += zk_mul32(x, B[7]); c0 += zk_mul32(x, s8); c1 += zk_mul32(x, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[3]; d = x + x;
    c3 += zk_mul32(x, B[0]); c4 += zk_mul32(d, B[1]); c5 += zk_mul32(x, B[2]); c6 += zk_mul32(d, B[3]); c7 += zk_mul32(x, B[4]);
    c8 += zk_mul32(d, B[5]); c9 += zk_mul32(x, B[6]); c0 += zk_mul32(d, s7); c1 += zk_mul32(x, s8); c2 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[4];
    c4 += zk_mul32(x, B[0]); c5 += zk_mul32(x, B[1]); c6 += zk_mul32(x, B[2]); c7 += zk_mul32(x, B[3]); c8 += zk_mul32(x, B[4]);
    c9 += zk_mul32(x, B[5]); c0 += zk_mul32(x, s6); c1 += zk_mul32(x, s7); c2 += zk_mul32(x, s8); c3 += zk_mul32(x, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[5]; d = x + x;
    c5 += zk_mul32(x, B[0]); c6 += zk_mul32(d, B[1]); c7 += zk_mul32(x, B[2]); c8 += zk_mul32(d, B[3]); c9 += zk_mul32(x, B[4]);
    c0 += zk_mul32(d, s5); c1 += zk_mul32(x, s6); c2 += zk_mul32(d, s7); c3 += zk_mul32(x, s8); c4 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[6];
    c6 += zk_mul32(x, B[0]); c7 += zk_mul32(x, B[1]); c8 += zk_mul32(x, B[2]); c9 += zk_mul32(x, B[3]); c0 += zk_mul32(x, s4);
    c1 += zk_mul32(x, s5); c2 += zk_mul32(x, s6); c3 += zk_mul32(x, s7); c4 += zk_mul32(x, s8); c5 += zk_mul32(x, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[7]; d = x + x;
    c7 += zk_mul32(x, B[0]); c8 += zk_mul32(d, B[1]); c9 += zk_mul32(x, B[2]); c0 += zk_mul32(d, s3); c1 += zk_mul32(x, s4);
    c2 += zk_mul32(d, s5); c3 += zk_mul32(x, s6); c4 += zk_mul32(d, s7); c5 += zk_mul32(x, s8); c6 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[8];
    c8 += zk_mul32(x, B[0]); c9 += zk_mul32(x, B[1]); c0 += zk_mul32(x, s2); c1 += zk_mul32(x, s3); c2 += zk_mul32(x, s4);
    c3 += zk_mul32(x, s5); c4 += zk_mul32(x, s6); c5 += zk_mul32(x, s7); c6 += zk_mul32(x, s8); c7 += zk_mul32(x, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[9]; d = x + x;
    c9 += zk_mul32(x, B[0]); c0 += zk_mul32(d, s1); c1 += zk_mul32(x, s2); c2 += zk_mul32(d, s3); c3 += zk_mul32(x, s4);
    c4 += zk_mul32(d, s5); c5 += zk_mul32(x, s6); c6 += zk_mul32(d, s7); c7 += zk_mul32(x, s8); c8 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    const zk_u64x4 m26 = (zk_u64x4)((1ull << 26) - 1), m25 = (zk_u64x4)((1ull << 25) - 1);
    zk_u64x4 t;
    t = c0 >> 26; c1 += t; c0 &= m26;
    t = c4 >> 26; c5 += t; c4 &= m26;
    t = c1 >> 25; c2 += t; c1 &= m25;
    t = c5 >> 25; c6 += t; c5 &= m25;
    t = c2 >> 26; c3 += t; c2 &= m26;
    t = c6 >> 26; c7 += t; c6 &= m26;
    t = c3 >> 25; c4 += t; c3 &= m25;
    t = c7 >> 25; c8 += t; c7 &= m25;
    t = c4 >> 26; c5 += t; c4 &= m26;
    t = c8 >> 26; c9 += t; c8 &= m26;
    // c9 < 2^64, so the carry t < 2^39: 19 t in shifts and adds, not a 64-bit product.
    t = c9 >> 25; c9 &= m25;
    { ZK_TIMES19(t19, t); c0 += t19; }
    t = c0 >> 26; c1 += t; c0 &= m26;
#undef ZK_TIMES19
    zk_u64x4 out[10] = { c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 };
    __builtin_memcpy(r, out, sizeof out);
}
/// r = a^2 mod p for four field elements in radix 2^25.5 (ten limb vectors each; a's limbs
/// < 2^26: reduced elements and unpacked words < 2^52 qualify; r reduced, as zk_fe4_mul's).
/// r may be a.
///
/// The 55 distinct products a_i a_j (j >= i) instead of 100: a cross product counts twice,
/// a product of two odd limbs twice more (as in zk_fe4_mul), a column >= 10 folds in times
/// 19. The factors carry those multipliers: 2 a_i (< 2^27) on the left; a_j, 19 a_j (< 2^30.3),
/// 2 a_j or 38 a_j (< 2^31.3) on the right, all within the 32 bits vpmuludq reads; a
/// product is < 2^58.3 and a column has at most six, so the sums stay < 2^61. Rows pinned
/// as in zk_fe4_mul.
__attribute__((target("avx2"), noinline))
static inline void zk_fe4_square(void *r, const void *a) {
    const zk_u64x4m *A = a;
#define ZK_TIMES19(s, b) zk_u64x4 s; { zk_u64x4 t_; \
        __asm__("vpsllq $4, %2, %1\n\tvpaddq %2, %1, %1\n\tvpaddq %2, %2, %0\n\tvpaddq %1, %0, %0" \
                : "=&x"(s), "=&x"(t_) : "x"(b)); }
    ZK_TIMES19(s5, A[5]); ZK_TIMES19(s6, A[6]); ZK_TIMES19(s7, A[7]); ZK_TIMES19(s8, A[8]); ZK_TIMES19(s9, A[9]);
    const zk_u64x4 t7 = s7 + s7, t9 = s9 + s9;
    const zk_u64x4 d3 = A[3] + A[3], d5 = A[5] + A[5], d7 = A[7] + A[7];
    zk_u64x4 x = A[0], d = x + x;
    zk_u64x4 c0 = zk_mul32(x, A[0]), c1 = zk_mul32(d, A[1]), c2 = zk_mul32(d, A[2]), c3 = zk_mul32(d, A[3]),
             c4 = zk_mul32(d, A[4]), c5 = zk_mul32(d, A[5]), c6 = zk_mul32(d, A[6]),
             c7 = zk_mul32(d, A[7]), c8 = zk_mul32(d, A[8]), c9 = zk_mul32(d, A[9]);
    ZK_FE4_PIN_COLUMNS();
    x = A[1]; d = x + x;
    c2 += zk_mul32(d, A[1]); c3 += zk_mul32(d, A[2]); c4 += zk_mul32(d, d3); c5 += zk_mul32(d, A[4]); c6 += zk_mul32(d, d5);
    c7 += zk_mul32(d, A[6]); c8 += zk_mul32(d, d7); c9 += zk_mul32(d, A[8]); c0 += zk_mul32(d, t9);
    ZK_FE4_PIN_COLUMNS();
    x = A[2]; d = x + x;
    c4 += zk_mul32(x, A[2]); c5 += zk_mul32(d, A[3]); c6 += zk_mul32(d, A[4]); c7 += zk_mul32(d, A[5]); c8 += zk_mul32(d, A[6]);
    c9 += zk_mul32(d, A[7]); c0 += zk_mul32(d, s8); c1 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[3]; d = x + x;
    c6 += zk_mul32(d, A[3]); c7 += zk_mul32(d, A[4]); c8 += zk_mul32(d, d5); c9 += zk_mul32(d, A[6]); c0 += zk_mul32(d, t7);
    c1 += zk_mul32(d, s8); c2 += zk_mul32(d, t9);
    ZK_FE4_PIN_COLUMNS();
    x = A[4]; d = x + x;
    c8 += zk_mul32(x, A[4]); c9 += zk_mul32(d, A[5]); c0 += zk_mul32(d, s6); c1 += zk_mul32(d, s7); c2 += zk_mul32(d, s8);
    c3 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[5]; d = x + x;
    c0 += zk_mul32(d, s5); c1 += zk_mul32(d, s6); c2 += zk_mul32(d, t7); c3 += zk_mul32(d, s8); c4 += zk_mul32(d, t9);
    ZK_FE4_PIN_COLUMNS();
    x = A[6]; d = x + x;
    c2 += zk_mul32(x, s6); c3 += zk_mul32(d, s7); c4 += zk_mul32(d, s8); c5 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[7]; d = x + x;
    c4 += zk_mul32(d, s7); c5 += zk_mul32(d, s8); c6 += zk_mul32(d, t9);
    ZK_FE4_PIN_COLUMNS();
    x = A[8]; d = x + x;
    c6 += zk_mul32(x, s8); c7 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    x = A[9]; d = x + x;
    c8 += zk_mul32(d, s9);
    ZK_FE4_PIN_COLUMNS();
    const zk_u64x4 m26 = (zk_u64x4)((1ull << 26) - 1), m25 = (zk_u64x4)((1ull << 25) - 1);
    zk_u64x4 t;
    t = c0 >> 26; c1 += t; c0 &= m26;
    t = c4 >> 26; c5 += t; c4 &= m26;
    t = c1 >> 25; c2 += t; c1 &= m25;
    t = c5 >> 25; c6 += t; c5 &= m25;
    t = c2 >> 26; c3 += t; c2 &= m26;
    t = c6 >> 26; c7 += t; c6 &= m26;
    t = c3 >> 25; c4 += t; c3 &= m25;
    t = c7 >> 25; c8 += t; c7 &= m25;
    t = c4 >> 26; c5 += t; c4 &= m26;
    t = c8 >> 26; c9 += t; c8 &= m26;
    t = c9 >> 25; c9 &= m25;
    { ZK_TIMES19(t19, t); c0 += t19; }
    t = c0 >> 26; c1 += t; c0 &= m26;
#undef ZK_TIMES19
    zk_u64x4 out[10] = { c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 };
    __builtin_memcpy(r, out, sizeof out);
}
#undef ZK_FE4_PIN_COLUMNS

/// r = a^(2^k), k >= 1, by k squarings (a's limbs < 2^26; r may be a).
__attribute__((target("avx2"), always_inline))
static inline void zk_fe4_square_times(zk_u64x4m *r, const zk_u64x4m *a, int k) {
    zk_fe4_square(r, a);
    for (int i = 1; i < k; i++) zk_fe4_square(r, r);
}

/// x = x^((p-5)/8) = x^(2^252 - 3) in each of four lanes, in place (ten limb vectors; limbs
/// < 2^26 in, as zk_fe4_square needs; reduced out): the exponentiation inside every ristretto255 decoding and
/// encoding, by the addition chain of the scalar FieldElement.powP58 (252 squarings and
/// 11 products). The exponent is fixed and the products have no data-dependent branch or
/// address, so the running time does not depend on x.
__attribute__((target("avx2"), noinline))
static inline void zk_fe4_pow_p58(void *x) {
    zk_u64x4m *z = x;
    zk_u64x4m t0[10], t1[10], t2[10], t3[10], t5[10], t7[10], t9[10], t11[10], t13[10], t15[10], t17[10];
    zk_u64x4m t19[10], u[10];
    zk_fe4_square_times(t0, z, 1);                       // 2
    zk_fe4_square_times(t1, t0, 2);                      // 8
    zk_fe4_mul(t2, z, t1);                               // 9
    zk_fe4_mul(t3, t0, t2);                              // 11
    zk_fe4_square_times(u, t3, 1);                       // 22
    zk_fe4_mul(t5, t2, u);                               // 31 = 2^5 - 1
    zk_fe4_square_times(u, t5, 5); zk_fe4_mul(t7, u, t5);     // 2^10 - 1
    zk_fe4_square_times(u, t7, 10); zk_fe4_mul(t9, u, t7);    // 2^20 - 1
    zk_fe4_square_times(u, t9, 20); zk_fe4_mul(t11, u, t9);   // 2^40 - 1
    zk_fe4_square_times(u, t11, 10); zk_fe4_mul(t13, u, t7);  // 2^50 - 1
    zk_fe4_square_times(u, t13, 50); zk_fe4_mul(t15, u, t13); // 2^100 - 1
    zk_fe4_square_times(u, t15, 100); zk_fe4_mul(t17, u, t15); // 2^200 - 1
    zk_fe4_square_times(u, t17, 50); zk_fe4_mul(t19, u, t13); // 2^250 - 1
    zk_fe4_square_times(u, t19, 2); zk_fe4_mul(z, z, u);      // 2^252 - 4 + 1
}

/// r = a + b, limb-wise, not carried (FieldElement4.+).
__attribute__((target("avx2"), always_inline))
static inline void zk_fe4_add(zk_u64x4m *r, const zk_u64x4m *a, const zk_u64x4m *b) {
    // Written out: the loop form was left rolled by the Swift compiler's LLVM pipeline.
    r[0] = a[0] + b[0]; r[1] = a[1] + b[1]; r[2] = a[2] + b[2]; r[3] = a[3] + b[3]; r[4] = a[4] + b[4];
    r[5] = a[5] + b[5]; r[6] = a[6] + b[6]; r[7] = a[7] + b[7]; r[8] = a[8] + b[8]; r[9] = a[9] + b[9];
}

/// r = a + 2p - b, limb-wise, not carried; b reduced, so no limb wraps (FieldElement4.-).
__attribute__((target("avx2"), always_inline))
static inline void zk_fe4_sub(zk_u64x4m *r, const zk_u64x4m *a, const zk_u64x4m *b) {
    const zk_u64x4 p0 = (zk_u64x4)0x7ffffda, even = (zk_u64x4)0x7fffffe, odd = (zk_u64x4)0x3fffffe;
    r[0] = a[0] + p0 - b[0]; r[1] = a[1] + odd - b[1]; r[2] = a[2] + even - b[2]; r[3] = a[3] + odd - b[3];
    r[4] = a[4] + even - b[4]; r[5] = a[5] + odd - b[5]; r[6] = a[6] + even - b[6]; r[7] = a[7] + odd - b[7];
    r[8] = a[8] + even - b[8]; r[9] = a[9] + odd - b[9];
}

/// point = point + niels for four extended points (X, Y, Z, T: 40 limb vectors at `point`)
/// and four affine Niels points (y+x, y-x, 2dxy: 30 limb vectors at `niels`, limbs < 2^26):
/// EdwardsPoint4.adding(yPlusX:yMinusX:xy2d:) of module Ristretto255AVX2 (7 products; the
/// bounds are argued there), done in place so that the points stay in memory between steps
/// instead of being copied into and out of the products' arguments.
__attribute__((target("avx2"), noinline))
static inline void zk_ge4_add_niels(void *point, const void *niels) {
    zk_u64x4m *P = point;
    const zk_u64x4m *Q = niels;
    zk_u64x4m s[10], d[10], pp[10], mm[10], txy[10], z2[10], cx[10], cy[10], cz[10], ct[10];
    zk_fe4_add(s, P + 10, P);
    zk_fe4_sub(d, P + 10, P);
    zk_fe4_mul(pp, s, Q);
    zk_fe4_mul(mm, d, Q + 10);
    zk_fe4_mul(txy, P + 30, Q + 20);
    zk_fe4_add(z2, P + 20, P + 20);
    zk_fe4_sub(cx, pp, mm);
    zk_fe4_add(cy, pp, mm);
    zk_fe4_add(cz, z2, txy);
    zk_fe4_sub(ct, z2, txy);
    zk_fe4_mul(P, ct, cx);
    zk_fe4_mul(P + 10, cy, cz);
    zk_fe4_mul(P + 20, ct, cz);
    zk_fe4_mul(P + 30, cx, cy);
}

/// point = point + other for four pairs of extended points (40 limb vectors each, reduced)
/// with 2d at `d2` (10 limb vectors, limbs < 2^26): EdwardsPoint4.adding(_:d2:) of module
/// Ristretto255AVX2 (9 products), in place.
__attribute__((target("avx2"), noinline))
static inline void zk_ge4_add(void *point, const void *other, const void *d2) {
    zk_u64x4m *P = point;
    const zk_u64x4m *Q = other;
    zk_u64x4m s1[10], s2[10], d1[10], dd[10], pp[10], mm[10], td[10], tt[10], zz[10], zz2[10];
    zk_u64x4m cx[10], cy[10], cz[10], ct[10];
    zk_fe4_add(s1, P + 10, P);
    zk_fe4_add(s2, Q + 10, Q);
    zk_fe4_mul(pp, s1, s2);
    zk_fe4_sub(d1, P + 10, P);
    zk_fe4_sub(dd, Q + 10, Q);
    zk_fe4_mul(mm, d1, dd);
    zk_fe4_mul(td, P + 30, d2);
    zk_fe4_mul(tt, td, Q + 30);
    zk_fe4_mul(zz, P + 20, Q + 20);
    zk_fe4_add(zz2, zz, zz);
    zk_fe4_sub(cx, pp, mm);
    zk_fe4_add(cy, pp, mm);
    zk_fe4_add(cz, zz2, tt);
    zk_fe4_sub(ct, zz2, tt);
    zk_fe4_mul(P, ct, cx);
    zk_fe4_mul(P + 10, cy, cz);
    zk_fe4_mul(P + 20, ct, cz);
    zk_fe4_mul(P + 30, cx, cy);
}

// CRC-32C (Castagnoli) with the SSE4.2 crc32 instruction, for the write-ahead log's frame
// checksums (module Ledger, CRC32C.swift). Not always_inline: module Ledger is compiled
// for the baseline CPU, so this stays a function of its own that is called only where
// zk_cpu_features() reports ZK_CPU_SSE42. `crc` is the running register value
// (no initial or final inversion here: the Swift side does those).
#include <stddef.h>
#include <stdint.h>
#include <cpuid.h>

__attribute__((target("sse4.2")))
static inline uint32_t zk_crc32c_sse42(uint32_t crc, const unsigned char *p, size_t n) {
    unsigned long long c = crc;
    while (n >= 8) {
        unsigned long long v;
        __builtin_memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n > 0) {
        c32 = _mm_crc32_u8(c32, *p);
        p += 1;
        n -= 1;
    }
    return c32;
}

/// Bytes in each of the three streams of zk_crc32c_sse42_3way.
#define ZK_CRC32C_BLOCK 128

/// The register `x` moved past the zero bytes of one half of zk_crc32c_sse42_3way's `shift`
/// (four lookups, one per byte of `x`).
static inline uint32_t zk_crc32c_shift(const uint32_t *table, uint32_t x) {
    return table[x & 0xFF] ^ table[256 + ((x >> 8) & 0xFF)] ^ table[512 + ((x >> 16) & 0xFF)] ^ table[768 + (x >> 24)];
}

/// As zk_crc32c_sse42, three streams at once: the crc32 instruction takes three cycles
/// before its result can feed the next one but can start one per cycle, so while at least
/// 3 * ZK_CRC32C_BLOCK bytes remain, three consecutive blocks are checksummed side by side
/// and joined. `shift` holds 2 x 4 x 256 entries: shift[(s * 4 + k) * 256 + v] is the
/// register after feeding (s + 1) * ZK_CRC32C_BLOCK zero bytes into the register v << 8k;
/// the register is linear in its start, so a register is moved past those zero bytes by
/// four lookups (CRC32C.shiftTables). The tail goes through zk_crc32c_sse42.
__attribute__((target("sse4.2")))
static inline uint32_t zk_crc32c_sse42_3way(uint32_t crc, const unsigned char *p, size_t n,
                                            const uint32_t *shift) {
    while (n >= 3 * ZK_CRC32C_BLOCK) {
        unsigned long long a = crc, b = 0, c = 0;
        for (size_t i = 0; i < ZK_CRC32C_BLOCK; i += 8) {
            unsigned long long va, vb, vc;
            __builtin_memcpy(&va, p + i, 8);
            __builtin_memcpy(&vb, p + ZK_CRC32C_BLOCK + i, 8);
            __builtin_memcpy(&vc, p + 2 * ZK_CRC32C_BLOCK + i, 8);
            a = _mm_crc32_u64(a, va);
            b = _mm_crc32_u64(b, vb);
            c = _mm_crc32_u64(c, vc);
        }
        crc = zk_crc32c_shift(shift + 4 * 256, (uint32_t)a) ^ zk_crc32c_shift(shift, (uint32_t)b) ^ (uint32_t)c;
        p += 3 * ZK_CRC32C_BLOCK;
        n -= 3 * ZK_CRC32C_BLOCK;
    }
    return zk_crc32c_sse42(crc, p, n);
}

/// CPU features zkpay's code paths depend on, as bits of zk_cpu_features' result. A
/// feature whose registers the operating system does not save on a context switch (the
/// AVX and AVX-512 state, XCR0 read with XGETBV) is reported absent.
enum {
    ZK_CPU_SSE42 = 1u << 0,
    ZK_CPU_POPCNT = 1u << 1,
    ZK_CPU_AVX = 1u << 2,
    ZK_CPU_AVX2 = 1u << 3,
    ZK_CPU_FMA = 1u << 4,
    ZK_CPU_F16C = 1u << 5,
    ZK_CPU_MOVBE = 1u << 6,
    ZK_CPU_BMI1 = 1u << 7,
    ZK_CPU_BMI2 = 1u << 8,
    ZK_CPU_ADX = 1u << 9,
    ZK_CPU_AVX512F = 1u << 10,
    ZK_CPU_AVX512CD = 1u << 11,
    ZK_CPU_AVX512BW = 1u << 12,
    ZK_CPU_AVX512DQ = 1u << 13,
    ZK_CPU_AVX512VL = 1u << 14,
    ZK_CPU_AVX512IFMA = 1u << 15,
    ZK_CPU_AVX512VBMI = 1u << 16,
    ZK_CPU_SHA = 1u << 17,
    ZK_CPU_LZCNT = 1u << 18,
};

/// The ZK_CPU_* bits of this CPU and operating system, from CPUID leaves 1, 7 and 0x80000001
/// and XCR0.
/// Baseline x86-64 code: callable on any x86-64 CPU.
static inline unsigned int zk_cpu_features(void) {
    unsigned int a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if ((c >> 20) & 1) f |= ZK_CPU_SSE42;
    if ((c >> 23) & 1) f |= ZK_CPU_POPCNT;
    if ((c >> 22) & 1) f |= ZK_CPU_MOVBE;
    // AVX state: the CPU has AVX and XSAVE, the OS enabled XSAVE (OSXSAVE, ECX bit 27), and
    // XCR0 has the SSE and AVX state bits (1, 2). AVX-512 state: also opmask, ZMM0-15
    // upper halves and ZMM16-31 (XCR0 bits 5, 6, 7).
    int osAVX = 0, osAVX512 = 0;
    if (((c >> 27) & 1) && ((c >> 28) & 1)) {
        unsigned int lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        osAVX = (lo & 0x6) == 0x6;
        osAVX512 = osAVX && (lo & 0xE0) == 0xE0;
    }
    if (osAVX) {
        f |= ZK_CPU_AVX;
        if ((c >> 12) & 1) f |= ZK_CPU_FMA;
        if ((c >> 29) & 1) f |= ZK_CPU_F16C;
    }
    // LZCNT (ABM): extended leaf 0x80000001, ECX bit 5.
    if (__get_cpuid_max(0x80000000, 0) >= 0x80000001) {
        unsigned int ea, eb, ec, ed;
        __cpuid(0x80000001, ea, eb, ec, ed);
        if ((ec >> 5) & 1) f |= ZK_CPU_LZCNT;
    }
    if (__get_cpuid_max(0, 0) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 3) & 1) f |= ZK_CPU_BMI1;
    if ((b >> 8) & 1) f |= ZK_CPU_BMI2;
    if ((b >> 19) & 1) f |= ZK_CPU_ADX;
    if ((b >> 29) & 1) f |= ZK_CPU_SHA;
    if (osAVX && ((b >> 5) & 1)) f |= ZK_CPU_AVX2;
    if (osAVX512) {
        if ((b >> 16) & 1) f |= ZK_CPU_AVX512F;
        if ((b >> 17) & 1) f |= ZK_CPU_AVX512DQ;
        if ((b >> 21) & 1) f |= ZK_CPU_AVX512IFMA;
        if ((b >> 28) & 1) f |= ZK_CPU_AVX512CD;
        if ((b >> 30) & 1) f |= ZK_CPU_AVX512BW;
        if ((b >> 31) & 1) f |= ZK_CPU_AVX512VL;
        if ((c >> 1) & 1) f |= ZK_CPU_AVX512VBMI;
    }
    return f;
}
#endif

#endif
