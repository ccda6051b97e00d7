# The Wireshark/tshark plugin (tshark-plugin/mptcpscan.so), linked statically
# against libmptcpscan.a from the capi build.
#
# test-tshark runs tshark-plugin/tests/run.sh: real tshark over the shared
# captures and captures of real MPTCP connections made in namespaces, damaged
# copies, two passes, and `mptcpscan dissect --checks` agreeing with the plugin
# frame by frame. tshark-plugin/bench.sh is the benchmark (not a test).
#
# check-tshark-api (tshark-plugin/check-api.sh) builds the plugin against the Wireshark 4.0, 4.2,
# 4.4 and 4.6 of Debian and Ubuntu releases, whose packages it downloads: not part of `make test`.

APT_PACKAGES += tshark wireshark-common libwireshark-dev libglib2.0-dev tcpdump python3 iproute2 util-linux \
	nftables iperf3 mptcpd
TEST_TARGETS += test-tshark

.PHONY: tshark-plugin test-tshark bench-tshark install-tshark check-tshark-api

tshark-plugin: deps capi
	$(MAKE) -C tshark-plugin CARGO="$(CARGO)"

test-tshark: deps tshark-plugin
	$(CARGO) build --release -p mptcpscan-driver
	tshark-plugin/tests/run.sh

bench-tshark: deps tshark-plugin
	tshark-plugin/bench.sh

check-tshark-api: deps capi
	tshark-plugin/check-api.sh

install-tshark: tshark-plugin
	$(MAKE) -C tshark-plugin install

BUILD_TARGETS += tshark-plugin
