#!/usr/bin/env bash
# Training speed of elmo-train's character model on Wikipedia text (issue 16): the first
# 12 MB of the extract without <doc> lines and titles (about 2M words), tok defaults,
# vocab -m 3 (about 40k words), then a few windows of each configuration. Prints one row
# per run: configuration, threads, tokens/s (wall), CPU seconds per window, the load
# average before the run. On a shared machine compare the CPU seconds; tokens/s is what an
# idle machine gives only when the load is below the number of cores.
# Run by people from the repo root after `make` (not by make check).
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/elmo-speed.sh [-hk] [-b batches] [-c configs] [-T threads]
  -b batches   windows per run (default 30)
  -c configs   comma list of calib (CNN 1:32..6:512, LSTMP 512->128, 2048 sampled,
               batch 64 x 20, Adagrad 0.2), calib-small (the same with CNN
               1:32,2:32,3:64,4:128,5:128,6:128) and elmo-small (--preset elmo-small);
               default calib
  -T threads   comma list of thread counts (default 2)
  -k           keep the work directory and print its name
Environment: DATA (default ../shared/data), BIN (default build/bin), TMPDIR,
NICE (default 'nice -n 10').
EOF
}

BATCHES=30 CONFIGS=calib THREADS=2 KEEP=0
while getopts "b:c:hkT:" opt; do
    case $opt in
    b) BATCHES=$OPTARG ;;
    c) CONFIGS=$OPTARG ;;
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    T) THREADS=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
[[ $BATCHES =~ ^[1-9][0-9]*$ ]] || { echo "elmo-speed.sh: -b $BATCHES: expected a number" >&2; exit 2; }
DATA=${DATA:-../shared/data} BIN=${BIN:-build/bin} NICE=${NICE:-nice -n 10}
CALIB=(--char-input --hidden 512 --proj 128 --highway 1 --sampled 2048 --batch 64 --unroll 20
       --optim adagrad --lr 0.2)
for c in ${CONFIGS//,/ }; do
    case $c in
    calib|calib-small|elmo-small) ;;
    *) echo "elmo-speed.sh: $c: -c takes calib, calib-small and elmo-small" >&2; exit 2 ;;
    esac
done
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

printf 'config\tthreads\ttokens_per_s\tcpu_s_per_window\tload_before\n'
for c in ${CONFIGS//,/ }; do
    case $c in
    calib) args=("${CALIB[@]}" --filters "1:32,2:32,3:64,4:128,5:256,6:512") ;;
    calib-small) args=("${CALIB[@]}" --filters "1:32,2:32,3:64,4:128,5:128,6:128") ;;
    elmo-small) args=(--preset elmo-small) ;;
    esac
    for t in ${THREADS//,/ }; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        # shellcheck disable=SC2086
        /usr/bin/time -f '%U %S' -o "$W/time" $NICE "$BIN/elmo-train" -v "$W/v" "${args[@]}" \
            -t "$t" --max-batches "$BATCHES" -o "$W/m" "$W/slice.tok" 2> "$W/err"
        rate=$(sed -n 's/.*(stopped early).* \([0-9][0-9]*\) tokens\/s.*/\1/p' "$W/err")
        cpu=$(awk -v b="$BATCHES" '{ printf "%.3f", ($1 + $2) / b }' "$W/time")
        printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$t" "$rate" "$cpu" "$load"
    done
done
