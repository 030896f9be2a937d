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
