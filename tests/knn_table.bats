#!/usr/bin/env bats
# knn and embed over vector tables (wordpipe(5) "Vector tables"): conversions both ways,
# the same answers as the other formats, int8 search, and every truncated or modified
# file refused with one line and exit 3.

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    printf '5 3\na 1 0 0\nb 0.9 0.1 0\nc 0 1 0\nd 0 0 1\ne -1 0 0\n' > "$T/v.txt"
    # 300 words x 20 dims of fixed pseudo-random values (an LCG), for int8 and corruption
    awk 'BEGIN { s = 12345; print 300, 20
        for (i = 0; i < 300; i++) { line = "w" i
            for (j = 0; j < 20; j++) { s = (s * 1103515245 + 12345) % 2147483648
                line = line " " sprintf("%.6f", s / 1073741824 - 1) }
            print line } }' > "$T/r.txt"
}

@test "knn --convert table: txt, bin, stream and fastText .vec in; txt, bin, stream out, unchanged" {
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    knn --convert bin -o "$T/v.bin" "$T/v.txt"
    knn --convert stream -o "$T/v.rec" "$T/v.txt"
    knn --convert table -o "$T/from-bin.wpv" "$T/v.bin"
    knn --convert table -o "$T/from-rec.wpv" "$T/v.rec"
    sed 's/$/ /' "$T/v.txt" > "$T/v.vec" # fastText .vec: a trailing space on every line
    knn --convert table -o "$T/from-vec.wpv" "$T/v.vec"
    cmp "$T/v.wpv" "$T/from-bin.wpv"
    cmp "$T/v.wpv" "$T/from-rec.wpv"
    cmp "$T/v.wpv" "$T/from-vec.wpv"
    knn --convert txt "$T/v.wpv" > "$T/back.txt"
    knn --convert txt "$T/v.txt" > "$T/ref.txt"
    cmp "$T/back.txt" "$T/ref.txt"
    knn --convert bin -o "$T/back.bin" "$T/v.wpv"
    cmp "$T/back.bin" "$T/v.bin"
    knn --convert stream -o "$T/back.rec" "$T/v.wpv"
    cmp <(wpcat "$T/back.rec") <(wpcat "$T/v.rec")
    knn --convert table -o "$T/again.wpv" "$T/v.wpv"
    cmp "$T/again.wpv" "$T/v.wpv"
}

@test "knn: a table answers --query, stdin, --all and every metric like its text file" {
    knn --convert table -o "$T/r.wpv" "$T/r.txt"
    for m in cos dot l2; do
        # neighbours identical; cosine scores may differ in the 6th decimal (norm division)
        cmp <(knn -k 5 --metric $m --query w3 --query w7 "$T/r.txt" | cut -f1-3) \
            <(knn -k 5 --metric $m --query w3 --query w7 "$T/r.wpv" | cut -f1-3)
        cmp <(seq 0 30 | sed 's/^/w/' | knn -k 3 --metric $m "$T/r.txt" | cut -f1-3) \
            <(seq 0 30 | sed 's/^/w/' | knn -k 3 --metric $m "$T/r.wpv" | cut -f1-3)
        cmp <(knn -k 3 -x --all --metric $m "$T/r.txt" | cut -f1-3) \
            <(knn -k 3 -x --all --metric $m "$T/r.wpv" | cut -f1-3)
    done
    run --separate-stderr knn --query b -k 2 "$T/v.txt"
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    run --separate-stderr knn --query b -k 2 --trust "$T/v.wpv"
    assert_output "$(printf 'b\t1\tb\t1.000000\nb\t2\ta\t0.993884')"
    run --separate-stderr knn --input-format table --query zz "$T/v.wpv"
    [ "$status" -eq 3 ]
    [ "$stderr" = "knn: 'zz' not in vocabulary" ]
}

@test "knn: other modes (analogies, --map, --hnsw, --query-vectors) also read tables" {
    knn --convert table -o "$T/r.wpv" "$T/r.txt"
    cmp <(knn --map <(echo w1 w2 w3 w4) "$T/r.txt") <(knn --map <(echo w1 w2 w3 w4) "$T/r.wpv")
    cmp <(echo "w1 w2 w3" | knn --analogies -k 3 "$T/r.txt") \
        <(echo "w1 w2 w3" | knn --analogies -k 3 "$T/r.wpv")
    # the table's rows are searched in place (raw rows divided by their norms): the same
    # neighbours, cosines may differ in the 6th decimal; one index serves both files (their
    # floats have the same fingerprint). Indexes built on one thread: a build on several
    # inserts in an order the scheduler picks, and two such graphs may rank near-ties apart.
    cmp <(knn -t 1 --hnsw "$T/h1" --query w5 "$T/r.txt" | cut -f1-3) \
        <(knn -t 1 --hnsw "$T/h2" --query w5 "$T/r.wpv" | cut -f1-3)
    cmp <(knn -t 1 --hnsw "$T/h1" --query w5 "$T/r.wpv" | cut -f1-3) \
        <(knn -t 1 --hnsw "$T/h2" --query w5 "$T/r.txt" | cut -f1-3)
    # an int8-only table keeps the fingerprint of the floats it was made from: an index
    # built over its decoded rows serves them too; other vectors are refused
    knn --convert int8 -o "$T/r8.wpv" "$T/r.txt"
    knn --hnsw "$T/h8" --query w5 "$T/r8.wpv" > /dev/null
    knn --hnsw "$T/h8" --query w5 "$T/r.wpv" > /dev/null
    sed '2s/ [^ ]*$/ 0.5/' "$T/r.txt" > "$T/r2.txt"
    knn --convert table -o "$T/r2.wpv" "$T/r2.txt"
    run --separate-stderr -3 knn --hnsw "$T/h8" --query w5 "$T/r2.wpv"
    [ "$stderr" = "knn: $T/h8: HNSW index built over other vectors (their fingerprint differs): remove it to build one for these" ]
}

@test "embed --vectors reads a table in place, and int8-only tables decoded" {
    knn --convert table -o "$T/r.wpv" "$T/r.txt"
    printf 'w1 w2 zz w299\n' | tok > "$T/t.rec"
    cmp <(embed --vectors "$T/r.txt" --oov zero "$T/t.rec" | wpcat) \
        <(embed --vectors "$T/r.wpv" --oov zero "$T/t.rec" | wpcat)
    cmp <(embed --vectors "$T/r.wpv" --export txt) <(knn --convert txt "$T/r.txt")
    knn --convert int8 -o "$T/r8.wpv" "$T/r.txt"
    run --separate-stderr bash -o pipefail -c 'embed --vectors "$1" "$2" | wpcat' _ "$T/r8.wpv" "$T/t.rec"
    assert_success
    [ "${#lines[@]}" -eq 3 ]
}

@test "knn --int8: sizes, the same neighbours as float search here, scores rescored in float" {
    knn --convert table -o "$T/f.wpv" "$T/r.txt"
    knn --convert table+int8 -o "$T/f8.wpv" "$T/r.txt"
    knn --convert int8 -o "$T/8.wpv" "$T/r.txt"
    # 300 x 20: floats 24000 bytes, codes 6000 (+ 160 of ranges): the int8-only file is smaller
    [ "$(stat -c %s "$T/8.wpv")" -lt "$(( $(stat -c %s "$T/f.wpv") - 17000 ))" ]
    [ "$(stat -c %s "$T/f8.wpv")" -gt "$(( $(stat -c %s "$T/f.wpv") + 5000 ))" ]
    seq 0 50 | sed 's/^/w/' > "$T/q"
    knn -k 10 --single "$T/f.wpv" < "$T/q" > "$T/exact"
    # rerank from the floats: the float search's neighbours and scores (summation order
    # aside: within 1e-6)
    knn -k 10 --int8 "$T/f8.wpv" < "$T/q" > "$T/int8"
    knn -k 10 --int8 --single "$T/f8.wpv" < "$T/q" | cmp - "$T/int8"
    cmp <(cut -f1-3 "$T/exact") <(cut -f1-3 "$T/int8")
    paste "$T/exact" "$T/int8" | awk -F'\t' '{ d = $4 - $8; if (d > 1e-6 || d < -1e-6) exit 1 }'
    knn -k 10 -x --all --int8 "$T/f8.wpv" | cut -f1-3 > "$T/all8"
    knn -k 10 -x --all "$T/f.wpv" | cut -f1-3 | cmp - "$T/all8"
    # int8 only: decoded rows; recall@10 on these random rows stays high
    knn -k 10 "$T/8.wpv" < "$T/q" > "$T/only8"
    same=$(join -j1 <(cut -f1,3 "$T/exact" | tr '\t' '_' | sort) <(cut -f1,3 "$T/only8" | tr '\t' '_' | sort) | wc -l)
    [ "$same" -ge 480 ] # of 510
}

@test "knn: a truncated table exits 3 with one line, at any cut" {
    knn --convert table+int8 -o "$T/r.wpv" "$T/r.txt"
    size=$(stat -c %s "$T/r.wpv")
    for cut in 0 7 8 64 127 128 129 1000 $((size / 2)) $((size - 1)); do
        head -c "$cut" "$T/r.wpv" > "$T/cut.wpv"
        for trust in "" --trust; do
            run --separate-stderr -3 knn $trust --input-format table --query w1 "$T/cut.wpv"
            [ "${#stderr_lines[@]}" -eq 1 ]
            [[ "$stderr" == "knn: $T/cut.wpv: "* ]]
            [ -z "$output" ]
        done
    done
    head -c $((size - 1)) "$T/r.wpv" > "$T/cut.wpv"
    run --separate-stderr -3 knn --query w1 "$T/cut.wpv"
    [ "$stderr" = "knn: $T/cut.wpv: vector table truncated: $((size - 1)) bytes, its header says $size" ]
}

@test "knn: a flipped byte is a checksum error (exit 3); --trust skips the sums, never crashes" {
    knn --convert table+int8 -o "$T/r.wpv" "$T/r.txt"
    size=$(stat -c %s "$T/r.wpv")
    for at in 3 20 130 2000 30000 $((size - 500)) $((size - 2)); do
        cp "$T/r.wpv" "$T/bad.wpv"
        printf '\x7f' | dd of="$T/bad.wpv" bs=1 seek="$at" conv=notrunc status=none
        run --separate-stderr -3 knn --query w1 "$T/bad.wpv"
        [ "${#stderr_lines[@]}" -eq 1 ]
        run --separate-stderr knn --trust --int8 --query w1 "$T/bad.wpv"
        [ "$status" -eq 0 ] || [ "$status" -eq 3 ]
    done
    cp "$T/r.wpv" "$T/bad.wpv"
    printf '\x7f' | dd of="$T/bad.wpv" bs=1 seek=30000 conv=notrunc status=none
    run --separate-stderr -3 knn --query w1 "$T/bad.wpv"
    [[ "$stderr" == "knn: $T/bad.wpv: vector table: "*" checksum mismatch" ]]
    run --separate-stderr knn --trust --query w1 -k 1 "$T/bad.wpv"
    assert_success
}

@test "knn: a table on a pipe is refused (it is mapped) with exit 3" {
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    run --separate-stderr -3 bash -c 'cat "$1" | knn --input-format table --query a -' _ "$T/v.wpv"
    [[ "$stderr" == *"must be a regular file"* ]]
}

@test "knn: bad values of the new flags exit 2" {
    knn --convert table+int8 -o "$T/v8.wpv" "$T/v.txt"
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    for bad in 0 -1 x 1000001 ""; do
        run --separate-stderr -2 knn --int8 --rerank "$bad" --query a "$T/v8.wpv"
        [[ "$stderr" == "knn: --rerank "* ]]
    done
    run --separate-stderr -2 knn --convert tables "$T/v.txt"
    run --separate-stderr -2 knn --input-format tab --query a "$T/v.wpv"
    run --separate-stderr -2 knn --int8 --query a "$T/v.wpv"
    [[ "$stderr" == *"--int8 needs a vector table with int8 codes"* ]]
    run --separate-stderr -2 knn --int8 --query a "$T/v.txt"
    run --separate-stderr -2 knn --int8 --hnsw "$T/h" --query a "$T/v8.wpv"
    run --separate-stderr -2 knn --trust=1 --query a "$T/v.wpv"
    run --separate-stderr -2 knn --int8=1 --query a "$T/v8.wpv"
    run --separate-stderr -1 knn --convert table -o /nonexistent/dir/x "$T/v.txt"
}

@test "knn: a table storing an infinite squared norm (made before the bound) is refused (exit 3)" {
    knn --convert table -o "$T/v.wpv" "$T/v.txt"
    # the norms section: 5 norms from byte 128, then 5 squared norms; row 1 ('b') set to +inf
    printf '\000\000\200\177' | dd of="$T/v.wpv" bs=1 seek=$((128 + 4 * 5 + 4)) conv=notrunc status=none
    run --separate-stderr -3 knn --trust --query a "$T/v.wpv"
    [ "$stderr" = "knn: $T/v.wpv: 'b': vector too long (norm inf, at most 9.22e+18: distances would overflow float)" ]
}
