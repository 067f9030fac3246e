#!/usr/bin/env python3
"""Expected SHA3-512 and SHAKE256 outputs from Python's hashlib (OpenSSL/XKCP) for
seeded random inputs; the Keccak tests compare against them.

Regenerate: python3 Fixtures/golden/sha3-hashlib.py > Fixtures/golden/sha3-hashlib.json
"""
import hashlib, json, random, ssl, sys

rng = random.Random(20261125)
cases = []
# Lengths 0..299 cover every position in the SHA3-512 (72) and SHAKE256 (136) blocks
# around one and two block boundaries; a few long inputs cross many blocks.
lengths = list(range(300)) + [rng.randrange(300, 2000) for _ in range(20)]
for n in lengths:
    data = bytes(rng.randrange(256) for _ in range(n))
    out_len = rng.choice([1, 31, 32, 64, 135, 136, 137, 272, 300, rng.randrange(1, 600)])
    cases.append({
        "input": data.hex(),
        "sha3_512": hashlib.sha3_512(data).hexdigest(),
        "shake256_length": out_len,
        "shake256": hashlib.shake_256(data).hexdigest(out_len),
    })
json.dump({
    "source": "Python %s hashlib (%s); seed 20261125" % (sys.version.split()[0], ssl.OPENSSL_VERSION),
    "command": "python3 Fixtures/golden/sha3-hashlib.py > Fixtures/golden/sha3-hashlib.json",
    "cases": cases,
}, sys.stdout, indent=0)
sys.stdout.write("\n")
