/* tokens_stream.h - a tokens stream for the unit tests, in an unlinked temporary file rewound
 * for reading: one record per sentence, each given as its words separated by single spaces
 * ("" is an empty sentence), then, when bad is not NULL, the badlen bytes of bad as a last
 * record that need not decode. NULL on any error. */
#ifndef WP_TOKENS_STREAM_H
#define WP_TOKENS_STREAM_H

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

enum { TOKENS_STREAM_MAX = 16 };   /* words in a sentence */

static inline FILE *
tokens_stream(const char *const *sents, size_t nsents, const char *bad, size_t badlen)
{
    FILE *fp = tmpfile();
    struct rec_writer *w;
    struct buf b = {0};
    if (fp == NULL || rec_writer_open(&w, fp, REC_TOKENS, NULL, 0) < 0)
        return NULL;
    int rc = WP_OK;
    for (size_t i = 0; i < nsents; i++) {
        const unsigned char *tok[TOKENS_STREAM_MAX];
        size_t len[TOKENS_STREAM_MAX], n = 0;
        for (const char *p = sents[i]; *p != '\0' && n < TOKENS_STREAM_MAX; n++) {
            const char *sp = strchr(p, ' ');
            tok[n] = (const unsigned char *)p;
            len[n] = sp != NULL ? (size_t)(sp - p) : strlen(p);
            p += len[n] + (sp != NULL);
        }
        b.len = 0;
        rc |= rec_tokens_encode(&b, tok, len, n);
        rc |= rec_writer_put(w, b.p, b.len);
    }
    if (bad != NULL)
        rc |= rec_writer_put(w, bad, badlen);
    rc |= rec_writer_close(w);
    buf_free(&b);
    rewind(fp);
    if (rc != WP_OK) {
        fclose(fp);
        return NULL;
    }
    return fp;
}

#endif
