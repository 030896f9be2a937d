#!/usr/bin/env bash
# tok_ewt.sh - tok against the UD English Web Treebank: token agreement (default rules,
# --penn) and sentence ends (--sentences, with and without --penn), on train and dev.
# One line per measurement from tok_ewt.py (see there for the method).
#
# usage: bench/tok_ewt.sh   (after make; DATA defaults to ../shared/data, BIN to build/bin,
#        PY to python3; the rules were fitted on train only, dev is the held-out figure)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DATA=${DATA:-$here/../../shared/data}
BIN=${BIN:-$here/../build/bin}
PY=${PY:-python3}
[ -x "$BIN/tok" ] || { echo "tok_ewt.sh: $BIN/tok not built (make)" >&2; exit 1; }
for split in train dev; do
    for args in "" "--penn"; do
        # shellcheck disable=SC2086
        "$PY" "$here/tok_ewt.py" --tok "$BIN/tok" --data "$DATA" --split $split tokens $args
    done
    for args in "--sentences" "--sentences --penn"; do
        # shellcheck disable=SC2086
        "$PY" "$here/tok_ewt.py" --tok "$BIN/tok" --data "$DATA" --split $split sentences $args
    done
done
