# The ZMap probe module (zmap-module/): built outside ZMap against our copy of
# the ZMap interface it uses, linked with libmptcpscan.a, run under valgrind,
# its probes decoded by tshark. No ZMap is needed (see zmap-module/README.md to
# build one with the module).

.PHONY: test-zmap

APT_PACKAGES += gcc valgrind tshark
TEST_TARGETS += test-zmap

test-zmap: deps capi
	zmap-module/tests/run.sh

# ZMap compiles probe modules into itself, so on its own the module can only be compiled (with
# ZMap's warning flags, against our copy of its interface); zmap-module/README.md links it in.
.PHONY: zmap-module
BUILD_TARGETS += zmap-module

zmap-module: deps capi
	mkdir -p target/zmap-module
	gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -O2 -g -DMPTCP_SYNSCAN_STANDALONE \
		-Iinclude -Izmap-module -c zmap-module/module_mptcp_synscan.c \
		-o target/zmap-module/module_mptcp_synscan.o
