# Debian packages: `make deb` writes target/deb/*.deb for the running Debian release
# (packaging/debian/build.sh: cut from the `make install` tree with dpkg's tools), and
# test-deb (tests/deb/check.sh) installs them with apt, checks each one and purges them.
#
# test-deb installs into the system folders, so it refuses to run when a package or a
# hand-installed copy of mptcpscan is already there, and purges what it installed on every exit:
# the suites after it (test-install, test-tshark, which load the plugin from their own folders
# and would meet a second copy in the system plugin folder) find the system as it was.

.PHONY: deb test-deb

APT_PACKAGES += dpkg-dev binutils man-db
TEST_TARGETS += test-deb

deb: deps
	MAKE="$(MAKE)" packaging/debian/build.sh target/deb

test-deb: deps
	MAKE="$(MAKE)" tests/deb/check.sh
