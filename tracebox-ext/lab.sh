#!/usr/bin/env bash
# mptcp.lua under a real tracebox, in the driver's lab (root; not a test: `make test` needs no
# tracebox). Brings up its own lab (`tbxlab`), runs everything inside the lab's scanner
# namespace against lab addresses only, and takes the lab down at the end, even on failure.
#
#   tracebox-ext/lab.sh check TRACEBOX [OUTDIR]   host .1 of every class, IPv4 and IPv6: the
#                                                 44-row table of tests/lab_check.py
#   tracebox-ext/lab.sh bench TRACEBOX [HOSTS]    cost and scale (a benchmark): HOSTS MPTCP v1
#                                                 hosts (default 128) traced one after another,
#                                                 8 at once, and by `mptcpscan trace`; a silent
#                                                 host
#
# TRACEBOX is a tracebox binary (README.md: building it); it is run, never built, here. Needs
# target/release/mptcpscan (`cargo build --release -p mptcpscan-driver`) and the module for Lua
# 5.2 (`make tracebox-module`). Runs under the lab lock, /tmp/mptcpscan-netns.lock.
set -euo pipefail

mode=${1:-}
tracebox=${2:-}
[ "$mode" = check ] || [ "$mode" = bench ] && [ -x "$tracebox" ] || {
	echo "usage: $0 check|bench TRACEBOX [OUTDIR|HOSTS]" >&2
	exit 2
}
repo=$(cd "$(dirname "$0")/.." && pwd)
mptcpscan=$repo/target/release/mptcpscan
script=$repo/tracebox-ext/mptcp.lua
export LUA_CPATH="$repo/tracebox-ext/build/lua5.2/?.so;;"
[ -x "$mptcpscan" ] || { echo "$0: $mptcpscan missing" >&2; exit 1; }
[ -f "$repo/tracebox-ext/build/lua5.2/mptcpscan.so" ] ||
	{ echo "$0: module missing: make tracebox-module" >&2; exit 1; }
tracebox=$(cd "$(dirname "$tracebox")" && pwd)/$(basename "$tracebox")
lab=tbxlab
work=$(mktemp -d /tmp/mptcpscan-tbxlab.XXXXXX)

# Runs inside the lock: lab up, the measurement, lab down (by the trap).
locked() {
	trap '"$mptcpscan" lab down --name $lab >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
	local args=(--name $lab --ground-truth "$work/gt.json")
	[ "$mode" = bench ] && args+=(--prefix-len 24 --classes mptcp-v1,silent)
	"$mptcpscan" lab up "${args[@]}" >"$work/lab-up.log"
	"run_$mode"
}

now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# One tracebox run: target, then the script's arguments; its own capture file, so that several
# can run at once (tracebox's default /tmp/capture.pcap is shared).
trace_one() {
	local target=$1
	shift
	ip netns exec $lab-scan "$tracebox" -f "$work/$target.pcap" -s "$script" "$target" "$@"
	rm -f "$work/$target.pcap"
}

run_check() {
	local out=${OUTDIR:-$work/out}
	mkdir -p "$out"
	python3 -c 'import json, ipaddress, sys
for p in json.load(open(sys.argv[1]))["prefixes"]:
    print(p["class"], p["ip_version"], ipaddress.ip_network(p["prefix"]).network_address + 1)' \
		"$work/gt.json" | while read -r class family host; do
		trace_one "$host" 80 key=0123456789abcdef max-ttl=6 >"$out/$class-v$family.out" 2>&1
	done
	# mptcpscan trace on the same hosts, for lab_check.py to compare.
	python3 -c 'import json, ipaddress, sys
for p in json.load(open(sys.argv[1]))["prefixes"]:
    print(ipaddress.ip_network(p["prefix"]).network_address + 1)' "$work/gt.json" >"$work/hosts"
	ip netns exec $lab-scan "$mptcpscan" trace --allow-lab --key 0123456789abcdef --max-ttl 6 \
		--timeout 1 --mptcp-version both -I "$work/hosts" -p 80 -f json -o "$out/trace.json"
	cp "$work/gt.json" "$out/ground-truth.json"
	python3 "$repo/tracebox-ext/tests/lab_check.py" "$work/gt.json" "$out" --markdown
}

# Host N of the lab's IPv4 prefix of a class.
host_of() {
	python3 -c 'import json, ipaddress, sys
p = [p for p in json.load(open(sys.argv[1]))["prefixes"]
     if p["class"] == sys.argv[2] and p["ip_version"] == 4][0]
print(ipaddress.ip_network(p["prefix"]).network_address + int(sys.argv[3]))' "$work/gt.json" "$1" "$2"
}

run_bench() {
	local hosts=${HOSTS:-128} start found i
	for i in $(seq 1 "$hosts"); do host_of mptcp-v1 "$i"; done >"$work/targets"
	uptime
	start=$(now)
	while read -r t; do trace_one "$t" 80 max-ttl=6; done <"$work/targets" >"$work/seq.out" 2>&1
	found=$(grep -c '^  final: truly-mptcp$' "$work/seq.out" || true)
	echo "tracebox, one after another: $hosts hosts in $(since "$start") s ($found truly-mptcp v1)"
	export -f trace_one
	export lab tracebox script work
	start=$(now)
	xargs -P 8 -I{} bash -c 'trace_one {} 80 max-ttl=6' <"$work/targets" >"$work/par.out" 2>&1
	found=$(grep -c '^  final: truly-mptcp$' "$work/par.out" || true)
	echo "tracebox, 8 at once: $hosts hosts in $(since "$start") s ($found truly-mptcp v1)"
	start=$(now)
	ip netns exec $lab-scan "$mptcpscan" trace --allow-lab --max-ttl 6 --timeout 1 \
		--mptcp-version both -I "$work/targets" -p 80 -f json -o "$work/trace.json"
	echo "mptcpscan trace: $hosts hosts (v0 and v1) in $(since "$start") s"
	start=$(now)
	trace_one "$(host_of silent 1)" 80 max-ttl=6 >/dev/null 2>&1
	echo "tracebox, a silent host: $(since "$start") s"
	uptime
}

if [ "$mode" = check ]; then
	OUTDIR=${3:-}
else
	HOSTS=${3:-128}
fi
export -f locked run_check run_bench trace_one host_of now since
export mode tracebox repo mptcpscan script lab work OUTDIR HOSTS LUA_CPATH
flock /tmp/mptcpscan-netns.lock bash -c locked
