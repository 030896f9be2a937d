#!/usr/bin/env bats
# wpcat and the record stream as every tool sees it: printing, --stat, and one clear
# error for each kind of damage.

setup() {
    load test_helper
    printf 'the cat sat\non the mat\n' | tok -q > "$BATS_TEST_TMPDIR/t.rec"
}

# patch FILE OFFSET BYTE: overwrite one byte (BYTE in octal escape form, e.g. \\002)
patch() {
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "wpcat: prints a token stream one token per line, a blank line after each sentence" {
    run --separate-stderr wpcat "$BATS_TEST_TMPDIR/t.rec"
    assert_success
    assert_output "$(printf 'the\ncat\nsat\n\non\nthe\nmat\n')"
}

@test "wpcat: --lines prints one sentence per line and reads stdin" {
    run --separate-stderr bash -c 'wpcat --lines < "$1"' _ "$BATS_TEST_TMPDIR/t.rec"
    assert_success
    assert_output "$(printf 'the cat sat\non the mat')"
}

@test "wpcat: --stat names the kind, counts records and verifies checksums" {
    run --separate-stderr wpcat --stat "$BATS_TEST_TMPDIR/t.rec"
    assert_success
    assert_line $'kind\ttokens'
    assert_line $'records\t2'
    assert_line $'checksums\tok'
}

@test "wpcat: concatenated streams of one kind read as one" {
    cat "$BATS_TEST_TMPDIR/t.rec" "$BATS_TEST_TMPDIR/t.rec" > "$BATS_TEST_TMPDIR/tt.rec"
    run --separate-stderr wpcat --stat "$BATS_TEST_TMPDIR/tt.rec"
    assert_success
    assert_line $'streams\t2'
    assert_line $'records\t4'
}

@test "wpcat: a flipped bit in a stored block is a checksum mismatch naming the block" {
    printf 'the cat sat\n' | tok -q -z 0 > "$BATS_TEST_TMPDIR/s.rec"
    size=$(stat -c %s "$BATS_TEST_TMPDIR/s.rec")
    # the last payload byte sits just before the 32-byte trailer
    patch "$BATS_TEST_TMPDIR/s.rec" $((size - 33)) 'X'
    run --separate-stderr -3 wpcat "$BATS_TEST_TMPDIR/s.rec"
    [[ "$stderr" == "wpcat: $BATS_TEST_TMPDIR/s.rec: block 1: checksum mismatch" ]]
}

@test "wpcat: a stream cut short is an error at every cut, never a short read" {
    size=$(stat -c %s "$BATS_TEST_TMPDIR/t.rec")
    for cut in 1 8 20 30 $((size / 2)) $((size - 1)); do
        head -c "$cut" "$BATS_TEST_TMPDIR/t.rec" > "$BATS_TEST_TMPDIR/cut.rec"
        run --separate-stderr -3 wpcat "$BATS_TEST_TMPDIR/cut.rec"
        [[ "$stderr" == *"truncated stream"* || "$stderr" == *"without a trailer"* ]]
    done
}

@test "wpcat: text is refused as not a wordpipe stream" {
    run --separate-stderr -3 bash -c 'echo "hello world" | wpcat'
    [[ "$stderr" == "wpcat: <stdin>: header: not a wordpipe stream (looks like text; see tok(1))" ]]
}

@test "wpcat: a vector table, an HNSW index and word2vec vectors are named for what they are" {
    T=$BATS_TEST_TMPDIR
    printf '3 2\na 1 0\nb 0 1\nc 1 1\n' > "$T/v.txt"
    knn --convert bin -o "$T/v.bin" "$T/v.txt"
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    knn -q --hnsw "$T/v.hnsw" --query a -k 1 "$T/v.txt" > /dev/null
    local pre="header: not a wordpipe stream"
    run --separate-stderr -3 wpcat "$T/v.wpv"
    [ "$stderr" = "wpcat: $T/v.wpv: $pre (a vector table: knn maps it from its file; knn --convert txt prints it)" ]
    run --separate-stderr -3 bash -c 'cat "$1" | knn --query a -' _ "$T/v.wpv"
    [ "$stderr" = "knn: <stdin>: $pre (a vector table: knn maps it from its file; knn --convert txt prints it)" ]
    run --separate-stderr -3 wpcat "$T/v.hnsw"
    [ "$stderr" = "wpcat: $T/v.hnsw: $pre (a knn HNSW index: knn --hnsw reads it)" ]
    for f in v.txt v.bin; do
        run --separate-stderr -3 wpcat "$T/$f"
        [ "$stderr" = "wpcat: $T/$f: $pre (begins as word2vec vectors do; knn --convert stream makes one)" ]
    done
}

@test "wpcat: a future format version is refused with both versions named" {
    patch "$BATS_TEST_TMPDIR/t.rec" 8 '\002'
    run --separate-stderr -3 wpcat "$BATS_TEST_TMPDIR/t.rec"
    [[ "$stderr" == *"header: format version 2, this program reads version 1" ]]
}

@test "wpcat: an empty input has its own error" {
    run --separate-stderr -3 wpcat /dev/null
    [[ "$stderr" == "wpcat: /dev/null: empty input, not a wordpipe stream" ]]
}

@test "wpcat: a damaged header is caught by its check" {
    patch "$BATS_TEST_TMPDIR/t.rec" 17 'Z'
    run --separate-stderr -3 wpcat "$BATS_TEST_TMPDIR/t.rec"
    [[ "$stderr" == *": header: header check failed" ]]
}

@test "wpcat: a missing file exits 1 naming it" {
    run --separate-stderr -1 wpcat "$BATS_TEST_TMPDIR/nope.rec"
    [[ "$stderr" == "wpcat: $BATS_TEST_TMPDIR/nope.rec: No such file or directory" ]]
}

@test "wpcat: -h prints usage on stdout, a bad option exits 2 with usage on stderr" {
    run --separate-stderr wpcat -h
    assert_success
    assert_output --partial "usage: wpcat"
    run --separate-stderr -2 wpcat --bogus
    [[ "${stderr_lines[-1]}" == "usage: wpcat "* ]]
    run --separate-stderr -2 wpcat -p 99 "$BATS_TEST_TMPDIR/t.rec"
    [[ "$stderr" == *"-p 99: expected an integer in [1, 17]"* ]]
}

@test "wpcat: a closed pipe ends it quietly" {
    for i in $(seq 1 20000); do echo "w$i x y z"; done | tok -q > "$BATS_TEST_TMPDIR/big.rec"
    run --separate-stderr bash -o pipefail -c 'wpcat "$1" | head -n 1' _ "$BATS_TEST_TMPDIR/big.rec"
    [ "$status" -eq 141 ]
    [ -z "$stderr" ]
}
