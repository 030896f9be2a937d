#!/usr/bin/env bats
# ThreadSanitizer: every threaded code path on tiny inputs with two threads. Run only by
# `make check-tsan` (tests/sanitize/run.sh), against tools built with -fsanitize=thread;
# tests/tsan.supp suppresses the intended Hogwild races of w2v-train and nothing else.
# A report fails the test that caused it: TSan exits 66 (halt_on_error) and teardown looks
# for report files, which also catches a tool whose status a pipeline hides.
bats_require_minimum_version 1.5.0

setup_file() {
    load ../test_helper
    M=$BATS_FILE_TMPDIR
    # about 40,000 words of the text8-style corpus, cut into sentences of 20 words: just
    # over one of w2v-train's chunks (32768 ids) per pass, so both workers train. Keep it
    # small: every suppressed Hogwild race costs a symbolized stack (a pass over 70,000
    # words takes 40 s under TSan, this one 4 s).
    if [ -e "$DATA/enwiki-text8style.gz" ]; then
        { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 230000 |
            tr ' ' '\n' | awk 'NF { printf "%s%s", $0, (++n % 20 ? " " : "\n") }' > "$M/c.txt"
    fi
    if [ -e "$DATA/ptb/ptb.train.txt.gz" ]; then
        { gzip -dc "$DATA/ptb/ptb.train.txt.gz" || true; } | head -n 120 > "$M/ptb.txt"
    fi
}

setup() {
    load ../test_helper
    [ -n "${WP_SANITIZED:-}" ] || skip "run by make check-tsan against ThreadSanitizer builds"
    T=$BATS_TEST_TMPDIR
    M=$BATS_FILE_TMPDIR
}

teardown() {
    local r
    for r in "${WP_SAN_LOGS:-/nonexistent}"/tsan.*; do
        [ -e "$r" ] && [ "${r%.reported}" = "$r" ] || continue
        # move it aside so the next test starts clean; run.sh still counts it
        mv "$r" "$r.reported"
        echo "# ThreadSanitizer report from this test: $r" >&3
        return 1
    done
}

# corpus: tokens and a vocabulary of the corpus slice, in $T
corpus() {
    need_data enwiki-text8style.gz
    tok -q "$M/c.txt" > "$T/c.tok"
    vocab -q -m 3 "$T/c.tok" > "$T/c.voc"
}

train() {
    w2v-train -q -v "$T/c.voc" -t 2 -d 8 -e 1 -n 2 -w 3 --seed 3 "$@"
}

@test "tsan: tok's reader thread and the stream writer's compression thread, into vocab" {
    need_data enwiki-text8style.gz
    run --separate-stderr tok "$M/c.txt" -o "$T/c.tok"
    assert_success
    gzip -c "$M/c.txt" > "$T/c.txt.gz"
    tok -q -z 9 - < "$T/c.txt.gz" | vocab -q -m 1 -o "$T/c.voc"
    tok -q -l "$M/c.txt" "$T/c.txt.gz" | wpcat --lines > "$T/c.back"
    [ -s "$T/c.back" ]
    run --separate-stderr vocab -q -M 256K -m 2 "$T/c.tok"
    assert_success
    run --separate-stderr wpcat --stat "$T/c.voc"
    assert_success
}

@test "tsan: w2v-train -t 2, skip-gram with shared negatives (the default), from a file" {
    corpus
    run --separate-stderr train -o "$T/v.wp" "$T/c.tok"
    assert_success
    [ -s "$T/v.wp" ]
}

@test "tsan: w2v-train -t 2, skip-gram with --exact-updates and with --hs" {
    corpus
    run --separate-stderr train --exact-updates -o "$T/v1" "$T/c.tok"
    assert_success
    run --separate-stderr train --hs -n 0 -o "$T/v2" "$T/c.tok"
    assert_success
}

@test "tsan: w2v-train -t 2, CBOW batched, CBOW --exact-updates and CBOW --hs" {
    corpus
    run --separate-stderr train --cbow -o "$T/v1" "$T/c.tok"
    assert_success
    run --separate-stderr train --cbow --exact-updates --cbow-sum -o "$T/v2" "$T/c.tok"
    assert_success
    run --separate-stderr train --cbow --hs -o "$T/v3" "$T/c.tok"
    assert_success
}

# The check can fail: without tests/tsan.supp the Hogwild races are reported (exit 66), in
# the functions the file names; its report goes to $T, not to the run's report directory.
@test "tsan: without the suppressions, w2v-train -t 2 reports its Hogwild races" {
    corpus
    TSAN_OPTIONS="halt_on_error=1:log_path=$T/tsan" run --separate-stderr \
        w2v-train -q -v "$T/c.voc" -t 2 -d 8 -e 2 -n 2 -w 3 --seed 3 -o "$T/v" "$T/c.tok"
    [ "$status" -eq 66 ] || fail "exit $status, expected TSan's 66"
    cat "$T"/tsan.* > "$T/report"
    grep -q 'WARNING: ThreadSanitizer: data race' "$T/report"
    grep -qE 'w2v_sg_window_shared|ns_update|hs_update' "$T/report"
}

# No suppressions: one worker has no Hogwild partner, so any race is between the worker and
# the main thread (reader, chunk queue, progress, checkpoints) and is a bug.
@test "tsan: w2v-train -t 1 checkpointing, without the Hogwild suppressions" {
    corpus
    TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
        w2v-train -v "$T/c.voc" -t 1 -d 8 -e 2 --seed 3 --checkpoint "$T/ck" \
        --checkpoint-every 5000w --log "$T/log" -o "$T/v" < "$T/c.tok"
    assert_success
    TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
        w2v-train -q -v "$T/c.voc" -t 1 --resume "$T/ck" -o "$T/r" "$T/c.tok"
    assert_success
}

# No suppressions: with --deterministic each worker trains a replica of its own, so there
# is no Hogwild race left to excuse.
@test "tsan: w2v-train -t 2 --deterministic races nowhere: every mode, checkpoints, resume" {
    corpus
    local f
    for f in "" "--cbow" "--hs -n 0" "--exact-updates"; do
        TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
            train --deterministic --sync-words 5000 $f -e 2 -o "$T/v" "$T/c.tok"
        assert_success
    done
    TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
        train --deterministic --sync-words 5000 -e 3 --checkpoint "$T/ck" \
        --checkpoint-every 20000w -o "$T/v" "$T/c.tok"
    assert_success
    TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
        w2v-train -q -v "$T/c.voc" --resume "$T/ck" -o "$T/r" "$T/c.tok"
    assert_success
    cmp "$T/v" "$T/r"
}

# No suppressions (--deterministic): the workers decode the records they train and append
# them to the spool in stream order, taking turns, which must race nowhere either.
@test "tsan: w2v-train -t 2 --deterministic on windows and spans read twice: workers decode and spool in turn" {
    corpus
    pairs -q -v "$T/c.voc" -w 3 "$T/c.tok" > "$T/c.win"
    pairs -q --spans -v "$T/c.voc" -w 3 "$T/c.tok" > "$T/c.spans"
    local f
    for f in c.win c.spans; do
        TSAN_OPTIONS=${TSAN_OPTIONS/:suppressions=*/} run --separate-stderr \
            train --deterministic --sync-words 5000 -e 2 -o "$T/v" "$T/$f"
        assert_success
    done
}

@test "tsan: w2v-train -t 2 from stdin, checkpointing, logging, resuming" {
    corpus
    run --separate-stderr train --checkpoint "$T/ck" --checkpoint-every 5000w \
        --log "$T/log" --save-context "$T/ctx" -o "$T/v" < "$T/c.tok"
    assert_success
    [ -s "$T/ck" ] && [ -s "$T/log" ] && [ -s "$T/ctx" ]
    run --separate-stderr w2v-train -q -v "$T/c.voc" -t 2 --resume "$T/ck" -o "$T/r" "$T/c.tok"
    assert_success
}

@test "tsan: w2v-train -t 2 on pairs' windows and spans, and with --context-vocab" {
    corpus
    pairs -q -v "$T/c.voc" -w 3 "$T/c.tok" > "$T/c.win"
    run --separate-stderr train -o "$T/v" "$T/c.win"
    assert_success
    pairs -q --spans -v "$T/c.voc" -w 3 "$T/c.tok" > "$T/c.spans"
    run --separate-stderr train -o "$T/vs" "$T/c.spans"
    assert_success
    awk 'NF >= 2 { for (i = 2; i <= NF; i++) print $1 "\t" $i "/c" }' "$M/c.txt" | head -n 12000 \
        > "$T/p.txt"
    pairs -q --from-text -s 0 --vocab-out "$T/pw.voc" --context-vocab-out "$T/pc.voc" \
        -o "$T/p.win" "$T/p.txt"
    run --separate-stderr w2v-train -q -v "$T/pw.voc" --context-vocab "$T/pc.voc" -t 2 -d 8 \
        --save-context "$T/pctx" -o "$T/pv" "$T/p.win"
    assert_success
}

@test "tsan: knn -t 2: all neighbours, batched queries, analogies, an HNSW index" {
    corpus
    train -o "$T/v.wp" "$T/c.tok"
    run --separate-stderr knn -t 2 --all -k 3 "$T/v.wp"
    assert_success
    wpcat "$T/c.voc" | head -n 50 | cut -f1 > "$T/q"
    run --separate-stderr knn -t 2 -k 5 "$T/v.wp" < "$T/q"
    assert_success
    need_data questions-words.txt
    run --separate-stderr knn -t 2 --quiet --analogy "$DATA/questions-words.txt" "$T/v.wp"
    assert_success
    run --separate-stderr knn -t 2 --hnsw "$T/v.idx" --all -k 3 "$T/v.wp"
    assert_success
    run --separate-stderr knn -t 2 --hnsw "$T/v.idx" -k 3 "$T/v.wp" < "$T/q"
    assert_success
}

@test "tsan: elmo-train -t 2 (word and character input) and embed -t 2" {
    need_data ptb/ptb.train.txt.gz
    tok --whitespace -q "$M/ptb.txt" > "$T/p.tok"
    vocab -q -m 2 -o "$T/p.voc" "$T/p.tok"
    run --separate-stderr elmo-train -q -v "$T/p.voc" -t 2 --seed 1 --hidden 16 --unroll 6 \
        --batch 4 --epochs 1 --valid "$T/p.tok" --checkpoint "$T/ck" --checkpoint-every 480w \
        -o "$T/w.model" "$T/p.tok"
    assert_success
    run --separate-stderr elmo-train -q -v "$T/p.voc" -t 2 --seed 1 --char-input \
        --filters 1:8,2:8 --char-dim 4 --max-chars 12 --highway 1 --hidden 16 --unroll 6 \
        --batch 4 --epochs 1 --sampled 20 -o "$T/c.model" "$T/p.tok"
    assert_success
    run --separate-stderr embed -q --model "$T/w.model" -t 2 -b 3 -o "$T/e1" "$T/p.tok"
    assert_success
    run --separate-stderr embed -q --model "$T/c.model" -t 2 -b 2 --carry-state --average \
        -o "$T/e2" "$T/p.tok"
    assert_success
}
