# The driver's optional features (driver/Cargo.toml): a build without the defaults must build
# and behave. test-features builds it and runs the tests whose expectations depend on the
# features: there `report` writes SVGs only and `--png` names the `png` feature, `dissect -i`
# names the `live` feature, and `fetch https://...` the `https` feature.

.PHONY: test-features
TEST_TARGETS += test-features

test-features: deps
	$(CARGO) test -p mptcpscan-driver --no-default-features --test dissect -- png_figures_follow_the_png_feature
	$(CARGO) test -p mptcpscan-driver --no-default-features --test live
	$(CARGO) test -p mptcpscan-driver --no-default-features --test fetch -- https_follows_the_https_feature
