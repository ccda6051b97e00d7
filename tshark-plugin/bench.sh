#!/bin/bash
# tshark over a large MPTCP capture with and without the mptcpscan plugin.
#
# usage: bench.sh [PACKETS] [RUNS] [CAPTURE]   (defaults: 1000000 packets, 3 runs)
#
# Without CAPTURE, the capture is the shared iperf MPTCP capture (v0, DSS
# checksums, joins) repeated with shifted timestamps until it holds PACKETS
# packets, and each run is `tshark -r BIG -T fields -e frame.number`. With
# CAPTURE (a real capture, e.g. from bench/make-mptcp-capture.sh), each run is
# plain `tshark -r CAPTURE` (the one-line summaries) and PACKETS is ignored.
# Either way it is plain dissection plus, with the plugin, its postdissector.
# The best of RUNS CPU times (user + system) is reported for each side, with
# the wall-clock time of that run.
set -euo pipefail

packets=${1:-1000000}
runs=${2:-3}
capture=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
plugin=$here/mptcpscan.so
if [ -d "$repo/../shared/captures" ]; then
	shared=$repo/../shared/captures
else
	shared=/work/shared/captures
fi
seed=$shared/pymptcpanalyzer/iperf-mptcp-0-0.pcap
[ -f "$plugin" ] || { echo "bench: build $plugin first" >&2; exit 1; }
[ -f "$seed" ] || { echo "bench: no $seed" >&2; exit 1; }

work=$(mktemp -d /tmp/mptcpscan-tshark-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
ws_series=$(pkg-config --modversion wireshark | cut -d. -f1,2)
mkdir -p "$work/plugins/$ws_series/epan" "$work/noplugins"
cp "$plugin" "$work/plugins/$ws_series/epan/"

runas=(env)
if [ "$(id -u)" = 0 ]; then
	runas=(setpriv --reuid=65534 --regid=65534 --clear-groups env)
fi

tshark_args=(-T fields -e frame.number)
if [ -n "$capture" ]; then
	cp "$capture" "$work/big.pcap"
	tshark_args=()
else
	per=$(capinfos -c -M "$seed" | awk '/Number of packets/ { print $NF }')
	copies=$(( (packets + per - 1) / per ))
	echo "bench: $per packets in $(basename "$seed"), $copies copies"
	parts=()
	for i in $(seq 0 $((copies - 1))); do
		editcap -F pcap -t $((i * 100)) "$seed" "$work/part$i.pcap" >/dev/null
		parts+=("$work/part$i.pcap")
	done
	mergecap -F pcap -a -w "$work/big.pcap" "${parts[@]}"
	rm -f "${parts[@]}"
fi
chmod -R a+rX "$work"
total=$(capinfos -c -M "$work/big.pcap" | awk '/Number of packets/ { print $NF }')
echo "bench: $total packets, $(( $(stat -c %s "$work/big.pcap") / 1048576 )) MiB"

# One run: CPU time (user + system, ms) and wall-clock time (ms).
run_once() {
	local dir=$1 t0 t1 out
	t0=$(date +%s%N)
	out=$( { TIMEFORMAT='%3U %3S'; time "${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$dir" \
		tshark -r "$work/big.pcap" "${tshark_args[@]}" >/dev/null 2>/dev/null; } 2>&1)
	t1=$(date +%s%N)
	awk -v wall=$(( (t1 - t0) / 1000000 )) '{ printf "%d %d\n", ($1 + $2) * 1000, wall }' <<<"$out"
}

# Runs alternate between the two sides so that other load on the machine
# hits both alike; the smallest CPU time of each side counts. CPU time is
# what the plugin adds; the wall clock also counts other load.
without= with=
for _ in $(seq "$runs"); do
	read -r cpu wall < <(run_once "$work/noplugins")
	if [ -z "$without" ] || [ "$cpu" -lt "$without" ]; then
		without=$cpu without_wall=$wall
	fi
	read -r cpu wall < <(run_once "$work/plugins")
	if [ -z "$with" ] || [ "$cpu" -lt "$with" ]; then
		with=$cpu with_wall=$wall
	fi
done
checked=$("${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" \
	tshark -r "$work/big.pcap" -Y 'mptcpscan.dss.checksum=="valid"' -T fields -e frame.number 2>/dev/null | wc -l)
echo "bench: CPU without plugin ${without} ms, with plugin ${with} ms" \
	"($(awk -v a="$with" -v b="$without" 'BEGIN { printf "%+.1f%%, %.3fx", (a - b) * 100 / b, a / b }'));" \
	"wall ${without_wall} ms / ${with_wall} ms; $checked DSS checksums verified"
