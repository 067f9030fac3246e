#ifndef ZKPAY_CGMP_SHIM_H
#define ZKPAY_CGMP_SHIM_H
// GMP is the test oracle only (TestSupport). Swift cannot see GMP's mpz_* macros,
// so the ones we use are wrapped here as static inline functions.
#include <gmp.h>
#endif
