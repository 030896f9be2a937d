/* w2v_job.h - what a w2v-train run holds around the engine (w2v_run): the model and its
 * workers, fresh or restored from a checkpoint; the run settings its checkpoints keep
 * (w2v_resume.h), a checkpoint of the running engine; with --mpi, the merges of the replicas
 * over the ranks (w2v_sync.h). Nothing here prints; the caller says what a status means. */
#ifndef WP_W2V_JOB_H
#define WP_W2V_JOB_H

#include <stdint.h>
#include <stdio.h>

#include "w2v.h"
#include "w2v_resume.h"

struct w2v_sync;

struct w2v_job {
    struct w2v_model m;
    struct w2v_worker *workers;  /* threads of them */
    uint32_t threads;
    const struct vocab *v, *cv;  /* the words, and the contexts (word2vecf) or NULL */
    struct rec_meta *extra;      /* the run settings its checkpoints keep */
    struct w2v_sync *sync;       /* --mpi: the replicas' merges, else NULL */
};

/* The model with p over v (and cv, or NULL) and threads workers, whose generators are
 * numbered from first_thread on (--mpi: the rank times threads: the same initial weights
 * on every rank, generators of their own). w2v_model_init_vocab's statuses (the parameters:
 * WP_ERANGE), WP_ENOMEM; j is then freed. */
int w2v_job_init(struct w2v_job *j, const struct w2v_params *p, const struct vocab *v,
                 const struct vocab *cv, uint32_t threads, uint32_t first_thread);

/* The weights and generators of the checkpoint ckrd (left at its weights after
 * w2v_resume_read): w2v_ckpt_load's statuses. */
int w2v_job_restore(struct w2v_job *j, struct rec_reader *ckrd);

/* The settings checkpoints keep (w2v_run_meta's arguments). WP_ENOMEM. */
int w2v_job_keep(struct w2v_job *j, const struct w2v_run_settings *rs, int kind,
                 uint64_t data_first, uint64_t data_all);

/* The checkpoint of the model with workers (the job's own, or the engine's in its checkpoint
 * callback: w2v_run_workers) at pos to fp, with the settings kept: w2v_ckpt_save's
 * statuses. */
int w2v_job_save(const struct w2v_job *j, FILE *fp, const struct w2v_worker *workers,
                 const struct w2v_pos *pos, int level);

/* --mpi: the replicas merged over the ranks, in the way mean says (w2v_sync_new). */
int w2v_job_mpi(struct w2v_job *j, int mean);

void w2v_job_free(struct w2v_job *j);

#endif
