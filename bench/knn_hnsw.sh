#!/bin/sh
# bench/knn_hnsw.sh - knn's HNSW index against hnswlib at the same settings (cosine, M 16,
# ef_construction 200, ef 50, top 10 for every word, THREADS threads): build time, query
# rate, and recall@10 of both against knn's exact answer.
#
# usage: bench/knn_hnsw.sh VECTORS [THREADS]
#   VECTORS: word2vec text or binary (hnswlib reads it through gensim).
#   Environment: BUILD (default build), PYTHON (python3 with gensim, numpy, hnswlib; default
#   /usr/bin/python3).
set -eu
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
VECTORS=$1
THREADS=${2:-2}
K=10 M=16 EFC=200 EF=50
KNN="$BUILD/bin/knn"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/knnhnsw.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
"$PYTHON" -c 'import numpy, gensim, hnswlib' 2>/dev/null ||
    { echo "knn_hnsw.sh: $PYTHON lacks numpy, gensim or hnswlib" >&2; exit 1; }

"$KNN" --all -k $K -t "$THREADS" "$VECTORS" > "$TMP/exact.tsv"
"$KNN" --hnsw "$TMP/index" --hnsw-m $M --ef-construction $EFC --query the -t "$THREADS" --verbose \
    "$VECTORS" > /dev/null 2> "$TMP/build.err" || true
echo "knn_hnsw_build_s	$(sed -n 's/.*built in \([0-9.]*\) s.*/\1/p' "$TMP/build.err")	($THREADS threads)"
"$KNN" --hnsw "$TMP/index" --ef $EF --all -k $K -t "$THREADS" --verbose "$VECTORS" > "$TMP/hnsw.tsv" \
    2> "$TMP/query.err"
s=$(sed -n 's/.* in \([0-9.]*\) s with printing.*/\1/p' "$TMP/query.err")
n=$(wc -l < "$TMP/exact.tsv")
echo "knn_hnsw_query_s	$s	(incl. printing)"
echo "knn_hnsw_qps	$(echo "$n / $K / $s" | bc)"
"$PYTHON" "$(dirname "$0")/knn_hnsw.py" "$VECTORS" "$TMP/exact.tsv" "$TMP/hnsw.tsv" \
    "$THREADS" $K $M $EFC $EF
