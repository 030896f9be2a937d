#!/usr/bin/env bats
# phrases: learning and joining collocations, passes, tables (--learn, --apply), scoring,
# pruning, every flag and every bad input.

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    # 6 x 4 sentences, 144 tokens: new 30, york 30, times 18, the 12, is 12, the rest 6;
    # pairs: new york 30, york times 18, the new 12, the other 10 pairs 6 each
    for i in 1 2 3 4 5 6; do
        printf 'the new york times said so\nnew york is big\nwe read the new york times\n'
        printf 'new york times square is in new york\n'
    done > "$T/c.txt"
    tok -q -o "$T/c.tok" "$T/c.txt"
    printf 'i love new york times\nbig new york\n' | tok -q > "$T/shard.tok"
}

# words FILE: the token stream FILE as text, one sentence a line
words() { wpcat --lines "$1"; }

@test "phrases: -h prints the usage on stdout; a bad option prints it on stderr, exit 2" {
    run --separate-stderr phrases -h
    assert_success
    assert_output --partial "usage: phrases [-fhqV] [-M size]"
    run --separate-stderr -2 phrases --bogus
    assert_output ""
    [[ "$stderr" == *"usage: phrases"* ]]
}

@test "phrases: -V prints the version" {
    run --separate-stderr phrases -V
    assert_success
    assert_output --regexp '^phrases \(wordpipe\) [0-9]'
}

@test "phrases: learns and joins in one run over a file; -q prints nothing" {
    # score (count - 2) / (count(a) count(b)) * 144 above 10: said so, we read (16)
    run --separate-stderr bash -o pipefail -c 'phrases -q -m 2 --threshold 10 "$1" | wpcat --lines | head -n 4' _ "$T/c.tok"
    assert_success
    assert_equal "$stderr" ""
    assert_output "$(printf 'the new york times said_so\nnew york is big\nwe_read the new york times\nnew york times square is in new york')"
}

@test "phrases: the word2phrase score: a pair just above and just below --threshold" {
    # new york: (30 - 2) / 900 * 144 = 4.48; is big: (6 - 2) / 72 * 144 = 8
    run bash -o pipefail -c 'phrases -q -m 2 --threshold 4.47 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_line --index 1 "new_york is_big"
    run bash -o pipefail -c 'phrases -q -m 2 --threshold 4.49 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_line --index 1 "new york is_big"
    # --delta 0: 30 / 900 * 144 = 4.8
    run bash -o pipefail -c 'phrases -q -m 2 --delta 0 --threshold 4.79 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_line --index 1 "new_york is_big"
    run bash -o pipefail -c 'phrases -q -m 2 --delta 0 --threshold 4.81 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_line --index 1 "new york is_big"
}

@test "phrases: -m: pairs, and words, seen fewer times are never joined" {
    run bash -o pipefail -c 'phrases -q -m 31 --threshold 0 "$1" | wpcat --lines | grep -c _' _ "$T/c.tok"
    assert_output "0"
    # only new york is seen 30 times: (30 - 0) / 900 * 144 > 0, on every line
    run bash -o pipefail -c 'phrases -q --min-count 30 --delta 0 --threshold 0 "$1" | wpcat --lines | grep -c new_york' _ "$T/c.tok"
    assert_output "24"
    run bash -o pipefail -c 'phrases -q --min-count 30 --delta 0 --threshold 0 "$1" | wpcat --lines | grep -c _' _ "$T/c.tok"
    assert_output "24"
}

@test "phrases: --passes 2 joins the tokens joined by pass 1" {
    run --separate-stderr bash -o pipefail -c 'phrases -q -m 2 --threshold 1 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_output "$(printf 'the_new york_times said_so\nnew_york is_big')"
    run --separate-stderr bash -o pipefail -c 'phrases -q -m 2 --passes 2 --threshold 1 "$1" | wpcat --lines | head -n 2' _ "$T/c.tok"
    assert_success
    assert_output "$(printf 'the_new_york_times said_so\nnew_york_is_big')"
}

@test "phrases: a pipe is spooled: the same output as from the file" {
    phrases -q -m 2 --passes 2 -o "$T/file.tok" "$T/c.tok"
    run --separate-stderr bash -o pipefail -c 'cat "$1" | phrases -q -m 2 --passes 2 | wpcat --lines' _ "$T/c.tok"
    assert_success
    assert_output "$(words "$T/file.tok")"
    run --separate-stderr bash -o pipefail -c 'cat "$1" | env TMPDIR="$2" phrases -q -m 2 --threshold 10 - | wpcat --lines | head -n 1' _ "$T/c.tok" "$T"
    assert_output "the new york times said_so"
    run -1 --separate-stderr bash -c 'cat "$1" | env TMPDIR="$2/none" phrases -q -m 2 > /dev/null' _ "$T/c.tok" "$T"
    [[ "$stderr" == "phrases: $T/none/phrases."*"No such file or directory" ]]
}

@test "phrases: --learn writes a table, --apply joins it: the one-run output, and shards" {
    run --separate-stderr phrases -q --learn -m 2 --passes 2 --threshold 1 -o "$T/t.phr" "$T/c.tok"
    assert_success
    run wpcat "$T/t.phr"
    assert_line --index 0 $'new_york\t30'
    assert_line $'the_new_york_times\t12'
    run wpcat --stat "$T/t.phr"
    assert_line $'kind\tvocabulary'
    assert_line $'meta.phrase_passes\t2'
    assert_line --regexp $'^meta.phrase_pass_sizes\t[0-9]+,[0-9]+$'
    assert_line $'meta.phrase_scoring\tword2phrase'
    assert_line $'meta.phrase_min_count\t2'
    assert_line --regexp $'^meta.phrase_threshold\t1$'
    assert_line --regexp $'^meta.phrase_delta\t2$'
    assert_line $'meta.phrase_delimiter\t_'
    assert_line $'meta.total_tokens\t144'
    phrases -q -m 2 --passes 2 --threshold 1 -o "$T/one.tok" "$T/c.tok"
    run --separate-stderr bash -o pipefail -c 'phrases -q --apply "$1" "$2" | wpcat --lines' _ "$T/t.phr" "$T/c.tok"
    assert_success
    assert_output "$(words "$T/one.tok")"
    run --separate-stderr bash -o pipefail -c 'phrases -q --apply "$1" < "$2" | wpcat --lines' _ "$T/t.phr" "$T/shard.tok"
    # pass 1 joins new york (not york times: york is taken); pass 2 never saw new_york times
    assert_output "$(printf 'i love new_york times\nbig new_york')"
    # the settings may be repeated, equal
    run --separate-stderr phrases -q --apply "$T/t.phr" -m 2 --passes 2 --threshold 1 --delta 2 \
        --scoring word2phrase -o /dev/null "$T/shard.tok"
    assert_success
}

@test "phrases: the output stream keeps the input's metadata and adds the phrase settings" {
    run bash -o pipefail -c 'phrases -q -m 2 "$1" | wpcat --stat' _ "$T/c.tok"
    assert_line $'kind\ttokens'
    assert_line $'meta.source\t'"$T/c.txt"
    assert_line $'meta.phrase_passes\t1'
    assert_line $'meta.phrase_scoring\tword2phrase'
    assert_line $'meta.phrase_min_count\t2'
    assert_line $'meta.phrase_threshold\t100'
}

@test "phrases: --apply refuses a table learned with other settings, exit 3" {
    phrases -q --learn -m 2 --threshold 1 -o "$T/t.phr" "$T/c.tok"
    run -3 --separate-stderr phrases -q --apply "$T/t.phr" --threshold 2 "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/t.phr: learned with --threshold 1, not 2"
    run -3 --separate-stderr phrases -q --apply "$T/t.phr" -m 3 "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/t.phr: learned with -m 2, not 3"
    run -3 --separate-stderr phrases -q --apply "$T/t.phr" --passes 2 "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/t.phr: a table of 1 passes, not --passes 2"
    run -3 --separate-stderr phrases -q --apply "$T/t.phr" --scoring npmi "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/t.phr: learned with --scoring word2phrase, not npmi"
    run -3 --separate-stderr phrases -q --apply "$T/t.phr" --delta 0 "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/t.phr: learned with --delta 2, not 0"
}

@test "phrases: --apply: a missing table exits 1; a vocabulary, tokens or a bad table exit 3" {
    run -1 --separate-stderr phrases -q --apply "$T/missing.phr" "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/missing.phr: No such file or directory"
    vocab -q -o "$T/c.voc" "$T/c.tok"
    run -3 --separate-stderr phrases -q --apply "$T/c.voc" "$T/shard.tok"
    [[ "$stderr" == "phrases: $T/c.voc: not a phrase table"* ]]
    run -3 --separate-stderr phrases -q --apply "$T/c.tok" "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/c.tok: expected a vocabulary stream, got tokens"
    : > "$T/empty.phr"
    run -3 --separate-stderr phrases -q --apply "$T/empty.phr" "$T/shard.tok"
    assert_equal "$stderr" "phrases: $T/empty.phr: empty input, not a wordpipe stream"
    # two tables concatenated: twice the phrases its metadata lists
    phrases -q --learn -m 2 --threshold 1 -o "$T/t.phr" "$T/c.tok"
    cat "$T/t.phr" "$T/t.phr" > "$T/twice.phr"
    run -3 --separate-stderr phrases -q --apply "$T/twice.phr" "$T/shard.tok"
    [[ "$stderr" == "phrases: $T/twice.phr: the phrases do not match phrase_pass_sizes"* ]]
    head -c 60 "$T/t.phr" > "$T/cut.phr"
    run -3 --separate-stderr phrases -q --apply "$T/cut.phr" "$T/shard.tok"
    [[ "$stderr" == "phrases: $T/cut.phr: "* ]]
}

@test "phrases: bad inputs: another stream kind, text, zero bytes, truncated, exit 3 and no file" {
    vocab -q -o "$T/c.voc" "$T/c.tok"
    run -3 --separate-stderr phrases -q -o "$T/out" "$T/c.voc"
    assert_equal "$stderr" "phrases: $T/c.voc: expected a tokens stream, got vocabulary"
    [ ! -e "$T/out" ]
    run -3 --separate-stderr phrases -q -o "$T/out" "$T/c.txt"
    [[ "$stderr" == "phrases: $T/c.txt: "*"not a wordpipe stream"* ]]
    run -3 --separate-stderr bash -c 'phrases -q -o "$1" < /dev/null' _ "$T/out"
    assert_equal "$stderr" "phrases: <stdin>: empty input, not a wordpipe stream"
    head -c 100 "$T/c.tok" > "$T/cut.tok"
    run -3 --separate-stderr phrases -q --learn -o "$T/out" "$T/cut.tok"
    [[ "$stderr" == "phrases: $T/cut.tok: "* ]]
    [ ! -e "$T/out" ]
    run -1 --separate-stderr phrases -q -o "$T/out" "$T/missing.tok"
    assert_equal "$stderr" "phrases: $T/missing.tok: No such file or directory"
    [ -z "$(ls -A "$T" | grep '^\.out\.')" ]
}

@test "phrases: an empty token stream gives an empty stream and an empty table" {
    tok -q -o "$T/e.tok" /dev/null
    run bash -o pipefail -c 'phrases -q "$1" | wpcat --stat' _ "$T/e.tok"
    assert_success
    assert_line $'records\t0'
    run bash -o pipefail -c 'phrases -q --learn "$1" | wpcat --stat' _ "$T/e.tok"
    assert_success
    assert_line $'records\t0'
    assert_line $'meta.phrase_pass_sizes\t0'
    phrases -q --learn -o "$T/e.phr" "$T/e.tok"
    run bash -o pipefail -c 'phrases -q --apply "$1" "$2" | wpcat --lines' _ "$T/e.phr" "$T/shard.tok"
    assert_output "$(printf 'i love new york times\nbig new york')"
}

@test "phrases: several inputs are counted together and written as one stream" {
    run bash -o pipefail -c 'phrases -q -m 2 --threshold 4.3 "$1" "$2" | wpcat --lines | tail -n 2' _ "$T/c.tok" "$T/shard.tok"
    assert_output "$(printf 'i love new_york times\nbig new_york')"
    run -2 --separate-stderr phrases -q - - < "$T/c.tok"
    assert_equal "$stderr" "phrases: standard input given twice"
}

@test "phrases: --scoring npmi, its threshold range, and --delta refused with it" {
    run bash -o pipefail -c 'phrases -q -m 2 --scoring npmi --threshold 0.3 "$1" | wpcat --lines | sed -n 2p' _ "$T/c.tok"
    assert_output "new_york is_big"
    run bash -o pipefail -c 'phrases -q -m 2 --scoring npmi --learn "$1" | wpcat --stat' _ "$T/c.tok"
    assert_line $'meta.phrase_scoring\tnpmi'
    assert_line --regexp $'^meta.phrase_threshold\t0.5$'
    run -2 --separate-stderr phrases --scoring npmi --threshold 1.5 "$T/c.tok"
    assert_equal "$stderr" "phrases: --threshold 1.5: expected a number in [-1, 1]"
    run -2 --separate-stderr phrases --scoring npmi --delta 1 "$T/c.tok"
    [[ "$stderr" == "phrases: --delta is word2phrase's discount"* ]]
    run -2 --separate-stderr phrases --scoring pmi "$T/c.tok"
    assert_equal "$stderr" "phrases: --scoring pmi: unknown value"
}

@test "phrases: bad numbers and bad combinations exit 2" {
    for bad in "-m 0" "-m x" "--passes 0" "--passes 17" "--threshold x" "--delta -1" \
               "-z 10" "-M 10K" "-M 1Q"; do
        run -2 --separate-stderr phrases $bad "$T/c.tok"
        [[ "$stderr" == "phrases: "* ]]
    done
    run -2 --separate-stderr phrases --learn --apply "$T/x" "$T/c.tok"
    assert_equal "$stderr" "phrases: --learn and --apply exclude each other"
    run -2 --separate-stderr phrases -M 4M --apply "$T/x" "$T/c.tok"
    assert_equal "$stderr" "phrases: -M bounds counting, which --apply does not do"
}

@test "phrases: -M bounds the pair table: pruned, said to be approximate" {
    need_data enwiki-text8style.gz
    gzip -dc "$DATA/enwiki-text8style.gz" | head -c 3000000 | tok -q -o "$T/big.tok" || true
    run --separate-stderr phrases --learn -M 1M -o "$T/m.phr" "$T/big.tok"
    assert_success
    [[ "$stderr" == *"approximate: -M pruned pairs seen up to "*" times"* ]]
    phrases -q --learn -o "$T/x.phr" "$T/big.tok"
    # the pairs kept are the frequent ones: most phrases survive
    exact=$(wpcat "$T/x.phr" | wc -l)
    bounded=$(wpcat "$T/m.phr" | wc -l)
    [ "$bounded" -le "$exact" ] && [ "$bounded" -ge $((exact / 2)) ]
    run --separate-stderr phrases --learn --memory 64M -o /dev/null "$T/big.tok"
    [[ "$stderr" != *approximate* ]]
}

@test "phrases: progress on stderr unless -q; -z 0 writes stored blocks" {
    run --separate-stderr env WP_PROGRESS_INTERVAL=0 phrases -m 2 -o "$T/o.tok" "$T/c.tok"
    assert_success
    [[ "$stderr" == *"(pass 1/1: counting)"* ]]
    # counting knows no token total yet: the percent is of the input's bytes
    grep -Eq '^phrases: +[0-9.]+% .* tokens/s ETA [0-9:]+ \(pass 1/1: counting\)' <<< "$stderr"
    [[ "$stderr" == *"phrases: pass 1: "*" phrases from 144 tokens"* ]]
    [[ "$stderr" == *"144 tokens in, "*" out"* ]]
    run --separate-stderr phrases -q -z 0 --level 0 -m 2 -o "$T/z.tok" "$T/c.tok"
    assert_success
    assert_equal "$(words "$T/z.tok")" "$(words "$T/o.tok")"
    [ "$(stat -c %s "$T/z.tok")" -gt "$(stat -c %s "$T/o.tok")" ]
}

@test "phrases refuses to write a stream to a terminal without -f" {
    [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 not installed"
    run pty_run phrases -q "$T/c.tok"
    [[ "$output" == *"refusing to write a binary stream to a terminal"* ]]
    [[ "$output" == *"exit=2"* ]]
    run pty_run phrases -q --force --learn "$T/c.tok"
    [[ "$output" == *"exit=0"* ]]
}

@test "phrases: the same phrases and output as gensim Phrases on a corpus slice" {
    need_data enwiki-text8style.gz
    /usr/bin/python3 -c 'import gensim' 2>/dev/null || skip "gensim not installed"
    gzip -dc "$DATA/enwiki-text8style.gz" | head -c 1000000 | tok -q --max-sentence 100 -o "$T/s.tok" || true
    wpcat --lines "$T/s.tok" > "$T/s.txt"
    for sc in "word2phrase 10" "npmi 0.5"; do
        set -- $sc
        phrases -q -m 3 --scoring "$1" --threshold "$2" -o "$T/w.tok" "$T/s.tok"
        phrases -q --learn -m 3 --scoring "$1" --threshold "$2" -o "$T/w.phr" "$T/s.tok"
        /usr/bin/python3 "$ROOT/bench/gensim_phrases.py" "$T/s.txt" "$T/g.txt" "$T/g.tsv" "$1" 3 "$2" 1
        [ "$(wpcat "$T/w.phr" | cut -f1 | sort)" = "$(cut -f1 "$T/g.tsv" | sort)" ]
        [ "$(wc -l < "$T/g.tsv")" -gt 10 ]
        cmp <(wpcat --lines "$T/w.tok") "$T/g.txt"
    done
}

@test "phrases: out of memory at any allocation size: exit 1, 'phrases: out of memory', no file" {
    [ -z "${WP_SANITIZED:-}" ] || skip "the sanitizers own malloc; failmalloc cannot be preloaded"
    FAILMALLOC=$BUILD_DIR/test/libfailmalloc.so
    [ -e "$FAILMALLOC" ] || skip "$FAILMALLOC not built (make check builds it)"
    phrases -q --learn -m 2 --threshold 1 -o "$T/t.phr" "$T/c.tok"
    mkdir -p "$T/out"
    for limit in 1048576 65536 16384 4096; do
        for args in "-m 2 --threshold 1" "--learn -m 2 --threshold 1" "--apply $T/t.phr"; do
            run env LD_PRELOAD="$FAILMALLOC" WP_FAILMALLOC_ABOVE=$limit phrases -q $args \
                -o "$T/out/x" "$T/c.tok"
            [ "$status" -eq 0 ] && { rm -f "$T/out/x"; continue; }
            [ "$status" -eq 1 ] || { echo "limit $limit, $args: exit $status: $output"; return 1; }
            [ "${lines[-1]}" = "phrases: out of memory" ] || { echo "got: $output"; return 1; }
            [ -z "$(ls -A "$T/out")" ]
        done
    done
}

@test "phrases: make phrases on a slice writes the report; a second run remakes nothing" {
    need_data enwiki-text8style.gz
    need_data questions-phrases.txt
    need_data questions-words.txt
    pm() {
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" --no-print-directory \
            BUILD="$BUILD_DIR" DATA="$DATA" RUNS="$T/runs" PH_WORDS=50000 PH_EPOCHS=1 \
            PH_DIM=20 PH_W2V_MIN=2 PH_THREADS=1 PH_MIN=3 PH_THRESHOLD=20 "$@"
    }
    run --separate-stderr pm phrases
    assert_success
    for f in plain.tok table.phr phrased.tok plain.vec phrased.vec plain.phrase-analogy.tsv \
             phrased.phrase-all-analogy.tsv phrased.word-analogy.tsv report.md; do
        [ -s "$T/runs/phrases/$f" ] || fail "$f missing or empty"
    done
    grep -q '^| plain | 0 | 0.00% | 0 | ' "$T/runs/phrases/report.md"
    grep -Eq '^\| phrased \| [0-9]+ \+ [0-9]+ \| [0-9.]+% \| [0-9]+ \| ' "$T/runs/phrases/report.md"
    before=$(find "$T/runs" -type f -printf '%P %T@\n' | sort)
    run --separate-stderr pm phrases
    assert_success
    assert_equal "$(find "$T/runs" -type f -printf '%P %T@\n' | sort)" "$before"
    # a new threshold remakes the table and what follows, not the tokens
    run --separate-stderr pm phrases PH_THRESHOLD=30
    assert_success
    [ "$(stat -c %Y "$T/runs/phrases/plain.tok")" = "$(echo "$before" | awk '$1 == "phrases/plain.tok" { printf "%d", $2 }')" ]
}
