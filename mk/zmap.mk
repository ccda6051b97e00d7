# The ZMap probe module (zmap-module/): built outside ZMap against our copy of
# the ZMap interface it uses, linked with libmptcpscan.a, run under valgrind,
# its probes decoded by tshark. No ZMap is needed (see zmap-module/README.md to
# build one with the module).

.PHONY: test-zmap

APT_PACKAGES += gcc valgrind tshark
TEST_TARGETS += test-zmap

test-zmap: deps capi
	zmap-module/tests/run.sh
