# pipelines/plot-map.gp - words on the plane of their top two principal components, from
# the TSV of `knn --map` (no header; columns word, x, y). Both axes share one scale, so
# distances on the picture are the distances in the plane. usage:
#   gnuplot -e "mapfile='sg-map.tsv'; out='sg-map.png'; name='sg'" pipelines/plot-map.gp
if (!exists("mapfile")) mapfile = 'map.tsv'
if (!exists("out")) out = 'map.png'
if (!exists("name")) name = 'vectors'

# pngcairo draws antialiased text; the libgd png terminal is the fallback.
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,760 enhanced font 'sans,11'
} else {
    set terminal png size 900,760
}
set output out

set datafile separator "\t"
set title sprintf("%s: chosen words on their first two principal components", name)
set xlabel "component 1"
set ylabel "component 2"
set size ratio -1
set offsets graph 0.08, graph 0.12, graph 0.06, graph 0.06
set grid xtics ytics
unset key

# noenhanced: a word is printed as written, never read as markup (x_1, a^b)
plot mapfile using 2:3 with points pt 7 ps 1.1 lc rgb '#1f77b4', \
     mapfile using 2:3:1 with labels left offset char 0.7,0.35 noenhanced tc rgb '#222222'
