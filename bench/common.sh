# shellcheck shell=bash
# bench/common.sh - sourced by the side-by-side benches (w2v.sh, elmo.sh, embed.sh): a work
# directory removed at exit unless kept, the result rows file, and small parsing helpers.

# bench_workdir NAME KEEP: sets work (a fresh temporary directory, printed and kept when
# KEEP is 1, else removed at exit) and rows (an empty TSV inside it).
bench_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1-bench.XXXXXX")
    if [ "$2" = 1 ]; then
        echo "$1.sh: keeping $work" >&2
    else
        trap 'rm -rf "$work"' EXIT
    fi
    rows=$work/rows.tsv
    : > "$rows"
}

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
# field KEY LINE: the value of KEY=value in run.py's line
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
# kv KEY FILE: the value of the last "KEY<TAB>value" line, nan without one
kv() { awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "nan" : v) }' "$2"; }
