#!/bin/bash
# bench/knn-big.sh - vector tables at scale (issue 20): open + first query, warm (each file
# dropped from the page cache and read back once with cat) and (-c) cold,
# wall and CPU time, peak RSS and peak anonymous memory, for knn on a word2vec binary, on a
# vector table (checksums verified, and --trust), on int8 codes, against gensim
# load_word2vec_format + most_similar on the same file in the same run; int8 recall@10
# against exact float search; all-vocabulary top-10 on int8 vs float; and (-H) an HNSW
# index mapped with the table: its build, open + first query, single-query latency on one
# thread against exact float and int8 search, recall@10.
# The vectors are SYNTHETIC: N(0,1) values, seed 1 (speed does not depend on the values;
# random vectors are the hard case for int8 recall and for HNSW, their neighbours being
# close together).
#
# usage: bench/knn-big.sh [-BcgHkP] [-a rows] [-d dim] [-e efc] [-n rows] [-q queries] [-w dir]
#   -n rows     vocabulary size (default 1000000); -d dim (default 300)
#   -a rows     rows of the all-vocabulary comparison (knn -r; default 20000: n^2 work; 0 skips)
#   -q queries  queries of the recall and latency measurements (default 200)
#   -B          skip knn on the word2vec binary (it reads the whole matrix into memory:
#               about 10 bytes per value at peak, 9 GB at 3M x 300)
#   -c          also cold: before each such run the files it reads are dropped from the page
#               cache (posix_fadvise DONTNEED per file: no root, other files untouched), and
#               the time to read each file cold with cat is printed beside (read_cold_s_*)
#   -g          skip gensim (about 1.3 GB per million x 300 and a minute per million)
#   -H          the HNSW section (the build takes long: 1M x 300 ~ 10-30 min on 2 threads)
#   -e efc      --ef-construction of the HNSW build (default 200); HNSW_EF lists the --ef
#               values measured (default "50 200"); HNSW_ROWS (default: all) builds the index
#               over the first rows only (knn -r), and the latency and recall rows of the
#               section (exact, int8, HNSW) then all search those rows
#   -k          keep the work directory (else removed); -w dir: work in dir, kept, reusing
#               the vectors, tables and HNSW index already there (made for the same -n, -d);
#               -P only makes the files there (the vectors and tables: at 3M x 300 the
#               conversion holds the matrix and its unit-length copy, 7.3 GB)
#   Environment: BUILD (default build), PYTHON (python3 with numpy and gensim;
#   default /usr/bin/python3), THREADS (default 2), TMPDIR (the files: about 4.4 bytes per
#   value, 5.3 GB at 1M x 300, 16 GB at 3M).
# Output: key<TAB>value lines; times are wall seconds, cpu is user + system seconds (what a
# busy machine distorts least); rss_MB is the peak resident set (the pages of a mapped table
# a query touched count in it: they are the page cache's, shared); anon_MB the peak of the
# process's anonymous memory (RssAnon, sampled every 2 ms), what it holds beyond the mapped
# pages; anon_pct that as a percentage of the file's size. Made by knn_big_run.py.
set -eu
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-2}
HNSW_EF=${HNSW_EF:-50 200}
HNSW_ROWS=${HNSW_ROWS:-0}
N=1000000 D=300 A=20000 Q=200 GENSIM=1 KEEP=0 K=10 BIN=1 COLD=0 HNSW=0 EFC=200 DIR= PREP=0
while getopts "a:Bcd:e:gHkn:Pq:w:" opt; do
    case $opt in
    a) A=$OPTARG ;; B) BIN=0 ;; c) COLD=1 ;; d) D=$OPTARG ;; e) EFC=$OPTARG ;; g) GENSIM=0 ;;
    H) HNSW=1 ;; k) KEEP=1 ;; n) N=$OPTARG ;; P) PREP=1 ;; q) Q=$OPTARG ;; w) DIR=$OPTARG ;;
    *) sed -n 's/^# usage: /usage: /p' "$0" >&2; exit 2 ;;
    esac
done
KNN="$BUILD/bin/knn"
HERE=$(dirname "$0")
[ -x "$KNN" ] || { echo "knn-big.sh: $KNN not built" >&2; exit 1; }
. "$HERE/common.sh"
if [ -n "$DIR" ]; then
    mkdir -p "$DIR"
    work=$DIR
    if [ -e "$work/params" ] && [ "$(cat "$work/params")" != "$N $D" ]; then
        echo "knn-big.sh: $work holds files for $(cat "$work/params"), not $N $D" >&2
        exit 2
    fi
    echo "$N $D" > "$work/params"
else
    bench_workdir knn-big "$KEEP"
fi
[ "$A" -le "$N" ] || A=$N
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f\n", a / b; else print "inf" }'; }
echo "date	$(date -u +%FT%TZ)	load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ! -s "$work/v.bin" ]; then
    log "writing $N x $D synthetic vectors"
    "$PYTHON" - "$work/v.bin.tmp" "$N" "$D" <<'PY'
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
    mv "$work/v.bin.tmp" "$work/v.bin"
fi
echo "vectors	synthetic N(0,1), seed 1: $N x $D"
if [ ! -s "$work/f.wpv" ]; then
    log "converting to tables"
    t0=$(date +%s.%N)
    "$KNN" --convert table -o "$work/f.wpv" "$work/v.bin"
    t1=$(date +%s.%N)
    echo "convert_bin_to_table_s	$(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }')"
fi
[ -s "$work/f8.wpv" ] || "$KNN" --convert table+int8 -o "$work/f8.wpv" "$work/f.wpv"
[ -s "$work/8.wpv" ] || "$KNN" --convert int8 -o "$work/8.wpv" "$work/f.wpv"
for f in v.bin f.wpv f8.wpv 8.wpv; do
    echo "size_MB_$f	$(( $(stat -c %s "$work/$f") / 1000000 ))"
done
matrix=$((N * D * 4)) codes=$((N * D))
echo "matrix_ratio_float_over_int8	$(ratio "$matrix" "$codes")"
[ "$PREP" = 0 ] || exit 0

# run NAME warm|cold FILE... -- CMD...: CMD's wall and cpu seconds, peak RSS and anonymous
# memory; warm: the FILEs dropped and read back with cat first; cold: the FILEs dropped from
# the page cache first.
# The percentage compares the anonymous peak with the first FILE's size.
run() {
    local name=$1 mode=$2
    shift 2
    local files=()
    while [ "$1" != -- ]; do files+=("$1"); shift; done
    shift
    local cold=()
    # warm: the files dropped from the page cache and read back once with cat, so every warm
    # run starts from the page cache a first reading leaves (a cache that memory pressure has
    # partly evicted, say by the gensim run, holds the table in smaller pieces: a mapped
    # table then costs up to 2 CPU s more, in page faults, at 3M x 300)
    if [ "$mode" = warm ]; then
        "$PYTHON" "$HERE/knn_big_run.py" --cold "${files[@]}" --out /dev/null -- cat "${files[@]}" \
            > /dev/null
    else
        cold=(--cold "${files[@]}")
    fi
    local r wall cpu rss anon
    r=$("$PYTHON" "$HERE/knn_big_run.py" "${cold[@]}" --out "$work/$name.out" -- "$@")
    read -r wall cpu rss anon <<< "$r"
    echo "${name}_wall_s	$wall"
    echo "${name}_cpu_s	$cpu"
    echo "${name}_rss_MB	$rss"
    echo "${name}_anon_MB	$anon	($(awk -v a="$anon" -v s="$(stat -c %s "${files[0]}")" \
        'BEGIN { printf "%.2f", 100 * a * 1e6 / s }')% of $(basename "${files[0]}"))"
    eval "${name}_wall=$wall ${name}_cpu=$cpu"
}
# read_cold FILE: the time to read FILE from the disk (its pages dropped first), with cat
read_cold() {
    local r
    r=$("$PYTHON" "$HERE/knn_big_run.py" --cold "$1" --out /dev/null -- cat "$1")
    echo "read_cold_s_$(basename "$1")	${r%% *}	($(( $(stat -c %s "$1") / 1000000 )) MB)"
}
word=w$((N / 3))
log "open + first query, warm"
[ "$BIN" = 0 ] || run knn_bin warm "$work/v.bin" -- "$KNN" -x -k $K --query "$word" "$work/v.bin"
run knn_table warm "$work/f.wpv" -- "$KNN" -x -k $K --query "$word" "$work/f.wpv"
run knn_table_trust warm "$work/f.wpv" -- "$KNN" -x -k $K --trust --query "$word" "$work/f.wpv"
run knn_int8_trust warm "$work/f8.wpv" -- "$KNN" -x -k $K --trust --int8 --query "$word" "$work/f8.wpv"
run knn_int8only_trust warm "$work/8.wpv" -- "$KNN" -x -k $K --trust --query "$word" "$work/8.wpv"
if [ "$COLD" = 1 ]; then
    log "open + first query, cold (each file dropped from the page cache first)"
    read_cold "$work/f.wpv"
    run knn_table_cold cold "$work/f.wpv" -- "$KNN" -x -k $K --query "$word" "$work/f.wpv"
    run knn_table_trust_cold cold "$work/f.wpv" -- "$KNN" -x -k $K --trust --query "$word" "$work/f.wpv"
    read_cold "$work/f8.wpv"
    run knn_int8_trust_cold cold "$work/f8.wpv" -- "$KNN" -x -k $K --trust --int8 --query "$word" "$work/f8.wpv"
    read_cold "$work/8.wpv"
    run knn_int8only_trust_cold cold "$work/8.wpv" -- "$KNN" -x -k $K --trust --query "$word" "$work/8.wpv"
fi
if [ "$GENSIM" = 1 ]; then
    log "gensim load_word2vec_format + most_similar"
    run gensim warm "$work/v.bin" -- "$PYTHON" "$HERE/knn_big_gensim.py" "$work/v.bin" "$word" $K
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
# recall TSV [EXACT]: the share of EXACT's (query, neighbour) pairs that TSV has too
recall() {
    local ref=${2:-$work/exact.tsv}
    join -j1 <(cut -f1,3 "$ref" | tr '\t' ' ' | sed 's/ /_/' | sort) \
        <(cut -f1,3 "$1" | tr '\t' ' ' | sed 's/ /_/' | sort) | wc -l |
        awk -v t="$(wc -l < "$ref")" '{ printf "%.4f\n", $1 / t }'
}
echo "int8_recall10_rerank_floats	$(recall "$work/int8.tsv")	(--int8 on table+int8, rerank 100)"
echo "int8_recall10_decoded	$(recall "$work/int8only.tsv")	(int8 only, rerank from decoded rows)"

if [ "$HNSW" = 1 ]; then
    R=(-r "$HNSW_ROWS")
    rows=$([ "$HNSW_ROWS" -gt 0 ] && echo "$HNSW_ROWS" || echo "$N")
    if [ ! -s "$work/f.hnsw" ]; then
        log "building the HNSW index over $rows rows (m 16, ef_construction $EFC, $THREADS threads)"
        "$KNN" --hnsw "$work/f.hnsw" "${R[@]}" --ef-construction "$EFC" -t "$THREADS" --verbose \
            --trust -k 1 --query w0 "$work/f.wpv" > /dev/null 2> "$work/hnsw_build.err"
        sed -n 's/.*built in \([0-9.]*\) s.*/\1/p' "$work/hnsw_build.err" > "$work/hnsw_build_s"
    fi
    echo "hnsw_build_s	$(cat "$work/hnsw_build_s" 2>/dev/null || echo nan)	($rows rows; m 16, ef_construction $EFC, $THREADS threads; $(cut -d' ' -f1-3 /proc/loadavg) now)"
    echo "size_MB_f.hnsw	$(( $(stat -c %s "$work/f.hnsw") / 1000000 ))"
    log "HNSW: open + first query (index and table mapped)"
    hw=w$((rows / 3))
    run hnsw_first warm "$work/f.hnsw" "$work/f.wpv" -- \
        "$KNN" "${R[@]}" -x -k $K --trust --hnsw "$work/f.hnsw" --query "$hw" "$work/f.wpv"
    run hnsw_first_checked warm "$work/f.hnsw" "$work/f.wpv" -- \
        "$KNN" "${R[@]}" -x -k $K --hnsw "$work/f.hnsw" --query "$hw" "$work/f.wpv"
    if [ "$COLD" = 1 ]; then
        read_cold "$work/f.hnsw"
        run hnsw_first_cold cold "$work/f.hnsw" "$work/f.wpv" -- \
            "$KNN" "${R[@]}" -x -k $K --trust --hnsw "$work/f.hnsw" --query "$hw" "$work/f.wpv"
    fi
    log "single-query latency over $rows rows, one thread, $Q queries"
    awk -v n="$rows" -v q="$Q" 'BEGIN { for (i = 0; i < q; i++) print "w" (i * 7919 % n) }' \
        > "$work/qh"
    # per_query NAME TSV CMD...: CMD (with --verbose) answers $work/qh; its own timing of the
    # queries (without opening) divided by their number; recall against exact --single
    per_query() {
        local name=$1 tsv=$2
        shift 2
        "$@" < "$work/qh" > "$tsv" 2> "$work/$name.err"
        local s
        s=$(sed -n 's/.* queries in \([0-9.]*\) s.*/\1/p' "$work/$name.err" | tail -1)
        echo "${name}_ms_per_query	$(awk -v s="$s" -v q="$Q" 'BEGIN { printf "%.3f", 1000 * s / q }')	recall@10 $(recall "$tsv" "$work/exact1.tsv")"
    }
    per_query exact "$work/exact1.tsv" "$KNN" "${R[@]}" -k $K --trust --single -t 1 --verbose \
        "$work/f.wpv"
    per_query int8 "$work/int81.tsv" "$KNN" "${R[@]}" -k $K --trust --single -t 1 --int8 \
        --verbose "$work/f8.wpv"
    for ef in $HNSW_EF; do
        per_query "hnsw_ef$ef" "$work/hnsw$ef.tsv" "$KNN" "${R[@]}" -k $K --trust -t 1 \
            --verbose --hnsw "$work/f.hnsw" --ef "$ef" "$work/f.wpv"
    done
fi

if [ "$A" -gt 0 ]; then
    log "all-vocabulary top-$K on the first $A rows, $THREADS threads"
    run all_float warm "$work/f.wpv" -- "$KNN" --all -x -k $K -r "$A" -t "$THREADS" --trust "$work/f.wpv"
    run all_int8 warm "$work/f8.wpv" -- "$KNN" --all -x -k $K -r "$A" -t "$THREADS" --trust --int8 "$work/f8.wpv"
    echo "all_float_over_int8	$(ratio "$all_float_wall" "$all_int8_wall") wall, $(ratio "$all_float_cpu" "$all_int8_cpu") cpu	($A x $A; float: symmetric sgemm; int8: blocked int8 kernel + float rerank; above 1: int8 faster)"
    cut -f1,3 "$work/all_float.out" > "$work/all_f.ids"
    cut -f1,3 "$work/all_int8.out" > "$work/all_8.ids"
    echo "all_int8_recall10	$(awk 'NR == FNR { a[$0]; next } $0 in a { h++ } END { printf "%.4f", h / FNR }' "$work/all_f.ids" "$work/all_8.ids")	(against the float all-vocabulary answer)"
fi
echo "date	$(date -u +%FT%TZ)	load average $(cut -d' ' -f1-3 /proc/loadavg)"
