#!/usr/bin/env bash
# Benchmark (not a test): `mptcpscan dissect` against tshark 4.0 extracting the same MPTCP option
# fields from the same generated capture, with wall time and peak memory of both.
#
#   bench/dissect-vs-tshark.sh [PACKETS] [CAPTURE]      (default 1000000 packets)
#   ROUNDS=N bench/dissect-vs-tshark.sh ...              (default 3 rounds)
#
# Without CAPTURE, the capture is written by `mptcpscan dissect --generate` (MPTCP v1 connections
# with a join, ADD_ADDR, data under DSS mappings, reinjections, DATA_FIN) into a temporary folder,
# removed at the end. CAPTURE is a real capture to use instead (bench/make-mptcp-capture.sh makes
# one; PACKETS is then ignored). `mptcpscan dissect` is measured twice: its full analysis alone
# (tables), and with every option written out too. mptcpscan writes every option with its decoded fields (`--options`) and runs its full
# analysis (connections, metrics, summary) on the way; tshark writes the corresponding
# `tcp.options.mptcp.*` fields of every MPTCP packet (`-T fields`). Both outputs go to files on
# the same disk. Peak memory is the maximum resident set size from GNU time (`time` is installed
# when missing and we are root). The three run in turn, ROUNDS times, so that a busy machine
# slows all of them alike; the table gives each one's median wall and CPU (user + system) time
# over the rounds, the ratios are of those medians, and the load average is taken before and
# after. dissect reads a file ahead on a second thread, so its wall time can be below its CPU
# time on two idle cores.
set -euo pipefail

packets=${1:-1000000}
rounds=${ROUNDS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mptcpscan-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y -qq time >/dev/null
	else
		echo "bench: GNU time (/usr/bin/time) is missing: apt-get install time" >&2
		exit 1
	fi
fi
command -v tshark >/dev/null || { echo "bench: tshark is missing: apt-get install tshark" >&2; exit 1; }

(cd "$repo" && cargo build --release -q -p mptcpscan-driver)
bin="$repo/target/release/mptcpscan"

if [ -n "${2:-}" ]; then
	capture=$2
	packets=$(capinfos -c -M "$capture" | awk '/Number of packets/ { print $NF }')
else
	capture="$work/bench.pcap"
	"$bin" dissect --generate "$packets" "$capture"
fi
size=$(stat -c %s "$capture")

fields=(subtype version flags sendkey recvkey recvtok sendrand sendtrunchmac sendhmac addrid
	ipv4 addaddrtrunchmac rawdataack rawdataseqno subflowseqno datalvllen checksum rst_reason)
tshark_args=(-r "$capture" -Y mptcp -T fields -e frame.number)
for f in "${fields[@]}"; do tshark_args+=(-e "tcp.options.mptcp.$f"); done

# Warm the page cache so that both read the capture from memory.
cat "$capture" >/dev/null

measure() { # name, output file, command...
	local name=$1 out=$2
	shift 2
	/usr/bin/time -v -o "$work/$name.time" "$@" >"$out" 2>"$work/$name.err" || {
		cat "$work/$name.err" >&2
		exit 1
	}
	local elapsed rss cpu seconds
	elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/$name.time")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
	cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$work/$name.time")
	# m:ss.ss or h:mm:ss to seconds
	seconds=$(echo "$elapsed" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
	echo "$name $seconds $rss $cpu"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$work/runs"
for round in $(seq "$rounds"); do
	measure dissect "$work/plain.txt" "$bin" dissect --progress never "$capture" >>"$work/runs"
	measure +options "$work/ours.txt" "$bin" dissect -q --progress never --options "$work/options.txt" "$capture" >>"$work/runs"
	measure tshark "$work/tshark.txt" tshark "${tshark_args[@]}" >>"$work/runs"
	echo "bench: round $round of $rounds done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

our_options=$(wc -l <"$work/options.txt")
# tshark prints one line per packet, with the options of a packet comma-separated per field.
their_options=$(awk -F'\t' '{ n += split($2, a, ",") } END { print n }' "$work/tshark.txt")

# Per tool: median wall and CPU over the rounds, their ranges, and the highest peak RSS.
summary() { # tool -> median-wall min-wall max-wall median-cpu min-cpu max-cpu peak-kb
	awk -v tool="$1" '$1 == tool { print $2, $4, $3 }' "$work/runs" | sort -n -k1,1 >"$work/w"
	awk -v tool="$1" '$1 == tool { print $4 }' "$work/runs" | sort -n >"$work/c"
	paste -d' ' \
		<(awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }' "$work/w") \
		<(awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }' "$work/c") \
		<(awk 'BEGIN { p = 0 } { if ($3 > p) p = $3 } END { print p }' "$work/w")
}
read -r plain_s plain_s0 plain_s1 plain_cpu plain_cpu0 plain_cpu1 plain_kb <<<"$(summary dissect)"
read -r our_s our_s0 our_s1 our_cpu our_cpu0 our_cpu1 our_kb <<<"$(summary +options)"
read -r their_s their_s0 their_s1 their_cpu their_cpu0 their_cpu1 their_kb <<<"$(summary tshark)"
awk -v p="$packets" -v size="$size" -v rounds="$rounds" -v cores="$(nproc)" \
	-v lb="$load_before" -v la="$load_after" \
	-v ps="$plain_s" -v ps0="$plain_s0" -v ps1="$plain_s1" -v pc="$plain_cpu" -v pc0="$plain_cpu0" -v pc1="$plain_cpu1" -v pk="$plain_kb" \
	-v os="$our_s" -v os0="$our_s0" -v os1="$our_s1" -v oc="$our_cpu" -v oc0="$our_cpu0" -v oc1="$our_cpu1" -v ok="$our_kb" \
	-v ts="$their_s" -v ts0="$their_s0" -v ts1="$their_s1" -v tc="$their_cpu" -v tc0="$their_cpu0" -v tc1="$their_cpu1" -v tk="$their_kb" \
	-v oo="$our_options" -v to="$their_options" 'BEGIN {
	printf "capture: %d packets, %.1f MiB; %d rounds; load average %s before, %s after, %d cores\n", \
		p, size / 1048576, rounds, lb, la, cores
	printf "%-10s %22s %22s %12s %13s %9s\n", "tool", "wall s median (range)", "CPU s median (range)", \
		"packets/s", "peak RSS MiB", "options"
	printf "%-10s %8.2f (%5.2f-%5.2f) %8.2f (%5.2f-%5.2f) %12.0f %13.1f %9s\n", "dissect", \
		ps, ps0, ps1, pc, pc0, pc1, p / ps, pk / 1024, "-"
	printf "%-10s %8.2f (%5.2f-%5.2f) %8.2f (%5.2f-%5.2f) %12.0f %13.1f %9d\n", "+options", \
		os, os0, os1, oc, oc0, oc1, p / os, ok / 1024, oo
	printf "%-10s %8.2f (%5.2f-%5.2f) %8.2f (%5.2f-%5.2f) %12.0f %13.1f %9d\n", "tshark", \
		ts, ts0, ts1, tc, tc0, tc1, p / ts, tk / 1024, to
	printf "dissect: %.1fx faster (wall), %.1fx less CPU, %.1f MiB peak\n", ts / ps, tc / pc, pk / 1024
	printf "dissect --options: %.1fx faster (wall), %.1fx less CPU, %.1f%% of tshark'"'"'s peak memory\n", \
		ts / os, tc / oc, 100 * ok / tk
}'
if [ "$our_options" -ne "$their_options" ]; then
	echo "bench: the two extracted a different number of options ($our_options vs $their_options)" >&2
	exit 1
fi
