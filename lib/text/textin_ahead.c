/* textin_ahead.c - a textin read on a thread, one chunk ahead (textin_ahead.h). */
#include "textin_ahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"

struct textin_ahead {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    struct textin *in;
    unsigned char *buf[2];
    size_t chunk;
    int len[2];  /* bytes, 0 at the end, a status on error */
    int full[2]; /* filled and not yet consumed */
    uint64_t offset[2]; /* textin_offset once each was filled */
    int cur;     /* the buffer the caller holds, -1 before the first */
    char msg[256];
};

static void
set_error(struct textin_ahead *a, int status)
{
    if (status == WP_EIO)
        snprintf(a->msg, sizeof a->msg, "%s", strerror(errno));
    else if (status == WP_ETRUNC)
        snprintf(a->msg, sizeof a->msg, "gzip: unexpected end of file");
    else if (status == WP_ECORRUPT && textin_detail(a->in) != NULL)
        snprintf(a->msg, sizeof a->msg, "gzip: %s", textin_detail(a->in));
    else
        snprintf(a->msg, sizeof a->msg, "gzip: %s", wp_strerror(status));
}

static void *
run(void *arg)
{
    struct textin_ahead *a = arg;
    for (unsigned i = 0;; i ^= 1) {
        pthread_mutex_lock(&a->mu);
        while (a->full[i])
            pthread_cond_wait(&a->cv, &a->mu);
        pthread_mutex_unlock(&a->mu);
        const int got = textin_read(a->in, a->buf[i], a->chunk);
        if (got < 0)
            set_error(a, got);
        pthread_mutex_lock(&a->mu);
        a->len[i] = got;
        a->offset[i] = textin_offset(a->in);
        a->full[i] = 1;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (got <= 0)
            return NULL;
    }
}

int
textin_ahead_start(struct textin_ahead **out, struct textin *in,
                   unsigned char *const bufs[2], size_t chunk)
{
    struct textin_ahead *a = calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL)
        return WP_ENOMEM;
    a->in = in;
    a->buf[0] = bufs[0];
    a->buf[1] = bufs[1];
    a->chunk = chunk;
    a->cur = -1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->th, NULL, run, a) != 0) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a);
        return WP_EIO;
    }
    *out = a;
    return WP_OK;
}

int
textin_ahead_next(struct textin_ahead *a, const unsigned char **p)
{
    const int i = a->cur < 0 ? 0 : a->cur ^ 1;
    pthread_mutex_lock(&a->mu);
    if (a->cur >= 0) {
        a->full[a->cur] = 0;
        pthread_cond_signal(&a->cv);
    }
    while (!a->full[i])
        pthread_cond_wait(&a->cv, &a->mu);
    const int got = a->len[i];
    pthread_mutex_unlock(&a->mu);
    a->cur = i;
    *p = a->buf[i];
    return got;
}

uint64_t
textin_ahead_offset(const struct textin_ahead *a)
{
    return a->cur < 0 ? 0 : a->offset[a->cur]; /* the caller's buffer: the thread keeps off */
}

const char *
textin_ahead_error(const struct textin_ahead *a)
{
    return a->msg;
}

void
textin_ahead_stop(struct textin_ahead *a)
{
    if (a == NULL)
        return;
    pthread_join(a->th, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}
