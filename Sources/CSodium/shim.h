#ifndef ZKPAY_CSODIUM_SHIM_H
#define ZKPAY_CSODIUM_SHIM_H
// libsodium 1.0.18 (Debian libsodium-dev). Only the Sodium Swift module imports this.
#include <sodium.h>
#endif
