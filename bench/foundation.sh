#!/usr/bin/env bash
# Throughput of the foundation tools on the real corpus: tok, vocab, and the record stream
# codec (encode and decode per zlib level). Prints one table; run from the repo root after
# `make`. Usage: bench/foundation.sh [DATA_DIR]
set -euo pipefail
DATA=${1:-${DATA:-../shared/data}}
BIN=${BIN:-build/bin}
corpus=$DATA/enwiki-text8style.gz
raw=$DATA/enwiki-extract.txt.gz
[ -r "$corpus" ] || { echo "bench: $corpus not found (set DATA)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}'; }
mbs() { awk -v n="$1" -v t="$2" 'BEGIN{printf "%.1f", n/1e6/t}'; }

zcat "$corpus" > "$tmp/text8"
text_bytes=$(stat -c %s "$tmp/text8")
printf '%-34s %10s %10s\n' "step" "seconds" "MB/s"
t=$(secs sh -c "$BIN/tok -q '$tmp/text8' > '$tmp/t.rec'")
printf '%-34s %10.2f %10s\n' "tok text8-style (uncompressed in)" "$t" "$(mbs "$text_bytes" "$t")"
t=$(secs sh -c "$BIN/tok -q '$corpus' > /dev/null")
printf '%-34s %10.2f %10s\n' "tok text8-style (.gz in)" "$t" "$(mbs "$text_bytes" "$t")"
if [ -r "$raw" ]; then
    raw_bytes=$(zcat "$raw" | wc -c)
    t=$(secs sh -c "$BIN/tok -q '$raw' > /dev/null")
    printf '%-34s %10.2f %10s\n' "tok raw Wikipedia (.gz in)" "$t" "$(mbs "$raw_bytes" "$t")"
fi
t=$(secs sh -c "$BIN/vocab -q '$tmp/t.rec' > /dev/null")
printf '%-34s %10.2f %10s\n' "vocab (token stream in)" "$t" "$(mbs "$text_bytes" "$t")"
for z in 0 1 6; do
    "$BIN/tok" -q -z "$z" "$tmp/text8" > "$tmp/z$z.rec"
    sz=$(stat -c %s "$tmp/z$z.rec")
    rawsz=$("$BIN/wpcat" --stat "$tmp/z$z.rec" | awk -F'\t' '$1=="raw_bytes"{print $2}')
    t=$(secs sh -c "$BIN/wpcat --stat '$tmp/z$z.rec' > /dev/null")
    printf '%-34s %10.2f %10s  (%d%% of raw)\n' "decode+verify -z $z" "$t" "$(mbs "$rawsz" "$t")" $((100 * sz / rawsz))
done
