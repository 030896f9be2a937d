#!/usr/bin/env bats
# fastText .bin models in embed --vectors and knn: word vectors as fastText gives them (against an
# independent writer, tests/interop/fasttext_make_model.py, and against Debian's fasttext
# when installed), n-gram vectors for unseen words, and every refused model with its message.

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    MAKE_MODEL=$ROOT/tests/interop/fasttext_make_model.py
}

# model OUT [options] [words]: writes a model and the vectors fastText gives the words.
model() {
    /usr/bin/python3 "$MAKE_MODEL" "$@"
}

@test "fasttext: embed --vectors gives a model's words their vectors and unseen words their n-grams'" {
    model "$T/m.bin" ab cd xy 'café' > "$T/want.txt"
    printf 'ab cd xy café\n' | tok -q --whitespace > "$T/tok"
    run --separate-stderr embed --vectors "$T/m.bin" "$T/tok" -o "$T/out"
    assert_success
    [ "$stderr" = "embed: $T/tok: 2 of 4 tokens not in the vocabulary got vectors from their character n-grams only" ]
    run bash -c 'wpcat -p 9 "$1" | cut -f3- | tr "\t" " "' _ "$T/out"
    assert_output "$(cat "$T/want.txt")"
    run --separate-stderr embed -q --vectors "$T/m.bin" "$T/tok" -o "$T/out"
    [ -z "$stderr" ]
}

@test "fasttext: knn answers unseen queries from n-grams and says so; neighbours are the model's words" {
    model "$T/m.bin" > /dev/null
    run --separate-stderr knn -k 3 --query ab --query xy "$T/m.bin"
    assert_success
    [ "$(cut -f1 <<< "$output" | tr '\n' ' ')" = "ab ab ab xy xy xy " ]
    [ -z "$(cut -f3 <<< "$output" | grep -vx -e '</s>' -e ab -e cd)" ]
    [ "$stderr" = "knn: 'xy' not in vocabulary: answered from its character n-grams" ]
    run --separate-stderr bash -c 'printf "xy\nab\n" | knn --verbose -k 1 "$1"' _ "$T/m.bin"
    assert_success
    [ "$(cut -f1 <<< "$output" | tr '\n' ' ')" = "xy ab " ]
    [[ "$stderr" == *"1 of 2 queries answered from character n-grams"* ]]
}

@test "fasttext: knn --analogies and --similarity take unseen words from their n-grams" {
    model "$T/m.bin" > /dev/null
    run --separate-stderr bash -c 'echo "ab xy cd" | knn --analogies -k 1 "$1"' _ "$T/m.bin"
    assert_success
    [[ "$output" == "ab xy cd"$'\t'1$'\t'* ]]
    [ "$stderr" = "knn: 'xy' not in vocabulary: its character n-grams stand in" ]
    printf 'ab cd 5\nab xy 3\nzz cd 1\n' > "$T/sim.tsv"
    run --separate-stderr knn --similarity "$T/sim.tsv" "$T/m.bin"
    assert_success
    assert_line "found	3"
    assert_line "oov	0"
    assert_line "ngrams	2"
}

@test "fasttext: knn --convert fasttext and embed --export fasttext write models read back the same" {
    model "$T/m.bin" ab xy > "$T/want.txt"
    knn --convert fasttext -o "$T/re.bin" "$T/m.bin"
    cmp <(head -c "$(($(stat -c %s "$T/m.bin") - 24))" "$T/m.bin") \
        <(head -c "$(($(stat -c %s "$T/re.bin") - 24))" "$T/re.bin")
    printf 'ab xy\n' | tok -q --whitespace > "$T/tok"
    run bash -c 'embed -q --vectors "$1" "$2" | wpcat -p 9 | cut -f3- | tr "\t" " "' _ "$T/re.bin" "$T/tok"
    assert_output "$(cat "$T/want.txt")"
    # plain vectors become a model without n-grams: the words keep their rows
    printf '2 3\nx 1 0 0.5\ny 0 1 -2\n' > "$T/v.txt"
    embed --vectors "$T/v.txt" --export fasttext -o "$T/p.bin"
    run --separate-stderr knn -k 1 --query y --query zz "$T/p.bin"
    assert_output "$(printf 'y\t1\ty\t1.000000')"
    [ "$stderr" = "knn: 'zz' not in vocabulary" ]
    run knn --convert txt "$T/p.bin"
    assert_output "$(printf '2 3\nx 1.000000 0.000000 0.500000 \ny 0.000000 1.000000 -2.000000 ')"
}

@test "fasttext: a truncated model is refused with where it ends (exit 3)" {
    model "$T/m.bin" > /dev/null
    head -c 95 "$T/m.bin" > "$T/t1.bin"
    run --separate-stderr -3 knn --query ab "$T/t1.bin"
    [ "$stderr" = "knn: $T/t1.bin: dictionary: 3 entries cannot fit in the 3 bytes left" ]
    run --separate-stderr -3 bash -c 'cat "$1" | knn --query ab -' _ "$T/t1.bin"
    [ "$stderr" = "knn: <stdin>: truncated in dictionary entry 1" ]
    head -c 200 "$T/m.bin" > "$T/t2.bin"
    run --separate-stderr -3 embed --vectors "$T/t2.bin" /dev/null
    [[ "$stderr" == "embed: $T/t2.bin: input and output matrices need "*" bytes, the file has "*" left" ]]
    run --separate-stderr -3 bash -c 'cat "$1" | knn --query ab -' _ "$T/t2.bin"
    [ "$stderr" = "knn: <stdin>: truncated in input matrix" ]
    size=$(stat -c %s "$T/m.bin")
    head -c $((size - 1)) "$T/m.bin" > "$T/t3.bin"
    run --separate-stderr -3 knn --query ab "$T/t3.bin"
    [[ "$stderr" == "knn: $T/t3.bin: "*"the file has"*"left" ]]
}

@test "fasttext: supervised, quantized, other versions and NaN values are refused (exit 3)" {
    model "$T/s.bin" --supervised > /dev/null
    run --separate-stderr -3 knn --query ab "$T/s.bin"
    [ "$stderr" = "knn: $T/s.bin: a supervised fastText model (a classifier), not word vectors" ]
    model "$T/q.bin" --quantized > /dev/null
    run --separate-stderr -3 embed --vectors "$T/q.bin" /dev/null
    [ "$stderr" = "embed: $T/q.bin: a quantized fastText model (.ftz): not supported" ]
    model "$T/v.bin" --version 11 > /dev/null
    run --separate-stderr -3 knn --query ab "$T/v.bin"
    [ "$stderr" = "knn: $T/v.bin: fastText model version 11, only 12 (fastText 0.9) is supported" ]
    model "$T/n.bin" --nan > /dev/null
    run --separate-stderr -3 knn --query ab "$T/n.bin"
    [ "$stderr" = "knn: $T/n.bin: input matrix: row 4, value 2 is not finite" ]
}

@test "fasttext: a header declaring absurd sizes is refused before allocating (file and pipe)" {
    model "$T/big.bin" --bucket 2147483000 > /dev/null
    run --separate-stderr -3 knn --query ab "$T/big.bin"
    [[ "$stderr" == "knn: $T/big.bin: input and output matrices need 17179864065 bytes, the file has "*" left" ]]
    # from a pipe the matrix grows only as its bytes arrive: 1 GiB of address space is plenty
    # (not under AddressSanitizer, whose shadow memory alone needs more address space)
    [ -z "${WP_SANITIZED:-}" ] || return 0
    run --separate-stderr -3 bash -c 'ulimit -v 1048576; cat "$1" | knn --query ab -' _ "$T/big.bin"
    [ "$stderr" = "knn: <stdin>: truncated in input matrix" ]
}

# fasttext_cli: skips unless Debian's fasttext (the reference) and the data are there.
fasttext_cli() {
    command -v fasttext > /dev/null || skip "fasttext not installed (make deps-interop)"
    need_data enwiki-text8style.gz
}

@test "fasttext: embed --vectors skipgram.bin equals fasttext print-word-vectors (seen, unseen, non-ASCII)" {
    fasttext_cli
    run "$ROOT/tests/interop/fasttext_vectors.sh" skipgram "$DATA" "$T"
    echo "$output"
    assert_success
    assert_line --regexp '^skipgram: 508 words \([1-9][0-9]* from n-grams only\), .*: ok$'
}

@test "fasttext: embed --vectors cbow.bin equals fasttext print-word-vectors (seen, unseen, non-ASCII)" {
    fasttext_cli
    run "$ROOT/tests/interop/fasttext_vectors.sh" cbow "$DATA" "$T"
    echo "$output"
    assert_success
    assert_line --regexp '^cbow: 508 words \([1-9][0-9]* from n-grams only\), .*: ok$'
}

@test "fasttext: bytes after the end of a model are refused (exit 3), from a file or a pipe" {
    model "$T/m.bin" > /dev/null
    { cat "$T/m.bin"; printf x; } > "$T/tail.bin"
    run --separate-stderr -3 knn --query ab "$T/tail.bin"
    [ "$stderr" = "knn: $T/tail.bin: 1 bytes after the end of the model" ]
    run --separate-stderr -3 bash -c 'cat "$1" "$1" | knn --query ab -' _ "$T/m.bin"
    [ "$stderr" = "knn: <stdin>: more data after the end of the model" ]
}
