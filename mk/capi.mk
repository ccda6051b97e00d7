# The C ABI: libmptcpscan.{a,so}, include/mptcpscan.h (cbindgen, checked in), mptcpscan.pc,
# `make install`, and the C, valgrind, C++ and libloading tests.
#
# The shared library's SONAME carries the ABI major version (libmptcpscan.so.0): capi/build.rs
# passes `-Wl,-soname,libmptcpscan.so.<crate major>` to the cdylib link only, so no RUSTFLAGS are
# needed and the other crates' builds are not invalidated.

.PHONY: capi header header-check install install-capi test-capi bench-capi cbindgen-tool

APT_PACKAGES += valgrind g++ binutils
TEST_TARGETS += test-capi

CBINDGEN_VERSION := 0.29.4
CARGO_BIN_DIR ?= $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
CBINDGEN := $(CARGO_BIN_DIR)/cbindgen

CAPI_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' capi/Cargo.toml | head -n 1)
CAPI_MAJOR := $(firstword $(subst ., ,$(CAPI_VERSION)))
CAPI_LIBS := target/release/libmptcpscan.a target/release/libmptcpscan.so
# The system libraries a static link of libmptcpscan.a needs: the Libs.private line of
# capi/mptcpscan.pc.in, the one place that lists them.
CAPI_LIBS_PRIVATE := $(shell sed -n 's/^Libs.private: *//p' capi/mptcpscan.pc.in)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# Installed once, pinned: a different cbindgen version may format the header differently.
cbindgen-tool:
	@if ! "$(CBINDGEN)" --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)"; then \
		echo "capi: installing cbindgen $(CBINDGEN_VERSION)"; \
		$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked; \
	fi

capi: deps
	$(CARGO) build --release -p libmptcpscan

header: cbindgen-tool
	"$(CBINDGEN)" --quiet --config capi/cbindgen.toml --crate mptcpscan-capi \
		--output include/mptcpscan.h capi

header-check: header
	@git diff --exit-code -- include/mptcpscan.h || \
		{ echo "include/mptcpscan.h drifted from capi/src: run make header and commit it" >&2; exit 1; }

install: install-capi

install-capi: capi
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)"
	install -m 644 target/release/libmptcpscan.a "$(DESTDIR)$(LIBDIR)/libmptcpscan.a"
	install -m 755 target/release/libmptcpscan.so "$(DESTDIR)$(LIBDIR)/libmptcpscan.so.$(CAPI_VERSION)"
	ln -sf libmptcpscan.so.$(CAPI_VERSION) "$(DESTDIR)$(LIBDIR)/libmptcpscan.so.$(CAPI_MAJOR)"
	ln -sf libmptcpscan.so.$(CAPI_MAJOR) "$(DESTDIR)$(LIBDIR)/libmptcpscan.so"
	install -m 644 include/mptcpscan.h "$(DESTDIR)$(INCLUDEDIR)/mptcpscan.h"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(CAPI_VERSION)|' -e '/^#/d' capi/mptcpscan.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/mptcpscan.pc"
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
		{ [ "$(LIBDIR)" = /usr/local/lib ] || [ "$(LIBDIR)" = /usr/lib ]; }; then ldconfig; fi

test-capi: deps header-check capi
	CARGO="$(CARGO)" MAKE="$(MAKE)" tests/c/run.sh

bench-capi: deps capi
	CARGO="$(CARGO)" MAKE="$(MAKE)" tests/c/run.sh --bench

BUILD_TARGETS += capi
