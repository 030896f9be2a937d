/* w2v_resume.h - what a w2v-train checkpoint keeps beside the model and its training state
 * (w2v_ckpt_save): the run settings (epochs, window, subsampling, the merge schedule) and the
 * input it was made from (kind and fingerprint), written by w2v_run_meta and read back by
 * w2v_resume_read, which checks them against the vocabulary and the ranges the options
 * accept. Nothing here prints: a refused checkpoint is described in a w2v_resume_err. */
#ifndef WP_W2V_RESUME_H
#define WP_W2V_RESUME_H

#include <stdint.h>

#include "text/window.h"
#include "w2v.h"

struct rec_meta;
struct vocab;

/* The ranges of -e and -w, which a checkpoint's settings must respect too. */
enum { W2V_EPOCHS_MAX = 100000, W2V_WINDOW_MAX = WINDOW_MAX };

/* The settings of a run a checkpoint keeps so that a resumed run trains the same way. */
struct w2v_run_settings {
    uint32_t epochs;
    struct window_cfg wcfg;   /* window, fixed and sample are kept */
    int deterministic;
    uint64_t sync_words;
};

/* A new metadata block (rec_meta_free it) holding rs, the input's kind and its fingerprint
 * (rec_reader_fingerprint; 0 when unknown): the extra of w2v_ckpt_save. WP_ENOMEM. */
int w2v_run_meta(struct rec_meta **out, const struct w2v_run_settings *rs, int kind,
                 uint64_t data_first, uint64_t data_all);

/* A checkpoint's header as a run resumes it. */
struct w2v_resume {
    struct w2v_params p;
    uint32_t threads;
    struct w2v_pos pos;
    uint32_t nctx;            /* its context vocabulary's size and hash, 0 without */
    uint64_t ctx_hash;
    struct w2v_run_settings run; /* in: the options' (the defaults); out: the checkpoint's */
    uint64_t kind;            /* the input kind it was made from (0: unknown) */
    uint64_t data_first, data_all; /* its input's fingerprint (0: unknown, before issue 18) */
};

/* Why w2v_resume_read refused a checkpoint. */
enum w2v_resume_fail {
    W2V_RESUME_OK,
    W2V_RESUME_PARAMS,  /* not a w2v-train checkpoint (status: w2v_ckpt_params') */
    W2V_RESUME_VOCAB,   /* made with another vocabulary */
    W2V_RESUME_SIZE,    /* n x dim weights, more than bytes_left can hold */
    W2V_RESUME_RANGE,   /* the setting key's value is outside lo..hi */
    W2V_RESUME_SAMPLE,  /* its sample is outside 0..1 */
    W2V_RESUME_PASS     /* its pass is not below its epochs */
};

struct w2v_resume_err {
    enum w2v_resume_fail fail;
    int status;              /* PARAMS */
    uint32_t n, dim;         /* SIZE */
    const char *key;         /* RANGE: a static string */
    uint64_t value, lo, hi;  /* RANGE */
    double sample;           /* SAMPLE */
};

/* Reads meta, the header of a checkpoint whose file holds at most bytes_left more bytes,
 * into r (r->run holds the defaults for settings the checkpoint does not keep), checked
 * against the vocabulary v. WP_OK, or WP_ECORRUPT with err saying why. */
int w2v_resume_read(struct w2v_resume *r, const struct rec_meta *meta, const struct vocab *v,
                    uint64_t bytes_left, struct w2v_resume_err *err);

/* Whether an input whose fingerprint is first and all is the one the checkpoint r was
 * trained on, as far as both are known. */
int w2v_resume_same_input(const struct w2v_resume *r, uint64_t first, uint64_t all);

#endif
