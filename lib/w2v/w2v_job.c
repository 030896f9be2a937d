/* w2v_job.c - what a w2v-train run holds around the engine (w2v_job.h). */
#include "w2v_job.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "w2v_sync.h"

int
w2v_job_init(struct w2v_job *j, const struct w2v_params *p, const struct vocab *v,
             const struct vocab *cv, uint32_t threads, uint32_t first_thread)
{
    memset(j, 0, sizeof *j);
    j->v = v;
    j->cv = cv;
    if ((j->workers = calloc(threads, sizeof *j->workers)) == NULL)
        return WP_ENOMEM;
    int rc = w2v_model_init_vocab(&j->m, p, v, cv);
    if (rc < 0) {
        free(j->workers);
        j->workers = NULL;
        return rc;
    }
    for (; j->threads < threads; j->threads++)
        if ((rc = w2v_worker_init(&j->workers[j->threads], &j->m, first_thread + j->threads))
            < 0) {
            w2v_job_free(j);
            return rc;
        }
    return WP_OK;
}

int
w2v_job_restore(struct w2v_job *j, struct rec_reader *ckrd)
{
    return w2v_ckpt_load(ckrd, &j->m, j->workers, j->threads);
}

int
w2v_job_keep(struct w2v_job *j, const struct w2v_run_settings *rs, int kind,
             uint64_t data_first, uint64_t data_all)
{
    rec_meta_free(j->extra);
    j->extra = NULL;
    return w2v_run_meta(&j->extra, rs, kind, data_first, data_all);
}

int
w2v_job_save(const struct w2v_job *j, FILE *fp, const struct w2v_worker *workers,
             const struct w2v_pos *pos, int level)
{
    return w2v_ckpt_save(fp, &j->m, workers, j->threads, pos, vocab_hash(j->v),
                         j->cv != NULL ? vocab_hash(j->cv) : 0, j->extra, level);
}

int
w2v_job_mpi(struct w2v_job *j, int mean)
{
    return w2v_sync_new(&j->sync, &j->m, mean);
}

void
w2v_job_free(struct w2v_job *j)
{
    for (uint32_t t = 0; t < j->threads; t++)
        w2v_worker_free(&j->workers[t]);
    if (j->workers != NULL)
        w2v_model_free(&j->m);
    free(j->workers);
    rec_meta_free(j->extra);
    w2v_sync_free(j->sync);
    memset(j, 0, sizeof *j);
}
