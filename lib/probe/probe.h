/* probe.h - a probing classifier on frozen vectors: multinomial logistic regression
 * (optionally one ReLU hidden layer) over standardised features, with an optional learned
 * scalar mix over layers (ELMo's: gamma x sum_l softmax(s)_l x layer_l).
 *
 * Shapes: B = examples in a batch, L = layers per example, D = floats per layer,
 * I = the classifier's input width (D), H = hidden units (0: none), C = classes.
 * An example is x [L][D], already standardised (probe_standardize). Without the mix L is 1
 * (one layer, or all layers concatenated into D).
 *
 * Every trainable parameter lives in one flat block (w), and so do the gradients and
 * Adam's moments, laid out by probe_view. */
#ifndef WP_PROBE_H
#define WP_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rec_reader;
struct rec_meta;
struct probe_labels;

enum { PROBE_MAX_LAYERS = 64 };

struct probe_cfg {
    uint32_t layers;  /* L: 1 unless mix */
    uint32_t dim;     /* D */
    uint32_t hidden;  /* H, 0 for a linear probe */
    uint32_t classes; /* C >= 1 */
    int mix;          /* learned scalar mix over the L layers */
};

/* Pointers into one flat block (parameters or gradients); absent parts are NULL. */
struct probe_view {
    float *mix_s;  /* [L] mix logits (mix only) */
    float *gamma;  /* [1] mix scale (mix only) */
    float *w1, *b1; /* [H][D], [H] (hidden only) */
    float *w2, *b2; /* [C][H or D], [C] */
};

/* Where the features come from, kept with the model so evaluation selects the same. */
enum probe_select { PROBE_SEL_LAYER = 0, PROBE_SEL_CONCAT = 1, PROBE_SEL_MIX = 2 };

struct probe {
    struct probe_cfg c;
    int select;          /* enum probe_select */
    uint32_t src_layers; /* layers in the vector streams */
    uint32_t layer;      /* PROBE_SEL_LAYER: which one */
    int sentences;       /* 1: one example per sentence (REC_VECTORS input) */
    size_t nparams;
    float *w;            /* nparams */
    struct probe_view p; /* into w */
    float *mean, *istd;  /* [L x D] standardisation, from the training set */
    uint64_t *words;     /* sorted XXH3-64 hashes of the training set's words */
    size_t nwords;
    struct probe_labels *labels; /* class names; ids >= classes are labels unseen in training */
};

/* Parameters needed by c (WP_ERANGE for an impossible configuration). */
int probe_cfg_check(const struct probe_cfg *c);
size_t probe_nparams(const struct probe_cfg *c);
void probe_view(const struct probe_cfg *c, float *base, struct probe_view *v);

/* A model with its parameters initialised from seed: mix logits 0 and gamma 1, weights
 * uniform in +-sqrt(6 / (fan_in + fan_out)), biases 0; mean 0 and istd 1. The caller sets
 * labels (owned by the model from then on: probe_free frees it), words and the selection. */
int probe_new(struct probe **out, const struct probe_cfg *c, uint64_t seed);
void probe_free(struct probe *m);

/* Activations and their gradients for batches of up to cap examples. */
struct probe_work {
    size_t cap;
    float *u;       /* [B][D] the classifier's input (the mix output; unused without mix) */
    float *h;       /* [B][H] hidden activations */
    float *p;       /* [B][C] probabilities */
    float *dz;      /* [B][C] d loss / d logits */
    float *dh;      /* [B][H] */
    float *du;      /* [B][D] */
    float a[PROBE_MAX_LAYERS]; /* softmax(mix_s) */
};
int probe_work_init(struct probe_work *w, const struct probe_cfg *c, size_t cap);
void probe_work_free(struct probe_work *w);

/* Forward pass on x [B][L][D]: w->p gets the class probabilities. */
void probe_forward(const struct probe *m, const float *x, size_t B, struct probe_work *w);
/* Mean cross-entropy of the probabilities in w against y [B] (each < C), plus
 * l2 / 2 x (|w1|^2 + |w2|^2). */
double probe_loss(const struct probe *m, const struct probe_work *w, const uint32_t *y,
                  size_t B, float l2);
/* Backward pass after probe_forward on the same x: writes (not accumulates) the gradient of
 * probe_loss into grad (nparams floats, laid out as m->w). */
void probe_backward(const struct probe *m, const float *x, const uint32_t *y, size_t B,
                    float l2, struct probe_work *w, float *grad);
/* argmax of the forward pass for n examples, in batches of w->cap. */
void probe_predict(const struct probe *m, const float *x, size_t n, struct probe_work *w,
                   uint32_t *pred);

/* Adam (Kingma & Ba) with bias correction over n parameters. */
struct probe_adam {
    float lr, beta1, beta2, eps;
    uint64_t t;
    float *m, *v;
    size_t n;
};
int probe_adam_init(struct probe_adam *a, size_t n, float lr);
void probe_adam_step(struct probe_adam *a, float *w, const float *g);
void probe_adam_free(struct probe_adam *a);

/* ---- the model file (a REC_MODEL stream, metadata model=probe) ---- */
/* Writes the model as a whole stream on fp; extra: metadata to add (training facts), may
 * be NULL. WP_ERANGE when a class name holds a newline. */
int probe_save(FILE *fp, const struct probe *m, const struct rec_meta *extra, int level);
/* Reads a model from an open REC_MODEL reader; WP_EKIND when it is not a probe, WP_ERANGE
 * when its header declares more weights than the rest of the input can hold (checked before
 * allocating: see rec_reader_raw_left_max). */
int probe_load(struct rec_reader *r, struct probe **out);
/* "dim 256, hidden 0, 17 classes": the shape the header meta of a probe model declares (0
 * for a value missing), into buf[n], for messages. */
void probe_meta_shape(const struct rec_meta *meta, char *buf, size_t n);

/* Is word hash h among the training words? */
int probe_seen(const struct probe *m, uint64_t h);
uint64_t probe_word_hash(const void *word, size_t len);

#endif
