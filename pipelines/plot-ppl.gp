# pipelines/plot-ppl.gp - training and validation perplexity of elmo-train per epoch, from
# its --log TSV (header line; columns epoch, lr, train_ppl, valid_fwd, valid_bwd,
# tokens_per_s, seconds; a last "test" line is skipped). usage:
#   gnuplot -e "logfile='word-forward.log'; out='ppl.png'; name='word-forward'" pipelines/plot-ppl.gp
if (!exists("logfile")) logfile = 'ptb.log'
if (!exists("out")) out = 'ppl.png'
if (!exists("name")) name = 'elmo-train'

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,540 enhanced font 'sans,10'
} else {
    set terminal png size 900,540
}
set output out

set datafile separator "\t"
set title sprintf("%s: perplexity per epoch", name)
set xlabel "epoch"
set ylabel "perplexity"
set logscale y
set grid xtics ytics
set key top right

# the "test" line has no numeric epoch and is dropped by the valid() filter
plot logfile every ::1 using (valid(1) ? $1 : NaN):3 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'train', \
     logfile every ::1 using (valid(1) ? $1 : NaN):4 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'valid (forward)', \
     logfile every ::1 using (valid(1) ? $1 : NaN):($5 > 0 ? $5 : NaN) with linespoints lw 2 pt 9 lc rgb '#2ca02c' title 'valid (backward)'
