#!/usr/bin/env bats
# w2v-train: every flag, a corpus whose answer is known, determinism, checkpoints and
# resume, vocabulary checks, atomic output.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    # Two topics that never meet: words of one topic only co-occur with each other
    # (and with shared filler words), so each word's nearest neighbour is in its topic.
    awk 'BEGIN { srand(7);
        split("apple banana cherry grape", A); split("xray yankee zulu quebec", B);
        split("the of and in to is", F);
        for (s = 0; s < 600; s++) {
            line = "";
            for (i = 0; i < 8; i++) {
                r = int(rand() * 10);
                if (r < 3) w = F[1 + int(rand() * 6)];
                else w = (s % 2 ? A[1 + int(rand() * 4)] : B[1 + int(rand() * 4)]);
                line = line (i ? " " : "") w;
            }
            print line;
        } }' > "$T/c.txt"
    tok -q "$T/c.txt" > "$T/c.tok"
    vocab -m 1 "$T/c.tok" > "$T/c.voc"
}

train() {
    w2v-train -q -v "$T/c.voc" --seed 3 -t 1 "$@"
}

# topics_separate VECTORS: one vector per word, and each topic's words nearest each other
topics_separate() {
    wpcat "$1" > "$T/v.txt"
    [ "$(wc -l < "$T/v.txt")" -eq "$(wpcat "$T/c.voc" | wc -l)" ]
    [[ "apple banana cherry grape" == *"$(nearest "$T/v.txt" apple)"* ]]
    [[ "xray yankee zulu quebec" == *"$(nearest "$T/v.txt" zulu)"* ]]
}

@test "w2v-train: -h prints usage on stdout and exits 0; a bad option exits 2" {
    run --separate-stderr w2v-train -h
    assert_success
    [[ "$output" == "usage: w2v-train "* ]]
    run --separate-stderr -2 w2v-train --no-such-flag
    [[ "${stderr_lines[-1]}" == *"-v vocab [file | --mpi file ...]" ]]
    run --separate-stderr w2v-train -V
    assert_success
    [[ "$output" == *"wordpipe"* ]]
}

@test "w2v-train: skip-gram puts words that always co-occur nearest each other" {
    run --separate-stderr train -d 16 -w 3 -e 10 -s 0 -o "$T/v.wp" "$T/c.tok"
    assert_success
    topics_separate "$T/v.wp"
}

@test "w2v-train: CBOW (mean and --cbow-sum) and --hs -n 0 learn the topics too" {
    for flags in "--cbow" "--cbow-sum" "--hs -n 0" "--hs --cbow -n 0" "--shared-negatives"; do
        train $flags -d 16 -w 3 -e 10 -s 0 -o "$T/v.wp" "$T/c.tok"
        wpcat "$T/v.wp" > "$T/v.txt"
        [[ "apple banana cherry grape" == *"$(nearest "$T/v.txt" banana)"* ]] || { echo "$flags"; false; }
        [[ "xray yankee zulu quebec" == *"$(nearest "$T/v.txt" yankee)"* ]] || { echo "$flags"; false; }
    done
}

@test "w2v-train: the last of --sg, --cbow, --cbow-sum wins whole" {
    train -d 8 -e 1 --sg -o "$T/sg.wp" "$T/c.tok"
    train -d 8 -e 1 --cbow -o "$T/cbow.wp" "$T/c.tok"
    train -d 8 -e 1 --cbow-sum -o "$T/sum.wp" "$T/c.tok"
    train -d 8 -e 1 --cbow-sum --sg -o "$T/x.wp" "$T/c.tok"
    cmp "$T/sg.wp" "$T/x.wp"
    train -d 8 -e 1 --cbow-sum --cbow -o "$T/x.wp" "$T/c.tok"
    cmp "$T/cbow.wp" "$T/x.wp"
    train -d 8 -e 1 --sg --cbow --cbow-sum -o "$T/x.wp" "$T/c.tok"
    cmp "$T/sum.wp" "$T/x.wp"
}

@test "w2v-train: one thread and a seed give the same bytes; another seed does not" {
    train -d 8 -e 2 -o "$T/a.wp" "$T/c.tok"
    train -d 8 -e 2 -o "$T/b.wp" "$T/c.tok"
    cmp "$T/a.wp" "$T/b.wp"
    w2v-train -q -v "$T/c.voc" --seed 4 -t 1 -d 8 -e 2 -o "$T/c.wp" "$T/c.tok"
    ! cmp -s "$T/a.wp" "$T/c.wp"
}

# many_chunks: a 200,000-word corpus in $T/m.tok (vocabulary $T/m.voc), several chunks of
# input per pass, so that every thread of a run gets work
many_chunks() {
    awk 'BEGIN { srand(5); for (s = 0; s < 25000; s++) { l = "";
        for (i = 0; i < 8; i++) l = l (i ? " " : "") "w" int(rand() * rand() * 400); print l } }' |
        tok -q > "$T/m.tok"
    vocab -q -m 1 "$T/m.tok" > "$T/m.voc"
}

@test "w2v-train: --deterministic: 2 and 3 threads give the same bytes every run, in every mode" {
    many_chunks
    for flags in "" "--cbow" "--hs -n 0" "--exact-updates"; do
        for t in 2 3; do
            for i in 1 2 3; do
                w2v-train -q -v "$T/m.voc" $flags -d 16 -e 2 -t $t --seed 3 --deterministic \
                    --sync-words 15000 -o "$T/d$i.wp" "$T/m.tok"
            done
            cmp "$T/d1.wp" "$T/d2.wp" && cmp "$T/d1.wp" "$T/d3.wp" || { echo "$flags -t $t"; false; }
        done
    done
    # another merge schedule is another (still reproducible) model
    w2v-train -q -v "$T/m.voc" -d 16 -e 2 -t 3 --seed 3 --deterministic --sync-words 40000 \
        --exact-updates -o "$T/s.wp" "$T/m.tok"
    ! cmp -s "$T/d1.wp" "$T/s.wp"
    # one thread is deterministic already: the same bytes as without the flag
    w2v-train -q -v "$T/m.voc" -d 16 -e 2 -t 1 --seed 3 --deterministic -o "$T/o1.wp" "$T/m.tok"
    w2v-train -q -v "$T/m.voc" -d 16 -e 2 -t 1 --seed 3 -o "$T/o2.wp" "$T/m.tok"
    cmp "$T/o1.wp" "$T/o2.wp"
}

@test "w2v-train: --deterministic learns what Hogwild threads learn (topics), from windows too" {
    run --separate-stderr train -t 2 --deterministic --sync-words 1000 -d 16 -e 20 \
        -o "$T/v.wp" "$T/c.tok"
    assert_success
    wpcat "$T/v.wp" > "$T/v.txt"
    [ "$(nearest "$T/v.txt" apple)" != "" ]
    case $(nearest "$T/v.txt" apple) in banana|cherry|grape) ;; *) false ;; esac
    case $(nearest "$T/v.txt" xray) in yankee|zulu|quebec) ;; *) false ;; esac
    many_chunks
    pairs -q -v "$T/m.voc" -e 2 --seed 3 -o "$T/m.win" "$T/m.tok"
    for i in 1 2; do
        w2v-train -q -v "$T/m.voc" -d 16 -t 2 --seed 3 --deterministic --sync-words 15000 \
            -o "$T/w$i.wp" "$T/m.win"
    done
    cmp "$T/w1.wp" "$T/w2.wp"
}

@test "w2v-train: --deterministic checkpoints at a merge; the resumed run ends with the same bytes" {
    many_chunks
    w2v-train -q -v "$T/m.voc" -d 16 -e 2 -t 2 --seed 3 --deterministic --sync-words 15000 \
        -o "$T/full.wp" "$T/m.tok"
    w2v-train -q -v "$T/m.voc" -d 16 -e 2 -t 2 --seed 3 --deterministic --sync-words 15000 \
        --checkpoint "$T/ck" --checkpoint-every 250000w -o /dev/null "$T/m.tok"
    wpcat --stat "$T/ck" > "$T/ck.stat"
    grep -q $'^meta.deterministic\t1$' "$T/ck.stat"
    grep -q $'^meta.sync_words\t15000$' "$T/ck.stat"
    # the resumed run takes the threads and the merge schedule from the checkpoint
    run --separate-stderr w2v-train -q -v "$T/m.voc" --resume "$T/ck" -o "$T/res.wp" "$T/m.tok"
    assert_success
    cmp "$T/full.wp" "$T/res.wp"
}

@test "w2v-train: --sync-words needs --deterministic or --mpi, --merge needs --mpi (exit 2)" {
    run --separate-stderr train --sync-words 1000 -o "$T/x.wp" "$T/c.tok"
    assert_failure 2
    [[ $stderr == *"--sync-words needs --deterministic or --mpi"* ]]
    run --separate-stderr train --deterministic --merge sum -o "$T/x.wp" "$T/c.tok"
    assert_failure 2
    [[ $stderr == *"--merge needs --mpi"* ]]
    [ ! -e "$T/x.wp" ]
}

@test "w2v-train: skip-gram shares negatives by default; --shared-negatives says so, --exact-updates does not" {
    train -d 8 -e 2 -o "$T/default.wp" "$T/c.tok"
    train -d 8 -e 2 --shared-negatives -o "$T/shared.wp" "$T/c.tok"
    train -d 8 -e 2 --exact-updates -o "$T/exact.wp" "$T/c.tok"
    cmp "$T/default.wp" "$T/shared.wp"
    ! cmp -s "$T/default.wp" "$T/exact.wp"
    run -2 --separate-stderr train --hs --shared-negatives -o "$T/x.wp" "$T/c.tok"
    [[ $stderr == *"--shared-negatives is for negative sampling without --hs only"* ]]
    # shared negatives hold at most 63: above, the default is per-pair updates, never a cut
    train -d 8 -e 1 -n 70 -o "$T/n70.wp" "$T/c.tok"
    train -d 8 -e 1 -n 70 --exact-updates -o "$T/n70x.wp" "$T/c.tok"
    cmp "$T/n70.wp" "$T/n70x.wp"
    run -2 --separate-stderr train -n 64 --shared-negatives -o "$T/x.wp" "$T/c.tok"
    [[ $stderr == *"--shared-negatives takes at most 63 negatives, not -n 64"* ]]
    [ ! -e "$T/x.wp" ]
}

@test "w2v-train: CBOW batches windows with shared negatives by default; --exact-updates does not" {
    train --cbow -d 8 -e 2 -o "$T/default.wp" "$T/c.tok"
    train --cbow -d 8 -e 2 --shared-negatives -o "$T/shared.wp" "$T/c.tok"
    train --cbow -d 8 -e 2 --exact-updates -o "$T/exact.wp" "$T/c.tok"
    train --cbow -d 8 -e 2 -o "$T/again.wp" "$T/c.tok"
    cmp "$T/default.wp" "$T/shared.wp"
    cmp "$T/default.wp" "$T/again.wp" # one thread, one seed: the same bytes
    ! cmp -s "$T/default.wp" "$T/exact.wp"
    # --hs CBOW keeps per-window updates: --exact-updates changes nothing there
    train --cbow --hs -d 8 -e 2 -o "$T/hs.wp" "$T/c.tok"
    train --cbow --hs -d 8 -e 2 --exact-updates -o "$T/hs-exact.wp" "$T/c.tok"
    cmp "$T/hs.wp" "$T/hs-exact.wp"
}

@test "w2v-train: every model flag changes the result" {
    train -d 8 -e 2 -o "$T/base.wp" "$T/c.tok"
    for flags in "-a 0.05" "-w 2" "-s 1e-2" "-e 3" "-n 3" "--ns-power 0.5" "--exact-sigmoid" \
        "--fixed-window" "--hs" "--cbow" "--cbow-sum" "--exact-updates"; do
        train -d 8 -e 2 $flags -o "$T/x.wp" "$T/c.tok"
        ! cmp -s "$T/base.wp" "$T/x.wp" || { echo "no effect: $flags"; false; }
    done
}

@test "w2v-train: -d sets the dimension in the stream and in every row" {
    run --separate-stderr train -d 13 -e 1 -o "$T/v.wp" "$T/c.tok"
    assert_success
    run --separate-stderr wpcat --stat "$T/v.wp"
    assert_line --partial "dim"
    wpcat "$T/v.wp" | awk -F'\t' '{ if (split($2, x, " ") != 13) exit 1 }'
}

@test "w2v-train: reads stdin for several epochs (spooled) exactly as from a file" {
    train -d 8 -e 3 -o "$T/a.wp" "$T/c.tok"
    run --separate-stderr bash -o pipefail -c \
        'cat "$1" | w2v-train -q -v "$2" --seed 3 -t 1 -d 8 -e 3 -o "$3"' _ \
        "$T/c.tok" "$T/c.voc" "$T/b.wp"
    assert_success
    cmp "$T/a.wp" "$T/b.wp"
}

@test "w2v-train: windows from pairs give the model the token fast path gives (one thread)" {
    pairs -q -v "$T/c.voc" -e 3 --seed 5 "$T/c.tok" > "$T/c.win"
    train -d 8 --seed 5 -o "$T/a.wp" "$T/c.win"
    train -d 8 --seed 5 -e 3 -o "$T/b.wp" "$T/c.tok"
    cmp "$T/a.wp" "$T/b.wp"
    # a one-epoch pipe (estimated count on both sides), CBOW+hs, fixed window, -s
    run --separate-stderr bash -o pipefail -c '
        pairs -q -v "$1" -w 3 --fixed-window -s 1e-2 < "$2" |
            w2v-train -q -v "$1" --cbow --hs -d 8 -t 1 > "$3"
        w2v-train -q -v "$1" --cbow --hs -d 8 -t 1 -w 3 --fixed-window -s 1e-2 -e 1 \
            < "$2" > "$4"' _ "$T/c.voc" "$T/c.tok" "$T/p.wp" "$T/d.wp"
    assert_success
    cmp "$T/p.wp" "$T/d.wp"
}

@test "w2v-train: -e on a windows (or spans) stream must be a multiple of its epochs and re-reads it" {
    local spans
    for spans in "" --spans; do
        pairs -q -v "$T/c.voc" -e 2 $spans "$T/c.tok" > "$T/c.win"
        run --separate-stderr -2 train -e 3 "$T/c.win"
        [[ "$stderr" == *"-e 3: the stream holds 2 epochs"* ]]
        run --separate-stderr bash -o pipefail -c \
            'cat "$1" | w2v-train -q -v "$2" --seed 3 -t 1 -e 4 -d 8 -o "$3"' _ "$T/c.win" "$T/c.voc" "$T/a$spans.wp"
        assert_success
        train -e 4 -d 8 -o "$T/b.wp" "$T/c.win"
        cmp "$T/a$spans.wp" "$T/b.wp"
        train -e 2 -d 8 -o "$T/c.wp" "$T/c.win"
        ! cmp -s "$T/a$spans.wp" "$T/c.wp"
    done
    cmp "$T/a.wp" "$T/a--spans.wp" # the same windows: the same model
}

@test "w2v-train: windows keep pairs' -w, -s and --fixed-window: the same given passes, another exits 2" {
    pairs -q -v "$T/c.voc" -w 3 -s 0.01 "$T/c.tok" > "$T/c.win"
    run train -w 3 -s 0.01 -o "$T/a.wp" "$T/c.win"
    assert_success
    run --separate-stderr -2 train -w 10 -o "$T/x.wp" "$T/c.win"
    [ "$stderr" = "w2v-train: $T/c.win: -w gives 10, the stream 3 (windows keep what pairs drew them with: drop -w, or remake them with pairs)" ]
    run --separate-stderr -2 train -s 0.1 -o "$T/x.wp" "$T/c.win"
    [[ "$stderr" == "w2v-train: $T/c.win: -s gives 0.1, the stream 0.01 "* ]]
    run --separate-stderr -2 train --fixed-window -o "$T/x.wp" "$T/c.win"
    [[ "$stderr" == "w2v-train: $T/c.win: --fixed-window gives on, the stream off "* ]]
    [ ! -e "$T/x.wp" ]
}

@test "w2v-train: a windows stream made with another vocabulary exits 3" {
    printf 'some other words here\nand more of them\n' | tok -q > "$T/o.tok"
    vocab -m 1 "$T/o.tok" > "$T/o.voc"
    pairs -q -v "$T/o.voc" "$T/o.tok" > "$T/o.win"
    run --separate-stderr -3 train -o "$T/v.wp" "$T/o.win"
    [ "$stderr" = "w2v-train: $T/o.win: stream was made with another vocabulary" ]
    [ ! -e "$T/v.wp" ]
}

@test "w2v-train: a window of 1000 around long sentences trains finite vectors (contexts in groups)" {
    # 2000 contexts scored against the shared negatives at once summed 2000 gradients into
    # each target row: the vectors reached 1e16, then NaN, and the sigmoid table's index
    # went out of bounds (a crash)
    tr '\n' ' ' < "$T/c.txt" | tok -q > "$T/l.tok"
    run train -s 0 -w 1000 --fixed-window -e 1 --format txt -o "$T/l.vec" "$T/l.tok"
    assert_success
    awk 'NR > 1 { for (i = 2; i <= NF; i++) { x = $i < 0 ? -$i : $i; if (x > m) m = x } }
         END { exit !(m > 0 && m < 1) }' "$T/l.vec"
    # a window above 1000: refused by the options, and in a stream's header (exit 3)
    run -2 pairs -q -v "$T/c.voc" -w 1001 "$T/c.tok"
    [ "$output" = "pairs: -w 1001: expected an integer in [1, 1000]" ]
    pairs -q -v "$T/c.voc" -w 1000 "$T/c.tok" > "$T/w.win"
    /usr/bin/python3 "$BATS_TEST_DIRNAME/wpmeta.py" window=1001 < "$T/w.win" > "$T/w1001.win"
    run --separate-stderr -3 train -o "$T/v.wp" "$T/w1001.win"
    [ "$stderr" = "w2v-train: $T/w1001.win: window 1001 is above the 1000 w2v-train takes" ]
    [ ! -e "$T/v.wp" ]
}

@test "w2v-train: training that diverges writes no model and exits 3" {
    echo previous > "$T/v.wp"
    for mode in --sg --cbow; do
        run --separate-stderr -3 train "$mode" -a 10 -o "$T/v.wp" "$T/c.tok"
        [[ "$stderr" == "w2v-train: $T/c.tok: training diverged: "*" vectors hold a NaN or an infinity, no model written (a smaller -a?)" ]]
        [ "$(cat "$T/v.wp")" = previous ]
    done
}

@test "w2v-train: -z sets the zlib level of the output streams" {
    train -d 200 -e 1 -z 0 -o "$T/z0.wp" --save-context "$T/c0.wp" "$T/c.tok"
    train -d 200 -e 1 -z 9 -o "$T/z9.wp" --save-context "$T/c9.wp" "$T/c.tok"
    [ "$(stat -c %s "$T/z9.wp")" -lt "$(stat -c %s "$T/z0.wp")" ]
    [ "$(stat -c %s "$T/c9.wp")" -lt "$(stat -c %s "$T/c0.wp")" ]
    [ "$(wpcat "$T/z0.wp")" = "$(wpcat "$T/z9.wp")" ]
    run --separate-stderr -2 train -z 10 "$T/c.tok"
}

@test "w2v-train: -t 2 trains with two threads" {
    run --separate-stderr train -t 2 -d 8 -e 2 -o "$T/v.wp" "$T/c.tok"
    assert_success
    [ "$(wpcat "$T/v.wp" | wc -l)" -eq "$(wpcat "$T/c.voc" | wc -l)" ]
}

@test "w2v-train: --format txt and bin write word2vec's formats" {
    train -d 5 -e 1 --format txt -o "$T/v.txt" "$T/c.tok"
    n=$(wpcat "$T/c.voc" | wc -l)
    [ "$(head -1 "$T/v.txt")" = "$n 5" ]
    [ "$(wc -l < "$T/v.txt")" -eq $((n + 1)) ]
    [ "$(sed -n 2p "$T/v.txt" | awk '{ print NF }')" -eq 6 ]
    train -d 5 -e 1 --format bin -o "$T/v.bin" "$T/c.tok"
    [ "$(head -1 "$T/v.bin")" = "$n 5" ]
    # header + per word: bytes, space, 5 floats, newline
    words=$(wpcat "$T/c.voc" | cut -f1 | tr -d '\n' | wc -c)
    [ "$(stat -c %s "$T/v.bin")" -eq $(( ${#n} + 3 + words + n * (1 + 20 + 1) )) ]
    run --separate-stderr -2 train --format xml "$T/c.tok"
    [[ "$stderr" == *"--format xml"* ]]
}

@test "w2v-train: --save-context writes the output vectors as a second stream" {
    train -d 6 -e 1 -o "$T/in.wp" --save-context "$T/out.wp" "$T/c.tok"
    [ "$(wpcat "$T/out.wp" | wc -l)" -eq "$(wpcat "$T/in.wp" | wc -l)" ]
    ! cmp -s "$T/in.wp" "$T/out.wp"
    run --separate-stderr -2 train --hs -n 0 --save-context "$T/o2.wp" -o "$T/x" "$T/c.tok"
    [[ "$stderr" == *"--save-context needs negative sampling"* ]]
}

@test "w2v-train: --log writes a TSV header and progress lines; -q silences stderr" {
    run --separate-stderr train -d 6 -e 2 --log "$T/log.tsv" -o "$T/v.wp" "$T/c.tok"
    assert_success
    [ -z "$stderr" ]
    [ "$(head -1 "$T/log.tsv")" = $'seconds\tepoch\twords\twindows\tlr\tloss\twords_per_sec' ]
    last=$(tail -1 "$T/log.tsv")
    [ "$(echo "$last" | awk -F'\t' '{ print NF }')" -eq 7 ]
    # all the words of two epochs were counted
    total=$(wpcat "$T/c.voc" | awk -F'\t' '{ s += $2 } END { print 2 * s }')
    [ "$(echo "$last" | cut -f3)" -eq "$total" ]
}

@test "w2v-train: --log: a new run empties it, a resumed run appends, - is standard output" {
    train -d 6 -e 2 --checkpoint "$T/ck" --checkpoint-every 2000w --log "$T/log.tsv" \
        -o "$T/v.wp" "$T/c.tok"
    n=$(wc -l < "$T/log.tsv")
    train --resume "$T/ck" --log "$T/log.tsv" -o "$T/v.wp" "$T/c.tok"
    [ "$(wc -l < "$T/log.tsv")" -gt "$n" ]
    [ "$(grep -c '^seconds' "$T/log.tsv")" -eq 1 ]
    # a new run: emptied, one header (an appended run would add a second)
    train -d 6 -e 1 --log "$T/log.tsv" -o "$T/v.wp" "$T/c.tok"
    [ "$(head -1 "$T/log.tsv")" = $'seconds\tepoch\twords\twindows\tlr\tloss\twords_per_sec' ]
    [ "$(grep -c '^seconds' "$T/log.tsv")" -eq 1 ]
    run --separate-stderr train -d 6 -e 1 --log - -o "$T/v.wp" "$T/c.tok"
    assert_success
    [ "${lines[0]}" = $'seconds\tepoch\twords\twindows\tlr\tloss\twords_per_sec' ]
    [ ! -e ./- ]
}

@test "w2v-train: a checkpointed run and a resumed one end with the uninterrupted model" {
    train -d 8 -e 3 -o "$T/full.wp" "$T/c.tok"
    run --separate-stderr train -d 8 -e 3 --checkpoint "$T/ck" --checkpoint-every 3000w \
        -o "$T/ck.wp" "$T/c.tok"
    assert_success
    cmp "$T/full.wp" "$T/ck.wp"
    wpcat --stat "$T/ck" | grep -q $'kind\tmodel'
    # the last checkpoint is mid-run: resuming from it gives the same model
    run --separate-stderr w2v-train -q -v "$T/c.voc" --resume "$T/ck" -o "$T/res.wp" "$T/c.tok"
    assert_success
    cmp "$T/full.wp" "$T/res.wp"
}

@test "w2v-train: resuming CBOW (+hs, and batched) from the middle of the first pass gives the same model" {
    # 40,000 words: more than one chunk of input, so a checkpoint can fall mid-pass
    awk 'BEGIN { srand(9); for (s = 0; s < 5000; s++) { l = "";
        for (i = 0; i < 8; i++) l = l (i ? " " : "") "w" int(rand() * 50); print l } }' |
        tok -q > "$T/m.tok"
    vocab -m 1 "$T/m.tok" > "$T/m.voc"
    for flags in "--cbow --hs" "--cbow"; do
        w2v-train -q -v "$T/m.voc" $flags -d 8 -e 1 -t 1 -o "$T/full.wp" "$T/m.tok"
        w2v-train -q -v "$T/m.voc" $flags -d 8 -e 1 -t 1 --checkpoint "$T/ck" \
            --checkpoint-every 25000w -o /dev/null "$T/m.tok"
        wpcat --stat "$T/ck" > "$T/ck.stat"
        grep -q $'^meta.pass\t0$' "$T/ck.stat"
        units=$(awk -F'\t' '$1 == "meta.pass_units" { print $2 }' "$T/ck.stat")
        [ "$units" -gt 0 ] && [ "$units" -lt 5000 ]
        w2v-train -q -v "$T/m.voc" --resume "$T/ck" -o "$T/res.wp" "$T/m.tok"
        cmp "$T/full.wp" "$T/res.wp" || { echo "$flags"; false; }
    done
}

@test "w2v-train: --checkpoint-every takes words or a time; bad values exit 2" {
    run --separate-stderr train -e 1 --checkpoint "$T/ck" --checkpoint-every 1h -o "$T/v" "$T/c.tok"
    assert_success
    run --separate-stderr -2 train --checkpoint "$T/ck" --checkpoint-every 5x "$T/c.tok"
    [[ "$stderr" == *"--checkpoint-every 5x"* ]]
    run --separate-stderr -2 train --checkpoint-every 10w "$T/c.tok"
    [[ "$stderr" == *"needs --checkpoint"* ]]
    # a bare number is refused: a unit tells time from words, in every tool
    run --separate-stderr -2 train --checkpoint "$T/ck" --checkpoint-every 10 "$T/c.tok"
    [[ "$stderr" == *"--checkpoint-every 10: expected time (Ns, Nm, Nh) or words (Nw)"* ]]
}

@test "w2v-train: --resume: the first command rerun passes, a changed setting is refused (exit 2)" {
    train -d 8 -e 2 --cbow --checkpoint "$T/ck" --checkpoint-every 2000w -o "$T/a.wp" "$T/c.tok"
    run train -d 8 -e 2 --cbow --checkpoint "$T/ck" --resume "$T/ck" -o "$T/b.wp" "$T/c.tok"
    assert_success
    for change in "-d 9" "--sg" "-a 0.03" "-e 3" "-w 4" "-t 2" "--hs" "--seed 4"; do
        run --separate-stderr -2 train $change --resume "$T/ck" -o "$T/x.wp" "$T/c.tok"
        [[ "$stderr" == "w2v-train: --resume: ${change%% *} gives "*", the checkpoint "*" (a resumed run keeps the checkpoint's settings: drop ${change%% *}, or start afresh)" ]] \
            || { echo "$change: $stderr"; false; }
    done
    run --separate-stderr -2 train -d 9 --resume "$T/ck" -o "$T/x.wp" "$T/c.tok"
    [[ "$stderr" == *"-d gives 9, the checkpoint 8 "* ]]
    [ ! -e "$T/x.wp" ]
}

@test "w2v-train: --resume refuses another vocabulary and a file that is no checkpoint" {
    train -d 8 -e 2 --checkpoint "$T/ck" --checkpoint-every 2000w -o /dev/null "$T/c.tok"
    printf 'other words here\n' | tok -q | vocab -m 1 > "$T/o.voc"
    run --separate-stderr -3 w2v-train -q -v "$T/o.voc" --resume "$T/ck" "$T/c.tok"
    [[ "$stderr" == *"$T/ck: checkpoint was made with another vocabulary"* ]]
    run --separate-stderr -3 w2v-train -q -v "$T/c.voc" --resume "$T/c.voc" "$T/c.tok"
    [[ "$stderr" == *"$T/c.voc"* ]]
    pairs -q -v "$T/c.voc" "$T/c.tok" > "$T/c.win"
    run --separate-stderr -3 w2v-train -q -v "$T/c.voc" --resume "$T/ck" "$T/c.win"
    [[ "$stderr" == *"checkpoint was made from another kind of input than windows"* ]]
}

@test "w2v-train: errors: no vocabulary, -n 0 without --hs, wrong input kind, bad kernel" {
    run --separate-stderr -2 w2v-train "$T/c.tok"
    [[ "$stderr" == *"-v FILE"* ]]
    run --separate-stderr -2 train -n 0 "$T/c.tok"
    [[ "$stderr" == *"-n 0 needs --hs"* ]]
    run --separate-stderr -3 train -o "$T/v" "$T/c.voc"
    [[ "$stderr" == *"expected a tokens, spans or windows stream, got vocabulary"* ]]
    run --separate-stderr -1 train -o "$T/v" "$T/missing.tok"
    [[ "$stderr" == *"missing.tok"* ]]
    WP_KERNEL=bogus run --separate-stderr -2 train -o "$T/v" "$T/c.tok"
    [[ "$stderr" == *"WP_KERNEL=bogus"* ]]
    WP_KERNEL=ref run --separate-stderr train -e 1 -o "$T/v" "$T/c.tok"
    assert_success
    run --separate-stderr -2 train -d 0 "$T/c.tok"
    [[ "$stderr" == *"-d 0"* ]]
}

@test "w2v-train: refuses to write a binary stream to a terminal without -f" {
    [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 not installed"
    run pty_run w2v-train -q -v "$T/c.voc" -e 1 "$T/c.tok"
    [[ "$output" == *"refusing to write a binary stream to a terminal"* ]]
    [[ "$output" == *"exit=2"* ]]
    run pty_run w2v-train -f -q -v "$T/c.voc" -e 1 "$T/c.tok"
    [[ "$output" == *"exit=0"* ]]
}

@test "w2v-train: killed mid-run leaves no file, or the previous one, under the output name" {
    need_data enwiki-text8style.gz
    zcat "$DATA/enwiki-text8style.gz" | head -c 3000000 | tok -q > "$T/big.tok"
    vocab -m 2 "$T/big.tok" > "$T/big.voc"
    w2v-train -q -v "$T/big.voc" -d 50 -e 50 -o "$T/v.wp" "$T/big.tok" &
    pid=$!
    sleep 1
    kill -9 $pid
    wait $pid || true
    [ ! -e "$T/v.wp" ]
    echo previous > "$T/v.wp"
    w2v-train -q -v "$T/big.voc" -d 50 -e 50 -o "$T/v.wp" "$T/big.tok" &
    pid=$!
    sleep 1
    kill -9 $pid
    wait $pid || true
    [ "$(cat "$T/v.wp")" = previous ]
}

# word<TAB>context pairs (word2vecf): pets share their contexts, vehicles theirs, and no
# word is also a context, so the two vocabularies cannot be confused.
make_ctx_pairs() {
    awk -v seed="${1:-5}" 'BEGIN { srand(seed);
        split("cat dog mouse rat", A); split("car truck bus van", B);
        split("purrs/nsubj- barks/nsubj- pet/dobj- feed/dobj- furry/amod", CA);
        split("drive/dobj- park/dobj- fast/amod engine/poss wheels/poss", CB);
        for (s = 0; s < 1500; s++) { g = s % 2;
            w = g ? A[1 + int(rand() * 4)] : B[1 + int(rand() * 4)];
            for (j = 0; j < 3; j++)
                print w "\t" (g ? CA[1 + int(rand() * 5)] : CB[1 + int(rand() * 5)]) } }' \
        > "$T/p.txt"
    pairs -q --from-text -s 0 --vocab-out "$T/pw.voc" --context-vocab-out "$T/pc.voc" \
        -o "$T/p.win" "$T/p.txt"
}

ctrain() {
    w2v-train -q -v "$T/pw.voc" --context-vocab "$T/pc.voc" -d 8 --seed 3 -t 1 "$@"
}

@test "w2v-train: --context-vocab: words that share contexts end up nearest (knn)" {
    make_ctx_pairs
    run --separate-stderr ctrain -e 5 -o "$T/v.wp" "$T/p.win"
    assert_success
    [ "$(wpcat "$T/v.wp" | wc -l)" -eq 8 ]
    for w in cat dog mouse rat; do
        [ "$(knn -k 4 --query "$w" "$T/v.wp" | awk -F'\t' '$2 > 1 { print $3 }' | sort | tr '\n' ' ')" \
            = "$(printf '%s\n' cat dog mouse rat | grep -vx "$w" | sort | tr '\n' ' ')" ]
    done
    for w in car truck bus van; do
        [ "$(knn -k 4 --query "$w" "$T/v.wp" | awk -F'\t' '$2 > 1 { print $3 }' | sort | tr '\n' ' ')" \
            = "$(printf '%s\n' car truck bus van | grep -vx "$w" | sort | tr '\n' ' ')" ]
    done
}

@test "w2v-train: --context-vocab: --save-context writes the context words and their vectors" {
    make_ctx_pairs
    ctrain -e 2 -o "$T/v.wp" --save-context "$T/c.wp" "$T/p.win"
    [ "$(wpcat "$T/c.wp" | cut -f1)" = "$(wpcat "$T/pc.voc" | cut -f1)" ]
    [ "$(wpcat "$T/c.wp" | wc -l)" -eq 10 ]
    wpcat --stat "$T/c.wp" | grep -q $'^meta.dim\t8$'
    # the context vectors were trained: not all zero
    wpcat "$T/c.wp" | awk -F'\t' '{ n = split($2, x, " "); for (i = 1; i <= n; i++) if (x[i] != 0) nz++ }
        END { exit !(nz > 0) }'
    [ "$(wpcat --stat "$T/c.wp" | awk -F'\t' '$1 == "meta.vocab_hash" { print $2 }')" \
        = "$(wpcat --stat "$T/p.win" | awk -F'\t' '$1 == "meta.context_vocab_hash" { print $2 }')" ]
}

@test "w2v-train: --context-vocab: one thread and a seed give the same bytes; another seed not" {
    make_ctx_pairs
    ctrain -e 2 -o "$T/a.wp" "$T/p.win"
    ctrain -e 2 -o "$T/b.wp" "$T/p.win"
    cmp "$T/a.wp" "$T/b.wp"
    ctrain -e 2 --seed 4 -o "$T/c.wp" "$T/p.win"
    ! cmp -s "$T/a.wp" "$T/c.wp"
    # from a pipe, spooled for the second pass, as from the file
    cat "$T/p.win" | ctrain -e 2 -o "$T/p.wp"
    cmp "$T/a.wp" "$T/p.wp"
}

@test "w2v-train: --context-vocab missing exits 2, another context vocabulary exits 3" {
    make_ctx_pairs
    run --separate-stderr -2 w2v-train -q -v "$T/pw.voc" -o "$T/v" "$T/p.win"
    [[ "$stderr" == *"$T/p.win: windows with their own context vocabulary (pairs --from-text) need --context-vocab FILE"* ]]
    run --separate-stderr -3 w2v-train -q -v "$T/pw.voc" --context-vocab "$T/pw.voc" -o "$T/v" "$T/p.win"
    [[ "$stderr" == *"$T/pw.voc: not the context vocabulary $T/p.win was made with"* ]]
    # same words and contexts, other counts: another hash
    cp "$T/pc.voc" "$T/pc1.voc"
    make_ctx_pairs 6
    run --separate-stderr -3 w2v-train -q -v "$T/pw.voc" --context-vocab "$T/pc1.voc" -o "$T/v" "$T/p.win"
    [[ "$stderr" == *"not the context vocabulary"* ]]
    [ ! -e "$T/v" ]
    # a stream without a context vocabulary refuses --context-vocab
    run --separate-stderr -2 train --context-vocab "$T/pc.voc" -o "$T/v" "$T/c.tok"
    [[ "$stderr" == *"--context-vocab: $T/c.tok has no context vocabulary of its own"* ]]
}

@test "w2v-train: --context-vocab refuses --cbow, --hs and --shared-negatives (exit 2)" {
    make_ctx_pairs
    for f in --cbow --hs --shared-negatives "--hs -n 0"; do
        run --separate-stderr -2 ctrain $f -o "$T/v" "$T/p.win"
        [[ "$stderr" == *"do not apply to windows with their own context vocabulary"* ]]
    done
    [ ! -e "$T/v" ]
}

@test "w2v-train: --context-vocab: checkpoint and resume give the uninterrupted model" {
    make_ctx_pairs
    ctrain -e 5 -o "$T/full.wp" "$T/p.win"
    ctrain -e 5 --checkpoint "$T/ck" --checkpoint-every 4000w -o "$T/ck.wp" "$T/p.win"
    cmp "$T/full.wp" "$T/ck.wp"
    wpcat --stat "$T/ck" > "$T/ck.stat"
    grep -q $'^meta.context_vocab_size\t10$' "$T/ck.stat"
    grep -q "^meta.context_vocab_hash"$'\t'"$(wpcat --stat "$T/p.win" |
        awk -F'\t' '$1 == "meta.context_vocab_hash" { print $2 }')\$" "$T/ck.stat"
    [ "$(awk -F'\t' '$1 == "meta.records_done" { print $2 }' "$T/ck.stat")" -lt 7500 ]
    w2v-train -q -v "$T/pw.voc" --context-vocab "$T/pc.voc" --resume "$T/ck" -o "$T/res.wp" "$T/p.win"
    cmp "$T/full.wp" "$T/res.wp"
    # the checkpoint needs its context vocabulary, and an ordinary stream does not fit it
    run --separate-stderr -2 w2v-train -q -v "$T/pw.voc" --resume "$T/ck" -o "$T/x" "$T/p.win"
    [[ "$stderr" == *"need --context-vocab FILE"* ]]
    printf 'cat dog car bus\n' | tok -q > "$T/pw.tok"
    pairs -q -s 0 -v "$T/pw.voc" -o "$T/o.win" "$T/pw.tok"
    run --separate-stderr -3 w2v-train -q -v "$T/pw.voc" --resume "$T/ck" -o "$T/x" "$T/o.win"
    [[ "$stderr" == *"$T/ck: checkpoint was made with a context vocabulary"* ]]
}

@test "w2v-train: spans from pairs --spans give the model of its windows and of the token path" {
    pairs -q -v "$T/c.voc" -e 3 --seed 5 "$T/c.tok" > "$T/c.win"
    pairs -q -v "$T/c.voc" -e 3 --seed 5 --spans "$T/c.tok" > "$T/c.spn"
    # skip-gram and CBOW with hs or per-pair updates: all three inputs give the same bits
    local m
    for m in --sg "--cbow --hs" "--cbow --exact-updates"; do
        train $m -d 8 --seed 5 -o "$T/s.wp" "$T/c.spn"
        train $m -d 8 --seed 5 -o "$T/w.wp" "$T/c.win"
        train $m -d 8 --seed 5 -e 3 -o "$T/t.wp" "$T/c.tok"
        cmp "$T/s.wp" "$T/w.wp"
        cmp "$T/s.wp" "$T/t.wp"
    done
    # batched CBOW trains its queue at the end of each chunk, and the token path cuts a chunk
    # per pass: here the windows and the spans of all three epochs fit one chunk each
    train --cbow -d 8 --seed 5 -o "$T/s.wp" "$T/c.spn"
    train --cbow -d 8 --seed 5 -o "$T/w.wp" "$T/c.win"
    cmp "$T/s.wp" "$T/w.wp"
    # another pairs seed, another model (the comparison can fail)
    pairs -q -v "$T/c.voc" -e 3 --seed 6 --spans "$T/c.tok" > "$T/c6.spn"
    train -d 8 --seed 5 -o "$T/s6.wp" "$T/c6.spn"
    train -d 8 --seed 5 -o "$T/w.wp" "$T/c.win"
    run -1 cmp -s "$T/s6.wp" "$T/w.wp"
    # a one-epoch pipe (estimated count on both sides), fixed window, -s
    run --separate-stderr bash -o pipefail -c '
        pairs -q -v "$1" -w 3 --fixed-window -s 1e-2 --spans < "$2" |
            w2v-train -q -v "$1" -d 8 -t 1 > "$3"
        w2v-train -q -v "$1" -d 8 -t 1 -w 3 --fixed-window -s 1e-2 -e 1 < "$2" > "$4"' _ \
        "$T/c.voc" "$T/c.tok" "$T/p.wp" "$T/d.wp"
    assert_success
    cmp "$T/p.wp" "$T/d.wp"
}

@test "w2v-train: spans: two threads train a model whose topics separate" {
    pairs -q -v "$T/c.voc" -e 10 -s 0 -w 3 --spans "$T/c.tok" > "$T/c10.spn"
    run --separate-stderr w2v-train -q -v "$T/c.voc" --seed 3 -t 2 -d 16 -o "$T/v.wp" "$T/c10.spn"
    assert_success
    topics_separate "$T/v.wp"
}

@test "w2v-train: spans made with another vocabulary exit 3; they have no context vocabulary" {
    printf 'some other words here\nand more of them\n' | tok -q > "$T/o.tok"
    vocab -m 1 "$T/o.tok" > "$T/o.voc"
    pairs -q -v "$T/o.voc" --spans "$T/o.tok" > "$T/o.spn"
    run --separate-stderr -3 train -o "$T/v.wp" "$T/o.spn"
    [ "$stderr" = "w2v-train: $T/o.spn: stream was made with another vocabulary" ]
    [ ! -e "$T/v.wp" ]
    pairs -q -v "$T/c.voc" --spans "$T/c.tok" > "$T/c.spn"
    run --separate-stderr -2 train --context-vocab "$T/c.voc" -o "$T/v.wp" "$T/c.spn"
    [[ "$stderr" == *"--context-vocab: $T/c.spn has no context vocabulary of its own"* ]]
}

@test "w2v-train: spans: resuming from a checkpoint mid-pass gives the uninterrupted model" {
    # 40,000 words: more than one chunk of spans, so a checkpoint can fall mid-pass
    awk 'BEGIN { srand(9); for (s = 0; s < 5000; s++) { l = "";
        for (i = 0; i < 8; i++) l = l (i ? " " : "") "w" int(rand() * 50); print l } }' |
        tok -q > "$T/m.tok"
    vocab -m 1 "$T/m.tok" > "$T/m.voc"
    pairs -q -v "$T/m.voc" -e 2 --spans "$T/m.tok" > "$T/m.spn"
    pairs -q -v "$T/m.voc" -e 2 "$T/m.tok" > "$T/m.win"
    local e
    for e in 2 4; do
        w2v-train -q -v "$T/m.voc" --cbow --hs -d 8 -e $e -t 1 -o "$T/full.wp" "$T/m.spn"
        w2v-train -q -v "$T/m.voc" --cbow --hs -d 8 -e $e -t 1 --checkpoint "$T/ck" \
            --checkpoint-every 50000w -o "$T/ck.wp" "$T/m.spn"
        cmp "$T/full.wp" "$T/ck.wp"
        wpcat --stat "$T/ck" > "$T/ck.stat"
        units=$(awk -F'\t' '$1 == "meta.pass_units" { print $2 }' "$T/ck.stat")
        [ "$units" -gt 0 ] && [ "$units" -lt 10000 ]
        w2v-train -q -v "$T/m.voc" --resume "$T/ck" -o "$T/res.wp" "$T/m.spn"
        cmp "$T/full.wp" "$T/res.wp" || { echo "-e $e"; false; }
        # a checkpoint from spans does not resume on windows
        run --separate-stderr -3 w2v-train -q -v "$T/m.voc" --resume "$T/ck" -o "$T/x" "$T/m.win"
        [[ "$stderr" == *"checkpoint was made from another kind of input than windows"* ]]
    done
}

@test "w2v-train: workers decode the records: of several bad ones the first is named, on any thread count" {
    pairs -q -v "$T/c.voc" "$T/c.tok" > "$T/c.win"
    local h n
    h=$(wpcat --stat "$T/c.win" | awk -F'\t' '$1 == "meta.vocab_hash" { print $2 }')
    n=$(wpcat --stat "$T/c.win" | awk -F'\t' '$1 == "meta.vocab_size" { print $2 }')
    # 30,000 windows of 2 contexts: 4 ids each, so chunks of 8192 records (the last one
    # partial, handed out after the input ended); bad contexts in three of them
    bad_windows() { # bad record numbers...
        awk -v bad=" $* " 'BEGIN { for (i = 1; i <= 30000; i++)
            print (index(bad, " " i " ") ? "1 2 0 777" : (i % 7) " 2 0 1") }' |
            /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" --raw 4 vocab_hash="$h" \
                vocab_size="$n" window=5 epochs=1 expected_records=30000 expected_exact=1 \
                expected_words=30000
    }
    bad_windows 9000 20000 29000 > "$T/bad.win"
    local t e
    for t in 1 2 3; do
        for e in 1 2; do # one pass, and two (the first pass fills the spool in order)
            run --separate-stderr -3 w2v-train -q -v "$T/c.voc" -t "$t" -e "$e" -d 8 \
                -o "$T/x.wp" "$T/bad.win"
            [ "$stderr" = "w2v-train: $T/bad.win: record 9000: context id 777 at position 2 is out of range (ids below $n)" ]
            [ ! -e "$T/x.wp" ]
        done
    done
    bad_windows 29000 > "$T/bad.win" # only in the last chunk
    run --separate-stderr -3 w2v-train -q -v "$T/c.voc" -t 2 -d 8 -o "$T/x.wp" "$T/bad.win"
    [ "$stderr" = "w2v-train: $T/bad.win: record 29000: context id 777 at position 2 is out of range (ids below $n)" ]
    # a stream cut before its trailer, with a bad record before the cut: the record
    bad_windows 25000 > "$T/bad.win"
    head -c $(( $(wc -c < "$T/bad.win") - 32 )) "$T/bad.win" > "$T/cut.win"
    run --separate-stderr -3 w2v-train -q -v "$T/c.voc" -t 2 -d 8 -o "$T/x.wp" "$T/cut.win"
    [ "$stderr" = "w2v-train: $T/cut.win: record 25000: context id 777 at position 2 is out of range (ids below $n)" ]
}

@test "w2v-train: a bad token record is named, decoded by the reader or by Hogwild workers" {
    # one thread (and a one-epoch pipe) decode tokens on the reading thread, two threads
    # train as the workers decode; the record is named either way, from a file or a pipe
    local w b g
    w=$(wpcat "$T/c.voc" | head -1 | cut -f1)
    b=$(printf %s "$w" | od -An -tu1 | xargs)
    g="${#w} $b"
    awk -v g="$g" 'BEGIN { for (i = 1; i <= 30000; i++)
        print (i == 9000 ? "2 " g " 9 1" : "4 " g " " g " " g " " g) }' |
        /usr/bin/python3 "$BATS_TEST_DIRNAME/wpwrite.py" --raw 1 > "$T/bad.tok"
    local t e
    for t in 1 2; do
        for e in 1 2; do
            run --separate-stderr -3 w2v-train -q -v "$T/c.voc" -t "$t" -e "$e" -d 8 \
                -o "$T/x.wp" "$T/bad.tok"
            [ "$stderr" = "w2v-train: $T/bad.tok: record 9000: corrupt data" ]
            [ ! -e "$T/x.wp" ]
        done
        run --separate-stderr -3 w2v-train -q -v "$T/c.voc" -t "$t" -d 8 -o "$T/x.wp" \
            < "$T/bad.tok"
        [ "$stderr" = "w2v-train: <stdin>: record 9000: corrupt data" ]
    done
}
