#!/usr/bin/env bash
# word2vec side by side: gensim (corpus_file mode), fastText (-minn 0 -maxn 0) and wordpipe's
# w2v-train, with identical settings (-d 100 -w 5 -n 5 -s 1e-4 -m 5) on the same corpus.
# Mode sub is skip-gram with subwords: fastText with its default -minn 3 -maxn 6 against
# w2v-train --subwords 3-6, both at learning rate 0.05 (gensim has no row there).
# Every tool gets the same starting learning rate per mode, word2vec.c's defaults (lr_for:
# skip-gram 0.025, CBOW 0.05, sub 0.05), passed explicitly: gensim's own default is 0.025 for
# both modes and fastText's 0.05 for both, which made the CBOW and skip-gram accuracy columns
# compare different learning rates.
# Prints one table: tool, mode, threads, training seconds, raw words/s, ratio to the fastest
# peer in that mode and thread count, peak RSS, analogy accuracy (30k restriction) and
# WordSim-353 Spearman.
# Run by people from the repo root after `make` (not by make check): it takes many minutes.
set -euo pipefail

usage() {
    cat <<EOF
usage: bench/w2v.sh [-hkpx] [-D words,...] [-e epochs] [-m sg,cbow] [-n words] [-r rounds]
                    [-t tools] [-T threads] [-o results.tsv] [-R results.tsv]
  -D words     also run wordpipe with --deterministic --sync-words N, for each N given
  -M words     also run wordpipe on MPI, T ranks x 1 thread (T = -T), merging every N words
               per rank (--mpi --sync-words N), for each N given; needs make mpi-tools
  -e epochs    training epochs (default 5)
  -m modes     comma list of sg, cbow and sub (default sg,cbow; sub: skip-gram with
               character n-grams, fastText -minn 3 -maxn 6 vs w2v-train --subwords 3-6)
  -n words     train on the first N words only (a quick smoke run; default: all)
  -t tools     comma list of gensim, fasttext, wordpipe (default all three)
  -T threads   training threads, or a comma list for thread scaling (default 2)
  -p           also time wordpipe end to end through pipes: tok | pairs --spans | w2v-train
  -r rounds    then, for thread scaling (-T 1,N), time w2v-train (sg, cbow of -m) that many
               rounds, each: 1 thread, N threads, and N one-thread runs side by side (what
               the machine itself gives N independent jobs); prints each round and medians
  -x           also run wordpipe with --exact-updates (per-pair updates, fresh negatives)
  -k           keep the work directory (vectors, logs) and print its name
  -o file      append the result rows (TSV) to file
  -R file      print the table of a file written by -o and exit (runs nothing)
Environment: DATA (default ../shared/data), BIN (default build/bin), PY (default
/usr/bin/python3, which has Debian's python3-gensim), TMPDIR, W2V_ARGS (extra w2v-train
flags), NICE (default 'nice -n 10').
EOF
}

EPOCHS=5 MODES=sg,cbow TOOLS=gensim,fasttext,wordpipe THREADS=2 WORDS=0 KEEP=0 PAIRS=0 EXACT=0
RESULTS='' REPLAY='' DETERMINISTIC='' MPI_SYNC='' ROUNDS=0
while getopts "D:e:hkm:M:n:o:pr:R:t:T:x" opt; do
    case $opt in
    M) MPI_SYNC=$OPTARG ;;
    D) DETERMINISTIC=$OPTARG ;;
    e) EPOCHS=$OPTARG ;;
    h) usage; exit 0 ;;
    k) KEEP=1 ;;
    m) MODES=$OPTARG ;;
    n) WORDS=$OPTARG ;;
    o) RESULTS=$OPTARG ;;
    p) PAIRS=1 ;;
    r) ROUNDS=$OPTARG ;;
    R) REPLAY=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    x) EXACT=1 ;;
    *) usage >&2; exit 2 ;;
    esac
done
for v in "$EPOCHS" ${THREADS//,/ } "$WORDS" "$ROUNDS" ${DETERMINISTIC//,/ } ${MPI_SYNC//,/ }; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "w2v.sh: $v: expected a number" >&2; exit 2; }
done

# ---- the table: words/s from the training seconds; ratio to the fastest peer per mode ----
# Rows: tool mode train_s total_s rss_kb analogy spearman cpu_s [threads]; rows without the
# threads column (older -o files) ran with the threads argument.
print_table() { # rows.tsv words epochs threads date
    echo "# $5, $(nproc) cores, $2 words x $3 epochs, threads $4"
    awk -F'\t' -v words="$2" -v epochs="$3" -v threads="$4" '
    { n++; tool[n] = $1; mode[n] = $2; tr[n] = $3; tot[n] = $4; rss[n] = $5; an[n] = $6
      sp[n] = $7; cpu[n] = $8; th[n] = $9 != "" ? $9 : threads; key[n] = $2 " " th[n]
      wps[n] = tr[n] > 0 ? words * epochs / tr[n] : 0
      wpc[n] = cpu[n] > 0 ? words * epochs / cpu[n] : 0
      if (($1 == "gensim" || $1 == "fastText") && wps[n] > best[key[n]]) best[key[n]] = wps[n]
      if ($1 == "wordpipe") { direct[key[n]] = tr[n]; dan[key[n]] = an[n]; dcpu[key[n]] = cpu[n]
                              if (th[n] == 1) one[$2] = n }
      if ($1 ~ /^wordpipe-mpi/) { mpi[n] = 1 }
      if ($1 == "tok|pairs|w2v") piped[key[n]] = tr[n] }
    END {
      printf "%-16s %-5s %3s %8s %8s %8s %9s %6s %9s %8s %8s %8s\n", "tool", "mode", "thr",
             "train s", "total s", "cpu s", "words/s", "ratio", "words/cpu", "peak RSS",
             "analogy", "Spearman"
      for (i = 1; i <= n; i++)
          printf "%-16s %-5s %3s %8.1f %8.1f %8.1f %9.0f %6s %9.0f %6.0fMB %7.2f%% %8.3f\n",
                 tool[i], mode[i], th[i], tr[i], tot[i], cpu[i], wps[i],
                 (best[key[i]] > 0 ? sprintf("%.2fx", wps[i] / best[key[i]]) : "-"),
                 wpc[i], rss[i] / 1024, an[i], sp[i]
      for (i = 1; i <= n; i++)
          if (mpi[i] && direct[key[i]] > 0)
              printf "# %s: %s ranks x 1 thread against 1 process x %s threads: %.2fx the " \
                     "words/s, analogy %+.2f points (issue 10: within 1 point)\n", tool[i],
                     th[i], th[i], direct[key[i]] / tr[i], an[i] - dan[key[i]]
      for (i = 1; i <= n; i++) # issue 19: subwords against plain skip-gram and fastText
          if (tool[i] == "wordpipe" && mode[i] == "sub") {
              k = "sg " th[i]
              if (direct[k] > 0)
                  printf "# %s threads: w2v-train --subwords took %.2fx the time of plain " \
                         "skip-gram (%.2fx its cpu time; issue 19: at most 1.5x)\n", th[i],
                         tr[i] / direct[k], cpu[i] / dcpu[k]
              for (j = 1; j <= n; j++)
                  if (tool[j] == "fastText" && mode[j] == "sub" && th[j] == th[i])
                      printf "# %s threads: fastText with subwords took %.2fx the time of " \
                             "w2v-train --subwords (%.2fx its cpu time; issue 19: at least " \
                             "5x), analogy %+.2f points\n", th[i], tr[j] / tr[i],
                             cpu[j] / cpu[i], an[i] - an[j]
          }
      for (i = 1; i <= n; i++) # issue 20: thread scaling of w2v-train on the token stream
          if (tool[i] == "wordpipe" && mode[i] != "sub" && th[i] > 1 && (j = one[mode[i]]) != "" && tr[i] > 0)
              printf "# %s %s threads: w2v-train ran %.2fx as fast as on 1 thread, using " \
                     "%.2fx its cpu time (issue 20: at least 1.8x)\n", mode[i], th[i],
                     tr[j] / tr[i], cpu[i] / cpu[j]
      for (k in piped)
          if (direct[k] > 0)
              printf "# %s threads: tok | pairs | w2v-train took %.2fx the time of w2v-train " \
                     "on the token stream (issue 7: at most 1.10x)\n", k, piped[k] / direct[k]
    }' "$1"
    echo "# words/s = corpus words x epochs / train s (gensim: train(); fastText: after reading"
    echo "# its vocabulary; wordpipe: w2v-train on the token stream, vocabulary prebuilt;"
    echo "# tok|pairs|w2v: the whole pipe from the text, vocabulary prebuilt)."
    echo "# total s includes building the vocabulary (wordpipe: plus tok and vocab)."
    echo "# cpu s is user + system time of the whole command, words/cpu = words x epochs / cpu s:"
    echo "# cpu s well under threads x total s means other jobs had the cores (wall times inflated)."
}

if [ -n "$REPLAY" ]; then # print the table of a results file written by -o, run nothing
    [ -r "$REPLAY" ] || { echo "w2v.sh: $REPLAY: not readable" >&2; exit 1; }
    tmp_rows=$(mktemp)
    cut -f1-4 "$REPLAY" | sort -u | while IFS=$'\t' read -r d w e t; do
        awk -F'\t' -v k="$d $w $e $t" '$1 " " $2 " " $3 " " $4 == k' "$REPLAY" | cut -f5- \
            > "$tmp_rows"
        print_table "$tmp_rows" "$w" "$e" "$t" "$d"
    done
    rm -f "$tmp_rows"
    exit 0
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
BIN=${BIN:-$ROOT/build/bin}
PY=${PY:-/usr/bin/python3}
NICE=${NICE:-nice -n 10}
HERE=$ROOT/bench
corpus_gz=$DATA/enwiki-text8style.gz
questions=$DATA/questions-words.txt
wordsim=$DATA/wordsim353.tsv
for f in "$corpus_gz" "$questions" "$wordsim"; do
    [ -r "$f" ] || { echo "w2v.sh: $f not found (set DATA)" >&2; exit 1; }
done
has() { [[ ",$TOOLS," == *",$1,"* ]]; }

# ---- install what is missing (Debian packages, as root only) ----
need_pkgs=()
has gensim && ! "$PY" -c 'import gensim' 2>/dev/null && need_pkgs+=(python3-gensim)
has fasttext && ! command -v fasttext >/dev/null && need_pkgs+=(fasttext)
[ -x /usr/bin/time ] || need_pkgs+=(time)
"$PY" -c 'import gensim' 2>/dev/null || need_pkgs+=(python3-gensim) # the evaluator needs it
if [ ${#need_pkgs[@]} -gt 0 ]; then
    mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
    if [ "$(id -u)" = 0 ]; then
        echo "w2v.sh: installing ${need_pkgs[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
    else
        echo "w2v.sh: missing; run: sudo apt-get install ${need_pkgs[*]}" >&2
        exit 1
    fi
fi

# shellcheck source=bench/common.sh
. "$HERE/common.sh"
bench_workdir w2v "$KEEP"

# ---- the corpus, as every tool reads it ----
# text8 is one 100 MB line. gensim's corpus_file mode needs real lines (given that one line
# it trains on 40,000 words per epoch, at a few hundred words/s), so every tool gets the
# same words cut into lines of 1000, word2vec.c's MAX_SENTENCE_LENGTH (tok's default split).
# head closes the pipe early when -n is given: the SIGPIPE upstream is expected.
(set +o pipefail; zcat "$corpus_gz" | tr -s ' ' '\n' | sed '/^$/d' |
    if [ "$WORDS" -gt 0 ]; then head -n "$WORDS"; else cat; fi |
    awk '{ printf "%s%s", $0, NR % 1000 ? " " : "\n" } END { if (NR % 1000) print "" }' \
    > "$work/corpus.txt")
raw_words=$(wc -w < "$work/corpus.txt")
log "corpus: $raw_words words, epochs $EPOCHS, threads $THREADS, modes $MODES"


evaluate() { # vectors.txt -> "analogy spearman"
    local e
    e=$("$PY" "$HERE/w2v_eval.py" "$1" "$questions" "$wordsim")
    echo "$(field analogy "$e") $(field spearman "$e")"
}

add_row() { # tool mode train_s total_s rss_kb vectors.txt cpu_s (threads: $THREADS)
    local ev
    ev=$(evaluate "$6")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${ev% *}" \
        "${ev#* }" "$7" "$THREADS" >> "$rows"
    log "$1 $2 (-T $THREADS): train ${3}s, total ${4}s, cpu ${7}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# lr_for MODE: the starting learning rate every tool gets in MODE (word2vec.c's defaults)
lr_for() { case $1 in sg) echo 0.025 ;; *) echo 0.05 ;; esac; }

# train_flags MODE: w2v-train's mode and the bench's settings (no threads, seed or files)
train_flags() {
    case $1 in sub) echo -n "--sg --subwords 3-6" ;; *) echo -n "--$1" ;; esac
    echo " -a $(lr_for "$1") -d 100 -w 5 -n 5 -s 1e-4 -e $EPOCHS"
}

run_gensim() { # mode
    local r g
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/gensim-$1.log" -- \
        "$PY" "$HERE/gensim_train.py" "$work/corpus.txt" "$work/gensim-$1.txt" "$1" \
        "$EPOCHS" "$THREADS" "$(lr_for "$1")")
    g=$(tail -n 1 < <(grep 'train_s=' "$work/gensim-$1.log"))
    add_row gensim "$1" "$(field train_s "$g")" "$(field wall "$r")" "$(field rss_kb "$r")" \
        "$work/gensim-$1.txt" "$(field cpu "$r")"
}

run_fasttext() { # mode
    local r mode=skipgram sub=(-minn 0 -maxn 0)
    [ "$1" = cbow ] && mode=cbow
    [ "$1" = sub ] && sub=(-minn 3 -maxn 6) # its defaults, spelled out
    r=$($NICE "$PY" "$HERE/run.py" --marker "Number of labels" --log "$work/fasttext-$1.log" -- \
        fasttext "$mode" -input "$work/corpus.txt" -output "$work/fasttext-$1" -dim 100 -ws 5 \
        -neg 5 -t 1e-4 -minCount 5 -epoch "$EPOCHS" -thread "$THREADS" -lr "$(lr_for "$1")" \
        "${sub[@]}")
    add_row fastText "$1" "$(field train "$r")" "$(field wall "$r")" "$(field rss_kb "$r")" \
        "$work/fasttext-$1.vec" "$(field cpu "$r")"
}

wp_prep() {
    [ -f "$work/vocab.rec" ] && return 0
    local r
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/prep.log" -- sh -c \
        "'$BIN/tok' -q '$work/corpus.txt' > '$work/tokens.rec' &&
         '$BIN/vocab' -q -m 5 '$work/tokens.rec' > '$work/vocab.rec'")
    prep_s=$(field wall "$r")
    log "wordpipe: tok + vocab -m 5 took ${prep_s}s"
}

# run_mpi MODE SYNC: THREADS ranks x 1 thread on MPI (build/mpi/bin), --sync-words SYNC
run_mpi() {
    local r mode=$1 k=$2 label=wordpipe-mpi$2 root=() flags
    local mbin=${MPIBIN:-$ROOT/build/mpi/bin}
    [ -x "$mbin/w2v-train" ] && command -v mpirun >/dev/null ||
        { log "MPI: $mbin/w2v-train or mpirun missing (make deps-mpi mpi-tools): skipped"; return 0; }
    wp_prep
    [ "$(id -u)" != 0 ] || root=(--allow-run-as-root)
    read -ra flags <<< "$(train_flags "$mode")"
    # shellcheck disable=SC2086
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/$label-$mode.log" -- \
        mpirun "${root[@]}" --oversubscribe --mca btl_vader_single_copy_mechanism none \
        -np "$THREADS" "$mbin/w2v-train" "${flags[@]}" -t 1 --seed 1 --mpi --sync-words "$k" ${W2V_ARGS:-} -v "$work/vocab.rec" --format txt \
        -o "$work/$label-$mode.txt" "$work/tokens.rec")
    [ "$(field rc "$r")" = 0 ] || { log "mpirun w2v-train failed: see $work/$label-$mode.log"; return 0; }
    local t
    t=$(field wall "$r")
    add_row "$label" "$mode" "$t" "$(awk -v a="$t" -v b="$prep_s" 'BEGIN{printf "%.2f", a+b}')" \
        "$(field rss_kb "$r")" "$work/$label-$mode.txt" "$(field cpu "$r")"
}

# pipe_cmd MODE THREADS OUT: the pipe from the text, for bash -c
pipe_cmd() {
    echo "'$BIN/tok' -q -z 0 '$work/corpus.txt' |
          '$BIN/pairs' -q -z 0 --spans -v '$work/vocab.rec' -w 5 -s 1e-4 -e $EPOCHS --seed 1 |
          '$BIN/w2v-train' $(train_flags "$1") -t $2 --seed 1 ${W2V_ARGS:-} -q \
          -v '$work/vocab.rec' --format txt -o '$3'"
}

run_wordpipe() { # mode [label extra-flags...]
    local r mode=$1 label=${2:-wordpipe} flags
    shift $(( $# > 1 ? 2 : 1 ))
    read -ra flags <<< "$(train_flags "$mode")"
    wp_prep
    # shellcheck disable=SC2086 # W2V_ARGS is a list of flags
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/$label-$mode.log" -- \
        "$BIN/w2v-train" "${flags[@]}" -t "$THREADS" --seed 1 ${W2V_ARGS:-} "$@" -v "$work/vocab.rec" --format txt -o "$work/$label-$mode.txt" \
        "$work/tokens.rec")
    [ "$(field rc "$r")" = 0 ] || { log "w2v-train failed: see $work/$label-$mode.log"; return 0; }
    local t
    t=$(field wall "$r")
    add_row "$label" "$mode" "$t" "$(awk -v a="$t" -v b="$prep_s" 'BEGIN{printf "%.2f", a+b}')" \
        "$(field rss_kb "$r")" "$work/$label-$mode.txt" "$(field cpu "$r")"
    [ "$PAIRS" = 1 ] && [ "$label" = wordpipe ] && [ "$mode" != sub ] || return 0
    set -- "$mode"
    # the same training end to end through pipes, from the text (issue 7: within 10% of
    # w2v-train on the token stream); pairs writes the first epoch as the tokens come (the
    # header's count estimated), spools them and replays the other epochs, stored (-z 0 here and from tok: a local pipe needs no
    # compression, and deflating tokens delayed pairs' first byte by 1.5 s), as spans: each
    # kept word with its window radius, the contexts listed by w2v-train's workers
    r=$($NICE "$PY" "$HERE/run.py" --log "$work/wordpipe-pipe-$1.log" -- bash -o pipefail -c \
        "$(pipe_cmd "$1" "$THREADS" "$work/wordpipe-pipe-$1.txt")")
    [ "$(field rc "$r")" = 0 ] || { log "tok | pairs | w2v-train failed: see its log"; return 0; }
    t=$(field wall "$r")
    add_row "tok|pairs|w2v" "$1" "$t" "$(awk -v a="$t" -v b="$prep_s" 'BEGIN{printf "%.2f", a+b}')" \
        "$(field rss_kb "$r")" "$work/wordpipe-pipe-$1.txt" "$(field cpu "$r")"
}

prep_s=0
THREAD_LIST=$THREADS
for THREADS in ${THREAD_LIST//,/ }; do
    for mode in ${MODES//,/ }; do
        case $mode in sg|cbow|sub) ;; *) echo "w2v.sh: $mode: modes are sg, cbow and sub" >&2; exit 2 ;; esac
        if has gensim && [ "$mode" != sub ]; then log "gensim $mode"; run_gensim "$mode"; fi
        if has fasttext; then log "fastText $mode"; run_fasttext "$mode"; fi
        if has wordpipe; then
            if [ -x "$BIN/w2v-train" ] && [ -x "$BIN/tok" ] && [ -x "$BIN/vocab" ]; then
                log "wordpipe $mode"; run_wordpipe "$mode"
                if [ "$EXACT" = 1 ]; then
                    log "wordpipe $mode --exact-updates"
                    run_wordpipe "$mode" wordpipe-exact --exact-updates
                fi
                [ "$mode" = sub ] && continue # no --deterministic, --mpi with --subwords yet
                for k in ${DETERMINISTIC//,/ }; do
                    log "wordpipe $mode --deterministic --sync-words $k"
                    run_wordpipe "$mode" "wordpipe-det$k" --deterministic --sync-words "$k"
                done
                for k in ${MPI_SYNC//,/ }; do
                    log "wordpipe $mode on MPI: $THREADS ranks x 1 thread, --sync-words $k"
                    run_mpi "$mode" "$k"
                done
            else
                log "wordpipe: $BIN/w2v-train, tok or vocab not built (run make): skipped"
            fi
        fi
    done
done
THREADS=$THREAD_LIST

# ---- thread scaling in rounds (-r): one bench run's 1-thread and N-thread rows are two
# draws minutes apart, and on a shared virtual machine the same binary's ratio moved from
# 1.15x to 2.11x within minutes (2026-12-06); rounds alternate the runs and take medians, and
# N one-thread runs side by side (same work each, seeds 1..N) show what the machine gives N
# jobs that share nothing: the ceiling for the threads' ratio at that hour.
# time_cmd COMMAND: run.py's line for bash -c COMMAND; fails (logged) if the command did
time_cmd() {
    local line
    line=$($NICE "$PY" "$HERE/run.py" -- bash -o pipefail -c "$1")
    [ "$(field rc "$line")" = 0 ] || { log "failed: $1"; return 1; }
    echo "$line"
}

scaling_rounds() {
    local one=${THREAD_LIST%%,*} many=${THREAD_LIST##*,} mode r i line args res side
    local t1 tn tp p1=- pn=- c1 cn
    if [ "$one" != 1 ] || [ "$many" -le 1 ]; then
        log "-r needs -T 1,N: skipped"
        return 0
    fi
    wp_prep
    for mode in ${MODES//,/ }; do
        [ "$mode" = sub ] && continue
        args="$(train_flags "$mode") -q"
        args+=" ${W2V_ARGS:-} -v $work/vocab.rec --format txt $work/tokens.rec"
        res=$work/scaling-$mode.tsv
        : > "$res"
        side=''
        for i in $(seq "$many"); do
            side+="'$BIN/w2v-train' $args -t 1 --seed $i -o '$work/scale-p$i.txt' & "
        done
        for r in $(seq "$ROUNDS"); do
            line=$(time_cmd "'$BIN/w2v-train' $args -t 1 --seed 1 -o '$work/scale-1.txt'") ||
                return 0
            t1=$(field wall "$line") c1=$(field cpu "$line")
            line=$(time_cmd "'$BIN/w2v-train' $args -t $many --seed 1 -o '$work/scale-n.txt'") ||
                return 0
            tn=$(field wall "$line") cn=$(field cpu "$line")
            line=$(time_cmd "${side}for p in \$(jobs -p); do wait \$p || exit 1; done") ||
                return 0
            tp=$(field wall "$line")
            if [ "$PAIRS" = 1 ]; then
                for i in 1 "$many"; do
                    line=$(time_cmd "$(pipe_cmd "$mode" "$i" "$work/scale-pipe.txt")") ||
                        return 0
                    if [ "$i" = 1 ]; then p1=$(field wall "$line"); else pn=$(field wall "$line"); fi
                done
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t1" "$tn" "$tp" "$c1" "$cn" "$p1" "$pn" \
                >> "$res"
            log "scaling $mode round $r: 1 thread ${t1}s, $many threads ${tn}s, $many" \
                "one-thread runs side by side ${tp}s, pipes ${p1}s / ${pn}s"
        done
        awk -F'\t' -v mode="$mode" -v n="$many" '
        function median(a, k,   i, j, x) { # sorts a[1..k] in place
            for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--)
                a[j + 1] = a[j]; a[j + 1] = x }
            return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        { k++; sp[k] = $1 / $2; cr[k] = $5 / $4; ce[k] = n * $1 / $3
          printf "# %s round %d: 1 thread %.1f s, %d threads %.1f s (%.2fx, cpu %.2fx), %d " \
                 "one-thread runs side by side %.1f s (%.2fx the work of one in the time)",
                 mode, k, $1, n, $2, sp[k], cr[k], n, $3, ce[k]
          if ($6 != "-") { q1[k] = $6 / $1; qn[k] = $7 / $2
              printf "; tok | pairs | w2v-train %.1f s / %.1f s (%.2fx / %.2fx)", $6, $7,
                     q1[k], qn[k] }
          printf "\n" }
        END { if (k == 0) exit
              printf "# %s, median of %d rounds: %d threads %.2fx as fast as 1 (cpu %.2fx; " \
                     "issue 20: at least 1.8x); %d independent one-thread runs %.2fx\n",
                     mode, k, n, median(sp, k), median(cr, k), n, median(ce, k)
              if (q1[1] != "")
                  printf "# %s, median of %d rounds: tok | pairs | w2v-train took %.2fx (1 " \
                         "thread) and %.2fx (%d threads) the time of w2v-train on the token " \
                         "stream (issue 20: at most 1.10x)\n", mode, k, median(q1, k),
                         median(qn, k), n }' "$res" >> "$work/scaling.txt"
    done
}

[ "$ROUNDS" -gt 0 ] && has wordpipe && scaling_rounds

[ -n "$RESULTS" ] && awk -v d="$(date -u +%F)" -v w="$raw_words" -v e="$EPOCHS" -v t="$THREADS" \
    'BEGIN{OFS="\t"} {print d, w, e, t, $0}' "$rows" >> "$RESULTS"


print_table "$rows" "$raw_words" "$EPOCHS" "$THREADS" "$(date -u '+%F %H:%M UTC')"
[ ! -s "$work/scaling.txt" ] || cat "$work/scaling.txt"
