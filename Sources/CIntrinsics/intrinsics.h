#ifndef ZKPAY_CINTRINSICS_H
#define ZKPAY_CINTRINSICS_H
// x86-64 instructions that Swift has no spelling for. Header-only (no library): every
// function is static inline. The vector kernels' multiply-adds are inlined into their
// Swift callers in module Ristretto255SIMD, which is compiled for a CPU that has them
// (Package.swift: -target-cpu cannonlake); module Ristretto255 calls those kernels only
// for a `Backend` the CPU runs (zk_cpu_features, read by CPUFeatures in module Ristretto255,
// which is compiled for the baseline). The CRC-32C serves the write-ahead log (module Ledger).

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
