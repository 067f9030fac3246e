#!/usr/bin/env bash
# The figures of BENCHMARKS.md ("Figures"): draws docs/bench/*.svg with gnuplot from the
# data scripts/bench.sh wrote (BENCH_DATA, default docs/bench/data):
#   throughput.svg  transfers per second and latency against loadgen concurrency
#   latency.svg     latency percentiles (submit to receipt) of the load runs
#   backends.svg    each backend's micro-benchmark figures over their libsodium baselines
# Needs gnuplot (Debian: gnuplot-nox; `make deps` installs it). Knobs: BENCH_DATA,
# BENCH_FIGURES (output directory, default docs/bench).
set -euo pipefail

DATA=${BENCH_DATA:-docs/bench/data}
OUTDIR=${BENCH_FIGURES:-docs/bench}
command -v gnuplot >/dev/null || { echo "error: gnuplot is not installed; run make deps (package gnuplot-nox)" >&2; exit 1; }
for f in throughput.dat latency.dat backends.dat run.txt; do
    [ -s "$DATA/$f" ] || { echo "error: $DATA/$f is missing or empty; run make bench (scripts/bench.sh) first" >&2; exit 1; }
done
mkdir -p "$OUTDIR"
stamp=$(head -1 "$DATA/run.txt" | sed 's/^make bench data: //')
machine=$(sed -n 's/^machine: //p' "$DATA/run.txt" | head -1)
term='set terminal svg size 820,460 dynamic enhanced font "sans,12" background rgb "white"'
common='set grid ytics lc rgb "#dddddd"; set border 3; set tics nomirror; set key top left box opaque'

gnuplot <<GP
$term
$common
set output "$OUTDIR/throughput.svg"
set title "Throughput and latency against concurrency (single endpoint)\n{/*0.8 $machine, $stamp}"
set xlabel "loadgen connections (--concurrency)"
set logscale x 2
set ylabel "settled transfers per second"
set y2label "latency, ms (submit to receipt)"
set yrange [0:*]
set y2range [0:*]
set y2tics nomirror
plot "$DATA/throughput.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#2f6fde" title "transfers/s", \
     "" using 1:3 axes x1y2 with linespoints lw 1.5 pt 5 dt 2 lc rgb "#2e9e5b" title "p50 ms", \
     "" using 1:4 axes x1y2 with linespoints lw 1.5 pt 9 dt 3 lc rgb "#c2410c" title "p99 ms"
GP

gnuplot <<GP
$term
$common
set output "$OUTDIR/latency.svg"
set title "Latency distribution of the load runs (submit to receipt)\n{/*0.8 $machine, $stamp}"
set xlabel "percentile"
set ylabel "latency, ms"
set logscale y
set xtics ("1" 1, "10" 2, "25" 3, "50" 4, "75" 5, "90" 6, "95" 7, "99" 8, "99.9" 9, "max" 10)
set key bottom right
# x: the row number plus one (rows are percentiles 1 ... max, evenly spaced; the tics name them)
plot "$DATA/latency.dat" using (\$0+1):2 with linespoints lw 2 pt 7 title "full rate, single endpoint", \
     "" using (\$0+1):3 with linespoints lw 2 pt 5 title "full rate, batches of 32", \
     "" using (\$0+1):4 with linespoints lw 2 pt 9 title "half the single-endpoint rate", \
     "" using (\$0+1):5 with linespoints lw 2 pt 11 title "half the highest rate, batches of 16"
GP

# A backend the measuring CPU lacks has only NaN in its column: gnuplot refuses a series
# without points, so it is left out of the plot and named in the title instead.
series="\"$DATA/backends.dat\" using 2:xtic(1) title \"portable\" lc rgb \"#8c96a3\""
missing=""
for spec in '3|avx2|#e0a030' '4|ifma (AVX-512 IFMA)|#2f6fde'; do
  IFS='|' read -r column name colour <<<"$spec"
  if awk -v c="$column" '!/^#/ && $c != "NaN" { found = 1 } END { exit !found }' "$DATA/backends.dat"; then
    series+=", \"\" using $column title \"$name\" lc rgb \"$colour\""
  else
    missing+="${missing:+, }${name%% *}"
  fi
done
[ -n "$missing" ] && missing="; not measured (the CPU lacks it): $missing"

gnuplot <<GP
$term
$common
set output "$OUTDIR/backends.svg"
set title "Micro-benchmarks over their libsodium baseline, per backend (lower is faster)\n{/*0.8 $machine, $stamp$missing}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ylabel "median time / baseline's median time"
set xtics rotate by -30 left noenhanced
set key top right
set yrange [*:*]
plot $series
GP
echo "wrote $OUTDIR/throughput.svg $OUTDIR/latency.svg $OUTDIR/backends.svg (data: $DATA)" >&2
