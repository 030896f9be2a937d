/* rec_writeahead.c - writing records on a thread (see rec_writeahead.h): two batches, one
 * filled by the caller while the thread writes the other. */
#include "rec_writeahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"

enum { WA_BATCH_BYTES = 1 << 18 };

struct wa_batch {
    unsigned char *data;
    size_t used, cap;
    size_t *len; /* of each record, stored back to back in data */
    size_t n, ncap;
};

struct rec_writeahead {
    struct rec_writer *w;
    struct wa_batch b[2];
    int cur;     /* the batch the caller fills */
    int todo;    /* the batch handed to the thread */
    int pending; /* b[todo] waits for, or is being written by, the thread */
    int stop;
    int status;    /* first error of the thread */
    int saved_errno; /* errno with it (the thread's errno is its own) */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_idle;
    pthread_t tid;
};

static void *
wa_main(void *arg)
{
    struct rec_writeahead *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->pending && !a->stop)
            pthread_cond_wait(&a->cv_work, &a->mu);
        if (!a->pending) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        const struct wa_batch *b = &a->b[a->todo];
        int status = a->status;
        pthread_mutex_unlock(&a->mu);
        size_t at = 0;
        for (size_t i = 0; i < b->n && status == WP_OK; i++) {
            status = rec_writer_put(a->w, b->data + at, b->len[i]);
            at += b->len[i];
        }
        pthread_mutex_lock(&a->mu);
        if (status < 0 && a->status == WP_OK) {
            a->status = status;
            a->saved_errno = errno;
        }
        a->pending = 0;
        pthread_cond_signal(&a->cv_idle);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

int
rec_writeahead_start(struct rec_writeahead **out, struct rec_writer *w)
{
    struct rec_writeahead *a = calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL)
        return WP_ENOMEM;
    a->w = w;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv_work, NULL);
    pthread_cond_init(&a->cv_idle, NULL);
    if (pthread_create(&a->tid, NULL, wa_main, a) != 0) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv_work);
        pthread_cond_destroy(&a->cv_idle);
        free(a);
        return WP_ENOMEM;
    }
    *out = a;
    return WP_OK;
}

/* Waits until the thread is idle; returns its first error. Called with mu held. */
static int
wait_idle(struct rec_writeahead *a)
{
    while (a->pending)
        pthread_cond_wait(&a->cv_idle, &a->mu);
    if (a->status < 0)
        errno = a->saved_errno;
    return a->status;
}

static int
hand_over(struct rec_writeahead *a)
{
    pthread_mutex_lock(&a->mu);
    const int status = wait_idle(a);
    if (status == WP_OK) {
        a->todo = a->cur;
        a->pending = 1;
        pthread_cond_signal(&a->cv_work);
    }
    pthread_mutex_unlock(&a->mu);
    a->cur ^= 1;
    a->b[a->cur].used = a->b[a->cur].n = 0;
    return status;
}

int
rec_writeahead_put(struct rec_writeahead *a, const void *rec, size_t len)
{
    struct wa_batch *b = &a->b[a->cur];
    if (b->n == b->ncap) {
        const size_t c = b->ncap ? 2 * b->ncap : 1024;
        size_t *l = realloc(b->len, c * sizeof *l);
        if (l == NULL)
            return WP_ENOMEM;
        b->len = l;
        b->ncap = c;
    }
    if (b->used + len > b->cap) {
        size_t c = b->cap ? b->cap : WA_BATCH_BYTES;
        while (c < b->used + len)
            c *= 2;
        unsigned char *d = realloc(b->data, c);
        if (d == NULL)
            return WP_ENOMEM;
        b->data = d;
        b->cap = c;
    }
    if (len > 0)
        memcpy(b->data + b->used, rec, len);
    b->used += len;
    b->len[b->n++] = len;
    return b->used >= WA_BATCH_BYTES ? hand_over(a) : WP_OK;
}

int
rec_writeahead_stop(struct rec_writeahead *a)
{
    int status = WP_OK;
    if (a->b[a->cur].n > 0)
        status = hand_over(a);
    pthread_mutex_lock(&a->mu);
    const int last = wait_idle(a);
    a->stop = 1;
    pthread_cond_signal(&a->cv_work);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->tid, NULL);
    if (status == WP_OK)
        status = last;
    const int e = errno;
    for (int i = 0; i < 2; i++) {
        free(a->b[i].data);
        free(a->b[i].len);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv_work);
    pthread_cond_destroy(&a->cv_idle);
    free(a);
    errno = e;
    return status;
}
