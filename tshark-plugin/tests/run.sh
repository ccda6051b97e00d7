#!/bin/bash
# Tests of the mptcpscan tshark plugin, with the real tshark:
#  - the plugin loads from a private plugin folder, every field has a blurb;
#  - exact values over the shared captures (../shared/captures) and over a
#    capture of a real Linux MPTCP connection made here (namespaces, DSS
#    checksums on, extra subflows, ADD_ADDR): every HMAC and DSS checksum the
#    kernel produced verifies, tokens and IDSNs agree with Wireshark's own;
#  - the same captures with one byte inverted in an HMAC, a checksum, a key or
#    a payload are flagged, with expert infos;
#  - `tshark -2` gives the same values as one pass;
#  - `mptcpscan dissect --checks` gives every frame of every capture here the
#    same checks as the plugin (both use libmptcpscan's connection tracker),
#    including real connections with MP_CAPABLE data, DATA_FIN, and a payload
#    byte changed in flight so that the server answers with MP_FAIL;
#  - robustness: corrupted and truncated copies of every capture never crash
#    or hang tshark, which exits as it does without the plugin.
#
# As root (CI), tshark runs as nobody: root ignores plugin folders.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
plugin=$here/../mptcpscan.so
repo=$(cd "$here/../.." && pwd)
mptcpscan=${MPTCPSCAN:-$repo/target/release/mptcpscan}
fuzz_seeds=${FUZZ_SEEDS:-6}

if [ -d "$repo/../shared/captures" ]; then
	shared=$repo/../shared/captures
elif [ -d /work/shared/captures ]; then
	shared=/work/shared/captures
else
	echo "tshark-plugin tests: no shared captures in $repo/../shared or /work/shared" >&2
	exit 1
fi
[ -f "$plugin" ] || { echo "tshark-plugin tests: build $plugin first (make -C tshark-plugin)" >&2; exit 1; }
[ -x "$mptcpscan" ] || { echo "tshark-plugin tests: build $mptcpscan first (cargo build --release -p mptcpscan-driver)" >&2; exit 1; }

work=$(mktemp -d /tmp/mptcpscan-tshark.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
ws_series=$(pkg-config --modversion wireshark | cut -d. -f1,2)
# Wireshark 4.0 loads <WIRESHARK_PLUGIN_DIR>/<major.minor>/epan/*.so.
mkdir -p "$work/plugins/$ws_series/epan" "$work/noplugins" "$work/caps"
cp "$plugin" "$work/plugins/$ws_series/epan/"
chmod -R a+rX "$work"

passed=0
failed=0

runas=(env)
if [ "$(id -u)" = 0 ]; then
	runas=(setpriv --reuid=65534 --regid=65534 --clear-groups env)
fi

tsk() {
	"${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" tshark "$@"
}

tsk_plain() {
	"${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$work/noplugins" tshark "$@"
}

ok() {
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $*" >&2
	failed=$((failed + 1))
}

# expect NAME EXPECTED ACTUAL
expect() {
	if [ "$2" == "$3" ]; then
		ok
	else
		fail "$1: expected [$2], got [$3]"
	fi
}

# fields FILE FILTER FIELD...: one line per matching frame, values '|'-separated.
fields() {
	local file=$1 filter=$2
	shift 2
	local args=()
	for f in "$@"; do
		args+=(-e "$f")
	done
	tsk -r "$file" -Y "$filter" -T fields -E separator='|' -E occurrence=a "${args[@]}" 2>/dev/null
}

# count FILE FILTER: how many frames match.
count() {
	tsk -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l
}

# Captures are copied so that the unprivileged tshark can read them.
for f in "$shared"/*/*.pcap; do
	cp "$f" "$work/caps/$(basename "$(dirname "$f")")-$(basename "$f")"
done

python3 "$here/make_quote_capture.py" "$work/caps/quote.pcap"
chmod 644 "$work/caps/quote.pcap"

echo "== plugin loads"
expect "plugin listed" 1 "$(tsk -G plugins | grep -c 'mptcpscan\.so')"
nfields=$(tsk -G fields | awk -F'\t' '$1 == "F" && $3 ~ /^mptcpscan\./ && $3 !~ /^mptcpscan\.expert\./' | wc -l)
nblurbs=$(tsk -G fields | awk -F'\t' '$1 == "F" && $3 ~ /^mptcpscan\./ && $8 != ""' | wc -l)
[ "$nfields" -ge 20 ] && ok || fail "only $nfields mptcpscan fields"
expect "every field has a blurb" "$nfields" "$nblurbs"
expect "expert infos registered" 13 "$(tsk -G fields | awk -F'\t' '$3 ~ /^mptcpscan\.expert\./' | wc -l)"
expect "preferences" 7 "$(tsk -G defaultprefs | grep -c '^#mptcpscan\.check_')"

echo "== tcpdump captures: exact values"
c=$work/caps/tcpdump-mptcp-v0.pcap
expect "v0 handshake" "2|mptcp-v0|1|0x00000000||31" \
	"$(fields "$c" mptcpscan.verdict frame.number mptcpscan.verdict mptcpscan.syn_frame \
		mptcpscan.signal_bits mptcpscan.signals mptcpscan.key_weight)"
expect "v0 keys" "3|0x9c9eabd1e46a33b2,0x967d2770b6960552|0xaf9706eb,0xe47f0142|10975753215851282121,16464867208451421327" \
	"$(fields "$c" frame.number==3 frame.number mptcpscan.key mptcpscan.token mptcpscan.idsn)"
expect "v0 join" "8|1||1
9||valid|
10||valid|" \
	"$(fields "$c" 'mptcpscan.subtype=="MP_JOIN"' frame.number mptcpscan.join.token_known \
		mptcpscan.join.hmac mptcpscan.join.connection)"
expect "v0 ADD_ADDR" "4|private|1" \
	"$(fields "$c" 'mptcpscan.subtype=="ADD_ADDR"' frame.number mptcpscan.add_addr.scope mptcpscan.add_addr.leak)"
expect "v0 DSS checksums all valid" "153 0" \
	"$(count "$c" 'mptcpscan.dss.checksum=="valid"') $(count "$c" 'mptcpscan.dss.checksum!="valid"')"

c=$work/caps/tcpdump-mptcp-aa-v1.pcap
expect "ADD_ADDR pre-RFC HMAC" "13|pre-rfc-truncation|private|1" \
	"$(fields "$c" 'mptcpscan.subtype=="ADD_ADDR"' frame.number mptcpscan.add_addr.hmac \
		mptcpscan.add_addr.scope mptcpscan.add_addr.leak)"
expect "v1 handshake" "4|mptcp-v1|3" \
	"$(fields "$c" mptcpscan.verdict frame.number mptcpscan.verdict mptcpscan.syn_frame)"
c=$work/caps/tcpdump-mptcp-aa-echo.pcap
expect "ADD_ADDR without handshake" "1|unverifiable|private
2||private" \
	"$(fields "$c" 'mptcpscan.subtype=="ADD_ADDR"' frame.number mptcpscan.add_addr.hmac mptcpscan.add_addr.scope)"
c=$work/caps/tcpdump-mptcp-fclose.pcap
expect "MP_FASTCLOSE key" "10|valid" \
	"$(fields "$c" 'mptcpscan.subtype=="MP_FASTCLOSE"' frame.number mptcpscan.fastclose.key)"
c=$work/caps/tcpdump-mptcp-tcprst.pcap
expect "MP_TCPRST reasons" "1|unspecified error
2|MPTCP-specific error" \
	"$(fields "$c" 'mptcpscan.subtype=="MP_TCPRST"' frame.number mptcpscan.tcprst.reason)"
c=$work/caps/tcpdump-mptcp-dss-oobr.pcap
expect "malformed DSS" "1|MPTCP option length not allowed for its subtype" \
	"$(fields "$c" mptcpscan.error frame.number mptcpscan.error)"
expect "malformed DSS expert" 1 \
	"$(tsk -r "$c" -q -z expert,error 2>/dev/null | grep -c 'MPTCP option does not decode')"

echo "== other projects' captures"
c=$work/caps/pymptcpanalyzer-iperf-mptcp-0-0.pcap
expect "iperf DSS checksums all valid" "1659 0" \
	"$(count "$c" 'mptcpscan.dss.checksum=="valid"') $(count "$c" 'mptcpscan.dss.checksum!="valid"')"
for side in client server; do
	c=$work/caps/pymptcpanalyzer-${side}_2.pcap
	expect "$side join HMACs valid" 0 "$(count "$c" 'mptcpscan.join.hmac!="valid"')"
	expect "$side join tokens known" 0 "$(count "$c" 'mptcpscan.join.token_known==0')"
done
expect "client join HMACs" 27 "$(count "$work/caps/pymptcpanalyzer-client_2.pcap" 'mptcpscan.join.hmac')"
expect "plain TCP: nothing" 0 "$(count "$work/caps/pymptcpanalyzer-client_1_tcp_only.pcap" mptcpscan)"
# -Y mptcpscan matches only frames with a finding: no frame with mptcpscan and none of the fields
# that hold one (an option alone, with its subtype, is Wireshark's own MPTCP dissector's).
findings='mptcpscan.verdict || mptcpscan.error || mptcpscan.key || mptcpscan.join.token_known ||
	mptcpscan.join.hmac || mptcpscan.add_addr.hmac || mptcpscan.add_addr.scope ||
	mptcpscan.dss.checksum || mptcpscan.dss.mapping_frame || mptcpscan.fastclose.key ||
	mptcpscan.fail.dsn || mptcpscan.tcprst.reason || mptcpscan.quote.probe_frame'
for c in "$work"/caps/*.pcap; do
	expect "$(basename "$c"): no frame with empty mptcpscan fields" 0 \
		"$(count "$c" "mptcpscan && !($findings)")"
done

echo "== ICMP time-exceeded quotes of a probe (tracebox)"
c=$work/caps/quote.pcap
expect "quote diffs" "2|1||intact
4|3|IP::TTL IP::CheckSum TCP::CheckSum +TCPOptionPad -TCPOptionMPTCPCapable|replaced-by-nops
6|5|IP::TTL IP::CheckSum [PARTIAL]|no-information" \
	"$(fields "$c" mptcpscan.quote.probe_frame frame.number mptcpscan.quote.probe_frame \
		mptcpscan.quote.changes mptcpscan.quote.mp_capable)"
expect "quote change items" "-TCPOptionMPTCPCapable" \
	"$(fields "$c" 'mptcpscan.quote.change=="-TCPOptionMPTCPCapable"' mptcpscan.quote.change | tr ',' '\n' | grep MPTCP)"
expect "quote expert" 1 "$(tsk -r "$c" -q -z expert,warn 2>/dev/null |
	grep -c "changed the probe's MP_CAPABLE before this hop: replaced-by-nops")"
expect "check_quote off" 0 "$(tsk -o mptcpscan.check_quote:FALSE -r "$c" -Y mptcpscan.quote.changes \
	-T fields -e frame.number 2>/dev/null | wc -l)"

echo "== tokens and IDSNs agree with Wireshark's own derivation"
for c in "$work"/caps/*.pcap; do
	diff <(fields "$c" 'tcp.flags.syn==1 && mptcpscan.token' mptcpscan.token mptcpscan.idsn) \
		<(fields "$c" 'tcp.flags.syn==1 && mptcpscan.token' mptcp.expected_token mptcp.expected_idsn |
			awk -F'|' '{ printf "0x%08x|%s\n", $1, $2 }') >/dev/null &&
		ok || fail "tokens of $(basename "$c") differ from Wireshark's"
done

# own_capture FAMILY SCOPE: a real Linux MPTCP v1 connection over IPv4 or IPv6.
own_capture() {
	local own=$work/caps/own$1.pcap ndss njoin
	echo "== a real Linux MPTCP v1 connection (IPv$1), DSS checksums on, extra subflows"
	"$here/make_capture.sh" "$own" "$1"
	chmod 644 "$own"
	expect "own$1 handshake" "mptcp-v1" "$(fields "$own" mptcpscan.verdict mptcpscan.verdict)"
	ndss=$(count "$own" 'mptcpscan.dss.checksum=="valid"')
	[ "$ndss" -ge 40 ] && ok || fail "own$1: only $ndss valid DSS checksums"
	expect "own$1: no DSS checksum but valid" 0 "$(count "$own" 'mptcpscan.dss.checksum!="valid"')"
	expect "own$1: every DSS mapping checked" \
		"$(count "$own" 'tcp.options.mptcp.dseqnpresent.flag==1')" \
		"$(count "$own" 'mptcpscan.dss.checksum && mptcpscan.subtype=="DSS"')"
	njoin=$(count "$own" 'mptcpscan.join.hmac=="valid"')
	[ "$njoin" -ge 2 ] && ok || fail "own$1: only $njoin valid MP_JOIN HMACs"
	expect "own$1: join HMACs" 0 "$(count "$own" 'mptcpscan.join.hmac!="valid"')"
	expect "own$1: join tokens" 0 "$(count "$own" 'mptcpscan.join.token_known==0')"
	expect "own$1: ADD_ADDR" "valid|$2|1" \
		"$(fields "$own" 'mptcpscan.add_addr.hmac' mptcpscan.add_addr.hmac mptcpscan.add_addr.scope mptcpscan.add_addr.leak)"
	expect "own$1: first data on MP_CAPABLE" 0 \
		"$(count "$own" 'mptcpscan.subtype=="MP_CAPABLE" && tcp.len>0 && mptcpscan.dss.checksum!="valid"')"
}

# fail_capture FAMILY: the same with one payload byte changed in flight.
fail_capture() {
	local own=$work/caps/fail$1.pcap
	echo "== a real Linux MPTCP v1 connection (IPv$1), one payload byte changed in flight"
	"$here/make_capture.sh" "$own" "$1" flip
	chmod 644 "$own"
	expect "fail$1: the changed segment's DSS checksum" "invalid" \
		"$(fields "$own" 'mptcpscan.dss.checksum=="invalid"' mptcpscan.dss.checksum)"
	expect "fail$1: MP_FAIL follows" 1 "$(count "$own" 'mptcpscan.fail.dsn')"
	expect "fail$1: first data on MP_CAPABLE checked" "valid" \
		"$(fields "$own" 'mptcpscan.subtype=="MP_CAPABLE" && tcp.len>0' mptcpscan.dss.checksum)"
	[ "$(count "$own" 'tcp.options.mptcp.datafin.flag==1 && mptcpscan.dss.checksum=="valid"')" -ge 1 ] &&
		ok || fail "fail$1: no DATA_FIN checksum checked"
	[ "$(count "$own" 'mptcpscan.join.hmac=="valid"')" -ge 2 ] && ok || fail "fail$1: joins"
}

if [ "$(id -u)" = 0 ]; then
	own_capture 4 benchmarking
	own_capture 6 documentation
	fail_capture 4
	fail_capture 6
else
	echo "(not root: no namespaces, own captures skipped)"
fi

echo "== one byte inverted: flagged"
# flipped NAME CAPTURE FILTER-FOR-FRAME REGION DELTA FIELD EXPECTED EXPERT-TEXT
flipped() {
	local name=$1 cap=$2 filter=$3 region=$4 delta=$5 field=$6 want=$7 expert=$8
	local frame out=$work/flip.pcap
	frame=$(tsk -r "$cap" -Y "$filter" -T fields -e frame.number 2>/dev/null | head -n 1)
	[ -n "$frame" ] || { fail "$name: no frame matches $filter"; return; }
	python3 "$here/patch_pcap.py" "$cap" "$out" "$frame" "$region" "$delta"
	chmod 644 "$out"
	expect "$name" "$want" "$(fields "$out" "frame.number==$frame" "$field" | cut -d, -f1)"
	tsk -r "$out" -q -z expert 2>/dev/null | grep -q "$expert" && ok ||
		fail "$name: no expert info \"$expert\""
}
c=$work/caps/tcpdump-mptcp-v0.pcap
flipped "v0 join SYN-ACK HMAC" "$c" 'mptcpscan.join.hmac && tcp.flags.syn==1' option 4 \
	mptcpscan.join.hmac invalid "MP_JOIN HMAC is wrong"
flipped "v0 join ACK HMAC" "$c" 'mptcpscan.join.hmac && tcp.flags.syn==0' option -1 \
	mptcpscan.join.hmac invalid "MP_JOIN HMAC is wrong"
flipped "v0 join token" "$c" 'mptcpscan.join.token_known' option 5 \
	mptcpscan.join.token_known 0 "belongs to no connection"
flipped "v0 DSS payload" "$c" 'mptcpscan.dss.checksum && tcp.len>0' payload 0 \
	mptcpscan.dss.checksum invalid "DSS checksum is wrong"
flipped "v0 DSS checksum" "$c" 'mptcpscan.dss.checksum && tcp.len>0' option=2 -1 \
	mptcpscan.dss.checksum invalid "DSS checksum is wrong"
flipped "v1 ADD_ADDR HMAC" "$work/caps/tcpdump-mptcp-aa-v1.pcap" 'mptcpscan.add_addr.hmac' option=3 -1 \
	mptcpscan.add_addr.hmac invalid "ADD_ADDR HMAC is wrong"
flipped "MP_FASTCLOSE key" "$work/caps/tcpdump-mptcp-fclose.pcap" 'mptcpscan.fastclose.key' option=7 -1 \
	mptcpscan.fastclose.key invalid "MP_FASTCLOSE"
for own in "$work"/caps/own4.pcap "$work"/caps/own6.pcap; do
	[ -f "$own" ] || continue
	n=$(basename "$own" .pcap)
	flipped "$n join SYN-ACK HMAC" "$own" 'mptcpscan.join.hmac && tcp.flags.syn==1' option=1 5 \
		mptcpscan.join.hmac invalid "MP_JOIN HMAC is wrong"
	flipped "$n join ACK HMAC" "$own" 'mptcpscan.join.hmac && tcp.flags.syn==0' option=1 -1 \
		mptcpscan.join.hmac invalid "MP_JOIN HMAC is wrong"
	flipped "$n ADD_ADDR HMAC" "$own" 'mptcpscan.add_addr.hmac' option=3 -2 \
		mptcpscan.add_addr.hmac invalid "ADD_ADDR HMAC is wrong"
	flipped "$n DSS payload" "$own" 'mptcpscan.dss.checksum && mptcpscan.subtype=="DSS" && tcp.len>10' payload 7 \
		mptcpscan.dss.checksum invalid "DSS checksum is wrong"
	flipped "$n DSS checksum" "$own" 'mptcpscan.dss.checksum && mptcpscan.subtype=="DSS"' option=2 -2 \
		mptcpscan.dss.checksum invalid "DSS checksum is wrong"
	# A mapping cut over two segments (a TSO split) is summed across them.
	frame=$(tsk -r "$own" -Y 'mptcpscan.dss.checksum=="valid" && mptcpscan.subtype=="DSS" && tcp.len>100' \
		-T fields -e frame.number 2>/dev/null | head -n 1)
	python3 "$here/split_segment.py" "$own" "$work/split.pcap" "$frame"
	chmod 644 "$work/split.pcap"
	expect "$n mapping over two segments" "$frame|spans-segments|
$((frame + 1))|valid|$frame" \
		"$(fields "$work/split.pcap" "frame.number==$frame || frame.number==$((frame + 1))" \
			frame.number mptcpscan.dss.checksum mptcpscan.dss.mapping_frame)"
	expect "$n every checksum still valid" 0 \
		"$(count "$work/split.pcap" 'mptcpscan.dss.checksum!="valid" && mptcpscan.dss.checksum!="spans-segments"')"
	cp "$work/split.pcap" "$work/caps/$n-split.pcap"
	flipped "$n mapping over two segments, payload" "$work/caps/$n-split.pcap" \
		"frame.number==$((frame + 1))" payload 3 mptcpscan.dss.checksum invalid "DSS checksum is wrong"
	# The kernel sends the first data with MP_CAPABLE or with DSS, racing the third ACK.
	if [ "$(count "$own" 'mptcpscan.subtype=="MP_CAPABLE" && tcp.len>0')" -gt 0 ]; then
		flipped "$n MP_CAPABLE data" "$own" 'mptcpscan.subtype=="MP_CAPABLE" && tcp.len>0' payload 0 \
			mptcpscan.dss.checksum invalid "DSS checksum is wrong"
	fi
done

echo "== dissect and the plugin agree frame by frame"
check_fields=(-e frame.number -e mptcpscan.verdict -e mptcpscan.token -e mptcpscan.join.token_known
	-e mptcpscan.join.hmac -e mptcpscan.add_addr.hmac -e mptcpscan.fastclose.key
	-e mptcpscan.dss.checksum -e mptcpscan.unverifiable)
check_filter='mptcpscan.verdict || mptcpscan.token || mptcpscan.join.token_known || mptcpscan.join.hmac || mptcpscan.add_addr.hmac || mptcpscan.fastclose.key || mptcpscan.dss.checksum || mptcpscan.unverifiable'
nframes=0
for c in "$work"/caps/*.pcap; do
	tsk -r "$c" -Y "$check_filter" -T fields -E separator='|' -E occurrence=a \
		"${check_fields[@]}" >"$work/plugin.checks" 2>/dev/null
	"$mptcpscan" dissect -q --checks - "$c" 2>/dev/null | grep -v '^#' >"$work/dissect.checks" || true
	if cmp -s "$work/plugin.checks" "$work/dissect.checks"; then
		ok
	else
		fail "dissect and the plugin differ on $(basename "$c"): $(diff "$work/plugin.checks" "$work/dissect.checks" | head -n 4 | tr '\n' ' ')"
	fi
	nframes=$((nframes + $(wc -l <"$work/plugin.checks")))
done
echo "($nframes frames with checks compared)"
[ "$nframes" -ge 2000 ] && ok || fail "only $nframes frames compared"

echo "== expert infos"
expert=$(tsk -r "$work/caps/tcpdump-mptcp-aa-v1.pcap" -q -z expert 2>/dev/null)
grep -q 'ADD_ADDR advertises a private address' <<<"$expert" && ok || fail "no leak expert info"
grep -q 'pre-RFC' <<<"$expert" && ok || fail "no pre-RFC expert info"
grep -q 'MP_TCPRST reason: MPTCP-specific error' <<<"$(tsk -r "$work/caps/tcpdump-mptcp-tcprst.pcap" -q -z expert 2>/dev/null)" &&
	ok || fail "no MP_TCPRST expert info"

echo "== preferences turn checks off"
expect "check_dss off" 0 "$(tsk -o mptcpscan.check_dss:FALSE -r "$work/caps/tcpdump-mptcp-v0.pcap" \
	-Y mptcpscan.dss.checksum -T fields -e frame.number 2>/dev/null | wc -l)"
expect "check_join off" 0 "$(tsk -o mptcpscan.check_join:FALSE -r "$work/caps/tcpdump-mptcp-v0.pcap" \
	-Y mptcpscan.join.hmac -T fields -e frame.number 2>/dev/null | wc -l)"

echo "== one corpus, every host (tests/corpus/expected.tsv)"
# Each entry becomes a capture (corpus_pcap.py: the SYN of every TTL, the
# router's quote, the answer) read by the real tshark with the plugin. The
# plugin classifies the answer against the SYN in the capture, as the driver,
# the Lua module and the ZMap module classify it against the SYN they sent:
# verdict, signals and optionstext must be the corpus's ("-" when nothing
# answered). A trace outcome is the combination of every hop of one trace;
# the plugin dissects packet by packet and gives none. What it gives per hop,
# the MP_CAPABLE hop kind of each ICMP quote, is compared with the entry's
# lab ground truth (`expect-hop` lines) instead.
mkdir -p "$work/corpus"
corpus_entries=0
# (A tab is whitespace to `read`: two in a row would be one separator.)
while IFS='|' read -r entry verdict signals text _conclusion; do
	name=$(basename "$entry" .txt)
	python3 "$here/corpus_pcap.py" "$repo/$entry" "$work/corpus/$name.pcap" >"$work/corpus/$name.ttl"
	chmod 644 "$work/corpus/$name.pcap"
	got=$(tsk -r "$work/corpus/$name.pcap" -Y mptcpscan.verdict -T fields -E separator=/t \
		-e mptcpscan.verdict -e mptcpscan.signals -e mptcpscan.optionstext 2>/dev/null)
	[ -n "$got" ] || got=$'-\t\t-'
	expect "corpus $name" "$verdict"$'\t'"$signals"$'\t'"$text" "$got"
	want_hops=$(awk '$1 == "expect-hop" { print $2, $3 }' "$repo/$entry")
	if [ -n "$want_hops" ]; then
		# The probe frame each quote names, as the TTL it was sent with.
		got_hops=$(tsk -r "$work/corpus/$name.pcap" -Y mptcpscan.quote.mp_capable -T fields \
			-e mptcpscan.quote.probe_frame -e mptcpscan.quote.mp_capable 2>/dev/null |
			awk 'NR == FNR { ttl[$1] = $2; next } { sub(/\(.*/, "", $2); print ttl[$1], $2 }' \
				"$work/corpus/$name.ttl" -)
		expect "corpus $name: MP_CAPABLE per hop" "$want_hops" "$got_hops"
	fi
	corpus_entries=$((corpus_entries + 1))
done < <(tr '\t' '|' <"$repo/tests/corpus/expected.tsv")
expect "corpus entries" 35 "$corpus_entries"

echo "== two passes give the same values"
all_fields=(-e frame.number -e mptcpscan.verdict -e mptcpscan.signals -e mptcpscan.token
	-e mptcpscan.join.token_known -e mptcpscan.join.hmac -e mptcpscan.add_addr.hmac
	-e mptcpscan.dss.checksum -e mptcpscan.fastclose.key -e mptcpscan.error
	-e mptcpscan.quote.changes -e mptcpscan.quote.mp_capable -e mptcpscan.optionstext)
for c in "$work"/caps/*.pcap; do
	one=$(tsk -r "$c" -T fields -E occurrence=a "${all_fields[@]}" 2>/dev/null | md5sum)
	two=$(tsk -2 -r "$c" -T fields -E occurrence=a "${all_fields[@]}" 2>/dev/null | md5sum)
	expect "tshark -2 on $(basename "$c")" "$one" "$two"
done

echo "== corrupted and truncated captures"
# same_exit NAME FILE: tshark with and without the plugin, full dissection.
same_exit() {
	local rc_plain=0 rc_plugin=0
	timeout 120 "${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$work/noplugins" \
		tshark -r "$2" -V >/dev/null 2>&1 || rc_plain=$?
	timeout 120 "${runas[@]}" HOME="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" \
		tshark -r "$2" -V -z expert >/dev/null 2>&1 || rc_plugin=$?
	if [ "$rc_plugin" -ge 124 ] || [ "$rc_plugin" != "$rc_plain" ]; then
		fail "$1: exit $rc_plugin with the plugin, $rc_plain without"
	else
		ok
	fi
}
nfuzz=0
for c in "$work"/caps/*.pcap; do
	name=$(basename "$c")
	seeds=$fuzz_seeds
	[ "$(stat -c %s "$c")" -gt 1000000 ] && seeds=1
	for seed in $(seq 1 "$seeds"); do
		editcap -E 0.02 --seed "$seed" "$c" "$work/fuzz.pcap" >/dev/null 2>&1
		chmod 644 "$work/fuzz.pcap"
		same_exit "$name seed $seed" "$work/fuzz.pcap"
		nfuzz=$((nfuzz + 1))
	done
	editcap -s 70 "$c" "$work/fuzz.pcap" >/dev/null 2>&1
	chmod 644 "$work/fuzz.pcap"
	same_exit "$name snaplen 70" "$work/fuzz.pcap"
	size=$(stat -c %s "$c")
	head -c $((size * 2 / 3)) "$c" >"$work/fuzz.pcap"
	same_exit "$name cut short" "$work/fuzz.pcap"
	nfuzz=$((nfuzz + 2))
done
echo "($nfuzz damaged captures)"

echo "tshark-plugin tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
