#!/usr/bin/env bash
# test-lab: brings the lab up, checks every class against the ground truth from the scanner
# namespace (tests/lab/check.py), brings it down and checks that nothing is left: no namespace,
# no link, no process, no state. Then injects failures in the middle of `lab up` and checks the
# same. Needs root. Usage: tests/lab/run.sh [path/to/mptcpscan]
set -euo pipefail

BIN=$(realpath "${1:-target/debug/mptcpscan}")
# Our own lab name, so that test runs of several checkouts on one machine never collide.
NAME=${LAB_NAME:-labtest$$}
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=/run/mptcpscan-lab/$NAME
TMP=$(mktemp -d)

cleanup() {
	"$BIN" lab down --name "$NAME" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "test-lab: needs root (network namespaces)" >&2
	exit 1
fi

fail() {
	echo "test-lab: FAIL: $*" >&2
	exit 1
}

# Prints whatever of the lab is still there.
leftovers() {
	ip netns list | awk '{print $1}' | grep "^$NAME-" || true
	pgrep -af -- "$STATE/" || true
	ip -o link show | grep -E ': (to-|mb-|v0[:@])' || true
	[ ! -e "$STATE" ] || echo "state directory $STATE"
}

expect_clean() {
	local left
	left=$(leftovers)
	[ -z "$left" ] || fail "$1: left behind: $left"
	echo "ok   $1: nothing left"
}

"$BIN" lab down --name "$NAME" >/dev/null

echo "== lab up"
"$BIN" lab up --name "$NAME" --ground-truth "$TMP/truth.json" >"$TMP/up.txt"
grep -q "scanner: ip netns exec $NAME-scan" "$TMP/up.txt" || fail "lab up does not say how to reach the scanner"
cmp -s "$TMP/truth.json" "$STATE/ground-truth.json" || fail "--ground-truth differs from the state copy"

if "$BIN" lab up --name "$NAME" >"$TMP/again.txt" 2>&1; then
	fail "a second lab up with the same name succeeded"
fi
grep -q "already up" "$TMP/again.txt" || fail "second lab up: $(cat "$TMP/again.txt")"
echo "ok   a second lab up is refused"

"$BIN" lab status --name "$NAME" >"$TMP/status.txt"
grep -q "daemon listen-mptcp: pid [0-9]* alive" "$TMP/status.txt" || fail "status: $(cat "$TMP/status.txt")"
! grep -q DEAD "$TMP/status.txt" || fail "a daemon is dead: $(cat "$TMP/status.txt")"
grep -q "2001:db8:1:b::/124 *silent" "$TMP/status.txt" || fail "status lacks the prefixes"
echo "ok   lab status shows $(grep -c alive "$TMP/status.txt") live daemons and the prefixes"

echo "== checks from the scanner namespace"
ip netns exec "$NAME-scan" python3 "$HERE/check.py" "$TMP/truth.json"

echo "== a daemon that dies shows in lab status"
kill "$(cat "$STATE/daemons/middlebox-mirror-full.pid")"
sleep 0.2
"$BIN" lab status --name "$NAME" >"$TMP/status.txt"
grep -q "daemon middlebox-mirror-full: pid [0-9]* DEAD" "$TMP/status.txt" || fail "status misses the dead daemon"
"$BIN" lab status --name "$NAME" | head -1 >/dev/null || fail "lab status into a closed pipe"
echo "ok   lab status reports the killed daemon as DEAD"

echo "== lab down"
"$BIN" lab down --name "$NAME"
expect_clean "lab down"

echo "== a stale namespace is refused, then cleaned by --force"
ip netns add "$NAME-r2"
if "$BIN" lab up --name "$NAME" >/dev/null 2>&1; then
	fail "lab up over a stale namespace succeeded"
fi
"$BIN" lab up --name "$NAME" --force --classes tcp >/dev/null
"$BIN" lab down --name "$NAME" >/dev/null
expect_clean "lab up --force then down"

echo "== failures injected during lab up"
for step in 0 1 40 120 100000; do
	if "$BIN" lab up --name "$NAME" --fail-after "$step" >"$TMP/fail.txt" 2>&1; then
		fail "lab up --fail-after $step succeeded"
	fi
	grep -q "failure injected" "$TMP/fail.txt" || fail "--fail-after $step: $(cat "$TMP/fail.txt")"
	expect_clean "lab up failing after $step steps"
done

echo "test-lab: all passed"
