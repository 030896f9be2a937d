#!/usr/bin/env bats
# vocab: counting, order, pruning, exact merges, spilling, text import/export, errors.

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    printf 'the cat sat on the mat\nthe dog\nb a ab\n' | tok -q > "$T/t.rec"
}

# A slice of the real corpus as one word per line (text8 is a single line).
corpus_words() {
    gzip -dc "$DATA/enwiki-text8style.gz" | head -c "$1" | tr ' ' '\n' | sed '/^$/d;$d'
}

# kind_patch IN OUT KIND: IN with its header's kind byte set to KIND and the header
# check recomputed (XXH3-64 through libxxhash), a valid stream of another kind.
kind_patch() {
    python3 - "$@" <<'EOF'
import ctypes, struct, sys
x = ctypes.CDLL("libxxhash.so.0")
x.XXH3_64bits.restype = ctypes.c_uint64
x.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
b = bytearray(open(sys.argv[1], "rb").read())
b[9] = int(sys.argv[3])
n = 16 + struct.unpack_from("<I", b, 12)[0]
struct.pack_into("<Q", b, n, x.XXH3_64bits(bytes(b[:n]), n))
open(sys.argv[2], "wb").write(b)
EOF
}

@test "vocab: -h prints the usage on stdout; a bad option prints it on stderr, exit 2" {
    run --separate-stderr vocab -h
    assert_success
    assert_output --partial "usage: vocab [-fhqV] [-M size]"
    run --separate-stderr -2 vocab --bogus
    assert_output ""
    [[ "$stderr" == *"usage: vocab"* ]]
}

@test "vocab: -V prints the version" {
    run --separate-stderr vocab -V
    assert_success
    assert_output --regexp '^vocab \(wordpipe\) [0-9]'
}

@test "vocab: counts, sorts by count then bytewise, shorter first; reads stdin" {
    run --separate-stderr bash -o pipefail -c 'vocab -q < "$1" | wpcat' _ "$T/t.rec"
    assert_success
    assert_output "$(printf 'the\t3\na\t1\nab\t1\nb\t1\ncat\t1\ndog\t1\nmat\t1\non\t1\nsat\t1')"
    assert_equal "$stderr" ""
}

@test "vocab: header metadata: words, tokens, total_tokens, total_words, min_count, hash" {
    run --separate-stderr bash -o pipefail -c 'vocab -q -m 2 "$1" | wpcat --stat' _ "$T/t.rec"
    assert_success
    assert_line $'meta.words\t1'
    assert_line $'meta.tokens\t3'
    assert_line $'meta.total_tokens\t11'
    assert_line $'meta.total_words\t9'
    assert_line $'meta.min_count\t2'
    # XXH3-64 of varint(3) "the", computed by hand through libxxhash
    want=$(python3 -c 'import ctypes; x=ctypes.CDLL("libxxhash.so.0"); x.XXH3_64bits.restype=ctypes.c_uint64; print(x.XXH3_64bits(b"\x03the", 4))')
    assert_line "meta.vocab_hash	$want"
}

@test "vocab: -m drops rare words; -n keeps the most frequent after -m" {
    run --separate-stderr bash -o pipefail -c 'vocab -q -m 2 "$1" | wpcat' _ "$T/t.rec"
    assert_output "$(printf 'the\t3')"
    run --separate-stderr bash -o pipefail -c 'vocab -q --max-words 3 "$1" | wpcat' _ "$T/t.rec"
    assert_output "$(printf 'the\t3\na\t1\nab\t1')"
    run --separate-stderr bash -o pipefail -c 'vocab -q --min-count 9 --max-words 1 "$1" | wpcat --stat' _ "$T/t.rec"
    assert_line $'records\t0'
}

@test "vocab: bad -m, -n, -z and -M values exit 2 naming the flag" {
    for bad in "-m 1.5" "-m x" "-m -1" "-n 0" "-n 5000000000" "-z 10" "-M 100K" "-M 1Q" "-M x"; do
        run --separate-stderr -2 vocab $bad "$T/t.rec"
        [[ "$stderr" == "vocab: ${bad%% *} "* ]]
    done
}

@test "vocab: -o writes the file atomically; a failing run leaves nothing" {
    run --separate-stderr vocab -q -o "$T/v.voc" "$T/t.rec"
    assert_success
    assert_output ""
    run wpcat "$T/v.voc"
    assert_line --index 0 $'the\t3'
    run --separate-stderr -1 vocab -q -o "$T/w.voc" "$T/t.rec" "$T/missing.rec"
    [ ! -e "$T/w.voc" ]
    [ -z "$(ls "$T" | grep '^\.w\.voc')" ]
}

@test "vocab: -z 0 and -z 9 store different bytes with the same records" {
    vocab -q -z 0 "$T/t.rec" > "$T/a.voc"
    vocab -q --level 9 "$T/t.rec" > "$T/b.voc"
    ! cmp -s "$T/a.voc" "$T/b.voc"
    [ "$(wpcat "$T/a.voc")" = "$(wpcat "$T/b.voc")" ]
}

@test "vocab: refuses a terminal stdout without -f" {
    run script -qec "vocab -q $T/t.rec" /dev/null
    assert_failure 2
    assert_output --partial "refusing to write a binary stream to a terminal"
    run script -qec "vocab -q -f -o /dev/null $T/t.rec && vocab -q -f $T/t.rec > /dev/null" /dev/null
    assert_success
}

@test "vocab: progress on stderr unless -q" {
    need_data enwiki-text8style.gz
    corpus_words 1000000 | tr '\n' ' ' | tok -q > "$T/c.rec"
    run --separate-stderr bash -c 'vocab -M 256K "$1" > /dev/null' _ "$T/c.rec"
    assert_success
    [[ "$stderr" == *"vocab: merging "*" runs"* ]]
    run --separate-stderr bash -c 'vocab -q -M 256K "$1" > /dev/null' _ "$T/c.rec"
    assert_success
    assert_equal "$stderr" ""
}

@test "vocab: progress shows a percent and an ETA for files, none for a pipe" {
    yes 'the quick brown fox jumps over the lazy dog' | head -n 30000 | tok -q > "$T/big.rec"
    progress_of_file tokens vocab -o "$T/v" "$T/big.rec" "$T/big.rec"
    progress_of_file tokens vocab -o "$T/v" < "$T/big.rec"
    progress_of_pipe tokens "$T/big.rec" vocab -o "$T/v"
    progress_of_pipe tokens "$T/big.rec" vocab -o "$T/v" "$T/big.rec" - # one pipe: size unknown
    assert_equal "$(wpcat --stat "$T/v" | awk -F'\t' '$1 == "meta.tokens" { print $2 }')" 540000
}

@test "vocab: exact counts on a corpus slice, as tr | sort | uniq -c gives them" {
    need_data enwiki-text8style.gz
    corpus_words 1200000 > "$T/words"
    tr '\n' ' ' < "$T/words" | tok -q > "$T/c.rec"
    sort "$T/words" | uniq -c | awk '{print $2 "\t" $1}' | sort -t "$(printf '\t')" -k2,2nr -k1,1 > "$T/want"
    run --separate-stderr bash -o pipefail -c 'vocab -q "$1" | wpcat > "$2"' _ "$T/c.rec" "$T/got"
    assert_success
    [ "$(wc -l < "$T/want")" -gt 15000 ]
    cmp "$T/want" "$T/got"
    run bash -o pipefail -c 'vocab -q "$1" | wpcat --stat' _ "$T/c.rec"
    assert_line "meta.total_tokens	$(wc -l < "$T/words")"
}

@test "vocab: two halves counted with -m 1 and merged with -m 5 equal the whole with -m 5" {
    need_data enwiki-text8style.gz
    corpus_words 1200000 > "$T/words"
    head -n 100000 "$T/words" | tr '\n' ' ' | tok -q > "$T/h1.rec"
    tail -n +100001 "$T/words" | tr '\n' ' ' | tok -q > "$T/h2.rec"
    cat "$T/h1.rec" "$T/h2.rec" > "$T/whole.rec"
    vocab -q -m 1 "$T/h1.rec" > "$T/p1.voc"
    vocab -q -m 1 "$T/h2.rec" > "$T/p2.voc"
    vocab -q -m 5 "$T/p1.voc" "$T/p2.voc" > "$T/merged.voc"
    vocab -q -m 5 "$T/whole.rec" > "$T/whole.voc"
    [ "$(wpcat "$T/merged.voc")" = "$(wpcat "$T/whole.voc")" ]
    [ "$(wpcat --stat "$T/merged.voc" | grep meta)" = "$(wpcat --stat "$T/whole.voc" | grep meta)" ]
    # a mix of a token stream and a partial vocabulary reduces the same way
    vocab -q -m 5 "$T/p1.voc" "$T/h2.rec" > "$T/mixed.voc"
    cmp "$T/mixed.voc" "$T/whole.voc"
}

@test "vocab: merging a pruned vocabulary says what it dropped; unpruned parts and one input say nothing" {
    printf 'a a a b b c\n' | tok -q > "$T/p1.rec"
    printf 'a c c d\n' | tok -q > "$T/p2.rec"
    vocab -q -m 2 "$T/p1.rec" > "$T/p1m2.voc" # c (1 token) dropped
    vocab -q "$T/p2.rec" > "$T/p2.voc"
    run --separate-stderr vocab "$T/p1m2.voc" "$T/p2.voc" -o "$T/m.voc"
    assert_success
    [ "$stderr" = "vocab: $T/p1m2.voc: a pruned vocabulary (the words of 1 of its 6 tokens dropped): the merge undercounts words rare in each part; count the parts with -m 1 and prune at the merge" ]
    run --separate-stderr vocab -q "$T/p1m2.voc" "$T/p2.voc" -o "$T/m.voc"
    [ -z "$stderr" ]
    run --separate-stderr vocab "$T/p1m2.voc" -o "$T/m.voc" # pruned again: exact
    [ -z "$stderr" ]
    vocab -q "$T/p1.rec" > "$T/p1.voc"
    run --separate-stderr vocab "$T/p1.voc" "$T/p2.voc" -o "$T/m.voc"
    [ -z "$stderr" ]
}

@test "vocab: -M spills to TMPDIR and still counts exactly" {
    need_data enwiki-text8style.gz
    corpus_words 1200000 | tr '\n' ' ' | tok -q > "$T/c.rec"
    vocab -q -m 2 "$T/c.rec" > "$T/mem.voc"
    mkdir "$T/tmp"
    run --separate-stderr env TMPDIR="$T/tmp" vocab --memory 256K -m 2 -o "$T/spill.voc" "$T/c.rec"
    assert_success
    [[ "$stderr" =~ merging\ ([0-9]+)\ runs ]]
    [ "${BASH_REMATCH[1]}" -ge 3 ]
    cmp "$T/mem.voc" "$T/spill.voc"
    [ -z "$(ls -A "$T/tmp")" ]
    run --separate-stderr -1 env TMPDIR="$T/nonexistent" vocab -q -M 256K -o /dev/null "$T/c.rec"
    [[ "$stderr" == "vocab: temporary run: No such file or directory" ]]
}

@test "vocab: --text writes word2vec's text vocabulary; --text-vocab reads it back" {
    run --separate-stderr vocab -q --text "$T/t.rec"
    assert_success
    assert_line --index 0 "the 3"
    assert_line --index 1 "a 1"
    vocab -q --text -o "$T/v.txt" "$T/t.rec"
    vocab -q "$T/t.rec" > "$T/v.voc"
    vocab -q --text-vocab "$T/v.txt" > "$T/r.voc"
    # the same words and counts; a text vocabulary does not say how its tokens were made
    cmp <(wpcat "$T/v.voc") <(wpcat "$T/r.voc")
    [ "$(wpcat --stat "$T/v.voc" | grep -c tokenized)" -eq 1 ]
    [ "$(wpcat --stat "$T/r.voc" | grep -c tokenized)" -eq 0 ]
}

@test "vocab: --text-vocab takes word2vec/gensim files: unsorted, CRLF, </s>, count 0 with -m 0" {
    printf '</s> 2\r\nthe 5\r\n\r\nzebra 0\r\ncat 7\r\n' > "$T/w2v.txt"
    run --separate-stderr bash -o pipefail -c 'vocab -q --text-vocab "$1" "$2" | wpcat' _ "$T/w2v.txt" "$T/t.rec"
    assert_success
    assert_line --index 0 $'cat\t8'
    assert_line --index 1 $'the\t8'
    assert_line --index 2 $'</s>\t2'
    refute_line --partial zebra
    run --separate-stderr bash -o pipefail -c 'vocab -q -m 0 --text-vocab "$1" | wpcat' _ "$T/w2v.txt"
    assert_output "$(printf 'cat\t7\nthe\t5\n</s>\t2\nzebra\t0')"
}

@test "vocab: malformed or duplicate --text-vocab lines exit 3 with the line number" {
    printf 'the 5\nnocount\n' > "$T/bad.txt"
    run --separate-stderr -3 vocab -q --text-vocab "$T/bad.txt"
    assert_equal "$stderr" "vocab: $T/bad.txt: line 2: expected 'word count'"
    printf 'the 5\nthe 12x\n' > "$T/bad.txt"
    run --separate-stderr -3 vocab -q --text-vocab "$T/bad.txt"
    printf 'the 5\na 1\nthe 2\n' > "$T/dup.txt"
    run --separate-stderr -3 vocab -q --text-vocab "$T/dup.txt"
    assert_equal "$stderr" "vocab: $T/dup.txt: line 3: duplicate word 'the'"
}

@test "vocab: --text-vocab skips a UTF-8 byte order mark before the first word" {
    printf '\357\273\277the 5\r\ncat 2\r\n' > "$T/bom.txt"
    run --separate-stderr bash -o pipefail -c 'vocab -q --text-vocab "$1" | wpcat' _ "$T/bom.txt"
    assert_success
    assert_output "$(printf 'the\t5\ncat\t2')"
    printf 'the 5\ncat 2\n' > "$T/nobom.txt"
    vocab -q --text-vocab "$T/bom.txt" > "$T/bom.voc"
    vocab -q --text-vocab "$T/nobom.txt" > "$T/nobom.voc"
    cmp "$T/bom.voc" "$T/nobom.voc"
    printf 'the 5\n\357\273\277cat 2\n' > "$T/mid.txt"   # only at the start of the file
    run --separate-stderr bash -o pipefail -c 'vocab -q --text-vocab "$1" | wpcat' _ "$T/mid.txt"
    assert_line --index 1 $'\357\273\277cat\t2'
    printf '\357\273\277\nthe 5\n' > "$T/alone.txt"      # a mark on a line of its own
    run --separate-stderr bash -o pipefail -c 'vocab -q --text-vocab "$1" | wpcat' _ "$T/alone.txt"
    assert_output "$(printf 'the\t5')"
}

@test "vocab: --text refuses a word that holds whitespace" {
    printf 'a\tb 3\n' > "$T/ws.txt"
    vocab -q --text-vocab "$T/ws.txt" > "$T/ws.voc"
    run --separate-stderr -3 vocab -q --text "$T/ws.voc"
    [[ "$stderr" == *"cannot be written as a text vocabulary"* ]]
}

@test "vocab: a stream of another kind exits 3: expected tokens or vocabulary" {
    kind_patch "$T/t.rec" "$T/ids.rec" 3
    run --separate-stderr -3 vocab -q "$T/ids.rec"
    assert_equal "$stderr" "vocab: $T/ids.rec: expected tokens or vocabulary, got ids"
}

@test "vocab: a vocabulary listing a word twice exits 3" {
    vocab -q "$T/t.rec" > "$T/v.voc"
    cat "$T/v.voc" "$T/v.voc" > "$T/vv.voc"
    run --separate-stderr -3 vocab -q "$T/vv.voc"
    [[ "$stderr" == "vocab: $T/vv.voc: block "*": record 10: duplicate word 'the'" ]]
}

@test "vocab: corrupt and truncated inputs exit 3, a missing file 1, text 3" {
    printf 'the cat\n' | tok -q -z 0 > "$T/s.rec"
    size=$(stat -c %s "$T/s.rec")
    printf 'X' | dd of="$T/s.rec" bs=1 seek=$((size - 34)) conv=notrunc status=none
    run --separate-stderr -3 vocab -q "$T/s.rec"
    [[ "$stderr" == "vocab: $T/s.rec: block 1: checksum mismatch" ]]
    head -c 40 "$T/t.rec" > "$T/cut.rec"
    run --separate-stderr -3 vocab -q "$T/cut.rec"
    [[ "$stderr" == "vocab: $T/cut.rec: "* ]]
    run --separate-stderr -1 vocab -q "$T/missing.rec"
    assert_equal "$stderr" "vocab: $T/missing.rec: No such file or directory"
    run --separate-stderr -1 vocab -q --text-vocab "$T/missing.txt"
    run --separate-stderr -3 bash -c 'echo "the cat" | vocab -q'
    [[ "$stderr" == *"not a wordpipe stream"* ]]
}

@test "vocab: an empty token stream gives an empty vocabulary" {
    printf '' | tok -q > "$T/e.rec"
    run --separate-stderr bash -o pipefail -c 'vocab -q "$1" | wpcat --stat' _ "$T/e.rec"
    assert_success
    assert_line $'records\t0'
    assert_line $'meta.words\t0'
}
