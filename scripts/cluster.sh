#!/usr/bin/env bash
# `make cluster`: 3 etcd members and 3 validators on loopback (one ledger, one replicated
# log); pays through them; SIGKILLs the leader while a payment stream runs; shows the new
# leader, every receipt present and verifying on every survivor, and the full audit
# holding on each. Exits non-zero if any of that fails. Needs the release binary
# (`make build`; ZKPAY overrides its path) and etcd (`make deps`).
set -euo pipefail
cd "$(dirname "$0")/.."
ZKPAY=${ZKPAY:-$PWD/.build/release/zkpay}
ETCD=${ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
[ -x "$ZKPAY" ] || { echo "error: $ZKPAY is missing; run \`make build\` first" >&2; exit 1; }
[ -x "$ETCD" ] || { echo "error: etcd is missing; run \`make deps\` (Debian package etcd-server)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/zkpay-cluster.XXXXXX)
export ZKPAY_HOME="$WORK/home"
export ZKPAY_PASSPHRASE="${ZKPAY_PASSPHRASE:-cluster passphrase}"
export ZKPAY_KDF="${ZKPAY_KDF:-interactive}"
unset ZKPAY_VALIDATOR
PIDS=()
if [ -t 1 ]; then B=$'\e[1m'; R=$'\e[0m'; else B=""; R=""; fi
say() { printf '\n%s\n' "${B}$*${R}"; }
fail() { echo "FAILED: $*" >&2; echo "logs: $WORK" >&2; exit 1; }
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Nine free loopback ports: 3 etcd client, 3 etcd peer, 3 validators.
read -r -a PORTS < <(python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(9)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()
PY
)

say "1. Three etcd members (the ordering engine), data under $WORK/etcd"
CLUSTER="" ; ENDPOINTS=""
for i in 0 1 2; do
  CLUSTER+="${CLUSTER:+,}e$i=http://127.0.0.1:${PORTS[$((3 + i))]}"
  ENDPOINTS+="${ENDPOINTS:+,}http://127.0.0.1:${PORTS[$i]}"
done
for i in 0 1 2; do
  "$ETCD" --name "e$i" --data-dir "$WORK/etcd/e$i" \
    --listen-client-urls "http://127.0.0.1:${PORTS[$i]}" --advertise-client-urls "http://127.0.0.1:${PORTS[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${PORTS[$((3 + i))]}" --initial-advertise-peer-urls "http://127.0.0.1:${PORTS[$((3 + i))]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token "zkpay-cluster-$$" \
    --quota-backend-bytes $((1 << 30)) --max-request-bytes $((8 << 20)) >"$WORK/etcd-e$i.log" 2>&1 &
  PIDS+=($!)
done
echo "etcd members: $ENDPOINTS"

say "2. Wallets and a cluster of 3 validators sharing one genesis"
for w in issuer alice bob; do "$ZKPAY" wallet create "$w" >/dev/null; done
"$ZKPAY" cluster init --dir "$WORK/cluster" --validators 3 --issuer issuer
CLUSTER_GENESIS="$WORK/cluster/v1/genesis.zkpg"
URLS=()
VPIDS=()
for i in 0 1 2; do
  port=${PORTS[$((6 + i))]}
  "$ZKPAY" validator run --data "$WORK/cluster/v$((i + 1))" --listen "127.0.0.1:$port" --cluster "$ENDPOINTS" \
    >"$WORK/validator-v$((i + 1)).log" 2>&1 &
  PIDS+=($!); VPIDS+=($!); URLS+=("http://127.0.0.1:$port")
done

status() { curl -s --max-time 2 "$1/v1/status" || true; }
role() { status "$1" | python3 -c 'import json,sys
try: print(json.load(sys.stdin).get("role",""))
except Exception: print("")'; }
leader_index() {
  for i in "${!URLS[@]}"; do
    kill -0 "${VPIDS[$i]}" 2>/dev/null || continue
    [ "$(role "${URLS[$i]}")" = leader ] && { echo "$i"; return; }
  done
  echo ""
}
for _ in $(seq 1 300); do L=$(leader_index); [ -n "$L" ] && break; sleep 0.2; done
[ -n "$L" ] || fail "no leader was elected"
echo "leader: v$((L + 1)) at ${URLS[$L]}"

# Pays alice -> bob through the first validator that answers, retrying across validators
# (an election answers 503 for about the lease time). Prints the transfer id.
pay() {
  for _ in $(seq 1 60); do
    for i in "${!URLS[@]}"; do
      kill -0 "${VPIDS[$i]}" 2>/dev/null || continue
      if out=$(ZKPAY_VALIDATOR=${URLS[$i]} "$ZKPAY" send --wallet alice --to bob --amount "$1" --json 2>"$WORK/send.err"); then
        python3 -c 'import json,sys; print(json.load(sys.stdin)["transfer_id"])' <<<"$out"; return 0
      fi
    done
    sleep 0.25
  done
  cat "$WORK/send.err" >&2
  return 1
}

say "3. Money in: a mint sent to a follower is redirected (307) to the leader"
F=$(( (L + 1) % 3 ))
ZKPAY_VALIDATOR=${URLS[$F]} "$ZKPAY" mint --wallet issuer --to alice --amount 1000
for _ in $(seq 1 100); do
  s=$(for u in "${URLS[@]}"; do status "$u" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sequence"])' 2>/dev/null; done | sort -u)
  [ "$s" = 1 ] && break; sleep 0.1
done

say "4. A payment stream; the leader is SIGKILLed after the fifth payment"
IDS=()
for n in $(seq 1 12); do
  id=$(pay "1.$n") || fail "payment $n got no receipt"
  IDS+=("$id"); echo "payment $n: transfer $id"
  if [ "$n" = 6 ]; then
    echo "first receipt after the SIGKILL: $(python3 -c "import time; print(f'{time.time() - $KILLED_AT:.2f}')") s later"
  fi
  if [ "$n" = 5 ]; then
    kill -KILL "${VPIDS[$L]}"; wait "${VPIDS[$L]}" 2>/dev/null || true
    KILLED=$L
    KILLED_AT=$(date +%s.%N)
    echo "SIGKILL leader v$((L + 1)) ($(date +%T.%N | cut -c1-12))"
  fi
done
for _ in $(seq 1 100); do L=$(leader_index); [ -n "$L" ] && break; sleep 0.1; done
[ -n "$L" ] || fail "no new leader"
echo "new leader: v$((L + 1)) at ${URLS[$L]}"

say "5. Every survivor holds every receipted transfer with its certificate, the same chain, and passes the full audit"
sleep 1
CHAINS=""
for i in "${!URLS[@]}"; do
  [ "$i" = "$KILLED" ] && continue
  u=${URLS[$i]}
  certified=0
  for id in "${IDS[@]}"; do
    code=$(curl -s -o "$WORK/receipt.json" -w '%{http_code}' "$u/v1/transfers/$id")
    [ "$code" = 200 ] || fail "transfer $id is missing on $u ($code)"
    # Its certificate: a quorum of the genesis's validators signed the batch.
    "$ZKPAY" receipt verify "$WORK/receipt.json" --genesis "$CLUSTER_GENESIS" >/dev/null \
      || fail "the receipt of $id served by $u is not certified"
    certified=$((certified + 1))
  done
  CHAINS+="$(status "$u" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["sequence"], d["chain_hash"])')"$'\n'
  echo "v$((i + 1)) ($u): $certified receipts, each certified by a quorum of validators (zkpay receipt verify --genesis)"
  "$ZKPAY" audit --validator "$u" 2>/dev/null | sed 's/^/  /'
done
[ "$(printf '%s' "$CHAINS" | sort -u | wc -l)" = 1 ] || fail "the survivors differ: $CHAINS"
echo
echo "${B}ok${R}: ${#IDS[@]} payments, the leader killed mid-stream, no receipt lost, the survivors agree: $(printf '%s' "$CHAINS" | head -1)"
echo "everything is in $WORK"
