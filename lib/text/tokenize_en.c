/* tokenize_en.c - Penn Treebank splitting and sentence ends for English, one chunk (the
 * code points between two separators) at a time. Every rule was kept only if it raised
 * the agreement with the UD English Web Treebank train split (bench/tok_ewt.py). */
#include "tokenize_en.h"

#include <string.h>

#include "tokenize.h"

static int
is_word(uint32_t c)
{
    return tok_class_cp(c) == TOK_WORD;
}

static int
is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static int
is_letter(uint32_t c)
{
    return is_word(c) && !is_digit(c);
}

static int
is_upper(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0x80 && tok_lower_cp(c) != c);
}

static int
is_hyphen(uint32_t c)
{
    return c == '-' || c == 0x2010 || c == 0x2011;
}

static int
is_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019;
}

/* Ends a sentence: . ! ? and U+2026 HORIZONTAL ELLIPSIS. */
static int
is_term(uint32_t c)
{
    return c == '.' || c == '!' || c == '?' || c == 0x2026;
}

static int
is_closer(uint32_t c)
{
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == 0x2019 ||
           c == 0x201D || c == 0x00BB || c == 0x203A;
}

static int
is_opener(uint32_t c)
{
    return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{' || c == '`' ||
           c == 0x2018 || c == 0x201C || c == 0x00AB || c == 0x2039 || c == 0x00BF ||
           c == 0x00A1;
}

/* cp[0..n) equals the ASCII word w, compared exactly or ignoring ASCII case. */
static int
equals(const uint32_t *cp, size_t n, const char *w, int nocase)
{
    size_t i = 0;
    for (; i < n && w[i] != '\0'; i++) {
        uint32_t c = cp[i];
        if (nocase && c >= 'A' && c <= 'Z')
            c += 32;
        if (c != (unsigned char)w[i])
            return 0;
    }
    return i == n && w[i] == '\0';
}

static int
in_list(const uint32_t *cp, size_t n, const char *const *list, int nocase)
{
    for (; *list != NULL; list++)
        if (equals(cp, n, *list, nocase))
            return 1;
    return 0;
}

/* Words written with a period that does not end a sentence (case as written). */
static const char *const abbrevs[] = {
    "Mr", "Mrs", "Ms", "Messrs", "Dr", "Prof", "St", "Jr", "Sr", "Mt", "Ft", "Lt", "Gen",
    "Col", "Capt", "Sgt", "Cpl", "Adm", "Gov", "Sen", "Rep", "Reps", "Rev", "Hon", "Pres",
    "Inc", "Ltd", "Co", "Corp", "Bros", "No", "Nos", "vs", "etc", "al", "approx", "Dept",
    "dept", "Attn", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
    "Nov", "Dec", "Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun",
    "Ave", "Blvd", "Rd", "Hwy", "Fig", "fig", "eg", "ie", "cf", "viz", "pp", "Vol", "vol",
    "ext", "Ph", "Univ", "Assn", "Arrv", NULL,
};

/* Hyphenated prefixes that EWT keeps inside the word (lowercase; compared ignoring case). */
static const char *const prefixes[] = {
    "e", "non", "pre", "mid", "anti", "re", "post", "co", "multi", "pro", "ex", "over",
    "semi", "cross", "neo", "sub", "counter", "intra", "inter", "vice", "micro", "un",
    "ultra", "extra", "bi", "tri", "mis", "macro", "mega", "pseudo", "quasi", NULL,
};

/* Clitics split off after an apostrophe (compared ignoring case); n't is handled apart. */
static const char *const clitics[] = {"s", "re", "ve", "ll", "d", "m", NULL};

/* Contractions written without an apostrophe, split before their last two letters as
 * EWT does (do nt, ca nt), and other words EWT splits (compared ignoring case). */
static const char *const no_apostrophe[] = {
    "dont", "didnt", "doesnt", "cant", "wont", "isnt", "wasnt", "couldnt", "wouldnt",
    "shouldnt", "arent", "werent", "havent", "hasnt", "aint", "gonna", "wanna", "gotta",
    NULL,
};

/* The end of an address: top-level domains and file name extensions (ignoring case). */
static const char *const extensions[] = {
    "com", "org", "net", "edu", "gov", "mil", "uk", "html", "htm", "php", "asp", "aspx",
    "jsp", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "zip", "jpg",
    "jpeg", "gif", "png", "mp3", "url", "exe", NULL,
};

/* The word w[0..n) followed by a period is an abbreviation: dotted (U.S, e.g: single
 * letters joined by periods), one capital letter (an initial), or a listed word. */
static int
is_abbrev(const uint32_t *w, size_t n, int dotted)
{
    if (dotted)
        return 1;
    if (n == 1 && is_upper(w[0]))
        return 1;
    return in_list(w, n, abbrevs, 0);
}

/* Letters separated by periods, each a single letter: U.S, e.g, p.m. */
static int
is_dotted(const uint32_t *w, size_t n)
{
    if (n < 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((i % 2 == 0) != (is_letter(w[i]) != 0) || (i % 2 == 1 && w[i] != '.'))
            return 0;
    return n % 2 == 1;
}

static size_t
digits_before(const uint32_t *cp, size_t lo, size_t j)
{
    size_t k = j;
    while (k > lo && is_digit(cp[k - 1]))
        k--;
    return j - k;
}

static size_t
digits_from(const uint32_t *cp, size_t j, size_t hi)
{
    size_t k = j;
    while (k < hi && is_digit(cp[k]))
        k++;
    return k - j;
}

/* A hyphen at j between digits in a phone number: groups of digits joined by hyphens
 * (555-1234, 713-853-3989, 1-800-991-9019), the last of 4 digits, the first not (so
 * 1999-2000 splits). */
static int
phone_hyphen(const uint32_t *cp, size_t lo, size_t j, size_t hi)
{
    size_t a = j - digits_before(cp, lo, j);
    while (a > lo + 1 && is_hyphen(cp[a - 1]) && is_digit(cp[a - 2]))
        a -= 1 + digits_before(cp, lo, a - 1);
    size_t b = j + 1 + digits_from(cp, j + 1, hi), last = b - (j + 1);
    while (b + 1 < hi && is_hyphen(cp[b]) && is_digit(cp[b + 1])) {
        last = digits_from(cp, b + 1, hi);
        b += 1 + last;
    }
    if (b < hi && is_word(cp[b]))
        return 0;
    return last == 4 && digits_from(cp, a, hi) != 4;
}

/* A URL or e-mail address: the part of cp[0..n) between leading opening and trailing
 * closing punctuation, when it holds "://", starts with "www." or has an '@' between two
 * word characters. */
static int
find_address(const uint32_t *cp, size_t n, size_t *a, size_t *b)
{
    size_t lo = 0, hi = n;
    while (lo < n && (is_opener(cp[lo]) || cp[lo] == '<'))
        lo++;
    while (hi > lo && (is_closer(cp[hi - 1]) || cp[hi - 1] == '>' || cp[hi - 1] == '.' ||
                       cp[hi - 1] == ',' || cp[hi - 1] == ';' || cp[hi - 1] == ':' ||
                       cp[hi - 1] == '!' || cp[hi - 1] == '?'))
        hi--;
    if (hi <= lo)
        return 0;
    int found = hi - lo > 4 && equals(cp + lo, 4, "www.", 1);
    size_t dot = hi;
    while (dot > lo && is_letter(cp[dot - 1]))
        dot--;
    if (dot > lo + 1 && dot < hi && cp[dot - 1] == '.' && is_word(cp[dot - 2]) &&
        in_list(cp + dot, hi - dot, extensions, 1))
        found = 1; /* whitehouse.gov, ENRON.XLS */
    for (size_t i = lo; i < hi && !found; i++) {
        if (cp[i] == ':' && i + 2 < hi && cp[i + 1] == '/' && cp[i + 2] == '/' && i > lo)
            found = 1;
        if (cp[i] == '@' && i > lo && i + 1 < hi && is_word(cp[i - 1]) && is_word(cp[i + 1]))
            found = 1;
    }
    *a = lo;
    *b = hi;
    return found;
}

struct splitter {
    const uint32_t *cp;
    struct tok_span *out;
    size_t k;
};

static void
put(struct splitter *s, size_t start, size_t end, int punct)
{
    if (end > start)
        s->out[s->k++] = (struct tok_span){start, end, punct};
}

/* A whole word cp[start, end), split where EWT splits words without punctuation:
 * can not, do nt, gon na, I m, 7:30 PM. */
static void
put_word(struct splitter *s, size_t start, size_t end)
{
    const uint32_t *w = s->cp + start;
    const size_t n = end - start;
    size_t cut = 0;
    if (equals(w, n, "cannot", 1))
        cut = 3;
    else if (in_list(w, n, no_apostrophe, 1))
        cut = n - 2;
    else if (equals(w, n, "im", 1))
        cut = 1;
    else if (n > 2 && (equals(w + n - 2, 2, "am", 1) || equals(w + n - 2, 2, "pm", 1)) &&
             is_digit(w[n - 3]))
        cut = n - 2;
    put(s, start, start + cut, 0);
    put(s, start + cut, end, 0);
}

/* The word starting at cp[i] (a word character), up to hi: emits it and whatever it
 * splits into, returns where the rest begins (punctuation, or hi). */
static size_t
split_word(struct splitter *s, size_t i, size_t hi, int line_end)
{
    const uint32_t *cp = s->cp;
    size_t start = i, seg = i, j = i;
    for (;;) {
        while (j < hi && is_word(cp[j]))
            j++;
        if (j + 1 >= hi || !is_word(cp[j + 1]))
            break; /* the end, or punctuation not followed by a word character */
        const uint32_t p = cp[j], l = cp[j - 1], r = cp[j + 1];
        int join = 0;
        if (is_apostrophe(p) || p == '`') {
            size_t e = j + 1;
            while (e < hi && is_word(cp[e]))
                e++;
            if (e - (j + 1) == 1 && (r == 't' || r == 'T') && (l == 'n' || l == 'N') &&
                j - 1 > start && p != '`') {
                put(s, start, j - 1, 0); /* do n't, ca n't */
                put(s, j - 1, e, 0);
                return e;
            }
            if (in_list(cp + j + 1, e - (j + 1), clitics, 1) &&
                !(is_digit(l) && (r == 's' || r == 'S'))) {
                put(s, start, j, 0); /* John 's, we 're, but 1960's */
                put(s, j, e, 0);
                return e;
            }
            join = p != '`'; /* O'Neil, rock'n'roll */
        } else if (p == '.') {
            join = (is_digit(l) && is_digit(r)) ||
                   (j - seg == 1 && is_letter(l) && is_letter(r) &&
                    (j + 2 >= hi || !is_word(cp[j + 2])));
        } else if (p == ',' || p == ':' || p == '/') {
            join = is_digit(l) && is_digit(r);
        } else if (p == '&' || p == '_') {
            join = 1; /* AT&T, P&L, file_name */
        } else if (is_hyphen(p)) {
            if (is_digit(l) && is_digit(r))
                join = phone_hyphen(cp, seg, j, hi);
            else if (in_list(cp + seg, j - seg, prefixes, 1))
                join = 1;
            if (!join) {
                put(s, start, j, 0); /* Al - Zaman */
                put(s, j, j + 1, 1);
                start = seg = j = j + 1;
                continue;
            }
        }
        if (!join)
            break;
        seg = ++j;
    }
    if (j < hi && cp[j] == '.' && !(j + 1 < hi && is_term(cp[j + 1])) &&
        is_abbrev(cp + start, j - start, is_dotted(cp + start, j - start)) &&
        !(line_end && j + 1 == hi)) {
        put(s, start, j + 1, 0); /* Mr. U.S. e.g. J. */
        return j + 1;
    }
    put_word(s, start, j);
    return j;
}

/* Punctuation starting at cp[i]: a run of . ! ? (and U+2026), a run of one character, or
 * an emoticon. Returns where the rest begins. */
static size_t
split_punct(struct splitter *s, size_t i, size_t hi)
{
    const uint32_t *cp = s->cp;
    const uint32_t c = cp[i];
    size_t j = i + 1;
    if (is_term(c)) {
        while (j < hi && is_term(cp[j]))
            j++;
    } else if ((c == ':' || c == ';') && j < hi) {
        if (cp[j] == '-' && j + 1 < hi)
            j++;
        if ((cp[j] == ')' || cp[j] == '(') && (j + 1 == hi || !is_word(cp[j + 1])))
            j++;
        else
            j = i + 1;
    } else {
        while (j < hi && cp[j] == c)
            j++;
    }
    put(s, i, j, 1);
    return j;
}

/* An apostrophe at cp[i] that starts a token: a clitic written apart ('s, 're) or a year
 * cut to two digits ('72, '90s). Returns where the token ends, or i when it is none. */
static size_t
apostrophe_token(const uint32_t *cp, size_t i, size_t hi)
{
    if (!is_apostrophe(cp[i]))
        return i;
    size_t e = i + 1;
    while (e < hi && is_word(cp[e]))
        e++;
    const size_t n = e - (i + 1), digits = digits_from(cp, i + 1, e);
    if (in_list(cp + i + 1, n, clitics, 1) ||
        (digits == 2 && (n == 2 || (n == 3 && (cp[e - 1] == 's' || cp[e - 1] == 'S')))))
        return e;
    return i;
}

static void
split_range(struct splitter *s, size_t lo, size_t hi, int line_end)
{
    size_t i = lo;
    while (i < hi) {
        const size_t e = apostrophe_token(s->cp, i, hi);
        if (e > i) {
            put(s, i, e, 0);
            i = e;
            continue;
        }
        i = is_word(s->cp[i]) ? split_word(s, i, hi, line_end) : split_punct(s, i, hi);
    }
}

size_t
tok_en_split(const uint32_t *cp, size_t n, int line_end, struct tok_span *out)
{
    struct splitter s = {cp, out, 0};
    size_t a, b;
    if (find_address(cp, n, &a, &b)) {
        split_range(&s, 0, a, 0);
        put(&s, a, b, 0);
        split_range(&s, b, n, line_end);
    } else {
        split_range(&s, 0, n, line_end);
    }
    return s.k;
}

int
tok_en_sentence_end(const uint32_t *cp, size_t n, uint32_t next)
{
    size_t e = n;
    while (e > 0 && is_closer(cp[e - 1]))
        e--;
    if (e == 0 || !is_term(cp[e - 1]))
        return 0;
    if (!is_upper(next) && !is_digit(next) && !is_opener(next))
        return 0;
    if (cp[e - 1] == '.' && (e < 2 || cp[e - 2] != '.')) {
        size_t w = e - 1;
        while (w > 0 && (is_word(cp[w - 1]) || cp[w - 1] == '.' || is_apostrophe(cp[w - 1]) ||
                         is_hyphen(cp[w - 1])))
            w--; /* the word before the period: didn't, U.S, well-known */
        const size_t len = e - 1 - w;
        if ((len == 1 && is_letter(cp[w])) || is_dotted(cp + w, len) ||
            in_list(cp + w, len, abbrevs, 0))
            return 0;
        size_t first = 0;
        while (first < w && !is_word(cp[first]))
            first++;
        if (len >= 1 && len <= 2 && digits_from(cp, w, e) == len && first == w)
            return 0; /* a list item number alone in its chunk: 1. *2. */
    }
    return 1;
}
