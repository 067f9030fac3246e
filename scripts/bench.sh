#!/usr/bin/env bash
# make bench: the micro-benchmarks (zkpay bench, libsodium baselines in the same run) and
# end-to-end load runs against a fresh local validator (zkpay loadgen over HTTP with
# fsync). Prints everything and rewrites the "Latest make bench run" section of
# BENCHMARKS.md (between the markers) with the machine, the commands and the figures.
#
# It also writes the data of the figures (scripts/plot-bench.sh draws them) to
# BENCH_DATA: a loadgen sweep over concurrency levels (throughput.dat), the latency
# percentiles of the full-rate and half-rate runs (latency.dat), and each backend's figures
# against their libsodium baselines (backends.dat), with the raw --json outputs and run.txt
# (machine, commit, knobs).
#
# Knobs (environment): ZKPAY (binary), BENCH_TRANSFERS (transfers per load run, default
# 8000), BENCH_SAMPLES (zkpay bench samples, default 7), BENCH_FILTER (zkpay bench
# --filter, default all figures), BENCH_OUT (file to update, default BENCHMARKS.md; "-" to
# skip writing), BENCH_DATA (default docs/bench/data), BENCH_SWEEP (concurrency levels,
# default "1 4 16 64"), BENCH_SWEEP_TRANSFERS (transfers per sweep run, default 2000),
# BENCH_BACKEND_FIGURES (zkpay bench figures compared across backends).
set -euo pipefail

Z=${ZKPAY:-.build/release/zkpay}
N=${BENCH_TRANSFERS:-8000}
SAMPLES=${BENCH_SAMPLES:-7}
OUT=${BENCH_OUT:-BENCHMARKS.md}
DATA=${BENCH_DATA:-docs/bench/data}
SWEEP=${BENCH_SWEEP:-1 4 16 64}
SWEEP_N=${BENCH_SWEEP_TRANSFERS:-2000}
BACKEND_FIGURES=${BENCH_BACKEND_FIGURES:-msm_256,msm_1024,vartime_scalarmult,bp_verify_m2,bp_batch_m2_64,schnorr_batch_verify_64,transfer_verify_2out_batch256}
mkdir -p "$DATA"
tmp=$(mktemp -d /tmp/zkpay-bench.XXXXXX)
validator_pid=""
cleanup() { [ -n "$validator_pid" ] && kill "$validator_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

say "micro-benchmarks: $Z bench --samples $SAMPLES ${BENCH_FILTER:+--filter $BENCH_FILTER}"
"$Z" bench --samples "$SAMPLES" ${BENCH_FILTER:+--filter "$BENCH_FILTER"} | tee "$tmp/micro.txt"
say "memory: $Z bench memory --notes 1000000"
"$Z" bench memory --notes 1000000 | tee "$tmp/memory.txt"

# Each backend this CPU runs, on the same figures (baselines included by zkpay bench).
for b in portable avx2 ifma; do
    say "backend $b: $Z bench --json --backend $b --filter $BACKEND_FIGURES"
    if ! "$Z" bench --json --samples "$SAMPLES" --backend "$b" --filter "$BACKEND_FIGURES" >"$DATA/bench-$b.json" 2>"$tmp/bench-$b.err"; then
        echo "backend $b skipped: $(cat "$tmp/bench-$b.err")" >&2
        rm -f "$DATA/bench-$b.json"
    fi
done

seed=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
issuer=$("$Z" loadgen address --issuer-seed "$seed")

# start_validator WORKERS: a fresh data directory and validator on a free port; sets URL.
start_validator() {
    local workers=$1 data="$tmp/data-w$1-$RANDOM"
    "$Z" validator init --data "$data" --issuer "$issuer" --min-fee-units 1 >/dev/null
    "$Z" validator run --data "$data" --listen 127.0.0.1:0 --workers "$workers" >"$tmp/validator.log" 2>&1 &
    validator_pid=$!
    for _ in $(seq 1 200); do
        URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/validator.log" | head -1 || true)
        [ -n "$URL" ] && return 0
        kill -0 "$validator_pid" 2>/dev/null || { cat "$tmp/validator.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "the validator did not start" >&2; cat "$tmp/validator.log" >&2; exit 1
}

stop_validator() {
    kill -TERM "$validator_pid"; wait "$validator_pid" || true; validator_pid=""
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$validator_pid/status"; }

json_of() { # json_of NAME ARGS...: the --json line of a run
    local name=$1; shift
    "$Z" loadgen --validator "$URL" --issuer-seed "$seed" --transfers "$N" "$@" --json 2>/dev/null | tee "$tmp/$name.json"
}
field() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$tmp/$1.json"; }
sfield() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "$tmp/$1.json"; }

cores=$(nproc)
start_validator "$cores"
say "2. single endpoint, $N transfers, 32 connections, $cores verifier workers"
json_of single --concurrency 32 --wallets 64
say "3. batch endpoint, batches of 32, 16 connections"
json_of batch --concurrency 16 --batch 32 --wallets 128
rss=$(rss_kib); notes_after=$("$Z" audit --validator "$URL" --json 2>/dev/null | sed -n 's/.*"notes": \([0-9]*\).*/\1/p' || true)
max=$(awk -v a="$(field single tps)" -v b="$(field batch tps)" 'BEGIN { print (a > b ? a : b) }')
half=$(awk -v m="$(field single tps)" 'BEGIN { printf "%d", (m / 2 > 1 ? m / 2 : 1) }')
say "4. latency at half the single-endpoint maximum: --rate $half"
json_of half --concurrency 32 --wallets 64 --rate "$half"
halfmax=$(awk -v m="$max" 'BEGIN { printf "%d", (m / 2 > 1 ? m / 2 : 1) }')
say "4b. latency at half the highest throughput (batch endpoint, batches of 16): --rate $halfmax"
json_of halfmax --concurrency 16 --batch 16 --wallets 128 --rate "$halfmax"
say "5. a lone transfer on an idle server (20 transfers, one connection, 5 per second)"
N_SAVED=$N; N=20
json_of lone --concurrency 1 --wallets 2 --rate 5
N=$N_SAVED
say "5b. concurrency sweep, single endpoint, $SWEEP_N transfers each: $SWEEP"
N_SAVED=$N; N=$SWEEP_N
for c in $SWEEP; do
    json_of "sweep-c$c" --concurrency "$c" --wallets 64
done
N=$N_SAVED
stop_validator

start_validator 1
say "6. batch endpoint with 1 verifier worker"
json_of batch1 --concurrency 16 --batch 32 --wallets 128
stop_validator

# The figures' data (scripts/plot-bench.sh).
{
    echo "# concurrency transfers_per_second p50_ms p99_ms (single endpoint, $cores workers, $SWEEP_N transfers per level)"
    for c in $SWEEP; do echo "$c $(field "sweep-c$c" tps) $(field "sweep-c$c" p50_ms) $(field "sweep-c$c" p99_ms)"; done
} > "$DATA/throughput.dat"
{
    echo "# percentile single batch half halfmax (latency ms, submit to receipt)"
    for p in 1 10 25 50 75 90 95 99 99.9 100; do
        key="p${p/./}_ms"; [ "$p" = 100 ] && key=max_ms
        echo "$p $(field single "$key") $(field batch "$key") $(field half "$key") $(field halfmax "$key")"
    done
} > "$DATA/latency.dat"
# backends.dat: figure, then each backend's median over its baseline's (same run, same process).
ratios() { # ratios FILE: "figure ratio" lines
    local f=$1 figs
    figs=$(sed -n 's/.*"figures": {\([^}]*\)}.*/\1/p' "$f")
    sed -n 's/.*"baselines": {\([^}]*\)}.*/\1/p' "$f" | tr ',' '\n' | sed -n 's/ *"\([^"]*\)": "\([^"]*\)"/\1 \2/p' |
    while read -r fig base; do
        v=$(echo "$figs" | sed -n "s/.*\"$fig\": \([0-9.]*\).*/\1/p"); bv=$(echo "$figs" | sed -n "s/.*\"$base\": \([0-9.]*\).*/\1/p")
        awk -v a="$v" -v b="$bv" -v n="$fig" 'BEGIN { if (b > 0) printf "%s %.4f\n", n, a / b }'
    done
}
{
    echo "# figure portable_over_baseline avx2_over_baseline ifma_over_baseline (median ns over the libsodium baseline's, same process; NaN: the CPU lacks the backend)"
    if [ -f "$DATA/bench-portable.json" ]; then
        ratios "$DATA/bench-portable.json" > "$tmp/r-portable"
        for b in avx2 ifma; do
            if [ -f "$DATA/bench-$b.json" ]; then ratios "$DATA/bench-$b.json" > "$tmp/r-$b"; else : > "$tmp/r-$b"; fi
        done
        while read -r fig r; do
            echo "$fig $r $(awk -v n="$fig" '$1 == n { print $2 }' "$tmp/r-avx2" | grep . || echo NaN)" \
                "$(awk -v n="$fig" '$1 == n { print $2 }' "$tmp/r-ifma" | grep . || echo NaN)"
        done < "$tmp/r-portable"
    fi
} > "$DATA/backends.dat"
for f in single batch half halfmax lone batch1 $(for c in $SWEEP; do echo "sweep-c$c"; done); do cp "$tmp/$f.json" "$DATA/loadgen-$f.json"; done
{
    echo "make bench data: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $cores cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(uname -sr)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "knobs: BENCH_TRANSFERS=$N BENCH_SAMPLES=$SAMPLES BENCH_SWEEP=\"$SWEEP\" BENCH_SWEEP_TRANSFERS=$SWEEP_N"
    echo "backend figures: $BACKEND_FIGURES"
    echo "binary: $Z"
} > "$DATA/run.txt"

line() { # line LABEL NAME
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s of %s (slowest %s) |\n' "$1" "$(field "$2" finalized)" "$(field "$2" errors)" \
        "$(field "$2" tps)" "$(field "$2" p50_ms)" "$(field "$2" p90_ms)" "$(field "$2" p99_ms)" "$(field "$2" max_ms)" \
        "$(field "$2" log_appends_over_25ms)" "$(field "$2" log_appends)" "$(sfield "$2" slowest_log_append_ms) ms"
}

{
    echo "<!-- make bench: begin (generated by scripts/bench.sh; edits here are overwritten) -->"
    echo "## Latest \`make bench\` run: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $cores cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM,"
    echo "$(uname -sr), $(swift --version 2>/dev/null | head -1 || echo 'swift ?'), libsodium $(pkg-config --modversion libsodium 2>/dev/null || echo '?')."
    echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')."
    echo
    echo "Micro-benchmarks: \`$Z bench --samples $SAMPLES\` (ratios against libsodium measured in the same run):"
    echo
    echo '```'
    cat "$tmp/micro.txt"
    echo '```'
    echo
    echo "End to end: \`zkpay validator init\` + \`zkpay validator run --workers W\` on a fresh data"
    echo "directory (fsync per batch), then \`zkpay loadgen --validator URL --issuer-seed HEX --transfers $N ...\`"
    echo "(2-output transfers pre-built before the clock starts; latency = submit to receipt; the last"
    echo "column is from the validator's \`zkpay_fsync_seconds\` histogram over the run: every transfer of a"
    echo "batch waits for its log append and fsync, so one stalled fsync delays all of them):"
    echo
    echo "| run (loadgen options) | finalized | errors | transfers/s | p50 ms | p90 ms | p99 ms | max ms | log appends over 25 ms |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    line "$cores workers, single endpoint (\`--concurrency 32 --wallets 64\`)" single
    line "$cores workers, batch endpoint (\`--concurrency 16 --batch 32 --wallets 128\`)" batch
    line "$cores workers, half the single maximum (\`--concurrency 32 --rate $half\`)" half
    line "$cores workers, half the highest throughput, batch endpoint (\`--concurrency 16 --batch 16 --rate $halfmax\`)" halfmax
    line "$cores workers, lone transfers on an idle server (\`--transfers 20 --concurrency 1 --rate 5\`)" lone
    line "1 worker, batch endpoint (\`--concurrency 16 --batch 32 --wallets 128\`)" batch1
    echo
    echo "Validator resident memory after the two full-rate runs: $((rss / 1024)) MiB with ${notes_after:-?} unspent notes."
    echo "Ledger state memory (\`zkpay bench memory --notes 1000000\`): $(cat "$tmp/memory.txt")"
    echo "Highest throughput in this run: $max transfers/s."
    echo "<!-- make bench: end -->"
} > "$tmp/section.md"

cat "$tmp/section.md"
if [ "$OUT" != "-" ]; then
    if grep -q '<!-- make bench: begin' "$OUT" 2>/dev/null; then
        awk -v f="$tmp/section.md" '
            /<!-- make bench: begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
            /<!-- make bench: end -->/ { skip = 0; next }
            !skip { print }' "$OUT" > "$tmp/out.md"
        cat "$tmp/out.md" > "$OUT"
    else
        { echo; cat "$tmp/section.md"; } >> "$OUT"
    fi
    say "wrote the run into $OUT"
fi
