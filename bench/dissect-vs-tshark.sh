#!/usr/bin/env bash
# Benchmark (not a test): `mptcpscan dissect` against tshark 4.0 extracting the same MPTCP option
# fields from the same generated capture, with wall time and peak memory of both.
#
#   bench/dissect-vs-tshark.sh [PACKETS] [CAPTURE]      (default 1000000 packets)
#
# Without CAPTURE, the capture is written by `mptcpscan dissect --generate` (MPTCP v1 connections
# with a join, ADD_ADDR, data under DSS mappings, reinjections, DATA_FIN) into a temporary folder,
# removed at the end. CAPTURE is a real capture to use instead (bench/make-mptcp-capture.sh makes
# one; PACKETS is then ignored). `mptcpscan dissect` is measured twice: its full analysis alone
# (tables), and with every option written out too. mptcpscan writes every option with its decoded fields (`--options`) and runs its full
# analysis (connections, metrics, summary) on the way; tshark writes the corresponding
# `tcp.options.mptcp.*` fields of every MPTCP packet (`-T fields`). Both outputs go to files on
# the same disk. Peak memory is the maximum resident set size from GNU time (`time` is installed
# when missing and we are root).
set -euo pipefail

packets=${1:-1000000}
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

plain=$(measure plain "$work/plain.txt" "$bin" dissect --progress never "$capture")
ours=$(measure mptcpscan "$work/ours.txt" "$bin" dissect -q --progress never --options "$work/options.txt" "$capture")
theirs=$(measure tshark "$work/tshark.txt" tshark "${tshark_args[@]}")

our_options=$(wc -l <"$work/options.txt")
# tshark prints one line per packet, with the options of a packet comma-separated per field.
their_options=$(awk -F'\t' '{ n += split($2, a, ",") } END { print n }' "$work/tshark.txt")

read -r _ plain_s plain_kb plain_cpu <<<"$plain"
read -r _ our_s our_kb our_cpu <<<"$ours"
read -r _ their_s their_kb their_cpu <<<"$theirs"
awk -v p="$packets" -v size="$size" -v os="$our_s" -v ok="$our_kb" -v ts="$their_s" -v tk="$their_kb" \
	-v oc="$our_cpu" -v tc="$their_cpu" -v oo="$our_options" -v to="$their_options" \
	-v ps="$plain_s" -v pk="$plain_kb" -v pc="$plain_cpu" \
	-v load="$(cut -d' ' -f1 /proc/loadavg)" -v cores="$(nproc)" 'BEGIN {
	printf "capture: %d packets, %.1f MiB; load average %s on %d cores\n", p, size / 1048576, load, cores
	printf "%-10s %9s %9s %14s %13s %10s\n", "tool", "wall s", "CPU s", "packets/s", "peak RSS MiB", "options"
	printf "%-10s %9.2f %9.2f %14.0f %13.1f %10s\n", "dissect", ps, pc, p / ps, pk / 1024, "-"
	printf "%-10s %9.2f %9.2f %14.0f %13.1f %10d\n", "+options", os, oc, p / os, ok / 1024, oo
	printf "%-10s %9.2f %9.2f %14.0f %13.1f %10d\n", "tshark", ts, tc, p / ts, tk / 1024, to
	printf "dissect: %.1fx faster (wall), %.1fx less CPU, %.1f MiB peak\n", ts / ps, tc / pc, pk / 1024
	printf "dissect --options: %.1fx faster (wall), %.1fx less CPU, %.1f%% of tshark'\''s peak memory\n", \
		ts / os, tc / oc, 100 * ok / tk
}'
if [ "$our_options" -ne "$their_options" ]; then
	echo "bench: the two extracted a different number of options ($our_options vs $their_options)" >&2
	exit 1
fi
