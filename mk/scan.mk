# The scanner as an operator meets it: exit status and outputs on failure, Ctrl-C and a closed
# pipe, the metadata file, --firewall, the dry run and the default blocklist
# (driver/tests/scan.rs; the root tests build their own network namespaces and delete them; the
# dry-run and blocklist tests need no root and run with `cargo test --workspace` in test-core).
# `make install` also installs the default blocklist.

.PHONY: test-scan install-blocklist

APT_PACKAGES += iproute2 nftables python3
TEST_TARGETS += test-scan

# /etc for a system install (PREFIX=/usr, as Debian packages have it), else beside the prefix.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

# Only the ignored (root) tests: cargo test --workspace in test-core runs the others.
test-scan: deps
	$(CARGO) test -p mptcpscan-driver --test scan -- --ignored --test-threads 1

# The binary looks for it in ../etc/mptcpscan beside its own folder, then /etc/mptcpscan.
install: install-blocklist
install-blocklist:
	install -d "$(DESTDIR)$(SYSCONFDIR)/mptcpscan"
	install -m 644 driver/blocklist.conf "$(DESTDIR)$(SYSCONFDIR)/mptcpscan/blocklist.conf"
