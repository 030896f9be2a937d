#!/usr/bin/env bats
# MPI (issue 10): elmo-train --mpi and w2v-train --mpi, 2 ranks on one machine. The MPI
# tools come from `make MPI=1` in $BUILD or from `make mpi-tools` in $BUILD/mpi (`make
# check-mpi` runs this file against the latter); without such a build or without mpirun the
# 2-rank tests skip, so a plain `make check` passes on a machine without Open MPI.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    T=$BATS_TEST_TMPDIR
    PLAIN= MPIBIN=
    for d in "$BUILD_DIR/bin" "$BUILD_DIR/mpi/bin"; do
        [ -x "$d/elmo-train" ] || continue
        # before MPI starts, a plain build refuses --mpi and an MPI build wants -o
        if "$d/elmo-train" --mpi -v /nonexistent 2>&1 | grep -q 'built without MPI'; then
            PLAIN=${PLAIN:-$d}
        else
            MPIBIN=${MPIBIN:-$d}
        fi
    done
}

teardown() {
    # a failed kill test must not leave its job running: mpirun ends its ranks
    [ -z "${MP:-}" ] || kill $(pgrep -P "$MP") "$MP" 2>/dev/null || true
}

# rank_pid JOB RANK: the pid of rank RANK of the mpirun started by background job JOB (a
# subshell running mpirun, whose children are the ranks), found by its environment; empty
# while it has not started.
rank_pid() {
    local kids c
    kids=$(pgrep -P "$1" | paste -sd, -) || true
    for c in $( [ -z "$kids" ] || pgrep -P "$kids" || true); do
        if tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
            echo "$c"
        fi
    done
}

need_mpi() {
    [ -n "$MPIBIN" ] || skip "no MPI build (make MPI=1 or make mpi-tools)"
    command -v mpirun >/dev/null || skip "mpirun not installed (make deps-mpi)"
    need_data ptb/ptb.train.txt.gz
    zcat "$DATA/ptb/ptb.train.txt.gz" | head -400 | tok --whitespace -q -o "$T/train.tok"
    zcat "$DATA/ptb/ptb.valid.txt.gz" | head -100 | tok --whitespace -q -o "$T/valid.tok"
    vocab -q -m 2 -o "$T/v" "$T/train.tok"
}

# mpirun2 CMD...: CMD on 2 local ranks; as root (CI containers) Open MPI wants to be told.
# No single-copy (CMA) transfers between the ranks: containers often forbid the ptrace they
# need, and these messages are small.
mpirun2() {
    mpirun_n 2 "$@"
}

# mpirun_n N CMD...: CMD on N local ranks, as mpirun2.
mpirun_n() {
    local root=() n=$1
    shift
    [ "$(id -u)" != 0 ] || root=(--allow-run-as-root)
    mpirun "${root[@]}" --oversubscribe --mca btl_vader_single_copy_mechanism none -np "$n" "$@"
}

# No dropout and the full softmax: the only randomness left is the initialisation, which
# every rank shares, so 2 x batch 4 is the same computation as 1 x batch 8.
tiny() {
    "$MPIBIN/elmo-train" -v "$T/v" --hidden 24 --unroll 6 --lr 1 --seed 5 -t 1 --dropout 0 "$@"
}

@test "elmo-train --mpi in a build without MPI exits 2 and says how to build it" {
    [ -n "$PLAIN" ] || skip "no build without MPI here"
    run -2 --separate-stderr "$PLAIN/elmo-train" --mpi -v /nonexistent -o "$T/m"
    [[ $stderr == "elmo-train: --mpi: built without MPI (make MPI=1)" ]]
    [ ! -e "$T/m" ]
}

@test "elmo-train --mpi refuses --resume and a model on standard output" {
    [ -n "$MPIBIN" ] || skip "no MPI build (make MPI=1 or make mpi-tools)"
    run -2 --separate-stderr "$MPIBIN/elmo-train" --mpi -v /nonexistent --resume "$T/c" -o "$T/m"
    [[ $stderr == "elmo-train: --mpi: --resume is not supported yet" ]]
    run -2 --separate-stderr "$MPIBIN/elmo-train" --mpi -v /nonexistent
    [[ $stderr == *"--mpi: needs -o model"* ]]
}

@test "elmo-train --mpi on 2 ranks trains, logs once and writes a model that embed reads" {
    need_mpi
    run --separate-stderr mpirun2 "$MPIBIN/elmo-train" --mpi -v "$T/v" --hidden 16 --unroll 6 \
        --batch 4 --epochs 2 -t 1 --valid "$T/valid.tok" --log "$T/log" -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == *"2 MPI ranks"* ]]
    # one banner and one line per epoch: rank 1 is quiet
    [ "$(grep -c 'batches/epoch' <<<"$stderr")" -eq 1 ]
    [ "$(grep -c ': epoch [12]/2: ' <<<"$stderr")" -eq 2 ]
    [ "$(wc -l <"$T/log")" -eq 3 ]
    run -0 wpcat --stat "$T/m"
    assert_output --partial "model"
    run --separate-stderr embed -q --model "$T/m" "$T/valid.tok"
    assert_success
    embed -q --model "$T/m" -o "$T/e" "$T/valid.tok"
    [ "$(wpcat "$T/e" | wc -l)" -gt 1000 ]
}

@test "elmo-train: 2 ranks x batch 4 give the validation perplexity of 1 process x batch 8" {
    need_mpi
    mpirun2 "$MPIBIN/elmo-train" --mpi -q -v "$T/v" --hidden 24 --unroll 6 --lr 1 --seed 5 -t 1 \
        --dropout 0 --batch 4 --epochs 2 --valid "$T/valid.tok" --log "$T/log2" -o "$T/m2" \
        "$T/train.tok"
    tiny -q --batch 8 --epochs 2 --valid "$T/valid.tok" --log "$T/log1" -o "$T/m1" "$T/train.tok"
    # Same rows, same scaling: only the order of the float sums over the batch differs (one
    # GEMM over 8 rows against two over 4, added), rounding at 1e-7 that grows to about 1e-6
    # in the weights after 2 epochs: train and valid perplexities agree to 1e-4 relative.
    run awk -F'\t' 'FNR == 1 { next } NR == FNR { a[FNR] = $3 " " $4 " " $5; next }
        { split(a[FNR], x, " "); n++
          for (i = 1; i <= 3; i++) { d = x[i] - $(i + 2); if (d < 0) d = -d
              if (d > 1e-4 * x[i]) { print "epoch " $1 ": " a[FNR] " vs " $3, $4, $5; bad = 1 } } }
        END { if (bad || n != 2) exit 1 }' "$T/log1" "$T/log2"
    assert_success
    # and the models differ only by rounding, not by data: a different seed is far away
    tiny -q --batch 8 --epochs 2 --seed 6 --valid "$T/valid.tok" --log "$T/log3" -o "$T/m3" "$T/train.tok"
    ! cmp -s <(cut -f4 "$T/log1") <(cut -f4 "$T/log3")
}

@test "elmo-train --mpi: a NaN rolls every rank back together, and one says so" {
    need_mpi
    run --separate-stderr mpirun2 "$MPIBIN/elmo-train" --mpi -v "$T/v" --hidden 16 --unroll 6 \
        --batch 4 --epochs 1 -t 1 --inject-nan 5 -o "$T/m" "$T/train.tok"
    assert_success
    [ "$(grep -c 'rolled back to epoch 1 batch 0, learning rate now 0.5' <<<"$stderr")" -eq 1 ]
    [[ $stderr == *"epoch 1/1: lr 0.5, "* ]]
    [ -s "$T/m" ]
}

@test "elmo-train --mpi: a killed rank fails the job and no model is written" {
    need_mpi
    mpirun2 "$MPIBIN/elmo-train" --mpi -v "$T/v" --hidden 24 --unroll 6 --batch 4 -t 1 \
        --epochs 1000 --checkpoint "$T/ckpt" --checkpoint-every 960w -o "$T/m" "$T/train.tok" \
        >/dev/null 2>"$T/err" 3>&- &
    MP=$!
    # rank 1, once training has started (a checkpoint exists)
    local i victim=
    for i in $(seq 300); do
        [ ! -e "$T/ckpt" ] || victim=$(rank_pid "$MP" 1)
        [ -z "$victim" ] || break
        sleep 0.1
    done
    [ -n "$victim" ]
    kill -KILL "$victim"
    run wait "$MP"
    MP=
    [ "$status" -ne 0 ]
    [ ! -e "$T/m" ]
    ! ls "$T"/m.* 2>/dev/null   # nor a temporary file beside it
    # mpirun names the dead rank, or the survivor that lost it and the abort
    grep -Eq 'rank 1|non-zero exit code|aborted' "$T/err" || { cat "$T/err"; false; }
}

# smake ARGS...: `make sharded` in the repository on a 300 kB slice of the corpus, into this
# test's run directory, with the tools of $BUILD_DIR; free of a surrounding make's flags.
smake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" --no-print-directory \
        BUILD="$BUILD_DIR" DATA="$DATA" RUNS="$T/runs" SHARD_CORPUS="$T/slice.txt" \
        SHARD_K=3 SHARD_MIN=2 "$@"
}

@test "make sharded: per-shard vocabularies merge into the one-pass vocabulary, byte for byte" {
    need_data enwiki-text8style.gz
    { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 300000 > "$T/slice.txt"
    run --separate-stderr smake sharded
    assert_success
    assert_output --partial "sharded: 3 shards of slice.txt"
    assert_output --partial "identical to the one-pass vocabulary"
    local S=$T/runs/sharded
    for i in 000 001 002; do
        [ -s "$S/parts/$i.voc" ] && [ -s "$S/parts/$i.win" ]
    done
    # the pieces hold every word once: their token counts add up to the whole
    [ "$(cat "$S"/parts/*.txt.gz | gzip -dc | wc -w)" -eq "$(wc -w <"$T/slice.txt")" ]
    # the check can fail: a partial vocabulary pruned before the merge loses counts
    vocab -q -m 3 -o "$S/parts/001.voc" "$S/parts/001.tok"
    touch "$S/tok.done"
    run --separate-stderr smake sharded
    assert_failure
    assert_output --partial "the merged vocabulary differs from the one-pass vocabulary"
}

@test "make sharded-train: one MPI rank per shard trains on its own tokens; analogy reported" {
    [ -n "$MPIBIN" ] || skip "no MPI build (make MPI=1 or make mpi-tools)"
    command -v mpirun >/dev/null || skip "mpirun not installed (make deps-mpi)"
    need_data questions-words.txt
    need_data enwiki-text8style.gz
    { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 300000 > "$T/slice.txt"
    run --separate-stderr smake sharded-train SHARD_MPIBIN="$MPIBIN" SHARD_EPOCHS=1 \
        SHARD_SYNC=5000
    assert_success
    # three ranks, each given its own shard's tokens, and no other copy of the corpus
    assert_output --partial "-np 3 $MPIBIN/w2v-train --mpi"
    assert_output --partial "parts/000.tok $T/runs/sharded/parts/001.tok $T/runs/sharded/parts/002.tok"
    assert_output --regexp "sharded-train: 3 ranks, analogy accuracy [0-9.]+% \(30k restriction\)"
    run -0 knn -k 2 --query the "$T/runs/sharded/vectors.wp"
    [ "${#lines[@]}" -eq 2 ]
}

# ---- w2v-train --mpi ----

# need_w2v: the MPI build, mpirun and a 200k-word slice of the corpus, tokenised, with its
# vocabulary.
need_w2v() {
    [ -n "$MPIBIN" ] || skip "no MPI build (make MPI=1 or make mpi-tools)"
    command -v mpirun >/dev/null || skip "mpirun not installed (make deps-mpi)"
    need_data enwiki-text8style.gz
    { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 1200000 | tok -q -o "$T/w.tok"
    vocab -q -m 3 -o "$T/wv" "$T/w.tok"
}

@test "w2v-train --mpi in a build without MPI exits 2 and says how to build it" {
    [ -n "$PLAIN" ] || skip "no build without MPI here"
    run -2 --separate-stderr "$PLAIN/w2v-train" --mpi -v /nonexistent -o "$T/m" "$T/in"
    [[ $stderr == "w2v-train: --mpi: built without MPI (make MPI=1)" ]]
    [ ! -e "$T/m" ]
    run -2 --separate-stderr "$PLAIN/w2v-train" --sync-words 10 -v /nonexistent -o "$T/m"
    [[ $stderr == "w2v-train: --sync-words needs --deterministic or --mpi" ]]
}

@test "w2v-train --mpi refuses --resume, --checkpoint, standard input and output" {
    [ -n "$MPIBIN" ] || skip "no MPI build (make MPI=1 or make mpi-tools)"
    local w=("$MPIBIN/w2v-train" --mpi -v /nonexistent)
    run -2 --separate-stderr "${w[@]}" --resume "$T/c" -o "$T/m" "$T/in"
    [[ $stderr == "w2v-train: --mpi: --resume is not supported yet" ]]
    run -2 --separate-stderr "${w[@]}" --checkpoint "$T/c" -o "$T/m" "$T/in"
    [[ $stderr == "w2v-train: --mpi: --checkpoint is not supported yet" ]]
    run -2 --separate-stderr "$MPIBIN/w2v-train" --mpi -v /nonexistent "$T/in"
    [[ $stderr == *"--mpi: needs -o model"* ]]
    run -2 --separate-stderr "$MPIBIN/w2v-train" --mpi -v /nonexistent -o "$T/m"
    [[ $stderr == *"--mpi: needs an input file (every rank reads it)"* ]]
    [ ! -e "$T/m" ]
}

@test "w2v-train --mpi on 2 ranks: shards the corpus, merges the replicas, knn reads the model" {
    need_w2v
    local w=("$MPIBIN/w2v-train" -v "$T/wv" -d 32 -e 2 -t 1)
    run --separate-stderr mpirun2 "${w[@]}" --mpi --sync-words 20000 -o "$T/m2" "$T/w.tok"
    assert_success
    # rank 0 alone reports; ~400k words / (2 x 20000) gives about 10 merges, the last at the end
    [ "$(grep -c 'MPI ranks' <<<"$stderr")" -eq 1 ]
    [[ $stderr =~ "2 MPI ranks, "([0-9]+)" merges of the replicas" ]]
    [ "${BASH_REMATCH[1]}" -ge 8 ] && [ "${BASH_REMATCH[1]}" -le 12 ]
    run -0 knn -k 3 --query three "$T/m2"
    assert_line --index 0 --partial "three"
    [ "${#lines[@]}" -eq 3 ]
    # one rank under --mpi trains every chunk: the plain run, bit for bit
    mpirun_n 1 "${w[@]}" --mpi -q -o "$T/m1" "$T/w.tok"
    "${w[@]}" -q -o "$T/p1" "$T/w.tok"
    cmp "$T/m1" "$T/p1"
    # two ranks each trained half, so the model is not the one-process model; and the
    # merges during training matter: merging only at the end gives another model
    ! cmp -s "$T/m2" "$T/p1"
    mpirun2 "${w[@]}" --mpi -q --sync-words 100000000 -o "$T/mend" "$T/w.tok"
    ! cmp -s "$T/m2" "$T/mend"
    # --merge mean averages instead of adding the changes: another model again
    mpirun2 "${w[@]}" --mpi -q --sync-words 20000 --merge mean -o "$T/mmean" "$T/w.tok"
    ! cmp -s "$T/m2" "$T/mmean"
    run -2 --separate-stderr "$MPIBIN/w2v-train" --mpi --merge max -v "$T/wv" -o "$T/x" "$T/w.tok"
    [[ $stderr == "w2v-train: --merge max: expected sum or mean" ]]
}

@test "w2v-train --mpi: one input file per rank, of unequal sizes; a wrong count exits 2" {
    need_w2v
    # rank 0 gets 3/4 of the corpus, rank 1 a quarter: rank 1 ends first and keeps joining
    # the merges until rank 0 is done
    { gzip -dc "$DATA/enwiki-text8style.gz" || true; } | head -c 1200000 > "$T/w.txt"
    head -c 900000 "$T/w.txt" | tok -q -o "$T/s0.tok"
    tail -c +900001 "$T/w.txt" | tok -q -o "$T/s1.tok"
    local w=("$MPIBIN/w2v-train" -v "$T/wv" -d 32 -e 2 -t 1 --mpi --sync-words 20000)
    run --separate-stderr mpirun2 "${w[@]}" -o "$T/m" "$T/s0.tok" "$T/s1.tok"
    assert_success
    # merges follow the larger shard: ~220k of its words (2 epochs) / 20000, the smaller
    # shard alone would make ~4
    [[ $stderr =~ "2 MPI ranks, "([0-9]+)" merges of the replicas" ]]
    [ "${BASH_REMATCH[1]}" -ge 9 ] && [ "${BASH_REMATCH[1]}" -le 13 ]
    run -0 knn -k 3 --query three "$T/m"
    [ "${#lines[@]}" -eq 3 ]
    # the same job again gives the same bytes; the files swapped give another model
    mpirun2 "${w[@]}" -q -o "$T/m2" "$T/s0.tok" "$T/s1.tok"
    cmp "$T/m" "$T/m2"
    mpirun2 "${w[@]}" -q -o "$T/m3" "$T/s1.tok" "$T/s0.tok"
    ! cmp -s "$T/m" "$T/m3"
    run --separate-stderr mpirun2 "${w[@]}" -o "$T/x" "$T/s0.tok" "$T/s1.tok" "$T/s0.tok"
    assert_failure
    [[ $stderr == *"--mpi: 3 input files for 2 ranks: give one file per rank, or one file for all"* ]]
    [ ! -e "$T/x" ]
}

@test "w2v-train --mpi: 2 ranks x 1 thread give the bits of 1 process x 2 --deterministic threads" {
    need_w2v
    local f
    for f in "" "--cbow" "--hs -n 0"; do
        mpirun2 "$MPIBIN/w2v-train" -q -v "$T/wv" -d 16 -e 2 -t 1 --seed 4 $f --mpi \
            --sync-words 15000 -o "$T/r" "$T/w.tok"
        "$MPIBIN/w2v-train" -q -v "$T/wv" -d 16 -e 2 -t 2 --seed 4 $f --deterministic \
            --sync-words 15000 -o "$T/d" "$T/w.tok"
        cmp "$T/r" "$T/d" || { echo "flags: $f"; false; }
    done
    # and the merge schedule matters to both alike
    "$MPIBIN/w2v-train" -q -v "$T/wv" -d 16 -e 2 -t 2 --seed 4 --deterministic \
        --sync-words 40000 -o "$T/d2" "$T/w.tok"
    ! cmp -s "$T/r" "$T/d2"
}

@test "w2v-train --mpi --deterministic: 2 ranks x 2 threads give the same bytes every run" {
    need_w2v
    local w=("$MPIBIN/w2v-train" -v "$T/wv" -d 16 -e 2 -t 2 --mpi --deterministic -q)
    for i in 1 2 3; do
        mpirun2 "${w[@]}" --sync-words 15000 -o "$T/d$i" "$T/w.tok"
    done
    cmp "$T/d1" "$T/d2"
    cmp "$T/d1" "$T/d3"
}

@test "w2v-train --mpi: a killed rank fails the job and no model is written" {
    need_w2v
    TMPDIR=$T mpirun2 "$MPIBIN/w2v-train" --mpi -v "$T/wv" -d 16 -e 1000 -t 1 \
        --sync-words 20000 -o "$T/m" "$T/w.tok" >/dev/null 2>"$T/err" 3>&- &
    MP=$!
    local i victim=
    for i in $(seq 300); do
        victim=$(rank_pid "$MP" 1)
        [ -z "$victim" ] || break
        sleep 0.1
    done
    [ -n "$victim" ]
    sleep 1 # into training
    kill -KILL "$victim"
    run wait "$MP"
    MP=
    [ "$status" -ne 0 ]
    [ ! -e "$T/m" ]
    ! ls "$T"/m.* 2>/dev/null   # nor a temporary file beside it
    grep -Eq 'rank 1|non-zero exit code|aborted|killed' "$T/err" || { cat "$T/err"; false; }
}
