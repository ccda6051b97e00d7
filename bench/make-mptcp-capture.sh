#!/bin/bash
# Captures a real Linux MPTCP connection for the benchmarks: iperf3 (made to use
# MPTCP by mptcpize) over two subflows between two network namespaces of our
# own, until PACKETS packets are captured at the client.
#
# usage: [SECONDS_MAX=300] [RATE=400M] bench/make-mptcp-capture.sh OUT.pcap PACKETS [SNAPLEN]
#
# Segmentation offloads are limited so that each captured packet is one
# segment on the wire (gso_max_segs 1), as a capture off a real link has them.
# iperf3 is paced to RATE (bits/s, iperf3's -b syntax) so that tcpdump, with a
# large kernel buffer and batched (not immediate, not per-packet flushed)
# delivery, keeps up on a loaded 2-core machine: a capture tcpdump dropped
# packets from is incomplete and the script fails with the drop count.
# Addresses are 198.18.0.0/15 only; the namespaces are deleted on every exit
# path. Needs root, iperf3 and mptcpize (mptcpd); run it under
# flock /tmp/mptcpscan-netns.lock.
set -euo pipefail

out=$1
packets=$2
snaplen=${3:-262144}
rate=${RATE:-400M}
tag=$$
ns_c=mptcpscan-bench-c-$tag
ns_s=mptcpscan-bench-s-$tag
tcpdump_pid=
server_pid=
stats=$(mktemp "${TMPDIR:-/tmp}/make-mptcp-capture.XXXXXX")

cleanup() {
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	ip netns del "$ns_c" 2>/dev/null || true
	ip netns del "$ns_s" 2>/dev/null || true
	rm -f "$stats"
}
trap cleanup EXIT

for tool in iperf3 mptcpize tcpdump capinfos; do
	command -v "$tool" >/dev/null || { echo "make-mptcp-capture: $tool is missing" >&2; exit 1; }
done

ip netns add "$ns_c"
ip netns add "$ns_s"
ip link add c1 netns "$ns_c" type veth peer name s1 netns "$ns_s"
ip link add c2 netns "$ns_c" type veth peer name s2 netns "$ns_s"
for ns in "$ns_c" "$ns_s"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -q -w net.mptcp.enabled=1
	ip -n "$ns" mptcp limits set subflow 2 add_addr_accepted 2
done
ip -n "$ns_c" addr add 198.18.1.1/24 dev c1
ip -n "$ns_c" addr add 198.18.2.1/24 dev c2
ip -n "$ns_s" addr add 198.18.1.2/24 dev s1
ip -n "$ns_s" addr add 198.18.2.2/24 dev s2
for pair in "$ns_c c1" "$ns_c c2" "$ns_s s1" "$ns_s s2"; do
	read -r ns dev <<<"$pair"
	ip -n "$ns" link set "$dev" gso_max_segs 1 up
done
# The second subflow goes from the client's second address to the server's second one.
ip -n "$ns_c" mptcp endpoint add 198.18.2.1 dev c2 subflow
ip -n "$ns_s" mptcp endpoint add 198.18.2.2 dev s2 signal

ip netns exec "$ns_s" mptcpize run iperf3 -s -1 -B 0.0.0.0 -p 5201 >/dev/null 2>&1 &
server_pid=$!
# -B: a 256 MiB kernel buffer (in KiB) absorbs iperf3's bursts while tcpdump writes.
ip netns exec "$ns_c" tcpdump -q -Z root -i any -s "$snaplen" -B 262144 -c "$packets" \
	-w "$out" 'tcp port 5201' 2>"$stats" &
tcpdump_pid=$!
# Start the client only once the server listens and tcpdump has its ring set up
# (it says "listening on" then), so that the capture holds every handshake.
for _ in $(seq 100); do
	ip netns exec "$ns_s" ss -Hltn 'sport = :5201' | grep -q . && grep -q 'listening on' "$stats" && break
	sleep 0.1
done
grep -q 'listening on' "$stats" || { echo "make-mptcp-capture: tcpdump did not start" >&2; cat "$stats" >&2; exit 1; }
# The capture ends when tcpdump has PACKETS packets, or when iperf3 stops after
# SECONDS (then with fewer: the count is printed).
ip netns exec "$ns_c" mptcpize run iperf3 -c 198.18.1.2 -p 5201 -t "${SECONDS_MAX:-300}" \
	-b "$rate" >/dev/null 2>&1 &
client_pid=$!
wait -n "$tcpdump_pid" "$client_pid" || true
kill "$client_pid" 2>/dev/null || true
wait "$client_pid" 2>/dev/null || true
sleep 0.5
kill -INT "$tcpdump_pid" 2>/dev/null || true
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=
# tcpdump prints its kernel statistics when it stops, by -c or by SIGINT.
dropped=$(awk '/packets dropped by kernel/ { print $1 }' "$stats")
captured=$(capinfos -c -M "$out" | awk '/Number of packets/ { print $NF }')
echo "make-mptcp-capture: $captured packets, ${dropped:-unknown} dropped by kernel"
if [ "${dropped:-x}" != 0 ]; then
	echo "make-mptcp-capture: tcpdump lost packets; lower RATE (now $rate)" >&2
	exit 1
fi
# Each subflow starts with a SYN to the server: two means the join was made.
syns=$(tcpdump -nn -r "$out" 'dst port 5201 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l)
echo "make-mptcp-capture: $syns connections or subflows opened toward the server"
