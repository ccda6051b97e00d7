#!/usr/bin/env bash
# Does the scanner lose replies when its interface also receives a flood of unrelated traffic,
# and what does receiving cost its receiving thread? Scans a /16 of the lab's plain TCP hosts
# (every address answers) quiet and under noise, alternating, ROUNDS times each.
#
# The noise: driver/examples/noise.rs, run in the gateway's namespace (r1), writes frames to the
# scanner's MAC through the driver's transmit ring, paced to NOISE_PPS: UDP, ICMP and SYN-ACKs to
# the address next to ours, SYN-ACKs and RSTs to our address on ports outside the scan's
# source-port window (fixed here with -s so the noise knows it), and the same over IPv6. Its
# sources are 198.18.254.0/24 and 2001:db8:fffe::/48, which the lab does not use.
#
# Where the noise ends: a veth delivers each frame in the sender's own system call (the receive
# softirq runs on the sending CPU), so whatever the scanner's namespace does with a noise frame is
# paid by the generator. An nft netdev ingress rule in the scanner's namespace counts the noise
# (that counter is the "delivered" figure) and drops it. The scanner's packet socket sees every
# frame before that hook: its kernel filter runs on every noise frame and has to reject all of
# it (so the noise must never reach the receive ring or its thread). What the rule spares is the namespace's IP stack
# (routing, the kernel's RSTs to the SYN-ACKs), which is the host's cost and not the question
# here: the receiver's losses and CPU time. NOISE_STACK=1 counts the noise without dropping it,
# to see what the whole stack costs (the generator then delivers less).
#
# Usage (root): bench/scan-under-noise.sh     # ROUNDS=2 NOISE_PPS=1000000 RATE=20000 by default
#   NOISE_PPS=0 bench/scan-under-noise.sh     # noise as fast as the transmit ring takes it
#   NOISE_THREADS=2 NICE=-10 NOISE_STACK=1 ... # generator threads, niceness of both, see above
# Needs the release binary and the noise example:
#   cargo build --release -p mptcpscan-driver --bin mptcpscan --example noise
# Everything runs in the lab's namespaces (NAME-*, 198.18.0.0/15 and 2001:db8::/32 only), taken
# down on exit, even on failure. On a shared machine: flock /tmp/mptcpscan-netns.lock bench/...
set -euo pipefail

BIN=${MPTCPSCAN:-target/release/mptcpscan}
NOISE=${NOISE:-target/release/examples/noise}
LAB=${LAB:-noise}
ROUNDS=${ROUNDS:-2}
NOISE_PPS=${NOISE_PPS:-1000000}
NOISE_STACK=${NOISE_STACK:-0}
NOISE_THREADS=${NOISE_THREADS:-1}
# Niceness of the scanner and the generator (e.g. -10 on a machine busy with builds).
NICE=${NICE:-0}
# NOISE_CPU=N pins the generator to CPU N and the scanner to the others (default: the scheduler
# places both). A veth frame's receive work runs on the sending CPU, and all veths of the host
# share that CPU's backlog (1000 frames): pinned apart, the noise queues on its CPU's backlog and
# the scan's probes and replies mostly on the other. On this 2-core VM pinning cost the generator
# about a fifth of its rate (3 December 2026).
NOISE_CPU=${NOISE_CPU:-any}
RATE=${RATE:-20000}
COOLDOWN=${COOLDOWN:-3}
WINDOW=40000-44095
FROM=198.18.254.0/24
FROM6=2001:db8:fffe::/48

[ "$(id -u)" -eq 0 ] || { echo "scan-under-noise: needs root (network namespaces)" >&2; exit 1; }
for b in "$BIN" "$NOISE"; do
	[ -x "$b" ] || { echo "scan-under-noise: build $b first (cargo build --release -p mptcpscan-driver --bin mptcpscan --example noise)" >&2; exit 1; }
done

work=$(mktemp -d)
noise=
cleanup() {
	[ -n "$noise" ] && kill -INT "$noise" 2>/dev/null && wait "$noise" 2>/dev/null
	"$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$BIN" lab up --name "$LAB" --force --classes tcp --prefix-len 16 --ports 80 \
	--ground-truth "$work/truth.json" >/dev/null
read -r prefix expected scan_ns scan_if scan_mac src src6 < <(python3 - "$work/truth.json" "$FROM" "$FROM6" <<'PY'
import ipaddress, json, sys
t = json.load(open(sys.argv[1]))
s = t["scanner"]
noise = [ipaddress.ip_network(n) for n in sys.argv[2:]]
used = [ipaddress.ip_network(p["prefix"]) for p in t["prefixes"]]
used += [ipaddress.ip_network(s[v]["subnet"]) for v in ("ipv4", "ipv6")]
clash = [f"{n} overlaps {u}" for n in noise for u in used if n.version == u.version and n.overlaps(u)]
if clash:
    sys.exit("scan-under-noise: the noise's sources are the lab's: " + "; ".join(clash))
v4 = [ipaddress.ip_network(p["prefix"]) for p in t["prefixes"] if p["ip_version"] == 4]
print(v4[0], v4[0].num_addresses, s["netns"], s["interface"], s["mac"], s["ipv4"]["address"], s["ipv6"]["address"])
PY
)
gw_ns="$LAB-r1"
gw_if=to-scan

# The lab drops the RSTs the scanner's kernel sends to unsolicited SYN-ACKs (for raw-socket
# scanners). Then every scan leaves one half-open connection per target on the hosts, their listen
# queue overflows into SYN cookies, and a cookie SYN-ACK is never sent again: one dropped at a busy
# veth backlog (the lab's routers share the CPUs with the noise) loses its target, 1-2 of 65536
# in a quarter of the runs. With the RSTs let through, the hosts keep no state for answered
# probes and resend a lost SYN-ACK after 1 s, within the cooldown; the lab still loses nothing the
# receiver could have seen, and "passed" is then exactly one packet per target.
ip netns exec "$scan_ns" nft delete table inet mptcpscan_lab

# The noise's counter at the scanner's interface, after the packet taps.
verdict=drop
[ "$NOISE_STACK" = 1 ] && verdict=accept
# Beside the noise's counters, the set of targets whose SYN-ACK reached the scanner's interface:
# a host missing from the scan's output but in this set is a reply our receiver lost.
ip netns exec "$scan_ns" nft -f - <<NFT
table netdev noise {
	set replied {
		type ipv4_addr; size 262144; flags dynamic;
	}
	chain ingress {
		type filter hook ingress device "$scan_if" priority -500; policy accept;
		ip saddr $FROM counter $verdict
		ip6 saddr $FROM6 counter $verdict
		ip saddr $prefix tcp dport ${WINDOW%-*}-${WINDOW#*-} tcp flags & (syn | ack) == syn | ack add @replied { ip saddr }
	}
}
NFT
delivered() {
	ip netns exec "$scan_ns" nft list chain netdev noise ingress |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
arrived() {
	ip netns exec "$scan_ns" nft -j list set netdev noise replied |
		python3 -c 'import json, sys; print(sum(len(o["set"].get("elem", [])) for o in json.load(sys.stdin)["nftables"] if "set" in o))'
}
# CPU seconds (user + system, all threads) process $1 has used: with no IRQ time accounting the
# receive softirqs run in the generator's system calls count as its own.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"; }
# A veth counts a frame as dropped when the receiving CPU's backlog was full.
rx_dropped() { ip netns exec "$scan_ns" cat "/sys/class/net/$scan_if/statistics/rx_dropped"; }
pin_scan=(); pin_noise=()
if [ "$NOISE_CPU" != any ]; then
	others=$(python3 -c "print(','.join(str(c) for c in sorted(__import__('os').sched_getaffinity(0)) if c != $NOISE_CPU))")
	[ -n "$others" ] || { echo "scan-under-noise: no CPU left for the scanner besides $NOISE_CPU" >&2; exit 1; }
	pin_scan=(taskset -c "$others"); pin_noise=(taskset -c "$NOISE_CPU")
fi

# Prints "found ring-lost passed receiver-cpu wall-seconds".
scan() {
	local start end
	start=$(date +%s.%N)
	ip netns exec "$scan_ns" "${pin_scan[@]}" nice -n "$NICE" "$BIN" scan "$prefix" --allow-lab -p 80 --mptcp-version 1 -s "$WINDOW" \
		--rate "$RATE" --cooldown "$COOLDOWN" -o "$work/scan.csv" 2>"$work/scan.err" </dev/null
	end=$(date +%s.%N)
	local found receiver
	found=$(awk -F, 'NR > 1 && ($10 == "1" || $10 == "true") { print $1 }' "$work/scan.csv" | sort -u | wc -l)
	receiver=$(sed -n 's/^mptcpscan: receiver: //p' "$work/scan.err")
	# "0.61 s CPU, 73730 packets passed the kernel filter, 0 lost (receive ring full)"
	read -r cpu passed lost < <(echo "$receiver" | sed -n 's/^\([0-9.]*\) s CPU, \([0-9]*\) packets passed.*, \([0-9]*\) lost.*/\1 \2 \3/p')
	# Probes the kernel refused, or other news, would explain a missing host on our side.
	grep -v -e '^mptcpscan: receiver: ' -e '^mptcpscan: sent ' -e "^mptcpscan: note: this host's kernel will answer" "$work/scan.err" >&2 || true
	echo "$found ${lost:-?} ${passed:-?} ${cpu:-?} $(python3 -c "print(f'{$end - $start:.3f}')")"
}

echo "lab /16 of plain TCP hosts ($prefix, $expected answer), scan at $RATE pps with -s $WINDOW, $(nproc) cores, nice $NICE, generator on CPU $NOISE_CPU"
echo "noise: NOISE_PPS=$NOISE_PPS asked (0: unpaced) from NOISE_THREADS=$NOISE_THREADS thread(s), from r1 into $scan_if; at the scanner's ingress it is counted and $( [ "$verdict" = drop ] && echo "dropped after the packet taps" || echo "let through to the IP stack")"
echo "noise pps = noise frames counted at the scanner's ingress / scan wall time; gen CPU = the generator's"
echo "  CPU time during the scan (its sends and the receive softirqs they run); arrived = targets whose"
echo "  SYN-ACK reached the scanner's interface; rx lost = arrived but not in the output; ring = the receive"
echo "  ring's own drop count; backlog = frames the scanner's veth dropped before the packet taps (noise or"
echo "  replies: the scanner never saw them); rx CPU = the scanner's receiving thread"
row() { printf '%5s  %-5s  %9s  %9s  %13s  %7s  %7s  %5s  %7s  %8s  %8s  %6s  %s\n' "$@"; }
row round run "noise pps" "gen CPU s" found arrived "rx lost" ring backlog passed "rx CPU s" "wall s" load1
rows=()
for round in $(seq "$ROUNDS"); do
	for run in quiet noise; do
		if [ "$run" = noise ]; then
			setsid ip netns exec "$gw_ns" "${pin_noise[@]}" nice -n "$NICE" "$NOISE" --interface "$gw_if" --to-mac "$scan_mac" --us "$src" --us6 "$src6" \
				--window "$WINDOW" --from "$FROM" --from6 "$FROM6" --pps "$NOISE_PPS" --threads "$NOISE_THREADS" \
				>"$work/noise.out" 2>"$work/noise.err" &
			noise=$!
			sleep 1
			kill -0 "$noise" 2>/dev/null || { cat "$work/noise.err" >&2; exit 1; }
		fi
		ip netns exec "$scan_ns" nft flush set netdev noise replied
		g0=0; g1=0
		[ "$run" = noise ] && g0=$(cpu_of "$noise")
		d0=$(delivered); b0=$(rx_dropped)
		read -r found lost passed cpu wall < <(scan)
		d1=$(delivered); b1=$(rx_dropped)
		[ "$run" = noise ] && g1=$(cpu_of "$noise")
		load=$(cut -d' ' -f1 /proc/loadavg)
		if [ "$run" = noise ]; then
			kill -INT "$noise"; wait "$noise"; noise=
			sent=$(cat "$work/noise.out")
		fi
		got=$(arrived)
		pps=$(python3 -c "print(round(($d1 - $d0) / $wall))")
		row "$round" "$run" "$pps" "$(python3 -c "print(f'{$g1 - $g0:.2f}')")" "$found/$expected" "$got" \
			"$((got - found))" "$lost" "$((b1 - b0))" "$passed" "$cpu" "$wall" "$load"
		[ "$run" = noise ] && echo "       generator: ${sent#noise: }"
		rows+=("$run $pps $found $((got - found)) $cpu")
	done
done
printf '%s\n' "${rows[@]}" | python3 -c '
import statistics, sys
runs = {}
for line in sys.stdin:
    run, pps, found, rx_lost, cpu = line.split()
    runs.setdefault(run, []).append((int(pps), int(found), int(rx_lost), float(cpu)))
for run, rs in runs.items():
    print(f"{run}: noise delivered median {statistics.median(r[0] for r in rs):.0f} pps (min {min(r[0] for r in rs)}), "
          f"found {min(r[1] for r in rs)} at worst, replies lost by the receiver {sum(r[2] for r in rs)}, "
          f"receiver CPU median {statistics.median(r[3] for r in rs):.2f} s")'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
