# Sanitizer builds of the tools, each in its own build tree so they never mix with the
# plain objects under $(BUILD): the recursive make reuses every rule of the Makefile with
# only BUILD and CFLAGS changed (the link rule passes CFLAGS too, so the runtime is linked).
#
#   check-asan  every tool with AddressSanitizer+UBSan, the whole Bats suite against them
#   check-tsan  every tool with ThreadSanitizer, small 2-thread jobs (tests/sanitize/tsan.bats)
#
# A sanitizer report fails the target even when the test around it passed (a tool that was
# expected to fail, or one whose exit status a pipeline hides): reports go to log files
# under the build tree and the run fails if any exists. CFLAGS goes to the tests too:
# pipelines.bats runs make on this build tree, which must not relink it without them.

ASAN_BUILD := $(BUILD)/asan
TSAN_BUILD := $(BUILD)/tsan
TSAN       := -fsanitize=thread -fno-omit-frame-pointer

.PHONY: asan-tools tsan-tools check-asan check-tsan

## asan-tools: every tool built with ASan+UBSan (-O1 -g) under $(BUILD)/asan/bin
asan-tools:
	@$(MAKE) --no-print-directory BUILD='$(ASAN_BUILD)' CFLAGS='-O1 -g $(SAN)' all

## tsan-tools: every tool built with ThreadSanitizer (-O1 -g) under $(BUILD)/tsan/bin
tsan-tools:
	@$(MAKE) --no-print-directory BUILD='$(TSAN_BUILD)' CFLAGS='-O1 -g $(TSAN)' all

## check-asan: the whole Bats suite against the ASan+UBSan tools (WP_SANITIZED=1)
check-asan: asan-tools
	@DATA='$(DATA)' CFLAGS='-O1 -g $(SAN)' tests/sanitize/run.sh asan '$(ASAN_BUILD)' tests/*.bats

## check-tsan: threaded jobs (2 threads, tiny inputs) against the ThreadSanitizer tools
check-tsan: tsan-tools
	@DATA='$(DATA)' CFLAGS='-O1 -g $(TSAN)' tests/sanitize/run.sh tsan '$(TSAN_BUILD)' tests/sanitize/tsan.bats
