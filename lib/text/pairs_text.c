/* pairs_text.c - word2vecf's word<TAB>context lines counted and grouped (pairs_text.h). */
#include "pairs_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/spool.h"
#include "common/status.h"
#include "stream/rec.h"
#include "vocab.h"

int
pairs_text_split(char *line, size_t len, char **ctx, size_t *wl, size_t *cl)
{
    /* a wordpipe stream's signature up to its "\r\n" is the first line of a stream */
    const size_t sig_line = sizeof "\x8BWPS\r\n" - 1;
    if (len >= sig_line && memcmp(line, REC_SIGNATURE, sig_line) == 0)
        return WP_EMAGIC;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len == 0)
        return 0;
    char *tab = memchr(line, '\t', len);
    if (tab == NULL || tab == line || tab == line + len - 1 ||
        memchr(tab + 1, '\t', (size_t)(line + len - tab - 1)) != NULL ||
        memchr(line, '\0', len) != NULL)
        return WP_EFORMAT;
    *wl = (size_t)(tab - line);
    *ctx = tab + 1;
    *cl = len - *wl - 1;
    return 1;
}

/* The end of a pass over fp: a read error is WP_EIO with errno kept across free. */
static int
pass_end(FILE *fp, char *line, int rc, struct pairs_text_err *err)
{
    const int e = errno;
    if (rc == WP_OK && ferror(fp)) {
        rc = WP_EIO;
        err->spool = 0;
    }
    free(line);
    errno = e;
    return rc;
}

int
pairs_text_count(FILE *fp, FILE *copy, struct vocab *v, struct vocab *cv, uint64_t *pairs,
                 void (*progress)(void *pctx, uint64_t pairs), void *pctx,
                 struct pairs_text_err *err)
{
    char *line = NULL, *ctx;
    size_t cap = 0, wl, cl;
    ssize_t len;
    int rc = WP_OK;
    *err = (struct pairs_text_err){0};
    *pairs = 0;
    while (rc == WP_OK && (len = getline(&line, &cap, fp)) > 0) {
        err->line++;
        if (copy != NULL && fwrite(line, 1, (size_t)len, copy) != (size_t)len) {
            if (errno == 0)
                errno = EIO;
            err->spool = 1;
            rc = WP_EIO;
            break;
        }
        const int r = pairs_text_split(line, (size_t)len, &ctx, &wl, &cl);
        if (r <= 0) {
            rc = r;
            continue;
        }
        if ((v != NULL && vocab_add(v, line, wl, 1) < 0) || vocab_add(cv, ctx, cl, 1) < 0) {
            rc = WP_ENOMEM;
            break;
        }
        ++*pairs;
        if (progress != NULL)
            progress(pctx, *pairs);
    }
    return pass_end(fp, line, rc, err);
}

/* The group of buf[2..2+n) of word w, as a spool record. */
static int
flush_group(FILE *spool, uint32_t *buf, uint32_t w, size_t n, struct pairs_text_groups *out,
            struct pairs_text_err *err)
{
    if (n == 0)
        return WP_OK;
    buf[0] = w;
    buf[1] = (uint32_t)n;
    if (spool_put_u32(spool, buf, n + 2) < 0) {
        err->spool = 1;
        return WP_EIO;
    }
    out->groups++;
    if (n > out->max_ctx)
        out->max_ctx = n;
    return WP_OK;
}

int
pairs_text_group(FILE *fp, const struct vocab *v, const struct vocab *cv, uint32_t max,
                 FILE *spool, struct pairs_text_groups *out, struct pairs_text_err *err)
{
    char *line = NULL, *ctx;
    size_t cap = 0, wl, cl, n = 0;
    ssize_t len;
    int64_t cur = -1;
    uint32_t *buf = malloc(((size_t)max + 2) * sizeof *buf);
    int rc = buf == NULL ? WP_ENOMEM : WP_OK;
    *err = (struct pairs_text_err){0};
    *out = (struct pairs_text_groups){0};
    while (rc == WP_OK && (len = getline(&line, &cap, fp)) > 0) {
        const int r = pairs_text_split(line, (size_t)len, &ctx, &wl, &cl);
        err->line++;
        if (r <= 0) {
            rc = r;
            continue;
        }
        const int64_t w = vocab_lookup(v, line, wl), c = vocab_lookup(cv, ctx, cl);
        if (w != cur || n == max) {
            rc = flush_group(spool, buf, (uint32_t)cur, n, out, err);
            cur = w;
            n = 0;
        }
        if (w >= 0 && c >= 0)
            buf[2 + n++] = (uint32_t)c;
    }
    if (rc == WP_OK)
        rc = flush_group(spool, buf, (uint32_t)cur, n, out, err);
    free(buf);
    return pass_end(fp, line, rc, err);
}
