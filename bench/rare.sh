#!/usr/bin/env bash
# bench/rare.sh - rare and unseen words (issue 19), a check built from what ../shared/data
# holds (the rare-word similarity sets are held back: this is not one of them). Three
# groups of pairs, a form outside every model's vocabulary (seen fewer than 5 times, below
# `-m 5`) and a partner inside it (seen 5 times or more):
#   gram    the syntactic sections of questions-words.txt (gram1..gram9: adverb, opposite,
#           comparative, superlative, participle, nationality, past tense, plural, verb
#           plural), each question giving two pairs (a b, c d), one form rare or unseen;
#   suffix  corpus words seen 1-4 times that are a vocabulary word plus -s, -es, -ed, -ing,
#           -ly, -er, -ers or -ness (stems of 4 letters or more): `reorganizations` and
#           `reorganization`;
#   typo    a vocabulary word seen 50 times or more, of 6 letters or more, with its middle
#           letter deleted, when the corpus never has the result: `langage`, `language`.
# The first 1,000 of each group in byte order. For each model, the outside form's vector
# comes from its character n-grams alone; a hit@k is its partner among its k nearest
# vocabulary words (cosine). Plain word2vec has no vector for any of these forms (0 by
# construction).
# Models: fastText-format .bin files (w2v-train --subwords --format fasttext, or fastText's
# own `fasttext skipgram` output), read by knn; the same corpus and -m 5 for all.
# Run by people from the repo root after `make` (not by make check).
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/rare.sh [-h] [-c corpus] [-q questions] model.bin ...
  -c corpus      the text the models were trained on (default
                 \$DATA/enwiki-text8style.gz), tokenised by tok as bench/w2v.sh does
  -q questions   word2vec's questions-words.txt (default \$DATA/questions-words.txt)
Environment: DATA (default ../shared/data), BIN (default build/bin), TMPDIR.
Prints, per model and per group (gram, suffix, typo): pairs, hits@1, hits@10.
EOF
}

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${DATA:-$HERE/../../shared/data}
BIN=${BIN:-$HERE/../build/bin}
CORPUS=$DATA/enwiki-text8style.gz
QUESTIONS=$DATA/questions-words.txt
while getopts "c:hq:" opt; do
    case $opt in
    c) CORPUS=$OPTARG ;;
    h) usage; exit 0 ;;
    q) QUESTIONS=$OPTARG ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { usage >&2; exit 2; }
for f in "$CORPUS" "$QUESTIONS" "$@"; do
    [ -r "$f" ] || { echo "rare.sh: $f: not readable" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rare.XXXXXX")
trap 'rm -rf "$work"' EXIT

# every word's count in the corpus (vocab -m 1), as "word count" lines
"$BIN/tok" -q "$CORPUS" | "$BIN/vocab" -q -m 1 | "$BIN/wpcat" > "$work/counts.tsv"

# the pairs: "group outside partner"
awk -v counts="$work/counts.tsv" '
    BEGIN { while ((getline l < counts) > 0) { split(l, f, "\t"); n[f[1]] = f[2] } }
    /^:/ { gram = ($2 ~ /^gram/); next }
    gram && NF == 4 {
        for (i = 1; i <= 3; i += 2) {
            a = tolower($i); b = tolower($(i + 1))
            if (n[a] < 5 && n[b] >= 5) print "gram\t" a "\t" b
            else if (n[b] < 5 && n[a] >= 5) print "gram\t" b "\t" a
        }
    }
    END {
        ns = split("s es ed ing ly er ers ness", suf, " ")
        for (w in n) {
            c = n[w]
            if (c >= 1 && c < 5)
                for (i = 1; i <= ns; i++) {
                    k = length(suf[i]); stem = substr(w, 1, length(w) - k)
                    if (length(stem) >= 4 && substr(w, length(w) - k + 1) == suf[i] \
                        && n[stem] >= 5) { print "suffix\t" w "\t" stem; break }
                }
            if (c >= 50 && length(w) >= 6 && w ~ /^[a-z]+$/) {
                m = int(length(w) / 2); t = substr(w, 1, m - 1) substr(w, m + 1)
                if (!(t in n)) print "typo\t" t "\t" w
            }
        }
    }' "$QUESTIONS" | sort -u | awk -F'\t' '++k[$1] <= 1000' > "$work/pairs.tsv"

printf '%-40s %-7s %6s %8s %8s\n' model group pairs "hits@1" "hits@10"
for model in "$@"; do
    cut -f2 "$work/pairs.tsv" | sort -u |
        "$BIN/knn" -k 10 "$model" 2> "$work/knn.err" > "$work/nn.tsv" ||
        { echo "rare.sh: knn on $model failed: $(head -1 "$work/knn.err")" >&2; exit 1; }
    awk -v model="$(basename "$model")" -v nn="$work/nn.tsv" '
        BEGIN { while ((getline l < nn) > 0) { split(l, f, "\t"); rank[f[1] "\t" f[3]] = f[2] } }
        { g[$1]++; r = rank[$2 "\t" $3]; if (r == 1) h1[$1]++; if (r >= 1 && r <= 10) h10[$1]++ }
        END { for (k = 1; k <= 3; k++) { x = k == 1 ? "gram" : k == 2 ? "suffix" : "typo"
                  if (g[x]) printf "%-40s %-7s %6d %7.1f%% %7.1f%%\n", model, x, g[x],
                                   100 * h1[x] / g[x], 100 * h10[x] / g[x] } }' "$work/pairs.tsv"
done
echo "# $(wc -l < "$work/pairs.tsv") pairs: a form seen fewer than 5 times (none for typo) and its"
echo "# partner in the vocabulary; plain word2vec: 0 (no vector for any outside form)"
