#!/usr/bin/env bash
# pipelines/probe-report.sh DIR BUDGET ROW... - the table of make probe: for each row,
# DIR/row-ROW.tsv (as probe --eval --format tsv prints it, plus a "seconds" row) gives dev
# accuracy, accuracy on words unseen in EWT train and the probe's training time. Writes
# the markdown report on stdout and DIR/chart.dat for pipelines/plot-probe.gp.
set -eu
dir=$1 budget=$2; shift 2
name() {
    case $1 in
        baseline) echo "most frequent tag per word" ;;
        sg) echo "skip-gram vectors (w2v-train, same text)" ;;
        layer0) echo "biLM layer 0 (character encoder, no context)" ;;
        layer1) echo "biLM layer 1" ;;
        layer2) echo "biLM layer 2" ;;
        mix) echo "biLM scalar mix of all layers (learned)" ;;
        concat) echo "biLM all layers concatenated" ;;
        h-*) echo "$(name "${1#h-}")" ;;
        *) echo "$1" ;;
    esac
}
get() { awk -F'\t' -v m="$1" -v l="$2" '$1 == m && $2 == l { print $3 }' "$3"; }
echo "# make probe: UPOS tagging on UD EWT dev, probes on frozen vectors"
echo
trained=$(cat "$dir/lm.commit" 2>/dev/null || echo unknown)
echo "$(date -u +%Y-%m-%d), biLM trained at commit $trained (the commits whose binaries trained it, in order), report written at $(git rev-parse --short HEAD 2>/dev/null || echo unknown), biLM training budget $budget."
echo
header() {
    echo "| representation | dev accuracy | unseen words | probe training s |"
    echo "|---|---|---|---|"
}
echo "A linear probe (softmax regression) on each token's vector:"
echo
header
: > "$dir/chart.dat"
hidden=0
for r in "$@"; do
    f=$dir/row-$r.tsv
    if [ "${r#h-}" != "$r" ] && [ $hidden = 0 ]; then
        hidden=1
        echo
        echo "A probe with one hidden layer ($(awk -F= '$1 == "hidden" { print $2 }' \
            "$dir/params-hidden.txt") ReLU units), a stronger classifier:"
        echo
        header
    fi
    printf '| %s | %.2f | %.2f | %s |\n' "$(name "$r")" "$(get accuracy all "$f")" \
        "$(get accuracy unseen "$f")" "$(get seconds all "$f")"
    printf '"%s" %s %s\n' "$r" "$(get accuracy all "$f")" "$(get accuracy unseen "$f")" >> "$dir/chart.dat"
done
echo
echo "Unseen: dev words that never occur in EWT train ($(get examples unseen "$dir/row-baseline.tsv") of $(get examples all "$dir/row-baseline.tsv") tokens)."
