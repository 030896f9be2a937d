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

# $(eval $(call stamp_rule,FILE,TEXT)): the rule of a parameter stamp, FILE holding TEXT one
# word a line; it is rewritten only when TEXT differs, so targets depending on it are remade
# exactly when a parameter changes. FILE depends on FORCE
# only when it is missing or does not hold TEXT (read when the makefile is parsed, never
# written then), so a stamp whose parameters did not change is up to date, and `make -q` or
# `make -n` after a complete run have nothing to do. Quotes in TEXT group words for printf
# and are not in FILE; both sides are compared with their whitespace squeezed. The
# variables in TEXT must be set before the rule (they are expanded where it stands).
stamp_text = $(strip $(subst ",,$(1)))
stamp_held = $(strip $(shell cat $(1) 2>/dev/null))
stamp_same = $(and $(findstring |$(call stamp_text,$(2))|,|$(call stamp_held,$(1))|),$(findstring |$(call stamp_held,$(1))|,|$(call stamp_text,$(2))|))
stamp_stale = $(if $(and $(wildcard $(1)),$(call stamp_same,$(1),$(2))),,FORCE)
define stamp_rule
$(1): $(call stamp_stale,$(1),$(2))
	@mkdir -p $$(dir $$@)
	@printf '%s\n' $(2) > $$@.new
	@if cmp -s $$@.new $$@; then rm $$@.new; else mv $$@.new $$@; fi
endef

# $(call data_stamp,FILE): a stamp naming FILE's content (cksum's CRC and size), and
# $(eval $(call data_stamp_rule,FILE)) its rule: rewritten only when the content changes.
# Targets made from shared data depend on the stamp, and on FILE only order-only (so that a
# missing FILE still gets its own rule's message): fresh copies of the shared data come
# with new times but the same bytes, and a new time alone must not redo a 4-hour run. A
# % in FILE stays a % in the stamp's name, for pattern rules.
# A new stamp takes FILE's time, so that targets made after FILE are not remade for it.
data_stamp = $(RUNS)/data/$(subst /,_,$(abspath $(1))).sum
data_sum = $(if $(wildcard $(1)),$(shell cksum < $(1)),missing)
define data_stamp_rule
$(call data_stamp,$(1)): $(call stamp_stale,$(call data_stamp,$(1)),$(call data_sum,$(1)))
	@mkdir -p $$(dir $$@)
	@printf '%s\n' $(call data_sum,$(1)) > $$@.new
	@if cmp -s $$@.new $$@; then rm $$@.new; \
	 elif [ -e $$@ ] || [ ! -e $(1) ]; then mv $$@.new $$@; \
	 else mv $$@.new $$@; touch -r $(1) $$@; fi
endef

.PHONY: FORCE
FORCE:
