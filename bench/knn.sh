#!/bin/sh
# bench/knn.sh - knn against FAISS IndexFlatIP and numpy: top-10 by cosine for every word of
# a vector file, all on the same number of threads, then the single-query rate.
#
# usage: bench/knn.sh [VECTORS] [THREADS]
#   VECTORS: word2vec text/binary; without it a random 79,444 x 100 text file (the shape of
#            the 17M-word corpus model) is made in $TMPDIR.
#   Environment: BUILD (default build), PYTHON (a python3 with numpy and faiss; default
#   /usr/bin/python3), NUMPY_QUERIES (time numpy on this many queries and extrapolate; 0 =
#   all, the default).
set -eu
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${2:-2}
K=10
KNN="$BUILD/bin/knn"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/knnbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
[ -x "$KNN" ] || { echo "knn.sh: $KNN not built (make BUILD=$BUILD)" >&2; exit 1; }
"$PYTHON" -c 'import numpy, faiss' 2>/dev/null ||
    { echo "knn.sh: $PYTHON lacks numpy or faiss (apt-get install python3-faiss)" >&2; exit 1; }

VECTORS=${1:-}
if [ -z "$VECTORS" ]; then
    VECTORS="$TMP/random.txt"
    "$PYTHON" - "$VECTORS" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(1)
m = rng.standard_normal((79444, 100)).astype(np.float32)
with open(sys.argv[1], "w") as f:
    f.write("79444 100\n")
    for i in range(m.shape[0]):
        f.write("w%d " % i + " ".join("%f" % x for x in m[i]) + " \n")
PY
    echo "vectors_source	random 79444 x 100"
else
    echo "vectors_source	$VECTORS"
fi

# knn: all-vocabulary batch; -v reports the search time without loading and printing
start=$(date +%s.%N)
"$KNN" -a -x -k $K -t "$THREADS" -v "$VECTORS" > "$TMP/knn.tsv" 2> "$TMP/knn.err"
end=$(date +%s.%N)
search=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$TMP/knn.err")
echo "knn_all_s	$search"
echo "knn_all_wall_s	$(echo "$end - $start" | bc)	(load + search + print)"

# single queries: the streaming kernel (one thread), one query at a time
cut -f1 "$TMP/knn.tsv" | uniq | head -3000 > "$TMP/q"
"$KNN" --single -x -k $K -v "$VECTORS" < "$TMP/q" > /dev/null 2> "$TMP/single.err"
echo "knn_single_qps	$(sed -n 's/.*(\([0-9]*\) queries\/s).*/\1/p' "$TMP/single.err")	(1 thread)"

OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS \
    "$PYTHON" "$(dirname "$0")/knn.py" "$VECTORS" "$TMP/knn.tsv" "$THREADS" $K \
    "${NUMPY_QUERIES:-0}" > "$TMP/py.tsv"
cat "$TMP/py.tsv"
faiss=$(awk -F'\t' '$1 == "faiss_all_s" { print $2 }' "$TMP/py.tsv")
numpy=$(awk -F'\t' '$1 == "numpy_all_s" { print $2 }' "$TMP/py.tsv" | cut -d' ' -f1)
echo "speedup_vs_faiss	$(echo "scale=2; $faiss / $search" | bc)"
echo "speedup_vs_numpy	$(echo "scale=2; $numpy / $search" | bc)"
