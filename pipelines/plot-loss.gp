# pipelines/plot-loss.gp - training loss and learning rate of w2v-train against the words
# processed, from its --log TSV (header line; columns seconds, epoch, words, windows, lr,
# loss, words_per_sec). usage:
#   gnuplot -e "logfile='sg.log'; out='sg-loss.png'; name='sg'" pipelines/plot-loss.gp
if (!exists("logfile")) logfile = 'sg.log'
if (!exists("out")) out = 'loss.png'
if (!exists("name")) name = 'w2v-train'

# pngcairo draws antialiased lines; the libgd png terminal is the fallback.
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,540 enhanced font 'sans,10'
} else {
    set terminal png size 900,540
}
set output out

set datafile separator "\t"
set key autotitle columnhead
set title sprintf("%s: training loss and learning rate", name)
set xlabel "words processed (millions)"
set ylabel "loss (running mean, nats per prediction)"
set y2label "learning rate"
set ytics nomirror
set y2tics
set y2range [0:*]
set grid xtics ytics
set key top right

plot logfile using ($3/1e6):6 with linespoints lw 2 pt 7 ps 0.6 lc rgb '#1f77b4' title 'loss' axes x1y1, \
     logfile using ($3/1e6):5 with lines lw 2 dt 2 lc rgb '#d62728' title 'learning rate' axes x1y2
