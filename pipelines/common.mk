# pipelines/common.mk - rules every pipeline shares: bash with pipefail so a failing filter
# in the middle of a pipe fails its target, half-written targets deleted on error, and
# parameters stamped into a file that changes only when they do.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
RUNS ?= runs
BIN  := $(BUILD)/bin
# Pictures need gnuplot (Debian gnuplot-nox); without it the pipelines say so and go on.
HAVE_GNUPLOT := $(shell command -v gnuplot 2>/dev/null)

# $(call stamp,FILE,TEXT): rewrite FILE only when TEXT differs, so targets depending on it
# are remade exactly when a parameter changes.
define stamp
	@mkdir -p $(dir $(1))
	@printf '%s\n' $(2) > $(1).new
	@if cmp -s $(1).new $(1); then rm $(1).new; else mv $(1).new $(1); fi
endef

.PHONY: FORCE
FORCE:
