#!/usr/bin/env bash
# Replays every seed (tests/fuzz/NAME/*) and saved crash input (tests/fuzz/regress/NAME/*)
# through the gcc ASan+UBSan build of each harness, $BUILD/fuzz/replay/fuzz_NAME (made by
# `make fuzz-replay`). One process per input, so a crash fails that input only.
# Last line: "N passed, N failed", as tests/run-all.sh expects of a unit runner.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${BUILD:-build}/fuzz/replay
passed=0 failed=0
# An input that makes a parser allocate half a gigabyte is a bug too (a few bytes must
# not cost gigabytes): ASan aborts on such an allocation instead of granting it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=512"
shopt -s nullglob
for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}
    name=${name%.c}
    exe=$bin/fuzz_$name
    if [ ! -x "$exe" ]; then
        echo "FAIL $exe: not built (make fuzz-replay)"; failed=$((failed + 1)); continue
    fi
    for f in "tests/fuzz/$name"/* "tests/fuzz/regress/$name"/*; do
        if out=$("$exe" "$f" 2>&1); then
            passed=$((passed + 1))
        else
            failed=$((failed + 1)); printf 'FAIL fuzz_%s %s\n%s\n' "$name" "$f" "$out"
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
