#!/usr/bin/env bash
# Transfers/s and latency through a 3-validator cluster (3 etcd members) against one
# validator on its own, with the same `zkpay loadgen` run, in one session on this machine;
# then the etcd database size and in-use size right after the load and once the leader's
# compaction has run. Prints a Markdown table (BENCHMARKS.md "Cluster").
# ZKPAY: the binary; CLUSTER_BENCH_TRANSFERS, CLUSTER_BENCH_CONCURRENCY, CLUSTER_BENCH_BATCH,
# CLUSTER_BENCH_RATE (transfers/s; unset: as fast as it goes); the validators'
# CLUSTER_BENCH_SNAPSHOT_RECORDS (default 1000) and CLUSTER_BENCH_COMPACTION_SECONDS (default 2);
# CLUSTER_BENCH_CLUSTER_ONLY=1 skips the single validator (a long run at a fixed rate, for
# etcd's database size over time).
#   CLUSTER_BENCH_CLUSTER_ONLY=1 CLUSTER_BENCH_TRANSFERS=60000 CLUSTER_BENCH_RATE=100 \
#   CLUSTER_BENCH_BATCH=1 make cluster-bench        # about 10 minutes of load
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
# CLUSTER_BENCH_ROUNDS=R (default 1): R runs of the pair (one validator, then the cluster),
# each ratio taken within its pair, then the median. A VM's speed can drift by tens of
# percent over minutes; a ratio of adjacent runs, repeated, says more than one pair.
ROUNDS=${CLUSTER_BENCH_ROUNDS:-1}
if [ "$ROUNDS" -gt 1 ]; then
  [ "${CLUSTER_BENCH_CLUSTER_ONLY:-0}" != 1 ] || { echo "CLUSTER_BENCH_ROUNDS needs the single validator's runs" >&2; exit 2; }
  ratios=()
  for r in $(seq 1 "$ROUNDS"); do
    out=$(CLUSTER_BENCH_ROUNDS=1 bash "$SELF" 2>/dev/null) || { echo "round $r failed" >&2; exit 1; }
    echo "round $r:"; echo "$out" | grep -E '^\|( one| 3-)|^cluster / single'
    ratios+=("$(echo "$out" | sed -n 's/^cluster \/ single: //p')")
  done
  python3 -c 'import sys,statistics
r=[float(x) for x in sys.argv[1:]]
print("\ncluster / single by round: %s; median %.3f" % (", ".join("%.3f" % x for x in r), statistics.median(r)))' "${ratios[@]}"
  exit 0
fi
Z=${ZKPAY:-$PWD/.build/release/zkpay}
ETCD=${ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
N=${CLUSTER_BENCH_TRANSFERS:-4000}
C=${CLUSTER_BENCH_CONCURRENCY:-32}
K=${CLUSTER_BENCH_BATCH:-32}
SNAP=${CLUSTER_BENCH_SNAPSHOT_RECORDS:-1000}
COMPACT=${CLUSTER_BENCH_COMPACTION_SECONDS:-2}
RATE=${CLUSTER_BENCH_RATE:-}
ONLY=${CLUSTER_BENCH_CLUSTER_ONLY:-0}
WORK=$(mktemp -d /tmp/zkpay-cluster-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
read -r -a PORTS < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(10)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(" ".join(str(s.getsockname()[1]) for s in ss))')
seed=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
issuer=$("$Z" loadgen address --issuer-seed "$seed")
wait_up() { for _ in $(seq 1 300); do curl -sf "$1/v1/status" >/dev/null && return 0; sleep 0.1; done; return 1; }
load() { local out="$WORK/loadgen-$(date +%s%N)"; "$Z" loadgen --validator "$1" --issuer-seed "$seed" --transfers "$N" --concurrency "$C" --batch "$K" ${RATE:+--rate "$RATE"} --json >"$out.json" 2>"$out.err" || { echo "loadgen against $1 failed:" >&2; cat "$out.json" "$out.err" >&2; return 1; }; cat "$out.json"; }
row() { python3 -c 'import json,sys
d=json.load(sys.stdin)
print("| %s | %d | %d | %.0f | %.1f | %.1f |" % (sys.argv[1], d["finalized"], d.get("errors", 0), d["tps"], d["p50_ms"], d["p99_ms"]))' "$1"; }

# One validator on its own.
if [ "$ONLY" != 1 ]; then
"$Z" validator init --data "$WORK/single" --issuer "$issuer" >/dev/null
"$Z" validator run --data "$WORK/single" --listen "127.0.0.1:${PORTS[9]}" >"$WORK/single.log" 2>&1 &
PIDS+=($!); SINGLE_PID=$!
wait_up "http://127.0.0.1:${PORTS[9]}"
load "http://127.0.0.1:${PORTS[9]}" >"$WORK/single.json"
kill -TERM "$SINGLE_PID"; wait "$SINGLE_PID" 2>/dev/null || true
fi

# Three etcd members and three validators.
CL=""; EP=""
for i in 0 1 2; do CL+="${CL:+,}e$i=http://127.0.0.1:${PORTS[$((3 + i))]}"; EP+="${EP:+,}http://127.0.0.1:${PORTS[$i]}"; done
for i in 0 1 2; do
  "$ETCD" --name "e$i" --data-dir "$WORK/etcd/e$i" --listen-client-urls "http://127.0.0.1:${PORTS[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${PORTS[$i]}" --listen-peer-urls "http://127.0.0.1:${PORTS[$((3 + i))]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${PORTS[$((3 + i))]}" --initial-cluster "$CL" \
    --initial-cluster-state new --quota-backend-bytes $((2 << 30)) --max-request-bytes $((8 << 20)) >"$WORK/etcd$i.log" 2>&1 &
  PIDS+=($!)
done
"$Z" cluster init --dir "$WORK/cluster" --validators 3 --issuer "$issuer" >/dev/null
for i in 0 1 2; do
  "$Z" validator run --data "$WORK/cluster/v$((i + 1))" --listen "127.0.0.1:${PORTS[$((6 + i))]}" --cluster "$EP" \
    --snapshot-records "$SNAP" --compaction-seconds "$COMPACT" >"$WORK/v$((i + 1)).log" 2>&1 &
  PIDS+=($!)
done
LEADER=""
for _ in $(seq 1 300); do
  for i in 0 1 2; do
    u="http://127.0.0.1:${PORTS[$((6 + i))]}"
    [ "$(curl -s "$u/v1/status" | python3 -c 'import json,sys
try: print(json.load(sys.stdin).get("role",""))
except Exception: print("")')" = leader ] && LEADER=$u
  done
  [ -n "$LEADER" ] && break; sleep 0.2
done
[ -n "$LEADER" ] || { echo "no leader" >&2; exit 1; }
load "$LEADER" >"$WORK/cluster.json"
CHAIN=$(curl -s "$LEADER/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chain_id"])')
# Every member's database file and in-use size, and the batches the log holds in etcd.
etcd_sizes() {
  local keys
  keys=$(ETCDCTL_API=3 etcdctl --endpoints "$EP" get --prefix "/zkpay/$CHAIN/log/" --keys-only 2>/dev/null | grep -c . || true)
  ETCDCTL_API=3 etcdctl --endpoints "$EP" endpoint status -w json 2>/dev/null | python3 -c 'import json,sys
m=json.load(sys.stdin)
print("; ".join("%.1f MiB file, %.1f MiB in use" % (d["Status"]["dbSize"] / 2**20, d["Status"].get("dbSizeInUse", 0) / 2**20) for d in m)
      + "; " + sys.argv[1] + " batches in the log")' "$keys" || echo "n/a"
}
DB=$(etcd_sizes)
# The leader compacts every COMPACT s once the validators' snapshots are published: wait
# until its metrics show a compaction that follows the load's last snapshot.
LAST=$(curl -s "$LEADER/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sequence"])')
for _ in $(seq 1 600); do
  curl -s "$LEADER/metrics" | python3 -c 'import sys
m={l.split()[0]: float(l.split()[1]) for l in sys.stdin if l.startswith("zkpay_log_")}
sys.exit(0 if m.get("zkpay_log_snapshotted_by_quorum", 0) >= int(sys.argv[1]) - int(sys.argv[2]) + 1 and m.get("zkpay_log_compactions_total", 0) > 0 else 1)' "$LAST" "$SNAP" && break
  sleep 0.2
done
COMPACTED=$(etcd_sizes)
grep -h "compaction:" "$WORK"/v*.log | tail -4 >&2 || true

echo "| run (loadgen --transfers $N --concurrency $C --batch $K${RATE:+ --rate $RATE}) | finalized | errors | transfers/s | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|"
if [ "$ONLY" = 1 ]; then
  row "3-validator cluster (leader URL)" <"$WORK/cluster.json"
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print("\nload: %.0f s\netcd right after the run: %s\netcd after the leader\x27s compaction: %s" % (d["finalized"] / d["tps"], sys.argv[2], sys.argv[3]))' "$WORK/cluster.json" "$DB" "$COMPACTED"
  exit 0
fi
row "one validator" <"$WORK/single.json"
row "3-validator cluster (leader URL)" <"$WORK/cluster.json"
python3 -c 'import json,sys
a=json.load(open(sys.argv[1]))["tps"]; b=json.load(open(sys.argv[2]))["tps"]
print("\ncluster / single: %.3f\netcd right after the run: %s\netcd after the leader\x27s compaction: %s" % (b / a, sys.argv[3], sys.argv[4]))' "$WORK/single.json" "$WORK/cluster.json" "$DB" "$COMPACTED"
