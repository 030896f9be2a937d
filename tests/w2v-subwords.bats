#!/usr/bin/env bats
# w2v-train --subwords: fastText's character n-grams in skip-gram. The flag and its bad
# values, determinism, the fastText model it writes (embed, knn and Debian's fasttext read
# it, and give unseen words vectors from their n-grams), and the refused combinations.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    # two topics that never meet, each word with inflected forms that share its n-grams
    awk 'BEGIN { srand(7);
        split("apple apples banana bananas cherry cherries grape grapes", A);
        split("xray xrays yankee yankees zulu zulus quebec quebecs", B);
        split("the of and in to is", F);
        for (s = 0; s < 600; s++) {
            line = "";
            for (i = 0; i < 8; i++) {
                r = int(rand() * 10);
                if (r < 3) w = F[1 + int(rand() * 6)];
                else w = (s % 2 ? A[1 + int(rand() * 8)] : B[1 + int(rand() * 8)]);
                line = line (i ? " " : "") w;
            }
            print line;
        } }' > "$T/c.txt"
    tok -q "$T/c.txt" > "$T/c.tok"
    vocab -m 1 "$T/c.tok" > "$T/c.voc"
}

train() {
    w2v-train -q -v "$T/c.voc" --seed 3 -t 1 -d 16 --subwords 3-6 --buckets 5000 "$@"
}

@test "w2v-train --subwords: every vocabulary word gets a vector and the topics separate" {
    train -e 3 -o "$T/v.wp" "$T/c.tok"
    wpcat "$T/v.wp" > "$T/v.txt"
    [ "$(wc -l < "$T/v.txt")" -eq "$(wpcat "$T/c.voc" | wc -l)" ]
    [[ "apple apples banana bananas cherry cherries grape grapes" == *"$(nearest "$T/v.txt" apple)"* ]]
    [[ "xray xrays yankee yankees zulu zulus quebec quebecs" == *"$(nearest "$T/v.txt" zulu)"* ]]
    # fastText's negatives per context by default (--exact-updates says so);
    # --shared-negatives is another scheme
    train -e 3 --exact-updates -o "$T/x.wp" "$T/c.tok"
    cmp "$T/v.wp" "$T/x.wp"
    train -e 3 --shared-negatives -o "$T/x.wp" "$T/c.tok"
    ! cmp -s "$T/v.wp" "$T/x.wp"
    # fastText's noise distribution by default: count^0.5
    train -e 3 --ns-power 0.5 -o "$T/x.wp" "$T/c.tok"
    cmp "$T/v.wp" "$T/x.wp"
    train -e 3 --ns-power 0.75 -o "$T/x.wp" "$T/c.tok"
    ! cmp -s "$T/v.wp" "$T/x.wp"
}

@test "w2v-train --subwords: bad lengths and buckets exit 2 and say what is expected" {
    for bad in 3-2 0-5 6-3 a-b 3 3- -3 3-6-9 ' 3-6' 3-257 3-x x-6 ''; do
        run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --subwords "$bad" -o "$T/o" "$T/c.tok"
        [[ "$stderr" == *"--subwords $bad: expected MIN-MAX"* ]]
    done
    for bad in 0 -1 x 1e6 1073741824; do
        run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --subwords 3-6 --buckets "$bad" \
            -o "$T/o" "$T/c.tok"
        [[ "$stderr" == *"--buckets $bad: expected an integer"* ]]
    done
    run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --buckets 100 -o "$T/o" "$T/c.tok"
    [[ "$stderr" == *"--buckets needs --subwords"* ]]
    [ ! -e "$T/o" ]
    run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --subwords 3-6 -n 64 -o "$T/o" "$T/c.tok"
    [[ "$stderr" == *"--subwords takes at most 63 negatives, not -n 64"* ]]
    [ ! -e "$T/o" ]
    train -e 1 -n 63 -o "$T/o" "$T/c.tok"
    # one length, n-grams of one character only: both fine
    train -e 1 --subwords 1-1 -o "$T/o" "$T/c.tok"
    train -e 1 --subwords 4-4 -o "$T/o" "$T/c.tok"
}

@test "w2v-train --subwords: --cbow, --hs, --mpi, --deterministic, --checkpoint, --resume exit 2" {
    for flags in --cbow --cbow-sum --hs '--hs -n 0' --deterministic --mpi \
                 "--checkpoint $T/ck" "--resume $T/ck"; do
        # shellcheck disable=SC2086
        run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --subwords 3-6 $flags -o "$T/o" \
            "$T/c.tok"
        [[ "$stderr" == *"--subwords "* ]]
    done
    [ ! -e "$T/o" ]
}

@test "w2v-train --subwords: one thread and a seed give the same bytes; another seed does not" {
    train -e 2 -o "$T/a.wp" "$T/c.tok"
    train -e 2 -o "$T/b.wp" "$T/c.tok"
    cmp "$T/a.wp" "$T/b.wp"
    train -e 2 --format fasttext -o "$T/a.bin" "$T/c.tok"
    train -e 2 --format fasttext -o "$T/b.bin" "$T/c.tok"
    cmp "$T/a.bin" "$T/b.bin"
    train -e 2 --seed 4 -o "$T/c.wp" "$T/c.tok"
    ! cmp -s "$T/a.wp" "$T/c.wp"
    # two threads train too
    train -e 2 -t 2 -o "$T/d.wp" "$T/c.tok"
    [ "$(wpcat "$T/d.wp" | wc -l)" -eq "$(wpcat "$T/c.voc" | wc -l)" ]
}

@test "w2v-train --subwords: windows from pairs give the model the token path gives" {
    pairs -q -v "$T/c.voc" -e 2 --seed 5 "$T/c.tok" > "$T/c.win"
    train --seed 5 -o "$T/a.wp" "$T/c.win"
    train --seed 5 -e 2 -o "$T/b.wp" "$T/c.tok"
    cmp "$T/a.wp" "$T/b.wp"
}

@test "w2v-train --subwords --format fasttext: embed --vectors gives the words the vectors of --format stream, and unseen words theirs from n-grams" {
    train -e 2 -o "$T/v.wp" "$T/c.tok"
    train -e 2 --format fasttext -o "$T/m.bin" "$T/c.tok"
    wpcat "$T/c.voc" | cut -f1 | tr '\n' ' ' | tok -q --whitespace > "$T/words.tok"
    embed -q --vectors "$T/m.bin" "$T/words.tok" | wpcat -p 9 | cut -f3- > "$T/e.txt"
    wpcat -p 9 "$T/v.wp" > "$T/s.txt"
    cmp "$T/e.txt" "$T/s.txt"
    # unseen words: a vector from their n-grams, said on stderr; the plural of a word
    # the corpus has only in the singular lands near the singular's topic
    printf 'grapez zuluish qqq\n' | tok -q --whitespace > "$T/u.tok"
    run --separate-stderr bash -c 'embed --vectors "$1" "$2" | wpcat -p 9' _ "$T/m.bin" "$T/u.tok"
    assert_success
    [ "${#lines[@]}" -eq 3 ]
    [[ "$stderr" == *"3 of 3 tokens not in the vocabulary got vectors from their character n-grams only"* ]]
    run --separate-stderr knn -k 1 --query grapez --query zuluish "$T/m.bin"
    assert_success
    [[ "$stderr" == *"'grapez' not in vocabulary: answered from its character n-grams"* ]]
    [[ "$(sed -n 1p <<< "$output" | cut -f3)" =~ ^(apples?|bananas?|cherry|cherries|grapes?)$ ]]
    [[ "$(sed -n 2p <<< "$output" | cut -f3)" =~ ^(xrays?|yankees?|zulus?|quebecs?)$ ]]
}

@test "w2v-train --format fasttext: Debian's fasttext reads the model back, with and without subwords" {
    command -v fasttext > /dev/null || skip "fasttext not installed"
    train -e 2 --format fasttext -o "$T/m.bin" "$T/c.tok"
    printf '%s\n' apple bananas the grapez zuluish qqq > "$T/w.txt"
    fasttext print-word-vectors "$T/m.bin" < "$T/w.txt" > "$T/ft.txt"
    tok -q --whitespace "$T/w.txt" | embed -q --vectors "$T/m.bin" | wpcat -p 9 |
        cut -f3- | tr '\t' ' ' > "$T/ours.txt"
    [ "$(wc -l < "$T/ft.txt")" -eq 6 ]
    # fastText prints 5 significant digits
    paste -d' ' "$T/ft.txt" "$T/ours.txt" | awk '{ n = (NF - 2) / 2; if ($1 != $(n + 2)) exit 1
        for (i = 2; i <= n + 1; i++) { d = $i - $(i + n + 1); if (d < 0) d = -d
            a = $i < 0 ? -$i : $i; if (d > 1e-5 + 5e-5 * a) { print "diff", $1, i, $i, $(i + n + 1); exit 1 } } }'
    # plain vectors too: every word its row, an unseen word zeros
    w2v-train -q -v "$T/c.voc" --seed 3 -t 1 -d 8 -e 1 --format fasttext -o "$T/p.bin" "$T/c.tok"
    run fasttext print-word-vectors "$T/p.bin" <<< qqq
    assert_output "qqq 0 0 0 0 0 0 0 0 "
}

@test "w2v-train --format fasttext: refuses to write the model to a terminal (exit 2)" {
    run pty_run w2v-train -q -v "$T/c.voc" --subwords 3-6 --format fasttext "$T/c.tok"
    [[ "$output" == *"w2v-train: refusing to write binary data to a terminal (use -o FILE"* ]]
    [[ "$output" == *"exit=2"* ]]
}
