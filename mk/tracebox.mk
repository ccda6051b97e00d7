# The tracebox extension (tracebox-ext/): the Lua module mptcpscan over libmptcpscan.a, built for
# Lua 5.2 (what tracebox embeds), 5.3 and 5.4, tested on probes recorded in the lab, and the
# mptcp.lua script's replay mode. No tracebox is needed (see tracebox-ext/README.md to run the
# script under one).

.PHONY: test-tracebox

APT_PACKAGES += gcc make valgrind python3 lua5.2 lua5.3 lua5.4 liblua5.2-dev liblua5.3-dev liblua5.4-dev
TEST_TARGETS += test-tracebox

test-tracebox: deps capi
	tracebox-ext/tests/run.sh

.PHONY: tracebox-module
BUILD_TARGETS += tracebox-module

tracebox-module: deps capi
	$(MAKE) -C tracebox-ext
