# The capture tests (tests/captures.rs) compare our MPTCP decode with tshark's; `cargo test
# --workspace` in test-core runs them.
APT_PACKAGES += tshark
