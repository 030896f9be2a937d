#!/usr/bin/env bats
# knn: neighbour queries in every mode and metric, every vector format, every malformed
# input with its message, analogies and similarity evaluation.

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    printf '5 3\na 1 0 0\nb 0.9 0.1 0\nc 0 1 0\nd 0 0 1\ne -1 0 0\n' > "$T/v.txt"
    # word2vec.c binary: x=(1,0) y=(0,1) z=(-1,0), each row ends in '\n'
    printf '3 2\nx \000\000\200\077\000\000\000\000\ny \000\000\000\000\000\000\200\077\nz \000\000\200\277\000\000\000\000\n' > "$T/v.bin"
    printf '6 3\nman 1 0 0\nwoman 0 1 0\nking 1 0 1\nqueen 0 1 1\nQueen 0 1 1.1\napple -1 -1 0\n' > "$T/an.txt"
    printf ': family\nman woman king queen\nMAN WOMAN KING QUEEN\nman woman king zzz\n: gram1-test\nwoman man queen king\nman woman king apple\n' > "$T/q.txt"
}

@test "knn: -q prints query, rank, neighbour, cosine as TSV; ties go to the earlier word" {
    run --separate-stderr knn --query a -k 3 "$T/v.txt"
    assert_success
    assert_output "$(printf 'a\t1\ta\t1.000000\na\t2\tb\t0.993884\na\t3\tc\t0.000000')"
    [ -z "$stderr" ]
}

@test "knn: -x excludes the query word itself; -q repeats" {
    run --separate-stderr knn -x -k 1 --query a --query e "$T/v.txt"
    assert_success
    assert_output "$(printf 'a\t1\tb\t0.993884\ne\t1\tc\t0.000000')"
}

@test "knn: -m dot ranks by inner product, -m l2 by Euclidean distance" {
    run --separate-stderr knn --metric dot -k 2 --query b "$T/v.txt"
    assert_output "$(printf 'b\t1\ta\t0.900000\nb\t2\tb\t0.820000')"
    run --separate-stderr knn --metric l2 -x -k 2 --query a "$T/v.txt"
    assert_output "$(printf 'a\t1\tb\t0.141421\na\t2\tc\t1.414214')"
    run --separate-stderr -2 knn --metric cosine --query a "$T/v.txt"
    [[ "$stderr" == "knn: --metric cosine: unknown value" ]]
}

@test "knn: stdin queries; an unknown word warns and the rest are answered (exit 0)" {
    run --separate-stderr bash -c 'printf "a\nzz\nb\n" | knn -k 1 "$1"' _ "$T/v.txt"
    assert_success
    assert_output "$(printf 'a\t1\ta\t1.000000\nb\t1\tb\t1.000000')"
    [ "$stderr" = "knn: 'zz' not in vocabulary" ]
}

@test "knn: when no query word is known the exit status is 3" {
    run --separate-stderr -3 bash -c 'printf "zz\nyy\n" | knn "$1"' _ "$T/v.txt"
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -eq 2 ]
}

@test "knn: many stdin queries (sgemm batch) answer exactly like single queries" {
    for i in $(seq 1 40); do printf 'a\nb\nc\nd\ne\n'; done > "$T/many"
    knn -k 4 -x "$T/v.txt" < "$T/many" > "$T/batch.tsv"
    knn -k 4 -x --single "$T/v.txt" < "$T/many" > "$T/single.tsv"
    [ "$(wc -l < "$T/batch.tsv")" -eq 800 ]
    cmp "$T/batch.tsv" "$T/single.tsv"
}

@test "knn: -a answers every word, the same as asking for each" {
    run --separate-stderr knn --all -x -k 2 "$T/v.txt"
    assert_success
    [ "${#lines[@]}" -eq 10 ]
    expected=$(printf 'a\nb\nc\nd\ne\n' | knn -x -k 2 --single "$T/v.txt")
    assert_output "$expected"
    run --separate-stderr -2 knn --all --query a "$T/v.txt"
}

@test "knn: -r restricts the candidates to the first N words" {
    run --separate-stderr knn -r 2 --query e -k 5 "$T/v.txt"
    assert_success
    [ "${#lines[@]}" -eq 2 ]
    assert_line --index 0 $'e\t1\tb\t-0.993884'
}

@test "knn: word2vec binary, with and without the newline after each vector" {
    run --separate-stderr knn --query x -k 3 "$T/v.bin"
    assert_success
    assert_output "$(printf 'x\t1\tx\t1.000000\nx\t2\ty\t0.000000\nx\t3\tz\t-1.000000')"
    printf '2 2\nx \000\000\200\077\000\000\000\000y \000\000\000\000\000\000\200\077' > "$T/g.bin"
    run --separate-stderr knn --query y -k 1 -x "$T/g.bin"
    assert_output "$(printf 'y\t1\tx\t0.000000')"
}

@test "knn: GloVe text without a header is detected, gensim text without trailing spaces read" {
    printf 'a 1 0\nb 0 1\n' > "$T/glove.txt"
    run --separate-stderr knn --query a -k 1 -x "$T/glove.txt"
    assert_output "$(printf 'a\t1\tb\t0.000000')"
    run --separate-stderr knn --input-format glove --query a -k 1 -x "$T/glove.txt"
    assert_success
    run --separate-stderr -3 knn --input-format txt --query a "$T/glove.txt"
    [[ "$stderr" == "knn: $T/glove.txt: line 1: bad header"* ]]
    # --format names what a tool writes: refused with the new name
    run --separate-stderr -2 knn --format glove --query a "$T/glove.txt"
    [ "$stderr" = "knn: --format names what a tool writes (w2v-train, embed) in wordpipe; say --input-format (--convert writes one)" ]
}

@test "knn: vectors on stdin with -q" {
    run --separate-stderr bash -c 'knn --query a -k 1 - < "$1"' _ "$T/v.txt"
    assert_output "$(printf 'a\t1\ta\t1.000000')"
    run --separate-stderr -2 knn - < "$T/v.txt"
}

@test "knn: a short vector line is an error naming file and line" {
    printf '3 3\na 1 0 0\nb 1 2\nc 1 1 1\n' > "$T/bad.txt"
    run --separate-stderr -3 knn --query a "$T/bad.txt"
    [ "$stderr" = "knn: $T/bad.txt: line 3: short vector line: expected 3 values, got 2" ]
    [ -z "$output" ]
}

@test "knn: a line with the wrong dimension is an error" {
    printf '2 3\na 1 0 0\nb 1 2 3 4\n' > "$T/bad.txt"
    run --separate-stderr -3 knn --query a "$T/bad.txt"
    [ "$stderr" = "knn: $T/bad.txt: line 3: wrong dimension: expected 3 values, got 4" ]
}

@test "knn: NaN and Inf values are errors in text and binary" {
    printf '2 2\na 1 0\nb nan 1\n' > "$T/nan.txt"
    run --separate-stderr -3 knn --query a "$T/nan.txt"
    [ "$stderr" = "knn: $T/nan.txt: line 3: value 1 is not finite: 'nan'" ]
    printf '1 2\na 1 inf\n' > "$T/inf.txt"
    run --separate-stderr -3 knn --query a "$T/inf.txt"
    [[ "$stderr" == *"line 2: value 2 is not finite"* ]]
    printf '1 1\nx \000\000\300\177\n' > "$T/nan.bin"
    run --separate-stderr -3 knn --query x "$T/nan.bin"
    [ "$stderr" = "knn: $T/nan.bin: line 2: 'x': value 1 is not finite" ]
}

@test "knn: duplicate words keep the first vector and warn with the count" {
    printf '4 2\na 1 0\nb 0 1\na 0 1\nb 1 0\n' > "$T/dup.txt"
    run --separate-stderr knn --query a -k 2 "$T/dup.txt"
    assert_success
    assert_output "$(printf 'a\t1\ta\t1.000000\na\t2\tb\t0.000000')"
    [ "$stderr" = "knn: $T/dup.txt: 2 duplicate words ignored (first kept; first duplicate at line 4)" ]
}

@test "knn: an empty file, a header-only mismatch and a bad header are errors" {
    : > "$T/empty.txt"
    run --separate-stderr -3 knn --query a "$T/empty.txt"
    [ "$stderr" = "knn: $T/empty.txt: empty file" ]
    printf '3 2\na 1 0\nb 0 1\n' > "$T/short.txt"
    run --separate-stderr -3 knn --query a "$T/short.txt"
    [ "$stderr" = "knn: $T/short.txt: line 3: header says 3 vectors, file has 2" ]
    printf '1 2\na 1 0\nb 0 1\n' > "$T/long.txt"
    run --separate-stderr -3 knn --query a "$T/long.txt"
    [ "$stderr" = "knn: $T/long.txt: line 3: header says 1 vectors, but more lines follow" ]
    printf '0 2\n' > "$T/none.txt"
    run --separate-stderr -3 knn --query a "$T/none.txt"
    [ "$stderr" = "knn: $T/none.txt: no vectors" ]
}

@test "knn: a truncated binary file is an error naming the row" {
    head -c 20 "$T/v.bin" > "$T/cut.bin"
    run --separate-stderr -3 knn --query x "$T/cut.bin"
    [ "$stderr" = "knn: $T/cut.bin: line 3: file ends inside the vector of 'y' (row 2 of 3)" ]
}

@test "knn: a missing vectors file exits 1 with the system error" {
    run --separate-stderr -1 knn --query a "$T/nope.txt"
    [[ "$stderr" == "knn: $T/nope.txt: No such file or directory"* ]]
}

@test "knn: bad options exit 2: -k 0, two modes, no operand" {
    run --separate-stderr -2 knn -k 0 --query a "$T/v.txt"
    [[ "$stderr" == "knn: -k 0: expected an integer in [1, 100000]"* ]]
    run --separate-stderr -2 knn --analogy "$T/q.txt" --similarity "$T/q.txt" "$T/v.txt"
    [[ "$stderr" == "knn: choose one of"* ]]
    run --separate-stderr -2 knn
    [[ "${stderr_lines[0]}" == "usage: knn "* ]]
    run --separate-stderr -2 knn --method 3cosmul --metric dot --analogies "$T/v.txt"
}

@test "knn: --analogy prints per-section, semantic, syntactic and total accuracy with skips" {
    run --separate-stderr knn --analogy "$T/q.txt" "$T/an.txt"
    assert_success
    assert_output "$(printf 'section\tcorrect\tseen\tskipped\taccuracy
family\t2\t2\t1\t1.000000
gram1-test\t1\t2\t0\t0.500000
semantic\t2\t2\t1\t1.000000
syntactic\t1\t2\t0\t0.500000
total\t3\t4\t1\t0.750000')"
}

@test "knn: --analogy conventions, 3CosMul, --no-fold and -r" {
    for args in "--convention gensim" "--method 3cosmul" "--convention gensim --method 3cosmul"; do
        run --separate-stderr knn --analogy "$T/q.txt" $args "$T/an.txt"
        assert_line $'total\t3\t4\t1\t0.750000'
    done
    run --separate-stderr knn --analogy "$T/q.txt" --no-fold "$T/an.txt"
    assert_line $'family\t1\t1\t2\t1.000000'
    run --separate-stderr -3 knn --analogy "$T/q.txt" -r 3 "$T/an.txt"
    assert_line $'total\t0\t0\t5\t0.000000'
    [[ "$stderr" == *"no question has all 4 words among the first 3" ]]
}

@test "knn: --analogy rejects a question before any section; skips short lines with a warning" {
    printf 'man woman king queen\n' > "$T/nosec.txt"
    run --separate-stderr -3 knn --analogy "$T/nosec.txt" "$T/an.txt"
    [ "$stderr" = "knn: $T/nosec.txt: line 1: question before the first \": section\" line" ]
    printf ': s\nman woman king\nman woman king queen\n' > "$T/short.txt"
    run --separate-stderr knn --analogy "$T/short.txt" "$T/an.txt"
    assert_success
    [ "$stderr" = "knn: $T/short.txt: 1 line without 4 words skipped (first: line 2)" ]
}

@test "knn: --analogies answers a b c lines from stdin, inputs excluded" {
    run --separate-stderr bash -c 'printf "man woman king\nman zz king\n" | knn --analogies -k 2 "$1"' _ "$T/an.txt"
    assert_success
    assert_line --index 0 $'man woman king\t1\tqueen\t1.207107'
    assert_line --index 1 --partial $'man woman king\t2\tQueen\t1.19'
    [ "$stderr" = "knn: 'zz' not in vocabulary" ]
    run --separate-stderr bash -c 'printf "man woman king\n" | knn --analogies --method 3cosmul -k 1 "$1"' _ "$T/an.txt"
    assert_line --index 0 --partial $'man woman king\t1\tqueen\t'
}

@test "knn: --similarity prints Spearman, Pearson, coverage and OOV count" {
    printf '# comment\nman\twoman\t1\nking queen 5\nman king 7.5\nman nothere 3\n' > "$T/ws.tsv"
    run --separate-stderr knn --similarity "$T/ws.tsv" "$T/an.txt"
    assert_success
    assert_line --index 0 $'spearman\t1.000000'
    assert_line --index 1 --partial $'pearson\t0.9'
    assert_line --index 2 $'pairs\t4'
    assert_line --index 3 $'found\t3'
    assert_line --index 4 $'oov\t1'
    assert_line --index 5 $'coverage\t0.750000'
}

@test "knn: -o writes the answer to a file" {
    run --separate-stderr knn --query a -k 1 -o "$T/out.tsv" "$T/v.txt"
    assert_success
    [ -z "$output" ]
    [ "$(cat "$T/out.tsv")" = "$(printf 'a\t1\ta\t1.000000')" ]
}

@test "knn: a w2v-train vectors stream equals its binary and text forms" {
    for t in tok vocab w2v-train; do command -v $t >/dev/null || skip "$t not built"; done
    need_data lee_background.cor
    head -c 100000 "$DATA/lee_background.cor" | tok -q > "$T/c.tok"
    vocab -q -o "$T/c.voc" "$T/c.tok"
    for f in stream txt bin; do
        w2v-train -q -t 1 -e 1 -d 16 --seed 3 -v "$T/c.voc" --format $f -o "$T/c.$f" "$T/c.tok"
    done
    knn --all -x -k 3 "$T/c.stream" > "$T/s.tsv"
    knn --all -x -k 3 "$T/c.bin" > "$T/b.tsv"
    [ "$(wc -l < "$T/s.tsv")" -gt 300 ]
    cmp "$T/s.tsv" "$T/b.tsv"
    # the stream converted to text is byte for byte what w2v-train wrote as text
    knn --convert txt "$T/c.stream" | cmp - "$T/c.txt"
    knn --convert bin "$T/c.stream" | cmp - "$T/c.bin"
    run --separate-stderr -3 knn --query the "$T/c.tok"
    [ "$stderr" = "knn: $T/c.tok: expected a vectors stream, got tokens" ]
    # query by vector: every vector of the stream finds its own word first
    knn --query-vectors "$T/c.stream" -k 1 "$T/c.bin" > "$T/qv.tsv"
    [ "$(wc -l < "$T/qv.tsv")" -eq "$(knn --convert txt "$T/c.bin" | head -1 | cut -d' ' -f1)" ]
    [ -z "$(awk -F'\t' '$1 != $3 || $4 != "1.000000"' "$T/qv.tsv")" ]
    run --separate-stderr -3 knn --query-vectors "$T/c.voc" "$T/c.bin"
    [ "$stderr" = "knn: $T/c.voc: expected a vectors stream, got vocabulary" ]
    run --separate-stderr -3 knn --query-vectors "$T/c.stream" "$T/v.txt"
    [ "$stderr" = "knn: $T/c.stream: dimension 16, the vectors have 3" ]
}

# query_vectors: $T/q, sentence vectors embed made from $T/v.txt, and $T/q2, the same
# sentences from $T/v2.txt: vectors of the same dimension with one float changed.
query_vectors() {
    sed '2s/^a 1 0 0$/a 1 0 0.5/' "$T/v.txt" > "$T/v2.txt"
    printf 'a b\nc d\n' | tok -q > "$T/q.tok"
    embed -q --sentence mean --vectors "$T/v.txt" -o "$T/q" "$T/q.tok"
    embed -q --sentence mean --vectors "$T/v2.txt" -o "$T/q2" "$T/q.tok"
}

@test "knn --query-vectors: vectors made from another model exit 3 naming both fingerprints" {
    query_vectors
    [ -n "$(model_fp "$T/q2")" ] && [ "$(model_fp "$T/q2")" != "$(model_fp "$T/q")" ]
    run --separate-stderr -3 knn -k 1 --query-vectors "$T/q2" "$T/v.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: $T/q2: vectors made from another model (fingerprint $(model_fp "$T/q2"), the vectors searched have $(model_fp "$T/q")); --any-source takes them anyway" ]
    # sentence vectors searched are taken as made by the model their header names
    printf 'b c\n' | tok -q > "$T/s.tok"
    embed -q --sentence mean --vectors "$T/v.txt" -o "$T/s" "$T/s.tok"
    run --separate-stderr -3 knn -k 1 --query-vectors "$T/q2" "$T/s"
    [ "$stderr" = "knn: $T/q2: vectors made from another model (fingerprint $(model_fp "$T/q2"), the vectors searched have $(model_fp "$T/s")); --any-source takes them anyway" ]
    run --separate-stderr knn -k 1 --query-vectors "$T/q" "$T/s"
    assert_success
    assert_output "$(printf 'a b\t1\tb c\t0.673041\nc d\t1\tb c\t0.547270')"
}

@test "knn --query-vectors: the same vectors in any format are the same model; --any-source searches another's" {
    query_vectors
    knn -k 1 --query-vectors "$T/q" "$T/v.txt" > "$T/ref"
    [ "$(wc -l < "$T/ref")" -eq 2 ]
    knn --convert bin -o "$T/v.bin" "$T/v.txt"
    knn --convert stream -o "$T/v.stream" "$T/v.txt"
    knn --convert fasttext -o "$T/v.ft" "$T/v.txt"
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    knn --convert int8 -o "$T/v8.wpv" "$T/v.txt"
    for f in v.bin v.stream v.ft v.wpv v8.wpv; do
        run --separate-stderr knn -k 1 --query-vectors "$T/q" "$T/$f"
        assert_success
        [ "$(printf '%s\n' "$output" | cut -f1-3)" = "$(cut -f1-3 "$T/ref")" ]
    done
    run --separate-stderr knn -k 1 --any-source --query-vectors "$T/q2" "$T/v.txt"
    assert_success
    [ "${#lines[@]}" -eq 2 ] && [ -z "$stderr" ]
    run --separate-stderr -2 knn --any-source --query a "$T/v.txt"
    [ "$stderr" = "knn: --any-source goes with --query-vectors" ]
}

@test "knn --query-vectors: vectors whose header names no model (older files, other tools) are searched as before" {
    query_vectors
    knn --convert stream -o "$T/old" "$T/q2" # rewritten without the header key
    [ -z "$(model_fp "$T/old")" ]
    run --separate-stderr knn -k 1 --query-vectors "$T/old" "$T/v.txt"
    assert_success
    [ "${#lines[@]}" -eq 2 ] && [ -z "$stderr" ]
}

# gensim_python: sets py to a python3 that can import gensim, or skips the test (a skip
# inside $(...) would only end the subshell).
gensim_python() {
    for py in /usr/bin/python3 python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import gensim' 2>/dev/null; then
            return
        fi
    done
    skip "python3 with gensim not available"
}

@test "knn: analogy accuracy and Spearman/Pearson equal gensim's to 4 decimals" {
    need_data questions-words.txt
    need_data wordsim353.tsv
    gensim_python
    "$py" "$ROOT/tests/interop/knn_make_vectors.py" "$DATA/questions-words.txt" \
        "$DATA/wordsim353.tsv" "$T/syn.txt"
    "$py" "$ROOT/tests/interop/knn_gensim_eval.py" "$T/syn.txt" "$DATA/questions-words.txt" \
        "$DATA/wordsim353.tsv" 3000 > "$T/gensim.tsv"
    knn --analogy "$DATA/questions-words.txt" --convention gensim -r 3000 "$T/syn.txt" > "$T/an.tsv"
    knn --similarity "$DATA/wordsim353.tsv" -r 3000 "$T/syn.txt" > "$T/sim.tsv"
    val() { awk -F'\t' -v k="$2" '$1 == k { print $NF }' "$1"; }
    close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5e-5 && a != "") }'; }
    cat "$T/gensim.tsv" "$T/an.tsv" "$T/sim.tsv"
    close "$(val "$T/gensim.tsv" total)" "$(val "$T/an.tsv" total)"
    [ "$(val "$T/gensim.tsv" seen)" = "$(awk -F'\t' '$1 == "total" { print $3 }' "$T/an.tsv")" ]
    close "$(val "$T/gensim.tsv" spearman)" "$(val "$T/sim.tsv" spearman)"
    close "$(val "$T/gensim.tsv" pearson)" "$(val "$T/sim.tsv" pearson)"
    # the accuracy is neither trivial 0 nor 1, so the comparison means something
    awk -F'\t' '$1 == "total" { exit !($5 > 0.1 && $5 < 0.99) }' "$T/an.tsv"
}

@test "knn: vectors re-saved by gensim (binary without newlines, text) give the same answers" {
    need_data questions-words.txt
    need_data wordsim353.tsv
    gensim_python
    "$py" "$ROOT/tests/interop/knn_make_vectors.py" "$DATA/questions-words.txt" \
        "$DATA/wordsim353.tsv" "$T/syn.txt" 20
    "$py" -c 'import sys, logging
logging.disable(logging.CRITICAL)
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1])
kv.save_word2vec_format(sys.argv[2], binary=True)
kv.save_word2vec_format(sys.argv[3], binary=False)' "$T/syn.txt" "$T/g.bin" "$T/g.txt"
    knn --all -x -k 3 "$T/syn.txt" > "$T/a1"
    knn --all -x -k 3 "$T/g.bin" > "$T/a2"
    knn --all -x -k 3 "$T/g.txt" > "$T/a3"
    cmp "$T/a1" "$T/a2"
    cmp "$T/a1" "$T/a3"
}

@test "knn: --convert writes word2vec text and binary that read back to the same answers" {
    run --separate-stderr knn --convert txt "$T/v.bin"
    assert_success
    assert_output "$(printf '3 2\nx 1.000000 0.000000 \ny 0.000000 1.000000 \nz -1.000000 0.000000 ')"
    knn --convert bin -o "$T/back.bin" "$T/v.txt"
    [ "$(head -c 8 "$T/back.bin")" = "$(printf '5 3\na \000')" ]
    [ "$(knn --all -k 2 "$T/back.bin")" = "$(knn --all -k 2 "$T/v.txt")" ]
    run --separate-stderr -2 knn --convert csv "$T/v.txt"
}

@test "knn: --hnsw builds and saves an index, then answers from it; a damaged index is refused" {
    run --separate-stderr knn --hnsw "$T/v.idx" -x -k 2 --query a "$T/v.txt"
    assert_success
    assert_output "$(printf 'a\t1\tb\t0.993884\na\t2\tc\t0.000000')"
    [ -s "$T/v.idx" ]
    run --separate-stderr knn --hnsw "$T/v.idx" --all -x -k 2 "$T/v.txt"
    assert_output "$(knn --all -x -k 2 "$T/v.txt")"
    run --separate-stderr -3 knn --hnsw "$T/v.idx" --metric dot --query a "$T/v.txt"
    [ "$stderr" = "knn: $T/v.idx: an HNSW index of 5 rows x 3 (cos), the vectors searched are 5 x 3 (dot; -r, --metric): remove it to build one for them" ]
    printf '5 3\na 1 0 0\nb 0.9 0.1 0\nc 0 1 0\nd 0 0 1\ne -1 0 0.5\n' > "$T/w.txt"
    run --separate-stderr -3 knn --hnsw "$T/v.idx" --query a "$T/w.txt"
    [ "$stderr" = "knn: $T/v.idx: HNSW index built over other vectors (their fingerprint differs): remove it to build one for these" ]
    printf 'not an index' > "$T/bad.idx"
    run --separate-stderr -3 knn --hnsw "$T/bad.idx" --query a "$T/v.txt"
    [ "$stderr" = "knn: $T/bad.idx: not a knn HNSW index" ]
    run --separate-stderr -2 knn --hnsw "$T/v.idx" --analogy "$T/q.txt" "$T/an.txt"
    run --separate-stderr -2 knn --hnsw-m 1 --query a "$T/v.txt"
}

@test "knn --hnsw: a truncated, modified or older index exits 3 with one line; --trust never crashes" {
    awk 'BEGIN { s = 7; print 400, 8
        for (i = 0; i < 400; i++) { line = "w" i
            for (j = 0; j < 8; j++) { s = (s * 1103515245 + 12345) % 2147483648
                line = line " " sprintf("%.5f", s / 1073741824 - 1) }
            print line } }' > "$T/r.txt"
    knn --hnsw "$T/r.idx" --query w1 "$T/r.txt" > "$T/want"
    size=$(stat -c %s "$T/r.idx")
    [ $((size % 64)) -eq 0 ]
    cmp "$T/want" <(knn --hnsw "$T/r.idx" --query w1 "$T/r.txt")
    cmp "$T/want" <(knn --trust --hnsw "$T/r.idx" --query w1 "$T/r.txt")
    for cut in 0 5 8 63 64 100 $((size / 2)) $((size - 1)); do
        head -c "$cut" "$T/r.idx" > "$T/cut.idx"
        for trust in "" --trust; do
            run --separate-stderr -3 knn $trust --hnsw "$T/cut.idx" --query w1 "$T/r.txt"
            [ "${#stderr_lines[@]}" -eq 1 ]
            [[ "$stderr" == "knn: $T/cut.idx: "* ]]
            [ -z "$output" ]
        done
    done
    run --separate-stderr -3 knn --hnsw "$T/cut.idx" --query w1 "$T/r.txt"
    [ "$stderr" = "knn: $T/cut.idx: HNSW index truncated: $((size - 1)) bytes, its header says $size" ]
    for at in 3 20 40 70 1000 $((size / 2)) $((size - 2)); do
        cp "$T/r.idx" "$T/bad.idx"
        printf '\x7f' | dd of="$T/bad.idx" bs=1 seek="$at" conv=notrunc status=none
        run --separate-stderr -3 knn --hnsw "$T/bad.idx" --query w1 "$T/r.txt"
        [ "${#stderr_lines[@]}" -eq 1 ]
        run --separate-stderr knn --trust --hnsw "$T/bad.idx" --query w1 "$T/r.txt"
        [ "$status" -eq 0 ] || [ "$status" -eq 3 ]
    done
    run --separate-stderr -3 knn --hnsw "$T/bad.idx" --query w1 "$T/r.txt"
    [ "$stderr" = "knn: $T/bad.idx: HNSW index: checksum mismatch (a modified file)" ]
    head -c "$size" /dev/urandom > "$T/rnd.idx"
    printf 'WPHNSW03' | dd of="$T/rnd.idx" conv=notrunc status=none
    run --separate-stderr -3 knn --trust --hnsw "$T/rnd.idx" --query w1 "$T/r.txt"
    [ "$stderr" = "knn: $T/rnd.idx: HNSW index header check failed" ]
    printf 'WPHNSW02' | dd of="$T/bad.idx" conv=notrunc status=none
    run --separate-stderr -3 knn --hnsw "$T/bad.idx" --query w1 "$T/r.txt"
    [ "$stderr" = "knn: $T/bad.idx: an HNSW index of format 02 (read into memory; this knn maps format 03): remove it to build one" ]
    mkdir "$T/dir.idx"
    run --separate-stderr -3 knn --hnsw "$T/dir.idx" --query w1 "$T/r.txt"
    [ "$stderr" = "knn: $T/dir.idx: an HNSW index must be a regular file (it is mapped)" ]
}

@test "knn: --convert stream imports word2vec text into a vectors stream that reads back the same" {
    printf '3 2\nthe 0.5 1\ncat -1 2.25\nsat 3 0\n' > "$BATS_TEST_TMPDIR/v.txt"
    run --separate-stderr knn --convert stream -o "$BATS_TEST_TMPDIR/v.rec" "$BATS_TEST_TMPDIR/v.txt"
    assert_success
    run --separate-stderr wpcat --stat "$BATS_TEST_TMPDIR/v.rec"
    assert_line $'kind\tvectors'
    assert_line $'meta.dim\t2'
    run --separate-stderr bash -o pipefail -c 'knn --convert txt "$1" | cmp - "$2"' _ \
        "$BATS_TEST_TMPDIR/v.rec" <(printf '3 2\nthe 0.500000 1.000000 \ncat -1.000000 2.250000 \nsat 3.000000 0.000000 \n')
    assert_success
}

# ---- --map: PCA of chosen words ----
# p q r s: a 2 x 1 rectangle in the plane z = 5, centred at (2, 1.5, 5); a and b point the
# same way with different lengths, so cosine (unit rows) puts them on one spot.
map_vectors() {
    printf '6 3\np 1 1 5\nq 3 1 5\nr 1 2 5\ns 3 2 5\na 2 0 0\nb 0.5 0 0\n' > "$T/m.txt"
}

@test "knn: --map prints word, x, y with the wider axis first and distances kept" {
    map_vectors
    printf 'p q\nr\ts\n' > "$T/w"
    run --separate-stderr knn --metric dot --map "$T/w" "$T/m.txt"
    assert_success
    assert_output "$(printf 'p\t-1.000000\t-0.500000\nq\t1.000000\t-0.500000\nr\t-1.000000\t0.500000\ns\t1.000000\t0.500000')"
    [ -z "$stderr" ]
    # the diagonal p-s of the rectangle is sqrt(5) in 3-D and on the map
    echo "$output" | awk -F'\t' 'NF != 3 { exit 1 } { x[$1] = $2; y[$1] = $3 }
        END { d = sqrt((x["s"] - x["p"])^2 + (y["s"] - y["p"])^2); exit !(d > 2.236067 && d < 2.236069) }'
    # -v reports the shares: variances 1 and 0.25 of 1.25
    run --separate-stderr knn --verbose --metric dot --map "$T/w" "$T/m.txt"
    [ "$stderr" = "knn: map: 4 words; the two axes show 80.0% and 20.0% of their variance" ]
}

@test "knn: --map uses unit rows under cosine, raw rows with -m dot; -o writes the file" {
    map_vectors
    printf 'p a b\n' > "$T/w"
    knn --map "$T/w" -o "$T/cos.tsv" "$T/m.txt"
    [ "$(cut -f 2- "$T/cos.tsv" | sed -n 2p)" = "$(cut -f 2- "$T/cos.tsv" | sed -n 3p)" ]
    [ "$(cut -f 3 "$T/cos.tsv")" = "$(printf '0.000000\n0.000000\n0.000000')" ] # 2 points: a line
    run --separate-stderr knn --metric dot --map "$T/w" "$T/m.txt"
    [ "$(echo "$output" | sed -n 2p | cut -f 2-)" != "$(echo "$output" | sed -n 3p | cut -f 2-)" ]
    [ "${#lines[@]}" -eq 3 ]
}

@test "knn: --map skips unknown and repeated words and says how many; one word maps to 0 0" {
    map_vectors
    printf 'p zz q\np yy\n' > "$T/w"
    run --separate-stderr knn --metric dot --map "$T/w" "$T/m.txt"
    assert_success
    assert_output "$(printf 'p\t-1.000000\t0.000000\nq\t1.000000\t0.000000')"
    [ "$stderr" = "$(printf "knn: 'zz' not in vocabulary\nknn: 'yy' not in vocabulary\nknn: $T/w: 2 of 5 words not in the vectors, skipped\nknn: $T/w: 1 repeated word skipped")" ]
    run --separate-stderr bash -c 'echo s | knn --map - "$1"' _ "$T/m.txt"
    assert_success
    assert_output "$(printf 's\t0.000000\t0.000000')"
}

@test "knn: --map with an empty, missing or all-unknown words file fails naming it" {
    map_vectors
    : > "$T/empty"
    run --separate-stderr -3 knn --map "$T/empty" "$T/m.txt"
    [ "$stderr" = "knn: $T/empty: no words to map" ]
    [ -z "$output" ]
    run --separate-stderr -1 knn --map "$T/nope" "$T/m.txt"
    [ "$stderr" = "knn: $T/nope: No such file or directory" ]
    printf 'xx yy\n' > "$T/w"
    run --separate-stderr -3 knn --map "$T/w" "$T/m.txt"
    [ "${stderr##*$'\n'}" = "knn: $T/w: none of its words is in the vectors" ]
    run --separate-stderr -2 knn --map "$T/w" --query p "$T/m.txt"
    [[ "$stderr" == *"choose one of"*"--map"* ]]
    run --separate-stderr -2 knn --hnsw "$T/i" --map "$T/w" "$T/m.txt"
    run --separate-stderr -2 knn --map - - < "$T/m.txt"
    [ "$stderr" = "knn: the vectors and the --map words cannot both be stdin" ]
}

@test "knn: pipelines/plot-map.gp draws the --map output as a PNG" {
    command -v gnuplot >/dev/null || skip "gnuplot not installed"
    map_vectors
    printf 'p q r s\n' > "$T/w"
    knn --metric dot --map "$T/w" -o "$T/m.tsv" "$T/m.txt"
    run --separate-stderr gnuplot -e "mapfile='$T/m.tsv'; out='$T/m.png'; name='test'" \
        "$ROOT/pipelines/plot-map.gp"
    assert_success
    [ "$(head -c 4 "$T/m.png" | tail -c 3)" = "PNG" ]
}

@test "knn: a run that exits 3 leaves the -o file as it was, and --similarity prints no table" {
    for args in "--query zz" "--analogy $T/q1.txt" "--similarity $T/s1.txt"; do
        printf ': s\nzz yy xx ww\n' > "$T/q1.txt"
        printf 'man woman 1\nman zz 2\n' > "$T/s1.txt"
        echo precious > "$T/old.tsv"
        run --separate-stderr -3 knn $args -o "$T/old.tsv" "$T/an.txt"
        [ "$(cat "$T/old.tsv")" = precious ]
        [ -z "$(ls -A "$T" | grep '^\.old')" ]
    done
    echo precious > "$T/old.tsv"
    run --separate-stderr -3 bash -c 'echo "zz yy xx" | knn --analogies -o "$1" "$2"' _ "$T/old.tsv" "$T/an.txt"
    [ "$(cat "$T/old.tsv")" = precious ]
    run --separate-stderr -3 knn --similarity "$T/s1.txt" "$T/an.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: $T/s1.txt: fewer than 2 pairs with known words" ]
}

@test "knn --hnsw: '-' is refused (exit 2); an index that cannot be created fails before the build" {
    run --separate-stderr -2 knn --hnsw - --query a "$T/v.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: --hnsw -: the index is a file to map, not standard output" ]
    run --separate-stderr -1 knn --verbose --hnsw "$T/nodir/x.hnsw" --query a "$T/v.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: $T/nodir/x.hnsw: No such file or directory" ]
}

@test "knn: word2vec text or GloVe cut inside the last number (no final newline) exits 3" {
    head -c -2 "$T/v.txt" > "$T/cut.txt"
    run --separate-stderr -3 knn --query a "$T/cut.txt"
    [ "$stderr" = "knn: $T/cut.txt: line 6: file ends inside a line (no final newline)" ]
    tail -n +2 "$T/v.txt" | head -c -2 > "$T/cutg.txt"
    run --separate-stderr -3 knn --query a "$T/cutg.txt"
    [ "$stderr" = "knn: $T/cutg.txt: line 5: file ends inside a line (no final newline)" ]
}

@test "knn: a row whose squared norm overflows float is refused naming its word (text, binary)" {
    printf '3 2\na 1 0\nb 1e20 1e20\nc 1 1\n' > "$T/huge.txt"
    run --separate-stderr -3 knn --query b --metric l2 -k 3 "$T/huge.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: $T/huge.txt: 'b': vector too long (norm 1.41e+20, at most 9.22e+18: distances would overflow float)" ]
    tail -n +2 "$T/huge.txt" > "$T/huge.glove"
    run --separate-stderr -3 knn --query a "$T/huge.glove"
    [[ "$stderr" == "knn: $T/huge.glove: 'b': vector too long"* ]]
    # x = (1, 0), y = (3e38, 3e38)
    printf '2 2\nx \000\000\200\077\000\000\000\000\ny \246\256\141\177\246\256\141\177\n' > "$T/huge.bin"
    run --separate-stderr -3 knn --convert table -o "$T/huge.wpv" "$T/huge.bin"
    [[ "$stderr" == "knn: $T/huge.bin: 'y': vector too long (norm 4.24e+38"* ]]
    [ ! -e "$T/huge.wpv" ]
}

@test "knn: headed text whose first row has the wrong count or a bad value is read as text" {
    printf '3 1\na 1 0\nb 0 1\nc 1 1\n' > "$T/h1.txt"
    run --separate-stderr -3 knn --convert txt -o - "$T/h1.txt"
    [ -z "$output" ]
    [ "$stderr" = "knn: $T/h1.txt: line 2: wrong dimension: expected 1 values, got 2" ]
    (echo "5 2"; tail -n +2 "$T/v.txt") > "$T/h2.txt"
    run --separate-stderr -3 knn --query a "$T/h2.txt"
    [ "$stderr" = "knn: $T/h2.txt: line 2: wrong dimension: expected 2 values, got 3" ]
    printf '2 2\nnew york 1 0\nb 0 1\n' > "$T/h3.txt"
    run --separate-stderr -3 knn --query b "$T/h3.txt"
    [ "$stderr" = "knn: $T/h3.txt: line 2: value 1 is not a number: 'york'" ]
    printf '2 2\na 1,5 0\nb 0 1\n' > "$T/h4.txt"
    run --separate-stderr -3 knn --query b "$T/h4.txt"
    [ "$stderr" = "knn: $T/h4.txt: line 2: value 1 is not a number: '1,5'" ]
}

@test "knn: a UTF-8 byte-order mark is skipped at the start of vectors, question files and stdin" {
    knn --query a -k 2 "$T/v.txt" > "$T/want.tsv"
    { printf '\357\273\277'; cat "$T/v.txt"; } > "$T/bom.txt"
    run --separate-stderr knn --query a -k 2 "$T/bom.txt"
    assert_success
    [ "$output" = "$(cat "$T/want.tsv")" ]
    { printf '\357\273\277'; tail -n +2 "$T/v.txt"; } > "$T/bom.glove"
    run --separate-stderr knn --query a -k 2 "$T/bom.glove"
    [ "$output" = "$(cat "$T/want.tsv")" ]
    run --separate-stderr bash -c 'printf "\357\273\277a\n" | knn -k 2 "$1"' _ "$T/v.txt"
    assert_success
    [ "$output" = "$(cat "$T/want.tsv")" ]
    [ -z "$stderr" ]
    { printf '\357\273\277'; cat "$T/q.txt"; } > "$T/bomq.txt"
    run --separate-stderr knn --analogy "$T/bomq.txt" "$T/an.txt"
    assert_success
    assert_line $'total\t3\t4\t1\t0.750000'
    printf '\357\273\277man woman 1\nking queen 5\nman king 7.5\n' > "$T/boms.txt"
    run --separate-stderr knn --similarity "$T/boms.txt" "$T/an.txt"
    assert_success
    assert_line $'found\t3'
    run --separate-stderr bash -c 'printf "\357\273\277man woman king\n" | knn --analogies -k 1 "$1"' _ "$T/an.txt"
    assert_success
    assert_output --partial $'man woman king\t1\tqueen\t'
    [ -z "$stderr" ]
}

@test "knn: malformed similarity and analogy lines are counted, so coverage and skips are honest" {
    printf 'man woman 1\nking queen 5\nman king 7.5\nman\tqueen\tx\n' > "$T/ms.txt"
    run --separate-stderr knn --similarity "$T/ms.txt" "$T/an.txt"
    assert_success
    assert_line --index 2 $'pairs\t4'
    assert_line --index 3 $'found\t3'
    assert_line --index 4 $'oov\t0'
    assert_line --index 5 $'malformed\t1'
    assert_line --index 6 $'coverage\t0.750000'
    [ "$stderr" = "knn: $T/ms.txt: 1 line not \"word word score\" skipped (first: line 4)" ]
    printf ': s\nman woman king\nman woman king queen\n' > "$T/short.txt"
    run --separate-stderr knn --analogy "$T/short.txt" "$T/an.txt"
    assert_success
    assert_line $'s\t1\t1\t1\t1.000000'
    assert_line $'total\t1\t1\t1\t1.000000'
}
