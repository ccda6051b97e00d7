#!/usr/bin/env bash
# Scan one lab prefix with `mptcpscan scan` and with Debian's zmap 2.1.1 (tcp_synscan) at rising
# rates, and print, side by side, how many of the responsive hosts each finds at each rate and the
# highest rate at which each still finds all of them.
#
# Usage (root): bench/scan-vs-zmap.sh            # a /16 of plain TCP listeners, port 80
#   RATES="10000 50000" PREFIX_LEN=20 bench/scan-vs-zmap.sh
# Needs the release binary (cargo build --release -p mptcpscan-driver) and zmap (apt install zmap).
# Everything runs inside the lab's namespaces; the lab is taken down on exit, even on failure.
set -euo pipefail

BIN=${MPTCPSCAN:-target/release/mptcpscan}
LAB=${LAB:-bench}
PREFIX_LEN=${PREFIX_LEN:-16}
RATES=${RATES:-"10000 25000 50000 100000 200000 400000"}
COOLDOWN=${COOLDOWN:-3}
PORT=80

[ "$(id -u)" -eq 0 ] || { echo "scan-vs-zmap: needs root (network namespaces)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "scan-vs-zmap: build $BIN first (cargo build --release -p mptcpscan-driver)" >&2; exit 1; }
command -v zmap >/dev/null || { echo "scan-vs-zmap: zmap is not installed (apt install zmap)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
	"$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$BIN" lab up --name "$LAB" --force --classes tcp --prefix-len "$PREFIX_LEN" --ports "$PORT" \
	--ground-truth "$work/truth.json" >/dev/null

# The ground truth says where to scan from (lab::ground_truth docs); read it without jq.
field() { python3 -c "import json,sys; t=json.load(open('$work/truth.json')); print($1)"; }
prefix=$(field "[p['prefix'] for p in t['prefixes'] if p['ip_version']==4][0]")
netns=$(field "t['scanner']['netns']")
iface=$(field "t['scanner']['interface']")
gw_mac=$(field "t['scanner']['gateway_mac']")
src=$(field "t['scanner']['ipv4']['address']")
hosts=$(python3 -c "import ipaddress; print(ipaddress.ip_network('$prefix').num_addresses)")

# zmap: its packaged config names an option 2.1.1 rejects, and its default blocklist covers the
# lab's 198.18.0.0/15, so: empty config, empty blocklist, the prefix as allowlist.
: >"$work/empty.conf"
: >"$work/empty.blocklist"
echo "$prefix" >"$work/allow"

in_lab() { ip netns exec "$netns" "$@"; }
# Rounded down, so that one missing host never prints as 100.00%.
percent() { python3 -c "import math; print(f'{math.floor(10000 * $1 / $hosts) / 100:.2f}')"; }

# Each prints "found achieved-pps". Ours measures its own sending time; zmap's is the wall time
# of the run minus the cooldown (its metadata has whole seconds only), so it errs low.
count_ours() {
	in_lab "$BIN" scan "$prefix" --allow-lab -p "$PORT" --mptcp-version 1 --rate "$1" \
		--cooldown "$COOLDOWN" -o "$work/ours.csv" 2>"$work/ours.err" </dev/null
	found=$(awk -F, 'NR > 1 && $10 == "1" { print $1 }' "$work/ours.csv" | sort -u | wc -l)
	pps=$(sed -n 's/.*(\([0-9]*\) pps).*/\1/p' "$work/ours.err")
	echo "$found ${pps:-?}"
}

count_zmap() {
	start=$(date +%s.%N)
	in_lab zmap -C "$work/empty.conf" -M tcp_synscan -p "$PORT" -r "$1" -c "$COOLDOWN" \
		-b "$work/empty.blocklist" -w "$work/allow" -i "$iface" -G "$gw_mac" -S "$src" \
		-O csv -f saddr,success -q -o "$work/zmap.csv" --disable-syslog 2>/dev/null
	end=$(date +%s.%N)
	found=$(awk -F, 'NR > 1 && $2 == 1 { print $1 }' "$work/zmap.csv" | sort -u | wc -l)
	echo "$found $(python3 -c "print(round($hosts / max($end - $start - $COOLDOWN, 1e-3)))")"
}

echo "prefix $prefix ($hosts responsive hosts, port $PORT), from $netns"
printf '%10s  %26s  %26s\n' "rate (pps)" "mptcpscan found (sent pps)" "zmap found (sent pps)"
best_ours=0
best_zmap=0
for rate in $RATES; do
	read -r ours ours_pps < <(count_ours "$rate")
	read -r zm zm_pps < <(count_zmap "$rate")
	printf '%10s  %6s %6s%% (%8s)  %6s %6s%% (%8s)\n' "$rate" "$ours" "$(percent "$ours")" \
		"$ours_pps" "$zm" "$(percent "$zm")" "$zm_pps"
	[ "$ours" -eq "$hosts" ] && best_ours=$rate
	[ "$zm" -eq "$hosts" ] && best_zmap=$rate
done
echo "highest rate with 100% found: mptcpscan $best_ours pps, zmap $best_zmap pps"
