#!/usr/bin/env bats
# The contract every tool keeps: -h/--help on stdout, -V, a bad option exits 2 with usage
# on stderr, and binary output is refused on a terminal.

setup() {
    load test_helper
}

all_tools() {
    local t
    for t in tok vocab wpcat pairs phrases w2v-train knn elmo-train embed probe; do
        [ -x "$BUILD_DIR/bin/$t" ] && echo "$t"
    done
}

@test "every tool: -h and --help print usage on stdout and exit 0" {
    for t in $(all_tools); do
        run --separate-stderr "$t" -h
        assert_success
        [[ "$output" == "usage: $t "* ]] || { echo "$t -h: $output"; false; }
        run --separate-stderr "$t" --help
        assert_success
        [[ "$output" == "usage: $t "* ]]
    done
}

@test "every tool: -h and --help on a full stdout exit 1 with the write error" {
    [ -e /dev/full ] || skip "no /dev/full"
    for t in $(all_tools); do
        for h in -h --help -V; do
            run --separate-stderr -1 bash -c '"$1" "$2" > /dev/full' _ "$t" "$h"
            [ "$stderr" = "$t: stdout: No space left on device" ] || { echo "$t $h: $stderr"; false; }
        done
    done
}

@test "every tool: -V prints the version" {
    for t in $(all_tools); do
        run --separate-stderr "$t" -V
        assert_success
        [[ "$output" == "$t (wordpipe) "* ]]
    done
}

@test "every tool: an unknown option exits 2 with usage on stderr and nothing on stdout" {
    for t in $(all_tools); do
        run --separate-stderr -2 "$t" --no-such-option
        printf '%s\n' "${stderr_lines[@]}" | grep -q "^usage: $t " || { echo "$t: $stderr"; false; }
        [ -z "$output" ]
    done
}

@test "tok and vocab: refuse to write binary to a terminal and point to wpcat" {
    command -v script >/dev/null || skip "script(1) not installed"
    run script -qec "printf 'a b\n' | tok" /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"tok: refusing to write a binary stream to a terminal"*wpcat* ]]
    printf 'a b\n' | tok -q > "$BATS_TEST_TMPDIR/t.rec"
    run script -qec "vocab -q '$BATS_TEST_TMPDIR/t.rec'" /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"vocab: refusing to write a binary stream to a terminal"* ]]
    run script -qec "printf 'a b\n' | tok -f | wpcat --stat" /dev/null
    [ "$status" -eq 0 ]
}

@test "tok and vocab: -o onto a FIFO or device writes through it and never replaces it" {
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    cat "$BATS_TEST_TMPDIR/fifo" > "$BATS_TEST_TMPDIR/got.rec" &
    printf 'a b\n' | tok -q -o "$BATS_TEST_TMPDIR/fifo"
    wait
    [ -p "$BATS_TEST_TMPDIR/fifo" ]
    run --separate-stderr wpcat --lines "$BATS_TEST_TMPDIR/got.rec"
    assert_output "a b"
    printf 'a b\n' | tok -q | vocab -q -o /dev/null
}

@test "tok and vocab: -o onto a terminal device is refused as standard output is; a device's errors name it" {
    command -v script >/dev/null || skip "script(1) not installed"
    run script -qec "printf 'a b\n' | tok -q -o /dev/tty" /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"tok: refusing to write a binary stream to a terminal"* ]]
    # text to a terminal is fine
    printf 'a b\n' | tok -q > "$BATS_TEST_TMPDIR/t.rec"
    run script -qec "vocab -q --text -o /dev/tty '$BATS_TEST_TMPDIR/t.rec'" /dev/null
    [ "$status" -eq 0 ]
    [ -e /dev/full ] || skip "no /dev/full"
    run --separate-stderr -1 bash -c "printf 'a b\n' | tok -q -o /dev/full"
    [ "$stderr" = "tok: /dev/full: No space left on device" ]
}

@test "tok: -o writes atomically: a failed run leaves the previous file untouched" {
    printf 'old words\n' | tok -q -o "$BATS_TEST_TMPDIR/out.rec"
    before=$(cksum < "$BATS_TEST_TMPDIR/out.rec")
    run --separate-stderr -1 tok -q -o "$BATS_TEST_TMPDIR/out.rec" "$BATS_TEST_TMPDIR/missing.txt"
    [ "$(cksum < "$BATS_TEST_TMPDIR/out.rec")" = "$before" ]
    [ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c '^\.out\.rec\.')" -eq 0 ]
}

@test "every tool: an output that would replace an input, or two outputs on one file, exit 2 before any work" {
    T=$BATS_TEST_TMPDIR
    printf 'the king and the queen\nthe man and the woman\n' > "$T/c.txt"
    tok -q "$T/c.txt" > "$T/c.tok"
    vocab -q "$T/c.tok" > "$T/c.voc"
    w2v-train -q -v "$T/c.voc" -d 4 -o "$T/v.wp" "$T/c.tok"
    cp "$T/c.txt" "$T/s.txt"
    # same_refused EXPECTED-STDERR FILE-KEPT COMMAND...: exit 2, the message, the file as it was
    same_refused() {
        local msg=$1 keep=$2
        shift 2
        cp "$keep" "$T/before"
        run --separate-stderr -2 "$@"
        [ "$stderr" = "$msg" ] || { echo "$* -> $stderr"; false; }
        cmp "$keep" "$T/before"
    }
    same_refused "tok: $T/s.txt: -o would replace an input" "$T/s.txt" tok -q -o "$T/s.txt" "$T/s.txt"
    same_refused "vocab: $T/c.tok: -o would replace an input" "$T/c.tok" vocab -q -o "$T/c.tok" "$T/c.tok"
    same_refused "pairs: $T/c.voc: -o would replace the vocabulary (-v)" "$T/c.voc" \
        pairs -q -v "$T/c.voc" -o "$T/c.voc" "$T/c.tok"
    same_refused "w2v-train: $T/c.voc: -o would replace the vocabulary (-v)" "$T/c.voc" \
        w2v-train -q -v "$T/c.voc" -o "$T/c.voc" "$T/c.tok"
    # through another spelling of the same name
    same_refused "w2v-train: $T/./c.tok: --log would replace the input" "$T/c.tok" \
        w2v-train -q -v "$T/c.voc" --log "$T/./c.tok" -o "$T/x.wp" "$T/c.tok"
    same_refused "w2v-train: $T/v.wp: -o and --save-context both write it" "$T/v.wp" \
        w2v-train -q -v "$T/c.voc" -o "$T/v.wp" --save-context "$T/v.wp" "$T/c.tok"
    run --separate-stderr -2 w2v-train -q -v "$T/c.voc" --save-context - "$T/c.tok"
    [ "$stderr" = "w2v-train: -o and --save-context both write to standard output" ]
    same_refused "knn: $T/v.wp: -o would replace the vectors" "$T/v.wp" \
        knn --convert txt -o "$T/v.wp" "$T/v.wp"
    same_refused "embed: $T/c.tok: -o would replace the tokens" "$T/c.tok" \
        embed -q --vectors "$T/v.wp" -o "$T/c.tok" "$T/c.tok"
    same_refused "phrases: $T/c.tok: -o would replace an input" "$T/c.tok" phrases -q -o "$T/c.tok" "$T/c.tok"
    same_refused "elmo-train: $T/c.tok: --log would replace the input" "$T/c.tok" \
        elmo-train -q -v "$T/c.voc" --log "$T/c.tok" -o "$T/x.wp" "$T/c.tok"
    [ ! -e "$T/x.wp" ]
    # a checkpoint resumed in place is the one output that may be an input
    w2v-train -q -v "$T/c.voc" -d 4 -e 2 --checkpoint "$T/ck" --checkpoint-every 4w -o "$T/a.wp" "$T/c.tok"
    run w2v-train -q -v "$T/c.voc" --checkpoint "$T/ck" --resume "$T/ck" -o "$T/b.wp" "$T/c.tok"
    assert_success
    same_refused "w2v-train: $T/ck: -o would replace the checkpoint (--resume)" "$T/ck" \
        w2v-train -q -v "$T/c.voc" --resume "$T/ck" -o "$T/ck" "$T/c.tok"
}

# long_options FILE: the long names of a tool's option table (tools/*.c, cli_opt.h)
long_options() {
    sed -n 's/^ *{"\([a-z0-9-]*\)", .*/\1/p' "$ROOT/tools/$1"
}

@test "every tool: each long option of its option table is in its man page" {
    local t o missing=
    for t in tok:tok.c vocab:vocab.c wpcat:wpcat.c pairs:pairs.c phrases:phrases.c \
              w2v-train:w2v_train_opts.c knn:knn_opts.c elmo-train:elmo_train_opts.c \
              embed:embed_opts.c probe:probe.c; do
        for o in $(long_options "${t#*:}"); do
            grep -qE -- "Fl -$o( |,|$)" "$ROOT/man/man1/${t%%:*}.1" || missing+=" ${t%%:*}:--$o"
        done
    done
    [ -z "$missing" ] || { echo "not in the man page:$missing"; false; }
}

@test "wpcat: the man page's SYNOPSIS is its usage line" {
    command -v mandoc > /dev/null || skip "mandoc not installed"
    synopsis=$(mandoc -Tascii "$ROOT/man/man1/wpcat.1" | col -b |
        awk '/^SYNOPSIS/ { getline; sub(/^ +/, ""); print; exit }')
    run --separate-stderr wpcat -h
    assert_output "usage: $synopsis"
}
