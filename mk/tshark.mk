# The Wireshark/tshark plugin (tshark-plugin/mptcpscan.so), linked statically
# against libmptcpscan.a from the capi build.
#
# test-tshark runs tshark-plugin/tests/run.sh: real tshark over the shared
# captures and a capture of a real MPTCP connection made in namespaces, damaged
# copies, two passes. tshark-plugin/bench.sh is the benchmark (not a test).

APT_PACKAGES += tshark wireshark-common libwireshark-dev libglib2.0-dev tcpdump python3 iproute2 util-linux
TEST_TARGETS += test-tshark

.PHONY: tshark-plugin test-tshark bench-tshark install-tshark

tshark-plugin: deps capi
	$(MAKE) -C tshark-plugin CARGO="$(CARGO)"

test-tshark: deps tshark-plugin
	tshark-plugin/tests/run.sh

bench-tshark: deps tshark-plugin
	tshark-plugin/bench.sh

install-tshark: tshark-plugin
	$(MAKE) -C tshark-plugin install

BUILD_TARGETS += tshark-plugin
