#!/usr/bin/env bash
# Contextual embedding throughput side by side (issue 6): embed --model MODEL over the Penn
# Treebank test set (3,761 sentences, 82,430 words) with 1 and 2 threads, against the same
# model in PyTorch inference mode (embed_torch.py, 2 threads). Prints one table: tool,
# threads, seconds, sentences/s, tokens/s, ratio to PyTorch, and whether the two agree
# to 1e-4 on the first sentences.
# Run by people from the repo root after `make` (not by make check).
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/embed.sh [-hk] [-m model] [-n sentences] [-c sentences] [-b batch]
                      [-T threads] [-o results.tsv]
  -m model     an elmo-train model (default: train a PTB-sized one for a few batches:
               throughput does not depend on how well it is trained)
  -n N         embed the first N sentences of ptb.test only (default: all)
  -c N         compare the first N sentences' vectors, embed against PyTorch, to 1e-4
               (default 200; 0: no check)
  -b batch     PyTorch sentences per batch, sorted by length (default 64; 1: one at a time)
  -T threads   comma list of embed thread counts (default 1,2; PyTorch runs with 2)
  -k           keep the work directory and print its name
  -o file      append the result rows (TSV) to file
Environment: DATA (default ../shared/data), BIN (default build/bin), PY (default
/usr/bin/python3 with Debian's python3-torch), TMPDIR, NICE (default 'nice -n 10'),
EMBED_ARGS (extra embed flags). embed_torch.py sets OPENBLAS_NUM_THREADS=1 unless set.
EOF
}

MODEL='' NSENT=0 CHECK=200 BATCH=64 THREADS=1,2 KEEP=0 RESULTS=''
while getopts "b:c:hkm:n:o:T:" opt; do
    case $opt in
    b) BATCH=$OPTARG ;;
    c) CHECK=$OPTARG ;;
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    m) MODEL=$OPTARG ;;
    n) NSENT=$OPTARG ;;
    o) RESULTS=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$NSENT" "$CHECK" "$BATCH" ${THREADS//,/ }; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "embed.sh: $v: expected a number" >&2; exit 2; }
done
[ "$BATCH" -ge 1 ] || { echo "embed.sh: -b must be >= 1" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
BIN=${BIN:-$ROOT/build/bin}
PY=${PY:-/usr/bin/python3}
NICE=${NICE:-nice -n 10}
HERE=$ROOT/bench
PTB=$DATA/ptb
for f in "$PTB/ptb.test.txt.gz" "$PTB/ptb.train.txt.gz"; do
    [ -r "$f" ] || { echo "embed.sh: $f not found (set DATA)" >&2; exit 1; }
done
for b in tok vocab embed; do
    [ -x "$BIN/$b" ] || { echo "embed.sh: $BIN/$b not built (run make)" >&2; exit 1; }
done
[ -n "$MODEL" ] || [ -x "$BIN/elmo-train" ] || { echo "embed.sh: $BIN/elmo-train not built and no -m" >&2; exit 1; }
[ -z "$MODEL" ] || [ -r "$MODEL" ] || { echo "embed.sh: $MODEL: not readable" >&2; exit 1; }
"$PY" -c 'import torch, numpy' 2>/dev/null \
    || { echo "embed.sh: $PY cannot import torch and numpy (apt-get install python3-torch)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "embed.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=bench/common.sh
. "$HERE/common.sh"
bench_workdir embed "$KEEP"

# ---- the sentences, the same for both: ptb.test's non-empty lines (tok --whitespace keeps PTB's
# tokens whole; embed_torch.py splits lines at whitespace, the same thing) ----
(set +o pipefail; zcat "$PTB/ptb.test.txt.gz" | awk 'NF' |
    if [ "$NSENT" -gt 0 ]; then head -n "$NSENT"; else cat; fi) > "$work/test.txt"
"$BIN/tok" -q --whitespace "$work/test.txt" > "$work/test.tok"
nsent=$(wc -l < "$work/test.txt")
ntok=$(wc -w < "$work/test.txt")

if [ -z "$MODEL" ]; then
    # the size of Zaremba's small PTB model, both directions; a few batches of training
    # give weights of the right scale (speed does not depend on them)
    log "training a PTB-sized model for 20 batches"
    "$BIN/tok" -q --whitespace "$PTB/ptb.train.txt.gz" > "$work/train.tok"
    "$BIN/vocab" -q "$work/train.tok" > "$work/vocab.rec"
    $NICE "$BIN/elmo-train" -q -v "$work/vocab.rec" --word-input --layers 2 --hidden 200 \
        --unroll 35 --batch 20 --max-batches 20 -t 2 -o "$work/model" "$work/train.tok"
    MODEL=$work/model
fi
log "model $MODEL; $nsent sentences, $ntok tokens"

add_row() { # tool threads seconds wall cpu rss
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$rows"
    log "$1 -t $2: ${3}s, wall ${4}s, cpu ${5}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---- PyTorch, 2 threads: its own timer covers the embedding alone ----
r=$($NICE "$PY" "$HERE/run.py" --log "$work/torch.log" -- \
    "$PY" "$HERE/embed_torch.py" -m "$MODEL" -t 2 -b "$BATCH" "$work/test.txt")
grep -E '^[a-z_]+	' "$work/torch.log" > "$work/torch.out" || true
if [ "$(field rc "$r")" = 0 ]; then
    add_row PyTorch 2 "$(kv seconds "$work/torch.out")" "$(field wall "$r")" "$(field cpu "$r")" \
        "$(field rss_kb "$r")"
else
    log "embed_torch.py failed: see $work/torch.log"
fi

# ---- embed: the whole command (model loading, reading, writing included); -z 0 and
# /dev/null so that the output costs a copy, not zlib (PyTorch writes nothing) ----
for t in ${THREADS//,/ }; do
    # shellcheck disable=SC2086 # EMBED_ARGS is a list of flags
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/embed-$t.log" -- \
        "$BIN/embed" -q --model "$MODEL" -t "$t" -z 0 ${EMBED_ARGS:-} -o /dev/null "$work/test.tok")
    if [ "$(field rc "$r")" = 0 ]; then
        add_row embed "$t" "$(field wall "$r")" "$(field wall "$r")" "$(field cpu "$r")" \
            "$(field rss_kb "$r")"
    else
        log "embed -t $t failed: see $work/embed-$t.log"
    fi
done

# ---- the same vectors? the first CHECK sentences, embed's .npy against PyTorch ----
agree=-
if [ "$CHECK" -gt 0 ]; then
    head -n "$CHECK" "$work/test.txt" > "$work/check.txt"
    "$BIN/tok" -q --whitespace "$work/check.txt" > "$work/check.tok"
    if "$BIN/embed" -q --model "$MODEL" --format npy -o "$work/check.npy" "$work/check.tok" &&
        "$PY" "$HERE/embed_torch.py" -m "$MODEL" -t 2 --check "$work/check.npy" \
            "$work/check.txt" > "$work/check.out" 2>&1; then
        agree="yes ($(kv check_max_abs_diff "$work/check.out"))"
    else
        agree=NO
        sed 's/^/  /' "$work/check.out" >&2 || true
    fi
fi

[ -n "$RESULTS" ] && awk -v d="$(date -u +%F)" -v s="$nsent" -v n="$ntok" \
    'BEGIN{OFS="\t"} {print d, s, n, $0}' "$rows" >> "$RESULTS"

echo "# $(date -u '+%F %H:%M UTC'), $(nproc) cores, $nsent sentences ($ntok tokens) of ptb.test"
echo "# model $(basename "$MODEL"); vectors agree to 1e-4 on the first $CHECK sentences: $agree"
awk -F'\t' -v ns="$nsent" -v nt="$ntok" '
{ n++; tool[n] = $1; th[n] = $2; s[n] = $3; wall[n] = $4; cpu[n] = $5; rss[n] = $6
  if ($1 == "PyTorch" && $3 > 0) ref = ns / $3 }
END {
  printf "%-8s %7s %8s %8s %8s %11s %9s %7s %8s\n", "tool", "threads", "time s", "wall s",
         "cpu s", "sentences/s", "tokens/s", "ratio", "peak RSS"
  for (i = 1; i <= n; i++) {
      sps = s[i] > 0 ? ns / s[i] : 0
      tps = s[i] > 0 ? nt / s[i] : 0
      ratio = ref > 0 ? sprintf("%.2fx", sps / ref) : "-"
      printf "%-8s %7s %8.2f %8.2f %8.2f %11.1f %9.0f %7s %6.0fMB\n", tool[i], th[i], s[i],
             wall[i], cpu[i], sps, tps, ratio, rss[i] / 1024
  }
}' "$rows"
echo "# time s: PyTorch: the embedding loop alone (batches of $BATCH sentences sorted by length,"
echo "# packed, inference_mode; model loading and text reading excluded); embed: the whole"
echo "# command, model loading and output (stream, -z 0, to /dev/null) included."
echo "# ratio: sentences/s over PyTorch's. cpu s well under threads x wall s: the cores were busy."
