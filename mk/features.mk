# The driver's optional features (driver/Cargo.toml): a build without the defaults must build
# and behave. test-features builds it and runs the one test whose expectations depend on the
# `png` feature, which there checks that `report` writes SVGs only and `--png` names the feature.

.PHONY: test-features
TEST_TARGETS += test-features

test-features: deps
	$(CARGO) test -p mptcpscan-driver --no-default-features --test dissect -- png_figures_follow_the_png_feature
