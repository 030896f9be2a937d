# Loaded by every Bats file: tools from build/bin first on PATH, C locale, the assert
# libraries, fixtures, and the data directory (tests that need it skip without it).
bats_require_minimum_version 1.5.0
BUILD_DIR=${BUILD:-build}
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
case $BUILD_DIR in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
PATH="$BUILD_DIR/bin:$PATH"
export LC_ALL=C
FIXTURES="$ROOT/tests/fixtures"
DATA=${DATA:-$ROOT/../shared/data}
case $DATA in /*) ;; *) DATA="$ROOT/$DATA" ;; esac
bats_load_library bats-support
bats_load_library bats-assert

# need_data FILE: skip the test when the shared data file is absent.
need_data() {
    [ -e "$DATA/$1" ] || skip "$DATA/$1 not present"
}

# pty_run CMD...: runs CMD with standard output on a pseudo-terminal; prints its output and
# "exit=N".
pty_run() {
    /usr/bin/python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
print(out.decode("utf-8", "replace"))
print("exit=%d" % os.waitstatus_to_exitcode(st))
' "$@"
}

# nearest VECTORS_TEXT WORD: the word with the highest cosine to WORD (from wpcat output;
# w2v-train and w2v-subwords tests)
nearest() {
    awk -F'\t' -v q="$2" '{ w[NR] = $1; n = split($2, x, " "); for (i = 1; i <= n; i++) v[NR, i] = x[i];
        d = n; if ($1 == q) qi = NR }
        END { best = -2; for (j = 1; j <= NR; j++) { if (j == qi) continue;
            s = 0; a = 0; b = 0;
            for (i = 1; i <= d; i++) { s += v[qi, i] * v[j, i]; a += v[qi, i] ^ 2; b += v[j, i] ^ 2 }
            c = s / sqrt(a * b); if (c > best) { best = c; bw = w[j] } }
            print bw }' "$1"
}

# model_fp STREAM: the fingerprint of the model that made a stream's vectors (its header's
# model_hash) in hex, as the tools name it in their messages; empty without the key.
model_fp() {
    local h
    h=$(wpcat --stat "$1" | awk -F'\t' '$1 == "meta.model_hash" { print $2 }')
    [ -z "$h" ] || printf '%016x' "$h"
}

# progress_of_file UNIT CMD...: CMD, run with WP_PROGRESS_INTERVAL=0 (a line at every
# update), succeeds and shows a progress line in UNIT with a percent and an ETA:
# "tok:  41.3% 1.2M bytes/s ETA 0:00:01 ...". $stderr is CMD's.
progress_of_file() {
    local unit=$1
    shift
    run --separate-stderr env WP_PROGRESS_INTERVAL=0 "$@"
    assert_success
    grep -Eq "^[a-z0-9-]+: +[0-9]+\.[0-9]% [0-9.]+[kM]? $unit/s ETA [0-9]+:[0-9]{2}:[0-9]{2}" \
        <<< "$stderr" || { echo "no progress line with a percent and an ETA: $stderr"; return 1; }
}

# progress_of_pipe UNIT FILE CMD...: the same with FILE piped into CMD's standard input:
# its progress lines in UNIT show no percent and no ETA (a pipe's size is unknown).
progress_of_pipe() {
    local unit=$1 file=$2
    shift 2
    run --separate-stderr bash -c 'cat "$1" | WP_PROGRESS_INTERVAL=0 "${@:2}"' _ "$file" "$@"
    assert_success
    grep -q " $unit/s" <<< "$stderr" || { echo "no progress line: $stderr"; return 1; }
    if grep " $unit/s" <<< "$stderr" | grep -Eq '%|ETA'; then
        echo "a percent or an ETA for a pipe: $stderr"
        return 1
    fi
}
