# wordpipe: word embeddings as Unix filters.
# Non-recursive GNU make. `make help` lists the targets.

DATA    ?= ../shared/data
PREFIX  ?= /usr/local
BUILD   ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
PKGS     = zlib libxxhash openblas
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lz -lxxhash -lopenblas)
CPPFLAGS_ALL = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib -Itools $(DEP_CFLAGS) $(CPPFLAGS)
LDLIBS_ALL   = $(DEP_LIBS) -lm -pthread $(LDLIBS)
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the build, the tests and the man lint need.
DEB_PKGS = zlib1g-dev libxxhash-dev libopenblas-dev pkg-config bats bats-assert bats-support mandoc

LIB_SRC   := $(sort $(wildcard lib/*/*.c))
AVX2_SRC  := $(sort $(wildcard lib/*/*_avx2.c))
# a tool's other files (its command line, tools/TOOL_opts.c; knn's evaluation modes), linked
# into that tool alone
TOOL_OPTS := tools/elmo_train_opts.c tools/embed_opts.c tools/knn_opts.c tools/knn_eval.c \
             tools/w2v_train_opts.c
# what every tool shares (tools/cli.h, tools/cli_opt.h), linked into each
CLI_SRC   := tools/cli.c tools/cli_io.c tools/cli_progress.c tools/cli_opt.c
TOOL_SRC  := $(filter-out $(CLI_SRC) $(TOOL_OPTS),$(sort $(wildcard tools/*.c)))
TOOLS     := $(patsubst tools/%.c,%,$(TOOL_SRC))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))
MAN_SRC   := $(sort $(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7))

LIB_OBJ      := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
LIB_OBJ_SAN  := $(patsubst %.c,$(BUILD)/san/%.o,$(LIB_SRC))
LIBWP        := $(BUILD)/libwordpipe.a
LIBWP_SAN    := $(BUILD)/san/libwordpipe.a
BINS         := $(addprefix $(BUILD)/bin/,$(TOOLS))
UNIT_BINS    := $(addprefix $(BUILD)/unit/,$(UNITS))
UNIT_BINS_SAN:= $(addprefix $(BUILD)/san/unit/,$(UNITS))

.PHONY: all deps deps-interop check unit unit-san install clean help
.DEFAULT_GOAL := all
# keep object files of unit tests: they are intermediate to make, not to us
.SECONDARY:

## all: build libwordpipe.a and every tool under build/
all: deps $(BINS)

# $(call apt_install,TARGET,PACKAGES): install the missing Debian packages with apt-get when
# run as root, else print the command and fail (deps, fuzz-deps, deps-mpi).
define apt_install
@missing=; for p in $(2); do \
    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
        echo "$(1): installing$$missing"; \
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
    else \
        echo "$(1): missing packages; run: sudo apt-get install$$missing"; exit 1; \
    fi; \
fi
endef

## deps: install missing Debian packages (as root), else print the command
deps:
	$(call apt_install,deps,$(DEB_PKGS))

# The objects' check of the packages: once per build directory, as a file rather than the
# phony deps, so that `make -q` after a complete build (or pipeline) has nothing to do.
$(BUILD)/.deps:
	$(call apt_install,deps,$(DEB_PKGS))
	@mkdir -p $(@D) && touch $@

## deps-interop: install gensim (Debian python3-gensim) and fastText (fasttext, and
## python3-fasttext for the bit-for-bit check) for the interop tests and benches
deps-interop:
	@if ! command -v fasttext >/dev/null || ! /usr/bin/python3 -c 'import fasttext' 2>/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "deps-interop: installing fasttext python3-fasttext"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fasttext python3-fasttext >/dev/null \
	            || echo "deps-interop: fasttext not installed; its interop tests will skip"; \
	    else echo "deps-interop: run: sudo apt-get install fasttext python3-fasttext"; fi; \
	fi
	@if ! /usr/bin/python3 -c 'import gensim' 2>/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "deps-interop: installing python3-gensim"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-gensim >/dev/null \
	            || echo "deps-interop: python3-gensim not installed; interop tests will skip"; \
	    else echo "deps-interop: run: sudo apt-get install python3-gensim"; fi; \
	fi

# Header dependencies (.d files) name each object both ways, as a path relative to the tree
# and as an absolute one: a make run with BUILD=/abs/path (the pipeline tests do that) must
# not leave .d files a run with the default BUILD=build cannot match, or an object is not
# rebuilt when a header it includes changes.
DEPFLAGS = -MMD -MP -MT $@ -MT $(abspath $@) -MT $(patsubst $(CURDIR)/%,%,$(abspath $@))

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -DWP_TESTING $(WARN) -O1 -g $(SAN) $(DEPFLAGS) -c -o $@ $<

# ISA flags only on the files that need them; dispatch picks them at run time.
$(BUILD)/lib/%_avx2.o: lib/%_avx2.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) -mavx2 -mfma $(DEPFLAGS) -c -o $@ $<
$(BUILD)/san/lib/%_avx2.o: lib/%_avx2.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -DWP_TESTING $(WARN) -O1 -g $(SAN) -mavx2 -mfma $(DEPFLAGS) -c -o $@ $<

$(LIBWP): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(LIBWP_SAN): $(LIB_OBJ_SAN)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/tools/%.o $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(CLI_SRC)) $(LIBWP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS_ALL)
$(BUILD)/bin/elmo-train: $(BUILD)/tools/elmo_train_opts.o
$(BUILD)/bin/embed: $(BUILD)/tools/embed_opts.o
$(BUILD)/bin/knn: $(BUILD)/tools/knn_opts.o $(BUILD)/tools/knn_eval.o
$(BUILD)/bin/w2v-train: $(BUILD)/tools/w2v_train_opts.o

$(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(LIBWP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/san/unit/%: $(BUILD)/san/tests/unit/%.o $(LIBWP_SAN)
	@mkdir -p $(@D)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)
# the unit test of tools/cli_opt.c links the tools' shared code (before the library)
$(BUILD)/unit/test_cli_opt: $(BUILD)/tests/unit/test_cli_opt.o \
    $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(CLI_SRC)) $(LIBWP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/san/unit/test_cli_opt: $(BUILD)/san/tests/unit/test_cli_opt.o \
    $(patsubst tools/%.c,$(BUILD)/san/tools/%.o,$(CLI_SRC)) $(LIBWP_SAN)
	@mkdir -p $(@D)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

# tests/oom.bats preloads it to make large allocations fail
FAILMALLOC := $(BUILD)/test/libfailmalloc.so
$(FAILMALLOC): tests/faults/failmalloc.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -shared -fPIC -o $@ $<

## check: unit tests (plain and under ASan+UBSan), Bats suites, man lint, layering
check: all $(UNIT_BINS) $(UNIT_BINS_SAN) $(FAILMALLOC)
	@DATA='$(DATA)' BUILD='$(BUILD)' tests/run-all.sh $(UNIT_BINS) -- $(UNIT_BINS_SAN) tests/fuzz/replay.sh -- $(MAN_SRC)

## unit: the C unit tests only
unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

## unit-san: the C unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer
unit-san: $(UNIT_BINS_SAN)
	@for t in $(UNIT_BINS_SAN); do echo "== $$t"; $$t || exit 1; done

## install: tools to $(PREFIX)/bin, man pages to $(PREFIX)/share/man
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	for m in $(MAN_SRC); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/$$(basename $$(dirname $$m)); done

clean:
	rm -rf $(BUILD)

## help: list the targets
help:
	@grep -h '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

-include $(wildcard pipelines/*.mk)
# build and test variants beyond `make check` (fuzzing, sanitizer builds of the tools)
-include $(wildcard mk/*.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
