/* probe_data.h - a labelled set for the probe: vectors (REC_CVECTORS, one example per
 * token, or REC_VECTORS, one per sentence) joined with a label stream (REC_TOKENS, one
 * record per sentence, one label per token; for sentence vectors each label sentence holds
 * one label). The join is checked, never shifted: the vectors' sentence numbers and
 * positions must run 0, 1, ... exactly as the label sentences' lengths say.
 *
 * The caller reads both streams (so stream errors keep their usual messages) and feeds the
 * records in: before each vector record, while probe_loader_want_labels() says so, the next
 * label record (probe_loader_labels_end when there is none). An error leaves a sentence-
 * precise message in probe_loader_error(). */
#ifndef WP_PROBE_DATA_H
#define WP_PROBE_DATA_H

#include <stddef.h>
#include <stdint.h>

struct rec_meta;
struct probe_labels;

/* Layers kept from each vector: one (PROBE_SEL_LAYER with its index) or all. */
struct probe_data {
    size_t n;          /* examples */
    size_t layers, dim; /* kept per example: x is [n][layers][dim] */
    float *x;
    uint32_t *y;       /* class ids (probe_labels) */
    uint64_t *word;    /* probe_word_hash of each example's word (sentence vectors: text) */
    uint64_t sentences; /* label sentences read */
    uint64_t zero;     /* examples whose kept vector is all zeros (out-of-vocabulary) */
};
void probe_data_free(struct probe_data *d);

/* What a vector stream holds, from its kind and header: token or sentence vectors,
 * src_layers x dim floats each. WP_EKIND for another kind, WP_ECORRUPT for missing or
 * inconsistent "dim"/"layers". */
struct probe_shape {
    int sentences;
    uint32_t src_layers, dim;
};
int probe_shape_of(int kind, const struct rec_meta *meta, struct probe_shape *s);

struct probe_loader;
/* keep_layer: the layer to keep, or -1 for all. Labels are interned into labels (which
 * stays the caller's). */
int probe_loader_new(struct probe_loader **out, const struct probe_shape *s, int keep_layer,
                     struct probe_labels *labels);
void probe_loader_free(struct probe_loader *ld);
int probe_loader_want_labels(const struct probe_loader *ld);
int probe_loader_labels(struct probe_loader *ld, const unsigned char *rec, size_t len);
/* The label stream has ended. Returns WP_OK; the next vector record then fails. */
void probe_loader_labels_end(struct probe_loader *ld);
int probe_loader_vector(struct probe_loader *ld, const unsigned char *rec, size_t len);
/* After the last vector record and with every remaining label record fed in (or while
 * feeding them: a label sentence with labels after the vectors ended fails). */
int probe_loader_finish(struct probe_loader *ld);
/* Moves the data out (the loader keeps nothing). */
void probe_loader_take(struct probe_loader *ld, struct probe_data *out);

/* The reason of the last failure, naming sentence and counts; "" when none. which: 0 the
 * vectors are at fault (or both), 1 the labels. */
const char *probe_loader_error(const struct probe_loader *ld, int *which);
/* Failures: WP_EFORMAT for a misalignment or a non-finite value (with a message),
 * WP_ECORRUPT for a record that does not decode, WP_ENOMEM, WP_ERANGE past 2^31 labels. */

/* Where probe_loader_join failed. */
struct probe_join_err {
    int labels; /* 1: at the label stream (its reader or a record of it), 0: the vectors' */
    int reader; /* 1: the reader failed (the status is rec_reader_next's); 0: the loader
                 * refused a record (probe_loader_error says why for WP_EFORMAT) */
};
/* Feeds every record of the vector stream vr and the label stream lr to ld in the order the
 * join needs (each label sentence before its vectors; the labels left after the vectors,
 * each checked by probe_loader_finish), finishing ld. progress(ctx, vectors so far) every
 * 1024 vector records when not NULL; *nvec receives the vector records read. WP_OK or the
 * first error, err saying where. */
struct rec_reader;
int probe_loader_join(struct probe_loader *ld, struct rec_reader *vr, struct rec_reader *lr,
                      void (*progress)(void *ctx, uint64_t nvec), void *ctx, uint64_t *nvec,
                      struct probe_join_err *err);

/* Per-feature mean and 1/std over the n examples ([layers x dim] each; a constant feature
 * gets istd 1), and standardising x in place with them. */
int probe_stats(const struct probe_data *d, float *mean, float *istd);
/* --concat: [n][L][D] taken as [n][1][L x D]. */
void probe_data_flatten(struct probe_data *d);
void probe_standardize(struct probe_data *d, const float *mean, const float *istd);

#endif
