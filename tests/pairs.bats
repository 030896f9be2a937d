#!/usr/bin/env bats
# pairs: token stream + vocabulary -> training windows; --from-text word<TAB>context pairs.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    # ids by count: the 4, cat 2, then ate dog food mat on sat zzz (count 1, bytewise)
    printf 'the cat sat on the mat\nthe dog ate the cat food\nzzz\n' | tok -q > "$T/t.rec"
    vocab -q "$T/t.rec" > "$T/v.rec"
}

# A longer corpus where "the" is very frequent, for subsampling and epochs.
make_corpus() {
    awk 'BEGIN { srand(3); for (s = 0; s < 200; s++) { line = "";
        for (i = 0; i < 20; i++) line = line (i ? " " : "") (rand() < 0.5 ? "the" : "w" int(rand() * 40));
        print line } }' | tok -q > "$T/c.rec"
    vocab -q "$T/c.rec" > "$T/cv.rec"
}

meta() { # meta KEY FILE: the value of a header key
    wpcat --stat "$2" | awk -F'\t' -v k="meta.$1" '$1 == k { print $2 }'
}
records() {
    wpcat --stat "$1" | awk -F'\t' '$1 == "records" { print $2 }'
}

@test "pairs: -h prints usage on stdout, -V the version" {
    run --separate-stderr pairs -h
    assert_success
    [[ "$output" == "usage: pairs "* ]]
    run --separate-stderr pairs --help
    [[ "$output" == "usage: pairs "*"--from-text"* ]]
    run --separate-stderr pairs -V
    assert_success
    [[ "$output" == "pairs (wordpipe) "* ]]
}

@test "pairs: an unknown option exits 2 with usage on stderr" {
    run --separate-stderr -2 pairs --no-such-option -v "$T/v.rec" "$T/t.rec"
    [[ "${stderr_lines[-1]}" == "usage: pairs "* ]]
    [ -z "$output" ]
}

@test "pairs: a missing -v is a usage error (exit 2)" {
    run --separate-stderr -2 pairs "$T/t.rec"
    [[ "$stderr" == *"pairs: a vocabulary is required (-v FILE)"* ]]
    [ -z "$output" ]
}

@test "pairs: a vocabulary file that does not exist exits 1 naming it" {
    run --separate-stderr -1 pairs -v "$T/nope.rec" "$T/t.rec"
    [[ "$stderr" == *"$T/nope.rec"* ]]
}

@test "pairs: a vocabulary where tokens are expected exits 3 with a clear message" {
    run --separate-stderr -3 pairs -v "$T/v.rec" "$T/v.rec"
    [[ "$stderr" == *"pairs: $T/v.rec: expected a tokens stream, got vocabulary"* ]]
    [ -z "$output" ]
    run --separate-stderr -3 pairs -v "$T/t.rec" "$T/t.rec"
    [[ "$stderr" == *"expected a vocabulary stream, got tokens"* ]]
}

@test "pairs: text instead of a stream, or a truncated stream, exits 3" {
    printf 'the cat\n' > "$T/plain.txt"
    run --separate-stderr -3 pairs -v "$T/v.rec" "$T/plain.txt"
    [[ "$stderr" == "pairs: $T/plain.txt: "* ]]
    head -c 40 "$T/t.rec" > "$T/cut.rec"
    run --separate-stderr -3 pairs -v "$T/v.rec" "$T/cut.rec"
    [[ "$stderr" == "pairs: $T/cut.rec: "* ]]
}

@test "pairs: an empty vocabulary exits 3" {
    printf 'a\n' | tok -q | vocab -q -m 5 > "$T/empty.rec"
    run --separate-stderr -3 pairs -v "$T/empty.rec" "$T/t.rec"
    [[ "$stderr" == *"the vocabulary is empty"* ]]
}

@test "pairs: invalid numbers exit 2 naming the flag" {
    local bad
    for bad in "-w 0" "-w x" "-w 100001" "-s 2" "-s -1" "-s abc" "-e 0" "-e 1.5" \
        "--seed -1" "-z 10" "-m 0"; do
        # shellcheck disable=SC2086
        run --separate-stderr -2 pairs $bad -v "$T/v.rec" "$T/t.rec"
        [[ "$stderr" == "pairs: ${bad%% *} ${bad#* }: expected "* ]] || { echo "$bad: $stderr"; false; }
    done
}

@test "pairs: more than one input file is a usage error" {
    run --separate-stderr -2 pairs -v "$T/v.rec" "$T/t.rec" "$T/t.rec"
    [[ "$stderr" == *"at most one input file"* ]]
}

@test "pairs: a fixed window on tiny sentences gives exactly the expected contexts" {
    run --separate-stderr bash -o pipefail -c \
        'pairs -q -s 0 --fixed-window -w 2 -v "$1/v.rec" "$1/t.rec" | wpcat' _ "$T"
    assert_success
    # the=0 cat=1 ate=2 dog=3 food=4 mat=5 on=6 sat=7 zzz=8; a lone word has no contexts
    assert_equal "$output" "$(printf '%s\n' $'0\t1 7' $'1\t0 7 6' $'7\t0 1 6 0' $'6\t1 7 0 5' \
        $'0\t7 6 5' $'5\t6 0' $'0\t3 2' $'3\t0 2 0' $'2\t0 3 0 1' $'0\t3 2 1 4' $'1\t2 0 4' \
        $'4\t0 1' $'8\t')"
}

@test "pairs: the dynamic window shrinks per center, never past the fixed window" {
    make_corpus
    pairs -q -s 0 --fixed-window -w 4 -v "$T/cv.rec" "$T/c.rec" | wpcat > "$T/fixed.txt"
    pairs -q -s 0 -w 4 -v "$T/cv.rec" "$T/c.rec" | wpcat > "$T/dyn.txt"
    # same centers in the same order; each dynamic context list is a centered slice of the
    # fixed one, and all four widths occur
    run awk -F'\t' '
        $1 != $3 { print "center differs at " NR; exit 1 }
        { nf = split($2, f, " "); nd = split($4, d, " "); if (nd > nf) { print "longer"; exit 1 }
          seen[nd]++ }
        END { if (!(1 in seen) || !(2 in seen) || !(8 in seen)) { print "widths missing"; exit 1 } }
    ' <(paste "$T/fixed.txt" "$T/dyn.txt")
    assert_success
    run -1 cmp -s "$T/fixed.txt" "$T/dyn.txt"
}

@test "pairs: the same seed gives the same bytes, another seed other windows" {
    make_corpus
    pairs -q -v "$T/cv.rec" -s 1e-2 --seed 7 "$T/c.rec" > "$T/a.rec"
    pairs -q -v "$T/cv.rec" -s 1e-2 --seed 7 "$T/c.rec" > "$T/b.rec"
    pairs -q -v "$T/cv.rec" -s 1e-2 --seed 8 "$T/c.rec" > "$T/c8.rec"
    cmp "$T/a.rec" "$T/b.rec"
    run -1 cmp -s <(wpcat "$T/a.rec") <(wpcat "$T/c8.rec")
    assert_equal "$(meta seed "$T/c8.rec")" 8
    pairs -q -v "$T/cv.rec" -s 1e-2 "$T/c.rec" > "$T/d.rec" # --seed 1 is the default
    pairs -q -v "$T/cv.rec" -s 1e-2 --seed 1 "$T/c.rec" > "$T/e.rec"
    cmp "$T/d.rec" "$T/e.rec"
}

@test "pairs: -s subsamples frequent words; -s 0 keeps every known word" {
    make_corpus
    local words
    words=$(wpcat "$T/c.rec" | grep -c .)
    pairs -q -s 0 -v "$T/cv.rec" "$T/c.rec" > "$T/all.rec"
    assert_equal "$(records "$T/all.rec")" "$words"
    assert_equal "$(meta expected_words "$T/all.rec")" "$words"
    pairs -q -s 1e-3 -v "$T/cv.rec" "$T/c.rec" > "$T/sub.rec"
    local the_all the_sub
    the_all=$(wpcat "$T/all.rec" | awk -F'\t' '$1 == 0' | wc -l)
    the_sub=$(wpcat "$T/sub.rec" | awk -F'\t' '$1 == 0' | wc -l)
    # "the" is about half of 4000 words: keep = (sqrt(f/t)+1)t/f with f ~ 0.5, t = 1e-3
    # is about 0.047, so about 94 of about 2000 survive
    [ "$the_sub" -gt 40 ] && [ "$the_sub" -lt 170 ] || { echo "the: $the_sub of $the_all"; false; }
    assert_equal "$(meta sample "$T/sub.rec")" 0.001
    assert_equal "$(meta expected_records "$T/sub.rec")" "$(records "$T/sub.rec")"
}

@test "pairs: tokens missing from the vocabulary are dropped before windowing" {
    printf 'a x b y a\na b\n' | tok -q > "$T/u.rec"
    printf 'a b a b\n' | tok -q | vocab -q > "$T/ab.rec"
    run --separate-stderr bash -o pipefail -c \
        'pairs -q -s 0 --fixed-window -w 1 -v "$1/ab.rec" "$1/u.rec" | wpcat' _ "$T"
    assert_success
    assert_equal "$output" "$(printf '%s\n' $'0\t1' $'1\t0 0' $'0\t1' $'0\t1' $'1\t0')"
}

@test "pairs: -e multiplies the records, re-sampled each epoch, with an exact expected count" {
    make_corpus
    pairs -q -s 0 -v "$T/cv.rec" "$T/c.rec" > "$T/e1.rec"
    pairs -q -s 0 -e 3 -v "$T/cv.rec" "$T/c.rec" > "$T/e3.rec"
    assert_equal "$(records "$T/e3.rec")" "$(($(records "$T/e1.rec") * 3))"
    assert_equal "$(meta epochs "$T/e3.rec")" 3
    assert_equal "$(meta expected_words "$T/e3.rec")" "$(meta expected_words "$T/e1.rec")"
    pairs -q -s 1e-2 -e 3 -v "$T/cv.rec" "$T/c.rec" > "$T/s3.rec"
    assert_equal "$(meta expected_records "$T/s3.rec")" "$(records "$T/s3.rec")"
    assert_equal "$(meta expected_exact "$T/s3.rec")" 1
    # the three epochs are not copies of one another
    local n
    n=$(($(records "$T/s3.rec") / 3))
    run -1 cmp -s <(wpcat "$T/s3.rec" | head -n "$n") <(wpcat "$T/s3.rec" | sed -n "$((n + 1)),$((2 * n))p")
}

@test "pairs: stdin from a pipe streams with an estimate, a file gives an exact count, same records" {
    make_corpus
    pairs -q -s 1e-2 -v "$T/cv.rec" "$T/c.rec" > "$T/file.rec"
    cat "$T/c.rec" | pairs -q -s 1e-2 -v "$T/cv.rec" > "$T/pipe.rec"
    pairs -q -s 1e-2 -v "$T/cv.rec" - < "$T/c.rec" > "$T/redir.rec"
    cmp <(wpcat "$T/file.rec") <(wpcat "$T/pipe.rec")
    cmp "$T/file.rec" "$T/redir.rec" # a redirected regular file is read like a file
    assert_equal "$(meta expected_exact "$T/file.rec")" 1
    assert_equal "$(meta expected_exact "$T/pipe.rec")" 0
    # the estimate comes from the vocabulary counts and keep probabilities
    local est real
    est=$(meta expected_records "$T/pipe.rec")
    real=$(records "$T/pipe.rec")
    [ $((est - real)) -lt 150 ] && [ $((real - est)) -lt 150 ] || { echo "$est vs $real"; false; }
}

@test "pairs: --exact spools a pipe so the count is exact" {
    make_corpus
    cat "$T/c.rec" | pairs -q --exact -s 1e-2 -v "$T/cv.rec" > "$T/x.rec"
    assert_equal "$(meta expected_exact "$T/x.rec")" 1
    assert_equal "$(meta expected_records "$T/x.rec")" "$(records "$T/x.rec")"
    cat "$T/c.rec" | pairs -q --exact -e 2 -s 1e-2 -v "$T/cv.rec" > "$T/x2.rec"
    pairs -q -e 2 -s 1e-2 -v "$T/cv.rec" "$T/c.rec" > "$T/f2.rec"
    cmp "$T/x2.rec" "$T/f2.rec"
}

@test "pairs: several epochs from a pipe stream the first as it comes, the same records" {
    make_corpus
    local kind
    for kind in "" --spans; do
        pairs -q $kind -e 3 -s 1e-2 --seed 4 -v "$T/cv.rec" "$T/c.rec" > "$T/f3.rec"
        cat "$T/c.rec" | pairs -q $kind -e 3 -s 1e-2 --seed 4 -v "$T/cv.rec" > "$T/p3.rec"
        cmp <(wpcat "$T/f3.rec") <(wpcat "$T/p3.rec")
        assert_equal "$(meta expected_exact "$T/p3.rec")" 0
        assert_equal "$(meta epochs "$T/p3.rec")" 3
        # three epochs' estimate, near the count
        local est real
        est=$(meta expected_records "$T/p3.rec")
        real=$(meta expected_records "$T/f3.rec")
        [ $((est - real)) -lt 300 ] && [ $((real - est)) -lt 300 ] || { echo "$est vs $real"; false; }
    done
    # w2v-train takes the three epochs of the estimated stream
    cat "$T/c.rec" | pairs -q -e 3 -s 1e-2 --seed 4 -v "$T/cv.rec" |
        w2v-train -q -d 8 -e 3 -t 1 --seed 1 -v "$T/cv.rec" -o "$T/m.rec"
    [ -s "$T/m.rec" ]
}

@test "pairs: the header names the vocabulary and the settings" {
    pairs -q -w 3 -s 0.5 --seed 9 -v "$T/v.rec" "$T/t.rec" > "$T/w.rec"
    assert_equal "$(meta window "$T/w.rec")" 3
    assert_equal "$(meta fixed_window "$T/w.rec")" 0
    assert_equal "$(meta sample "$T/w.rec")" 0.5
    assert_equal "$(meta vocab_size "$T/w.rec")" 9
    assert_equal "$(meta max_contexts "$T/w.rec")" 6
    wpcat --stat "$T/w.rec" | grep -q $'^kind\twindows$'
    # another vocabulary, another vocab_hash
    printf 'the cat\n' | tok -q | vocab -q > "$T/v2.rec"
    pairs -q -v "$T/v2.rec" "$T/t.rec" > "$T/w2.rec"
    [ -n "$(meta vocab_hash "$T/w.rec")" ]
    [ "$(meta vocab_hash "$T/w.rec")" != "$(meta vocab_hash "$T/w2.rec")" ]
}

@test "pairs: -o writes the file and nothing to stdout; -z 0 stores blocks" {
    run --separate-stderr pairs -q -z 0 -o "$T/out.rec" -v "$T/v.rec" "$T/t.rec"
    assert_success
    [ -z "$output" ]
    wpcat --stat "$T/out.rec" | awk -F'\t' '$1 == "raw_bytes" { r = $2 } $1 == "stored_bytes" { s = $2 }
        END { exit !(r == s) }'
    make_corpus
    pairs -q -z 0 -v "$T/cv.rec" "$T/c.rec" > "$T/z0.rec"
    pairs -q -z 9 -v "$T/cv.rec" "$T/c.rec" > "$T/z9.rec"
    [ "$(stat -c %s "$T/z9.rec")" -lt "$(stat -c %s "$T/z0.rec")" ]
    cmp <(wpcat "$T/z0.rec") <(wpcat "$T/z9.rec")
}

@test "pairs: refuses a terminal unless -f" {
    command -v script >/dev/null || skip "script(1) not installed"
    run script -qec "pairs -v '$T/v.rec' '$T/t.rec'; echo rc=\$?" /dev/null
    [[ "$output" == *"pairs: refusing to write a binary stream to a terminal"*"rc=2"* ]]
    run script -qec "pairs -f -q -v '$T/v.rec' '$T/t.rec' > /dev/null; echo rc=\$?" /dev/null
    [[ "$output" == *"rc=0"* ]]
}

@test "pairs: progress goes to stderr, -q silences it" {
    need_data enwiki-text8style.gz
    zcat "$DATA/enwiki-text8style.gz" | head -c 6000000 | tok -q > "$T/big.rec"
    vocab -q -m 5 "$T/big.rec" > "$T/bigv.rec"
    # WP_PROGRESS_INTERVAL=0 reports even work shorter than the usual one second
    WP_PROGRESS_INTERVAL=0 run --separate-stderr pairs -e 2 -v "$T/bigv.rec" -o "$T/bw.rec" "$T/big.rec"
    assert_success
    [[ "$stderr" == *"pairs: "*"words/s"* ]]
    # the first pass, over the file: a percent of its bytes (the epochs' lines name the epoch)
    grep -Eq '^pairs: +[0-9.]+% [0-9.]+[kM]? words/s ETA [0-9:]+$' <<< "$stderr"
    WP_PROGRESS_INTERVAL=0 run --separate-stderr pairs -q -e 2 -v "$T/bigv.rec" -o "$T/bw.rec" "$T/big.rec"
    assert_success
    [ -z "$stderr" ]
    assert_equal "$(meta expected_records "$T/bw.rec")" "$(records "$T/bw.rec")"
}

# ---- --from-text ----

make_text() {
    printf 'scientist\tdiscovers/nsubj-\nscientist\tstar/nsubj-dobj\ndiscovers\tscientist/nsubj\ndiscovers\tstar/dobj\nstar\tdiscovers/dobj-\nscientist\tdiscovers/nsubj-\n\nrare\tonce/x\n' > "$T/p.txt"
}

@test "pairs: --from-text groups consecutive pairs of a word into one record" {
    make_text
    run --separate-stderr pairs --from-text -q -s 0 --vocab-out "$T/w.rec" \
        --context-vocab-out "$T/c.rec" -o "$T/x.rec" "$T/p.txt"
    assert_success
    # words: scientist 3, discovers 2, rare 1, star 1; contexts: discovers/nsubj- 2, then
    # discovers/dobj- once/x scientist/nsubj star/dobj star/nsubj-dobj (count 1, bytewise)
    assert_equal "$(wpcat "$T/w.rec" | cut -f1 | tr '\n' ' ')" "scientist discovers rare star "
    assert_equal "$(wpcat "$T/c.rec" | cut -f1 | tr '\n' ' ')" \
        "discovers/nsubj- discovers/dobj- once/x scientist/nsubj star/dobj star/nsubj-dobj "
    assert_equal "$(wpcat "$T/x.rec")" "$(printf '%s\n' $'0\t0 5' $'1\t3 4' $'3\t1' $'0\t0' $'2\t2')"
    assert_equal "$(meta context_vocab_size "$T/x.rec")" 6
    assert_equal "$(meta context_vocab_hash "$T/x.rec")" "$(meta vocab_hash "$T/c.rec")"
    assert_equal "$(meta vocab_hash "$T/x.rec")" "$(meta vocab_hash "$T/w.rec")"
    assert_equal "$(meta window "$T/x.rec")" 0
    assert_equal "$(meta expected_words "$T/x.rec")" 5
}

@test "pairs: --from-text -m prunes words and contexts; -v gives the words" {
    make_text
    pairs --from-text -q -s 0 -m 2 --vocab-out "$T/w.rec" "$T/p.txt" > "$T/x.rec"
    assert_equal "$(wpcat "$T/w.rec" | cut -f1 | tr '\n' ' ')" "scientist discovers "
    assert_equal "$(meta context_vocab_size "$T/x.rec")" 1
    assert_equal "$(wpcat "$T/x.rec")" "$(printf '%s\n' $'0\t0' $'0\t0')"
    # a given word vocabulary: words outside it are dropped, ids are its ids
    printf 'star star discovers\n' | tok -q | vocab -q > "$T/given.rec"
    pairs --from-text -q -s 0 -v "$T/given.rec" "$T/p.txt" > "$T/y.rec"
    assert_equal "$(meta vocab_hash "$T/y.rec")" "$(pairs -q -v "$T/given.rec" "$T/t.rec" |
        wpcat --stat | awk -F'\t' '$1 == "meta.vocab_hash" { print $2 }')"
    assert_equal "$(wpcat "$T/y.rec" | cut -f1 | tr '\n' ' ')" "1 0 "
}

@test "pairs: --from-text reads a pipe like a file, and -e repeats it" {
    make_text
    pairs --from-text -q -s 0 --vocab-out "$T/w.rec" "$T/p.txt" > "$T/f.rec"
    cat "$T/p.txt" | pairs --from-text -q -s 0 --vocab-out "$T/w2.rec" > "$T/s.rec"
    cmp "$T/f.rec" "$T/s.rec"
    cmp "$T/w.rec" "$T/w2.rec"
    pairs --from-text -q -s 0 -e 2 --vocab-out "$T/w.rec" "$T/p.txt" > "$T/e2.rec"
    assert_equal "$(records "$T/e2.rec")" 10
}

@test "pairs: --from-text rejects a malformed line (exit 3) and bad combinations (exit 2)" {
    printf 'a\tb\nno tab here\n' > "$T/bad.txt"
    run --separate-stderr -3 pairs --from-text -q --vocab-out "$T/w.rec" "$T/bad.txt"
    [[ "$stderr" == *"pairs: $T/bad.txt: line 2: expected word<TAB>context"* ]]
    [ ! -e "$T/w.rec" ]
    printf 'a\tb\tc\n' > "$T/bad3.txt"
    run --separate-stderr -3 pairs --from-text -q --vocab-out "$T/w.rec" "$T/bad3.txt"
    [[ "$stderr" == *"line 1: expected word<TAB>context"* ]]
    # a stream given as text is named for what it is
    printf 'a b\n' | tok -q > "$T/s.tok"
    run --separate-stderr -3 pairs --from-text -q --vocab-out "$T/w.rec" "$T/s.tok"
    [ "$stderr" = "pairs: $T/s.tok: a wordpipe stream, not word<TAB>context lines (--from-text reads text; a tokens stream goes without it)" ]
    run --separate-stderr -2 pairs --from-text "$T/p.txt"
    [[ "$stderr" == *"--from-text needs -v FILE or --vocab-out FILE"* ]]
    run --separate-stderr -2 pairs --from-text -w 3 --vocab-out "$T/w.rec" "$T/p.txt"
    [[ "$stderr" == *"do not apply to --from-text"* ]]
    run --separate-stderr -2 pairs -m 2 -v "$T/v.rec" "$T/t.rec"
    [[ "$stderr" == *"need --from-text"* ]]
}

@test "pairs: w2v-train on pairs' windows equals w2v-train's own token path (same seed, one thread)" {
    [ -x "$BUILD_DIR/bin/w2v-train" ] || skip "w2v-train not built"
    make_corpus
    pairs -q -v "$T/cv.rec" -w 3 -s 1e-2 -e 2 --seed 4 "$T/c.rec" > "$T/win.rec"
    w2v-train -q --sg -t 1 -d 8 -w 3 -s 1e-2 -e 2 --seed 4 -v "$T/cv.rec" -o "$T/a.vec" "$T/c.rec"
    w2v-train -q --sg -t 1 -d 8 -w 3 -s 1e-2 -e 2 --seed 4 -v "$T/cv.rec" -o "$T/b.vec" "$T/win.rec"
    cmp "$T/a.vec" "$T/b.vec"
    # and a different pairs seed trains a different model (the comparison can fail)
    pairs -q -v "$T/cv.rec" -w 3 -s 1e-2 -e 2 --seed 5 "$T/c.rec" > "$T/win5.rec"
    w2v-train -q --sg -t 1 -d 8 -w 3 -s 1e-2 -e 2 --seed 4 -v "$T/cv.rec" -o "$T/c.vec" "$T/win5.rec"
    run -1 cmp -s "$T/a.vec" "$T/c.vec"
}

# spans_to_windows: wpcat of a spans stream -> wpcat of the windows stream it stands for
# (each id with the ids within its radius, clipped to the sentence, itself left out)
spans_to_windows() {
    awk '{ n = NF; for (i = 1; i <= n; i++) { split($i, p, "/"); id[i] = p[1]; b[i] = p[2] }
        for (i = 1; i <= n; i++) { lo = i - b[i] < 1 ? 1 : i - b[i]; hi = i + b[i] > n ? n : i + b[i]
            line = id[i] "\t"; sep = ""
            for (j = lo; j <= hi; j++) if (j != i) { line = line sep id[j]; sep = " " }
            print line } }'
}

@test "pairs: --spans writes each kept sentence with its window radii" {
    run --separate-stderr bash -o pipefail -c \
        'pairs -q -s 0 --fixed-window -w 2 --spans -v "$1/v.rec" "$1/t.rec" | wpcat' _ "$T"
    assert_success
    # the=0 cat=1 ate=2 dog=3 food=4 mat=5 on=6 sat=7 zzz=8: the fixed window is every radius
    assert_equal "$output" "$(printf '%s\n' '0/2 1/2 7/2 6/2 0/2 5/2' '0/2 3/2 2/2 0/2 1/2 4/2' \
        '8/2')"
    pairs -q -s 0 --fixed-window -w 2 --spans -v "$T/v.rec" "$T/t.rec" > "$T/s.rec"
    wpcat --stat "$T/s.rec" | grep -q $'^kind\tspans$'
    # the windows they stand for are exactly pairs' windows
    cmp <(wpcat "$T/s.rec" | spans_to_windows) \
        <(pairs -q -s 0 --fixed-window -w 2 -v "$T/v.rec" "$T/t.rec" | wpcat)
}

@test "pairs: --spans makes the same draws as the windows: same windows, same header" {
    make_corpus
    pairs -q -s 1e-2 -e 3 --seed 6 -v "$T/cv.rec" "$T/c.rec" > "$T/w.rec"
    pairs -q -s 1e-2 -e 3 --seed 6 --spans -v "$T/cv.rec" "$T/c.rec" > "$T/s.rec"
    wpcat "$T/s.rec" | spans_to_windows > "$T/s.txt"
    wpcat "$T/w.rec" > "$T/w.txt"
    cmp "$T/s.txt" "$T/w.txt"
    # every radius is within the dynamic window, and all of them occur
    run --separate-stderr bash -c 'wpcat "$1" | tr " " "\n" | cut -d/ -f2 | sort -un | paste -sd " "' \
        _ "$T/s.rec"
    assert_equal "$output" "1 2 3 4 5"
    # the header is the windows stream's: expected_records counts windows, not records
    cmp <(wpcat --stat "$T/s.rec" | grep '^meta\.') <(wpcat --stat "$T/w.rec" | grep '^meta\.')
    assert_equal "$(meta expected_records "$T/s.rec")" "$(records "$T/w.rec")"
    [ "$(records "$T/s.rec")" -lt "$(records "$T/w.rec")" ]
    [ "$(stat -c %s "$T/s.rec")" -lt "$(stat -c %s "$T/w.rec")" ]
    # a one-epoch pipe streams them with the estimate, as for windows
    cat "$T/c.rec" | pairs -q -s 1e-2 --spans -v "$T/cv.rec" > "$T/ps.rec"
    cat "$T/c.rec" | pairs -q -s 1e-2 -v "$T/cv.rec" > "$T/pw.rec"
    cmp <(wpcat "$T/ps.rec" | spans_to_windows) <(wpcat "$T/pw.rec")
    assert_equal "$(meta expected_exact "$T/ps.rec")" 0
    assert_equal "$(meta expected_records "$T/ps.rec")" "$(meta expected_records "$T/pw.rec")"
    # another seed, other radii (the comparison can fail)
    pairs -q -s 1e-2 -e 3 --seed 7 --spans -v "$T/cv.rec" "$T/c.rec" > "$T/s7.rec"
    run -1 cmp -s <(wpcat "$T/s7.rec" | spans_to_windows) "$T/w.txt"
}

@test "pairs: --spans does not apply to --from-text (exit 2)" {
    printf 'a\tb\n' > "$T/p.txt"
    run --separate-stderr -2 pairs --from-text --spans -q --vocab-out "$T/w.rec" "$T/p.txt"
    [ "$stderr" = "pairs: --spans does not apply to --from-text (its contexts are not the words around a position)" ]
    [ -z "$output" ]
    [ ! -e "$T/w.rec" ]
}
