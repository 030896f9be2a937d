# pipelines/plot-probe.gp - make probe's bar chart: dev UPOS accuracy and accuracy on words
# unseen in EWT train, per representation, from DIR/chart.dat ("row" all unseen). usage:
#   gnuplot -e "dat='runs/probe/chart.dat'; out='runs/probe/chart.png'" pipelines/plot-probe.gp
if (!exists("dat")) dat = 'chart.dat'
if (!exists("out")) out = 'chart.png'

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,540 enhanced font 'sans,10'
} else {
    set terminal png size 900,540
}
set output out
set title "UPOS accuracy on UD EWT dev: linear probes (h-: one hidden layer of ReLU units)"
set ylabel "accuracy (%)"
set yrange [0:100]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set grid ytics
plot dat using 2:xtic(1) title "all words", '' using 3 title "words unseen in EWT train"
