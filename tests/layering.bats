#!/usr/bin/env bats
# The layering check of lib/README.md (tests/layering.sh) passes on this tree and fails on a
# copy of it that breaks each rule.

setup() {
    root=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
    copy=$BATS_TEST_TMPDIR/tree
    mkdir -p "$copy" && cp -r "$root/lib" "$copy/"
}

@test "layering: this tree passes" {
    run "$root/tests/layering.sh" "$root"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 passed, 0 failed" ]
}

@test "layering: lib/w2v including lib/lm fails, naming the file and the parts" {
    sed -i '0,/^#include "w2v.h"/s//#include "w2v.h"\n#include "lm\/lm.h"/' "$copy/lib/w2v/w2v.c"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'./w2v/w2v.c: includes "lm/lm.h": w2v may not include lm'* ]]
}

@test "layering: lib/common including any other part fails" {
    echo '#include "stream/rec.h"' >> "$copy/lib/common/buf.h"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'common may not include stream'* ]]
}

@test "layering: <cblas.h> outside kernels/blas.h fails" {
    echo '#include <cblas.h>' >> "$copy/lib/knn/knn.c"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'./knn/knn.c:'*'#include <cblas.h>'* ]]
}

@test "layering: a print in lib/ fails" {
    echo 'static void say(void) { printf("x"); }' >> "$copy/lib/text/vocab.c"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'lib/ must not print or exit'* ]]
}

@test "layering: a file directly in lib/ or in a part the table lacks fails" {
    touch "$copy/lib/stray.c"
    mkdir "$copy/lib/newpart" && touch "$copy/lib/newpart/x.c"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'./newpart/x.c: part '"'newpart'"' is not in lib/README.md'* ]]
    [[ $output == *'./stray.c'* ]]
}

@test "layering: a bare malloc in tools/ fails" {
    mkdir -p "$copy/tools" && cp "$root"/tools/*.c "$copy/tools/"
    echo 'static void *grab(void) { return malloc(8); }' >> "$copy/tools/wpcat.c"
    run "$root/tests/layering.sh" "$copy"
    [ "$status" -ne 0 ]
    [[ $output == *'./wpcat.c:'*'malloc(8)'* ]]
}
