#!/usr/bin/env bats
# elmo-train: flags, learning on a slice of the Penn Treebank, determinism across runs and
# thread counts, exact resume from a checkpoint, rollback on NaN, and bad input.
bats_require_minimum_version 1.5.0

setup() {
    load test_helper
    need_data ptb/ptb.train.txt.gz
    T=$BATS_TEST_TMPDIR
    zcat "$DATA/ptb/ptb.train.txt.gz" | head -400 | tok --whitespace -q -o "$T/train.tok"
    zcat "$DATA/ptb/ptb.valid.txt.gz" | head -100 | tok --whitespace -q -o "$T/valid.tok"
    vocab -q -m 2 -o "$T/v" "$T/train.tok"
}

tiny() {
    elmo-train -q -v "$T/v" --hidden 24 --unroll 6 --batch 4 --epochs 2 --lr 1 --seed 5 "$@"
}

# tiny without --epochs: a budget alone decides
budget() {
    elmo-train -q -v "$T/v" --hidden 24 --unroll 6 --batch 4 --lr 1 --seed 5 "$@"
}

@test "elmo-train -h prints usage and exits 0; a bad option exits 2" {
    run --separate-stderr elmo-train -h
    assert_success
    assert_output --partial "usage: elmo-train"
    run -2 --separate-stderr elmo-train --bogus
    [[ $stderr == *"usage: elmo-train"* ]]
    run -0 elmo-train -V
    assert_output --partial "wordpipe"
}

@test "elmo-train learns: training perplexity falls, validation ends far below the vocabulary size" {
    run --separate-stderr tiny --forward-only --valid "$T/valid.tok" --log "$T/log" -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == "" ]]
    run awk -F'\t' 'NR == 2 { a = $3 } NR == 3 { b = $3; c = $4 }
        END { v = '"$(wpcat "$T/v" | wc -l)"'; if (!(b < a && c < v / 3)) { print a, b, c, v; exit 1 } }' "$T/log"
    assert_success
    run wpcat --stat "$T/m"
    assert_output --partial "model"
}

@test "elmo-train reports epochs with forward, backward and mean validation perplexity" {
    run --separate-stderr tiny --epochs 1 --valid "$T/valid.tok" -o "$T/m" "$T/train.tok"
    assert_success
    run --separate-stderr elmo-train -v "$T/v" --hidden 8 --unroll 6 --batch 4 --epochs 1 \
        --valid "$T/valid.tok" -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == *"epoch 1/1: lr 1, train ppl "*", valid ppl fwd "*" bwd "*" mean "*" tokens/s"* ]]
}

@test "elmo-train with one seed gives the same model bytes, with 1 or 2 threads" {
    tiny -t 1 -o "$T/a" "$T/train.tok"
    tiny -t 1 -o "$T/b" "$T/train.tok"
    cmp "$T/a" "$T/b"
    tiny -t 2 -o "$T/c" "$T/train.tok"
    cmp "$T/a" "$T/c"
    tiny -t 1 --seed 6 -o "$T/d" "$T/train.tok"
    ! cmp -s "$T/a" "$T/d"
}

@test "elmo-train --resume continues a checkpoint bit for bit" {
    tiny -t 1 --dropout 0.2 --optim adam --lr 0.01 -o "$T/straight" "$T/train.tok"
    tiny -t 1 --dropout 0.2 --optim adam --lr 0.01 --checkpoint "$T/ck" --checkpoint-every 120w \
        --max-batches 23 -o "$T/partial" "$T/train.tok"
    [ -s "$T/ck" ]
    run --separate-stderr elmo-train -q -t 1 --resume "$T/ck" -o "$T/resumed" "$T/train.tok"
    assert_success
    cmp "$T/straight" "$T/resumed"
    ! cmp -s "$T/straight" "$T/partial"
}

@test "elmo-train --resume: progress counts this run's tokens, not the ones before the checkpoint" {
    tiny -t 1 --checkpoint "$T/ck" --checkpoint-every 120w --max-batches 23 -o "$T/partial" \
        "$T/train.tok"
    run -0 wpcat --stat "$T/ck"
    [[ $output == *"meta.pos_window	20"* ]]
    # 365 windows of 24 tokens an epoch; resumed at window 20: 345 x 24 = 8280 tokens left
    WP_PROGRESS_INTERVAL=0 run -0 --separate-stderr elmo-train -t 1 --resume "$T/ck" \
        -o "$T/resumed" "$T/train.tok"
    [[ $stderr == *"365 batches/epoch"* ]]
    [[ $stderr == *", 8.3k tokens in "*"epoch 1/2"*", 8.8k tokens in "*"epoch 2/2"* ]]
}

@test "elmo-train --resume refuses another corpus and a file that is not a checkpoint" {
    tiny --epochs 1 --checkpoint "$T/ck" -o "$T/m" "$T/train.tok"
    run -3 --separate-stderr elmo-train -q --resume "$T/ck" -o "$T/r" "$T/valid.tok"
    [[ $stderr == *"valid.tok: not the corpus the checkpoint"* ]]
    run -3 --separate-stderr elmo-train -q --resume "$T/v" -o "$T/r" "$T/train.tok"
    [[ $stderr == *"expected a model stream"* ]]
    run -3 --separate-stderr elmo-train -q --resume "$T/m" -o "$T/r" "$T/train.tok"
    [[ $stderr == *"not an elmo-train checkpoint"* ]]
}

@test "elmo-train --resume: the first command rerun passes, a changed setting or vocabulary is refused" {
    tiny -t 1 --checkpoint "$T/ck" --checkpoint-every 120w --max-batches 23 -o "$T/partial" \
        "$T/train.tok"
    tiny -t 1 -o "$T/straight" "$T/train.tok"
    # the same command with --resume added: the model of the uninterrupted run
    run tiny -t 1 --resume "$T/ck" -o "$T/resumed" "$T/train.tok"
    assert_success
    cmp "$T/straight" "$T/resumed"
    run --separate-stderr -2 tiny -t 1 --hidden 32 --resume "$T/ck" -o "$T/r" "$T/train.tok"
    [ "$stderr" = "elmo-train: --resume: --hidden gives 32, the checkpoint 24 (a resumed run keeps the checkpoint's settings: drop --hidden, or start afresh)" ]
    run --separate-stderr -2 tiny -t 1 --lr 0.5 --resume "$T/ck" -o "$T/r" "$T/train.tok"
    [[ "$stderr" == "elmo-train: --resume: --lr gives 0.5, the checkpoint 1 "* ]]
    # more epochs may be asked for
    run tiny -t 1 --epochs 3 --resume "$T/ck" -o "$T/r" "$T/train.tok"
    assert_success
    vocab -q -m 3 -o "$T/v3" "$T/train.tok"
    run --separate-stderr -3 elmo-train -q -t 1 -v "$T/v3" --resume "$T/ck" -o "$T/r" "$T/train.tok"
    [ "$stderr" = "elmo-train: $T/ck: checkpoint was made with another vocabulary than $T/v3" ]
}

@test "elmo-train rolls back to the last checkpoint on NaN, lowers the learning rate and says so" {
    run --separate-stderr tiny --epochs 1 --inject-nan 4 -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == *"epoch 1 batch 4: loss or gradient not finite"*"rolled back to epoch 1 batch 0, learning rate now 0.5"* ]]
    [ -s "$T/m" ]
}

@test "elmo-train --char-input with sampled softmax, adagrad and projection trains" {
    run --separate-stderr elmo-train -q -v "$T/v" --char-input --filters 1:8,2:8,3:16 \
        --max-chars 12 --char-dim 8 --highway 2 --hidden 32 --proj 16 --cell-clip 3 \
        --proj-clip 3 --residual --sampled 50 --optim adagrad --lr 0.2 --dropout 0.1 \
        --unroll 6 --batch 4 --epochs 1 --valid "$T/valid.tok" --log "$T/log" -o "$T/m" "$T/train.tok"
    assert_success
    run awk -F'\t' 'NR == 2 && $4 > 1 && $4 < 5000 && $5 > 1 { ok = 1 } END { exit !ok }' "$T/log"
    assert_success
}

@test "elmo-train --preset small is Zaremba's configuration" {
    run --separate-stderr elmo-train -v "$T/v" --preset small --forward-only --max-batches 1 -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == *"word input, 2 x 200, "* ]]
    run --separate-stderr elmo-train -v "$T/v" --preset=elmo-small --max-chars 20 --hidden 64 --proj 16 \
        --filters 1:4,2:4 --sampled 20 --batch 2 --unroll 4 --max-batches 1 -o "$T/m" "$T/train.tok"
    assert_success
    [[ $stderr == *"character input, 2 x 64 x 2 directions"* ]]
}

@test "elmo-train rejects bad options with exit 2" {
    run -2 --separate-stderr elmo-train -o "$T/m" "$T/train.tok"
    [[ $stderr == *"a vocabulary is needed"* ]]
    run -2 --separate-stderr elmo-train -v "$T/v" --preset huge "$T/train.tok"
    [[ $stderr == *"--preset: want small or elmo-small"* ]]
    run -2 --separate-stderr elmo-train -v "$T/v" --char-input --filters 3 "$T/train.tok"
    [[ $stderr == *"--filters"* ]]
    run -2 --separate-stderr elmo-train -v "$T/v" --optim rmsprop "$T/train.tok"
    [[ $stderr == *"--optim: want sgd, adagrad or adam"* ]]
    run -2 --separate-stderr elmo-train -v "$T/v" --checkpoint-every 5m "$T/train.tok"
    [[ $stderr == *"--checkpoint-every needs --checkpoint"* ]]
    run -2 --separate-stderr elmo-train -v "$T/v" --layers 0 "$T/train.tok"
    [[ $stderr == *"--layers"* ]]
}

@test "elmo-train names a short option's bad value as every tool does: -t 0, -z 10" {
    run -2 --separate-stderr elmo-train -v "$T/v" -t 0 "$T/train.tok"
    [ "$stderr" = "elmo-train: -t 0: expected an integer in [1, 256]" ]
    run -2 --separate-stderr elmo-train -v "$T/v" -z 10 "$T/train.tok"
    [ "$stderr" = "elmo-train: -z 10: expected an integer in [0, 9]" ]
    run -2 --separate-stderr elmo-train -v "$T/v" --threads 0 "$T/train.tok"
    [ "$stderr" = "elmo-train: -t 0: expected an integer in [1, 256]" ]
    run -2 --separate-stderr w2v-train -v "$T/v" --threads 0 "$T/train.tok"
    [[ "$stderr" == "w2v-train: -t 0: "* ]]   # the same convention: a letter names its option
}

@test "elmo-train names the file and the problem for bad input, and leaves no model" {
    run -3 --separate-stderr elmo-train -q -v "$T/train.tok" -o "$T/m" "$T/train.tok"
    [[ $stderr == *"train.tok: expected a vocabulary stream"* ]]
    head -c 3000 "$T/train.tok" > "$T/cut.tok"
    run -3 --separate-stderr tiny -o "$T/m" "$T/cut.tok"
    [[ $stderr == "elmo-train: "*"cut.tok: "* ]]
    [ ! -e "$T/m" ]
    run -3 --separate-stderr tiny --batch 50000 -o "$T/m" "$T/train.tok"
    [[ $stderr == *"too few for batch 50000"* ]]
    [ ! -e "$T/m" ]
    run -1 --separate-stderr tiny -o "$T/m" "$T/nonexistent.tok"
    [[ $stderr == *"nonexistent.tok"* ]]
}

@test "elmo-train refuses an empty vocabulary" {
    printf '' | tok -q > "$T/empty.tok"
    vocab -q -o "$T/empty.v" "$T/empty.tok"
    run -3 --separate-stderr elmo-train -q -v "$T/empty.v" -o "$T/m" "$T/train.tok"
    [ "$stderr" = "elmo-train: $T/empty.v: the vocabulary is empty" ]
    [ ! -e "$T/m" ]
}

@test "elmo-train: every model and training flag changes the model" {
    tiny -t 1 --epochs 1 -o "$T/base" "$T/train.tok"
    for flags in "--layers 1" "--hidden 20" "--proj 8" "--cell-clip 0.5" "--proj 8 --proj-clip 0.05" \
        "--residual" "--unroll 5" "--batch 3" "--dropout 0.3" "--sampled 20" "--optim adagrad" \
        "--lr 0.5" "--clip 0.5" "--init 0.2" "--forget-bias 1" "--epochs 2 --decay 0.5 --decay-start 2" \
        "-z 0"; do
        tiny -t 1 --epochs 1 $flags -o "$T/x" "$T/train.tok"
        ! cmp -s "$T/base" "$T/x" || { echo "no effect: $flags"; false; }
    done
    # decay only from --decay-start on: with start 3, two epochs train as without decay
    tiny -t 1 --epochs 2 --log "$T/two.log" -o "$T/two" "$T/train.tok"
    tiny -t 1 --epochs 2 --decay 0.5 --decay-start 3 --log "$T/late.log" -o "$T/late" "$T/train.tok"
    diff <(cut -f 1-5 "$T/two.log") <(cut -f 1-5 "$T/late.log")
    # --no-residual and --word-input undo --residual and --char-input
    tiny -t 1 --epochs 1 --residual --no-residual -o "$T/x" "$T/train.tok"
    cmp "$T/base" "$T/x"
    tiny -t 1 --epochs 1 --char-input --word-input -o "$T/x" "$T/train.tok"
    cmp "$T/base" "$T/x"
}

@test "elmo-train: --char-act and --char-init change a character model; the activation is kept in the model" {
    ch() { tiny -t 1 --epochs 1 --char-input --filters 1:4,2:4 --max-chars 10 --char-dim 4 "$@"; }
    ch -o "$T/base" "$T/train.tok"
    for flags in "--char-act tanh" "--char-init 0.5"; do
        ch $flags -o "$T/x" "$T/train.tok"
        ! cmp -s "$T/base" "$T/x" || { echo "no effect: $flags"; false; }
    done
    ch --char-act tanh -o "$T/tanh" "$T/train.tok"
    run -0 wpcat --stat "$T/tanh"
    [[ $output == *"meta.char_act	tanh"* ]]
    run -0 wpcat --stat "$T/base"
    [[ $output == *"meta.char_act	relu"* ]]
    # no silent limit: words longer than --max-chars less the two marks are counted
    printf 'a abcdefghijklmnop b a abcdefghijklmnop\n' | tok -q > "$T/long.tok"
    vocab -q -o "$T/long.v" "$T/long.tok"
    run -0 --separate-stderr elmo-train -v "$T/long.v" --char-input --max-chars 8 --filters 1:4 \
        --hidden 8 --batch 1 --unroll 2 --epochs 1 -o "$T/x" "$T/long.tok"
    [[ $stderr == *"1 vocabulary word (2 tokens of the counted corpus) longer than 6 bytes cut for the character CNN (--max-chars 8)"* ]]
    run -0 --separate-stderr elmo-train -q -v "$T/long.v" --char-input --max-chars 8 --filters 1:4 \
        --hidden 8 --batch 1 --unroll 2 --epochs 1 -o "$T/x" "$T/long.tok"
    [ -z "$stderr" ]
    run -2 --separate-stderr ch --char-act sigmoid -o "$T/x" "$T/train.tok"
    [[ $stderr == *"--char-act"*"sigmoid"* ]]
}

@test "elmo-train: --char-init-std and --char-grad-scale change a character model, are recorded, and survive --resume" {
    ch() { tiny -t 1 --epochs 1 --char-input --filters 1:4,2:4 --max-chars 10 --char-dim 4 --char-act tanh "$@"; }
    ch -o "$T/base" "$T/train.tok"
    for flags in "--char-init-std 0.1" "--char-grad-scale 0.3"; do
        ch $flags -o "$T/x" "$T/train.tok"
        ! cmp -s "$T/base" "$T/x" || { echo "no effect: $flags"; false; }
    done
    # the data-dependent initialisation alone: the weights before any step differ
    ch --max-batches 1 --lr 1e-9 -o "$T/i0" "$T/train.tok"
    ch --max-batches 1 --lr 1e-9 --char-init-std 0.1 -o "$T/i1" "$T/train.tok"
    ! cmp -s "$T/i0" "$T/i1"
    run -0 wpcat --stat "$T/i1"
    [[ $output == *"meta.char_init_std	0.1"* ]]
    [[ $output == *"meta.char_grad_scale	1"* ]]
    # the scale is training state: a resumed run keeps it
    ch --epochs 2 --char-init-std 0.1 --char-grad-scale 0.3 -o "$T/straight" "$T/train.tok"
    ch --epochs 2 --char-init-std 0.1 --char-grad-scale 0.3 --checkpoint "$T/ck" \
        --checkpoint-every 120w --max-batches 23 -o "$T/partial" "$T/train.tok"
    run -0 --separate-stderr elmo-train -q -t 1 --resume "$T/ck" -o "$T/resumed" "$T/train.tok"
    cmp "$T/straight" "$T/resumed"
    run -2 --separate-stderr ch --char-grad-scale 0 -o "$T/x" "$T/train.tok"
    [[ $stderr == *"--char-grad-scale"* ]]
    run -2 --separate-stderr ch --char-init-std -1 -o "$T/x" "$T/train.tok"
    [[ $stderr == *"--char-init-std"* ]]
}

@test "elmo-train --test adds the test perplexities to the log and the model" {
    tiny --forward-only --epochs 1 --test "$T/valid.tok" --log "$T/log" -o "$T/m" "$T/train.tok"
    run awk -F'\t' '$1 == "test" && $4 > 1 && $5 == 0 { ok = 1 } END { exit !ok }' "$T/log"
    assert_success
    run wpcat --stat "$T/m"
    assert_line --regexp $'^meta.test_ppl_fwd\t[0-9.]+'
}

@test "elmo-train refuses to write a model to a terminal without -f" {
    [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 not installed"
    run pty_run elmo-train -q -v "$T/v" --hidden 8 --max-batches 1 "$T/train.tok"
    [[ "$output" == *"refusing to write a binary stream to a terminal"* ]]
    [[ "$output" == *"exit=2"* ]]
    run pty_run elmo-train -f -q -v "$T/v" --hidden 8 --max-batches 1 "$T/train.tok"
    [[ "$output" == *"exit=0"* ]]
}

@test "elmo-train checks --valid and --test before it trains" {
    head -c 2000 "$T/valid.tok" > "$T/cut.tok"
    run -3 --separate-stderr tiny --valid "$T/cut.tok" --log "$T/log" -o "$T/m" "$T/train.tok"
    [[ $stderr == "elmo-train: $T/cut.tok: "* ]]
    [ ! -e "$T/m" ]
    [ ! -s "$T/log" ]    # no epoch was trained
    run -3 --separate-stderr tiny --test "$T/v" -o "$T/m" "$T/train.tok"
    [[ $stderr == "elmo-train: $T/v: expected a tokens stream, got vocabulary" ]]
    [ ! -e "$T/m" ]
}

@test "elmo-train --token-budget stops at a batch boundary with a checkpoint; resuming with a larger budget gives the bytes of one run" {
    opts=(-t 1 --dropout 0.2 --optim adam --lr 0.01 --decay 0.5 --decay-start 2)
    budget "${opts[@]}" --token-budget 20k -o "$T/straight" "$T/train.tok"
    run wpcat --stat "$T/straight"
    assert_output --partial $'meta.budget_tokens\t20000'
    assert_output --partial $'meta.trained_tokens\t20000'   # 2 epochs of 8740, 105 batches of 6 x 4
    # stopped mid-epoch 1 (by the budget), then across the end of epoch 1, then to the end
    run --separate-stderr elmo-train -v "$T/v" --hidden 24 --unroll 6 --batch 4 --seed 5 "${opts[@]}" \
        --token-budget 5000 --checkpoint "$T/ck" -o "$T/partial" "$T/train.tok"
    assert_success
    [[ $stderr == *"epoch 1 (stopped early): lr 0.01, train ppl "* ]]
    [[ $stderr == *"budget reached: 5016 tokens trained in "*" s, stopped at epoch 1 batch 209"* ]]
    [ -s "$T/partial" ]
    run wpcat --stat "$T/ck"
    assert_output --partial $'meta.pos_window\t209'
    assert_output --partial $'meta.train_seconds\t'
    elmo-train -q -t 2 --resume "$T/ck" --token-budget 12k --checkpoint "$T/ck2" -o "$T/partial2" "$T/train.tok"
    run wpcat --stat "$T/ck2"
    assert_output --partial $'meta.pos_epoch\t2'
    elmo-train -q -t 1 --resume "$T/ck2" --token-budget 20k -o "$T/resumed" "$T/train.tok"
    cmp "$T/straight" "$T/resumed"
    ! cmp -s "$T/straight" "$T/partial"
    # resuming a spent budget trains nothing more and writes the same model again
    elmo-train -q --resume "$T/ck" -o "$T/again" "$T/train.tok"
    cmp "$T/partial" "$T/again"
}

@test "elmo-train --budget stops on wall time, which a checkpoint keeps and --resume adds to" {
    run --separate-stderr budget --budget 1s --checkpoint "$T/ck" --log "$T/log" -o "$T/m" "$T/train.tok"
    assert_success
    [ -s "$T/m" ]
    run wpcat --stat "$T/ck"
    assert_output --partial $'meta.budget_seconds\t1'
    assert_output --partial $'meta.epochs\t0'
    secs=$(wpcat --stat "$T/ck" | awk -F'\t' '$1 == "meta.train_seconds" { print $2 }')
    awk -v s="$secs" 'BEGIN { exit !(s >= 1 && s < 30) }'
    # the stored budget is spent: nothing more to train
    run --separate-stderr elmo-train --resume "$T/ck" -o "$T/r" "$T/train.tok"
    assert_success
    [[ $stderr == *"budget reached"* && $stderr != *"tokens/s"* ]]
    # a larger budget continues the clock where it stopped
    elmo-train -q --resume "$T/ck" --budget 2s --checkpoint "$T/ck2" -o "$T/r2" "$T/train.tok"
    secs2=$(wpcat --stat "$T/ck2" | awk -F'\t' '$1 == "meta.train_seconds" { print $2 }')
    awk -v a="$secs" -v b="$secs2" 'BEGIN { exit !(b >= 2 && b > a) }'
    # with --epochs as well, whichever comes first
    run --separate-stderr budget --budget 1h --epochs 1 -o "$T/m" "$T/train.tok"
    assert_success
    run wpcat --stat "$T/m"
    assert_output --partial $'meta.epochs\t1'
}

@test "elmo-train rejects bad budgets with exit 2" {
    run -2 --separate-stderr tiny --budget 40 -o "$T/m" "$T/train.tok"
    [[ $stderr == *"--budget: want a positive time n followed by s, m or h"* ]]
    run -2 --separate-stderr tiny --budget 0h -o "$T/m" "$T/train.tok"
    [[ $stderr == *"--budget"* ]]
    run -2 --separate-stderr tiny --budget 4M -o "$T/m" "$T/train.tok"
    [[ $stderr == *"--budget"* ]]
    run -2 --separate-stderr tiny --token-budget 4x -o "$T/m" "$T/train.tok"
    [[ $stderr == *"--token-budget: want a positive count n[k|M|G]"* ]]
    run -2 --separate-stderr tiny --token-budget 0 -o "$T/m" "$T/train.tok"
    [[ $stderr == *"--token-budget"* ]]
}

@test "elmo-train checks that the model, checkpoint and log can be written before it trains" {
    for bad in "-o $T/none/m" "--checkpoint $T/none/ck -o $T/m" "--log $T/none/log -o $T/m"; do
        # shellcheck disable=SC2086
        run -1 --separate-stderr elmo-train -v "$T/v" --hidden 24 --epochs 50 $bad "$T/train.tok"
        [[ $stderr == *"$T/none/"*"No such file or directory"* ]]
        [[ $stderr != *"weights"* && $stderr != *"epoch"* ]]
    done
    mkdir "$T/dir"
    run -1 --separate-stderr tiny -o "$T/dir" "$T/train.tok"
    [[ $stderr == *"dir: Is a directory"* ]]
    [ ! -e "$T/m" ]
    ls -A "$T/dir" "$T" | { ! grep -q '^\.'; }   # no temporary left behind
    # a device is fine, and not replaced
    tiny --epochs 1 -o /dev/null "$T/train.tok"
}

@test "elmo-train: --checkpoint-every needs a unit; w counts tokens, taken at window boundaries" {
    run -2 --separate-stderr elmo-train -v "$T/v" --checkpoint "$T/ck" --checkpoint-every 30 "$T/train.tok"
    [[ $stderr == *"--checkpoint-every 30: expected time (Ns, Nm, Nh) or words (Nw)"* ]]
    run -2 --separate-stderr elmo-train -s 3 -v "$T/v" "$T/train.tok"
    [[ $stderr == "elmo-train: -s is --sample in wordpipe; say --seed" ]]
    # 24 tokens a window (batch 4 x unroll 6): 100w checkpoints every 4 windows, 130w every 5
    tiny -t 1 --max-batches 7 --checkpoint "$T/c100" --checkpoint-every 100w -o "$T/m100" "$T/train.tok"
    tiny -t 1 --max-batches 7 --checkpoint "$T/c130" --checkpoint-every 130w -o "$T/m130" "$T/train.tok"
    run -0 wpcat --stat "$T/c100"
    [[ $output == *"meta.pos_window	4"* ]]
    run -0 wpcat --stat "$T/c130"
    [[ $output == *"meta.pos_window	5"* ]]
}

@test "elmo-train --budget: the progress ETA is at most what is left of the budget, and says so" {
    # an epoch of this model takes longer than 1 s: the budget ends it first
    zcat "$DATA/ptb/ptb.train.txt.gz" | head -4000 | tok --whitespace -q -o "$T/big.tok"
    run --separate-stderr env WP_PROGRESS_INTERVAL=0.2 elmo-train -v "$T/v" --hidden 64 \
        --unroll 10 --batch 8 --seed 5 --budget 1s -o "$T/m" "$T/big.tok"
    [ "$status" -eq 0 ]
    [[ $stderr =~ ETA\ 0:00:0[01]\ \(budget\) ]] || { echo "$stderr"; return 1; }
    [[ $stderr != *"ETA 0:00:0"[2-9]* && $stderr != *"ETA 0:0"[1-9]* ]]
}
