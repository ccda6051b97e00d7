# `make install PREFIX=... [DESTDIR=...]` installs everything; `make uninstall` (same variables)
# removes it again. The pieces: the command (mk/driver.mk), libmptcpscan with its header and .pc
# (mk/capi.mk), the default blocklist (mk/scan.mk), and here: man pages and shell completions
# written by the command itself (`mptcpscan manual`), the tshark plugin in Wireshark's system
# plugin folder (install-tshark, mk/tshark.mk: root's tshark reads no other), and the Lua module where Lua's default cpath
# finds it ($(PREFIX)/lib/lua/5.x, in Debian's for /usr and /usr/local).
# tests/install/check.sh (make test-install) installs into a DESTDIR, checks every piece and
# uninstalls.

.PHONY: install-manual install-lua uninstall test-install

DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASH_COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
ZSH_COMPLETIONDIR ?= $(DATADIR)/zsh/vendor-completions
FISH_COMPLETIONDIR ?= $(DATADIR)/fish/vendor_completions.d
# Where install-tshark (tshark-plugin/Makefile) puts the plugin.
WIRESHARK_PLUGINDIR := $(shell pkg-config --variable=plugindir wireshark 2>/dev/null)/epan
LUA_VERSIONS ?= 5.2 5.3 5.4
LUA_CMODDIR ?= $(PREFIX)/lib/lua

TEST_TARGETS += test-install

install: install-manual install-tshark install-lua

install-manual: install-bin
	@set -e; tmp=$$(mktemp -d /tmp/mptcpscan-manual.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	$(MPTCPSCAN) manual "$$tmp"; \
	install -d "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASH_COMPLETIONDIR)" \
		"$(DESTDIR)$(ZSH_COMPLETIONDIR)" "$(DESTDIR)$(FISH_COMPLETIONDIR)"; \
	install -m 644 "$$tmp"/man1/*.1 "$(DESTDIR)$(MANDIR)/man1/"; \
	install -m 644 "$$tmp/completions/mptcpscan.bash" "$(DESTDIR)$(BASH_COMPLETIONDIR)/mptcpscan"; \
	install -m 644 "$$tmp/completions/_mptcpscan" "$(DESTDIR)$(ZSH_COMPLETIONDIR)/_mptcpscan"; \
	install -m 644 "$$tmp/completions/mptcpscan.fish" "$(DESTDIR)$(FISH_COMPLETIONDIR)/mptcpscan.fish"

install-lua: tracebox-module
	@set -e; for v in $(LUA_VERSIONS); do \
		echo "install -m 644 tracebox-ext/build/lua$$v/mptcpscan.so $(DESTDIR)$(LUA_CMODDIR)/$$v/mptcpscan.so"; \
		install -d "$(DESTDIR)$(LUA_CMODDIR)/$$v"; \
		install -m 644 "tracebox-ext/build/lua$$v/mptcpscan.so" "$(DESTDIR)$(LUA_CMODDIR)/$$v/mptcpscan.so"; \
	done
	install -d "$(DESTDIR)$(DATADIR)/mptcpscan"
	install -m 644 tracebox-ext/mptcp.lua "$(DESTDIR)$(DATADIR)/mptcpscan/mptcp.lua"

# Every file `install` writes, and the folders it made that end up empty.
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/mptcpscan"
	rm -f "$(DESTDIR)$(LIBDIR)/libmptcpscan.a" "$(DESTDIR)$(LIBDIR)/libmptcpscan.so" \
		"$(DESTDIR)$(LIBDIR)/libmptcpscan.so.$(CAPI_MAJOR)" \
		"$(DESTDIR)$(LIBDIR)/libmptcpscan.so.$(CAPI_VERSION)" \
		"$(DESTDIR)$(INCLUDEDIR)/mptcpscan.h" "$(DESTDIR)$(PKGCONFIGDIR)/mptcpscan.pc"
	rm -f "$(DESTDIR)$(MANDIR)/man1/mptcpscan.1" "$(DESTDIR)$(MANDIR)"/man1/mptcpscan-*.1 \
		"$(DESTDIR)$(BASH_COMPLETIONDIR)/mptcpscan" "$(DESTDIR)$(ZSH_COMPLETIONDIR)/_mptcpscan" \
		"$(DESTDIR)$(FISH_COMPLETIONDIR)/mptcpscan.fish"
	rm -f "$(DESTDIR)$(WIRESHARK_PLUGINDIR)/mptcpscan.so"
	rm -f $(foreach v,$(LUA_VERSIONS),"$(DESTDIR)$(LUA_CMODDIR)/$(v)/mptcpscan.so") \
		"$(DESTDIR)$(DATADIR)/mptcpscan/mptcp.lua"
	rm -f "$(DESTDIR)$(SYSCONFDIR)/mptcpscan/blocklist.conf"
	-rmdir "$(DESTDIR)$(DATADIR)/mptcpscan" "$(DESTDIR)$(SYSCONFDIR)/mptcpscan" 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
		{ [ "$(LIBDIR)" = /usr/local/lib ] || [ "$(LIBDIR)" = /usr/lib ]; }; then ldconfig; fi

test-install: deps
	CARGO="$(CARGO)" MAKE="$(MAKE)" tests/install/check.sh
