#!/usr/bin/env bash
# ELMo language model training side by side (issue 5): wordpipe's elmo-train and the same
# model in PyTorch (elmo_torch.py), Zaremba et al.'s "small" settings on the Penn Treebank
# (word input, 2 x 200 LSTM, unroll 35, batch 20, uniform +-0.1, SGD lr 1, clip 5, no
# dropout), forward only and/or both directions. Prints one table: tool, directions,
# tokens/s, ratio to PyTorch, validation perplexity after the last epoch, and whether the
# two agree within 5%.
# Run by people from the repo root after `make` (not by make check): a full epoch takes
# minutes per run.
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/elmo.sh [-hk] [-b batches] [-d forward,both] [-e epochs] [-t tools]
                     [-T threads] [-o results.tsv]
  -b batches   stop each run after this many batches (quick mode: the perplexities
               then mean little and are not compared); default: whole epochs
  -d dirs      comma list of forward and both (default forward,both)
  -e epochs    epochs (default 1)
  -t tools     comma list of torch and wordpipe (default both)
  -T threads   training threads (default 2)
  -k           keep the work directory (logs, models) and print its name
  -o file      append the result rows (TSV) to file
Environment: DATA (default ../shared/data), BIN (default build/bin), PY (default
/usr/bin/python3, which has Debian's python3-torch), TMPDIR, NICE (default 'nice -n 10'),
ELMO_ARGS (extra elmo-train flags). elmo_torch.py sets OPENBLAS_NUM_THREADS=1 unless it is
set (torch's own threads on top of OpenBLAS's oversubscribe the cores); elmo-train's
OpenBLAS threads are the tool's business, this script leaves its environment alone.
EOF
}

EPOCHS=1 BATCHES=0 DIRS=forward,both TOOLS=torch,wordpipe THREADS=2 KEEP=0 RESULTS=''
while getopts "b:d:e:hko:t:T:" opt; do
    case $opt in
    b) BATCHES=$OPTARG ;;
    d) DIRS=$OPTARG ;;
    e) EPOCHS=$OPTARG ;;
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    o) RESULTS=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$EPOCHS" "$THREADS" "$BATCHES"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "elmo.sh: $v: expected a number" >&2; exit 2; }
done
if [ "$EPOCHS" -lt 1 ] || [ "$THREADS" -lt 1 ]; then
    echo "elmo.sh: -e and -T must be >= 1" >&2
    exit 2
fi
for d in ${DIRS//,/ }; do
    case $d in forward|both) ;; *) echo "elmo.sh: $d: -d takes forward and both" >&2; exit 2 ;; esac
done
for t in ${TOOLS//,/ }; do
    case $t in torch|wordpipe) ;; *) echo "elmo.sh: $t: -t takes torch and wordpipe" >&2; exit 2 ;; esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
BIN=${BIN:-$ROOT/build/bin}
PY=${PY:-/usr/bin/python3}
NICE=${NICE:-nice -n 10}
HERE=$ROOT/bench
PTB=$DATA/ptb
for s in train valid; do
    [ -r "$PTB/ptb.$s.txt.gz" ] || { echo "elmo.sh: $PTB/ptb.$s.txt.gz not found (set DATA)" >&2; exit 1; }
done
has() { [[ ",$TOOLS," == *",$1,"* ]]; }
if has torch && ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "elmo.sh: $PY cannot import torch (apt-get install python3-torch)" >&2
    exit 1
fi
[ -x /usr/bin/time ] || { echo "elmo.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=bench/common.sh
. "$HERE/common.sh"
bench_workdir elmo "$KEEP"

# a row: tool dirs tokens_per_s valid_fwd valid_bwd wall cpu rss_kb
add_row() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$rows"
    log "$1 $2: $3 tokens/s, valid ppl $4 / $5, wall ${6}s, cpu ${7}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}

run_torch() { # forward|both
    local r out=$work/torch-$1.out bidir=()
    [ "$1" = both ] && bidir=(--bidir)
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/torch-$1.log" -- \
        "$PY" "$HERE/elmo_torch.py" --data "$PTB" --epochs "$EPOCHS" --threads "$THREADS" \
        --max-batches "$BATCHES" --seed 1 --no-test "${bidir[@]}")
    # run.py sends the command's stdout to its log: the key/value lines are there
    grep -E '^[a-z_]+	' "$work/torch-$1.log" > "$out" || true
    [ "$(field rc "$r")" = 0 ] || { log "elmo_torch.py failed: see $work/torch-$1.log"; return 0; }
    local bwd=-
    [ "$1" = both ] && bwd=$(kv valid_ppl_bwd "$out")
    add_row PyTorch "$1" "$(kv tokens_per_s "$out")" "$(kv valid_ppl_fwd "$out")" "$bwd" \
        "$(field wall "$r")" "$(field cpu "$r")" "$(field rss_kb "$r")"
}

wp_prep() {
    [ -f "$work/vocab.rec" ] && return 0
    # -w: PTB is tokenized already; tok's default rules would split <unk>, 's, u.s. ...
    local s
    for s in train valid; do
        "$BIN/tok" -q --whitespace "$PTB/ptb.$s.txt.gz" > "$work/$s.tok"
    done
    "$BIN/vocab" -q "$work/train.tok" > "$work/vocab.rec"
}

run_wordpipe() { # forward|both
    local r tsv=$work/wordpipe-$1.tsv fwd=() maxb=()
    wp_prep
    [ "$1" = forward ] && fwd=(--forward-only)
    [ "$BATCHES" -gt 0 ] && maxb=(--max-batches "$BATCHES")
    # shellcheck disable=SC2086 # ELMO_ARGS is a list of flags
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/wordpipe-$1.log" -- \
        "$BIN/elmo-train" -q -v "$work/vocab.rec" --valid "$work/valid.tok" --word-input \
        --layers 2 --hidden 200 --unroll 35 --batch 20 --epochs "$EPOCHS" --optim sgd --lr 1 \
        --decay 0.5 --decay-start 5 --clip 5 --init 0.1 --forget-bias 0 --dropout 0 \
        "${fwd[@]}" "${maxb[@]}" --seed 1 -t "$THREADS" ${ELMO_ARGS:-} --log "$tsv" \
        -o "$work/wordpipe-$1.model" "$work/train.tok")
    [ "$(field rc "$r")" = 0 ] || { log "elmo-train failed: see $work/wordpipe-$1.log"; return 0; }
    # the log: a header, one row per epoch, maybe a "test" row; columns by header name.
    # tokens/s over all epochs = sum(tokens) / sum(seconds) = sum(rate x s) / sum(s).
    local vals
    vals=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 ~ /^[0-9]+$/ { tok += $c["tokens_per_s"] * $c["seconds"]; s += $c["seconds"]
                          vf = $c["valid_fwd"]; vb = $c["valid_bwd"] }
        END { r = s > 0 ? tok / s : 0; printf "%.1f %s %s", r, vf, vb }' "$tsv")
    read -r tps vf vb <<<"$vals"
    [ "$1" = forward ] && vb=-
    add_row wordpipe "$1" "$tps" "$vf" "$vb" "$(field wall "$r")" "$(field cpu "$r")" \
        "$(field rss_kb "$r")"
}

quick=''
[ "$BATCHES" -gt 0 ] && quick=", first $BATCHES batches only"
log "PTB from $PTB, epochs $EPOCHS, threads $THREADS, directions $DIRS$quick"
for d in ${DIRS//,/ }; do
    if has torch; then log "PyTorch $d"; run_torch "$d"; fi
    if has wordpipe; then
        if [ -x "$BIN/elmo-train" ] && [ -x "$BIN/tok" ] && [ -x "$BIN/vocab" ]; then
            log "elmo-train $d"; run_wordpipe "$d"
        else
            log "wordpipe: $BIN/elmo-train, tok or vocab not built (run make): skipped"
        fi
    fi
done

[ -n "$RESULTS" ] && awk -v d="$(date -u +%F)" -v e="$EPOCHS" -v b="$BATCHES" -v t="$THREADS" \
    'BEGIN{OFS="\t"} {print d, e, b, t, $0}' "$rows" >> "$RESULTS"

# ---- the table: ratio and agreement against the PyTorch row of the same directions ----
echo "# $(date -u '+%F %H:%M UTC'), $(nproc) cores, PTB small, $EPOCHS epoch(s), $THREADS threads$quick"
awk -F'\t' -v quick="$BATCHES" '
function agree(a, b) { return (a == "-" || b == "-") ? "" : \
    (a + 0 > 0 && b + 0 > 0 && (a > b ? a / b : b / a) <= 1.05) ? "yes" : "NO" }
{ n++; tool[n] = $1; dir[n] = $2; tps[n] = $3; vf[n] = $4; vb[n] = $5; wall[n] = $6
  cpu[n] = $7; rss[n] = $8
  if ($1 == "PyTorch") { ptps[$2] = $3; pvf[$2] = $4; pvb[$2] = $5 } }
END {
  printf "%-9s %-8s %9s %7s %9s %9s %7s %8s %8s %8s\n", "tool", "dirs", "tokens/s", "ratio",
         "valid fwd", "valid bwd", "agree", "wall s", "cpu s", "peak RSS"
  for (i = 1; i <= n; i++) {
      ag = "-"
      if (quick > 0) ag = "quick"
      else if (tool[i] != "PyTorch" && (dir[i] in pvf)) {
          ag = agree(vf[i], pvf[dir[i]]); b = agree(vb[i], pvb[dir[i]])
          if (b == "NO") ag = "NO"
      }
      ratio = ptps[dir[i]] > 0 ? sprintf("%.2fx", tps[i] / ptps[dir[i]]) : "-"
      printf "%-9s %-8s %9.0f %7s %9s %9s %7s %8.1f %8.1f %6.0fMB\n", tool[i], dir[i],
             tps[i], ratio, vf[i], vb[i], ag, wall[i], cpu[i], rss[i] / 1024
  }
}' "$rows"
echo "# tokens/s: corpus tokens (unroll x batch per training batch) per second of training,"
echo "# counted once whether one or two directions are trained; ratio: over PyTorch, same dirs."
echo "# valid: perplexity after the last epoch (PyTorch: batch 20, unroll 35, carried state)."
echo "# agree: both directions' perplexities within 5% of PyTorch's (issue 5's bar)."
echo "# cpu s well under threads x wall s means other jobs had the cores."
