#!/usr/bin/env bash
# fasttext_vectors.sh KIND DATA DIR: trains a tiny fastText KIND (skipgram or cbow) model
# with Debian's fasttext on a slice of DATA/enwiki-text8style.gz in DIR, then compares
# `fasttext print-word-vectors` with `embed --vectors MODEL.bin` (tools from PATH) for words in
# the vocabulary, unseen ones (misspellings, inflections) and words with non-ASCII
# characters. fastText prints 5 significant digits, so values must agree to 1e-5 (to the
# printed digits above 1). When python3's fasttext module is there (Debian's
# python3-fasttext), the float32 bits must be equal too.
# The model written back by `knn --convert fasttext` must give fastText the same vectors.
# Prints one summary line per check; exits 1 on any mismatch.
set -euo pipefail
kind=$1 data=$(cd "$2" && pwd) dir=$3
[ -r "$data/enwiki-text8style.gz" ] || { echo "$data/enwiki-text8style.gz: not readable" >&2; exit 2; }
cd "$dir"
[ -s small.txt ] || { gzip -dc "$data/enwiki-text8style.gz" || true; } | head -c 300000 > small.txt
fasttext "$kind" -input small.txt -output "$kind" -dim 16 -minn 3 -maxn 6 -epoch 1 \
    -minCount 1 -bucket 20000 -thread 1 -verbose 0 > /dev/null

# 300 words of the text (all in the vocabulary: -minCount 1), then unseen variants of 50 of
# them, then non-ASCII words (precomposed, so tok's normalization leaves them alone)
tr -s ' ' '\n' < small.txt | awk 'NF && !seen[$0]++ && n++ < 300' > inv.txt
head -50 inv.txt | awk '{ print $0 "s"; print $0 "ing"; print "x" $0; print substr($0, 1, 1) $0 }' \
    > unseen.txt
printf '%s\n' café naïve Zürich ñandú 日本語 Ωmega façade über > nonascii.txt
cat inv.txt unseen.txt nonascii.txt > words.txt

fasttext print-word-vectors "$kind.bin" < words.txt > ft.txt
tok -q --whitespace words.txt | embed --vectors "$kind.bin" 2> embed.err | wpcat -p 9 > ours.tsv
ngram=$(sed -n 's/.* \([0-9]*\) of \([0-9]*\) tokens not in the vocabulary.*/\1/p' embed.err)

awk -v kind="$kind" -v ngram="$ngram" '
    FNR == NR { w[FNR] = $1; for (j = 2; j <= NF; j++) v[FNR, j - 1] = $j; dim = NF - 1; n = FNR; next }
    {
        split($0, f, "\t"); split(f[4], x, " ")
        r++
        if (f[3] != w[r]) { printf "%s: line %d: word %s, fastText has %s\n", kind, r, f[3], w[r]; bad++ }
        for (j = 1; j <= dim; j++) {
            d = x[j] - v[r, j]; if (d < 0) d = -d
            a = v[r, j]; if (a < 0) a = -a
            # half a unit in the 5th significant digit that fastText prints, at least 1e-5
            tol = a > 0 ? 0.5 * 10 ^ (int(log(a) / log(10) + 100) - 100 - 4) * 1.001 : 0
            if (tol < 1e-5) tol = 1e-5
            if (d > max) max = d
            if (d > tol) { if (!bad++) printf "%s: %s value %d: %s, fastText %s\n", kind, w[r], j, x[j], v[r, j] }
        }
    }
    END {
        if (r != n) { printf "%s: %d vectors, fastText printed %d\n", kind, r, n; bad++ }
        printf "%s: %d words (%s from n-grams only), %d values, max |diff| %.3g: %s\n",
               kind, r, ngram, r * dim, max, bad ? "MISMATCH" : "ok"
        exit bad > 0
    }' ft.txt ours.tsv

# the model written back by knn --convert fasttext: fastText reads it and prints the same
knn --convert fasttext -o rewritten.bin "$kind.bin"
if fasttext print-word-vectors rewritten.bin < words.txt | cmp -s - ft.txt; then
    echo "$kind: rewritten by knn --convert fasttext, fasttext prints the same vectors: ok"
else
    echo "$kind: rewritten by knn --convert fasttext, fasttext prints other vectors: MISMATCH"
    exit 1
fi

if /usr/bin/python3 -c 'import fasttext' 2> /dev/null; then
    /usr/bin/python3 - "$kind.bin" ours.tsv "$kind" << 'EOF'
import sys
import fasttext
import numpy as np
fasttext.FastText.eprint = lambda *a, **k: None  # the load_model notice
m = fasttext.load_model(sys.argv[1])
n = differ = 0
for line in open(sys.argv[2], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    ours = np.array(f[3].split(), dtype=np.float32)
    ref = m.get_word_vector(f[2]).astype(np.float32)
    n += 1
    differ += not np.array_equal(ours.view(np.uint32), ref.view(np.uint32))
print("%s: %d words against python3-fasttext get_word_vector: %d differ in any bit: %s"
      % (sys.argv[3], n, differ, "ok" if differ == 0 else "MISMATCH"))
sys.exit(differ > 0)
EOF
fi
