#!/usr/bin/env bash
# bench/vocab_scale.sh - exact counts of many distinct tokens in bounded memory (issue 9):
# N distinct words (default 50 million) once each, every Rth (default 100th) a second time,
# through `tok | vocab -M SIZE -m 2`; reports the wall time, the peak RSS, the runs spilled
# and the words kept, and checks that exactly N/R words were kept, each counted twice.
# The words kept must fit in memory for the final sort (vocab(1)), about 140 bytes each:
# with -r 10 the 5 million kept words, not the counting, set the peak.
#
#   bench/vocab_scale.sh [-h] [-n distinct] [-r every] [-M size] [-o results.tsv]
#
# Nothing is stored but vocab's temporary runs in $TMPDIR (about 20 bytes per distinct
# word); the text is generated on the fly. Tools from $BIN (default build/bin).
set -euo pipefail
export LC_ALL=C

n=50000000 every=100 mem=256M out=
usage() { sed -n '9p' "$0" | sed 's/^# *//' >&"$1"; exit "$2"; }
while getopts hn:r:M:o: opt; do
    case $opt in
    h) usage 1 0 ;;
    n) n=$OPTARG ;;
    r) every=$OPTARG ;;
    M) mem=$OPTARG ;;
    o) out=$OPTARG ;;
    *) usage 2 2 ;;
    esac
done
BIN=${BIN:-build/bin}
for t in tok vocab wpcat; do
    [ -x "$BIN/$t" ] || { echo "vocab_scale.sh: $BIN/$t not built (make first)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "vocab_scale.sh: needs /usr/bin/time (Debian: time)" >&2; exit 1; }

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_workdir vocab_scale 0

# every word once, ten to a line, then every Rth word again
words() {
    seq -f 'w%.0f' 1 "$n" | paste -d' ' - - - - - - - - - -
    seq -f 'w%.0f' 1 "$every" "$n" | paste -d' ' - - - - - - - - - -
}

echo "vocab_scale.sh: $n distinct words, every $every-th twice, vocab -M $mem -m 2" >&2
start=$(date +%s.%N)
words | "$BIN/tok" -q |
    TMPDIR=$work /usr/bin/time -f 'peak_rss_kib=%M' -o "$work/time" \
        "$BIN/vocab" -M "$mem" -m 2 -o "$work/v.voc" 2> "$work/err"
secs=$(echo "$(date +%s.%N) - $start" | bc)
rss=$(sed -n 's/^peak_rss_kib=//p' "$work/time")
runs=$(sed -n 's/.*merging \([0-9]*\) runs.*/\1/p' "$work/err")
spilled=$(sed -n 's/.*runs (\([0-9.]*\) MB written.*/\1/p' "$work/err")
kept=$("$BIN/wpcat" --stat "$work/v.voc" | awk -F'\t' '$1 == "meta.words" { print $2 }')
distinct=$("$BIN/wpcat" --stat "$work/v.voc" | awk -F'\t' '$1 == "meta.total_words" { print $2 }')
bad=$("$BIN/wpcat" "$work/v.voc" | awk -F'\t' '$2 != 2 { n++ } END { print n + 0 }')

printf 'distinct\tmemory\tseconds\tpeak_rss_mib\truns\tspilled_mb\tkept\n'
row=$(printf '%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s' "$distinct" "$mem" "$secs" \
    "$(echo "$rss / 1024" | bc -l)" "${runs:-0}" "${spilled:-0}" "$kept")
echo "$row"
[ -z "$out" ] || echo "$row" >> "$out"
want=$(( (n + every - 1) / every ))
if [ "$distinct" -ne "$n" ] || [ "$kept" -ne "$want" ] || [ "$bad" -ne 0 ]; then
    echo "vocab_scale.sh: wrong counts: $distinct distinct (want $n), $kept kept (want $want)," \
        "$bad with a count other than 2" >&2
    exit 1
fi
