#!/bin/bash
# Captures a real Linux MPTCP v1 connection with DSS checksums, an ADD_ADDR
# and extra subflows, between two network namespaces of our own.
#
# usage: make_capture.sh OUT.pcap [4|6] [flip]
#
# With flip, the client's 20th message gets one payload byte changed after the
# kernel computed its DSS checksum (nftables, output hook, first match only):
# the server finds the checksum wrong and answers with MP_FAIL.
#
# Addresses are 198.18.0.0/15 (benchmarking) or 2001:db8::/32
# (documentation) only; the namespaces are deleted on every exit path.
# Needs root.
set -euo pipefail

out=$1
family=${2:-4}
flip=${3:-}
if [ "$family" = 6 ]; then
	c1=2001:db8:1::1 c2=2001:db8:2::1 s1=2001:db8:1::2 s2=2001:db8:2::2 plen=64 any=::
	addr_flags=(nodad)
else
	c1=198.18.1.1 c2=198.18.2.1 s1=198.18.1.2 s2=198.18.2.2 plen=24 any=0.0.0.0
	addr_flags=()
fi
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
ip -n "$ns_c" addr add "$c1/$plen" dev c1 "${addr_flags[@]}"
ip -n "$ns_c" addr add "$c2/$plen" dev c2 "${addr_flags[@]}"
ip -n "$ns_s" addr add "$s1/$plen" dev s1 "${addr_flags[@]}"
ip -n "$ns_s" addr add "$s2/$plen" dev s2 "${addr_flags[@]}"
ip -n "$ns_c" link set c1 up
ip -n "$ns_c" link set c2 up
ip -n "$ns_s" link set s1 up
ip -n "$ns_s" link set s2 up
# The client opens a subflow from its second address; the server announces
# its second address (ADD_ADDR with HMAC), to which the client also joins.
# The server's first pure ACK (its first DSS) is dropped, once: the client's
# first message then leaves before anything from the server has made the
# connection fully established, so it rides on MP_CAPABLE (data-level length
# and DSS checksum in the option) instead of racing that ACK.
ip netns exec "$ns_s" nft -f - <<-EOF
	table inet mptcpscan_first_ack {
		chain out {
			type filter hook output priority 0;
			tcp sport 8080 tcp flags == ack limit rate 1/hour burst 1 packets drop
		}
	}
EOF
ip -n "$ns_c" mptcp endpoint add "$c2" dev c2 subflow
ip -n "$ns_s" mptcp endpoint add "$s2" dev s2 signal
if [ "$flip" = flip ]; then
	# Message 20 starts with bytes 20, 21, 22, 23 (mptcp_peer.py); its second
	# byte is zeroed once. The output hook runs before the capture tap, and
	# veth hands the unchecked TCP checksum on as good, so only MPTCP's own
	# DSS checksum can see the change.
	ip netns exec "$ns_c" nft -f - <<-EOF
		table inet mptcpscan_flip {
			chain out {
				type filter hook output priority 0;
				tcp dport 8080 @ih,0,32 0x14151617 limit rate 1/hour burst 1 packets @ih,8,8 set 0
			}
		}
	EOF
fi

ip netns exec "$ns_c" tcpdump -q -Z root -i any -U --immediate-mode -w "$out" 'tcp port 8080' 2>/dev/null &
tcpdump_pid=$!
ip netns exec "$ns_s" python3 "$here/mptcp_peer.py" server "$any" 8080 &
server_pid=$!
for _ in $(seq 50); do
	[ -s "$out" ] && ip netns exec "$ns_s" ss -Hltn 'sport = :8080' | grep -q . && break
	sleep 0.1
done
ip netns exec "$ns_c" timeout 60 python3 "$here/mptcp_peer.py" client "$s1" 8080 40
wait "$server_pid"
server_pid=
sleep 0.5
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=
