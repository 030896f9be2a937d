#!/usr/bin/env bats
# Well-formed but wrong inputs (issue 18): streams whose checksums and headers are valid but
# that are wrong for the job (another vocabulary, an empty corpus, a word a format cannot
# hold, a model with NaN weights or sizes no stream could hold). Each case: the exit code,
# one line naming the tool, the file and what is wrong, and no output file left behind.
# tests/README.md lists them beside the corruption cases of faults.bats.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    export OPENBLAS_NUM_THREADS=1
    for i in $(seq 1 60); do
        echo "the king and the queen ruled the land of the north $i"
        echo "a man and a woman walked to the city by the river $((i % 7))"
    done > "$T/a.txt"
    tok -q "$T/a.txt" > "$T/a.tok"
    vocab -q "$T/a.tok" > "$T/a.voc"
    printf 'some other words here\nand more of them here\n' | tok -q > "$T/b.tok"
    vocab -q "$T/b.tok" > "$T/b.voc"
}

# one_line TOOL: stderr is one line starting "TOOL: "
one_line() {
    [ "${#stderr_lines[@]}" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
    [[ "${stderr_lines[0]}" == "$1: "* ]] || { echo "stderr: $stderr"; return 1; }
}

# no_output FILE: neither FILE nor a temporary .FILE.XXXXXX beside it
no_output() {
    [ ! -e "$1" ] || { echo "$1 left behind"; return 1; }
    [ -z "$(ls -A "$(dirname "$1")" | grep -F ".$(basename "$1")." || true)" ]
}

# ---- row 1: every concatenated stream's header is checked, not only the first

@test "semantic: w2v-train refuses a concatenated windows stream made with another vocabulary" {
    pairs -q -v "$T/a.voc" "$T/a.tok" > "$T/a.win"
    pairs -q -v "$T/b.voc" "$T/b.tok" > "$T/b.win"
    run --separate-stderr -3 bash -c "cat '$T/a.win' '$T/b.win' | w2v-train -q -v '$T/a.voc' -o '$T/x.vec'"
    one_line w2v-train
    [[ "$stderr" == *"<stdin>: stream 2: made with another vocabulary"* ]]
    no_output "$T/x.vec"
}

@test "semantic: w2v-train refuses concatenated spans of another vocabulary" {
    pairs -q --spans -v "$T/a.voc" "$T/a.tok" > "$T/a.spans"
    pairs -q --spans -v "$T/b.voc" "$T/b.tok" > "$T/b.spans"
    cat "$T/a.spans" "$T/b.spans" > "$T/ab.spans"
    run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/ab.spans"
    one_line w2v-train
    [[ "$stderr" == *"$T/ab.spans: stream 2: made with another vocabulary"* ]]
    no_output "$T/x.vec"
}

@test "semantic: wpcat and knn refuse concatenated vectors of another dimension" {
    w2v-train -q -v "$T/a.voc" -d 8 -e 1 -o "$T/a8.vec" "$T/a.tok"
    w2v-train -q -v "$T/a.voc" -d 6 -e 1 -o "$T/a6.vec" "$T/a.tok"
    cat "$T/a8.vec" "$T/a6.vec" > "$T/mix.vec"
    run --separate-stderr -3 wpcat "$T/mix.vec"
    [[ "$stderr" == *"$T/mix.vec: stream 2: "*"dim"* ]]
    run --separate-stderr -3 bash -c "echo king | knn -k 2 '$T/mix.vec'"
    one_line knn
    [[ "$stderr" == *"$T/mix.vec: stream 2: "*"dim"* ]]
}

# ---- row 6: an empty corpus is refused on both paths, with an accurate message

@test "semantic: w2v-train refuses an empty token stream instead of writing the initial vectors" {
    : | tok -q > "$T/e.tok"
    run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/e.tok"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/e.tok: the tokens stream holds no sentences: nothing to train on, no model written" ]
    no_output "$T/x.vec"
    # tokens of which none is in the vocabulary: the same refusal, its own reason
    printf 'zz yy\n' | tok -q > "$T/z.tok"
    run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/z.tok"
    [[ "$stderr" == *"$T/z.tok: no token of the stream is in the vocabulary"* ]]
    no_output "$T/x.vec"
}

@test "semantic: w2v-train refuses empty windows from pairs with the same reason, not 'no expected_records'" {
    : | tok -q > "$T/e.tok"
    pairs -q -v "$T/a.voc" "$T/e.tok" > "$T/e.win"
    run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/e.win"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/e.win: the windows stream holds no windows: nothing to train on, no model written" ]
    no_output "$T/x.vec"
    run --separate-stderr -3 bash -c "pairs -q --spans -v '$T/a.voc' '$T/e.tok' | w2v-train -q -v '$T/a.voc' -o '$T/x.vec'"
    [[ "$stderr" == *"<stdin>: the spans stream holds no windows"* ]]
    no_output "$T/x.vec"
}

# ---- row 12: a word the output format cannot hold is found before training

@test "semantic: w2v-train --format txt/bin refuses a vocabulary word with whitespace before training" {
    printf 'x y 9\nking 5\nqueen 4\n' > "$T/ws.txt"
    vocab -q --text-vocab "$T/ws.txt" > "$T/ws.voc"
    for f in txt bin; do
        run --separate-stderr -3 w2v-train -q -v "$T/ws.voc" --format "$f" -o "$T/v.$f" "$T/a.tok"
        one_line w2v-train
        [ "$stderr" = "w2v-train: $T/ws.voc: word 0 'x y' is empty or holds whitespace: --format $f cannot hold it (--format stream can)" ]
        no_output "$T/v.$f"
    done
}

# ---- row 13: tok opens its inputs first, knows a wordpipe stream, reports trailing junk

@test "semantic: tok with a missing input writes nothing, not a stream header" {
    run --separate-stderr -1 tok -q "$T/a.txt" "$T/missing.txt"
    one_line tok
    [ "$stderr" = "tok: $T/missing.txt: No such file or directory" ]
    [ -z "$output" ]
    run --separate-stderr -1 tok -q -o "$T/o.tok" "$T/missing.txt"
    no_output "$T/o.tok"
}

@test "semantic: tok refuses a wordpipe stream given as text, plain or gzipped" {
    run --separate-stderr -3 tok -q -o "$T/o.tok" "$T/a.tok"
    one_line tok
    [ "$stderr" = "tok: $T/a.tok: a wordpipe stream, not text (wpcat prints one as text)" ]
    no_output "$T/o.tok"
    gzip -c "$T/a.tok" > "$T/a.tok.gz"
    run --separate-stderr -3 bash -c "tok -q < '$T/a.tok.gz'"
    [ "$stderr" = "tok: <stdin>: a wordpipe stream, not text (wpcat prints one as text)" ]
}

@test "semantic: tok warns about bytes after the gzip data instead of dropping them silently" {
    printf 'the cat\nsat on\n' | gzip > "$T/a.gz"
    { cat "$T/a.gz"; printf 'junk that is not gzip\n'; } > "$T/junk.gz"
    run --separate-stderr tok -q -o "$T/o.tok" "$T/junk.gz"
    assert_success
    [ "$stderr" = "tok: $T/junk.gz: 22 bytes after the gzip data are not gzip: ignored" ]
    [ "$(wpcat --lines "$T/o.tok")" = "$(printf 'the cat\nsat on')" ]
    # two members and nothing after: no warning
    cat "$T/a.gz" "$T/a.gz" > "$T/aa.gz"
    run --separate-stderr tok -q -o "$T/o2.tok" "$T/aa.gz"
    assert_success
    [ -z "$stderr" ]
}

# ---- row 10: embed --oov skip keeps positions in .npy as in the stream

# npy_rows FILE: the shape, then each row of the last axis as space-separated numbers
npy_rows() {
    python3 -c '
import ast, struct, sys
b = open(sys.argv[1], "rb").read()
hl = struct.unpack("<H", b[8:10])[0]
h = ast.literal_eval(b[10:10 + hl].decode())
shape = h["shape"]
n = 1
for s in shape:
    n *= s
vals = struct.unpack("<%df" % n, b[10 + hl:10 + hl + 4 * n])
print("shape", " ".join(map(str, shape)))
d = shape[-1]
for i in range(0, n, d):
    print(" ".join("%g" % v for v in vals[i:i + d]))
' "$1"
}

@test "semantic: embed --format npy with --oov skip keeps each token at its position (a zero row)" {
    printf '2 2\na 1 2\nb 3 4\n' > "$T/v.txt"
    printf 'a zz b\n' | tok -q > "$T/q.tok"
    run --separate-stderr embed -q --vectors "$T/v.txt" --format npy -o "$T/o.npy" "$T/q.tok"
    assert_success
    run npy_rows "$T/o.npy"
    assert_output "$(printf 'shape 1 3 2\n1 2\n0 0\n3 4')"
    # the stream says the same: b at position 2
    run --separate-stderr bash -o pipefail -c "embed -q --vectors '$T/v.txt' '$T/q.tok' | wpcat"
    assert_line --index 1 --regexp $'^0\t2\tb\t'
    # --npy-dir too
    run --separate-stderr embed -q --vectors "$T/v.txt" --npy-dir "$T/d" "$T/q.tok"
    run npy_rows "$T/d/000000.npy"
    assert_output "$(printf 'shape 3 2\n1 2\n0 0\n3 4')"
}

# ---- row 11: an id out of range names its record and value; bad radii are refused

# meta_of STREAM KEY: a metadata value as wpcat --stat prints it
meta_of() {
    wpcat --stat "$1" | awk -F'\t' -v k="meta.$2" '$1 == k { print $2 }'
}

@test "semantic: w2v-train names the windows record and the id out of range" {
    pairs -q -v "$T/a.voc" "$T/a.tok" > "$T/a.win"
    h=$(meta_of "$T/a.win" vocab_hash)
    n=$(meta_of "$T/a.win" vocab_size)
    for i in $(seq 1 2000); do
        if [ "$i" -eq 11 ]; then echo "1 2 0 777"; else echo "$((i % n)) 2 0 1"; fi
    done | /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" --raw 4 vocab_hash="$h" \
        vocab_size="$n" window=5 epochs=1 expected_records=2000 expected_exact=1 \
        expected_words=2000 > "$T/bad.win"
    run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/bad.win"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/bad.win: record 11: context id 777 at position 2 is out of range (ids below $n)" ]
    no_output "$T/x.vec"
}

@test "semantic: w2v-train refuses spans whose radius is 0 or above the stream's window" {
    pairs -q --spans -v "$T/a.voc" "$T/a.tok" > "$T/a.spans"
    h=$(meta_of "$T/a.spans" vocab_hash)
    n=$(meta_of "$T/a.spans" vocab_size)
    for r in 0 6; do
        for i in $(seq 1 20); do
            if [ "$i" -eq 11 ]; then echo "3 0 1 1 $r 2 1"; else echo "3 0 1 1 2 2 3"; fi
        done | /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" --raw 8 vocab_hash="$h" \
            vocab_size="$n" window=5 epochs=1 expected_records=60 expected_exact=1 \
            expected_words=60 > "$T/bad.spans"
        run --separate-stderr -3 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/bad.spans"
        one_line w2v-train
        [ "$stderr" = "w2v-train: $T/bad.spans: record 11: radius $r at position 1 is out of range (1 to the stream's window, 5)" ]
        no_output "$T/x.vec"
    done
}

# ---- row 14: settings and inputs that make a run meaningless are refused

@test "semantic: w2v-train --resume refuses a checkpoint whose window or epochs are out of range" {
    for i in $(seq 1 60); do echo "the king and the queen ruled the land of the north $i"; done |
        tok -q > "$T/k.tok"
    vocab -q "$T/k.tok" > "$T/k.voc"
    w2v-train -q -v "$T/k.voc" -d 4 --checkpoint "$T/ck" --checkpoint-every 100w -o /dev/null "$T/k.tok"
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" window=0 < "$T/ck" > "$T/ck0"
    run --separate-stderr -3 w2v-train -q -v "$T/k.voc" --resume "$T/ck0" -o "$T/x.vec" "$T/k.tok"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/ck0: checkpoint's window 0 is out of range (1 to 1000)" ]
    no_output "$T/x.vec"
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" epochs=1099511627776 < "$T/ck" > "$T/ck1"
    run --separate-stderr -3 w2v-train -q -v "$T/k.voc" --resume "$T/ck1" -o "$T/x.vec" "$T/k.tok"
    [ "$stderr" = "w2v-train: $T/ck1: checkpoint's epochs 1099511627776 is out of range (1 to 100000)" ]
    no_output "$T/x.vec"
}

@test "semantic: knn --similarity refuses gold scores that are all equal (no correlation), printing no nan" {
    w2v-train -q -v "$T/a.voc" -d 4 -s 0 -o "$T/a.vec" "$T/a.tok"
    printf 'king queen 5\nthe of 5\nman woman 5\n' > "$T/sim.txt"
    run --separate-stderr -3 knn --similarity "$T/sim.txt" -o "$T/out.txt" "$T/a.vec"
    one_line knn
    [ "$stderr" = "knn: $T/sim.txt: the gold scores are all equal over the 3 pairs with known words: no correlation" ]
    no_output "$T/out.txt"
    run --separate-stderr -3 knn --similarity "$T/sim.txt" "$T/a.vec"
    [ -z "$output" ]
}

@test "semantic: knn --analogy on an empty file says there is no question, not that none has all 4 words" {
    w2v-train -q -v "$T/a.voc" -d 4 -s 0 -o "$T/a.vec" "$T/a.tok"
    : > "$T/empty.txt"
    run --separate-stderr -3 knn --analogy "$T/empty.txt" -o "$T/out.txt" "$T/a.vec"
    one_line knn
    [ "$stderr" = "knn: $T/empty.txt: no question of 4 words in the file (empty, or only comments and section lines)" ]
    no_output "$T/out.txt"
}

@test "semantic: knn says so when a query line holds more than one word" {
    w2v-train -q -v "$T/a.voc" -d 4 -s 0 -o "$T/a.vec" "$T/a.tok"
    run --separate-stderr bash -c "printf 'the of\nking\nthe king\n' | knn -k 1 '$T/a.vec'"
    assert_success
    [ "${stderr_lines[0]}" = "knn: <stdin>: line 1: one query word per line: looked up 'the' only, the rest of the line ignored" ]
    [ "${stderr_lines[1]}" = "knn: <stdin>: 2 lines held more than one word (first: line 1); only the first word of each was looked up" ]
    [ "${#lines[@]}" -eq 3 ]
}

# ---- rows 7 and 8: an ELMo model with a NaN weight, or a header no file could back

# tiny_lm: $T/k.tok, $T/k.voc and a two-batch biLM $T/m.lm
tiny_lm() {
    for i in $(seq 1 60); do echo "the king and the queen ruled the land of the north $i"; done |
        tok -q > "$T/k.tok"
    vocab -q "$T/k.tok" > "$T/k.voc"
    elmo-train -q --hidden 8 --proj 4 --batch 2 --unroll 3 --max-batches 2 -v "$T/k.voc" \
        -o "$T/m.lm" "$T/k.tok"
}

@test "semantic: embed --model refuses an ELMo model with a NaN weight, naming the tensor" {
    tiny_lm
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" --nan lstm.fwd.1.wh < "$T/m.lm" > "$T/nan.lm"
    run --separate-stderr -3 embed -q --model "$T/nan.lm" -o "$T/e.out" "$T/k.tok"
    one_line embed
    [ "$stderr" = "embed: $T/nan.lm: model: tensor 'lstm.fwd.1.wh' value 0 is not finite" ]
    no_output "$T/e.out"
}

@test "semantic: embed and elmo-train --resume refuse a model header declaring more weights than the file holds" {
    tiny_lm
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" vocab_size=1000000 hidden=4096 proj=0 \
        < "$T/m.lm" > "$T/huge.lm"
    run --separate-stderr -3 embed -q --model "$T/huge.lm" -o "$T/e.out" "$T/k.tok"
    one_line embed
    [ "$stderr" = "embed: $T/huge.lm: model: header declares 8729936448 weights (34919.7 MB), more than the rest of the file can hold" ]
    no_output "$T/e.out"
    run --separate-stderr -3 elmo-train -q --resume "$T/huge.lm" -v "$T/k.voc" -o "$T/r.lm" "$T/k.tok"
    one_line elmo-train
    [[ "$stderr" == "elmo-train: $T/huge.lm: model: header declares "* ]]
    no_output "$T/r.lm"
}

@test "semantic: a model header no file could back is refused from a pipe too, before allocating" {
    tiny_lm
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" vocab_size=1000000 hidden=4096 proj=0 \
        < "$T/m.lm" > "$T/huge.lm"
    # a pipe says nothing of its size: the model is spooled first, then checked as a file
    run --separate-stderr -3 embed -q --model <(cat "$T/huge.lm") -o "$T/e.out" "$T/k.tok"
    one_line embed
    [[ "$stderr" == "embed: /dev/fd/"*": model: header declares 8729936448 weights (34919.7 MB), more than the rest of the file can hold" ]]
    no_output "$T/e.out"
    run --separate-stderr -3 elmo-train -q --resume <(cat "$T/huge.lm") -v "$T/k.voc" -o "$T/r.lm" "$T/k.tok"
    one_line elmo-train
    [[ "$stderr" == *": model: header declares "* ]]
    no_output "$T/r.lm"
    # an honest model through a pipe gives what the file gives
    embed -q --model "$T/m.lm" -o "$T/file.out" "$T/k.tok"
    embed -q --model <(cat "$T/m.lm") -o "$T/pipe.out" "$T/k.tok"
    cmp "$T/file.out" "$T/pipe.out"
}

@test "semantic: probe --eval refuses a probe model whose header declares more weights than the file holds" {
    printf '%s\n' '3 2' 'the 1 0' 'cat 0 1' 'sat 1 1' > "$T/v.txt"
    printf 'the cat sat\nthe cat\n' | tok -q --whitespace > "$T/p.tok"
    printf 'D N V\nD N\n' | tok -q --whitespace > "$T/p.lab"
    embed -q --vectors "$T/v.txt" --oov zero -o "$T/p.vec" "$T/p.tok"
    probe -q -t 1 --epochs 2 -o "$T/p.probe" "$T/p.vec" "$T/p.lab"
    # 2^20 x 2047 hidden weights: 8.6 GB that probe_new would allocate and initialise
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" dim=1048576 hidden=2047 < "$T/p.probe" > "$T/h.probe"
    for m in "$T/h.probe" <(cat "$T/h.probe"); do
        run --separate-stderr -3 timeout 20 probe --eval -q --model "$m" -o "$T/r.txt" "$T/p.vec" "$T/p.lab"
        one_line probe
        [[ "$stderr" == "probe: "*": model: header declares more weights (dim 1048576, hidden 2047, 3 classes) than the rest of the file can hold" ]]
        no_output "$T/r.txt"
    done
}

@test "semantic: w2v-train --resume refuses a checkpoint whose dim no file of its size could back" {
    printf 'a b c d e f a b c d e f\n%.0s' $(seq 40) | tok -q > "$T/k.tok"
    vocab -q "$T/k.tok" > "$T/k.voc"
    w2v-train -q -v "$T/k.voc" -d 4 --checkpoint "$T/ck" --checkpoint-every 100w -o /dev/null "$T/k.tok"
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" dim=100000 < "$T/ck" > "$T/big"
    run --separate-stderr -3 w2v-train -q --resume "$T/big" -v "$T/k.voc" -o "$T/o.vec" "$T/k.tok"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/big: checkpoint: header declares 6 x 100000 weights, more than the rest of the file can hold" ]
    no_output "$T/o.vec"
    run --separate-stderr -3 w2v-train -q --resume <(cat "$T/big") -v "$T/k.voc" -o "$T/o.vec" "$T/k.tok"
    [[ "$stderr" == *": checkpoint: header declares 6 x 100000 weights, more than the rest of the file can hold" ]]
}

# ---- row 5: more records than the header's expected_records

@test "semantic: w2v-train counts a concatenated windows file and warns; on a pipe it warns when the count is passed" {
    pairs -q -v "$T/a.voc" "$T/a.tok" > "$T/a.win"
    cat "$T/a.win" "$T/a.win" > "$T/aa.win"
    n=$(wpcat --stat "$T/a.win" | awk -F'\t' '$1 == "records" { print $2 }')
    run --separate-stderr w2v-train -q -v "$T/a.voc" -d 4 -o "$T/x.vec" "$T/aa.win"
    assert_success
    [ "$stderr" = "w2v-train: $T/aa.win: $((2 * n)) windows, not the $n of the header's expected_records (streams concatenated?): the learning rate follows the $((2 * n))" ]
    run --separate-stderr bash -c "cat '$T/aa.win' | w2v-train -q -v '$T/a.voc' -d 4 -o '$T/y.vec'"
    assert_success
    [ "$stderr" = "w2v-train: <stdin>: more windows than the $n the header's expected_records promised (streams concatenated?): the learning rate stays at its floor from here" ]
    # a single stream: nothing to say
    run --separate-stderr w2v-train -q -v "$T/a.voc" -d 4 -o "$T/z.vec" "$T/a.win"
    assert_success
    [ -z "$stderr" ]
}

@test "semantic: w2v-train on a pipe forgives an estimated count passed by chance, not by more" {
    # pairs on a pipe estimates its count from the vocabulary (expected_exact 0): the
    # subsampling draws pass it by a few windows about half the time, on a small stream
    # by a few percent (chance allows four times sqrt of the count, or 1% if more)
    pairs -q -v "$T/a.voc" "$T/a.tok" > "$T/a.win"
    n=$(wpcat --stat "$T/a.win" | awk -F'\t' '$1 == "records" { print $2 }')
    [ "$n" -ge 200 ] && [ "$n" -le 10000 ]
    for est in $((n - n / 200)) $((n - n * 3 / 100)); do
        /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" expected_records=$est expected_exact=0 \
            < "$T/a.win" > "$T/e.win"
        run --separate-stderr bash -c "cat '$T/e.win' | w2v-train -q -v '$T/a.voc' -d 4 -o '$T/x.vec'"
        assert_success
        [ -z "$stderr" ]
    done
    # the same count said exact: a promise broken
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" expected_records=$est expected_exact=1 \
        < "$T/a.win" > "$T/p.win"
    run --separate-stderr bash -c "cat '$T/p.win' | w2v-train -q -v '$T/a.voc' -d 4 -o '$T/x.vec'"
    assert_success
    [ "$stderr" = "w2v-train: <stdin>: more windows than the $est the header's expected_records promised (streams concatenated?): the learning rate stays at its floor from here" ]
    # an estimate passed by far more than chance
    est=$((n / 2))
    slack=$(awk -v e=$est 'BEGIN { s = int(4 * sqrt(e)); f = int(e / 100); print (s > f ? s : f) }')
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" expected_records=$est expected_exact=0 \
        < "$T/a.win" > "$T/f.win"
    run --separate-stderr bash -c "cat '$T/f.win' | w2v-train -q -v '$T/a.voc' -d 4 -o '$T/x.vec'"
    assert_success
    [ "$stderr" = "w2v-train: <stdin>: more windows than the $est the header's expected_records estimated, by more than the $slack chance allows (a vocabulary counted on another corpus, or streams concatenated?): the learning rate stays at its floor from here" ]
}

@test "semantic: w2v-train on tokens with 2 threads does not blame a header for its own count" {
    # the spool's windows are counted with one generator, the threads draw from their own:
    # the count is passed by a few windows, which no header promised
    for i in $(seq 40); do cat "$T/a.tok"; done > "$T/a40.tok"
    for seed in 1 2 3 4 5 6; do
        run --separate-stderr w2v-train -q -t 2 -e 3 -s 1e-2 --seed $seed -v "$T/a.voc" -d 4 \
            -o "$T/x.vec" "$T/a40.tok"
        assert_success
        [ -z "$stderr" ] || { echo "seed $seed: $stderr"; return 1; }
    done
}

# ---- row 4: a w2v checkpoint resumed on another corpus

@test "semantic: w2v-train --resume from a pipe: the same first block and other blocks after it are refused once read" {
    # a corpus that grew by appending: a pipe gives only its first block before training
    awk 'BEGIN { srand(3); for (s = 0; s < 60000; s++) { l = "";
        for (i = 0; i < 10; i++) l = l (i ? " " : "") "w" int(rand() * rand() * 300); print l } }' \
        > "$T/big.txt"
    tok -q "$T/big.txt" > "$T/big.tok"
    (cat "$T/big.txt"; head -1000 "$T/big.txt") | tok -q > "$T/grown.tok"
    [ "$(wpcat --stat "$T/big.tok" | awk -F'\t' '$1 == "blocks" { print $2 }')" -ge 2 ]
    vocab -q "$T/big.tok" > "$T/big.voc"
    w2v-train -q -v "$T/big.voc" -d 4 -e 2 --checkpoint "$T/ck" --checkpoint-every 300000w \
        -o /dev/null "$T/big.tok"
    run --separate-stderr -3 bash -c "cat '$T/grown.tok' | w2v-train -q -v '$T/big.voc' -d 4 -e 2 --resume '$T/ck' -o '$T/x.vec'"
    [ "$stderr" = "w2v-train: <stdin>: not the input the checkpoint $T/ck was trained on: its first block is, the rest differs (a pipe is checked once read; --any-input resumes on it anyway); no model written" ]
    no_output "$T/x.vec"
    # the same corpus through a pipe: the model a file gives
    bash -c "cat '$T/big.tok' | w2v-train -q -v '$T/big.voc' -d 4 -e 2 --resume '$T/ck' -o '$T/p.vec'"
    w2v-train -q -v "$T/big.voc" -d 4 -e 2 --resume "$T/ck" -o "$T/f.vec" "$T/big.tok"
    cmp "$T/p.vec" "$T/f.vec"
    run bash -c "cat '$T/grown.tok' | w2v-train -q -v '$T/big.voc' -d 4 -e 2 --resume '$T/ck' --any-input -o '$T/x.vec'"
    assert_success
}

@test "semantic: w2v-train --resume refuses another corpus unless --any-input, from a file or a pipe" {
    for i in $(seq 1 60); do echo "the king and the queen ruled the land of the north $i"; done |
        tok -q > "$T/k.tok"
    for i in $(seq 1 60); do echo "the queen and the king ruled the north of the land $i"; done |
        tok -q > "$T/k2.tok"
    vocab -q "$T/k.tok" > "$T/k.voc"
    w2v-train -q -v "$T/k.voc" -d 4 --checkpoint "$T/ck" --checkpoint-every 100w -o /dev/null "$T/k.tok"
    run --separate-stderr -3 w2v-train -q -v "$T/k.voc" --resume "$T/ck" -o "$T/x.vec" "$T/k2.tok"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $T/k2.tok: not the input the checkpoint $T/ck was trained on (--any-input resumes on it anyway)" ]
    no_output "$T/x.vec"
    run --separate-stderr -3 bash -c "cat '$T/k2.tok' | w2v-train -q -v '$T/k.voc' --resume '$T/ck' -o '$T/x.vec'"
    [[ "$stderr" == "w2v-train: <stdin>: not the input the checkpoint"* ]]
    no_output "$T/x.vec"
    run --separate-stderr w2v-train -q -v "$T/k.voc" --resume "$T/ck" --any-input -o "$T/x.vec" "$T/k2.tok"
    assert_success
    run --separate-stderr bash -c "cat '$T/k.tok' | w2v-train -q -v '$T/k.voc' --resume '$T/ck' -o '$T/y.vec'"
    assert_success
}

# ---- row 2: an HNSW index knows the vectors it was built over

@test "semantic: knn --hnsw refuses an index built over other vectors of the same count and dimension" {
    w2v-train -q -v "$T/a.voc" -d 8 -s 0 --seed 3 -o "$T/a.vec" "$T/a.tok"
    w2v-train -q -v "$T/a.voc" -d 8 -s 0 --seed 4 -o "$T/b.vec" "$T/a.tok"
    run --separate-stderr knn -k 2 --hnsw "$T/a.idx" --query king "$T/a.vec"
    assert_success
    run --separate-stderr -3 knn -k 2 --hnsw "$T/a.idx" --query king -o "$T/out.txt" "$T/b.vec"
    one_line knn
    [ "$stderr" = "knn: $T/a.idx: HNSW index built over other vectors (their fingerprint differs): remove it to build one for these" ]
    no_output "$T/out.txt"
    # its own vectors still load it
    run --separate-stderr knn -k 2 --hnsw "$T/a.idx" --query king "$T/a.vec"
    assert_success
}

# ---- row 3: every output path is checked before training

@test "semantic: w2v-train checks -o, --save-context and --checkpoint before training, leaving no model" {
    for f in "--save-context $T/no/c" "--checkpoint $T/no/ck"; do
        run --separate-stderr -1 w2v-train -q -v "$T/a.voc" -d 4 -o "$T/x.vec" $f "$T/a.tok"
        one_line w2v-train
        [ "$stderr" = "w2v-train: $T/no/${f##*/no/}: No such file or directory" ]
        no_output "$T/x.vec"
    done
    run --separate-stderr -1 w2v-train -q -v "$T/a.voc" -d 4 -o "$T/no/x.vec" "$T/a.tok"
    [ "$stderr" = "w2v-train: $T/no/x.vec: No such file or directory" ]
}

@test "semantic: elmo-train checks -o and --checkpoint before training (already on main)" {
    run --separate-stderr -1 elmo-train -q --hidden 8 --proj 4 --batch 2 --unroll 3 \
        --max-batches 2 -v "$T/a.voc" -o "$T/no/m.lm" "$T/a.tok"
    one_line elmo-train
    [ "$stderr" = "elmo-train: $T/no/m.lm: No such file or directory" ]
    run --separate-stderr -1 elmo-train -q --hidden 8 --proj 4 --batch 2 --unroll 3 \
        --max-batches 2 --checkpoint "$T/no/ck" -v "$T/a.voc" -o "$T/m.lm" "$T/a.tok"
    [ "$stderr" = "elmo-train: $T/no/ck: No such file or directory" ]
    no_output "$T/m.lm"
}

# ---- row 9: under a memory limit, "out of memory" and exit 1 within seconds, never a hang
# (OpenBLAS retries a failed mmap of its 128 MB buffer for ever: OpenMathLib/OpenBLAS#5289;
# with its own threads, which start when it is loaded, exit() then waits for them for ever)

# limited LIMIT_KB CMD...: runs CMD under `ulimit -v`; fine when it succeeds, or fails with
# exit 1 and one line "TOOL: out of memory..."; never a timeout or another code. Prints
# "oom" when it ran out.
limited() {
    local kb=$1 tool=$2
    shift
    run --separate-stderr bash -c 'ulimit -v "$1"; shift; exec timeout 10 "$@" > /dev/null' _ "$kb" "$@"
    [ "$status" -eq 0 ] && return 0
    [ "$status" -eq 1 ] || { echo "$tool under $kb kB: exit $status: $stderr"; return 1; }
    one_line "$tool"
    [[ "${stderr_lines[0]}" == "$tool: out of memory"* ]] || { echo "$stderr"; return 1; }
    echo oom >> "$T/oom"
}

@test "semantic: under ulimit -v every BLAS tool says out of memory and exits 1, with and without OpenBLAS threads" {
    [ -z "${WP_SANITIZED:-}" ] || skip "the sanitizers reserve more address space than any limit here"
    w2v-train -q --sg -d 8 -e 1 -t 1 --seed 1 -v "$T/a.voc" -o "$T/v.vec" "$T/a.tok"
    elmo-train -q --seed 1 -t 1 --word-input --hidden 8 --proj 4 --batch 2 --unroll 3 \
        --max-batches 2 -v "$T/a.voc" -o "$T/m.lm" "$T/a.tok"
    awk '{ s = ""; for (i = 1; i <= NF; i++) s = s (i > 1 ? " " : "") ($i == "the" ? "D" : "O"); print s }' \
        "$T/a.txt" | tok -q --whitespace > "$T/a.lab"
    embed -q -t 1 --vectors "$T/v.vec" --oov zero -o "$T/a.svec" "$T/a.tok"
    for threads in 1 ''; do
        if [ -n "$threads" ]; then export OPENBLAS_NUM_THREADS=1; else unset OPENBLAS_NUM_THREADS; fi
        for kb in 60000 200000 320000; do
            limited $kb knn -k 3 --query king "$T/v.vec"
            limited $kb knn -h
            limited $kb embed -t 2 --model "$T/m.lm" "$T/a.tok"
            limited $kb probe -q --seed 1 -o "$T/p.probe" "$T/a.svec" "$T/a.lab"
            limited $kb elmo-train -q --seed 1 -t 2 --word-input --hidden 8 --proj 4 --batch 2 \
                --unroll 3 --max-batches 2 -v "$T/a.voc" -o "$T/m2.lm" "$T/a.tok"
        done
    done
    # the smallest limit is below what any of them needs
    [ "$(wc -l < "$T/oom")" -ge 12 ]
}

@test "semantic: under ulimit -v the other tools say out of memory and exit 1 too (a million distinct words)" {
    [ -z "${WP_SANITIZED:-}" ] || skip "the sanitizers reserve more address space than any limit here"
    seq 1 1000000 | sed 's/^/w/' > "$T/m.txt"
    tok -q "$T/m.txt" > "$T/m.tok"
    vocab -q "$T/m.tok" > "$T/m.voc"
    for kb in 30000 60000; do
        limited $kb tok -q "$T/m.txt"
        limited $kb vocab -q "$T/m.tok"
        limited $kb phrases -q "$T/m.tok"
        limited $kb pairs -q -v "$T/m.voc" "$T/m.tok"
        limited $kb wpcat "$T/m.voc"
        limited $kb w2v-train -q --sg -d 8 -e 1 -t 2 -v "$T/m.voc" -o "$T/v2.vec" "$T/m.tok"
    done
    # counting a million words, or loading them, needs more than either limit
    [ "$(wc -l < "$T/oom")" -ge 6 ]
}

# ---- the small ones: each message names what is wrong, on one line

@test "semantic: elmo-train --sampled not below the vocabulary names the option" {
    run --separate-stderr -2 elmo-train -q --sampled 100000 --hidden 8 --proj 4 --batch 2 \
        --unroll 3 --max-batches 2 -v "$T/a.voc" -o "$T/m.lm" "$T/a.tok"
    one_line elmo-train
    [[ "$stderr" == "elmo-train: --sampled 100000: the model has "*" words, sampled softmax needs fewer (0: the full softmax)" ]]
    no_output "$T/m.lm"
}

@test "semantic: w2v-train with two inputs says so in one line, not the whole usage" {
    run --separate-stderr -2 w2v-train -q -v "$T/a.voc" -o "$T/x.vec" "$T/a.tok" "$T/a.tok"
    one_line w2v-train
    [[ "$stderr" == "w2v-train: 2 inputs: one token, windows or spans stream"* ]]
}

@test "semantic: knn does not echo a 5 MB unknown query whole" {
    w2v-train -q --sg -d 8 -e 1 -t 1 --seed 1 -v "$T/a.voc" -o "$T/v.vec" "$T/a.tok"
    head -c 5000000 /dev/zero | tr '\0' x > "$T/q.txt"
    echo >> "$T/q.txt"
    run --separate-stderr knn -k 2 "$T/v.vec" < "$T/q.txt"
    one_line knn
    [ "$stderr" = "knn: '$(printf 'x%.0s' $(seq 60))... (5000000 bytes)' not in vocabulary" ]
}

@test "semantic: knn --input-format txt on a word2vec binary file says what it found, no raw bytes" {
    printf '3 2\nking 1 0\nqueen 0.9 0.1\nman 0 1\n' > "$T/v.txt"
    knn --convert bin -o "$T/v.bin" "$T/v.txt"
    run --separate-stderr -3 knn --input-format txt --query king "$T/v.bin"
    one_line knn
    [ "$stderr" = "knn: $T/v.bin: line 2: NUL byte in line" ]
    [ -z "$output" ]
}

@test "semantic: a text vectors file whose first word is over 64 KB is still read as text" {
    { printf '%s 1 0\n' "$(head -c 70000 /dev/zero | tr '\0' w)"; printf 'b 0 1\nc 0.1 1\n'; } > "$T/long.txt"
    run --separate-stderr knn -x -k 1 --query b "$T/long.txt"
    [ "$status" -eq 0 ]
    [ "$output" = "b	1	c	0.995037" ]
}

# ---- vocabularies: a phrase table, an unsorted or a concatenated vocabulary

# phrase_table OUT: a 2-pass phrase table (new_york, new_york_times) learned from a corpus
phrase_table() {
    for i in 1 2 3 4 5 6; do
        printf 'the new york times said so\nnew york is big\nwe read the new york times\n'
    done | tok -q > "$T/p.tok"
    phrases -q --learn -m 2 --passes 2 --threshold 1 -o "$1" "$T/p.tok"
}

@test "semantic: a phrase table given as a vocabulary is refused by pairs, w2v-train, elmo-train and vocab" {
    phrase_table "$T/t.phr"
    [ "$(wpcat "$T/t.phr" | wc -l)" -gt 1 ]
    msg="$T/t.phr: a phrase table, not a vocabulary (see phrases(1))"
    run --separate-stderr -3 pairs -q -v "$T/t.phr" -o "$T/x.win" "$T/a.tok"
    one_line pairs
    [ "$stderr" = "pairs: $msg" ]
    no_output "$T/x.win"
    run --separate-stderr -3 w2v-train -q -v "$T/t.phr" -d 8 -e 1 -o "$T/x.vec" "$T/a.tok"
    [ "$stderr" = "w2v-train: $msg" ]
    no_output "$T/x.vec"
    run --separate-stderr -3 elmo-train -q --hidden 8 --layers 1 --epochs 1 --max-batches 2 \
        -v "$T/t.phr" -o "$T/x.model" "$T/a.tok"
    [ "$stderr" = "elmo-train: $msg" ]
    no_output "$T/x.model"
    run --separate-stderr -3 vocab -q -o "$T/x.voc" "$T/a.voc" "$T/t.phr"
    [ "$stderr" = "vocab: $msg" ]
    no_output "$T/x.voc"
    run --separate-stderr bash -o pipefail -c 'phrases -q --apply "$1" "$2" | wpcat --lines' \
        _ "$T/t.phr" "$T/p.tok"
    assert_success                      # where a table is expected, it still is one
    assert_line --index 0 "the_new_york_times said_so"
}

@test "semantic: a vocabulary not sorted by count is refused by every -v reader; vocab sorts it" {
    # a(1) before b(5): varint records count, length, byte (wordpipe(5) kind 2)
    printf '1 1 97\n5 1 98\n' | /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" --raw 2 > "$T/u.voc"
    printf 'a b b b b b\na b\n' | tok -q > "$T/u.tok"
    msg="$T/u.voc: not sorted by count: record 2 'b' has count 5, above the 1 before it (vocab(1) sorts it)"
    run --separate-stderr -3 w2v-train -q -v "$T/u.voc" -d 8 -e 1 --hs -n 0 -o "$T/x.vec" "$T/u.tok"
    one_line w2v-train
    [ "$stderr" = "w2v-train: $msg" ]
    no_output "$T/x.vec"
    run --separate-stderr -3 w2v-train -q -v "$T/u.voc" -d 8 -e 1 -o "$T/x.vec" "$T/u.tok"
    [ "$stderr" = "w2v-train: $msg" ]
    run --separate-stderr -3 pairs -q -v "$T/u.voc" -o "$T/x.win" "$T/u.tok"
    [ "$stderr" = "pairs: $msg" ]
    no_output "$T/x.win"
    run --separate-stderr -3 elmo-train -q --hidden 8 --layers 1 --epochs 1 --max-batches 2 \
        -v "$T/u.voc" -o "$T/x.model" "$T/u.tok"
    [ "$stderr" = "elmo-train: $msg" ]
    vocab -q -o "$T/s.voc" "$T/u.voc"   # vocab merges any order and writes it sorted
    run --separate-stderr wpcat "$T/s.voc"
    assert_output "$(printf 'b\t5\na\t1')"
    run --separate-stderr w2v-train -q -v "$T/s.voc" -d 8 -e 1 --hs -n 0 -o "$T/x.vec" "$T/u.tok"
    assert_success
}

@test "semantic: a concatenated vocabulary (cat a.voc a.voc) names the duplicate word in every -v reader" {
    cat "$T/a.voc" "$T/a.voc" > "$T/aa.voc"
    n=$(wpcat "$T/a.voc" | wc -l)
    first=$(wpcat "$T/a.voc" | head -1 | cut -f1)
    msg="$T/aa.voc: block 2: record $((n + 1)): duplicate word '$first'"
    run --separate-stderr -3 vocab -q -o "$T/x.voc" "$T/aa.voc"
    [ "$stderr" = "vocab: $msg" ]       # the same words as vocab's own message
    run --separate-stderr -3 pairs -q -v "$T/aa.voc" -o "$T/x.win" "$T/a.tok"
    one_line pairs
    [ "$stderr" = "pairs: $msg" ]
    no_output "$T/x.win"
    run --separate-stderr -3 w2v-train -q -v "$T/aa.voc" -d 8 -e 1 -o "$T/x.vec" "$T/a.tok"
    [ "$stderr" = "w2v-train: $msg" ]
    no_output "$T/x.vec"
    run --separate-stderr -3 elmo-train -q --hidden 8 --layers 1 --epochs 1 --max-batches 2 \
        -v "$T/aa.voc" -o "$T/x.model" "$T/a.tok"
    [ "$stderr" = "elmo-train: $msg" ]
}

@test "semantic: a vocabulary knows how its tokens were made: another tokenization is refused (exit 3)" {
    printf 'The King and the Queen\nthe man And the woman\n' > "$T/cased.txt"
    tok -q "$T/cased.txt" > "$T/cased.tok"
    tok -q --lower "$T/cased.txt" > "$T/lower.tok"
    vocab -q "$T/cased.tok" > "$T/cased.voc"
    vocab -q "$T/lower.tok" > "$T/lower.voc"
    run -0 wpcat --stat "$T/lower.voc"
    [[ "$output" == *$'meta.tokenized\t1'* ]]
    run -0 wpcat --stat "$T/cased.voc"
    [[ "$output" == *$'meta.tokenized\t0'* ]]
    # counting both into one vocabulary: refused
    run --separate-stderr -3 vocab -q "$T/cased.tok" "$T/lower.tok"
    [ "$stderr" = "vocab: $T/lower.tok: tokens of 'tok --lower', $T/cased.tok of 'tok' (tokenize the inputs alike)" ]
    # merging vocabularies keeps the shape, or refuses two
    vocab -q "$T/lower.voc" "$T/lower.tok" > "$T/m.voc"
    run -0 wpcat --stat "$T/m.voc"
    [[ "$output" == *$'meta.tokenized\t1'* ]]
    run --separate-stderr -3 vocab -q "$T/lower.voc" "$T/cased.voc"
    # a text vocabulary says nothing: the result does not either
    vocab -q --text "$T/lower.voc" > "$T/lower.txt"
    vocab -q --text-vocab "$T/lower.txt" "$T/lower.tok" > "$T/t.voc"
    run -0 wpcat --stat "$T/t.voc"
    [[ "$output" != *tokenized* ]]
    # but two inputs that say are still compared across one that does not
    run --separate-stderr -3 vocab -q "$T/lower.tok" --text-vocab "$T/lower.txt" "$T/cased.tok"
    [ "$stderr" = "vocab: $T/cased.tok: tokens of 'tok', $T/lower.tok of 'tok --lower' (tokenize the inputs alike)" ]
    # a cased vocabulary with lowercased tokens: every tool that reads both says so
    msg="$T/lower.tok: tokens of 'tok --lower', the vocabulary $T/cased.voc counted tokens of 'tok' (tokenize both alike)"
    run --separate-stderr -3 w2v-train -q -v "$T/cased.voc" -d 4 -o "$T/x.wp" "$T/lower.tok"
    [ "$stderr" = "w2v-train: $msg" ]
    run --separate-stderr -3 pairs -q -v "$T/cased.voc" -o "$T/x.win" "$T/lower.tok"
    [ "$stderr" = "pairs: $msg" ]
    run --separate-stderr -3 elmo-train -q -v "$T/cased.voc" --hidden 4 -o "$T/x.lm" "$T/lower.tok"
    [ "$stderr" = "elmo-train: $msg" ]
    [ ! -e "$T/x.wp" ] && [ ! -e "$T/x.win" ] && [ ! -e "$T/x.lm" ]
    # alike: trained
    run w2v-train -q -v "$T/lower.voc" -d 4 -s 0 -o "$T/x.wp" "$T/lower.tok"
    assert_success
}
