#!/usr/bin/env bash
# phrases side by side with gensim Phrases on the same sentences and at equal settings:
# wall time, CPU time, peak RSS, phrases found by each, their overlap, and whether the two
# phrased corpora are identical.
# Sentences: tok's default (1000-token sentences: the text8-style corpus has no sentence
# breaks); gensim reads the very same sentences, one per line, from `wpcat --lines`. Neither
# tool joins across a sentence boundary.
# Scores: word2phrase's (gensim given word2phrase's formula as a custom scorer, since
# gensim's `default` scorer multiplies by its vocabulary size, not the corpus word count)
# and npmi (gensim's own).
# Run by people from the repo root after `make` (not by make check).
set -euo pipefail

usage() {
    cat <<EOF2
usage: bench/phrases.sh [-hk] [-m min_count] [-n words] [-p passes] [-s scorings]
                        [-T w2p_threshold] [-N npmi_threshold]
  -m min_count   both tools' min_count (default 5)
  -n words       only the first N words of the corpus (a quick run; default: all)
  -p passes      passes (default 1)
  -s scorings    comma list of word2phrase, npmi (default both)
  -T threshold   threshold for word2phrase scoring (default 100)
  -N threshold   threshold for npmi scoring (default 0.5)
  -k             keep the work directory and print its name
Environment: DATA (default ../shared/data), BIN (default build/bin), PY (default
/usr/bin/python3, which has Debian's python3-gensim), TMPDIR, NICE (default 'nice -n 10').
EOF2
}

MINC=5 WORDS=0 PASSES=1 SCORINGS=word2phrase,npmi W2P_T=100 NPMI_T=0.5 KEEP=0
while getopts "hkm:n:N:p:s:T:" opt; do
    case $opt in
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    m) MINC=$OPTARG ;;
    n) WORDS=$OPTARG ;;
    N) NPMI_T=$OPTARG ;;
    p) PASSES=$OPTARG ;;
    s) SCORINGS=$OPTARG ;;
    T) W2P_T=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${DATA:-../shared/data}
BIN=${BIN:-build/bin}
PY=${PY:-/usr/bin/python3}
NICE=${NICE:-nice -n 10}
CORPUS=$DATA/enwiki-text8style.gz
# shellcheck source=bench/common.sh
. "$HERE/common.sh"
bench_workdir phrases "$KEEP"

"$PY" -c 'import gensim' 2>/dev/null || { echo "phrases.sh: $PY has no gensim" >&2; exit 1; }
log "tok $CORPUS"
if [ "$WORDS" -gt 0 ]; then
    # zcat and tr end early on SIGPIPE: no pipefail here
    (set +o pipefail; zcat "$CORPUS" | head -c $((WORDS * 12)) | tr ' ' '\n' | head -n "$WORDS" \
        | tr '\n' ' ' > "$work/corpus.raw")
    "$BIN/tok" -q -o "$work/corpus.tok" "$work/corpus.raw"
else
    "$BIN/tok" -q -o "$work/corpus.tok" "$CORPUS"
fi
"$BIN/wpcat" --lines "$work/corpus.tok" > "$work/corpus.txt"
words=$(wc -w < "$work/corpus.txt")
sentences=$(wc -l < "$work/corpus.txt")

printf '# %s, %s cores, %s words in %s sentences, min_count %s, %s pass(es)\n' \
    "$(date -u +%F)" "$(nproc)" "$words" "$sentences" "$MINC" "$PASSES"
printf '%-9s %-12s %8s %8s %9s %8s %8s %8s %s\n' tool scoring threshold "wall s" "cpu s" \
    "peak RSS" phrases overlap "same output"
for scoring in ${SCORINGS//,/ }; do
    case $scoring in
    word2phrase) thr=$W2P_T ;;
    npmi) thr=$NPMI_T ;;
    *) echo "phrases.sh: $scoring: unknown scoring" >&2; exit 2 ;;
    esac
    log "phrases --scoring $scoring"
    rw=$($NICE "$PY" "$HERE/run.py" --log "$work/wp-$scoring.log" -- "$BIN/phrases" \
        -m "$MINC" --threshold "$thr" --scoring "$scoring" --passes "$PASSES" \
        -o "$work/wp-$scoring.tok" "$work/corpus.tok")
    "$BIN/phrases" -q --learn -m "$MINC" --threshold "$thr" --scoring "$scoring" \
        --passes "$PASSES" -o "$work/wp-$scoring.phr" "$work/corpus.tok"
    "$BIN/wpcat" "$work/wp-$scoring.phr" | cut -f1 | sort -u > "$work/wp-$scoring.list"
    "$BIN/wpcat" --lines "$work/wp-$scoring.tok" > "$work/wp-$scoring.txt"
    log "gensim Phrases --scoring $scoring"
    rg=$($NICE "$PY" "$HERE/run.py" --log "$work/gensim-$scoring.log" -- "$PY" \
        "$HERE/gensim_phrases.py" "$work/corpus.txt" "$work/gensim-$scoring.txt" \
        "$work/gensim-$scoring.tsv" "$scoring" "$MINC" "$thr" "$PASSES")
    cut -f1 "$work/gensim-$scoring.tsv" | sort -u > "$work/gensim-$scoring.list"
    both=$(comm -12 "$work/wp-$scoring.list" "$work/gensim-$scoring.list" | wc -l)
    nw=$(wc -l < "$work/wp-$scoring.list")
    ng=$(wc -l < "$work/gensim-$scoring.list")
    same=no
    cmp -s "$work/wp-$scoring.txt" "$work/gensim-$scoring.txt" && same=yes
    for t in wordpipe gensim; do
        if [ $t = wordpipe ]; then r=$rw n=$nw; else r=$rg n=$ng; fi
        printf '%-9s %-12s %8s %8.1f %9.1f %6.0fMB %8s %8s %s\n' $t "$scoring" "$thr" \
            "$(field wall "$r")" "$(field cpu "$r")" "$(($(field rss_kb "$r") / 1024))" "$n" \
            "$both" "$same"
        [ "$(field rc "$r")" = 0 ] || echo "# $t failed: see the log (-k)" >&2
    done
    awk -v a="$(field wall "$rg")" -v b="$(field wall "$rw")" -v c="$(field cpu "$rg")" \
        -v d="$(field cpu "$rw")" 'BEGIN { printf "# %s: wordpipe %.1fx faster than gensim (wall), %.1fx (cpu)\n", "'"$scoring"'", a / b, c / d }'
done
echo "# overlap: phrases found by both; same output: the phrased corpora are byte-identical"
echo "# phrases: the distinct phrases of every pass (gensim from pass 2 on: those in its output)"
