#!/usr/bin/env bash
# The Internet-scale rehearsal (`make rehearsal`): a lab of 2^BITS addresses laid out in the
# proportions of the 2020 thesis's port 80 scan (`lab up --internet`, docs/lab.md), then
# `mptcpscan chain` over all of it (scan, trace of the candidates and a capped sample of plain
# hosts, report) with `--check`: every address against the ground truth. Prints the wall time,
# the probes per second, the chain's peak memory (/usr/bin/time -v) and the load average.
#
# Usage (root): bench/rehearsal.sh [OUTDIR]         # 2^20 addresses, port 80, 15000 probes/s
#   BITS=16 RATE=10000 bench/rehearsal.sh /tmp/rehearsal
# Needs the release binary (cargo build --release -p mptcpscan-driver) and /usr/bin/time.
# A measurement, not a test: it runs for minutes. Everything runs inside the lab's namespaces;
# the lab is taken down on exit, even on failure.
set -euo pipefail

BIN=${MPTCPSCAN:-target/release/mptcpscan}
LAB=${LAB:-rehearsal}
BITS=${BITS:-20}
RATE=${RATE:-15000}
COOLDOWN=${COOLDOWN:-5}
PORT=80
OUT=${1:-rehearsal-out}

[ "$(id -u)" -eq 0 ] || { echo "rehearsal: needs root (network namespaces)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "rehearsal: build $BIN first (cargo build --release -p mptcpscan-driver)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "rehearsal: /usr/bin/time is missing (apt install time)" >&2; exit 1; }
BIN=$(realpath "$BIN")

mkdir -p "$OUT"
cleanup() { "$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

up_start=$(date +%s.%N)
"$BIN" lab up --name "$LAB" --force --internet "$BITS" --ports "$PORT" \
	--ground-truth "$OUT/ground-truth.json" >"$OUT/lab-up.txt"
up_s=$(python3 -c "print(f'{$(date +%s.%N) - $up_start:.1f}')")

field() { python3 -c "import json; t=json.load(open('$OUT/ground-truth.json')); print($1)"; }
netns=$(field "t['scanner']['netns']")
mapfile -t prefixes < <(field "'\n'.join(p['prefix'] for p in t['prefixes'])")
field "'\n'.join(f\"{p['prefix']} {p['class']}\" for p in t['prefixes'])" >"$OUT/prefixes.txt"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
ip netns exec "$netns" /usr/bin/time -v -o "$OUT/time.txt" "$BIN" chain --allow-lab \
	--ports "$PORT" --rate "$RATE" --cooldown "$COOLDOWN" \
	--output "$OUT/scan.csv" --results "$OUT/chain.json" --check "$OUT/ground-truth.json" \
	"${prefixes[@]}" >"$OUT/chain.txt" 2>"$OUT/chain.err" </dev/null || status=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

sed -n '/ground truth check/,$p' "$OUT/chain.txt"
time_field() { sed -n "s/^\s*$1: //p" "$OUT/time.txt"; }
echo "addresses: 2^$BITS = $((1 << BITS)) in ${#prefixes[@]} prefixes (lab up ${up_s} s), port $PORT"
echo "rate asked: --rate $RATE"
grep -E '^mptcpscan: chain: (sent|tracing)' "$OUT/chain.err" || true
echo "chain wall time: $(time_field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')," \
	"user $(time_field 'User time (seconds)') s, system $(time_field 'System time (seconds)') s," \
	"peak memory $(time_field 'Maximum resident set size (kbytes)') KiB"
echo "load average before: $load_before; after: $load_after ($(nproc) CPUs)"
echo "chain exit status: $status (outputs in $OUT)"
exit "$status"
