#!/usr/bin/env bash
# Benchmark (not a test): HTTP downloads over kernel MPTCP against plain TCP in the lab, with
# `mptcpscan fetch`, and the report's ratio figure.
#
#   bench/fetch-lab.sh [OUT_DIR] [COUNT]      (default /tmp/mptcpscan-fetch-bench, 10)
#
# Brings up a lab named fetchb with --http (root; run it under
# `flock /tmp/mptcpscan-netns.lock` on a shared machine), fetches from the scanner namespace
# COUNT times per socket kind: 8 MiB from the two-path host (IPv4 and IPv6), and 1 MiB from a
# kernel MPTCP host, a plain TCP host and the hosts behind both strippers; then 8 MiB over
# HTTPS from the two-path host (IPv4 and IPv6, verified with the lab's CA); writes fetch.csv,
# fetch.json, fetch-https.{csv,json} and report/ into OUT_DIR, prints the per-target table and
# the load average, and
# takes the lab down, also on failure. Uses $MPTCPSCAN if set, else the release binary, rebuilt
# first so that it matches the source (the lab's daemons are this same binary). The downloads'
# times come from the lab's shaping, not from the binary: a debug build measures the same.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/mptcpscan-fetch-bench}
count=${2:-10}
lab=fetchb
if [ -n "${MPTCPSCAN:-}" ]; then
	bin=$(realpath "$MPTCPSCAN")
else
	cargo build --release -p mptcpscan-driver --manifest-path "$repo/Cargo.toml"
	bin=$repo/target/release/mptcpscan
fi
mkdir -p "$out"
trap '"$bin" lab down --name $lab >/dev/null 2>&1 || true' EXIT INT TERM
"$bin" lab up --name $lab --force --http --classes mptcp-v1,tcp,strip-nop,strip-shrink \
	--ground-truth "$out/ground-truth.json" | grep -E "two-path|HTTP"
port=8080
urls=(http://198.18.0.70:$port/ "http://[2001:db8:0:41::2]:$port/")
for net in 198.18.1 198.18.2 198.18.3 198.18.4; do
	urls+=("http://$net.1:$port/1048576")
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ip netns exec $lab-scan "$bin" fetch --allow-lab -n "$count" --output "$out/fetch.csv" \
	--json "$out/fetch.json" "${urls[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tls_port=8443
ca=/run/mptcpscan-lab/$lab/tls/ca.pem
echo "HTTPS, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ip netns exec $lab-scan "$bin" fetch --allow-lab -n "$count" --ca-file "$ca" \
	--output "$out/fetch-https.csv" --json "$out/fetch-https.json" \
	https://198.18.0.70:$tls_port/ "https://[2001:db8:0:41::2]:$tls_port/"
echo "HTTPS, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median TLS handshake (ms), per socket kind:"
python3 - "$out/fetch-https.json" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for socket in ("mptcp", "tcp"):
    tls = [r["tls_ms"] for r in rows if r["socket"] == socket and r["tls_ms"] is not None]
    print(f"  {socket}: {statistics.median(tls):.1f} (n = {len(tls)})")
PY
"$bin" report "$out/fetch.json" "$out/fetch-https.json" -o "$out/report" | sed -n '/^Downloads/,/^$/p'
