/* lm_resume.c - a training run started, new or from a checkpoint in one read; see
 * lm_resume.h. */
#include "lm_resume.h"

#include "common/dist.h"
#include "common/status.h"
#include "stream/rec.h"

int
lm_resume_head(struct lm_resume *rs, struct rec_reader *r, struct lm **m,
               struct lm_train_cfg *tc, struct lm_schedule *sch, int keep_epochs,
               struct lm_pos *pos)
{
    rs->r = r;
    rs->held = NULL;
    rs->held_len = 0;
    rs->data_hash = 0;
    rs->ranks = 1;
    rs->secs = 0;
    rs->missing = NULL;
    const int rc = lm_load_head(r, m, &rs->err, &rs->held, &rs->held_len);
    if (rc < 0)
        return rc;
    const int meta_rc = lm_run_get_meta(rec_reader_meta(r), tc, sch, keep_epochs, pos,
                                        &rs->data_hash, &rs->secs, &rs->ranks, &rs->missing);
    if (meta_rc < 0) {
        lm_free(*m);
        *m = NULL;
        return meta_rc;
    }
    return WP_OK;
}

int
lm_run_start(struct lm_run *rn, struct lm_resume *rs, enum lm_start_fail *fail)
{
    *fail = LM_START_TRAINER;
    int rc = lm_trainer_new(&rn->tr, rn->m, rn->tc, &rn->train);
    if (rs != NULL) {
        if (rc == WP_OK) {
            *fail = LM_START_STATE;
            rc = lm_trainer_load_rest(rn->tr, rs->r, rs->held, rs->held_len);
        }
        rec_reader_free(rs->r);
        rs->r = NULL;
        rs->held = NULL;
    }
    if (rc < 0)
        return rc;
    if (rn->tc->nshards > 1)
        lm_trainer_set_reduce(rn->tr, dist_sum_f32);
    *fail = LM_START_SNAPSHOT;
    if ((rn->snap = lm_snapshot_new(rn->tr)) == NULL)
        return WP_ENOMEM;
    rn->snap_pos = rn->pos;
    *fail = LM_START_OK;
    return WP_OK;
}
