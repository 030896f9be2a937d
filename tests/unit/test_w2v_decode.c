/* test_w2v_decode.c - the training engine's input records as units (w2v_decode.c), which
 * its workers decode: windows and spans with their values, radii beyond the sentence cut
 * to it, w2v_unit_size predicting each unit's length and windows from the first varints
 * (where the reading thread cuts chunks), tokens through the vocabulary, and every
 * refusal with the phrase that names the bad value. */
#undef NDEBUG
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/buf.h"
#include "common/rng.h"
#include "common/status.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"
#include "w2v/w2v.h"

enum { V = 40, C = 60, W = 5, MAXN = 40 };

/* Only what decoding reads: the model's sizes, the input kind, the window. */
static void
cfg_for(struct w2v_run_cfg *cfg, struct w2v_model *m, int input)
{
    memset(m, 0, sizeof *m);
    m->n = V;
    m->nctx = C;
    memset(cfg, 0, sizeof *cfg);
    cfg->m = m;
    cfg->input = input;
    cfg->wcfg.window = W;
}

static int
test_random_windows_and_spans_size_as_predicted(void)
{
    struct w2v_run_cfg cfg;
    struct w2v_model m;
    struct buf b = {0};
    struct rng r;
    uint32_t *u = NULL, ids[MAXN], rad[MAXN];
    size_t cap = 0;
    rng_seed(&r, 5, 0);
    for (int spans = 0; spans < 2; spans++) {
        cfg_for(&cfg, &m, spans ? W2V_IN_SPANS : W2V_IN_WINDOWS);
        size_t ulen = 0;
        for (int t = 0; t < 300; t++) {
            const size_t n = rng_below(&r, MAXN);
            const uint32_t center = rng_below(&r, V);
            for (size_t i = 0; i < n; i++) {
                ids[i] = rng_below(&r, spans ? V : C);
                rad[i] = 1 + rng_below(&r, W);
            }
            buf_clear(&b);
            CHECK_EQ(WP_OK, spans ? rec_spans_encode(&b, ids, rad, n)
                                  : rec_window_encode(&b, center, ids, n));
            size_t want;
            uint64_t windows, amount;
            w2v_unit_size(&cfg, b.p, b.len, &want, &windows);
            const size_t at = ulen;
            CHECK_EQ(WP_OK, w2v_decode_unit(&cfg, NULL, b.p, b.len, &u, &cap, &ulen, &amount));
            CHECK_EQ(want, ulen - at);
            CHECK_EQ(windows, amount);
            CHECK_EQ(spans ? n : 1, amount);
            if (spans) {
                CHECK_EQ(n, u[at]);
                for (size_t i = 0; i < n; i++) {
                    CHECK_EQ(ids[i], u[at + 1 + i]);
                    CHECK_EQ(rad[i] < n ? rad[i] : n, u[at + 1 + n + i]); /* cut to n */
                }
            } else {
                CHECK_EQ(center, u[at]);
                CHECK_EQ(n, u[at + 1]);
                for (size_t i = 0; i < n; i++)
                    CHECK_EQ(ids[i], u[at + 2 + i]);
            }
        }
    }
    free(u);
    buf_free(&b);
    return 0;
}

/* decode_one: the status of decoding b (its first len bytes) as cfg says, the phrase in
 * msg; the unit array must not grow on a refusal */
static int
decode_one(const struct w2v_run_cfg *cfg, const struct buf *b, size_t len, char *msg)
{
    struct w2v_bad_record bad = {0};
    uint32_t *u = NULL;
    size_t cap = 0, ulen = 0;
    uint64_t amount;
    const int rc = w2v_decode_unit(cfg, &bad, b->p, len, &u, &cap, &ulen, &amount);
    free(u);
    strcpy(msg, bad.msg);
    return rc < 0 && ulen != 0 ? 99 : rc;
}

static int
test_bad_values_are_named_malformed_records_refused(void)
{
    struct w2v_run_cfg cfg;
    struct w2v_model m;
    struct buf b = {0};
    char msg[128];
    uint32_t ids[3] = {1, V, 3}, rad[3] = {1, 2, 3};
    size_t sz;
    uint64_t windows;
    cfg_for(&cfg, &m, W2V_IN_SPANS);
    CHECK_EQ(WP_OK, rec_spans_encode(&b, ids, rad, 3));
    CHECK_EQ(WP_ERANGE, decode_one(&cfg, &b, b.len, msg));
    CHECK_STR("id 40 at position 1 is out of range (ids below 40)", msg);
    ids[1] = 2;
    for (uint32_t bad = 0; bad <= W + 1; bad += W + 1) {
        rad[2] = bad;
        buf_clear(&b);
        CHECK_EQ(WP_OK, rec_spans_encode(&b, ids, rad, 3));
        CHECK_EQ(WP_ERANGE, decode_one(&cfg, &b, b.len, msg));
        char want[128];
        snprintf(want, sizeof want,
                 "radius %u at position 2 is out of range (1 to the stream's window, 5)", bad);
        CHECK_STR(want, msg);
    }
    rad[2] = 3;
    buf_clear(&b);
    CHECK_EQ(WP_OK, rec_spans_encode(&b, ids, rad, 3));
    CHECK_EQ(WP_OK, decode_one(&cfg, &b, b.len, msg));
    CHECK_EQ(WP_ECORRUPT, decode_one(&cfg, &b, b.len - 1, msg));
    CHECK_STR("", msg);
    w2v_unit_size(&cfg, b.p, 0, &sz, &windows); /* the shortest unit: n 0 */
    CHECK_EQ(1, sz);
    CHECK_EQ(0, windows);

    cfg_for(&cfg, &m, W2V_IN_WINDOWS);
    buf_clear(&b);
    CHECK_EQ(WP_OK, rec_window_encode(&b, V, ids, 3));
    CHECK_EQ(WP_ERANGE, decode_one(&cfg, &b, b.len, msg));
    CHECK_STR("center id 40 at position 0 is out of range (ids below 40)", msg);
    ids[1] = C;
    buf_clear(&b);
    CHECK_EQ(WP_OK, rec_window_encode(&b, 7, ids, 3));
    CHECK_EQ(WP_ERANGE, decode_one(&cfg, &b, b.len, msg));
    CHECK_STR("context id 60 at position 2 is out of range (ids below 60)", msg);
    ids[1] = C - 1; /* contexts index the context rows, which may outnumber the words */
    buf_clear(&b);
    CHECK_EQ(WP_OK, rec_window_encode(&b, 7, ids, 3));
    CHECK_EQ(WP_OK, decode_one(&cfg, &b, b.len, msg));
    CHECK_EQ(WP_ECORRUPT, decode_one(&cfg, &b, b.len - 1, msg));
    w2v_unit_size(&cfg, b.p, 1, &sz, &windows); /* n unreadable: the shortest unit */
    CHECK_EQ(2, sz);
    CHECK_EQ(1, windows);
    buf_free(&b);
    return 0;
}

static int
test_tokens_keep_the_words_of_the_vocabulary(void)
{
    struct w2v_run_cfg cfg;
    struct w2v_model m;
    struct vocab *v;
    struct buf b = {0};
    const unsigned char *tok[] = {(const unsigned char *)"the", (const unsigned char *)"dog",
                                  (const unsigned char *)"cat"};
    const size_t len[] = {3, 3, 3};
    uint32_t *u = NULL;
    size_t cap = 0, ulen = 0;
    uint64_t amount;
    CHECK_EQ(WP_OK, vocab_create(&v, 16));
    CHECK_EQ(WP_OK, vocab_add(v, "the", 3, 10));
    CHECK_EQ(WP_OK, vocab_add(v, "cat", 3, 5));
    cfg_for(&cfg, &m, W2V_IN_TOKENS);
    cfg.vocab = v;
    CHECK_EQ(WP_OK, rec_tokens_encode(&b, tok, len, 3));
    CHECK_EQ(WP_OK, w2v_decode_unit(&cfg, NULL, b.p, b.len, &u, &cap, &ulen, &amount));
    CHECK_EQ(3, ulen);
    CHECK_EQ(2, u[0]);
    CHECK_EQ(0, u[1]);
    CHECK_EQ(1, u[2]);
    CHECK_EQ(2, amount);
    CHECK_EQ(WP_ECORRUPT, w2v_decode_unit(&cfg, NULL, b.p, b.len - 1, &u, &cap, &ulen, &amount));
    free(u);
    buf_free(&b);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_random_windows_and_spans_size_as_predicted),
           CHECK_CASE(test_bad_values_are_named_malformed_records_refused),
           CHECK_CASE(test_tokens_keep_the_words_of_the_vocabulary))
