# Live capture (`mptcpscan dissect -i IFACE`, the driver's default `live` feature): libpcap.
#
# test-live (root) creates two namespaces joined by a veth pair (198.18.254.0/30), captures real
# kernel MPTCP downloads with `dissect -i` and tcpdump at once, stops dissect with SIGINT and
# SIGTERM, and checks its results against `dissect` of tcpdump's file; the test deletes the
# namespaces itself, even when it fails. Run it by hand under `flock /tmp/mptcpscan-netns.lock`.

APT_PACKAGES += libpcap-dev tcpdump iproute2 util-linux
TEST_TARGETS += test-live

.PHONY: test-live
test-live: deps
	$(CARGO) test -p mptcpscan-driver --test live -- --ignored
