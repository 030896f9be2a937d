#!/usr/bin/env bats
# embed: static vectors (every OOV policy, sentence pooling, every output format, export),
# contextual vectors from an elmo-train model (context, determinism across threads and
# batches, layer selection and mix, unseen words, the token cache), and every malformed
# input with its message and exit status.
bats_require_minimum_version 1.5.0

# Two tiny models trained once on a slice of PTB, when elmo-train is built and the data is
# present; the contextual tests skip otherwise.
setup_file() {
    load test_helper
    M=$BATS_FILE_TMPDIR
    [ -x "$BUILD_DIR/bin/elmo-train" ] && [ -e "$DATA/ptb/ptb.train.txt.gz" ] || return 0
    { gzip -dc "$DATA/ptb/ptb.train.txt.gz" || true; } | head -n 300 | tok -q > "$M/ptb.tok"
    vocab -m 2 "$M/ptb.tok" > "$M/ptb.voc"
    elmo-train -q --seed 1 -t 1 --word-input --layers 2 --hidden 32 --unroll 10 --batch 4 \
        --epochs 1 -v "$M/ptb.voc" -o "$M/word.model" "$M/ptb.tok" 2> "$M/word.err" || true
    elmo-train -q --seed 1 -t 1 --char-input --filters 1:16,2:16,3:32 --char-dim 8 --max-chars 20 \
        --highway 1 --layers 2 --hidden 32 --unroll 10 --batch 4 \
        --epochs 1 -v "$M/ptb.voc" -o "$M/char.model" "$M/ptb.tok" 2> "$M/char.err" || true
}

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    M=$BATS_FILE_TMPDIR
    printf '4 3\nthe 1 0 0\ncat 0 1 0\nsat 0 0 2\ndog 1 1 0\n' > "$T/v.txt"
    printf 'the cat sat\nthe dog ran fast\nzz\n' | tok -q > "$T/s.tok"
}

# need_model NAME: skip without elmo-train or the data; fail if training did not work.
need_model() {
    [ -x "$BUILD_DIR/bin/elmo-train" ] || skip "elmo-train not built"
    need_data ptb/ptb.train.txt.gz
    [ -s "$M/$1.model" ] || fail "elmo-train made no $1 model: $(cat "$M/$1.err")"
}

need_numpy() {
    /usr/bin/python3 -c 'import numpy' 2> /dev/null || skip "/usr/bin/python3 cannot import numpy"
}


# slice FILE SENT POS FROM COUNT: values FROM..FROM+COUNT-1 (1-based) of one token's record
# in the wpcat text of a contextual-vectors stream.
slice() {
    awk -F'\t' -v s="$2" -v p="$3" -v a="$4" -v n="$5" '$1 == s && $2 == p {
        split($4, x, " "); out = ""; for (i = a; i < a + n; i++) out = out (i > a ? " " : "") x[i];
        print out }' "$1"
}

# maxdiff "A" "B": the largest difference between two lists of numbers, absolute below 1
# and relative above (float32 values near 18 are 1.9e-6 apart: one ulp, which another
# summation order, e.g. -O1 or a sanitizer build, may change).
maxdiff() {
    awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); m = split(b, y, " ");
        if (n != m || n == 0) { print "length " n " vs " m; exit }
        d = 0; for (i = 1; i <= n; i++) { e = x[i] - y[i]; if (e < 0) e = -e
            s = x[i] < 0 ? -x[i] : x[i]; if (s > 1) e /= s; if (e > d) d = e }
        printf "%.3g\n", d }'
}

# ---- usage ----

@test "embed: -h prints usage on stdout; a bad option or two operands exit 2; -V" {
    run --separate-stderr embed -h
    assert_success
    [[ "$output" == "usage: embed "* ]]
    [ -z "$stderr" ]
    run --separate-stderr -2 embed --bogus
    [[ "$stderr" == *"usage: embed "* ]]
    [ -z "$output" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" a b
    [[ "$stderr" == *"usage: embed "* ]]
    run --separate-stderr embed -V
    assert_success
    [[ "$output" == "embed (wordpipe) "* ]]
}

@test "embed: exactly one of --vectors and --model; options of one mode are refused in the other" {
    run --separate-stderr -2 embed "$T/s.tok"
    [ "$stderr" = "embed: give exactly one of --vectors and --model" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --model x "$T/s.tok"
    [ "$stderr" = "embed: give exactly one of --vectors and --model" ]
    for opt in "--layer 1" "--average" "--all-layers" "--mix 1,2" "--carry-state" "--cache c"; do
        run --separate-stderr -2 embed --vectors "$T/v.txt" $opt "$T/s.tok"
        [[ "$stderr" == "embed: --all-layers, --layer, --average, --mix, --carry-state and --cache need --model" ]]
    done
    run --separate-stderr -2 embed --model x --oov zero "$T/s.tok"
    [[ "$stderr" == "embed: --oov and --normalize need --vectors"* ]]
    run --separate-stderr -2 embed --model x --gamma 2 "$T/s.tok"
    [ "$stderr" = "embed: --gamma needs --mix" ]
    run --separate-stderr -2 embed --model x --layer 1 --average "$T/s.tok"
    [ "$stderr" = "embed: choose one of --all-layers, --layer, --average, --mix" ]
    run --separate-stderr -2 embed --model x --cache-vocab "$T/s.tok"
    [ "$stderr" = "embed: --export and --cache-vocab read no tokens and write no embeddings" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --cache-vocab
    [ "$stderr" = "embed: --cache-vocab needs --model" ]
    run --separate-stderr -2 embed --model x --export txt
    [ "$stderr" = "embed: --export needs --vectors" ]
    run --separate-stderr -2 embed --vectors - < "$T/v.txt"
    [ "$stderr" = "embed: the vectors and the tokens cannot both be stdin" ]
    run --separate-stderr -2 embed --model - -
    [ "$stderr" = "embed: the model and the tokens cannot both be stdin" ]
}

@test "embed: bad option values exit 2 naming the flag" {
    run --separate-stderr -2 embed --vectors "$T/v.txt" --oov maybe "$T/s.tok"
    [ "$stderr" = "embed: --oov maybe: unknown value" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --oov unk= "$T/s.tok"
    [ "$stderr" = "embed: --oov unk=: unknown value" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --sentence median "$T/s.tok"
    [ "$stderr" = "embed: --sentence median: unknown value" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --format hdf5 "$T/s.tok"
    [ "$stderr" = "embed: --format hdf5: unknown value" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --export csv
    [ "$stderr" = "embed: --export csv: unknown value" ]
    # --layers is elmo-train's number of layers: refused with the new name
    run --separate-stderr -2 embed --model x --layers all "$T/s.tok"
    [ "$stderr" = "embed: --layers is elmo-train's number of layers in wordpipe; say --all-layers" ]
    run --separate-stderr -2 embed --model x --layer 9 "$T/s.tok"
    [[ "$stderr" == "embed: --layer 9: expected an integer in [0, 8]" ]]
    run --separate-stderr -2 embed --model x --mix 1,,2 "$T/s.tok"
    [ "$stderr" = "embed: --mix 1,,2: expected comma-separated numbers" ]
    run --separate-stderr -2 embed --model x --mix 1,2,3,4,5,6,7,8,9,10 "$T/s.tok"
    [ "$stderr" = "embed: --mix 1,2,3,4,5,6,7,8,9,10: more than 9 weights" ]
    run --separate-stderr -2 embed --model x --mix 1 --gamma nan "$T/s.tok"
    [[ "$stderr" == "embed: --gamma nan: expected a number"* ]]
    run --separate-stderr -2 embed --vectors "$T/v.txt" -t 0 "$T/s.tok"
    [[ "$stderr" == "embed: -t 0: expected an integer in [1, 64]" ]]
    run --separate-stderr -2 embed --vectors "$T/v.txt" -b 0 "$T/s.tok"
    [[ "$stderr" == "embed: -b 0: expected an integer"* ]]
    run --separate-stderr -2 embed --vectors "$T/v.txt" -z 10 "$T/s.tok"
    [[ "$stderr" == "embed: -z 10: expected an integer in [0, 9]" ]]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --normalize "$T/s.tok"
    [ "$stderr" = "embed: --normalize needs --sentence mean" ]
    run --separate-stderr -2 embed --vectors "$T/v.txt" --npy-dir "$T/d" -o x "$T/s.tok"
    [ "$stderr" = "embed: --npy-dir excludes -o and --format" ]
}

# ---- static vectors ----

@test "embed: static token vectors as a contextual-vectors stream that wpcat prints" {
    run --separate-stderr bash -o pipefail -c 'embed --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    assert_output "$(printf '0\t0\tthe\t1 0 0\n0\t1\tcat\t0 1 0\n0\t2\tsat\t0 0 2\n1\t0\tthe\t1 0 0\n1\t1\tdog\t1 1 0')"
    [ "$stderr" = "embed: $T/s.tok: 3 of 8 tokens not in the vectors (skipped)" ]
    embed -q --vectors "$T/v.txt" -o "$T/o" "$T/s.tok"
    run --separate-stderr wpcat --stat "$T/o"
    assert_line "kind	contextual vectors"
    assert_line "meta.dim	3"
    assert_line "meta.layers	1"
    assert_line "meta.source	static"
    assert_line "records	5"
}

@test "embed: tokens on stdin, -q silences the summary, -z changes bytes not vectors" {
    run --separate-stderr bash -o pipefail -c 'embed -q -z 0 --vectors "$1" < "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    [ -z "$stderr" ]
    [ "${#lines[@]}" -eq 5 ]
    embed -q -z 0 --vectors "$T/v.txt" -o "$T/z0" - < "$T/s.tok"
    embed -q -z 9 --vectors "$T/v.txt" -o "$T/z9" "$T/s.tok"
    ! cmp -s "$T/z0" "$T/z9"
    [ "$(wpcat "$T/z0")" = "$(wpcat "$T/z9")" ]
}

@test "embed: --oov zero gives unknown tokens zero vectors at their positions" {
    run --separate-stderr bash -o pipefail -c 'embed --oov zero --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    [ "${#lines[@]}" -eq 8 ]
    assert_line --index 5 "$(printf '1\t2\tran\t0 0 0')"
    assert_line --index 7 "$(printf '2\t0\tzz\t0 0 0')"
    [ "$stderr" = "embed: $T/s.tok: 3 of 8 tokens not in the vectors (zero vectors)" ]
}

@test "embed: --oov skip keeps each token's own position" {
    printf 'the zz cat\n' | tok -q > "$T/p.tok"
    run --separate-stderr bash -o pipefail -c 'embed -q --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/p.tok"
    assert_output "$(printf '0\t0\tthe\t1 0 0\n0\t2\tcat\t0 1 0')"
}

@test "embed: --oov unk=WORD uses that word's vector; a WORD not in the vectors exits 3" {
    run --separate-stderr bash -o pipefail -c 'embed --oov unk=dog --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    assert_line --index 5 "$(printf '1\t2\tran\t1 1 0')"
    [ "$stderr" = "embed: $T/s.tok: 3 of 8 tokens not in the vectors (--oov unk)" ]
    run --separate-stderr -3 embed --oov unk=nope --vectors "$T/v.txt" "$T/s.tok"
    [ "$stderr" = "embed: $T/v.txt: --oov unk=nope: word not in the vectors" ]
    [ -z "$output" ]
}

@test "embed: --oov error exits 3 naming file, sentence, position and token; -o left absent" {
    run --separate-stderr -3 embed --oov error --vectors "$T/v.txt" -o "$T/out" "$T/s.tok"
    [ "$stderr" = "embed: $T/s.tok: sentence 1, token 2 'ran': not in the vectors" ]
    [ ! -e "$T/out" ]
    [ -z "$(ls -A "$T" | grep out)" ] # no temporary file left either
    printf 'the cat\n' | tok -q > "$T/k.tok"
    run --separate-stderr embed --oov error --vectors "$T/v.txt" -o "$T/out" "$T/k.tok"
    assert_success
    [ -z "$stderr" ]
}

@test "embed: --sentence mean and max; the label is the whole sentence" {
    run --separate-stderr bash -o pipefail -c 'embed -q --sentence mean --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    assert_output "$(printf 'the cat sat\t0.333333 0.333333 0.666667\nthe dog ran fast\t1 0.5 0\nzz\t0 0 0')"
    run --separate-stderr bash -o pipefail -c 'embed -q --oov zero --sentence mean --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_line --index 1 "$(printf 'the dog ran fast\t0.5 0.25 0')"
    run --separate-stderr bash -o pipefail -c 'embed -q --sentence max --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_output "$(printf 'the cat sat\t1 1 2\nthe dog ran fast\t1 1 0\nzz\t0 0 0')"
    embed -q --sentence mean --vectors "$T/v.txt" -o "$T/o" "$T/s.tok"
    run wpcat --stat "$T/o"
    assert_line "kind	vectors"
    assert_line "meta.dim	3"
}

@test "embed: --normalize averages unit vectors and leaves zero vectors out (fastText)" {
    run --separate-stderr bash -o pipefail -c 'embed -q --oov zero --sentence mean --normalize --vectors "$1" "$2" | wpcat' _ "$T/v.txt" "$T/s.tok"
    assert_success
    # (1,0,0) and (1,1,0)/sqrt 2 averaged; ran and fast (zero) not counted
    assert_output "$(printf 'the cat sat\t0.333333 0.333333 0.333333\nthe dog ran fast\t0.853553 0.353553 0\nzz\t0 0 0')"
}

@test "embed: sentence vectors feed knn --query-vectors" {
    embed -q --sentence mean --vectors "$T/v.txt" -o "$T/q" "$T/s.tok"
    run --separate-stderr knn -k 1 --query-vectors "$T/q" "$T/v.txt"
    assert_success
    assert_line --index 0 "$(printf 'the cat sat\t1\tsat\t0.816497')"
}

@test "embed: the header's model_hash names the vectors that made the output: the same for any format of them, another for other vectors" {
    embed -q --vectors "$T/v.txt" -o "$T/ref" "$T/s.tok"
    fp=$(model_fp "$T/ref")
    [ -n "$fp" ]
    embed -q --sentence mean --vectors "$T/v.txt" -o "$T/sent" "$T/s.tok"
    [ "$(model_fp "$T/sent")" = "$fp" ]
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    knn --convert fasttext -o "$T/v.ft" "$T/v.txt"
    for f in v.wpv v.ft; do
        embed -q --vectors "$T/$f" -o "$T/o" "$T/s.tok"
        [ "$(model_fp "$T/o")" = "$fp" ]
    done
    sed '2s/^the 1 0 0$/the 1 0 0.5/' "$T/v.txt" > "$T/v2.txt" # one float differs
    embed -q --vectors "$T/v2.txt" -o "$T/o2" "$T/s.tok"
    [ -n "$(model_fp "$T/o2")" ] && [ "$(model_fp "$T/o2")" != "$fp" ]
    sed '3s/^cat /cow /' "$T/v.txt" > "$T/v3.txt" # one word differs
    embed -q --oov zero --vectors "$T/v3.txt" -o "$T/o3" "$T/s.tok"
    [ -n "$(model_fp "$T/o3")" ] && [ "$(model_fp "$T/o3")" != "$fp" ]
}

@test "embed: contextual vectors name their model too (model_hash), one per model" {
    need_model word
    need_model char
    embed -q -t 1 --model "$M/word.model" -o "$T/w" "$T/s.tok"
    embed -q -t 1 --model "$M/char.model" -o "$T/c" "$T/s.tok"
    [ -n "$(model_fp "$T/w")" ] && [ "$(model_fp "$T/w")" != "$(model_fp "$T/c")" ]
    embed -q -t 1 --model "$M/word.model" --sentence mean -o "$T/ws" "$T/s.tok"
    [ "$(model_fp "$T/ws")" = "$(model_fp "$T/w")" ]
}

@test "embed: word2vec binary and vectors-stream inputs give the text input's output" {
    embed -q --vectors "$T/v.txt" -o "$T/ref" "$T/s.tok"
    knn --convert bin -o "$T/v.bin" "$T/v.txt"
    knn --convert stream -o "$T/v.stream" "$T/v.txt"
    embed -q --vectors "$T/v.bin" -o "$T/b" "$T/s.tok"
    embed -q --vectors "$T/v.stream" -o "$T/st" "$T/s.tok"
    cmp "$T/ref" "$T/b"
    cmp "$T/ref" "$T/st"
}

@test "embed: --export txt and bin write word2vec formats from a vectors stream" {
    knn --convert stream -o "$T/v.stream" "$T/v.txt"
    run --separate-stderr bash -c 'embed --vectors - --export txt < "$1"' _ "$T/v.stream"
    assert_success
    assert_output "$(printf '4 3\nthe 1.000000 0.000000 0.000000 \ncat 0.000000 1.000000 0.000000 \nsat 0.000000 0.000000 2.000000 \ndog 1.000000 1.000000 0.000000 ')"
    embed --vectors "$T/v.stream" --export bin -o "$T/v.bin"
    [ "$(head -c 4 "$T/v.bin" | od -An -c | tr -d ' ')" = '43\n' ]
    [ "$(stat -c %s "$T/v.bin")" -eq $((4 + 4 * (3 + 1 + 12 + 1))) ]
    run --separate-stderr knn --query sat -k 1 "$T/v.bin"
    assert_output "$(printf 'sat\t1\tsat\t1.000000')"
}

@test "embed: --format npy -o writes one padded array numpy loads" {
    need_numpy
    embed -q --oov zero --vectors "$T/v.txt" --format npy -o "$T/a.npy" "$T/s.tok"
    [ "$(head -c 6 "$T/a.npy" | od -An -c | tr -d ' ')" = "223NUMPY" ]
    run /usr/bin/python3 -c '
import numpy, sys
a = numpy.load(sys.argv[1])
print(a.dtype, a.shape, a[1, 1].tolist(), a[0, 3].tolist(), a[2, 0].tolist(), a.flags["C_CONTIGUOUS"])
' "$T/a.npy"
    assert_output "float32 (3, 4, 3) [1.0, 1.0, 0.0] [0.0, 0.0, 0.0] [0.0, 0.0, 0.0] True"
    embed -q --sentence max --vectors "$T/v.txt" --format npy -o "$T/s.npy" "$T/s.tok"
    run /usr/bin/python3 -c 'import numpy, sys; a = numpy.load(sys.argv[1]); print(a.shape, a[0].tolist())' "$T/s.npy"
    assert_output "(3, 3) [1.0, 1.0, 2.0]"
}

@test "embed: --npy-dir writes one array per sentence, creating the directory" {
    need_numpy
    embed -q --vectors "$T/v.txt" --npy-dir "$T/d" "$T/s.tok"
    [ "$(ls "$T/d")" = "$(printf '000000.npy\n000001.npy\n000002.npy')" ]
    run /usr/bin/python3 -c '
import numpy, sys
for i in range(3):
    a = numpy.load("%s/%06d.npy" % (sys.argv[1], i))
    print(a.shape, a.sum())
' "$T/d"
    assert_output "$(printf '(3, 3) 4.0\n(4, 3) 3.0\n(1, 3) 0.0')"   # skipped tokens: zero rows at their positions
    embed -q -f --sentence mean --vectors "$T/v.txt" --npy-dir "$T/d" "$T/s.tok"
    run /usr/bin/python3 -c 'import numpy, sys; print(numpy.load(sys.argv[1] + "/000001.npy").tolist())' "$T/d"
    assert_output "[1.0, 0.5, 0.0]"
}

@test "embed: a file where --npy-dir wants a directory exits 1" {
    : > "$T/f"
    run --separate-stderr -1 embed -q --vectors "$T/v.txt" --npy-dir "$T/f/sub" "$T/s.tok"
    [[ "$stderr" == "embed: $T/f/sub: Not a directory" ]]
}

@test "embed: --npy-dir refuses a non-empty directory; -f replaces one of arrays only, whole" {
    embed -q --vectors "$T/v.txt" --npy-dir "$T/d" "$T/s.tok"              # 3 arrays
    printf 'the cat\nthe dog\n' | tok -q > "$T/two.tok"
    run --separate-stderr -2 embed -q --vectors "$T/v.txt" --npy-dir "$T/d" "$T/two.tok"
    [ "$stderr" = "embed: --npy-dir $T/d: directory not empty (-f replaces the NNNNNN.npy files of an earlier run)" ]
    run --separate-stderr embed -q -f --vectors "$T/v.txt" --npy-dir "$T/d/" "$T/two.tok"
    assert_success
    [ "$(ls -A "$T/d")" = "$(printf '000000.npy\n000001.npy')" ]     # no stale 000002.npy
    [ -z "$(ls -A "$T" | grep '^\.d\.')" ]                            # no temporary left
    : > "$T/d/notes.txt"
    run --separate-stderr -2 embed -q -f --vectors "$T/v.txt" --npy-dir "$T/d" "$T/s.tok"
    [ "$stderr" = "embed: --npy-dir $T/d: holds notes.txt, not only NNNNNN.npy files: not replaced" ]
    [ "$(ls -A "$T/d")" = "$(printf '000000.npy\n000001.npy\nnotes.txt')" ]
    mkdir "$T/e"                                                            # empty: no -f needed
    embed -q --vectors "$T/v.txt" --npy-dir "$T/e" "$T/two.tok"
    [ "$(ls -A "$T/e" | wc -l)" -eq 2 ]
}

@test "embed: a failed --npy-dir run leaves the old directory as it was, and no temporary" {
    embed -q --vectors "$T/v.txt" --npy-dir "$T/d" "$T/s.tok"
    sum=$(cat "$T"/d/*.npy | cksum)
    printf 'the cat\nthe dog\nsat qqq\n' | tok -q > "$T/oov.tok"
    run --separate-stderr -3 embed -q -f --oov error --vectors "$T/v.txt" --npy-dir "$T/d" "$T/oov.tok"
    [ "$(ls -A "$T/d")" = "$(printf '000000.npy\n000001.npy\n000002.npy')" ]
    [ "$(cat "$T"/d/*.npy | cksum)" = "$sum" ]
    [ -z "$(ls -A "$T" | grep '^\.d\.')" ]
    run --separate-stderr -3 embed -q --oov error --vectors "$T/v.txt" --npy-dir "$T/new" "$T/oov.tok"
    [ ! -e "$T/new" ]
    [ -z "$(ls -A "$T" | grep '^\.new\.')" ]
}

@test "embed: --npy-dir creates the last component only; a missing parent exits 1 before any work" {
    run --separate-stderr -1 embed -q --vectors "$T/v.txt" --npy-dir "$T/no/a/b" "$T/s.tok"
    [ "$stderr" = "embed: $T/no/a/b: No such file or directory" ]
    [ ! -e "$T/no" ]
    run --separate-stderr -1 embed -q --vectors "$T/nonexistent.txt" --npy-dir "$T/no/a" "$T/s.tok"
    [ "$stderr" = "embed: $T/no/a: No such file or directory" ]          # checked before the vectors
}

@test "embed: refuses binary output to a terminal without -f" {
    [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 not installed"
    run pty_run embed -q --vectors "$T/v.txt" "$T/s.tok"
    [[ "$output" == *"refusing to write a binary stream to a terminal"* ]]
    [[ "$output" == *"exit=2"* ]]
    run pty_run embed -q --vectors "$T/v.txt" --format npy "$T/s.tok"
    [[ "$output" == *"exit=2"* ]]
    # npy and word2vec binary are not streams: no pointing to wpcat, which cannot read them
    [[ "$output" == *"embed: refusing to write binary data to a terminal (use -o FILE"* ]]
    [[ "$output" != *wpcat* ]]
    run pty_run embed -q --vectors "$T/v.txt" --export bin
    [[ "$output" == *"embed: refusing to write binary data to a terminal"*"exit=2"* ]]
    run pty_run embed -f -q --vectors "$T/v.txt" "$T/s.tok"
    [[ "$output" == *"exit=0"* ]]
    run pty_run embed --vectors "$T/v.txt" --export txt # text: allowed
    [[ "$output" == *"the 1.000000"* ]]
    [[ "$output" == *"exit=0"* ]]
}

@test "embed: an empty token stream gives an empty but valid output" {
    printf '' | tok -q > "$T/e.tok"
    embed -q --vectors "$T/v.txt" -o "$T/o" "$T/e.tok"
    run --separate-stderr wpcat --stat "$T/o"
    assert_success
    assert_line "records	0"
}

@test "embed: wrong stream kind, missing, empty or truncated tokens, bad vectors" {
    vocab "$T/s.tok" > "$T/s.voc"
    run --separate-stderr -3 embed --vectors "$T/v.txt" "$T/s.voc"
    [ "$stderr" = "embed: $T/s.voc: expected a tokens stream, got vocabulary" ]
    run --separate-stderr -1 embed --vectors "$T/v.txt" "$T/none"
    [ "$stderr" = "embed: $T/none: No such file or directory" ]
    : > "$T/empty"
    run --separate-stderr -3 embed --vectors "$T/v.txt" "$T/empty"
    [ "$stderr" = "embed: $T/empty: empty input, not a wordpipe stream" ]
    head -c 40 "$T/s.tok" > "$T/trunc"
    run --separate-stderr -3 embed --vectors "$T/v.txt" -o "$T/o" "$T/trunc"
    [[ "$stderr" == "embed: $T/trunc: "* ]]
    [ ! -e "$T/o" ]
    printf '2 3\na 1 0 0\nb 1 2\n' > "$T/bad.txt"
    run --separate-stderr -3 embed --vectors "$T/bad.txt" "$T/s.tok"
    [ "$stderr" = "embed: $T/bad.txt: line 3: short vector line: expected 3 values, got 2" ]
    run --separate-stderr -1 embed --vectors "$T/nov" "$T/s.tok"
    [ "$stderr" = "embed: $T/nov: No such file or directory" ]
    run --separate-stderr -3 embed --vectors "$T/s.tok" "$T/s.tok"
    [[ "$stderr" == "embed: $T/s.tok: "* ]]
}

# ---- contextual vectors: errors that need no trained model ----

@test "embed: -m with a missing file, a stream of another kind, or a non-ELMo model" {
    run --separate-stderr -1 embed --model "$T/none" "$T/s.tok"
    [ "$stderr" = "embed: $T/none: No such file or directory" ]
    run --separate-stderr -3 embed --model "$T/s.tok" "$T/s.tok"
    [ "$stderr" = "embed: $T/s.tok: expected a model stream, got tokens" ]
    # a w2v-train checkpoint is a model stream, but not an ELMo model
    vocab "$T/s.tok" > "$T/s.voc"
    w2v-train -q -v "$T/s.voc" -d 4 -e 1 -t 1 --checkpoint "$T/ck" --checkpoint-every 1w -o "$T/w2v" "$T/s.tok"
    run --separate-stderr -3 embed --model "$T/ck" "$T/s.tok"
    [ "$stderr" = "embed: $T/ck: not an elmo model (metadata model=elmo missing)" ]
}

# ---- contextual vectors from trained models ----

@test "embed: -m writes every layer; layer 0 is [x; x]; metadata dim and layers" {
    need_model word
    printf 'the company said\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" -o "$T/o" "$T/c.tok"
    run wpcat --stat "$T/o"
    assert_line "kind	contextual vectors"
    assert_line "meta.dim	64"
    assert_line "meta.layers	3"
    assert_line "meta.source	elmo"
    assert_line "records	3"
    wpcat -p 9 "$T/o" > "$T/o.tsv"
    [ "$(slice "$T/o.tsv" 0 1 1 32)" = "$(slice "$T/o.tsv" 0 1 33 32)" ]
    [ "$(awk -F'\t' '{ print split($4, x, " ") }' "$T/o.tsv" | sort -u)" = 192 ]
}

@test "embed: -m progress shows a percent and an ETA for a file, none for a pipe" {
    need_model word
    progress_of_file sentences embed -t 1 --batch 16 --model "$M/word.model" -o "$T/o" "$M/ptb.tok"
    progress_of_pipe sentences "$M/ptb.tok" embed -t 1 --batch 16 --model "$M/word.model" -o "$T/o"
}

@test "embed: the same word in two contexts: same layer 0, different layers 1 and 2" {
    need_model word
    printf 'the company said the board will meet\nthe board of the company\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" "$T/c.tok" | wpcat -p 9 > "$T/o.tsv"
    # "board": sentence 0 position 4, sentence 1 position 1
    [ "$(slice "$T/o.tsv" 0 4 1 64)" = "$(slice "$T/o.tsv" 1 1 1 64)" ]
    [ "$(slice "$T/o.tsv" 0 4 65 64)" != "$(slice "$T/o.tsv" 1 1 65 64)" ]
    [ "$(slice "$T/o.tsv" 0 4 129 64)" != "$(slice "$T/o.tsv" 1 1 129 64)" ]
    d=$(maxdiff "$(slice "$T/o.tsv" 0 4 65 64)" "$(slice "$T/o.tsv" 1 1 65 64)")
    awk -v d="$d" 'BEGIN { exit !(d > 1e-4) }'
}

@test "embed: layer 0 equals the token encoder's output (--layer 0, and the cache) to 1e-6" {
    need_model char
    printf 'the company said the board will meet\nthe board of the company\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/char.model" "$T/c.tok" | wpcat -p 9 > "$T/all.tsv"
    embed -q --model "$M/char.model" --layer 0 "$T/c.tok" | wpcat -p 9 > "$T/l0.tsv"
    embed -q --model "$M/char.model" --cache-vocab -o "$T/cache"
    embed -q --model "$M/char.model" --cache "$T/cache" --layer 0 "$T/c.tok" | wpcat -p 9 > "$T/c0.tsv"
    for pos in "0 0" "0 4" "1 4"; do
        set -- $pos
        d=$(maxdiff "$(slice "$T/all.tsv" $1 $2 1 64)" "$(slice "$T/l0.tsv" $1 $2 1 64)")
        awk -v d="$d" 'BEGIN { exit !(d <= 1e-6) }' || fail "layer 0 differs by $d at $pos"
        d=$(maxdiff "$(slice "$T/l0.tsv" $1 $2 1 64)" "$(slice "$T/c0.tsv" $1 $2 1 64)")
        awk -v d="$d" 'BEGIN { exit !(d <= 1e-6) }' || fail "cached layer 0 differs by $d at $pos"
    done
}

@test "embed: output identical for -t 1, -t 2 and any batch size" {
    need_model word
    embed -q --model "$M/word.model" -t 1 -o "$T/t1" "$M/ptb.tok"
    embed -q --model "$M/word.model" -t 2 -o "$T/t2" "$M/ptb.tok"
    embed -q --model "$M/word.model" -t 2 -b 1 -o "$T/b1" "$M/ptb.tok"
    embed -q --model "$M/word.model" -t 2 -b 7 -o "$T/b7" "$M/ptb.tok"
    cmp "$T/t1" "$T/t2"
    cmp "$T/t1" "$T/b1"
    cmp "$T/t1" "$T/b7"
    [ "$(wpcat --stat "$T/t1" | awk -F'\t' '$1 == "records" { print $2 }')" -gt 1000 ]
}

@test "embed: --carry-state changes later sentences only" {
    need_model word
    printf 'the company said\nthe company said\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" "$T/c.tok" | wpcat -p 9 > "$T/z.tsv"
    embed -q --model "$M/word.model" --carry-state "$T/c.tok" | wpcat -p 9 > "$T/c.tsv"
    # stateless: a sentence gets the same vectors wherever it is
    [ "$(slice "$T/z.tsv" 0 1 1 192)" = "$(slice "$T/z.tsv" 1 1 1 192)" ]
    [ "$(slice "$T/c.tsv" 0 1 1 192)" = "$(slice "$T/z.tsv" 0 1 1 192)" ]
    [ "$(slice "$T/c.tsv" 1 1 65 128)" != "$(slice "$T/z.tsv" 1 1 65 128)" ]
    [ "$(slice "$T/c.tsv" 1 1 1 64)" = "$(slice "$T/z.tsv" 1 1 1 64)" ]
    # carried state runs in order on one thread whatever -t says
    embed -q --model "$M/word.model" --carry-state -t 1 -o "$T/c1" "$M/ptb.tok"
    embed -q --model "$M/word.model" --carry-state -t 2 -b 3 -o "$T/c2" "$M/ptb.tok"
    cmp "$T/c1" "$T/c2"
}

@test "embed: --layer N, --average and --mix with --gamma from the layers" {
    need_model word
    printf 'the board of the company\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" "$T/c.tok" | wpcat -p 9 > "$T/all.tsv"
    embed -q --model "$M/word.model" --layer 2 "$T/c.tok" | wpcat -p 9 > "$T/l2.tsv"
    [ "$(slice "$T/l2.tsv" 0 3 1 64)" = "$(slice "$T/all.tsv" 0 3 129 64)" ]
    embed -q --model "$M/word.model" --average "$T/c.tok" | wpcat -p 9 > "$T/avg.tsv"
    embed -q --model "$M/word.model" --mix 0,1,2 --gamma 2 "$T/c.tok" | wpcat -p 9 > "$T/mix.tsv"
    embed -q --model "$M/word.model" --mix 0,1,2 -o "$T/mix1" "$T/c.tok"
    run wpcat --stat "$T/mix1"
    assert_line "meta.layers	1"
    a=$(slice "$T/all.tsv" 0 3 1 192)
    want_avg=$(awk -v a="$a" 'BEGIN { split(a, x, " ");
        for (i = 1; i <= 64; i++) printf "%s%.9g", (i > 1 ? " " : ""), (x[i] + x[64 + i] + x[128 + i]) / 3 }')
    d=$(maxdiff "$want_avg" "$(slice "$T/avg.tsv" 0 3 1 64)")
    awk -v d="$d" 'BEGIN { exit !(d <= 1e-6) }' || fail "--average off by $d"
    want_mix=$(awk -v a="$a" 'BEGIN { split(a, x, " "); z = 1 + exp(1) + exp(2);
        for (i = 1; i <= 64; i++)
            printf "%s%.9g", (i > 1 ? " " : ""), 2 * (x[i] + exp(1) * x[64 + i] + exp(2) * x[128 + i]) / z }')
    d=$(maxdiff "$want_mix" "$(slice "$T/mix.tsv" 0 3 1 64)")
    awk -v d="$d" 'BEGIN { exit !(d <= 1e-6) }' || fail "--mix off by $d"
}

@test "embed: a --layer or a --mix count the model does not have exits 2" {
    need_model word
    run --separate-stderr -2 embed -q --model "$M/word.model" --layer 3 "$M/ptb.tok"
    [ "$stderr" = "embed: --layer 3: the model has layers 0..2" ]
    run --separate-stderr -2 embed -q --model "$M/word.model" --mix 1,2 "$M/ptb.tok"
    [ "$stderr" = "embed: --mix: 2 weights, the model has 3 layers (0..2)" ]
    run --separate-stderr -2 embed -q --model "$M/word.model" --mix 1,2,3,4 "$M/ptb.tok"
    [ "$stderr" = "embed: --mix: 4 weights, the model has 3 layers (0..2)" ]
}

@test "embed: --sentence mean and max pool every layer" {
    need_model word
    printf 'the board of the company\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" "$T/c.tok" | wpcat -p 9 > "$T/all.tsv"
    embed -q --model "$M/word.model" --sentence mean -o "$T/s" "$T/c.tok"
    run wpcat --stat "$T/s"
    assert_line "kind	vectors"
    assert_line "meta.dim	192"
    assert_line "meta.layers	3"
    assert_line "meta.layer_dim	64"
    got=$(wpcat -p 9 "$T/s" | cut -f2)
    want=$(awk -F'\t' '{ n = split($4, x, " "); for (i = 1; i <= n; i++) s[i] += x[i] }
        END { for (i = 1; i <= n; i++) printf "%s%.9g", (i > 1 ? " " : ""), s[i] / NR }' "$T/all.tsv")
    d=$(maxdiff "$want" "$got")
    awk -v d="$d" 'BEGIN { exit !(d <= 1e-6) }' || fail "mean off by $d"
    [ "$(wpcat "$T/s" | cut -f1)" = "the board of the company" ]
    embed -q --model "$M/word.model" --sentence max --layer 1 -o "$T/x" "$T/c.tok"
    got=$(wpcat -p 9 "$T/x" | cut -f2)
    want=$(awk -F'\t' '{ n = split($4, x, " "); for (i = 65; i <= 128; i++) if (NR == 1 || x[i] > m[i]) m[i] = x[i] }
        END { for (i = 65; i <= 128; i++) printf "%s%.9g", (i > 65 ? " " : ""), m[i] }' "$T/all.tsv")
    [ "$(maxdiff "$want" "$got")" = 0 ]
}

@test "embed: an unseen word gets its own vector with --char-input and <UNK>'s with word input" {
    need_model char
    need_model word
    printf 'the zqxjkv board\nthe vvkqzp board\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/char.model" --layer 0 "$T/c.tok" | wpcat -p 9 > "$T/c.tsv"
    a=$(slice "$T/c.tsv" 0 1 1 64)
    b=$(slice "$T/c.tsv" 1 1 1 64)
    [ "$a" != "$b" ]
    awk -v a="$a" 'BEGIN { n = split(a, x, " "); s = 0
        for (i = 1; i <= n; i++) { if (x[i] != x[i] + 0 || x[i] ~ /nan|inf/) exit 1; s += x[i] * x[i] }
        exit !(n == 64 && s > 0) }'
    embed -q --model "$M/word.model" --layer 0 "$T/c.tok" | wpcat -p 9 > "$T/w.tsv"
    [ "$(slice "$T/w.tsv" 0 1 1 64)" = "$(slice "$T/w.tsv" 1 1 1 64)" ]
    [ "$(slice "$T/w.tsv" 0 1 1 64)" != "$(slice "$T/w.tsv" 0 0 1 64)" ]
}

@test "embed: --format npy and --npy-dir with a model" {
    need_model word
    need_numpy
    printf 'the company said\nthe board of the company\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" --format npy -o "$T/a.npy" "$T/c.tok"
    embed -q --model "$M/word.model" "$T/c.tok" | wpcat -p 9 > "$T/all.tsv"
    run /usr/bin/python3 -c '
import numpy, sys
a = numpy.load(sys.argv[1])
print(a.shape, float(abs(a[0, 3:]).max()), "%.9g" % a[1, 2, 2, 5])
' "$T/a.npy"
    assert_output "(2, 5, 3, 64) 0.0 $(slice "$T/all.tsv" 1 2 134 1)"
    embed -q --model "$M/word.model" --layer 1 --npy-dir "$T/d" "$T/c.tok"
    run /usr/bin/python3 -c 'import numpy, sys; print(numpy.load(sys.argv[1] + "/000001.npy").shape)' "$T/d"
    assert_output "(5, 64)"
}

@test "embed: --cache-vocab writes the vocabulary's layer 0 for this model only" {
    need_model word
    need_model char
    embed -q --model "$M/word.model" --cache-vocab -o "$T/cache"
    run wpcat --stat "$T/cache"
    assert_line "kind	vectors"
    assert_line "meta.cache	elmo_tokens"
    assert_line "meta.dim	32"
    words=$(wpcat "$M/ptb.voc" | wc -l)
    assert_line "records	$words"
    printf 'the company said zqxjkv\n' | tok -q > "$T/c.tok"
    embed -q --model "$M/word.model" --layer 0 -o "$T/plain" "$T/c.tok"
    embed -q --model "$M/word.model" --layer 0 --cache "$T/cache" -o "$T/cached" "$T/c.tok"
    cmp "$T/plain" "$T/cached"
    run --separate-stderr -3 embed -q --model "$M/char.model" --cache "$T/cache" --layer 0 "$T/c.tok"
    [ "$stderr" = "embed: $T/cache: cache of another model (weights, size or vocabulary differ); remake it with embed --cache-vocab" ]
    knn --convert stream -o "$T/v.stream" "$T/v.txt"
    run --separate-stderr -3 embed -q --model "$M/word.model" --cache "$T/v.stream" "$T/c.tok"
    [ "$stderr" = "embed: $T/v.stream: not a token cache (make one with embed --cache-vocab)" ]
    embed -q --model "$M/word.model" -o "$T/all-plain" "$T/c.tok"
    embed -q --model "$M/word.model" --cache "$T/cache" -o "$T/all-cached" "$T/c.tok"
    cmp "$T/all-plain" "$T/all-cached"
}

@test "embed: MODEL.cache is used when present and made from the model, ignored otherwise" {
    need_model word
    need_model char
    cp "$M/word.model" "$T/w.model"
    embed -q --model "$T/w.model" --cache-vocab -o "$T/w.model.cache"
    printf 'the company said\n' | tok -q > "$T/c.tok"
    run --separate-stderr embed --model "$T/w.model" -o "$T/with" "$T/c.tok"
    assert_success
    [[ "$stderr" == *"embed: using the token cache $T/w.model.cache"* ]]
    embed -q --model "$M/word.model" -o "$T/without" "$T/c.tok"
    cmp "$T/with" "$T/without"
    cp "$M/char.model" "$T/c.model"
    cp "$T/w.model.cache" "$T/c.model.cache"
    run --separate-stderr embed --model "$T/c.model" --layer 0 -o "$T/o" "$T/c.tok"
    assert_success
    [[ "$stderr" == *"c.model.cache: not a token cache of this model; ignored"* ]]
}

@test "embed: a corrupt or truncated model exits 3" {
    need_model word
    sz=$(stat -c %s "$M/word.model")
    cp "$M/word.model" "$T/bad.model"
    printf '\377\377\377\377' | dd of="$T/bad.model" bs=1 seek=$((sz / 2)) conv=notrunc 2> /dev/null
    run --separate-stderr -3 embed -q --model "$T/bad.model" "$M/ptb.tok"
    [[ "$stderr" == "embed: $T/bad.model: block "* ]]
    [ -z "$output" ]
    head -c $((sz / 2)) "$M/word.model" > "$T/short.model"
    run --separate-stderr -3 embed -q --model "$T/short.model" "$M/ptb.tok"
    [ "$stderr" = "embed: $T/short.model: block 1: truncated stream" ]
}
