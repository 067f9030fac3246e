#!/usr/bin/env python3
"""Writes the fuzz seed corpus (Fixtures/fuzz/<target>/) from the fixtures in Fixtures/.

Run from the repository root: python3 Fixtures/fuzz/seeds.py. Every seed is built from a
fixture named in Fixtures/fuzz/README.md or is a small edge case written here; the
file names say which. Rerunning writes the same files.
"""
import json, os, struct, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "fuzz")
GOLDEN = os.path.join(ROOT, "Fixtures", "golden", "ledger-v2")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def hexs(b):
    return b.hex()


# --- fixtures -------------------------------------------------------------------------
cases = {c["name"]: c for c in json.load(open(os.path.join(ROOT, "Fixtures", "transfers.json")))["cases"]}
transfer = {n: bytes.fromhex(c["transfer"]) for n, c in cases.items()}
log = read(os.path.join(GOLDEN, "wal-00000000000000000001.log"))
snapshot = read(os.path.join(GOLDEN, "snapshot.zkps"))
genesis = read(os.path.join(GOLDEN, "genesis.zkpg"))
receipts = [bytes.fromhex(l) for l in open(os.path.join(GOLDEN, "receipts.txt")).read().split()[:4]]

# Log format version 2 frames: length u32 ‖ sequence u64 ‖ payload ‖ CRC-32C (u32).
assert log[:8] == b"zkpaywal" and struct.unpack_from("<I", log, 8)[0] == 2
records, at = [], 40
while at < len(log):
    (n,) = struct.unpack_from("<I", log, at)
    if n == 0:
        break  # zero-filled space after the last record
    records.append(log[at + 12:at + 12 + n])
    at += 12 + n + 4
assert len(records) == 4 and all(r[:len(receipts[i])] == receipts[i] for i, r in enumerate(records))
mint = records[0][len(receipts[0]):]
assert mint[0] == 2  # mint object type


def split_transfer(b):
    n = b[34]  # type, version, chain id (32), input count
    inputs = [b[35 + 32 * i:67 + 32 * i] for i in range(n)]
    at = 35 + 32 * n
    m = b[at]
    at += 1
    outputs = [b[at + 217 * j:at + 217 * (j + 1)] for j in range(m)]
    at += 217 * m
    (fee,) = struct.unpack_from("<Q", b, at)
    at += 8
    (pl,) = struct.unpack_from("<H", b, at)
    at += 2
    proof = b[at:at + pl]
    at += pl
    k = b[at]  # auditor section (PROTOCOL.md §7.4.1): K, K ephemeral keys, per output K handles and a proof
    auditors = b[at:at + (1 + 32 * k + m * (120 * k + 96) if k else 1)]
    at += len(auditors)
    rest = b[at:]
    return b[2:34], inputs, outputs, fee, proof, auditors, rest[0:32], rest[32:96], rest[96:128], rest[128:192]


def auditors_json(section, m):
    k = section[0]
    if k == 0:
        return {"ephemeral_keys": [], "outputs": []}
    keys = [hexs(section[1 + 32 * i:33 + 32 * i]) for i in range(k)]
    outs, at = [], 1 + 32 * k
    for _ in range(m):
        handles = [{"handle": hexs(section[at + 88 * i:at + 88 * i + 32]),
                    "ciphertext": hexs(section[at + 88 * i + 32:at + 88 * (i + 1)])} for i in range(k)]
        at += 88 * k
        outs.append({"handles": handles, "proof": hexs(section[at:at + 32 * (k + 1) + 64])})
        at += 32 * (k + 1) + 64
    return {"ephemeral_keys": keys, "outputs": outs}


def transfer_json(b):
    chain, inputs, outputs, fee, proof, auditors, excess, bal, sender, auth = split_transfer(b)
    return {"version": 3, "chain_id": hexs(chain), "inputs": [hexs(i) for i in inputs],
            "outputs": [{"owner": hexs(o[:32]), "commitment": hexs(o[32:64]), "memo": hexs(o[64:])} for o in outputs],
            "fee": str(fee), "range_proof": hexs(proof), "auditors": auditors_json(auditors, len(outputs)),
            "excess": hexs(excess), "balance_signature": hexs(bal), "sender": hexs(sender), "authorization": hexs(auth)}


def mint_json(b):
    (serial,) = struct.unpack_from("<Q", b, 34)
    m = b[42]
    at, outs = 43, []
    for _ in range(m):
        o = b[at:at + 32 + 8 + 32 + 153]
        outs.append({"owner": hexs(o[:32]), "amount": str(struct.unpack_from("<Q", o, 32)[0]),
                     "blinding": hexs(o[40:72]), "memo": hexs(o[72:])})
        at += len(o)
    return {"version": 2, "chain_id": hexs(b[2:34]), "serial": str(serial), "outputs": outs, "issuer": hexs(b[at:at + 32]),
            "signature": hexs(b[at + 32:at + 96])}


def receipt_json(r):
    first, size = struct.unpack_from("<QH", r, 83)
    digest, count = r[93:125], r[125]
    signers_at = 126 + 32 * count
    signers = [{"index": r[signers_at + 1 + 65 * k], "signature": hexs(r[signers_at + 2 + 65 * k:signers_at + 66 + 65 * k])}
               for k in range(r[signers_at])]
    return {"version": r[1], "kind": {1: "transfer", 2: "mint", 3: "redemption"}[r[10]],
            "sequence": struct.unpack_from("<Q", r, 2)[0], "id": hexs(r[11:43]),
            "time": struct.unpack_from("<Q", r, 43)[0], "chain_hash": hexs(r[51:83]),
            "batch_first": first, "batch_size": size, "state_digest": hexs(digest),
            "path": [hexs(r[126 + 32 * i:158 + 32 * i]) for i in range(count)],
            "signers": signers, "bytes": hexs(r)}


def compact(v):
    return json.dumps(v, separators=(",", ":"))


# bech32m (BIP-350 reference algorithm).
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32m(hrp, payload):
    data, acc, bits = [], 0, 0
    for byte in payload:
        acc, bits = acc << 8 | byte, bits + 8
        while bits >= 5:
            bits -= 5
            data.append(acc >> bits & 31)
    if bits:
        data.append(acc << (5 - bits) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = polymod(expanded + data + [0] * 6) ^ 0x2bc830a3
    return hrp + "1" + "".join(CHARSET[d] for d in data + [mod >> 5 * (5 - i) & 31 for i in range(6)])


issuer = bech32m("zkp", genesis[12:76])

# Receipts (version 4): entry ‖ batch first u64 ‖ size u16 ‖ state digest (32) ‖ path count
# u8 ‖ path ‖ signer count u8 ‖ (index u8 ‖ signature)*. The signatures are not the
# validators': the decoders check the layout, `verify` the signatures.
def receipt_v4(entry_from, sequence, first, size, path_count, signers):
    entry = bytearray(entry_from[:83])
    struct.pack_into("<Q", entry, 2, sequence)
    return (bytes(entry) + struct.pack("<QH", first, size) + bytes([0xd5]) * 32 + bytes([path_count])
            + bytes(range(32)) * path_count + bytes([len(signers)]) + b"".join(bytes([i]) + bytes(64) for i in signers))


v2_single = receipt_v4(receipts[0], 1, 1, 1, 0, [0])
v2_leaf1_of3 = receipt_v4(receipts[1], 3, 2, 3, 2, [0, 2, 3])  # leaf 1 of a 3-leaf tree: path of 2, three signers

# --- targets --------------------------------------------------------------------------
status = b"GET /v1/status HTTP/1.1\r\nHost: validator\r\n\r\n"
post = b"POST /v1/transfers HTTP/1.1\r\nHost: v\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nhello"
write("http", "get-status", b"\x00" + status)
write("http", "post-body-byte-by-byte", b"\x01" + post)
write("http", "pipelined-7-byte-pieces", b"\x07" + status + post + status)
write("http", "events-query", b"\x00GET /v1/events?address=" + issuer.encode() + b"&after=3 HTTP/1.1\r\nHost: v\r\n"
      b"Last-Event-ID: 2\r\nConnection: keep-alive\r\n\r\n")
write("http", "notes-percent-encoded", b"\x00GET /v1/notes?owner=%7a" + issuer[1:].encode() + b"&x=%zz HTTP/1.1\r\nHost: v\r\n\r\n")
write("http", "expect-continue-batch", b"\x10POST /v1/transfers/batch HTTP/1.1\r\nHost: v\r\nExpect: 100-continue\r\n"
      b"Accept: ;, application/octet-stream;q=1\r\nContent-Length: 4\r\n\r\n\x00\x00\x00\x00")
write("http", "http10-bare-lf", b"\x80OPTIONS * HTTP/1.0\nConnection: keep-alive\n\n")
write("http", "chunked-refused", b"\x00POST /v1/mints HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")

tj = transfer_json(transfer["valid-1in-2out-fee"])
write("json", "transfer-valid-1in-2out-fee", compact(tj))
write("json", "mint-golden-record-1", json.dumps(mint_json(mint), indent=2))
write("json", "receipt-golden-1", compact(receipt_json(receipts[0])))
write("json", "batch-of-one", compact({"transfers": [transfer_json(transfer["valid-1in-1out-zero-fee"])]}))
write("json", "error-body", compact({"error": {"status": 400, "code": "invalid_address",
                                               "message": "owner is not a zkpay address"}}))
write("json", "status-like", compact({"version": "zkpay/2", "sequence": 4, "chain_hash": hexs(bytes(32)),
                                      "chain_id": hexs(bytes(32)), "receipt_public_key": hexs(bytes(32))}))
write("json", "escapes-and-ints", '{"a":"\\u00e9\\n\\t\\"\\\\\\/","b":[-9223372036854775808,0,9223372036854775807],'
      '"c":[true,false,{}],"d":[[[[[]]]]]}')

write("batch", "binary-two-transfers", b"\x00" + struct.pack(">I", 2) + b"".join(
    struct.pack(">I", len(t)) + t for t in (transfer["valid-1in-1out-zero-fee"], transfer["truncated"])))
write("batch", "binary-count-too-large", b"\x00" + struct.pack(">I", 1025))
write("batch", "json-batch", b"\x01" + compact({"transfers": [tj, {"version": 2}]}).encode())
err = compact({"status": 409, "code": "double_spend", "message": "input already spent"}).encode()
write("batch", "binary-results", b"\x02" + struct.pack(">I", 3)
      + b"\x00" + struct.pack(">I", len(receipts[1])) + receipts[1]
      + b"\x01" + struct.pack(">I", len(v2_single)) + v2_single
      + b"\x02" + struct.pack(">I", 2 + len(err)) + struct.pack(">H", 409) + err)

write("bech32m", "address-golden-issuer", issuer)
write("bech32m", "address-uppercase", issuer.upper())
vectors = json.load(open(os.path.join(ROOT, "Fixtures", "vectors", "bech32m.json")))
strings = [c.get("string") or c.get("address") for g in vectors.get("groups", vectors.get("cases", []))
           for c in (g.get("cases", [g]) if isinstance(g, dict) else [])]
strings = [s for s in strings if s]
for i, s in enumerate(strings[:8]):
    write("bech32m", "bip-vector-%d" % i, s)

for name in ("valid-1in-1out-zero-fee", "valid-2in-2out", "valid-4in-16out", "valid-16in-2out",
             "valid-maximum-amounts", "tampered-owner", "truncated", "trailing-byte", "three-outputs"):
    write("transfer", name, transfer[name])

write("mint", "golden-record-1", mint)


def redemption(b, amount, reference):
    """A redemption (PROTOCOL.md §7.11) around transfer bytes b, burning its first output owned
    by the sender, with a zero blinding and the transfer's authorization as a stand-in signature
    (well formed, so the decoder reads every field; it does not verify)."""
    chain, _, outputs, _, _, _, _, _, sender, auth = split_transfer(b)
    burned = next(j for j, o in enumerate(outputs) if o[:32] == sender)
    return (bytes([4, 1]) + chain + struct.pack("<I", len(b)) + b + bytes([burned]) + struct.pack("<Q", amount)
            + bytes(32) + bytes([len(reference)]) + reference + auth)


write("redemption", "valid-1in-2out-fee-burn-change", redemption(transfer["valid-1in-2out-fee"], 7, b"INV-2026-0042 ACME"))
write("redemption", "reference-140", redemption(transfer["valid-1in-2out-fee"], 1, b"R" * 140))
write("redemption", "reference-control-char", redemption(transfer["valid-1in-2out-fee"], 1, b"A\x07B"))



def authority(number, previous, effective, validators, auditors, signers, issuer_signature):
    """An authority statement (PROTOCOL.md §7.12) on the chain id 32 x 5a: validators as (name,
    key) pairs, signers as (index, 64-byte signature) pairs, well formed (the decoder reads
    every field; the signatures do not verify)."""
    body = bytes([1]) + b"\x5a" * 32 + struct.pack("<I", number) + previous + struct.pack("<Q", effective)
    body += bytes([len(validators)]) + b"".join(bytes([len(n)]) + n + k for n, k in validators)
    body += bytes([len(auditors)]) + b"".join(auditors)
    out = body + bytes([len(signers)]) + b"".join(bytes([i]) + sig for i, sig in signers)
    return out + (bytes([1]) + issuer_signature if issuer_signature else bytes([0]))


_, _, _, _, _, _, _, _, t_sender, t_auth = split_transfer(transfer["valid-1in-2out-fee"])
# The known answer of PROTOCOL.md 7.12: one validator "v1" with key 00..1f, no auditors, no signatures.
write("authority", "known-answer-unsigned", authority(1, b"\x5a" * 32, 100, [(b"v1", bytes(range(32)))], [], [], None))
write("authority", "two-validators-one-auditor-signed",
      authority(2, bytes(range(32)), 5000, [(b"v1", bytes(range(32))), (b"v2", bytes(range(32, 64)))], [t_sender],
                [(0, bytes(64)), (1, bytes(range(64)))], t_auth))
write("authority", "signers-out-of-order",
      authority(1, b"\x5a" * 32, 7, [(b"v1", bytes(range(32)))], [], [(1, bytes(64)), (0, bytes(64))], None))

out0 = split_transfer(transfer["valid-1in-2out-fee"])[2][0]
write("note", "note-from-transfer-output", b"\x00" + b"\x03\x01" + bytes(range(32)) + out0)
write("note", "memo-from-transfer-output", b"\x01" + out0[64:])
text = b"lunch, thanks"
write("note", "plaintext-valid", b"\x02" + struct.pack("<Q", 1234) + bytes([5]) + bytes(31) + bytes([len(text)]) + text
      + bytes(64 - len(text)))
write("note", "plaintext-text-too-long", b"\x02" + struct.pack("<Q", 1) + bytes(32) + bytes([65]) + bytes(64))

for i, r in enumerate(receipts):
    write("receipt", "golden-%d" % (i + 1), r)
write("receipt", "golden-record-1-with-object", records[0])
write("receipt", "single", v2_single)
write("receipt", "leaf-1-of-3-three-signers", v2_leaf1_of3)

def framed(control, recs, steps=None):
    out = bytes([control])
    for i, r in enumerate(recs):
        out += struct.pack("<H", len(r)) + (bytes([steps[i]]) if steps else b"") + r
    return out

write("wal", "raw-golden-log", b"\x00" + log)
write("wal", "raw-golden-log-torn-tail", b"\x00" + log[:-700])
write("wal", "framed-crc32c-golden-records", framed(0x01, records))
write("wal", "framed-blake2b-golden-records", framed(0x03, records[:2]))
write("wal", "framed-stepped-gap", framed(0x05, records[:3], [1, 1, 2]))
write("wal", "framed-first-sequence-near-max", b"\x09" + struct.pack("<Q", 2**64 - 3) + framed(0x01, records[2:])[1:])
write("wal", "framed-torn-tail", framed(0x01, records[:2]) + b"\x80\x05abc")

write("snapshot", "golden-snapshot-file", b"\x00" + snapshot)
write("snapshot", "golden-snapshot-payload", b"\x01" + snapshot[32:-16])
write("snapshot", "golden-genesis", b"\x02" + genesis)

def log_page(end, first, recs):
    out = b"zkpaylog" + bytes([1]) + struct.pack("<QI", end, len(recs))
    for i, r in enumerate(recs):
        out += struct.pack("<QI", first + i, len(r)) + r
    return out

write("snapshot", "log-page-golden-records", b"\x03" + log_page(4, 1, records))
write("snapshot", "log-page-empty", b"\x03" + log_page(4, 0, []))
