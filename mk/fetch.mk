# `mptcpscan fetch` (HTTP downloads over kernel MPTCP against plain TCP) on the lab.
#
# test-fetch brings a lab up with --http under its own name (HTTP servers, the two-path host),
# fetches from the scanner namespace and checks what MPTCP_INFO says against the ground truth:
# two subflows to the two-path host and an MPTCP median faster than TCP's there, fallback behind
# both strippers; then draws the report's ratio figure. The test takes its lab down itself.

.PHONY: test-fetch

TEST_TARGETS += test-fetch

# tc (the two-path host's token buckets) is in iproute2.
APT_PACKAGES += iproute2

test-fetch: deps
	$(CARGO) test -p mptcpscan-driver --test fetch -- --ignored --nocapture
