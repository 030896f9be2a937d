#!/bin/bash
# bench/knn-big.sh - vector tables at scale (issue 20): open + first query warm and peak RSS
# for knn on a word2vec binary, on a vector table (checksums verified, and --trust), on int8
# codes, against gensim load_word2vec_format + most_similar on the same file in the same run;
# then int8 recall@10 against exact float search and all-vocabulary top-10 on int8 vs float
# (compare the cpu ratio on a busy machine: wall time there is mostly waiting for a core).
# The vectors are SYNTHETIC: N(0,1) values, seed 1 (speed does not depend on the values;
# random vectors are the hard case for int8 recall, their neighbours being close together).
#
# usage: bench/knn-big.sh [-Bgk] [-a rows] [-d dim] [-n rows] [-q queries]
#   -n rows     vocabulary size (default 1000000); -d dim (default 300)
#   -a rows     rows of the all-vocabulary comparison (knn -r; default 20000: n^2 work)
#   -q queries  queries of the recall measurement (default 200)
#   -B          skip knn on the word2vec binary (today's path: it copies the whole matrix)
#   -g          skip gensim; -k keep the work directory (else removed)
#   Environment: BUILD (default build), PYTHON (python3 with numpy and gensim;
#   default /usr/bin/python3), THREADS (default 2), TMPDIR (the files: about 4.4 bytes per
#   value, 5.3 GB at 1M x 300).
# Output: key<TAB>value lines; times are wall seconds, cpu is user + system seconds (what a
# busy machine distorts least), RSS is /usr/bin/time -v's maximum resident set size in MB
# (the pages of a table a query touched count in it: they are the page cache's, shared).
set -eu
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-2}
N=1000000 D=300 A=20000 Q=200 GENSIM=1 KEEP=0 K=10 BIN=1
while getopts "a:Bd:gkn:q:" opt; do
    case $opt in
    a) A=$OPTARG ;; B) BIN=0 ;; d) D=$OPTARG ;; g) GENSIM=0 ;; k) KEEP=1 ;; n) N=$OPTARG ;;
    q) Q=$OPTARG ;; *) sed -n 's/^# usage: /usage: /p' "$0" >&2; exit 2 ;;
    esac
done
KNN="$BUILD/bin/knn"
[ -x "$KNN" ] || { echo "knn-big.sh: $KNN not built" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "knn-big.sh: needs /usr/bin/time (GNU time)" >&2; exit 1; }
. "$(dirname "$0")/common.sh"
bench_workdir knn-big "$KEEP"
[ "$A" -le "$N" ] || A=$N
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f\n", a / b; else print "inf" }'; }

log "writing $N x $D synthetic vectors"
"$PYTHON" - "$work/v.bin" "$N" "$D" <<'PY'
import sys
import numpy as np
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
with open(path, "wb") as f:
    f.write(b"%d %d\n" % (n, d))
    for i0 in range(0, n, 65536):
        m = rng.standard_normal((min(65536, n - i0), d)).astype("<f4")
        f.write(b"".join(b"w%d " % (i0 + i) + m[i].tobytes() + b"\n" for i in range(m.shape[0])))
PY
echo "vectors	synthetic N(0,1), seed 1: $N x $D"
t0=$(date +%s.%N)
"$KNN" --convert table -o "$work/f.wpv" "$work/v.bin"
t1=$(date +%s.%N)
"$KNN" --convert table+int8 -o "$work/f8.wpv" "$work/f.wpv"
"$KNN" --convert int8 -o "$work/8.wpv" "$work/f.wpv"
echo "convert_bin_to_table_s	$(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }')"
for f in v.bin f.wpv f8.wpv 8.wpv; do
    echo "size_MB_$f	$(( $(stat -c %s "$work/$f") / 1000000 ))"
done
matrix=$((N * D * 4)) codes=$((N * D))
echo "matrix_ratio_float_over_int8	$(ratio "$matrix" "$codes")"

# run NAME FILE CMD...: wall and cpu seconds and peak RSS of CMD, FILE read first (warm)
run() {
    local name=$1 file=$2
    shift 2
    cat "$file" > /dev/null
    /usr/bin/time -v "$@" > "$work/$name.out" 2> "$work/$name.time"
    local wall rss cpu
    wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$work/$name.time" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' \
        "$work/$name.time")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$name.time")
    echo "${name}_wall_s	$wall"
    echo "${name}_cpu_s	$cpu"
    echo "${name}_rss_MB	$((rss / 1000))"
    eval "${name}_wall=$wall ${name}_cpu=$cpu"
}
word=w$((N / 3))
log "open + first query, warm"
[ "$BIN" = 0 ] || run knn_bin "$work/v.bin" "$KNN" -x -k $K --query "$word" "$work/v.bin"
run knn_table "$work/f.wpv" "$KNN" -x -k $K --query "$word" "$work/f.wpv"
run knn_table_trust "$work/f.wpv" "$KNN" -x -k $K --trust --query "$word" "$work/f.wpv"
run knn_int8_trust "$work/f8.wpv" "$KNN" -x -k $K --trust --int8 --query "$word" "$work/f8.wpv"
run knn_int8only_trust "$work/8.wpv" "$KNN" -x -k $K --trust --query "$word" "$work/8.wpv"
if [ "$GENSIM" = 1 ]; then
    run gensim "$work/v.bin" "$PYTHON" "$(dirname "$0")/knn_big_gensim.py" "$work/v.bin" "$word" $K
    sed -n 's/^\(load_s\|query_s\)/gensim_\1/p' "$work/gensim.out"
    cmp <(awk -F'\t' '$1 == "nn" { print $2 }' "$work/gensim.out") \
        <(cut -f3 "$work/knn_table.out") > /dev/null &&
        echo "gensim_same_neighbours	yes" || echo "gensim_same_neighbours	NO"
    for x in knn_table knn_table_trust knn_int8_trust knn_int8only_trust; do
        eval "w=\$${x}_wall c=\$${x}_cpu"
        echo "gensim_over_${x}	$(ratio "$gensim_wall" "$w") wall, $(ratio "$gensim_cpu" "$c") cpu"
    done
fi
[ "$BIN" = 0 ] || echo "knn_bin_over_knn_table_trust	$(ratio "$knn_bin_wall" "$knn_table_trust_wall") wall, $(ratio "$knn_bin_cpu" "$knn_table_trust_cpu") cpu"

log "int8 recall@10 on $Q queries"
awk -v n="$N" -v q="$Q" 'BEGIN { for (i = 0; i < q; i++) print "w" (i * 7919 % n) }' > "$work/q"
"$KNN" -k $K --trust "$work/f.wpv" < "$work/q" > "$work/exact.tsv"
"$KNN" -k $K --trust --int8 "$work/f8.wpv" < "$work/q" > "$work/int8.tsv"
"$KNN" -k $K --trust "$work/8.wpv" < "$work/q" > "$work/int8only.tsv"
recall() {
    join -j1 <(cut -f1,3 "$work/exact.tsv" | tr '\t' ' ' | sed 's/ /_/' | sort) \
        <(cut -f1,3 "$1" | tr '\t' ' ' | sed 's/ /_/' | sort) | wc -l |
        awk -v t="$(wc -l < "$work/exact.tsv")" '{ printf "%.4f\n", $1 / t }'
}
echo "int8_recall10_rerank_floats	$(recall "$work/int8.tsv")	(--int8 on table+int8, rerank 100)"
echo "int8_recall10_decoded	$(recall "$work/int8only.tsv")	(int8 only, rerank from decoded rows)"

log "all-vocabulary top-$K on the first $A rows, $THREADS threads"
run all_float "$work/f.wpv" "$KNN" --all -x -k $K -r "$A" -t "$THREADS" --trust "$work/f.wpv"
run all_int8 "$work/f8.wpv" "$KNN" --all -x -k $K -r "$A" -t "$THREADS" --trust --int8 "$work/f8.wpv"
echo "all_float_over_int8	$(ratio "$all_float_wall" "$all_int8_wall") wall, $(ratio "$all_float_cpu" "$all_int8_cpu") cpu	($A x $A; float: symmetric sgemm; int8: blocked int8 kernel + float rerank; above 1: int8 faster)"
cut -f1,3 "$work/all_float.out" > "$work/all_f.ids"
cut -f1,3 "$work/all_int8.out" > "$work/all_8.ids"
echo "all_int8_recall10	$(awk 'NR == FNR { a[$0]; next } $0 in a { h++ } END { printf "%.4f", h / FNR }' "$work/all_f.ids" "$work/all_8.ids")	(against the float all-vocabulary answer)"
echo "date	$(date -u +%FT%TZ)	load average $(cut -d' ' -f1-3 /proc/loadavg)"
