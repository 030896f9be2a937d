# pipelines/probe-baseline.awk - the most-frequent-tag baseline of make probe. Two inputs,
# train then dev, each alternating a sentence's words and its labels (one line each, space
# separated, as wpcat --lines prints token streams). A dev word gets its most frequent tag in
# train; a word never seen there gets the most frequent tag overall. Prints the rows of
# probe --eval --format tsv that the report reads.
FNR == 1 { file++ }
FNR % 2 == 1 { nw = split($0, w, " "); next }
{
    nl = split($0, l, " ")
    if (nl != nw) { printf "probe-baseline: %s: line %d: %d words, %d labels\n", FILENAME, FNR, nw, nl > "/dev/stderr"; exit 3 }
    for (i = 1; i <= nw; i++) {
        if (file == 1) { count[w[i], l[i]]++; seen[w[i]] = 1; tags[l[i]]++; continue }
        if (!(w[i] in best)) best[w[i]] = pick(w[i])
        guess = (w[i] in seen) ? best[w[i]] : top
        n++; ok += guess == l[i]
        if (!(w[i] in seen)) { nu++; oku += guess == l[i] }
    }
}
function pick(word,   t, b, bc) {
    if (top == "") for (t in tags) if (tags[t] > tags[top] || top == "") top = t
    b = top; bc = -1
    for (t in tags) if ((word, t) in count && (count[word, t] > bc || (count[word, t] == bc && t < b))) { b = t; bc = count[word, t] }
    return b
}
END {
    if (top == "") for (t in tags) if (tags[t] > tags[top] || top == "") top = t
    printf "metric\tlabel\tvalue\n"
    printf "accuracy\tall\t%.4f\n", n ? 100 * ok / n : 0
    printf "accuracy\tunseen\t%.4f\n", nu ? 100 * oku / nu : 0
    printf "examples\tall\t%d\n", n
    printf "examples\tunseen\t%d\n", nu
    printf "seconds\tall\t0.0\n"
}
