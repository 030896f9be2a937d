/* rec_prefetch.c - read-ahead of a record stream on a thread (see rec_prefetch.h). The
 * thread fills batches (records copied back to back, with their offsets) and hands them
 * over through a ring; the caller returns each batch when it has read it through. */
#include "rec_prefetch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"

enum {
    PF_BATCHES = 4,
    PF_BATCH_BYTES = 1 << 18, /* 256 KiB a batch: a few ms of decoding, few handovers */
    PF_BATCH_RECORDS = 1 << 16 /* bounds a batch of empty records */
};

struct pf_batch {
    unsigned char *data;
    size_t used, cap;
    size_t *off; /* record i is data[off[i] .. off[i+1]) */
    size_t n, ocap;
    int status; /* after the records: 1 more to come, 0 end of stream, < 0 error */
    uint64_t packed; /* the reader's packed bytes once it was filled */
};

struct rec_prefetch {
    struct rec_reader *r;
    struct pf_batch b[PF_BATCHES];
    size_t head, nfull;   /* ring of filled batches: b[head], b[head+1], ... */
    int stop;             /* the caller is gone */
    pthread_mutex_t mu;
    pthread_cond_t cv_full, cv_free;
    pthread_t tid;
    struct pf_batch *cur; /* the batch the caller reads, or NULL */
    size_t next;          /* its next record */
    int done;             /* the caller has had the final status */
    int final;
    uint64_t packed;      /* the packed bytes of the batch the caller reads or read last */
};

static int
batch_add(struct pf_batch *b, const unsigned char *rec, size_t len)
{
    if (b->n + 2 > b->ocap) {
        const size_t c = b->ocap ? 2 * b->ocap : 1024;
        size_t *o = realloc(b->off, c * sizeof *o);
        if (o == NULL)
            return WP_ENOMEM;
        b->off = o;
        b->ocap = c;
    }
    if (b->used + len > b->cap) {
        size_t c = b->cap ? b->cap : PF_BATCH_BYTES;
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
    b->off[b->n] = b->used;
    b->used += len;
    b->off[++b->n] = b->used;
    return WP_OK;
}

static void *
pf_main(void *arg)
{
    struct rec_prefetch *p = arg;
    size_t slot = 0;
    for (int status = 1; status == 1;) {
        pthread_mutex_lock(&p->mu);
        while (p->nfull == PF_BATCHES && !p->stop)
            pthread_cond_wait(&p->cv_free, &p->mu);
        const int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        struct pf_batch *b = &p->b[slot];
        b->used = b->n = 0;
        if (b->ocap > 0)
            b->off[0] = 0;
        while (b->used < PF_BATCH_BYTES && b->n < PF_BATCH_RECORDS) {
            const unsigned char *rec;
            size_t len;
            status = rec_reader_next(p->r, &rec, &len);
            if (status != 1)
                break;
            if ((status = batch_add(b, rec, len)) < 0)
                break;
            status = 1;
        }
        b->status = status;
        b->packed = rec_reader_stats(p->r)->packed_bytes;
        pthread_mutex_lock(&p->mu);
        p->nfull++;
        pthread_cond_signal(&p->cv_full);
        pthread_mutex_unlock(&p->mu);
        slot = (slot + 1) % PF_BATCHES;
    }
    return NULL;
}

int
rec_prefetch_start(struct rec_prefetch **out, struct rec_reader *r)
{
    struct rec_prefetch *p = calloc(1, sizeof *p);
    *out = NULL;
    if (p == NULL)
        return WP_ENOMEM;
    p->r = r;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_full, NULL);
    pthread_cond_init(&p->cv_free, NULL);
    if (pthread_create(&p->tid, NULL, pf_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv_full);
        pthread_cond_destroy(&p->cv_free);
        free(p);
        return WP_ENOMEM;
    }
    *out = p;
    return WP_OK;
}

int
rec_prefetch_next(struct rec_prefetch *p, const unsigned char **rec, size_t *len)
{
    for (;;) {
        if (p->done)
            return p->final;
        struct pf_batch *b = p->cur;
        if (b != NULL && p->next < b->n) {
            *rec = b->data + b->off[p->next];
            *len = b->off[p->next + 1] - b->off[p->next];
            p->next++;
            return 1;
        }
        pthread_mutex_lock(&p->mu);
        if (b != NULL) { /* read through: give it back */
            if (b->status != 1) {
                p->done = 1;
                p->final = b->status;
            }
            p->head = (p->head + 1) % PF_BATCHES;
            p->nfull--;
            pthread_cond_signal(&p->cv_free);
            p->cur = NULL;
        }
        if (!p->done) {
            while (p->nfull == 0)
                pthread_cond_wait(&p->cv_full, &p->mu);
            p->cur = &p->b[p->head];
            p->next = 0;
            p->packed = p->cur->packed;
        }
        pthread_mutex_unlock(&p->mu);
    }
}

uint64_t
rec_prefetch_packed_bytes(const struct rec_prefetch *p)
{
    return p->packed;
}

void
rec_prefetch_stop(struct rec_prefetch *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv_free);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->tid, NULL);
    for (size_t i = 0; i < PF_BATCHES; i++) {
        free(p->b[i].data);
        free(p->b[i].off);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_full);
    pthread_cond_destroy(&p->cv_free);
    free(p);
}
