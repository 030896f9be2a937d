# Fuzzing (issue 9): libFuzzer harnesses tests/fuzz/fuzz_NAME.c, each with a seed corpus
# tests/fuzz/NAME/ and saved crash inputs tests/fuzz/regress/NAME/ (see tests/fuzz/README.md).
#
#   fuzz         builds every harness with clang (-fsanitize=fuzzer,address,undefined) under
#                $(BUILD)/fuzz/ and runs each for FUZZ_SECONDS on a copy of its seeds; fails
#                on any crash, leaving the input as $(BUILD)/fuzz/crash-NAME-*
#   fuzz-replay  builds every harness with $(CC) and ASan+UBSan but without libFuzzer
#                (tests/fuzz/replay_main.c) and runs it on every seed and regression input;
#                needs no clang, ends with "N passed, N failed" like a unit runner
#
# The library is compiled a second time with clang into $(BUILD)/fuzz/obj: libFuzzer's
# coverage instrumentation must be in the code under test, not only in the harness.

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang-14
FUZZ_FLAGS   ?= -rss_limit_mb=2048 -timeout=20
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_DEB_PKGS = clang-14 libclang-rt-14-dev

FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_REPLAY_BINS := $(addprefix $(BUILD)/fuzz/replay/fuzz_,$(FUZZ_NAMES))
# knn.c uses __builtin_cpu_supports("f16c"), which clang 14 rejects; no harness needs it
FUZZ_LIB_SRC := $(filter-out lib/knn/knn.c lib/knn/knn_avx2.c lib/knn/knn_hnsw.c,$(LIB_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_LIBWP   := $(BUILD)/fuzz/libwordpipe-fuzz.a
# lib/ is other people's code: clang may warn where gcc does not, so no -Werror there
FUZZ_LIB_WARN = $(filter-out -Werror,$(WARN))

.PHONY: fuzz fuzz-build fuzz-replay fuzz-deps

## fuzz-deps: install clang-14 and libclang-rt-14-dev (the libFuzzer runtime) if missing
fuzz-deps:
	$(call apt_install,fuzz-deps,$(FUZZ_DEB_PKGS))

$(BUILD)/fuzz/obj/%.o: %.c | deps fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_LIB_WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    $(if $(filter %_avx2.c,$<),-mavx2 -mfma) $(DEPFLAGS) -c -o $@ $<

$(FUZZ_LIBWP): $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBWP) | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) -Itests/fuzz $(WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_LIBWP) $(LDLIBS_ALL)

$(BUILD)/fuzz/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c tests/fuzz/fuzz.h $(LIBWP_SAN)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -DWP_TESTING -Itests/fuzz $(WARN) -O1 -g $(SAN) \
	    -o $@ $< tests/fuzz/replay_main.c $(LIBWP_SAN) $(LDLIBS_ALL)

## fuzz-build: the libFuzzer harnesses only
fuzz-build: $(FUZZ_BINS)

# Each harness runs niced, one at a time, in $(BUILD)/fuzz/run/NAME on a fresh copy of its
# seeds and regression inputs, so nothing new is ever written under tests/.
## fuzz: run every harness FUZZ_SECONDS (default 60) seconds; fails on any crash
fuzz: $(FUZZ_BINS)
	@fail=0; for n in $(FUZZ_NAMES); do \
	    d='$(BUILD)'/fuzz/run/$$n; rm -rf "$$d"; mkdir -p "$$d/corpus"; \
	    for f in tests/fuzz/$$n/* tests/fuzz/regress/$$n/*; do \
	        if [ -f "$$f" ]; then cp "$$f" "$$d/corpus/"; fi; \
	    done; \
	    if nice '$(BUILD)'/fuzz/fuzz_$$n $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix='$(BUILD)'/fuzz/crash-$$n- "$$d/corpus" >"$$d/log" 2>&1; \
	    then rc=0; else rc=$$?; fi; \
	    runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$$d/log" | tail -n 1); \
	    if [ $$rc -eq 0 ]; then \
	        echo "fuzz_$$n: $${runs:-?} executions in $(FUZZ_SECONDS) s, no crash"; \
	    else \
	        fail=1; tail -n 40 "$$d/log"; \
	        echo "fuzz_$$n: FAILED (exit $$rc), log $$d/log, input:" \
	            $$(ls '$(BUILD)'/fuzz/crash-$$n-* 2>/dev/null || true); \
	    fi; \
	done; exit $$fail

# `make check` builds the replay binaries, so that tests/run-all.sh can run
# tests/fuzz/replay.sh among the sanitized unit runners (it reads BUILD from the environment).
check: $(FUZZ_REPLAY_BINS)

## fuzz-replay: every seed and saved crash input through the harnesses under gcc ASan+UBSan
fuzz-replay: $(FUZZ_REPLAY_BINS)
	@BUILD='$(BUILD)' ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    tests/fuzz/replay.sh
