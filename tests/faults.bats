#!/usr/bin/env bats
# Faults and bad data (issue 9): SIGKILL during training, a full disk (ulimit -f and a small
# tmpfs), streams truncated at every byte, streams of the wrong kind, and bad data at scale
# (a 1 MB token, a 100 MB line, a million distinct words under vocab -M, a one-word
# vocabulary, a corpus shorter than the window, NaN vectors). tests/README.md lists every
# bad input and what the tools do with it. Random choices print their seed: FAULTS_SEED=N
# repeats a run.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    export OPENBLAS_NUM_THREADS=1
}

# seed_random: seeds $RANDOM from FAULTS_SEED or the clock and prints the seed, which Bats
# shows when the test fails.
seed_random() {
    SEED=${FAULTS_SEED:-$(( $(date +%s%N) / 1000 % 32768 ))}
    RANDOM=$SEED
    echo "seed $SEED (FAULTS_SEED=$SEED repeats this run)"
}

# words N LINES SEED: LINES lines of 8 words drawn from N distinct ones.
words() {
    awk -v n="$1" -v l="$2" -v s="$3" 'BEGIN { srand(s); for (j = 0; j < l; j++) { x = "";
        for (i = 0; i < 8; i++) x = x (i ? " " : "") "w" int(rand() * n); print x } }'
}

# wait_file FILE: waits up to 20 s for FILE to exist and be non-empty.
wait_file() {
    for _ in $(seq 400); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# kill_at_random PID: SIGKILL after 0 to 0.59 s; skips the test when the process ended by
# itself before (then nothing was tested).
kill_at_random() {
    local pid=$1 st=0
    sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" || st=$?
    echo "killed: exit status $st"
    [ "$st" -eq 137 ] || skip "the run ended before the SIGKILL (seed $SEED)"
}

# only_expected DIR NAME...: DIR holds only the NAMEs and temporaries .NAME.XXXXXX of them
# (a SIGKILL cannot be caught, so the temporary of an output being written stays behind;
# wordpipe(5) and tests/README.md document it).
only_expected() {
    local dir=$1 f ok n
    shift
    echo "left in $dir:" $(ls -A "$dir")
    for f in $(ls -A "$dir"); do
        ok=0
        for n in "$@"; do
            [[ $f == "$n" || $f == ."$n".?????? ]] && ok=1
        done
        [ "$ok" -eq 1 ] || { echo "unexpected file $dir/$f"; return 1; }
    done
}

# kill_and_resume_w2v FLAGS...: trains with FLAGS, a checkpoint, a SIGKILL at a random
# moment; the previous output survives and --resume ends with the uninterrupted model.
kill_and_resume_w2v() {
    seed_random
    words 3000 20000 9 | tok -q -o "$T/c.tok"
    vocab -q -o "$T/c.voc" "$T/c.tok"
    train() { w2v-train -q -v "$T/c.voc" -d 32 --seed 3 "$@"; }
    train "$@" -e 6 -o "$T/full.wp" "$T/c.tok"       # the uninterrupted run, for comparison
    mkdir "$T/run"
    train -t 1 -e 1 -d 16 -o "$T/run/out.wp" "$T/c.tok"   # the previous output
    cp "$T/run/out.wp" "$T/prev.wp"
    # started directly, not through the function, so that $! is the trainer itself
    w2v-train -q -v "$T/c.voc" -d 32 --seed 3 "$@" -e 6 --checkpoint "$T/run/ck" \
        --checkpoint-every 40000w -o "$T/run/out.wp" "$T/c.tok" 3>&- &
    local pid=$!
    wait_file "$T/run/ck"
    kill_at_random "$pid"
    cmp "$T/prev.wp" "$T/run/out.wp"                 # byte for byte the previous output
    only_expected "$T/run" out.wp ck
    run --separate-stderr wpcat --stat "$T/run/ck"   # the last checkpoint is whole
    assert_success
    [[ $output == *$'checksums\tok'* ]]
    run --separate-stderr w2v-train -q -v "$T/c.voc" --resume "$T/run/ck" -o "$T/run/out.wp" \
        "$T/c.tok"
    assert_success
    cmp "$T/full.wp" "$T/run/out.wp"                 # and ends with the uninterrupted model
}

@test "faults: SIGKILL during w2v-train keeps the previous output; --resume finishes the run" {
    kill_and_resume_w2v -t 1
}

@test "faults: the same with two threads and --deterministic (checkpoints at merges)" {
    kill_and_resume_w2v -t 2 --deterministic --sync-words 20000
}

@test "faults: Hogwild threads (no bits to compare): --resume trains every word of every epoch" {
    # two Hogwild threads train the first pass as they read it (their schedule's length is
    # estimated); a resume inside that pass skips what was trained and finishes the run
    seed_random
    words 3000 20000 9 | tok -q -o "$T/c.tok"
    vocab -q -o "$T/c.voc" "$T/c.tok"
    w2v-train -q -v "$T/c.voc" -d 32 -t 2 -e 3 --log "$T/full.log" -o "$T/full.wp" "$T/c.tok"
    mkdir "$T/run"
    w2v-train -q -v "$T/c.voc" -d 32 -t 2 -e 3 --checkpoint "$T/run/ck" \
        --checkpoint-every 20000w -o "$T/run/out.wp" "$T/c.tok" 3>&- &
    local pid=$!
    wait_file "$T/run/ck"
    kill_at_random "$pid"
    run --separate-stderr w2v-train -q -v "$T/c.voc" --resume "$T/run/ck" --log "$T/res.log" \
        -o "$T/run/out.wp" "$T/c.tok"
    assert_success
    # the log's last row: elapsed, pass, words done, windows done, ...
    [ "$(tail -1 "$T/res.log" | cut -f3)" = "$(tail -1 "$T/full.log" | cut -f3)" ]
    [ "$(tail -1 "$T/full.log" | cut -f3)" -eq $(( 3 * 20000 * 8 )) ]
    [ "$(wpcat "$T/run/out.wp" | wc -l)" -eq "$(wpcat "$T/c.voc" | wc -l)" ]
}

@test "faults: SIGKILL during elmo-train keeps the previous model; --resume finishes the run" {
    seed_random
    words 100 1500 5 | tok -q -o "$T/e.tok"
    vocab -q -o "$T/e.voc" "$T/e.tok"
    etrain() { elmo-train -q -v "$T/e.voc" --hidden 24 --unroll 6 --batch 4 --lr 1 --seed 5 -t 1 "$@"; }
    etrain --epochs 6 -o "$T/full.lm" "$T/e.tok"
    mkdir "$T/run"
    etrain --epochs 1 -o "$T/run/out.lm" "$T/e.tok"
    cp "$T/run/out.lm" "$T/prev.lm"
    elmo-train -q -v "$T/e.voc" --hidden 24 --unroll 6 --batch 4 --lr 1 --seed 5 -t 1 --epochs 6 \
        --checkpoint "$T/run/ck" --checkpoint-every 1440w -o "$T/run/out.lm" "$T/e.tok" 3>&- &
    local pid=$!
    wait_file "$T/run/ck"
    kill_at_random "$pid"
    cmp "$T/prev.lm" "$T/run/out.lm"
    only_expected "$T/run" out.lm ck
    run --separate-stderr wpcat --stat "$T/run/ck"
    assert_success
    run --separate-stderr elmo-train -q -t 1 --resume "$T/run/ck" -o "$T/run/out.lm" "$T/e.tok"
    assert_success
    cmp "$T/full.lm" "$T/run/out.lm"
}

# full_disk_cases: one writing command per line, each writing $D/out (D set by the caller),
# every output well over 4 KiB.
full_disk_cases() {
    cat <<EOF
tok -q -o $D/out $F/u.txt
vocab -q -o $D/out $F/u.tok
vocab -q --text -o $D/out $F/u.tok
pairs -q -v $F/u.voc -z 0 -o $D/out $F/u.tok
w2v-train -q -v $F/u.voc -d 16 -e 1 -o $D/out $F/u.tok
w2v-train -q -v $F/u.voc -d 16 -e 1 --format txt -o $D/out $F/u.tok
w2v-train -q -v $F/u.voc -d 16 -e 1 --format bin -o $D/out $F/u.tok
elmo-train -q -v $F/e.voc --hidden 24 --unroll 6 --batch 4 --epochs 1 -o $D/out $F/e.tok
knn --convert txt -o $D/out $F/u.vec
knn --convert bin -o $D/out $F/u.vec
knn --convert stream -o $D/out $F/u.vec
knn --hnsw $D/out -k 1 --query w1 $F/u.vec
embed -q --vectors $F/u.vec -o $D/out $F/u.tok
EOF
}

# full_disk_data: the inputs of full_disk_cases in F, made once for the file.
full_disk_data() {
    F=$BATS_FILE_TMPDIR
    [ -e "$F/e.voc" ] && return 0
    words 5000 4000 3 > "$F/u.txt"
    tok -q -o "$F/u.tok" "$F/u.txt"
    vocab -q -o "$F/u.voc" "$F/u.tok"
    w2v-train -q -v "$F/u.voc" -d 16 -e 1 -o "$F/u.vec" "$F/u.tok"
    words 100 300 5 | tok -q -o "$F/e.tok"
    vocab -q -o "$F/e.voc" "$F/e.tok"
}

@test "faults: past ulimit -f every writing tool says 'File too large', exits 1, leaves nothing" {
    full_disk_data
    D=$T/out
    mkdir "$D"
    while read -r cmd; do
        # shellcheck disable=SC2086
        run --separate-stderr bash -c 'ulimit -f 4 && exec "$@" > /dev/null' _ $cmd
        echo "$cmd: status $status: $stderr"
        [ "$status" -eq 1 ]
        [ "${#stderr_lines[@]}" -eq 1 ]
        local tool=${cmd%% *}
        # the output file is named; pairs and w2v-train fill their unlinked spool in $TMPDIR
        # (which has no name to give) before they write
        [[ $stderr == "$tool: $D/out: File too large" ||
            ($tool =~ ^(pairs|w2v-train)$ && $stderr == "$tool: spool: File too large") ]]
        [ -z "$(ls -A "$D")" ]                       # no file, no temporary
    done < <(full_disk_cases)
    # standard output: the shell created the file, the tool says which stream failed
    run --separate-stderr bash -c 'ulimit -f 4 && exec wpcat "$1" > "$2"' _ "$F/u.tok" "$D/o"
    [ "$status" -eq 1 ]
    [ "$stderr" = "wpcat: stdout: File too large" ]
}

@test "faults: a full tmpfs: every writing tool names its output, exits 1, leaves nothing" {
    command -v unshare > /dev/null || skip "no unshare"
    mkdir "$T/probe"
    unshare -rm sh -c 'mount -t tmpfs -o size=16k none "$1"' _ "$T/probe" 2> /dev/null ||
        skip "cannot mount a tmpfs in a user namespace"
    full_disk_data
    D=$T/out
    mkdir "$D"
    while read -r cmd; do
        # a private mount namespace: the 4 KiB tmpfs on $D vanishes with the command
        # shellcheck disable=SC2086
        run --separate-stderr unshare -rm sh -c \
            'mount -t tmpfs -o size=4k none "$1" && shift && "$@" > /dev/null; s=$?;
             ls -A "$0"; exit $s' "$D" "$D" $cmd
        echo "$cmd: status $status: $stderr (left: $output)"
        [ "$status" -eq 1 ]
        [ "${#stderr_lines[@]}" -eq 1 ]
        [ "$stderr" = "${cmd%% *}: $D/out: No space left on device" ]
        [ -z "$output" ]                             # nothing left on the full file system
    done < <(full_disk_cases)
}

# truncations EVERY STREAM CONSUMER...: proper prefixes of STREAM are refused with exit 3
# and one line on stderr by wpcat and by CONSUMER, in which @P@ stands for the prefix file,
# without writing $T/o. A process start costs tens of milliseconds on a loaded machine, so
# wpcat gets every prefix when EVERY is 1 (the reader's framing is the same for every kind)
# and CONSUMER a sample: the first 8 bytes, every 32nd, and the last 36 (the end of the last
# block and the trailer); a sampled wpcat gets every 4th instead of every 32nd.
# FAULTS_FULL=1 gives both every prefix. The loop runs in a plain bash, away from the
# per-command cost of Bats' DEBUG trap.
truncations() {
    local every=$1
    shift
    [ -z "${FAULTS_FULL:-}" ] || every=1
    python3 -c 'import sys; d = open(sys.argv[1], "rb").read()
for i in range(len(d)): open("%s.%d" % (sys.argv[2], i), "wb").write(d[:i])' "$1" "$T/p"
    T=$T EVERY=$every FULL=${FAULTS_FULL:-} bash -c '
        s=$1; shift
        size=$(stat -c %s "$s") n=0 m=0
        [ "$size" -gt 100 ] || { echo "$s: too small"; exit 1; }
        # sample STEP: whether this prefix is in the sample
        sample() { [ "$i" -lt 8 ] || [ $((i % $1)) -eq 0 ] || [ "$i" -ge $((size - 36)) ]; }
        for ((i = 0; i < size; i++)); do
            a=0 b=0
            if [ "$EVERY" = 1 ] || sample 4; then
                m=$((m + 1))
                wpcat "$T/p.$i" > /dev/null 2> "$T/e1" || a=$?
                mapfile -t e < "$T/e1"
                if [ "$a" -ne 3 ] || [ "${#e[@]}" -ne 1 ]; then
                    echo "$s cut at byte $i of $size: wpcat exit $a"; cat "$T/e1"; exit 1
                fi
            fi
            [ -n "$FULL" ] || sample 32 || continue
            n=$((n + 1))
            "${@//@P@/$T/p.$i}" 2> "$T/e2" || b=$?
            mapfile -t e < "$T/e2"
            if [ "$b" -ne 3 ] || [ -e "$T/o" ] || [ "${#e[@]}" -ne 1 ]; then
                echo "$s cut at byte $i of $size: $1 exit $b"; cat "$T/e2"; exit 1
            fi
        done
        echo "$s: $m of $size prefixes through wpcat, $n through $1"' _ "$@"
    rm -f "$T"/p.*
}

@test "faults: token, vocabulary and windows streams cut at any byte are errors (exit 3)" {
    printf 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n' | tok -q > "$T/s.tok"
    vocab -q -o "$T/s.voc" "$T/s.tok"
    pairs -q -v "$T/s.voc" -w 2 -o "$T/s.win" "$T/s.tok"
    truncations 1 "$T/s.tok" vocab -q -o "$T/o" @P@
    truncations 0 "$T/s.voc" pairs -q -v @P@ -o "$T/o" "$T/s.tok"
    truncations 0 "$T/s.win" w2v-train -q -v "$T/s.voc" -d 4 -o "$T/o" @P@
}

@test "faults: a reader given a stream of the wrong kind names both kinds and exits 3" {
    printf 'the cat sat\non the mat\n' | tok -q > "$T/s.tok"
    vocab -q -o "$T/s.voc" "$T/s.tok"
    pairs -q -v "$T/s.voc" -o "$T/s.win" "$T/s.tok"
    w2v-train -q -v "$T/s.voc" -d 4 -o "$T/s.vec" "$T/s.tok"
    while IFS='|' read -r want cmd; do
        # shellcheck disable=SC2086
        run --separate-stderr -3 $cmd
        [ "$stderr" = "$want" ] || { echo "$cmd: $stderr (expected $want)"; false; }
    done <<EOF
vocab: $T/s.win: expected tokens or vocabulary, got windows|vocab -q $T/s.win
pairs: $T/s.voc: expected a tokens stream, got vocabulary|pairs -q -v $T/s.voc $T/s.voc
pairs: $T/s.tok: expected a vocabulary stream, got tokens|pairs -q -v $T/s.tok $T/s.tok
w2v-train: $T/s.voc: expected a tokens, spans or windows stream, got vocabulary|w2v-train -q -v $T/s.voc -o $T/x $T/s.voc
w2v-train: $T/s.win: expected a vocabulary stream, got windows|w2v-train -q -v $T/s.win -o $T/x $T/s.tok
elmo-train: $T/s.tok: expected a vocabulary stream, got tokens|elmo-train -q -v $T/s.tok -o $T/x $T/s.tok
elmo-train: $T/s.win: expected a tokens stream, got windows|elmo-train -q -v $T/s.voc -o $T/x $T/s.win
knn: $T/s.tok: expected a vectors stream, got tokens|knn --query the $T/s.tok
embed: $T/s.tok: expected a vectors stream, got tokens|embed --vectors $T/s.tok $T/s.tok
embed: $T/s.voc: expected a tokens stream, got vocabulary|embed --vectors $T/s.vec $T/s.voc
embed: $T/s.vec: expected a model stream, got vectors|embed --model $T/s.vec $T/s.tok
EOF
    [ ! -e "$T/x" ]
}

@test "faults: a 1 MB token is truncated to --max-token (counted), skipped, or kept whole" {
    head -c 1048576 /dev/zero | tr '\0' y > "$T/t.txt"
    run --separate-stderr tok -o "$T/t.tok" "$T/t.txt"
    assert_success
    [ "$stderr" = "tok: 1 long token truncated" ]
    [ "$(wpcat "$T/t.tok" | wc -c)" -eq 1002 ]       # 1000 bytes, newline, blank line
    run --separate-stderr tok --long-tokens skip -o "$T/t.tok" "$T/t.txt"
    [ "$stderr" = "tok: 1 long token skipped" ]
    [ "$(wpcat "$T/t.tok" | wc -c)" -eq 0 ]
    run --separate-stderr tok -q --long-tokens skip -o "$T/t.tok" "$T/t.txt"
    [ "$stderr" = "" ]                               # -q: no counts
    # kept whole, it goes through vocab and wpcat unchanged
    tok -q --max-token 1048576 "$T/t.txt" | vocab -q | wpcat > "$T/v.txt"
    [ "$(cut -f2 "$T/v.txt")" = 1 ]
    cut -f1 "$T/v.txt" | tr -d '\n' | cmp - "$T/t.txt"
}

@test "faults: tokens too long for a character model are cut by embed --model and counted" {
    words 100 300 5 | tok -q -o "$T/e.tok"
    vocab -q -o "$T/e.voc" "$T/e.tok"
    elmo-train -q -v "$T/e.voc" --char-input --max-chars 4 --filters 1:4,2:4 --char-dim 4 \
        --hidden 8 --unroll 6 --batch 4 --epochs 1 -t 1 -o "$T/c.lm" "$T/e.tok"
    printf 'w1 w23 w456 abcdefgh\n' | tok -q -o "$T/s.tok"
    run --separate-stderr embed --model "$T/c.lm" -o "$T/s.out" "$T/s.tok"
    assert_success
    [ "$stderr" = "embed: $T/s.tok: 3 tokens longer than 2 bytes cut for the character CNN (the model's --max-chars 4)" ]
    run --separate-stderr embed -q --model "$T/c.lm" -o "$T/s.out" "$T/s.tok"
    assert_success
    [ "$stderr" = "" ]
}

@test "faults: a 100 MB line without a newline: sentences split (counted), memory bounded" {
    [ -z "${WP_SANITIZED:-}" ] || skip "peak RSS bounds do not hold under AddressSanitizer (shadow memory, quarantine)"
    command -v /usr/bin/time > /dev/null || skip "no /usr/bin/time"
    # "abc deabc deabc ... deabc ": 16,666,667 tokens on one line, no newline
    yes 'abc de' | tr -d '\n' | head -c 100000000 > "$T/l.txt"
    run --separate-stderr /usr/bin/time -f 'rss %M' tok -o "$T/l.tok" "$T/l.txt"
    assert_success
    # (a progress line may come first when it takes over a second)
    [ "${stderr_lines[-2]}" = "tok: 1 long line split at 1000 tokens" ]
    rss=${stderr_lines[-1]#rss }
    [ "$rss" -lt 65536 ]                             # KiB: the line is never held whole
    [ "$(wpcat --stat "$T/l.tok" | awk -F'\t' '$1 == "records" { print $2 }')" -eq 16667 ]
    vocab -q -o "$T/l.voc" "$T/l.tok"
    [ "$(wpcat "$T/l.voc")" = $'deabc\t16666666\nabc\t1' ]
    # one 20 MB token: truncated to 1000 bytes, also in bounded memory
    head -c 20000000 /dev/zero | tr '\0' x > "$T/l.txt"
    run --separate-stderr /usr/bin/time -f 'rss %M' tok -o "$T/l.tok" "$T/l.txt"
    [ "${stderr_lines[-2]}" = "tok: 1 long token truncated" ]
    [ "${stderr_lines[-1]#rss }" -lt 16384 ]      # KiB: less than the token
    [ "$(wpcat "$T/l.tok" | wc -c)" -eq 1002 ]
    rm "$T/l.txt"
}

@test "faults: a million distinct words: vocab -M spills, merges, and gives the exact vocabulary" {
    [ -z "${WP_SANITIZED:-}" ] || skip "peak RSS bounds do not hold under AddressSanitizer (shadow memory, quarantine)"
    command -v /usr/bin/time > /dev/null || skip "no /usr/bin/time"
    { seq -f 'w%.0f' 1 1000000 | paste -d' ' - - - - - - - - - -; seq -f 'w%.0f' 1 4 400000; } |
        tok -q -o "$T/m.tok"
    run --separate-stderr /usr/bin/time -f '%M' vocab -q -m 2 -o "$T/a.voc" "$T/m.tok"
    assert_success
    local rss_all=$stderr
    export TMPDIR=$T/tmp
    mkdir "$TMPDIR"
    run --separate-stderr /usr/bin/time -f '%M' vocab -m 2 -M 4M -o "$T/b.voc" "$T/m.tok"
    assert_success
    [[ ${stderr_lines[0]} == "vocab: merging "*" runs ("*" MB written to temporary files)" ]]
    echo "peak RSS: $rss_all KiB in memory, ${stderr_lines[-1]} KiB with -M 4M"
    [ "${stderr_lines[-1]}" -lt $((rss_all / 2)) ]
    cmp "$T/a.voc" "$T/b.voc"                        # the same exact counts, byte for byte
    [ -z "$(ls -A "$TMPDIR")" ]                      # the runs are gone
    run wpcat --stat "$T/b.voc"
    assert_line $'meta.words\t100000'
    assert_line $'meta.total_words\t1000000'
}

@test "faults: a vocabulary of one word: pairs works, w2v-train refuses, elmo-train trains" {
    yes hello | head -200 | paste -d' ' - - - - - | tok -q -o "$T/one.tok"
    vocab -q -o "$T/one.voc" "$T/one.tok"
    run --separate-stderr pairs -q -v "$T/one.voc" -s 0 -w 2 -o "$T/one.win" "$T/one.tok"
    assert_success
    [ "$(wpcat "$T/one.win" | head -2)" = $'0\t0 0\n0\t0 0 0' ]
    run --separate-stderr -3 w2v-train -q -v "$T/one.voc" -o "$T/x" "$T/one.tok"
    [ "$stderr" = "w2v-train: $T/one.voc: a vocabulary of at least 2 words is needed" ]
    [ ! -e "$T/x" ]
    run --separate-stderr elmo-train -q -v "$T/one.voc" --hidden 8 --unroll 6 --batch 4 \
        --epochs 1 -o "$T/one.lm" "$T/one.tok"
    assert_success
}

@test "faults: a corpus shorter than the window: the windows are what there is" {
    printf 'alpha beta\n' | tok -q -o "$T/ab.tok"
    vocab -q -o "$T/ab.voc" "$T/ab.tok"
    run --separate-stderr pairs -q -v "$T/ab.voc" -w 5 -s 0 -o "$T/ab.win" "$T/ab.tok"
    assert_success
    [ "$(wpcat "$T/ab.win")" = $'0\t1\n1\t0' ]
    run --separate-stderr w2v-train -q -v "$T/ab.voc" -w 5 -s 0 -d 3 -o "$T/ab.vec" "$T/ab.tok"
    assert_success
    [ "$(wpcat "$T/ab.vec" | wc -l)" -eq 2 ]
    # one token: one window without contexts; subsampling drops it, and w2v-train refuses
    # to write the untrained initial vectors (issue 18)
    printf 'alpha\n' | tok -q -o "$T/a.tok"
    [ "$(pairs -q -v "$T/ab.voc" -w 5 -s 0 "$T/a.tok" | wpcat)" = $'0\t' ]
    run --separate-stderr -3 w2v-train -q -v "$T/ab.voc" -w 5 -d 3 -o "$T/a.vec" "$T/a.tok"
    [ "$stderr" = "w2v-train: $T/a.tok: subsampling (-s) dropped every token: nothing to train on, no model written" ]
    [ ! -e "$T/a.vec" ]
    # elmo-train needs batch x unroll + 1 tokens
    run --separate-stderr -3 elmo-train -q -v "$T/ab.voc" --unroll 6 --batch 4 -o "$T/x" \
        "$T/ab.tok"
    [ "$stderr" = "elmo-train: $T/ab.tok: 4 tokens are too few for batch 4" ]
    [ ! -e "$T/x" ]
}

@test "faults: NaN in vectors: knn --convert and embed --vectors refuse them (exit 3), nothing written" {
    printf '3 2\na 1 0\nb nan 1\nc 0.5 0.5\n' > "$T/nan.txt"
    python3 -c '
import struct, sys
o = sys.stdout.buffer
o.write(b"2 2\n")
for w, v in ((b"a", (1.0, 0.0)), (b"b", (float("nan"), 1.0))):
    o.write(w + b" " + struct.pack("<2f", *v) + b"\n")' > "$T/nan.bin"
    printf 'a b\n' | tok -q -o "$T/ab.tok"
    run --separate-stderr -3 knn --convert stream -o "$T/x" "$T/nan.txt"
    [ "$stderr" = "knn: $T/nan.txt: line 3: value 1 is not finite: 'nan'" ]
    run --separate-stderr -3 embed --vectors "$T/nan.txt" -o "$T/x" "$T/ab.tok"
    [ "$stderr" = "embed: $T/nan.txt: line 3: value 1 is not finite: 'nan'" ]
    run --separate-stderr -3 embed --vectors "$T/nan.bin" -o "$T/x" "$T/ab.tok"
    [[ $stderr == "embed: $T/nan.bin: "*"'b': value 1 is not finite" ]]
    [ ! -e "$T/x" ]
    # a zero vector is finite: its cosine with every word is 0
    printf '2 2\na 1 0\nz 0 0\n' > "$T/zero.txt"
    run --separate-stderr knn -k 2 --query z "$T/zero.txt"
    assert_success
    [ "$(cut -f4 <<< "$output" | sort -u)" = "0.000000" ]
}
