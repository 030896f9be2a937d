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

@test "tok: progress shows a percent and an ETA for files, plain or gzip; none for a pipe" {
    # 1.3 MB: several 256 KiB chunks, so that a line comes before the end
    yes 'the quick brown fox jumps over the lazy dog' | head -n 30000 > "$T/big.txt"
    gzip -c "$T/big.txt" > "$T/big.txt.gz"
    progress_of_file bytes tok -o "$T/o" "$T/big.txt" "$T/big.txt"
    progress_of_file bytes tok -o "$T/o" "$T/big.txt.gz"
    progress_of_file bytes tok -o "$T/o" < "$T/big.txt"
    progress_of_pipe bytes "$T/big.txt" tok -o "$T/o"
    progress_of_pipe bytes "$T/big.txt" tok -o "$T/o" "$T/big.txt" - # one pipe: size unknown
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

@test "tok: UTF-16 text (a byte order mark, or NUL in every other byte) exits 3" {
    printf 'hello world\nthe cat sat\n' | iconv -f UTF-8 -t UTF-16LE > "$T/le.txt"
    { printf '\377\376'; cat "$T/le.txt"; } > "$T/bom-le.txt"
    printf 'hello world\n' | iconv -f UTF-8 -t UTF-16BE > "$T/be.txt"
    { printf '\376\377'; cat "$T/be.txt"; } > "$T/bom-be.txt"
    gzip -c "$T/le.txt" > "$T/le.gz"
    for f in le.txt bom-le.txt be.txt bom-be.txt le.gz; do
        run --separate-stderr -3 tok -o "$T/out.rec" "$T/$f"
        [ "$stderr" = "tok: $T/$f: UTF-16 text, not UTF-8" ]
        [ ! -e "$T/out.rec" ]
    done
    run --separate-stderr -3 bash -c 'tok -q < "$1" > /dev/null' _ "$T/bom-be.txt"
    [ "$stderr" = "tok: <stdin>: UTF-16 text, not UTF-8" ]
}

@test "tok: UTF-32 text, with or without a byte order mark, exits 3 naming UTF-32" {
    printf 'hello world\nthe cat sat\n' | iconv -f UTF-8 -t UTF-32LE > "$T/le.txt"
    { printf '\377\376\000\000'; cat "$T/le.txt"; } > "$T/bom-le.txt"
    printf 'hello world\n' | iconv -f UTF-8 -t UTF-32BE > "$T/be.txt"
    printf 'hello world\n' | iconv -f UTF-8 -t UTF-32 > "$T/bom.txt" # iconv's mark and order
    printf '\316\261\316\262\316\263 \316\264\n' | iconv -f UTF-8 -t UTF-32LE > "$T/greek.txt"
    for f in le.txt bom-le.txt be.txt bom.txt greek.txt; do
        run --separate-stderr -3 tok -o "$T/out.rec" "$T/$f"
        [ "$stderr" = "tok: $T/$f: UTF-32 text, not UTF-8" ]
        [ ! -e "$T/out.rec" ]
    done
}

@test "tok: a few stray NUL bytes, even all at odd offsets, are separators, not UTF-16" {
    run --separate-stderr bash -o pipefail -c "printf 'x\000y\000 hello world again\n' | tok | wpcat --lines"
    assert_success
    assert_output "x y hello world again"
    [ "$stderr" = "tok: 2 NUL bytes read as spaces" ]
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

# ---- --penn, --sentences

@test "tok --penn: clitics, hyphens, abbreviations, numbers and addresses as in UD EWT" {
    IN="I don't think John's friends can't come; they're here.\n"
    IN+="Al-Zaman e-mailed Mr. Smith of the U.S. Army at 10:30, e.g. about \$1,000.\n"
    IN+="Won\xe2\x80\x99t you (see www.example.com or a@b.org)? Call 713-853-3989 in 1999-2000...\n"
    IN+='"Wow!!!" she said -- cannot, gonna, etc.'
    printf '%b' "$IN" > "$T/in.txt"
    run --separate-stderr bash -o pipefail -c 'tok -q --penn < "$1" | wpcat --lines' _ "$T/in.txt"
    assert_success
    assert_line --index 0 "I do n't think John 's friends ca n't come ; they 're here ."
    assert_line --index 1 "Al - Zaman e-mailed Mr. Smith of the U.S. Army at 10:30 , e.g. about \$ 1,000 ."
    assert_line --index 2 "Wo n’t you ( see www.example.com or a@b.org ) ? Call 713-853-3989 in 1999 - 2000 ..."
    assert_line --index 3 "\" Wow !!! \" she said -- can not , gon na , etc ."
    [ "${#lines[@]}" -eq 4 ]
}

@test "tok --penn: -l, --no-punct and the header key penn; not with --whitespace or --split-all-punct" {
    printf '%s' "Don't stop, U.S. \"now\"!" > "$T/in.txt"
    run --separate-stderr bash -o pipefail -c 'tok -q --penn -l --no-punct < "$1" | wpcat --lines' _ "$T/in.txt"
    assert_success
    assert_output "do n't stop u.s. now"
    run --separate-stderr bash -o pipefail -c 'printf "a\n" | tok --penn | wpcat --stat'
    assert_line $'meta.penn\t1'
    refute_line --partial 'meta.sentences'
    run --separate-stderr -2 tok --penn --whitespace
    [[ "$stderr" == *"--penn and --whitespace exclude each other"* ]]
    run --separate-stderr -2 tok --penn --split-all-punct
    [[ "$stderr" == *"--penn and --split-all-punct exclude each other"* ]]
}

@test "tok: without the new options the header has no penn, sentences or conllu key" {
    run --separate-stderr bash -o pipefail -c 'printf "a\n" | tok | wpcat --stat'
    assert_success
    refute_line --partial 'meta.penn'
    refute_line --partial 'meta.sentences'
    refute_line --partial 'meta.conllu'
}

@test "tok --sentences: a line holds several sentences, not cut after abbreviations or in numbers" {
    IN='It rained. Then it stopped! "Why?" (Nobody knew.) Mr. Smith paid 3.5 dollars. '
    IN+='J. Edgar came to the U.S. in May. the end. 2 more. e.g. This one\nNext line.'
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN='$IN' toks --sentences"
    assert_success
    assert_output "$(printf '%s\n' 'It rained .' 'Then it stopped !' '" Why ? "' '( Nobody knew . )' \
        'Mr . Smith paid 3.5 dollars .' 'J . Edgar came to the U . S . in May . the end .' \
        '2 more . e . g . This one' 'Next line .')"
    run --separate-stderr bash -o pipefail -c "$(declare -f toks); IN='$IN' toks --sentences --penn"
    assert_line --index 4 'Mr. Smith paid 3.5 dollars .'
    run --separate-stderr bash -o pipefail -c 'printf "a\n" | tok --sentences | wpcat --stat'
    assert_line $'meta.sentences\t1'
}

@test "tok --penn --sentences: the Wikipedia extract without its doc lines and titles" {
    need_data enwiki-extract.txt.gz
    zcat "$DATA/enwiki-extract.txt.gz" | head -c 1000000 > "$T/raw.txt" || true
    run --separate-stderr bash -o pipefail -c \
        'awk '\''/^<doc /{title=1; next} /^<\/doc>/{next} title{title=0; next} {print}'\'' "$1" |
         tok -q --penn --sentences | wpcat --lines' _ "$T/raw.txt"
    assert_success
    refute_output --partial '<doc'
    assert_line --index 0 --partial 'Koknoghin is a village in the Tenkodogo Department'
    assert_line --index 1 'As of 2005 , the village has a population of 796 .'
}

@test "tok: bench/tok_ewt.py: --penn agrees with EWT dev tokens at F1 >= 98.5" {
    need_data ud-ewt/en_ewt-ud-dev.conllu.gz
    run --separate-stderr /usr/bin/python3 "$BATS_TEST_DIRNAME/../bench/tok_ewt.py" \
        --tok "$(command -v tok)" --data "$DATA" --split dev tokens --penn
    assert_success
    f1=$(sed -n 's/.* F1=\([0-9.]*\) .*/\1/p' <<< "$output")
    awk -v f="$f1" 'BEGIN { exit !(f >= 98.5) }'
}

# ---- --conllu

# conllu_line ID FORM UPOS: one word line of CoNLL-U
conllu_line() {
    printf '%s\t%s\t%s\t%s\tX\t_\t0\troot\t_\t_\n' "$1" "$2" "$2" "$3"
}

conllu_sample() {
    printf '# newdoc id = d\n# text = I don'\''t go.\n'
    conllu_line 1 I PRON
    printf '2-3\tdon'\''t\t_\t_\t_\t_\t_\t_\t_\t_\n'
    conllu_line 2 do AUX
    conllu_line 3 "n't" PART
    conllu_line 3.1 gone VERB
    conllu_line 4 go VERB
    conllu_line 5 . PUNCT
    printf '\n'
    conllu_line 1 Hi INTJ
}

@test "tok --conllu: the FORM of word lines, ranges and empty nodes skipped; --column" {
    conllu_sample > "$T/s.conllu"
    run --separate-stderr bash -o pipefail -c 'tok --conllu "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_success
    assert_output "$(printf "I do n't go .\nHi")"
    [ "$stderr" = "tok: 2 sentences, 6 words (1 multiword tokens, 1 empty nodes skipped)" ]
    for col in upos UPOS 4; do
        run --separate-stderr bash -o pipefail -c 'tok -q --conllu --column "$2" "$1" | wpcat --lines' \
            _ "$T/s.conllu" "$col"
        assert_output "$(printf 'PRON AUX PART VERB PUNCT\nINTJ')"
    done
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu --column id "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_output "$(printf '1 2 3 4 5\n1')"
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu --column 10 "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_output "$(printf '_ _ _ _ _\n_')"
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu -l "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_output "$(printf "i do n't go .\nhi")"
}

@test "tok --conllu: the header records conllu and conllu_column; gzip input; -q" {
    conllu_sample | gzip > "$T/s.conllu.gz"
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu --column xpos "$1" | wpcat --stat' \
        _ "$T/s.conllu.gz"
    assert_success
    assert_line $'meta.conllu\t1'
    assert_line $'meta.conllu_column\txpos'
    assert_line $'records\t2'
    [ -z "$stderr" ]
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu "$1" | wpcat --stat' _ "$T/s.conllu.gz"
    assert_line $'meta.conllu_column\tform'
}

@test "tok --conllu: progress shows a percent and an ETA for a file, none for a pipe" {
    conllu_sample > "$T/s.conllu"
    awk '{ l[NR] = $0 } END { for (i = 0; i < 4000; i++) {
        for (j = 1; j <= NR; j++) print l[j]; print "" } }' "$T/s.conllu" > "$T/big.conllu"
    progress_of_file bytes tok --conllu -o "$T/o" "$T/big.conllu"
    progress_of_pipe bytes "$T/big.conllu" tok --conllu -o "$T/o"
}

@test "tok --conllu: --max-sentence cuts forms and labels at the same places" {
    conllu_sample > "$T/s.conllu"
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu --max-sentence 2 "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_output "$(printf "I do\nn't go\n.\nHi")"
    run --separate-stderr bash -o pipefail -c \
        'tok -q --conllu --max-sentence 2 --column upos "$1" | wpcat --lines' _ "$T/s.conllu"
    assert_output "$(printf 'PRON AUX\nPART VERB\nPUNCT\nINTJ')"
}

@test "tok --conllu: EWT dev gives 2001 sentences of 25147 words, labels aligned" {
    need_data ud-ewt/en_ewt-ud-dev.conllu.gz
    f=$DATA/ud-ewt/en_ewt-ud-dev.conllu.gz
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu "$1" | wpcat --lines | awk "{ print NF }"' _ "$f"
    assert_success
    forms=$output
    run --separate-stderr bash -o pipefail -c \
        'tok -q --conllu --column upos "$1" | wpcat --lines | awk "{ print NF }"' _ "$f"
    [ "$output" = "$forms" ]
    [ "${#lines[@]}" -eq 2001 ]
    [ "$(awk '{ s += $1 } END { print s }' <<< "$output")" -eq 25147 ]
}

@test "tok --conllu: malformed input exits 3 with the file and line" {
    bad() { # bad WHAT LINE: the CoNLL-U on stdin is rejected at LINE saying WHAT
        cat > "$T/bad.conllu"
        run --separate-stderr -3 tok -q --conllu -o "$T/out" "$T/bad.conllu"
        [ "$stderr" = "tok: $T/bad.conllu: line $2: $1" ] || { echo "got: $stderr"; return 1; }
        [ ! -e "$T/out" ]
    }
    { conllu_line 1 a X; printf '2\tb\n'; } | bad "2 TAB-separated fields, expected 10" 2
    { conllu_line 1 a X; conllu_line 3 c X; } | bad "word ID 3, expected 2" 2
    printf '1\ta\t\tX\tX\t_\t0\troot\t_\t_\n' | bad "field 3 (lemma) is empty" 1
    { conllu_line 1 a X; conllu_line 3-4 b X; } | bad "range 3-4 must come right before word 3" 2
    { conllu_line 1-3 ab X; conllu_line 1 a X; conllu_line 2 b X; printf '\n'; } |
        bad "a multiword token ends at word 3, after the last word 2" 4
    { conllu_line 1 a X; conllu_line 2.1 e X; } | bad "empty node of word 2 after word 1" 2
    { conllu_line 1 a X; printf '# late\n'; } | bad "a comment inside a sentence, after its first token line" 2
    printf '# only\n' | bad "comment lines without a sentence after them" 1
    { conllu_line x a X; } | bad "the ID is not a word number, a range a-b or an empty node a.b" 1
    printf '1\ta\ta\tX\tX\t_\t0\troot\t_\t_\r\n' | bad "carriage return in the line (CRLF line ends?)" 1
    printf '1\ta\xff\ta\tX\tX\t_\t0\troot\t_\t_\n' | bad "invalid UTF-8 at byte 4" 1
}

@test "tok --conllu: line numbers start again in each file; stdin works" {
    conllu_line 1 a X > "$T/good.conllu"
    { printf '\n'; conllu_line 2 a X; } > "$T/bad.conllu"
    run --separate-stderr -3 tok -q --conllu -o "$T/out" "$T/good.conllu" "$T/bad.conllu"
    [ "$stderr" = "tok: $T/bad.conllu: line 2: word ID 2, expected 1" ]
    run --separate-stderr bash -o pipefail -c 'tok -q --conllu < "$1" | wpcat --lines' _ "$T/good.conllu"
    assert_output "a"
}

@test "tok --conllu: usage errors for --column and options that tokenize" {
    run --separate-stderr -2 tok --column upos
    [[ "$stderr" == *"--column needs --conllu"* ]]
    run --separate-stderr -2 tok --conllu --column pos
    [[ "$stderr" == *"--column pos: expected id, form, lemma"* ]]
    run --separate-stderr -2 tok --conllu --column 11
    for opt in --penn --sentences --whitespace --no-punct --split-all-punct --long-tokens=skip; do
        run --separate-stderr -2 tok --conllu "$opt"
        [[ "$stderr" == *"--conllu reads tokens as they are"* ]]
    done
}

@test "tok --sentences moves sentence ends only: the tokens are those of tok and tok --whitespace" {
    need_data enwiki-extract.txt.gz
    zcat "$DATA/enwiki-extract.txt.gz" | head -c 1000000 > "$T/raw.txt" || true
    for w in "" --whitespace; do
        run --separate-stderr bash -o pipefail -c \
            'cmp <(tok -q $2 "$1" | wpcat | grep -v "^\$") <(tok -q $2 --sentences "$1" | wpcat | grep -v "^\$")' \
            _ "$T/raw.txt" "$w"
        assert_success
    done
    run --separate-stderr bash -o pipefail -c 'tok -q --sentences "$1" | wpcat --stat' _ "$T/raw.txt"
    n_sent=$(sed -n 's/^records\t//p' <<< "$output")
    run --separate-stderr bash -o pipefail -c 'tok -q "$1" | wpcat --stat' _ "$T/raw.txt"
    n_line=$(sed -n 's/^records\t//p' <<< "$output")
    [ "$n_sent" -gt $((n_line * 3 / 2)) ]
}
