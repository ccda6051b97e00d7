# Capture analysis (`mptcpscan dissect`) and the report (`mptcpscan report`).
#
# test-dissect runs the acceptance suite on the shared captures (../shared/captures, or
# /work/shared/captures): client and server captures agree, every option matches tcpdump's own
# decode and tshark's counts, malformed and truncated captures keep their results, and the report
# draws every figure. tshark is the reference decoder; DejaVu gives the PNG figures their text.
# The benchmark against tshark is bench/dissect-vs-tshark.sh (not a test).

APT_PACKAGES += tshark fonts-dejavu-core
# `make test` runs this suite once, in test-core's `cargo test --workspace`; test-dissect runs it
# alone.

.PHONY: test-dissect
test-dissect: deps
	$(CARGO) test -p mptcpscan-driver --test dissect
