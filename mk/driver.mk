# The driver's chain (scan → trace → chain) on the lab: acceptance test and demo steps.
#
# test-chain brings a lab up under its own name, runs the chain inside the scanner namespace and
# checks every address against the lab's ground truth; the test takes the lab down itself, even
# when it fails. The demo does the same for a person to read, then writes the report.

.PHONY: test-chain demo-chain

TEST_TARGETS += test-chain
DEMO_TARGETS += demo-chain

APT_PACKAGES += iproute2 nftables

DEMO_DIR ?= demo-out
DEMO_LAB ?= demo
MPTCPSCAN := target/release/mptcpscan

test-chain: deps
	$(CARGO) test -p mptcpscan-driver --test chain -- --ignored --nocapture

# Every step after `lab up` runs under a trap that takes the lab down, whatever happens.
demo-chain: deps
	$(CARGO) build --release -p mptcpscan-driver
	mkdir -p $(DEMO_DIR)
	@set -e; \
	trap '$(MPTCPSCAN) lab down --name $(DEMO_LAB) >/dev/null 2>&1 || true' EXIT INT TERM; \
	$(MPTCPSCAN) lab up --name $(DEMO_LAB) --force --ground-truth $(DEMO_DIR)/ground-truth.json; \
	prefixes=$$(sed -n 's/.*"prefix": *"\([^"]*\)".*/\1/p' $(DEMO_DIR)/ground-truth.json); \
	ip netns exec $(DEMO_LAB)-scan $(MPTCPSCAN) chain $$prefixes --allow-lab --ports 80,443 \
		--rate 2000 --cooldown 2 --output $(DEMO_DIR)/scan.csv --results $(DEMO_DIR)/chain.json \
		--check $(DEMO_DIR)/ground-truth.json; \
	$(MPTCPSCAN) report $(DEMO_DIR)/chain.json --out $(DEMO_DIR)/report
