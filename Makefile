# mptcpscan: `make demo` runs the whole chain on the lab, `make test` runs every test.
# Both install what they need first (`make deps`), so they work on a fresh Debian machine as root.
#
# Each component adds its own rules in mk/<component>.mk: its apt packages to APT_PACKAGES, its
# build rule to BUILD_TARGETS, its test rule to TEST_TARGETS, and its demo step to DEMO_TARGETS
# (in the order the chain runs).

SHELL := /bin/bash
CARGO ?= cargo
# Tests and the lab need root (network namespaces, raw sockets); CI runs as root.
export CARGO_TERM_COLOR ?= never

APT_PACKAGES := build-essential pkg-config
RUSTUP_TARGETS := thumbv7em-none-eabihf
RUSTUP_TOOLCHAINS :=
BUILD_TARGETS :=
TEST_TARGETS :=
DEMO_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: all build-all deps test demo test-core
all: build-all

# Every component: the workspace, libmptcpscan, the tshark plugin, the Lua module, the ZMap module.
build-all: build $(BUILD_TARGETS)

# Installs only what is missing, so repeated runs cost a few dpkg queries.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "deps: apt packages missing and not root: $$missing" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@for t in $(RUSTUP_TARGETS); do rustup target list --installed | grep -qx $$t || rustup target add $$t; done
	@for t in $(RUSTUP_TOOLCHAINS); do rustup run $$t rustc --version >/dev/null 2>&1 || rustup toolchain install $$t --profile minimal; done

test: deps test-core $(TEST_TARGETS)
	@echo "make test: all suites passed"

demo: deps build-all $(DEMO_TARGETS)
