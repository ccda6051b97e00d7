# The no_std core crate and the workspace-wide checks.

.PHONY: build test-core test-msrv

# The oldest Rust the workspace builds with: `rust-version` in Cargo.toml (what our dependencies
# need: sha2 0.11 and libloading 0.9 say 1.88), checked with that very toolchain.
RUST_VERSION := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
MSRV_TOOLCHAIN := $(RUST_VERSION).0
RUSTUP_TOOLCHAINS += $(MSRV_TOOLCHAIN)

build: deps
	$(CARGO) build --release --workspace

test-core: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p mptcpscan
	$(CARGO) build -p mptcpscan --no-default-features --target thumbv7em-none-eabihf
	$(CARGO) test -p mptcpscan --no-default-features
	$(CARGO) test --workspace
	$(MAKE) --no-print-directory test-msrv

# Its own target directory: the old compiler's artifacts never mix with the current one's.
test-msrv: deps
	CARGO_TARGET_DIR=target/msrv rustup run $(MSRV_TOOLCHAIN) cargo check --workspace --all-targets

# The build's own hygiene (tests/build/check.sh): no filename collision, a small stripped release
# binary, no needless relink, no suite run twice.
.PHONY: test-build
TEST_TARGETS += test-build
test-build: deps tshark-plugin
	CARGO="$(CARGO)" MAKE="$(MAKE)" tests/build/check.sh
