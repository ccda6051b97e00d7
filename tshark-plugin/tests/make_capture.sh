#!/bin/bash
# Captures a real Linux MPTCP v1 connection with DSS checksums, an ADD_ADDR
# and extra subflows, between two network namespaces of our own.
#
# usage: make_capture.sh OUT.pcap
#
# Addresses are 198.18.0.0/15 (benchmarking) only; the namespaces are
# deleted on every exit path. Needs root.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
tag=$$
ns_c=mptcpscan-tsk-c-$tag
ns_s=mptcpscan-tsk-s-$tag
tcpdump_pid=
server_pid=

cleanup() {
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	ip netns del "$ns_c" 2>/dev/null || true
	ip netns del "$ns_s" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns_c"
ip netns add "$ns_s"
ip link add c1 netns "$ns_c" type veth peer name s1 netns "$ns_s"
ip link add c2 netns "$ns_c" type veth peer name s2 netns "$ns_s"
for ns in "$ns_c" "$ns_s"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -q -w net.mptcp.enabled=1
	ip netns exec "$ns" sysctl -q -w net.mptcp.checksum_enabled=1
	ip -n "$ns" mptcp limits set subflow 4 add_addr_accepted 4
done
ip -n "$ns_c" addr add 198.18.1.1/24 dev c1
ip -n "$ns_c" addr add 198.18.2.1/24 dev c2
ip -n "$ns_s" addr add 198.18.1.2/24 dev s1
ip -n "$ns_s" addr add 198.18.2.2/24 dev s2
ip -n "$ns_c" link set c1 up
ip -n "$ns_c" link set c2 up
ip -n "$ns_s" link set s1 up
ip -n "$ns_s" link set s2 up
# The client opens a subflow from its second address; the server announces
# its second address (ADD_ADDR with HMAC), to which the client also joins.
ip -n "$ns_c" mptcp endpoint add 198.18.2.1 dev c2 subflow
ip -n "$ns_s" mptcp endpoint add 198.18.2.2 dev s2 signal

ip netns exec "$ns_c" tcpdump -q -Z root -i any -U -w "$out" 'tcp port 8080' 2>/dev/null &
tcpdump_pid=$!
ip netns exec "$ns_s" python3 "$here/mptcp_peer.py" server 0.0.0.0 8080 &
server_pid=$!
for _ in $(seq 50); do
	[ -s "$out" ] && ip netns exec "$ns_s" ss -Hltn 'sport = :8080' | grep -q . && break
	sleep 0.1
done
ip netns exec "$ns_c" timeout 60 python3 "$here/mptcp_peer.py" client 198.18.1.2 8080 40
wait "$server_pid"
server_pid=
sleep 0.5
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=
