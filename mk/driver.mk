# The driver's chain (scan → trace → chain) on the lab: acceptance test and demo steps.
#
# test-chain brings a lab up under its own name, runs the chain inside the scanner namespace and
# checks every address against the lab's ground truth; the test takes the lab down itself, even
# when it fails. The demo does the same for a person to read, then writes the report, with the
# top ASes and countries from databases written for the lab's prefixes (documentation AS numbers).

.PHONY: test-chain test-rings demo-chain demo-capture

TEST_TARGETS += test-chain test-rings
DEMO_TARGETS += demo-chain demo-capture

APT_PACKAGES += iproute2 nftables

DEMO_DIR ?= demo-out
DEMO_LAB ?= demo
MPTCPSCAN := target/release/mptcpscan

# One lab at a time: the default lab, then the Internet-proportioned one at 2^13 addresses.
test-chain: deps
	$(CARGO) test -p mptcpscan-driver --test chain -- --ignored --nocapture --test-threads=1

# The scanner's transmit and receive rings on a real kernel, in a network namespace the test
# thread makes for itself: the kernel filter passes our replies and drops the rest; probes leave
# as frames to the gateway and decode byte for byte (driver/src/net/rings_test.rs).
test-rings: deps
	$(CARGO) test -p mptcpscan-driver --lib net::rings_test -- --ignored

# Every step after `lab up` runs under a trap that takes the lab down, whatever happens.
# The lab serves HTTP too: after the chain, the demo downloads from the two-path host over MPTCP
# and TCP (`fetch`), captures those downloads on both of its paths (fetch.pcap) and reads them
# back with `dissect --series`, so the report draws the ratio figure and a data transfer of its
# own, per subflow (data sequence numbers and goodput of the largest connection).
demo-chain: deps
	$(CARGO) build --release -p mptcpscan-driver
	mkdir -p $(DEMO_DIR)
	@set -e; \
	trap '$(MPTCPSCAN) lab down --name $(DEMO_LAB) >/dev/null 2>&1 || true' EXIT INT TERM; \
	$(MPTCPSCAN) lab up --name $(DEMO_LAB) --force --http --ground-truth $(DEMO_DIR)/ground-truth.json; \
	prefixes=$$(sed -n 's/.*"prefix": *"\([^"]*\)".*/\1/p' $(DEMO_DIR)/ground-truth.json); \
	ip netns exec $(DEMO_LAB)-scan tcpdump -q -i to-r1 -s 256 -U -w $(DEMO_DIR)/chain.pcap tcp or icmp or icmp6 \
		2>/dev/null & capture=$$!; \
	trap 'kill $$capture 2>/dev/null || true; $(MPTCPSCAN) lab down --name $(DEMO_LAB) >/dev/null 2>&1 || true' EXIT INT TERM; \
	sleep 1; \
	ip netns exec $(DEMO_LAB)-scan $(MPTCPSCAN) chain $$prefixes --allow-lab --ports 80,443 \
		--rate 2000 --cooldown 2 --output $(DEMO_DIR)/scan.csv --results $(DEMO_DIR)/chain.json \
		--check $(DEMO_DIR)/ground-truth.json; \
	sleep 1; kill $$capture; wait $$capture || true; \
	port=$$(sed -n '/"http"/,/"port"/s/.*"port": *\([0-9]*\).*/\1/p' $(DEMO_DIR)/ground-truth.json); \
	two_path4=$$(sed -n '/"two_path"/,/"ipv4"/s/.*"ipv4": *"\([^"]*\)".*/\1/p' $(DEMO_DIR)/ground-truth.json); \
	two_path6=$$(sed -n '/"two_path"/,/"ipv6"/s/.*"ipv6": *"\([^"]*\)".*/\1/p' $(DEMO_DIR)/ground-truth.json); \
	ip netns exec $(DEMO_LAB)-scan tcpdump -q -i any -s 256 -U -w $(DEMO_DIR)/fetch.pcap tcp port $$port \
		2>/dev/null & capture=$$!; \
	sleep 1; \
	ip netns exec $(DEMO_LAB)-scan $(MPTCPSCAN) fetch --allow-lab -n 2 --json $(DEMO_DIR)/fetch.json \
		--output $(DEMO_DIR)/fetch.csv http://$$two_path4:$$port/ "http://[$$two_path6]:$$port/"; \
	sleep 1; kill $$capture; wait $$capture || true; \
	$(MPTCPSCAN) dissect --series --json $(DEMO_DIR)/fetch-dissect.json $(DEMO_DIR)/fetch.pcap; \
	$(MPTCPSCAN) enrich --lab-databases $(DEMO_DIR)/databases --ground-truth $(DEMO_DIR)/ground-truth.json; \
	places="--asn $(DEMO_DIR)/databases/lab-asn.csv --country $(DEMO_DIR)/databases/lab-country.mmdb --as-rank $(DEMO_DIR)/databases/lab-asrank.csv"; \
	$(MPTCPSCAN) enrich $$places $(DEMO_DIR)/scan.csv --output $(DEMO_DIR)/scan-places.csv; \
	$(MPTCPSCAN) report $(DEMO_DIR)/chain.json $(DEMO_DIR)/fetch.json $(DEMO_DIR)/fetch-dissect.json \
		$$places --largest 1 --out $(DEMO_DIR)/report

# The chain's own packets, captured in the scanner namespace, read back by `mptcpscan dissect`
# (every SYN/SYN-ACK pair classified) and by tshark with our plugin (verdicts, mirror signals and
# the ICMP quote diffs of the trace). tshark as root ignores private plugin folders, so it runs
# as nobody with the freshly built plugin in a temporary folder.
demo-capture: deps tshark-plugin
	$(MPTCPSCAN) dissect $(DEMO_DIR)/chain.pcap --json $(DEMO_DIR)/dissect.json
	@set -e; plugins=$$(mktemp -d /tmp/mptcpscan-demo.XXXXXX); trap 'rm -rf $$plugins' EXIT; \
	ver=$$(pkg-config --modversion wireshark | cut -d. -f1,2); \
	mkdir -p $$plugins/$$ver/epan && cp tshark-plugin/mptcpscan.so $$plugins/$$ver/epan/; \
	chmod -R a+rX $$plugins $(DEMO_DIR); \
	echo "tshark + mptcpscan plugin: handshake verdicts in $(DEMO_DIR)/chain.pcap"; \
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$$plugins WIRESHARK_PLUGIN_DIR=$$plugins \
		tshark -r $(DEMO_DIR)/chain.pcap -Y mptcpscan.verdict -T fields -e mptcpscan.verdict \
		| sort | uniq -c | sort -rn; \
	echo "tshark + mptcpscan plugin: what the routers' ICMP quotes show happened to MP_CAPABLE"; \
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$$plugins WIRESHARK_PLUGIN_DIR=$$plugins \
		tshark -r $(DEMO_DIR)/chain.pcap -Y mptcpscan.quote.mp_capable -T fields -e mptcpscan.quote.mp_capable \
		| sort | uniq -c | sort -rn

# `make install` puts the command in $(BINDIR) beside the library (mk/capi.mk).
.PHONY: install-bin
BINDIR ?= $(PREFIX)/bin
install: install-bin

install-bin: deps
	$(CARGO) build --release -p mptcpscan-driver
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 $(MPTCPSCAN) "$(DESTDIR)$(BINDIR)/mptcpscan"
