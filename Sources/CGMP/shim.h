#ifndef ZKPAY_CGMP_SHIM_H
#define ZKPAY_CGMP_SHIM_H
// GMP is the test oracle only (TestSupport). Swift cannot see GMP's mpz_* macros,
// so the ones we use are wrapped here as static inline functions. Callers pass the
// same pointer twice when arguments alias (GMP allows aliasing of mpz arguments).
#include <gmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void zk_mpz_init(mpz_ptr x) { mpz_init(x); }
static inline void zk_mpz_clear(mpz_ptr x) { mpz_clear(x); }
static inline void zk_mpz_set(mpz_ptr r, mpz_srcptr a) { mpz_set(r, a); }
static inline void zk_mpz_set_ui(mpz_ptr r, unsigned long v) { mpz_set_ui(r, v); }
static inline void zk_mpz_set_si(mpz_ptr r, long v) { mpz_set_si(r, v); }
static inline int zk_mpz_set_str(mpz_ptr r, const char *s, int base) { return mpz_set_str(r, s, base); }
static inline void zk_mpz_add(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_add(r, a, b); }
static inline void zk_mpz_sub(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_sub(r, a, b); }
static inline void zk_mpz_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_mul(r, a, b); }
static inline void zk_mpz_neg(mpz_ptr r, mpz_srcptr a) { mpz_neg(r, a); }
/// Non-negative remainder (r in [0, |m|)).
static inline void zk_mpz_mod(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) { mpz_mod(r, a, m); }
static inline void zk_mpz_powm(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) { mpz_powm(r, b, e, m); }
/// Returns 0 when no inverse exists.
static inline int zk_mpz_invert(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) { return mpz_invert(r, a, m); }
static inline void zk_mpz_mul_2exp(mpz_ptr r, mpz_srcptr a, unsigned long k) { mpz_mul_2exp(r, a, k); }
static inline void zk_mpz_fdiv_q_2exp(mpz_ptr r, mpz_srcptr a, unsigned long k) { mpz_fdiv_q_2exp(r, a, k); }
static inline int zk_mpz_cmp(mpz_srcptr a, mpz_srcptr b) { return mpz_cmp(a, b); }
static inline int zk_mpz_sgn(mpz_srcptr a) { return mpz_sgn(a); }
static inline int zk_mpz_tstbit(mpz_srcptr a, unsigned long bit) { return mpz_tstbit(a, bit); }
static inline size_t zk_mpz_sizeinbase(mpz_srcptr a, int base) { return mpz_sizeinbase(a, base); }
static inline int zk_mpz_legendre(mpz_srcptr a, mpz_srcptr p) { return mpz_legendre(a, p); }
/// Little-endian bytes in.
static inline void zk_mpz_import_le(mpz_ptr r, const uint8_t *bytes, size_t count) {
    mpz_import(r, count, -1, 1, 0, 0, bytes);
}
/// Little-endian bytes out (|a|); writes *written bytes, at most sizeinbase(a, 256).
static inline void zk_mpz_export_le(uint8_t *out, size_t *written, mpz_srcptr a) {
    mpz_export(out, written, -1, 1, 0, 0, a);
}
/// Decimal or other base string; the caller frees with zk_free_str.
static inline char *zk_mpz_get_str(mpz_srcptr a, int base) { return mpz_get_str(NULL, base, a); }
static inline void zk_free_str(char *s) {
    void (*freefunc)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefunc);
    freefunc(s, strlen(s) + 1);
}
#endif
