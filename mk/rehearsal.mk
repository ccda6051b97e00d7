# The Internet-scale rehearsal: `mptcpscan chain --check` over a lab of 2^20 addresses in the
# proportions of the 2020 thesis's port 80 scan (docs/lab.md, "An Internet in the lab"). It runs
# for minutes, so it is not part of `make test`; `make test-chain` runs the same code path at
# 2^13 addresses. Figures: docs/benchmarks.md, "Internet-scale rehearsal".

.PHONY: rehearsal

APT_PACKAGES += time

REHEARSAL_DIR ?= rehearsal-out

rehearsal: deps
	$(CARGO) build --release -p mptcpscan-driver
	bench/rehearsal.sh $(REHEARSAL_DIR)
