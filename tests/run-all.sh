#!/usr/bin/env bash
# Runs every test suite `make check` knows about and ends with one line
# "N passed, N failed" (the sum over all suites); exits non-zero on any failure.
# usage: run-all.sh UNIT... -- SANITIZED_UNIT... -- MANPAGE...
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0

units=() san=() mans=()
part=0
for a in "$@"; do
    if [ "$a" = -- ]; then part=$((part + 1)); continue; fi
    case $part in 0) units+=("$a") ;; 1) san+=("$a") ;; *) mans+=("$a") ;; esac
done

# A unit runner prints "N passed, N failed" as its last line.
run_unit() {
    local out last p f
    out=$("$@" 2>&1); local rc=$?
    last=$(printf '%s\n' "$out" | tail -n 1)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
    else
        p=0 f=1
    fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out"; fi
    printf '%-40s %s\n' "$(basename "$1")${2:+ $2}" "$last"
}

echo "== unit tests"
for t in "${units[@]}"; do run_unit "$t"; done
echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
for t in "${san[@]}"; do ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_unit "$t"; done

echo "== man pages (mandoc -Tlint)"
for m in "${mans[@]}"; do
    if out=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$out" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); printf 'FAIL %s\n%s\n' "$m" "$out"
    fi
done

echo "== layering: lib/README.md's parts, one-way includes, lib/ never prints or exits"
run_unit tests/layering.sh

shopt -s nullglob
suites=(tests/*.bats)
if [ ${#suites[@]} -gt 0 ]; then
    echo "== bats"
    tap=$(mktemp)
    bats --tap "${suites[@]}" | tee "$tap"
    p=$(grep -c '^ok ' "$tap") f=$(grep -c '^not ok ' "$tap")
    total=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
    # a suite that died before reporting counts as failed
    if [ -n "$total" ] && [ $((p + f)) -lt "$total" ]; then f=$((total - p)); fi
    passed=$((passed + p)) failed=$((failed + f))
    rm -f "$tap"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
