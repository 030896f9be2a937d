#!/usr/bin/env bats
# tok: text in (files, stdin, gzip), token stream out; every flag, every error, and the
# exact counts on a slice of the real corpus. Streams are read back with wpcat.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
}

# toks ARGS...: tok reading $IN (a string) on stdin, printed one sentence per line
toks() {
    printf '%b' "$IN" | tok -q "$@" | wpcat --lines
}

@test "tok: -h prints the usage on stdout and exits 0" {
    run --separate-stderr tok -h
    assert_success
    assert_line --index 0 --partial "usage: tok [-fhlqV] [-o file] [-z level]"
    [ -z "$stderr" ]
    run --separate-stderr tok --help
    assert_success
}

@test "tok: an unknown option prints the usage on stderr and exits 2" {
    run --separate-stderr -2 tok --bogus
    [[ "$stderr" == *"usage: tok "* ]]
    refute_output
    run --separate-stderr -2 tok -Q
}

@test "tok: -V and --version print the version" {
    run --separate-stderr tok -V
    assert_success
    assert_output --regexp '^tok .*[0-9]+\.[0-9]+'
    run --separate-stderr tok --version
    assert_output --regexp '^tok .*[0-9]+\.[0-9]+'
}

@test "tok: stdin to stdout, one sentence per line, punctuation split" {
    IN='Hello, World!\nsecond line'
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN='$IN' toks"
    assert_success
    assert_output "$(printf 'Hello , World !\nsecond line')"
}

@test "tok: file operands and - are read in order, each file ending its last line" {
    printf 'a b' > "$T/1.txt"
    printf 'c\n' > "$T/2.txt"
    run --separate-stderr bash -o pipefail -c \
        'printf "d e" | tok -q "$1" - "$2" | wpcat --lines' _ "$T/1.txt" "$T/2.txt"
    assert_success
    assert_output "$(printf 'a b\nd e\nc')"
}

@test "tok: a .gz file and gzip on stdin are read transparently" {
    printf 'the cat\nsat on\n' | gzip > "$T/a.gz"
    printf 'the cat\nsat on\n' | gzip > "$T/noext"
    run --separate-stderr bash -o pipefail -c 'tok -q "$1" "$2" | wpcat --lines' _ "$T/a.gz" "$T/noext"
    assert_success
    assert_output "$(printf 'the cat\nsat on\nthe cat\nsat on')"
    run --separate-stderr bash -o pipefail -c 'tok -q < "$1" | wpcat --lines' _ "$T/a.gz"
    assert_output "$(printf 'the cat\nsat on')"
    # concatenated gzip members are one text
    cat "$T/a.gz" "$T/a.gz" > "$T/aa.gz"
    run --separate-stderr bash -o pipefail -c 'tok -q "$1" | wpcat --stat' _ "$T/aa.gz"
    assert_line $'records\t4'
}

@test "tok: a missing file exits 1 naming it" {
    run --separate-stderr -1 tok -q "$T/nope.txt"
    [ "$stderr" = "tok: $T/nope.txt: No such file or directory" ]
}

@test "tok: a directory exits 1 naming it" {
    run --separate-stderr -1 tok -q "$T"
    [ "$stderr" = "tok: $T: Is a directory" ]
}

@test "tok: a corrupt or truncated gzip input exits 3 naming the file" {
    seq 1 20000 | gzip > "$T/ok.gz"
    head -c 2000 "$T/ok.gz" > "$T/cut.gz"
    run --separate-stderr -3 tok -q -o "$T/out.rec" "$T/cut.gz"
    [[ "$stderr" == "tok: $T/cut.gz: gzip: "* ]]
    [ ! -e "$T/out.rec" ]               # no partial output under the final name
    { head -c 100 "$T/ok.gz"; printf 'XXXXXXXXXXXXXXXXXXXX'; tail -c +121 "$T/ok.gz"; } > "$T/bad.gz"
    run --separate-stderr -3 tok -q "$T/bad.gz"
    [[ "$stderr" == "tok: $T/bad.gz: gzip: "* ]]
}

@test "tok: refuses to write a binary stream to a terminal, -f forces it" {
    command -v script > /dev/null || skip "script(1) not installed"
    run script -qec "printf 'a b\n' | $(command -v tok) -q" /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"tok: refusing to write a binary stream to a terminal"* ]]
    run script -qec "printf 'a b\n' | $(command -v tok) -q -f" /dev/null
    assert_success
    [[ "$output" == *"WPS"* ]]
}

@test "tok: -o writes the stream to a file and nothing to stdout" {
    run --separate-stderr bash -c 'printf "a b\n" | tok -q -o "$1"' _ "$T/o.rec"
    assert_success
    refute_output
    run --separate-stderr wpcat --lines "$T/o.rec"
    assert_output "a b"
    run --separate-stderr bash -c 'printf "c\n" | tok -q --output "$1"' _ "$T/o.rec"
    run --separate-stderr wpcat --lines "$T/o.rec"
    assert_output "c"
}

@test "tok: -z 0 and -z 9 give the same tokens; -z 10 is a usage error" {
    seq 1 3000 | tr '\n' ' ' > "$T/in.txt"
    tok -q -z 0 "$T/in.txt" > "$T/0.rec"
    tok -q --level 9 "$T/in.txt" > "$T/9.rec"
    [ "$(stat -c %s "$T/9.rec")" -lt "$(stat -c %s "$T/0.rec")" ]
    cmp <(wpcat "$T/0.rec") <(wpcat "$T/9.rec")
    run --separate-stderr -2 tok -z 10 "$T/in.txt"
    [[ "$stderr" == *"-z 10: expected an integer in [0, 9]"* ]]
}

@test "tok: -l lowercases ASCII, Latin, Greek and Cyrillic; the header records it" {
    IN='Hello \xc3\x80PFEL \xc4\xb0STANBUL \xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91 \xd0\x81\xd0\x9b\xd0\x9a\xd0\x90 \xe4\xb8\xad'
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN='$IN' toks --lower"
    assert_success
    assert_output "$(printf 'hello \xc3\xa0pfel istanbul \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1 \xd1\x91\xd0\xbb\xd0\xba\xd0\xb0 \xe4\xb8\xad')"
    run --separate-stderr bash -o pipefail -c 'printf "A\n" | tok -q -l | wpcat --stat'
    assert_line $'meta.lower\t1'
    run --separate-stderr bash -o pipefail -c 'printf "A\n" | tok -q | wpcat --stat'
    assert_line $'meta.lower\t0'
}

@test "tok: the header names the first source and max_sentence" {
    printf 'a\n' > "$T/src.txt"
    run --separate-stderr bash -o pipefail -c ': | tok -q --max-sentence 7 "$1" - | wpcat --stat' _ "$T/src.txt"
    assert_line $'meta.source\t'"$T/src.txt"
    assert_line $'meta.max_sentence\t7'
    run --separate-stderr bash -o pipefail -c 'printf "a\n" | tok -q | wpcat --stat'
    assert_line $'meta.source\t<stdin>'
    assert_line $'meta.max_sentence\t1000'
}

@test "tok: --max-sentence splits long lines and says so on stderr; -q silences it" {
    run --separate-stderr bash -o pipefail -c 'printf "a b c d e\nf g\n" | tok --max-sentence 2 | wpcat --lines'
    assert_success
    assert_output "$(printf 'a b\nc d\ne\nf g')"
    [ "$stderr" = "tok: 1 long line split at 2 tokens" ]
    run --separate-stderr bash -o pipefail -c 'printf "a b c d e\n" | tok -q --max-sentence 2 | wpcat --lines'
    [ -z "$stderr" ]
    run --separate-stderr -2 tok --max-sentence 0
    [[ "$stderr" == *"--max-sentence 0: expected an integer in [1, "* ]]
    run --separate-stderr -2 tok --max-sentence x
}

@test "tok: a 6 MB line without a newline is split every 1000 tokens" {
    awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "wordy " }' > "$T/long.txt"
    run --separate-stderr bash -o pipefail -c 'tok < "$1" | wpcat --stat' _ "$T/long.txt"
    assert_success
    assert_line $'records\t1000'
    [ "$stderr" = "tok: 1 long line split at 1000 tokens" ]
}

@test "tok: --max-token truncates at a code point boundary, or skips with --long-tokens=skip" {
    IN='abcdefgh \xc3\xa9\xc3\xa9\xc3\xa9 ok'
    run --separate-stderr bash -o pipefail -c "printf '%b' '$IN' | tok --max-token 5 | wpcat --lines"
    assert_output "$(printf 'abcde \xc3\xa9\xc3\xa9 ok')"
    [ "$stderr" = "tok: 2 long tokens truncated" ]
    run --separate-stderr bash -o pipefail -c "printf '%b' '$IN' | tok --max-token 5 --long-tokens=skip | wpcat --lines"
    assert_output "ok"
    [ "$stderr" = "tok: 2 long tokens skipped" ]
    run --separate-stderr bash -o pipefail -c "printf '%b' '$IN' | tok -q --long-tokens truncate | wpcat --lines"
    assert_output "$(printf '%b' "$IN")"
    run --separate-stderr -2 tok --long-tokens=maybe
    [[ "$stderr" == *"--long-tokens maybe: expected skip or truncate"* ]]
    run --separate-stderr -2 tok --max-token 3
    [[ "$stderr" == *"--max-token 3: expected an integer in [4, "* ]]
}

@test "tok: joiners stay inside words; --split-all-punct and --no-punct" {
    IN="Don't e-mail me, it's 3.14 or 1,000 (U.S.)!"
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN=\"\$1\" toks" _ "$IN"
    assert_output "Don't e-mail me , it's 3.14 or 1,000 ( U . S . ) !"
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN=\"\$1\" toks --split-all-punct" _ "$IN"
    assert_output "Don ' t e - mail me , it ' s 3 . 14 or 1 , 000 ( U . S . ) !"
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN=\"\$1\" toks --no-punct" _ "$IN"
    assert_output "Don't e-mail me it's 3.14 or 1,000 U S"
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN=\"\$1\" toks --no-punct --split-all-punct" _ "$IN"
    assert_output "Don t e mail me it s 3 14 or 1 000 U S"
}

@test "tok: Unicode separators and punctuation; CJK, Arabic and emoji are kept whole" {
    IN='\xc2\xab\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\xc2\xbb\xc2\xa0\xe6\x88\x91\xe6\x98\xaf\xe5\xad\xa6\xe7\x94\x9f\xe3\x80\x82\xe3\x80\x80\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\xe2\x80\x83\xf0\x9f\x98\x80'
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN='$IN' toks"
    assert_success
    assert_output "$(printf '\xc2\xab \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xc2\xbb \xe6\x88\x91\xe6\x98\xaf\xe5\xad\xa6\xe7\x94\x9f \xe3\x80\x82 \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xf0\x9f\x98\x80')"
}

@test "tok: invalid UTF-8 becomes U+FFFD per maximal subpart, counted on stderr" {
    run --separate-stderr bash -o pipefail -c "printf 'a\xffb \xe2\x82 \xed\xa0\x80\n' | tok | wpcat --lines"
    assert_success
    assert_output "$(printf 'a\xef\xbf\xbdb \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd')"
    [ "$stderr" = "tok: 5 invalid UTF-8 sequences replaced by U+FFFD" ]
}

@test "tok: NUL bytes and control characters are separators, counted; CR and CRLF end lines" {
    run --separate-stderr bash -o pipefail -c "printf 'a\000b\001c\r\nd\re\r\n\r\n' | tok | wpcat --lines"
    assert_success
    assert_output "$(printf 'a b c\nd\ne')"
    [ "$stderr" = "tok: 1 NUL byte read as a space, 1 control character read as a space" ]
}

@test "tok: empty and blank lines produce no sentence; empty input an empty stream" {
    run --separate-stderr bash -o pipefail -c "printf '\n\n  \t\na\n\n\nb\n\n' | tok -q | wpcat --stat"
    assert_line $'records\t2'
    run --separate-stderr bash -o pipefail -c ': | tok -q | wpcat --stat'
    assert_success
    assert_line $'records\t0'
}

@test "tok: a write error on stdout exits 1" {
    [ -e /dev/full ] || skip "no /dev/full"
    run --separate-stderr -1 bash -c 'printf "a b\n" | tok -q > /dev/full'
    [[ "$stderr" == *"No space left on device"* ]]
}

@test "tok: pipes both ways: wpcat text back through tok gives the same stream" {
    run --separate-stderr bash -o pipefail -c \
        'printf "the cat, sat\non the mat.\n" | tok -q | wpcat --lines | tok -q | wpcat --lines'
    assert_success
    assert_output "$(printf 'the cat , sat\non the mat .')"
}

@test "tok: exact token count and tokens on a 1 MB slice of enwiki-text8style" {
    need_data enwiki-text8style.gz
    zcat "$DATA/enwiki-text8style.gz" | head -c 1000000 > "$T/slice.txt" || true
    tok -q "$T/slice.txt" | wpcat | grep -v '^$' > "$T/tok.out"
    tr ' ' '\n' < "$T/slice.txt" | grep -v '^$' > "$T/tr.out"
    [ "$(wc -l < "$T/tok.out")" -eq "$(tr ' ' '\n' < "$T/slice.txt" | grep -c .)" ]
    [ "$(wc -l < "$T/tok.out")" -gt 150000 ]
    cmp "$T/tok.out" "$T/tr.out"
}

@test "tok: a 2 MB slice of the raw enwiki extract goes through without an error" {
    need_data enwiki-extract.txt.gz
    zcat "$DATA/enwiki-extract.txt.gz" | head -c 2000000 > "$T/raw.txt" || true
    run --separate-stderr bash -o pipefail -c 'tok -q -l "$1" | wpcat --stat' _ "$T/raw.txt"
    assert_success
    [ -z "$stderr" ]
    assert_line $'checksums\tok'
    run --separate-stderr bash -o pipefail -c 'tok -q "$1" | wpcat | grep -c "^\\.$"' _ "$T/raw.txt"
    [ "$output" -gt 1000 ]
}

@test "tok --whitespace splits pre-tokenized text at whitespace only" {
    printf 'mr. <unk> said u.s. n'"'"'t $ 5 \xc3\xa9t\xc3\xa9,\xe2\x80\x94ok\tend\n\n' > "$T/w.txt"
    run --separate-stderr bash -o pipefail -c 'tok -q --whitespace "$1" | wpcat' _ "$T/w.txt"
    assert_success
    assert_output $'mr.\n<unk>\nsaid\nu.s.\nn\'t\n$\n5\n\xc3\xa9t\xc3\xa9,\xe2\x80\x94ok\nend'
    run --separate-stderr bash -o pipefail -c 'tok -q "$1" | wpcat | wc -l' _ "$T/w.txt"
    [ "$output" -gt 9 ]
}

@test "tok --whitespace on the Penn Treebank gives its word count exactly" {
    need_data ptb/ptb.valid.txt.gz
    run --separate-stderr bash -o pipefail -c 'tok -q --whitespace "$1" | wpcat --stat' _ "$DATA/ptb/ptb.valid.txt.gz"
    assert_success
    want=$(zcat "$DATA/ptb/ptb.valid.txt.gz" | wc -w)
    assert_line $'records\t'"$(zcat "$DATA/ptb/ptb.valid.txt.gz" | grep -c '[^ ]')"
    run --separate-stderr bash -o pipefail -c 'tok -q --whitespace "$1" | wpcat | grep -c .' _ "$DATA/ptb/ptb.valid.txt.gz"
    [ "$output" -eq "$want" ]
}
