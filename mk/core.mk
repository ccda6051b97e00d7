# The no_std core crate and the workspace-wide checks.

.PHONY: build test-core

build: deps
	$(CARGO) build --release --workspace

test-core: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p mptcpscan
	$(CARGO) build -p mptcpscan --no-default-features --target thumbv7em-none-eabihf
	$(CARGO) test -p mptcpscan --no-default-features
	$(CARGO) test --workspace
