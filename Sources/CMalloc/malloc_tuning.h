#ifndef ZKPAY_CMALLOC_H
#define ZKPAY_CMALLOC_H
// Allocator settings for the zkpay process (header-only; Swift's Glibc module does not
// include <malloc.h>).
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/// Verifying a batch allocates and frees arrays of hundreds of KiB to a few MiB (digits,
/// point tables, scalars) many times a second. glibc serves blocks above its mmap
/// threshold (128 KiB at first, adjusted as blocks are freed) with fresh mappings and
/// returns freed heap tops above its trim threshold to the kernel, so every batch paid
/// page faults on memory it had just given back (~7 % of bp_batch_m2_256 in a profile).
/// Fixed thresholds of 32 MiB (mmap) and 64 MiB (trim) keep that memory in the heap:
/// at most 64 MiB more stays resident after a burst (measured: 321 -> 327 bytes per
/// unspent note at a million notes). Returns 1 if both settings took, else 0.
static inline int zk_tune_malloc(void) {
#if defined(__GLIBC__)
    int ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    ok &= mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    return ok ? 1 : 0;
#else
    return 0;
#endif
}

#endif
