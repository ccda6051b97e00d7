# The network-namespace lab (`mptcpscan lab`): its test brings the lab up, checks every class
# from the scanner namespace with raw sockets and kernel MPTCP connects, and checks the cleanup.

APT_PACKAGES += iproute2 nftables procps python3
TEST_TARGETS += test-lab

.PHONY: test-lab
test-lab: deps
	$(CARGO) build -p mptcpscan-driver
	tests/lab/run.sh target/debug/mptcpscan
