#!/usr/bin/env bash
# Training speed of elmo-train's character model on Wikipedia text (issue 16), side by side
# with the same model in plain PyTorch (elmo_char_torch.py): the first 12 MB of the extract
# without <doc> lines and titles (about 2M words), tok defaults, vocab -m 3 (about 40k
# words), the same token stream and vocabulary for both, then a few warm-up windows and a
# fixed number of timed windows of each configuration. Prints one row per tool and run:
# configuration, tool, threads, tokens/s (wall), CPU seconds per window, the ratio of
# wordpipe's tokens/s and of its CPU seconds per window to PyTorch's, the load average
# before the run. On a shared machine compare the CPU seconds; tokens/s is what an idle
# machine gives only when the load is below the number of cores.
# Run by people from the repo root after `make` (not by make check).
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/elmo-speed.sh [-hk] [-b batches] [-c configs] [-t tools] [-T threads]
                           [-w warmup]
  -b batches   timed windows per run (default 30)
  -c configs   comma list of calib (CNN 1:32..6:512, LSTMP 512->128, 2048 sampled,
               batch 64 x 20, Adagrad 0.2), calib-small (the same with CNN
               1:32,2:32,3:64,4:128,5:128,6:128: make probe's biLM) and elmo-small
               (--preset elmo-small; wordpipe only); default calib-small
  -t tools     comma list of wordpipe and torch (default both)
  -T threads   comma list of thread counts (default 2)
  -w warmup    windows before the timed ones (default 3)
  -k           keep the work directory and print its name
Environment: DATA (default ../shared/data), BIN (default build/bin), PY (default
/usr/bin/python3, with Debian's python3-torch), TMPDIR, NICE (default 'nice -n 10').
elmo_char_torch.py sets OPENBLAS_NUM_THREADS=1 unless it is set (as elmo_torch.py: torch's
threads on top of OpenBLAS's oversubscribe the cores); elmo-train's is left alone.
wordpipe's CPU seconds per window are those of a run of warmup + batches windows minus
those of a run of warmup windows (so start-up and warm-up are out, as in PyTorch's count);
its tokens/s is the rate elmo-train reports for the longer run.
EOF
}

BATCHES=30 CONFIGS=calib-small THREADS=2 KEEP=0 TOOLS=wordpipe,torch WARMUP=3
while getopts "b:c:hkt:T:w:" opt; do
    case $opt in
    b) BATCHES=$OPTARG ;;
    c) CONFIGS=$OPTARG ;;
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    t) TOOLS=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    w) WARMUP=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
[[ $BATCHES =~ ^[1-9][0-9]*$ ]] || { echo "elmo-speed.sh: -b $BATCHES: expected a number" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "elmo-speed.sh: -w $WARMUP: expected a number" >&2; exit 2; }
DATA=${DATA:-../shared/data} BIN=${BIN:-build/bin} NICE=${NICE:-nice -n 10} PY=${PY:-/usr/bin/python3}
HERE=$(cd "$(dirname "$0")" && pwd)
CALIB=(--char-input --hidden 512 --proj 128 --highway 1 --sampled 2048 --batch 64 --unroll 20
       --optim adagrad --lr 0.2)
for c in ${CONFIGS//,/ }; do
    case $c in
    calib|calib-small|elmo-small) ;;
    *) echo "elmo-speed.sh: $c: -c takes calib, calib-small and elmo-small" >&2; exit 2 ;;
    esac
done
for t in ${TOOLS//,/ }; do
    case $t in
    wordpipe|torch) ;;
    *) echo "elmo-speed.sh: $t: -t takes wordpipe and torch" >&2; exit 2 ;;
    esac
done
has() { [[ ",$TOOLS," == *",$1,"* ]]; }
if has torch && ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "elmo-speed.sh: $PY cannot import torch (apt-get install python3-torch)" >&2
    exit 1
fi
for t in ${THREADS//,/ }; do
    [[ $t =~ ^[1-9][0-9]*$ ]] || { echo "elmo-speed.sh: -T $t: expected a number" >&2; exit 2; }
done
[ -r "$DATA/enwiki-extract.txt.gz" ] || { echo "elmo-speed.sh: $DATA/enwiki-extract.txt.gz: missing" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/elmo-speed.XXXXXX")
if [ "$KEEP" = 1 ]; then echo "work directory: $W" >&2; else trap 'rm -rf "$W"' EXIT; fi
# head closes the pipe early: zcat's SIGPIPE is expected
zcat "$DATA/enwiki-extract.txt.gz" 2>/dev/null \
    | awk '/^<doc /{skip=1; next} /^<\/doc>/{next} skip==1{skip=0; next} NF>0{print}' \
    | head -c 12000000 > "$W/slice.txt" || true
"$BIN/tok" -q -o "$W/slice.tok" "$W/slice.txt"
"$BIN/vocab" -q -m 3 -o "$W/v" "$W/slice.tok"

# timed ARGS...: runs ARGS under $NICE and /usr/bin/time; sets cpu (user + system seconds)
timed() {
    # shellcheck disable=SC2086 # NICE is a command and its flags
    /usr/bin/time -f '%U %S' -o "$W/time" $NICE "$@"
    cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$W/time")
}
# ratio A B: A / B as "1.23x", "-" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }

printf 'config\ttool\tthreads\ttokens_per_s\tcpu_s_per_window\tratio_tokens_per_s\tratio_cpu\tload_before\n'
for c in ${CONFIGS//,/ }; do
    case $c in
    calib) filters=1:32,2:32,3:64,4:128,5:256,6:512 ;;
    calib-small) filters=1:32,2:32,3:64,4:128,5:128,6:128 ;;
    elmo-small) filters='' ;;
    esac
    if [ -n "$filters" ]; then args=("${CALIB[@]}" --filters "$filters"); else args=(--preset elmo-small); fi
    for t in ${THREADS//,/ }; do
        wrate=- wcpu=- trate=- tcpu=- wload=- tload=-
        if has wordpipe; then
            wload=$(cut -d' ' -f1 /proc/loadavg)
            c0=0
            if [ "$WARMUP" -gt 0 ]; then
                timed "$BIN/elmo-train" -v "$W/v" "${args[@]}" -t "$t" --max-batches "$WARMUP" \
                    -o "$W/m" "$W/slice.tok" 2> "$W/err"
                c0=$cpu
            fi
            timed "$BIN/elmo-train" -v "$W/v" "${args[@]}" -t "$t" \
                --max-batches "$((WARMUP + BATCHES))" -o "$W/m" "$W/slice.tok" 2> "$W/err"
            wrate=$(sed -n 's/.*(stopped early).* \([0-9][0-9]*\) tokens\/s.*/\1/p' "$W/err")
            wcpu=$(awk -v a="$c0" -v b="$cpu" -v n="$BATCHES" 'BEGIN { printf "%.3f", (b - a) / n }')
        fi
        if has torch && [ -n "$filters" ]; then
            tload=$(cut -d' ' -f1 /proc/loadavg)
            # shellcheck disable=SC2086 # NICE is a command and its flags
            $NICE "$PY" "$HERE/elmo_char_torch.py" -q -v "$W/v" --filters "$filters" \
                --threads "$t" --warmup "$WARMUP" --windows "$BATCHES" "$W/slice.tok" > "$W/torch"
            trate=$(awk -F'\t' '$1 == "tokens_per_s" { print $2 }' "$W/torch")
            tcpu=$(awk -F'\t' '$1 == "cpu_s_per_window" { print $2 }' "$W/torch")
        fi
        if has wordpipe; then
            printf '%s\twordpipe\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$t" "$wrate" "$wcpu" \
                "$(ratio "$wrate" "$trate")" "$(ratio "$tcpu" "$wcpu")" "$wload"
        fi
        if has torch && [ -n "$filters" ]; then
            printf '%s\tPyTorch\t%s\t%s\t%s\t-\t-\t%s\n' "$c" "$t" "$trate" "$tcpu" "$tload"
            awk -F'\t' -v c="$c" '$1 ~ /^flops_per_token/ { printf "# %s %s: %.2f MFLOP\n", c, $1, $2 / 1e6 }' \
                "$W/torch"
        fi
    done
done
echo "# ratio_tokens_per_s: wordpipe's tokens/s over PyTorch's (issue 16's target: >= 2x);"
echo "# ratio_cpu: PyTorch's CPU seconds per window over wordpipe's (the fairer one under load)."
