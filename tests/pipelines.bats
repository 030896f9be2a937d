#!/usr/bin/env bats
# The make pipelines (pipelines/*.mk) on a tiny slice of the corpus: what they write, that
# a second run remakes nothing, and that a parameter change remakes exactly what follows it.

setup_file() {
    # the first 300,000 bytes (about 50,000 words) of the text8-style corpus
    load test_helper
    if [ -e "$DATA/enwiki-text8style.gz" ]; then
        { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 300000 > "$BATS_FILE_TMPDIR/slice.txt"
    fi
}

setup() {
    load test_helper
    need_data enwiki-text8style.gz
    need_data questions-words.txt
    need_data wordsim353.tsv
    SLICE=$BATS_FILE_TMPDIR/slice.txt
    RUNS=$BATS_TEST_TMPDIR/runs
    W=$RUNS/w2v
}

# pmake ARGS...: make in the repository on the slice, into this test's run directory, with
# the tools already built in $BUILD_DIR; free of the MAKEFLAGS of a `make check` around us.
pmake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" --no-print-directory \
        BUILD="$BUILD_DIR" DATA="$DATA" RUNS="$RUNS" W2V_CORPUS="$SLICE" \
        W2V_EPOCHS=1 W2V_DIM=20 W2V_MIN=2 W2V_THREADS=1 "$@"
}

# mtimes: name and nanosecond modification time of every file under the run directory
mtimes() {
    find "$RUNS" -type f -printf '%P %T@\n' | sort
}

@test "pipelines: make w2v writes every stage and a report with one row per model" {
    run --separate-stderr pmake w2v
    assert_success
    for f in tokens.rec vocab.rec windows.rec sg.vec cbow.vec sg.log cbow.log \
             sg.analogy.tsv cbow.wordsim.tsv params.txt report.md; do
        [ -s "$W/$f" ] || fail "$W/$f missing or empty"
    done
    assert_output --partial "| model | analogy total | semantic | syntactic |"
    grep -q '^| model | analogy total | semantic | syntactic | questions seen | WordSim-353 Spearman | words/s |$' "$W/report.md"
    # each row: the model, 3 accuracies in [0, 1], questions seen, Spearman in [-1, 1], words/s > 0
    for m in sg cbow; do
        grep "^| $m |" "$W/report.md" | awk -F' *\\| *' '
            { ok = NF == 9 && $3 >= 0 && $3 <= 1 && $4 >= 0 && $4 <= 1 && $5 >= 0 && $5 <= 1 &&
                   $6 > 0 && $7 >= -1 && $7 <= 1 && $7 != "" && $8 > 0 }
            END { exit !(NR == 1 && ok) }' || fail "bad row for $m: $(cat "$W/report.md")"
    done
    grep -qx 'dim=20' "$W/params.txt"
    grep -qx 'epochs=1' "$W/params.txt"
    # the two models differ
    ! cmp -s "$W/sg.vec" "$W/cbow.vec"
    if command -v gnuplot >/dev/null; then
        [ "$(head -c 8 "$W/sg-loss.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
    else
        assert_output --partial "apt-get install gnuplot-nox"
    fi
}

@test "pipelines: a second make w2v remakes nothing" {
    pmake w2v > /dev/null 2>&1
    before=$(mtimes)
    run --separate-stderr pmake w2v
    assert_success
    [ "$(mtimes)" = "$before" ]
    refute_output --partial "w2v-train"
    refute_output --partial "bin/tok"
    [[ $stderr != *w2v-train:* ]]
    # make -q and make -n agree: nothing is left to do (the stamps change only with their
    # parameters); a new parameter is
    run pmake -q w2v
    assert_success
    run pmake -n w2v
    refute_output --partial "w2v-train"
    run -1 pmake -q w2v W2V_DIM=16
    [ "$(mtimes)" = "$before" ]
}

@test "pipelines: a new dimension remakes the models, not the tokens, vocabulary or windows" {
    pmake w2v > /dev/null 2>&1
    cp "$W/sg.vec" "$BATS_TEST_TMPDIR/sg20.vec"
    before=$(mtimes)
    run --separate-stderr pmake w2v W2V_DIM=16
    assert_success
    after=$(mtimes)
    for f in tokens.rec vocab.rec windows.rec; do
        [ "$(grep "^w2v/$f " <<< "$before")" = "$(grep "^w2v/$f " <<< "$after")" ] || fail "$f remade"
    done
    for f in sg.vec cbow.vec report.md; do
        [ "$(grep "^w2v/$f " <<< "$before")" != "$(grep "^w2v/$f " <<< "$after")" ] || fail "$f not remade"
    done
    grep -qx 'dim=16' "$W/params.txt"
    ! cmp -s "$W/sg.vec" "$BATS_TEST_TMPDIR/sg20.vec"
}

@test "pipelines: a new sample threshold remakes the windows but not the tokens or vocabulary" {
    pmake w2v > /dev/null 2>&1
    before=$(mtimes)
    pmake w2v W2V_SAMPLE=1e-3 > /dev/null 2>&1
    after=$(mtimes)
    for f in tokens.rec vocab.rec; do
        [ "$(grep "^w2v/$f " <<< "$before")" = "$(grep "^w2v/$f " <<< "$after")" ] || fail "$f remade"
    done
    for f in windows.rec sg.vec; do
        [ "$(grep "^w2v/$f " <<< "$before")" != "$(grep "^w2v/$f " <<< "$after")" ] || fail "$f not remade"
    done
}

@test "pipelines: one thread and one seed train the same model twice, bit for bit" {
    pmake w2v > /dev/null 2>&1
    mv "$RUNS" "$BATS_TEST_TMPDIR/first"
    pmake w2v > /dev/null 2>&1
    cmp "$BATS_TEST_TMPDIR/first/w2v/windows.rec" "$W/windows.rec"
    cmp "$BATS_TEST_TMPDIR/first/w2v/sg.vec" "$W/sg.vec"
    cmp "$BATS_TEST_TMPDIR/first/w2v/cbow.vec" "$W/cbow.vec"
}

@test "pipelines: a failing stage leaves no partial file and a missing input says what to fetch" {
    run --separate-stderr pmake w2v W2V_DIM=0
    assert_failure
    [ -e "$W/windows.rec" ]
    [ ! -e "$W/sg.vec" ]
    [ ! -e "$W/report.md" ]
    run --separate-stderr pmake w2v W2V_QUESTIONS="$BATS_TEST_TMPDIR/none.txt"
    assert_failure
    assert_output --partial "none.txt not found: it is word2vec's questions-words.txt"
    run --separate-stderr pmake w2v W2V_CORPUS="$BATS_TEST_TMPDIR/nocorpus.txt"
    assert_failure
    assert_output --partial "corpus $BATS_TEST_TMPDIR/nocorpus.txt not found"
}

@test "pipelines: make interop reads the text and binary exports back with gensim and knn alike" {
    /usr/bin/python3 -c 'import gensim' 2>/dev/null || skip "/usr/bin/python3 cannot import gensim"
    run --separate-stderr pmake interop
    assert_success
    R=$RUNS/interop
    [ -s "$R/sg.txt" ] && [ -s "$R/sg.bin" ]
    [ "$(head -n 1 "$R/sg.txt" | cut -d' ' -f2)" = 20 ]
    [ "$(grep -c '^| \(txt\|bin\) | \(gensim\|knn\) | ' "$R/report.md")" = 4 ]
    # every row carries the same numbers
    [ "$(grep '^| \(txt\|bin\) |' "$R/report.md" | cut -d'|' -f4- | sort -u | wc -l)" = 1 ]
    run --separate-stderr pmake interop INTEROP_PYTHON=/nonexistent/python3
    assert_success
    assert_output --partial "interop: skipped: /nonexistent/python3 cannot import gensim"
}

@test "pipelines: make ptb trains the language model on PTB slices and reports every epoch" {
    need_data ptb/ptb.train.txt.gz
    P=$BATS_TEST_TMPDIR/ptbdata
    mkdir -p "$P"
    for s in train valid test; do
        { gzip -dc "$DATA/ptb/ptb.$s.txt.gz" || true; } | head -n 300 | gzip > "$P/ptb.$s.txt.gz"
    done
    run --separate-stderr pmake ptb PTB_DIR="$P" PTB_EPOCHS=2 PTB_THREADS=1 \
        PTB_ARGS="--hidden 16 --unroll 5 --batch 4"
    assert_success
    for f in train.tok valid.tok test.tok vocab.rec word-forward.model word-forward.log word-forward.md; do
        [ -s "$RUNS/ptb/$f" ] || fail "$RUNS/ptb/$f missing or empty"
    done
    assert_output --partial "| epoch | lr | train ppl | valid ppl fwd |"
    # two epoch rows with finite perplexities, then the test line
    run awk '/^\| [12] \|/ { n++; if (!($6 > 1 && $6 < 100000)) bad = 1 } END { exit !(n == 2 && !bad) }' "$RUNS/ptb/word-forward.md"
    assert_success
    grep -q '^Test perplexity: forward [0-9.]*, backward 0.00' "$RUNS/ptb/word-forward.md"
    # nothing to do the second time
    run --separate-stderr pmake ptb PTB_DIR="$P" PTB_EPOCHS=2 PTB_THREADS=1 \
        PTB_ARGS="--hidden 16 --unroll 5 --batch 4"
    assert_success
    [[ $stderr != *elmo-train* ]]
}

@test "pipelines: make elmo trains a biLM on PTB slices, reports both directions and embeds the test set" {
    need_data ptb/ptb.train.txt.gz
    P=$BATS_TEST_TMPDIR/ptbdata
    mkdir -p "$P"
    for s in train valid test; do
        { gzip -dc "$DATA/ptb/ptb.$s.txt.gz" || true; } | head -n 200 | gzip > "$P/ptb.$s.txt.gz"
    done
    run --separate-stderr pmake elmo PTB_DIR="$P" ELMO_EPOCHS=1 ELMO_THREADS=1 \
        ELMO_ARGS="--hidden 12 --unroll 5 --batch 4"
    assert_success
    [ -s "$RUNS/elmo/bilm.model" ]
    grep -q '^Test perplexity: forward [0-9.]*, backward [0-9.]*\.$' "$RUNS/elmo/report.md"
    run awk '/^Test perplexity/ { exit !($4 + 0 > 1 && $6 + 0 > 1) }' "$RUNS/elmo/report.md"
    assert_success
    # one averaged vector (2 x 12 floats) per test token
    tokens=$(zcat "$P/ptb.test.txt.gz" | wc -w)
    grep -q "^$tokens tokens x 24 floats\.$" "$RUNS/elmo/report.md" || fail "$(cat "$RUNS/elmo/report.md")"
}

# make probe on slices: 3,000 lines of the Wikipedia extract, 300 EWT train and 100 dev
# sentences, a tiny biLM for a 5-second budget, tiny skip-gram vectors.
probe_slices() {
    need_data enwiki-extract.txt.gz
    need_data ud-ewt/en_ewt-ud-train.conllu.gz
    P=$BATS_TEST_TMPDIR/pdata
    mkdir -p "$P/ewt"
    { gzip -dc "$DATA/enwiki-extract.txt.gz" || true; } | head -n 3000 | gzip > "$P/wiki.txt.gz"
    for s in train:300 dev:100; do
        { gzip -dc "$DATA/ud-ewt/en_ewt-ud-${s%:*}.conllu.gz" || true; } |
            awk -v n="${s#*:}" '{ print } /^$/ && ++k == n { exit }' |
            gzip > "$P/ewt/en_ewt-ud-${s%:*}.conllu.gz"
    done
}

pmake_probe() {
    pmake PROBE_WIKI="$P/wiki.txt.gz" PROBE_EWT="$P/ewt" PROBE_HOLDOUT=10 PROBE_MIN=2 \
        PROBE_WORDS=3000 PROBE_BUDGET=5s PROBE_LM_THREADS=1 \
        PROBE_LM_FLAGS="--char-input --hidden 32 --proj 16 --filters 1:8,2:8,3:16 --highway 1 --sampled 64 --batch 4 --unroll 5 --optim adagrad --lr 0.2 --seed 1" \
        PROBE_SG_FLAGS="--sg -d 16 -e 1 --seed 1" PROBE_FLAGS="--seed 1 --epochs 3" \
        PROBE_HIDDEN=8 "$@"
}

@test "pipelines: make probe's defaults: the hidden-layer rows get --hidden 256, the others none" {
    probe_slices
    run --separate-stderr pmake -n PROBE_WIKI="$P/wiki.txt.gz" PROBE_EWT="$P/ewt" probe
    assert_success
    [ "$(grep -c -- "probe -q --seed 1 --hidden 256 -t 2 .*row-h-sg.probe" <<< "$output")" -eq 1 ]
    [ "$(grep -c -- "probe -q --seed 1 --concat --hidden 256 -t 2 .*row-h-concat.probe" <<< "$output")" -eq 1 ]
    [ "$(grep -c -- "probe -q .*--hidden" <<< "$output")" -eq 2 ]
}

@test "pipelines: make probe trains a biLM and skip-gram, embeds EWT and reports every row" {
    probe_slices
    run --separate-stderr pmake_probe probe
    assert_success
    R=$RUNS/probe
    for f in wiki-train.tok wiki-heldout.tok wiki.vocab lm.model lm.ckpt sg.vec ewt-train.elmo \
             ewt-dev.sg row-baseline.tsv row-sg.tsv row-layer0.tsv row-layer1.tsv row-layer2.tsv \
             row-mix.tsv row-concat.tsv row-h-sg.tsv row-h-concat.tsv report.md; do
        [ -s "$R/$f" ] || { echo "missing $f"; return 1; }
    done
    # one table row per representation, each with an accuracy: 7 linear, 2 with a hidden
    # layer in a table of their own
    [ "$(grep -c '^| [a-z].* | [0-9.]* | [0-9.]* | [0-9.]* |$' "$R/report.md")" -eq 9 ]
    grep -q "one hidden layer (8 ReLU units)" "$R/report.md"
    grep -q "training budget 5s" "$R/report.md"
    grep -q "biLM trained at commit $(git -C "$ROOT" rev-parse --short HEAD)" "$R/report.md"
    # a second make remakes nothing; a larger budget resumes the checkpoint
    before=$(mtimes)
    run --separate-stderr pmake_probe probe
    assert_success
    [ "$before" = "$(mtimes)" ]
    # a fresh copy of the data (new times, the same bytes) remakes nothing either; new bytes
    # remake the tokens and what follows
    sleep 0.01
    touch "$P/wiki.txt.gz" "$P/ewt/"*.gz
    run --separate-stderr pmake_probe probe
    assert_success
    [ "$before" = "$(mtimes)" ]
    cp "$P/wiki.txt.gz" "$P/wiki.orig.gz"
    { gzip -dc "$P/wiki.orig.gz"; echo "one more line"; } | gzip > "$P/wiki.txt.gz"
    run --separate-stderr pmake_probe -n probe
    [[ $output == *"-o $R/wiki-train.tok"* ]]
    mv "$P/wiki.orig.gz" "$P/wiki.txt.gz"
    run --separate-stderr pmake_probe probe PROBE_BUDGET=8s
    assert_success
    [[ $output == *"--resume $R/lm.ckpt --budget 8s"* ]]
    # the table for the latest checkpoint, the finished run's files untouched
    before=$(mtimes)
    run --separate-stderr pmake_probe probe-snapshot PROBE_BUDGET=8s
    assert_success
    [ "$before" = "$(mtimes | grep -v '^probe/snapshot/')" ]
    [ "$(grep -c '^| [a-z].* | [0-9.]* | [0-9.]* | [0-9.]* |$' "$R/snapshot/report.md")" -eq 9 ]
    grep -q "training budget 8s (checkpoint after [0-9]* s of training, [0-9.]*M tokens)" \
        "$R/snapshot/report.md"
    # only the biLM rows were computed again
    [ "$R/row-sg.tsv" -ef "$R/snapshot/row-sg.tsv" ]
    [ "$R/row-h-sg.tsv" -ef "$R/snapshot/row-h-sg.tsv" ]
    ! [ "$R/row-layer1.tsv" -ef "$R/snapshot/row-layer1.tsv" ]
}
