#ifndef ZKPAY_CINTRINSICS_H
#define ZKPAY_CINTRINSICS_H
// x86-64 instructions the vector kernels (module Ristretto255SIMD) need and Swift has no
// spelling for. Header-only (no library): every function is static inline and inlined
// into its Swift caller, which is compiled for a CPU that has the instructions
// (Package.swift: -target-cpu cannonlake). Module Ristretto255 calls those kernels only
// where the CPU has them (SIMDSupport.available).

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
#endif

#endif
