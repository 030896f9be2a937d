#!/usr/bin/env bats
# Out of memory: every tool, when an allocation fails, says "TOOL: out of memory", exits 1
# and leaves no output file. tests/faults/failmalloc.c (built by make check) is preloaded so
# that every allocation of WP_FAILMALLOC_ABOVE bytes or more fails.

setup() {
    load test_helper
    [ -z "${WP_SANITIZED:-}" ] || skip "the sanitizers own malloc; failmalloc cannot be preloaded"
    FAILMALLOC=$BUILD_DIR/test/libfailmalloc.so
    [ -e "$FAILMALLOC" ] || skip "$FAILMALLOC not built (make check builds it)"
    T=$BATS_TEST_TMPDIR
    # a small corpus, its tokens, vocabulary, vectors and a tiny language model, made
    # without the preload
    for i in $(seq 1 300); do
        echo "the king and the queen ruled the land of the north and the south $i"
        echo "a man and a woman walked to the city by the river in the year $((i % 7))"
    done > "$T/c.txt"
    tok -q "$T/c.txt" > "$T/c.tok"
    vocab -q "$T/c.tok" > "$T/c.vocab"
    w2v-train -q -d 400 -e 1 -v "$T/c.vocab" -o "$T/c.vec" "$T/c.tok"
    elmo-train -q --hidden 64 --proj 32 --batch 4 --unroll 5 --max-batches 2 \
        -v "$T/c.vocab" -o "$T/c.lm" "$T/c.tok"
    # for probe: a label per word, and the words' vectors
    awk '{ s = ""; for (i = 1; i <= NF; i++) s = s (i > 1 ? " " : "") ($i == "the" ? "D" : "O")
        print s }' "$T/c.txt" | tok -q --whitespace > "$T/c.lab"
    embed -q --vectors "$T/c.vec" --oov zero -o "$T/c.evec" "$T/c.tok"
}

# oom LIMIT TOOL ARGS...: runs TOOL with allocations of LIMIT bytes or more failing
oom() {
    local limit=$1; shift
    run env LD_PRELOAD="$FAILMALLOC" WP_FAILMALLOC_ABOVE="$limit" "$@" < /dev/null
}

# expect_oom TOOL OUT: exit 1, the one message, no OUT and no temporary beside it
expect_oom() {
    [ "$status" -eq 1 ] || { echo "exit $status: $output"; return 1; }
    [ "${lines[-1]}" = "$1: out of memory" ] || { echo "got: $output"; return 1; }
    [ ! -e "$2" ]
    [ -z "$(ls -A "$(dirname "$2")" | grep "^\.$(basename "$2")\." || true)" ]
}

@test "oom: tok" {
    mkdir -p "$T/out"
    oom 65536 tok -q -o "$T/out/x" "$T/c.txt"
    expect_oom tok "$T/out/x"
}

@test "oom: vocab" {
    mkdir -p "$T/out"
    oom 65536 vocab -q -o "$T/out/x" "$T/c.tok"
    expect_oom vocab "$T/out/x"
}

@test "oom: pairs" {
    mkdir -p "$T/out"
    oom 65536 pairs -q -v "$T/c.vocab" -o "$T/out/x" "$T/c.tok"
    expect_oom pairs "$T/out/x"
}

@test "oom: w2v-train" {
    mkdir -p "$T/out"
    oom 65536 w2v-train -q -d 400 -v "$T/c.vocab" -o "$T/out/x" "$T/c.tok"
    expect_oom w2v-train "$T/out/x"
}

@test "oom: elmo-train" {
    mkdir -p "$T/out"
    oom 65536 elmo-train -q --hidden 64 --proj 32 --batch 4 --unroll 5 --max-batches 2 \
        -v "$T/c.vocab" -o "$T/out/x" "$T/c.tok"
    expect_oom elmo-train "$T/out/x"
}

@test "oom: embed, static and contextual" {
    mkdir -p "$T/out"
    oom 65536 embed -q --vectors "$T/c.vec" -o "$T/out/x" "$T/c.tok"
    expect_oom embed "$T/out/x"
    oom 65536 embed -q --model "$T/c.lm" -o "$T/out/x" "$T/c.tok"
    expect_oom embed "$T/out/x"
}

@test "oom: knn" {
    mkdir -p "$T/out"
    oom 65536 knn -k 3 --query the -o "$T/out/x" "$T/c.vec"
    expect_oom knn "$T/out/x"
}

@test "oom: phrases, learning and applying" {
    mkdir -p "$T/out"
    oom 65536 phrases -q -m 2 -o "$T/out/x" "$T/c.tok"
    expect_oom phrases "$T/out/x"
    phrases -q -m 2 --learn -o "$T/c.phr" "$T/c.tok"
    oom 65536 phrases -q --apply "$T/c.phr" -o "$T/out/x" "$T/c.tok"
    expect_oom phrases "$T/out/x"
}

@test "oom: probe, training and evaluating" {
    mkdir -p "$T/out"
    oom 65536 probe -q --epochs 1 -t 1 -o "$T/out/x" "$T/c.evec" "$T/c.lab"
    expect_oom probe "$T/out/x"
    probe -q --epochs 1 -t 1 -o "$T/c.probe" "$T/c.evec" "$T/c.lab"
    oom 65536 probe --eval -q --model "$T/c.probe" -o "$T/out/x" "$T/c.evec" "$T/c.lab"
    expect_oom probe "$T/out/x"
}

@test "oom: wpcat" {
    oom 65536 wpcat "$T/c.vec"
    expect_oom wpcat "$T/out/none"
}

# Smaller limits reach the C library's own small allocations (stdio buffers) and, below
# about 4 KiB, the Fortran runtime OpenBLAS loads, which fails before main with its own
# message (and when even its error path's allocations fail, below 64 bytes, it recurses
# until it crashes, before main: not tested). Whatever fails, a tool must exit 1 (or 0 if it never asked for that much):
# never crash, hang, or claim bad input.
@test "oom: at any limit every tool exits 1, never a crash or another code" {
    for limit in 1048576 16384 4096 1024 256 64; do
        for cmd in "tok -q $T/c.txt" "vocab -q $T/c.tok" "pairs -q -v $T/c.vocab $T/c.tok" \
                   "w2v-train -q -v $T/c.vocab $T/c.tok" "knn -k 3 --query the $T/c.vec" \
                   "embed -q --vectors $T/c.vec $T/c.tok" "embed -q --model $T/c.lm $T/c.tok" "wpcat $T/c.vec" \
                   "phrases -q -m 2 $T/c.tok" "probe -q --epochs 1 -t 1 -o $T/o.probe $T/c.evec $T/c.lab" \
                   "elmo-train -q --hidden 64 --proj 32 --batch 4 --unroll 5 --max-batches 2 -v $T/c.vocab -o $T/o.lm $T/c.tok"; do
            run timeout 60 bash -c "LD_PRELOAD='$FAILMALLOC' WP_FAILMALLOC_ABOVE=$limit $cmd 2>&1 >/dev/null </dev/null"
            [ "$status" -eq 0 ] && continue # nothing that large was asked for
            [ "$status" -eq 1 ] || { echo "limit $limit, $cmd: exit $status: $output"; return 1; }
            [[ ${lines[-1]} == *": out of memory" || ${lines[-1]} == "Memory allocation failed" ||
               ${lines[-1]} == "Allocating cleared memory failed" ]] ||
                { echo "limit $limit, $cmd: ${lines[-1]}"; return 1; }
        done
    done
}
