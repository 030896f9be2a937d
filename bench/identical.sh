#!/usr/bin/env bash
# bench/identical.sh - runs the README's pipeline examples on small slices of the shared data
# with two builds of the tools and compares every output byte for byte: the check that a
# refactoring (issue 17) changed no model, vector, stream or report.
#
#   bench/identical.sh OLD_BIN_DIR [NEW_BIN_DIR]     (NEW defaults to build/bin)
#
# Prints one line per output ("same" or "DIFFERS") and exits 1 if any differs.
set -eu
old=${1:?usage: bench/identical.sh OLD_BIN_DIR [NEW_BIN_DIR]}
new=${2:-build/bin}
DATA=${DATA:-../shared/data}
work=$(mktemp -d "${TMPDIR:-/tmp}/identical.XXXXXX")
trap 'rm -rf "$work"' EXIT

zcat "$DATA/enwiki-text8style.gz" | head -c 3000000 | fold -w 2000 -s > "$work/corpus.txt"
zcat "$DATA/ptb/ptb.train.txt.gz" | head -n 3000 > "$work/ptb.train.txt"
zcat "$DATA/ptb/ptb.valid.txt.gz" | head -n 300 > "$work/ptb.valid.txt"
head -n 2000 "$DATA/questions-words.txt" > "$work/q.txt"

# run_all BIN OUT: the README's examples with BIN's tools, outputs under OUT
run_all() (
    b=$1 o=$2
    mkdir -p "$o" && cd "$work"
    "$b/tok" -q corpus.txt > "$o/corpus.tok"
    "$b/vocab" -q -m 5 "$o/corpus.tok" > "$o/corpus.vocab"
    "$b/pairs" -q -v "$o/corpus.vocab" -s 1e-4 -w 5 -e 2 "$o/corpus.tok" > "$o/corpus.win"
    "$b/tok" -q -z 0 corpus.txt | "$b/pairs" -q -z 0 --spans -v "$o/corpus.vocab" -s 1e-4 -e 2 |
        "$b/w2v-train" -q -v "$o/corpus.vocab" -t 1 -o "$o/spans.vec"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -d 50 -n 5 -t 1 -o "$o/win.vec" "$o/corpus.win"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -s 1e-4 -e 2 -t 1 -o "$o/tok.vec" "$o/corpus.tok"
    "$b/w2v-train" -q -v "$o/corpus.vocab" --cbow -e 2 -t 1 -o "$o/cbow.vec" "$o/corpus.tok"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -e 2 -t 2 --deterministic -o "$o/det.vec" "$o/corpus.tok"
    # w2v-train's outputs in every format, the context vectors, subwords, and its plans: a
    # token pipe of one epoch (estimated windows), windows read twice (-e 4 over a stream of
    # 2 epochs), a windows file of two streams concatenated (the count differs: a warning)
    "$b/w2v-train" -q -v "$o/corpus.vocab" -d 20 -e 1 -t 1 --format txt -o "$o/w.txt" \
        "$o/corpus.tok"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -d 20 -e 1 -t 1 --format bin \
        --save-context "$o/ctx.vec" -o "$o/w.bin" "$o/corpus.tok"
    if "$b/w2v-train" -h | grep -q -e --subwords; then   # not in older builds
        "$b/w2v-train" -q -v "$o/corpus.vocab" -d 12 -e 1 -t 1 --subwords 3-4 --buckets 5000 \
            --format txt -o "$o/sub.txt" "$o/corpus.tok"
        "$b/w2v-train" -q -v "$o/corpus.vocab" -d 12 -e 1 -t 1 --subwords 3-4 --buckets 5000 \
            --format fasttext -o "$o/sub.ftz" "$o/corpus.tok"
    fi
    cat "$o/corpus.tok" | "$b/w2v-train" -q -v "$o/corpus.vocab" -d 20 -e 1 -t 1 \
        -o "$o/pipe.vec"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -d 20 -e 4 -t 1 -o "$o/win4.vec" "$o/corpus.win"
    cat "$o/corpus.win" "$o/corpus.win" > "$work/cat.win.$(basename "$o")"
    "$b/w2v-train" -q -v "$o/corpus.vocab" -d 20 -t 1 -o "$o/cat.vec" \
        "$work/cat.win.$(basename "$o")" 2> "$o/cat.err"
    sed -i "s|$work/cat.win.$(basename "$o")|cat.win|" "$o/cat.err"
    "$b/knn" --analogy q.txt "$o/tok.vec" > "$o/analogy.txt" 2>&1
    echo the | "$b/knn" -k 5 "$o/tok.vec" > "$o/knn.txt"
    "$b/knn" --convert txt -o "$o/tok.txt" "$o/tok.vec"
    "$b/wpcat" "$o/corpus.vocab" > "$o/vocab.txt"
    "$b/tok" -q --whitespace ptb.train.txt > "$o/train.tok"
    "$b/tok" -q --whitespace ptb.valid.txt > "$o/valid.tok"
    "$b/vocab" -q "$o/train.tok" > "$o/ptb.vocab"
    "$b/elmo-train" -q --preset small --hidden 32 --proj 16 --layers 2 --max-batches 30 \
        -v "$o/ptb.vocab" --valid "$o/valid.tok" -o "$o/lm.model" "$o/train.tok"
    "$b/elmo-train" -q --char-input --hidden 32 --proj 16 --filters 1:8,2:8,3:16 --highway 1 \
        --sampled 64 --max-batches 20 -v "$o/ptb.vocab" -o "$o/char.model" "$o/train.tok"
    "$b/embed" -q --model "$o/lm.model" "$o/valid.tok" > "$o/valid.cvec"
    "$b/wpcat" "$o/valid.cvec" | head -n 50 > "$o/valid.cvec.txt"
    "$b/embed" -q --model "$o/char.model" --mix 0,0,0 --gamma 1 --format npy -o "$o/x.npy" "$o/valid.tok"
    "$b/embed" -q --vectors "$o/tok.vec" --sentence mean "$o/corpus.tok" > "$o/sent.vec"
    # elmo-train: a checkpoint mid-run (Adagrad: optimizer state in it), then --resume to the
    # end; a token budget that stops the run with a checkpoint; a poisoned batch rolled back.
    # Checkpoints hold the training seconds: kept out of the comparison.
    ck=$work/ck.$(basename "$o")
    "$b/elmo-train" -q -t 1 --hidden 32 --proj 16 --optim adagrad --lr 0.2 --epochs 2 \
        --checkpoint "$ck" --checkpoint-every 2000w --max-batches 15 \
        -v "$o/ptb.vocab" -o "$o/partial.model" "$o/train.tok"
    "$b/elmo-train" -q -t 1 --resume "$ck" --max-batches 40 --valid "$o/valid.tok" \
        --test "$o/valid.tok" --log "$o/resumed.log" -o "$o/resumed.model" "$o/train.tok"
    sed -i 's/\t[0-9.]*\t[0-9.]*$//' "$o/resumed.log"   # tokens/s and seconds: the clock's
    "$b/elmo-train" -q -t 1 --hidden 16 --proj 8 --token-budget 3k --checkpoint "$ck.budget" \
        -v "$o/ptb.vocab" -o "$o/budget.model" "$o/train.tok"
    "$b/elmo-train" -q -t 1 --hidden 16 --proj 8 --max-batches 12 --inject-nan 5 \
        -v "$o/ptb.vocab" -o "$o/nan.model" "$o/train.tok" 2> /dev/null
    # embed: the formats and modes (token arrays, a directory of arrays, pooled model
    # vectors, one layer, carried state, the token cache written and used, exports)
    "$b/embed" -q --model "$o/lm.model" --format npy -o "$o/tok.npy" "$o/valid.tok"
    "$b/embed" -q --model "$o/lm.model" --sentence max --layer 2 -b 7 -t 2 "$o/valid.tok" \
        > "$o/sentmax.vec"
    "$b/embed" -q --model "$o/lm.model" --average --carry-state "$o/valid.tok" > "$o/carry.cvec"
    "$b/embed" -q --model "$o/char.model" --cache-vocab -o "$o/char.cache"
    "$b/embed" -q --model "$o/char.model" --cache "$o/char.cache" --layer 0 "$o/valid.tok" \
        > "$o/layer0.cvec"
    "$b/embed" -q --model "$o/char.model" --layer 0 "$o/valid.tok" > "$o/layer0nc.cvec"
    mkdir -p "$work/npydir.$(basename "$o")"
    "$b/embed" -q --vectors "$o/tok.vec" --npy-dir "$work/npydir.$(basename "$o")" \
        --oov zero "$o/valid.tok"
    cat "$work/npydir.$(basename "$o")"/*.npy > "$o/npydir.cat"
    "$b/embed" -q --vectors "$o/tok.vec" --format npy --oov skip -o "$o/static.npy" "$o/valid.tok"
    "$b/embed" -q --vectors "$o/tok.vec" --sentence mean --normalize --format npy \
        -o "$o/sent.npy" "$o/valid.tok"
    "$b/embed" --vectors "$o/tok.vec" --export txt -o "$o/export.txt"
    "$b/embed" --vectors "$o/tok.vec" --export bin -o "$o/export.bin"
    "$b/embed" --vectors "$o/tok.vec" --export fasttext -o "$o/export.ftz"
    # probe: trained (the model file holds its training seconds: kept out, its evaluation
    # compared instead), a mix of layers and one layer with a hidden layer
    awk '{ s = ""; for (i = 1; i <= NF; i++) { w = $i
        t = (w == "the" || w == "a") ? "DET" : (w == "N") ? "NUM" : (w ~ /s$/) ? "S" : "O"
        s = s (i > 1 ? " " : "") t } print s }' ptb.valid.txt | "$b/tok" -q --whitespace \
        > "$o/valid.lab"
    "$b/probe" -t 1 --epochs 4 --dev "$o/valid.cvec" --dev-labels "$o/valid.lab" \
        -o "$ck.probe" "$o/valid.cvec" "$o/valid.lab" 2>&1 | grep -v -E ' s( |,|$)' > "$o/probe.err"
    "$b/probe" --eval -t 1 --format tsv --model "$ck.probe" "$o/valid.cvec" "$o/valid.lab" |
        grep -v train_seconds > "$o/probe.tsv"
    "$b/probe" -q -t 1 --epochs 3 --layer 1 --hidden 8 -o "$ck.probe1" "$o/valid.cvec" \
        "$o/valid.lab"
    "$b/probe" --eval -t 1 --model "$ck.probe1" "$o/valid.cvec" "$o/valid.lab" > "$o/probe1.txt"
)

run_all "$(cd "$old" && pwd)" "$work/old"
run_all "$(cd "$new" && pwd)" "$work/new"
bad=0
for f in "$work"/old/*; do
    n=$work/new/$(basename "$f")
    if cmp -s "$f" "$n"; then
        printf 'same     %s\n' "$(basename "$f")"
    else
        printf 'DIFFERS  %s\n' "$(basename "$f")"; bad=1
    fi
done
exit $bad
