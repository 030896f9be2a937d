#!/usr/bin/env bash
# tests/layering.sh [ROOT] - the rules of lib/README.md over ROOT/lib (default: this tree):
#   1. lib/ never prints or exits;
#   2. a file in lib/PART includes only its own part ("name.h") and the parts the table in
#      lib/README.md lists for PART ("part/name.h");
#   3. only lib/kernels/blas.[ch] include <cblas.h> or declare LAPACK or OpenBLAS functions;
#   4. every source file of lib/ lives in a part listed there;
#   5. tools/ allocate only through tools/cli.c (cli_malloc and its kin).
# Prints each violation and ends with "N passed, N failed" (one check per rule).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root/lib" || exit 1
passed=0 failed=0
verdict() { # verdict NAME OUTPUT
    if [ -z "$2" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); printf 'FAIL layering: %s\n%s\n' "$1" "$2"; fi
}

# the table: "| part | may include | holds |" rows
declare -A allowed
while IFS='|' read -r _ part uses _; do
    part=$(echo $part) uses=$(echo $uses)
    [[ $part =~ ^[a-z0-9_]+$ ]] || continue
    allowed[$part]=" $uses "
done < README.md

verdict "lib/ must not print or exit" \
    "$(grep -nE '\b(exit|_exit|err|errx|warn|warnx|printf|fprintf|puts|fputs|perror|abort)[[:space:]]*\(' ./*/*.c)"

out=
for f in ./*/*.[ch]; do
    part=${f#./}; part=${part%%/*}
    if [ -z "${allowed[$part]+x}" ]; then out+="$f: part '$part' is not in lib/README.md"$'\n'; continue; fi
    while IFS= read -r inc; do
        case $inc in
            */*) dep=${inc%%/*}
                 if [ "$dep" != "$part" ] && [[ ${allowed[$part]} != *" $dep "* ]]; then
                     out+="$f: includes \"$inc\": $part may not include $dep"$'\n'
                 fi ;;
            *) [ -e "$part/$inc" ] || out+="$f: includes \"$inc\", which is not in $part/"$'\n' ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
verdict "a part includes only the parts lib/README.md allows" "${out%$'\n'}"

verdict "only kernels/blas.[ch] include <cblas.h> or declare BLAS, LAPACK or OpenBLAS functions" \
    "$(grep -nE '#[[:space:]]*include[[:space:]]*<(cblas|lapacke?|openblas_config)\.h>|^(extern[[:space:]]+)?(void|int)[[:space:]]+(openblas_[a-z_]+|[sd][a-z]{3,5}_)[[:space:]]*\(' \
        ./*/*.[ch] | grep -v '^\./kernels/blas\.[ch]:')"

verdict "every source file of lib/ is in a part" "$(ls ./*.[ch] 2>/dev/null)"

# tools/ allocate through cli.c, whose wrappers end the tool with "tool: out of memory"
verdict "tools/ allocate only through cli_malloc and its kin (tools/cli.c)" \
    "$(cd "$root/tools" && grep -nE '\b(malloc|calloc|realloc|reallocarray|strdup|strndup)[[:space:]]*\(' ./*.c |
        grep -v '^\./cli\.c:')"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
