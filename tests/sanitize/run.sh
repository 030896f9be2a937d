#!/usr/bin/env bash
# Runs Bats suites against sanitizer-built tools and fails on any failed test or any
# sanitizer report; ends with one line "check-KIND: N passed, N failed, N reports".
# usage: run.sh asan|tsan BUILD_DIR SUITE.bats...
#
# Reports go to log files (log_path), not to the tools' stderr: a test that expects a tool
# to fail, or a pipeline whose exit status is lost, would otherwise hide them.
set -u
cd "$(dirname "$0")/../.." || exit 1
kind=$1 build=$2
shift 2
case $build in /*) ;; *) build="$PWD/$build" ;; esac
logs="$build/logs"
rm -rf "$logs" && mkdir -p "$logs" || exit 1

case ${DATA:-} in /* | "") ;; *) DATA="$PWD/$DATA" ;; esac
# WP_SANITIZED=1: the few tests that cannot run under a sanitizer skip (saying why);
# WP_SAN_LOGS: where a test's teardown may look for the reports of its own tools.
export BUILD="$build" DATA WP_SANITIZED=1 WP_SAN_LOGS="$logs"
case $kind in
asan)
    # -fno-sanitize-recover=all already makes every UBSan error fatal; halt_on_error says so.
    export ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
    ;;
tsan)
    # suppressions last: tsan.bats drops it (and only it) for a run that must need none
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$logs/tsan:suppressions=$PWD/tests/tsan.supp"
    ;;
*) echo "run.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac

start=$SECONDS
tap="$logs/bats.tap"
bats --tap "$@" | tee "$tap"
p=$(grep -c '^ok ' "$tap") f=$(grep -c '^not ok ' "$tap")
total=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
# a suite that died before reporting counts as failed
if [ -n "$total" ] && [ $((p + f)) -lt "$total" ]; then f=$((total - p)); fi

reports=0
for r in "$logs"/asan.* "$logs"/ubsan.* "$logs"/tsan.*; do  # also *.reported by a teardown
    [ -e "$r" ] || continue
    reports=$((reports + 1))
    echo "== sanitizer report $r"
    cat "$r"
done
echo "check-$kind: $p passed, $f failed, $reports sanitizer reports ($((SECONDS - start)) s)"
[ "$f" -eq 0 ] && [ "$reports" -eq 0 ]
