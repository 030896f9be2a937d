#!/usr/bin/env bats
# probe: training on static, contextual (every layer selection) and sentence vectors, the
# evaluation report (text and tsv, seen/unseen words, unknown labels, zero vectors), every
# flag, and every bad input: misaligned labels, an empty set, a non-finite vector, wrong
# stream kinds, a model of another shape; outputs are atomic.
bats_require_minimum_version 1.5.0

# A tiny elmo-train model on a slice of PTB, for the multi-layer tests (skipped without it).
setup_file() {
    load test_helper
    M=$BATS_FILE_TMPDIR
    [ -x "$BUILD_DIR/bin/elmo-train" ] && [ -e "$DATA/ptb/ptb.train.txt.gz" ] || return 0
    { gzip -dc "$DATA/ptb/ptb.train.txt.gz" || true; } | head -n 200 > "$M/ptb.txt"
    tok -q --whitespace "$M/ptb.txt" > "$M/ptb.tok"
    # a label per word: determiners, plural-looking words, numbers, the rest
    awk '{ s = ""; for (i = 1; i <= NF; i++) { w = $i
        t = (w == "the" || w == "a" || w == "an") ? "DET" : (w == "N") ? "NUM" : (w ~ /s$/) ? "S" : "O"
        s = s (i > 1 ? " " : "") t } print s }' "$M/ptb.txt" | tok -q --whitespace > "$M/ptb.lab"
    vocab -m 2 "$M/ptb.tok" > "$M/ptb.voc"
    elmo-train -q --seed 1 -t 1 --word-input --layers 2 --hidden 16 --unroll 10 --batch 4 \
        --epochs 1 -v "$M/ptb.voc" -o "$M/word.model" "$M/ptb.tok" 2> "$M/word.err" || true
    [ -s "$M/word.model" ] || return 0
    embed -q -t 1 --model "$M/word.model" -o "$M/ptb.cvec" "$M/ptb.tok" || true
    embed -q -t 1 --model "$M/word.model" --layer 1 -o "$M/ptb1.cvec" "$M/ptb.tok" || true
}

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    M=$BATS_FILE_TMPDIR
    printf '%s\n' '6 4' 'the 1 0 0 0' 'a 0.9 0.1 0 0' 'cat 0 1 0 0' 'dog 0 0.9 0.1 0' \
        'runs 0 0 1 0' 'sat 0 0 0.9 0.1' > "$T/v.txt"
    printf 'the cat runs\na cat sat\nthe cat sat\n' | tok -q --whitespace > "$T/tr.tok"
    printf 'DET NOUN VERB\nDET NOUN VERB\nDET NOUN VERB\n' | tok -q --whitespace > "$T/tr.lab"
    printf 'a dog runs\nthe cat\n' | tok -q --whitespace > "$T/dv.tok"
    printf 'DET NOUN VERB\nDET NOUN\n' | tok -q --whitespace > "$T/dv.lab"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/tr.vec" "$T/tr.tok"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/dv.vec" "$T/dv.tok"
    FAST=(--lr 0.1 --epochs 60 --patience 60 -t 1)
}

need_elmo() {
    [ -x "$BUILD_DIR/bin/elmo-train" ] || skip "elmo-train not built"
    need_data ptb/ptb.train.txt.gz
    [ -s "$M/ptb.cvec" ] || fail "no contextual vectors: $(cat "$M/word.err")"
}

need_python_xxhash() {
    /usr/bin/python3 -c 'import ctypes; ctypes.CDLL("libxxhash.so.0")' 2> /dev/null \
        || skip "python3 with libxxhash.so.0 needed to write a crafted stream"
}

# meta FILE KEY: a header metadata value of a stream
meta() {
    wpcat --stat "$1" | awk -F'\t' -v k="meta.$2" '$1 == k { print $2 }'
}

# tsv FILE METRIC LABEL: a value of probe --eval --format tsv output
tsv() {
    awk -F'\t' -v m="$2" -v l="$3" '$1 == m && $2 == l { print $3 }' "$1"
}

# ---- usage ----

@test "probe: -h prints usage on stdout; a bad option or a missing operand exit 2; -V" {
    run --separate-stderr probe -h
    assert_success
    [[ "$output" == "usage: probe "* ]]
    [ -z "$stderr" ]
    run --separate-stderr -2 probe --bogus a b
    [[ "$stderr" == *"usage: probe "* ]]
    run --separate-stderr -2 probe "$T/tr.vec"
    [[ "$stderr" == *"usage: probe "* ]]
    run --separate-stderr -2 probe a b c
    [[ "$stderr" == *"usage: probe "* ]]
    run --separate-stderr probe -V
    assert_success
    [[ "$output" == "probe (wordpipe) "* ]]
}

@test "probe: options of training and of --eval are refused in the other mode" {
    run --separate-stderr -2 probe --eval "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: --eval needs --model" ]
    for opt in "--hidden 4" "--lr 0.1" "--l2 1" "--epochs 2" "--patience 2" "--seed 3" \
               "-b 8" "-z 0" "--layer 0" "--concat" "--learn-mix" "--dev x"; do
        run --separate-stderr -2 probe --eval --model m $opt "$T/tr.vec" "$T/tr.lab"
        [[ "$stderr" == "probe: --eval takes only --model, -o, -q, -t, --format, --top and --any-source"* ]]
    done
    for opt in "--model m" "--format tsv" "--top 3"; do
        run --separate-stderr -2 probe $opt "$T/tr.vec" "$T/tr.lab"
        [ "$stderr" = "probe: --model, --format and --top need --eval" ]
    done
    run --separate-stderr -2 probe --dev "$T/dv.vec" "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: --dev and --dev-labels go together" ]
    run --separate-stderr -2 probe --dev-labels "$T/dv.lab" "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: --dev and --dev-labels go together" ]
    run --separate-stderr -2 probe --layer 1 --concat "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: choose one of --layer, --concat, --learn-mix" ]
    run --separate-stderr -2 probe --mix x y
    [ "$stderr" = "probe: --mix takes embed's fixed weights (--mix w0,w1,...) in wordpipe; say --learn-mix" ]
    run --separate-stderr -2 probe - - < "$T/tr.vec"
    [ "$stderr" = "probe: only one input can be standard input" ]
}

@test "probe: bad option values exit 2 naming the flag" {
    run --separate-stderr -2 probe -t 0 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: -t 0: expected an integer in [1, 64]" ]]
    run --separate-stderr -2 probe -b 0 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: -b 0: expected an integer"* ]]
    run --separate-stderr -2 probe --lr 0 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --lr 0: expected a number"* ]]
    run --separate-stderr -2 probe --l2 -1 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --l2 -1: expected a number"* ]]
    run --separate-stderr -2 probe --epochs 0 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --epochs 0: expected an integer"* ]]
    run --separate-stderr -2 probe --patience 0 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --patience 0: expected an integer"* ]]
    run --separate-stderr -2 probe --hidden x "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --hidden x: expected an integer"* ]]
    run --separate-stderr -2 probe --layer 64 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --layer 64: expected an integer in [0, 63]" ]]
    run --separate-stderr -2 probe --seed -1 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --seed -1: expected an integer"* ]]
    run --separate-stderr -2 probe -z 10 "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: -z 10: expected an integer in [0, 9]" ]]
    run --separate-stderr -2 probe --eval --model m --format xml "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: --format xml: unknown value" ]
    run --separate-stderr -2 probe --eval --model m --top x "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: --top x: expected an integer"* ]]
}

# ---- training and evaluation on static vectors ----

@test "probe: learns a separable set, reports per epoch on stderr, and --eval scores it 100%" {
    run --separate-stderr probe "${FAST[@]}" -o "$T/m" --dev "$T/dv.vec" --dev-labels "$T/dv.lab" \
        "$T/tr.vec" "$T/tr.lab"
    assert_success
    [ -z "$output" ]
    [[ "$stderr" == *"probe: 9 training examples (3 sentences, 3 labels, 1 x 4 floats, 0 all-zero), 5 dev"* ]]
    [[ "$stderr" == *"probe: epoch 1 loss "*" dev "*"% "*" examples/s"* ]]
    [[ "$stderr" == *"accuracy   100.00% (5/5)"* ]]
    [ "$(meta "$T/m" model)" = probe ]
    [ "$(meta "$T/m" select)" = layer ]
    [ "$(meta "$T/m" classes)" = 3 ]
    [ "$(meta "$T/m" dev_accuracy)" = 1 ]
    run --separate-stderr probe --eval --model "$T/m" "$T/dv.vec" "$T/dv.lab"
    assert_success
    assert_line --index 0 "examples   5 in 2 sentences"
    assert_line --index 1 "accuracy   100.00% (5/5)"
    assert_line --index 2 "seen       100.00% (4/4) words seen in training"
    assert_line --index 3 "unseen     100.00% (1/1) words not seen in training"
    assert_line --regexp '^NOUN +100\.00 +100\.00 +100\.00 +2 +2$'
    assert_line --regexp '^VERB +100\.00 +100\.00 +100\.00 +1 +1$'
}

@test "probe: --eval --format tsv gives metric, label, value rows; --top bounds the confusions" {
    probe -q "${FAST[@]}" --epochs 1 --lr 0.001 -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    run --separate-stderr probe --eval -q --model "$T/m" --format tsv -o "$T/r.tsv" "$T/dv.vec" "$T/dv.lab"
    assert_success
    [ -z "$output" ]
    [ "$(head -n 1 "$T/r.tsv")" = $'metric\tlabel\tvalue' ]
    [ "$(tsv "$T/r.tsv" examples all)" = 5 ]
    [ "$(tsv "$T/r.tsv" examples seen)" = 4 ]
    [ "$(tsv "$T/r.tsv" examples unseen)" = 1 ]
    [ "$(tsv "$T/r.tsv" gold NOUN)" = 2 ]
    [ "$(tsv "$T/r.tsv" best_epoch all)" = 1 ]
    [ -n "$(tsv "$T/r.tsv" train_seconds all)" ]
    [ -n "$(tsv "$T/r.tsv" f1 DET)" ]
    run probe --eval -q --model "$T/m" --format tsv --top 1 "$T/tr.vec" "$T/tr.lab"
    [ "$(printf '%s\n' "$output" | grep -c '^confusion')" -le 1 ]
    run probe --eval -q --model "$T/m" --format tsv --top 0 "$T/tr.vec" "$T/tr.lab"
    [ "$(printf '%s\n' "$output" | grep -c '^confusion')" -eq 0 ]
}

@test "probe: out-of-vocabulary zero vectors are counted; labels unseen in training count as errors" {
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    printf 'the zz cat\n' | tok -q --whitespace > "$T/o.tok"
    printf 'DET X NOUN\n' | tok -q --whitespace > "$T/o.lab"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/o.vec" "$T/o.tok"
    run --separate-stderr probe --eval --model "$T/m" "$T/o.vec" "$T/o.lab"
    assert_success
    assert_line "accuracy   66.67% (2/3)"
    assert_line "zero       1 all-zero vectors (out-of-vocabulary words)"
    assert_line "unknown    1 examples with labels not seen in training (errors): X (1)"
    assert_line --regexp '^X +0\.00 +0\.00 +0\.00 +1 +0  \(not in training\)$'
    run probe --eval --model "$T/m" --format tsv "$T/o.vec" "$T/o.lab"
    assert_line $'zero_vectors\tall\t1'
    assert_line $'unknown_labels\tall\t1'
    assert_line $'accuracy\tunseen\t0.0000'
}

@test "probe: -t 1 is deterministic for a seed; another --seed gives another model" {
    probe -q "${FAST[@]}" --epochs 5 -o "$T/a" "$T/tr.vec" "$T/tr.lab"
    probe -q "${FAST[@]}" --epochs 5 -o "$T/b" "$T/tr.vec" "$T/tr.lab"
    probe -q "${FAST[@]}" --epochs 5 --seed 2 -o "$T/c" "$T/tr.vec" "$T/tr.lab"
    # the files differ only in the header's train_seconds (8 bytes) and its check (8)
    [ "$(stat -c %s "$T/a")" = "$(stat -c %s "$T/b")" ]
    [ "$(cmp -l "$T/a" "$T/b" | wc -l)" -le 16 ]
    [ "$(cmp -l "$T/a" "$T/c" | wc -l)" -gt 16 ]
    [ "$(meta "$T/c" seed)" = 2 ]
}

@test "probe: -b, --lr, --l2, --epochs and --patience reach training and the model's metadata" {
    probe -q -t 1 -b 2 --lr 0.05 --l2 0.001 --epochs 7 -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    [ "$(meta "$T/m" batch)" = 2 ]
    [ "$(meta "$T/m" lr)" = 0.05000000074505806 ]
    [ "$(meta "$T/m" l2)" = 0.0010000000474974513 ]
    [ "$(meta "$T/m" epochs)" = 7 ]
    [ "$(meta "$T/m" best_epoch)" = 7 ]   # no dev: the last epoch
    # early stopping: dev accuracy cannot pass 100%, so --patience 2 ends soon after
    probe -q "${FAST[@]}" --epochs 500 --patience 2 -o "$T/p" --dev "$T/dv.vec" --dev-labels "$T/dv.lab" \
        "$T/tr.vec" "$T/tr.lab"
    e=$(meta "$T/p" epochs) b=$(meta "$T/p" best_epoch)
    [ "$e" -lt 500 ]
    [ "$e" -eq $((b + 2)) ]
}

@test "probe: --hidden n adds a ReLU layer that learns the set too" {
    run --separate-stderr probe -q "${FAST[@]}" --hidden 8 -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    assert_success
    [ -z "$stderr" ]
    [ "$(meta "$T/m" hidden)" = 8 ]
    run probe --eval --model "$T/m" "$T/dv.vec" "$T/dv.lab"
    assert_line "accuracy   100.00% (5/5)"
    wpcat "$T/m" | grep -q $'^w1\tf32\t8x4'
}

@test "probe: -q silences progress; -z 0 stores blocks; the model refuses a terminal unless -f" {
    run --separate-stderr probe -q -z 0 "${FAST[@]}" --dev "$T/dv.vec" --dev-labels "$T/dv.lab" \
        -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    assert_success
    [ -z "$stderr" ]
    # stored: the stream is larger than its records (block headers), never smaller
    wpcat --stat "$T/m" | awk -F'\t' '$1 == "ratio" { exit !($2 > 1) }'
    run pty_run probe -q --epochs 1 "$T/tr.vec" "$T/tr.lab"
    assert_line --partial "refusing to write a binary stream to a terminal"
    assert_line "exit=2"
    run pty_run probe -f -q --epochs 1 "$T/tr.vec" "$T/tr.lab"
    assert_line "exit=0"
    probe -q --epochs 1 "$T/tr.vec" "$T/tr.lab" | wpcat --stat - | grep -q $'^kind\tmodel'
}

@test "probe: progress shows a percent and an ETA for a file of vectors, none for a pipe" {
    # 3000 vectors: a line every 1024
    yes 'the cat runs' | head -n 1000 | tok -q --whitespace > "$T/big.tok"
    yes 'DET NOUN VERB' | head -n 1000 | tok -q --whitespace > "$T/big.lab"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/big.vec" "$T/big.tok"
    progress_of_file vectors probe --epochs 1 -t 1 -o "$T/m" "$T/big.vec" "$T/big.lab"
    progress_of_pipe vectors "$T/big.vec" probe --epochs 1 -t 1 -o "$T/m" - "$T/big.lab"
}

@test "probe: an -o that cannot be written exits 1 before the vectors are read or a probe trained" {
    run --separate-stderr -1 probe "${FAST[@]}" -o "$T/no/such/m" "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/no/such/m: No such file or directory" ]   # no loading or epoch lines
    run --separate-stderr -1 probe "${FAST[@]}" -o "$T/no/such/m" "$T/missing.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/no/such/m: No such file or directory" ]   # the output is checked first
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    run --separate-stderr -1 probe --eval -q --model "$T/m" -o "$T/no/r.txt" "$T/dv.vec" "$T/dv.lab"
    [ "$stderr" = "probe: $T/no/r.txt: No such file or directory" ]
    [ -z "$(ls -A "$T" | grep '^\.m\.')" ]
}

# ---- contextual vectors: layer selection ----

@test "probe: several layers are mixed by default; --layer n, --concat and --learn-mix select" {
    need_elmo
    run --separate-stderr probe -t 1 --epochs 3 -o "$T/mix" "$M/ptb.cvec" "$M/ptb.lab"
    assert_success
    [[ "$stderr" == *"4 labels, 3 x 32 floats"* ]]
    [ "$(meta "$T/mix" select)" = mix ]
    wpcat "$T/mix" | grep -q $'^mix.s\tf32\t3'
    probe -q -t 1 --epochs 3 --learn-mix -o "$T/mix2" "$M/ptb.cvec" "$M/ptb.lab"
    cmp <(wpcat "$T/mix") <(wpcat "$T/mix2")
    probe -q -t 1 --epochs 3 --concat -o "$T/cat" "$M/ptb.cvec" "$M/ptb.lab"
    [ "$(meta "$T/cat" select)" = concat ]
    [ "$(meta "$T/cat" dim)" = 96 ]
    probe -q -t 1 --epochs 3 --layer 1 -o "$T/l1" "$M/ptb.cvec" "$M/ptb.lab"
    [ "$(meta "$T/l1" select)" = layer ]
    [ "$(meta "$T/l1" layer)" = 1 ]
    [ "$(meta "$T/l1" dim)" = 32 ]
    for m in mix cat l1; do
        run --separate-stderr probe --eval --model "$T/$m" "$M/ptb.cvec" "$M/ptb.lab"
        assert_success
        assert_line --regexp '^accuracy   [0-9.]+% '
    done
    # a stream of that one layer alone (embed --layer 1) scores the same
    a=$(probe --eval --model "$T/l1" --format tsv "$M/ptb.cvec" "$M/ptb.lab")
    b=$(probe --eval --model "$T/l1" --format tsv "$M/ptb1.cvec" "$M/ptb.lab")
    [ "$a" = "$b" ]
    # but a mix or a concatenation needs every layer
    run --separate-stderr -3 probe --eval --model "$T/mix" "$M/ptb1.cvec" "$M/ptb.lab"
    [ "$stderr" = "probe: $M/ptb1.cvec: 1 layers x 32 dims of token vectors, the probe was trained on 3 x 32 of token vectors" ]
    run --separate-stderr -2 probe --layer 3 "$M/ptb.cvec" "$M/ptb.lab"
    [ "$stderr" = "probe: --layer 3: $M/ptb.cvec has layers 0..2" ]
}

# ---- sentence vectors ----

@test "probe: sentence vectors (embed --sentence) take one label per sentence" {
    printf 'the cat\na dog\nruns sat\nthe a\n' | tok -q --whitespace > "$T/s.tok"
    printf 'N\nN\nV\nD\n' | tok -q --whitespace > "$T/s.lab"
    embed -q --vectors "$T/v.txt" --sentence mean -o "$T/s.vec" "$T/s.tok"
    run --separate-stderr probe "${FAST[@]}" -o "$T/m" "$T/s.vec" "$T/s.lab"
    assert_success
    [ "$(meta "$T/m" sentences)" = 1 ]
    run --separate-stderr probe --eval --model "$T/m" "$T/s.vec" "$T/s.lab"
    assert_line "accuracy   100.00% (4/4)"
    printf 'N\nN V\nV\nD\n' | tok -q --whitespace > "$T/bad.lab"
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/s.vec" "$T/bad.lab"
    [ "$stderr" = "probe: $T/s.vec, $T/bad.lab: sentence 1: 2 labels, sentence vectors need exactly 1" ]
    # token vectors are not sentence vectors
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == *"1 layers x 4 dims of token vectors, the probe was trained on 1 x 4 of sentence vectors" ]]
}

# ---- bad inputs ----

@test "probe: labels not aligned with the vectors exit 3 naming files, sentence and counts" {
    printf 'DET NOUN VERB\nDET NOUN VERB VERB\nDET NOUN VERB\n' | tok -q --whitespace > "$T/long.lab"
    run --separate-stderr -3 probe -o "$T/m" "$T/tr.vec" "$T/long.lab"
    [ "$stderr" = "probe: $T/tr.vec, $T/long.lab: sentence 1: 3 vectors, 4 labels (the next vector is of sentence 2)" ]
    printf 'DET NOUN VERB\nDET NOUN VERB\n' | tok -q --whitespace > "$T/few.lab"
    run --separate-stderr -3 probe -o "$T/m" "$T/tr.vec" "$T/few.lab"
    [ "$stderr" = "probe: $T/tr.vec, $T/few.lab: vectors continue (sentence 2, position 0) after the 2 sentences of labels" ]
    printf 'DET NOUN VERB\nDET NOUN VERB\nDET NOUN VERB\nDET\n' | tok -q --whitespace > "$T/more.lab"
    run --separate-stderr -3 probe -o "$T/m" "$T/tr.vec" "$T/more.lab"
    [ "$stderr" = "probe: $T/tr.vec, $T/more.lab: vectors end in sentence 3: 0 vectors, 1 labels" ]
    # embed --oov skip drops a token: the gap is found, not shifted over
    embed -q --vectors "$T/v.txt" --oov skip -o "$T/skip.vec" "$T/dv.tok"
    printf 'a zz dog\n' | tok -q --whitespace > "$T/z.tok"
    printf 'DET X NOUN\n' | tok -q --whitespace > "$T/z.lab"
    embed -q --vectors "$T/v.txt" --oov skip -o "$T/z.vec" "$T/z.tok"
    run --separate-stderr -3 probe -o "$T/m" "$T/z.vec" "$T/z.lab"
    [ "$stderr" = "probe: $T/z.vec, $T/z.lab: sentence 0: a vector for position 2 where position 1 was due (3 labels)" ]
    # the dev set is checked the same way, and nothing is written
    run --separate-stderr -3 probe -o "$T/m" --dev "$T/dv.vec" --dev-labels "$T/tr.lab" \
        "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/dv.vec, $T/tr.lab: vectors end in sentence 1: 2 vectors, 3 labels" ]
    [ ! -e "$T/m" ]
    [ -z "$(ls -A "$T" | grep '^\.')" ]
}

@test "probe: an empty set exits 3" {
    : | tok -q > "$T/e.tok"
    embed -q --vectors "$T/v.txt" -o "$T/e.vec" "$T/e.tok"
    run --separate-stderr -3 probe -o "$T/m" "$T/e.vec" "$T/e.tok"
    [ "$stderr" = "probe: $T/e.vec, $T/e.tok: no examples" ]
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    run --separate-stderr -3 probe -o "$T/m2" --dev "$T/e.vec" --dev-labels "$T/e.tok" \
        "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/e.vec, $T/e.tok: no examples" ]
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/e.vec" "$T/e.tok"
    [ "$stderr" = "probe: $T/e.vec, $T/e.tok: no examples" ]
}

@test "probe: a non-finite vector exits 3 naming sentence and position" {
    need_python_xxhash
    printf '0 0 the 1 0 0 0\n0 1 cat 0 inf 0 0\n' | /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" 4 1 > "$T/inf.vec"
    printf 'DET NOUN\n' | tok -q --whitespace > "$T/i.lab"
    run --separate-stderr -3 probe -o "$T/m" "$T/inf.vec" "$T/i.lab"
    [ "$stderr" = "probe: $T/inf.vec, $T/i.lab: sentence 0, position 1: a non-finite value (inf at float 1)" ]
    [ ! -e "$T/m" ]
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/inf.vec" "$T/i.lab"
    [[ "$stderr" == *"sentence 0, position 1: a non-finite value"* ]]
}

@test "probe: streams of the wrong kind exit 3" {
    run --separate-stderr -3 probe -o "$T/m" "$T/tr.tok" "$T/tr.lab"
    [ "$stderr" = "probe: $T/tr.tok: expected contextual vectors or sentence vectors (embed), got tokens" ]
    run --separate-stderr -3 probe -o "$T/m" "$T/tr.vec" "$T/tr.vec"
    [[ "$stderr" == "probe: $T/tr.vec: expected a tokens stream"* ]]
    printf 'not a stream\n' > "$T/txt"
    run --separate-stderr -3 probe -o "$T/m" "$T/txt" "$T/tr.lab"
    [[ "$stderr" == "probe: $T/txt: "* ]]
    run --separate-stderr -3 probe --eval --model "$T/tr.vec" "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: $T/tr.vec: expected a model stream"* ]]
    if [ -s "$M/word.model" ]; then
        run --separate-stderr -3 probe --eval --model "$M/word.model" "$T/tr.vec" "$T/tr.lab"
        [ "$stderr" = "probe: $M/word.model: not a probe model (metadata model=probe missing)" ]
    fi
    run --separate-stderr -1 probe -o "$T/m" "$T/nonexistent" "$T/tr.lab"
    [[ "$stderr" == "probe: $T/nonexistent: No such file or directory" ]]
}

@test "probe: the words of a CoNLL-U file given as labels exit 3; its tag columns are labels" {
    printf '# text = the cat runs\n1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n2\tcat\tcat\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n3\truns\trun\tVERB\tVBZ\t_\t0\troot\t_\t_\n\n' > "$T/s.conllu"
    tok -q --conllu -o "$T/s.tok" "$T/s.conllu"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/s.vec" "$T/s.tok"
    for col in form lemma; do
        tok -q --conllu --column "$col" -o "$T/$col.lab" "$T/s.conllu"
        run --separate-stderr -3 probe -q "${FAST[@]}" -o "$T/m" "$T/s.vec" "$T/$col.lab"
        [ "$stderr" = "probe: $T/$col.lab: the CoNLL-U column $col (words), not labels: tok --conllu --column upos, xpos or deprel makes labels" ]
        [ ! -e "$T/m" ]
    done
    tok -q --conllu --column upos -o "$T/upos.lab" "$T/s.conllu"
    probe -q "${FAST[@]}" -o "$T/m" "$T/s.vec" "$T/upos.lab"
    run --separate-stderr -3 probe --eval -q --model "$T/m" "$T/s.vec" "$T/form.lab"
    [[ "$stderr" == "probe: $T/form.lab: the CoNLL-U column form (words), not labels"* ]]
}

@test "probe: vectors of another width than the model's exit 3; a failed run keeps an old output" {
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    printf '2 2\nthe 1 0\ncat 0 1\n' > "$T/v2.txt"
    embed -q --vectors "$T/v2.txt" --oov zero -o "$T/w.vec" "$T/tr.tok"
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/w.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/w.vec: 1 layers x 2 dims of token vectors, the probe was trained on 1 x 4 of token vectors" ]
    run --separate-stderr -3 probe -o "$T/m" --dev "$T/w.vec" --dev-labels "$T/tr.lab" \
        "$T/tr.vec" "$T/tr.lab"
    [[ "$stderr" == "probe: $T/w.vec: 1 layers x 2 dims of token vectors, the training set has 1 x 4"* ]]
    # the earlier model is intact
    run probe --eval --model "$T/m" "$T/dv.vec" "$T/dv.lab"
    assert_success
}

# v2: $T/v2.txt, $T/v.txt with one float changed (another model of the same dimension), and
# the dev set's vectors from it, $T/dv2.vec.
v2() {
    sed '2s/^the 1 0 0 0$/the 1 0 0 0.5/' "$T/v.txt" > "$T/v2.txt"
    embed -q --vectors "$T/v2.txt" --oov zero -o "$T/dv2.vec" "$T/dv.tok"
    [ -n "$(model_fp "$T/dv2.vec")" ] && [ "$(model_fp "$T/dv2.vec")" != "$(model_fp "$T/tr.vec")" ]
}

@test "probe: the model keeps the fingerprint of its training vectors; --eval on another model's vectors exits 3 naming both" {
    v2
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    [ "$(printf '%016x' "$(meta "$T/m" vectors_model_hash)")" = "$(model_fp "$T/tr.vec")" ]
    run --separate-stderr -3 probe --eval --model "$T/m" "$T/dv2.vec" "$T/dv.lab"
    [ -z "$output" ]
    [ "$stderr" = "probe: $T/dv2.vec: vectors made from another model (fingerprint $(model_fp "$T/dv2.vec"), the probe's training vectors have $(model_fp "$T/tr.vec")); --any-source takes them anyway" ]
    run --separate-stderr probe --eval --model "$T/m" "$T/dv.vec" "$T/dv.lab"
    assert_success
    run --separate-stderr probe --eval --any-source --model "$T/m" "$T/dv2.vec" "$T/dv.lab"
    assert_success
    assert_line --index 0 "examples   5 in 2 sentences"
}

@test "probe: a dev set made by another model than the training set exits 3 before training; --any-source trains" {
    v2
    run --separate-stderr -3 probe "${FAST[@]}" -o "$T/m" --dev "$T/dv2.vec" --dev-labels "$T/dv.lab" \
        "$T/tr.vec" "$T/tr.lab"
    [ "$stderr" = "probe: $T/dv2.vec: vectors made from another model (fingerprint $(model_fp "$T/dv2.vec"), the training vectors have $(model_fp "$T/tr.vec")); --any-source takes them anyway" ]
    [ ! -e "$T/m" ]
    probe -q --any-source "${FAST[@]}" -o "$T/m" --dev "$T/dv2.vec" --dev-labels "$T/dv.lab" \
        "$T/tr.vec" "$T/tr.lab"
    [ -s "$T/m" ]
}

@test "probe: vectors whose header names no model (older files) are taken, for training and for --eval" {
    need_python_xxhash
    v2
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" -model_hash < "$T/dv2.vec" > "$T/old.vec"
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" -model_hash < "$T/tr.vec" > "$T/trold.vec"
    [ -z "$(model_fp "$T/old.vec")" ]
    probe -q "${FAST[@]}" -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    run --separate-stderr probe --eval --model "$T/m" "$T/old.vec" "$T/dv.lab"
    assert_success
    probe -q "${FAST[@]}" -o "$T/mold" "$T/trold.vec" "$T/tr.lab"
    [ -z "$(meta "$T/mold" vectors_model_hash)" ]
    run --separate-stderr probe --eval --model "$T/mold" "$T/dv2.vec" "$T/dv.lab"
    assert_success
}

# ---- against a reference ----

# conllu_text GZ N WORDS TAGS: the first N sentences of a CoNLL-U file as space-separated
# words and UPOS tags, one sentence per line (multiword ranges and empty nodes left out).
conllu_text() {
    { gzip -dc "$1" || true; } | awk -F'\t' -v n="$2" -v wf="$3" -v tf="$4" '
        /^#/ { next }
        /^$/ { if (k) { print w > wf; print t > tf; if (++s == n) exit } w = t = ""; k = 0; next }
        $1 ~ /[-.]/ { next }
        { f = $2; gsub(/ /, "_", f); w = k ? w " " f : f; t = k ? t " " $4 : $4; k++ }'
}

@test "probe: on gensim skip-gram vectors, the same dev accuracy as scipy's logistic regression" {
    need_data ud-ewt/en_ewt-ud-train.conllu.gz
    need_data ud-ewt/en_ewt-ud-dev.conllu.gz
    /usr/bin/python3 -c 'import gensim, scipy, numpy' 2> /dev/null \
        || skip "/usr/bin/python3 cannot import gensim, scipy and numpy"
    conllu_text "$DATA/ud-ewt/en_ewt-ud-train.conllu.gz" 2000 "$T/trw" "$T/trt"
    conllu_text "$DATA/ud-ewt/en_ewt-ud-dev.conllu.gz" 400 "$T/dvw" "$T/dvt"
    /usr/bin/python3 "$ROOT/tests/interop/probe_scipy.py" "$T/trw" "$T/trt" "$T/dvw" "$T/dvt" \
        "$T/g.txt" 0.01 > "$T/ref.tsv"
    for s in tr dv; do
        tok -q --whitespace "$T/${s}w" > "$T/$s.tok"
        tok -q --whitespace "$T/${s}t" > "$T/$s.lab"
        embed -q --vectors "$T/g.txt" --oov zero -o "$T/$s.vec" "$T/$s.tok"
    done
    # full-batch Adam run to convergence: the optimum of the same objective
    probe -q -t 1 --l2 0.01 --epochs 600 -b 65536 --lr 0.02 -o "$T/m" "$T/tr.vec" "$T/tr.lab"
    probe --eval -q --model "$T/m" --format tsv -o "$T/probe.tsv" "$T/dv.vec" "$T/dv.lab"
    ref=$(awk -F'\t' '$1 == "accuracy" { print $2 }' "$T/ref.tsv")
    got=$(tsv "$T/probe.tsv" accuracy all)
    echo "scipy $ref probe $got"
    awk -v a="$ref" -v b="$got" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 30 && d <= 0.2) }'
}
