/* test_evalsim.c - Pearson and Spearman (tie-averaged ranks) against hand-computed values,
 * and the analogy evaluation on a tiny hand-made vector set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "knn/analogy.h"
#include "knn/evalsim.h"
#include "vecio/vecset.h"

static int
test_pearson(void)
{
    const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 5, 4, 5};
    /* sxy = 6, sxx = 10, syy = 6: r = 6 / sqrt(60) */
    CHECK_NEAR(0.7745966692414834, evalsim_pearson(x, y, 5), 1e-12);
    CHECK(isnan(evalsim_pearson(x, y, 1)));
    const double c[] = {3, 3, 3, 3, 3};
    CHECK(isnan(evalsim_pearson(x, c, 5)));
    return 0;
}

static int
test_ranks_and_spearman(void)
{
    const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 5, 4, 5};
    double r[5];
    CHECK_EQ(WP_OK, evalsim_rank(y, 5, r));
    CHECK_NEAR(1.0, r[0], 0);
    CHECK_NEAR(2.5, r[1], 0); /* the two 4s share ranks 2 and 3 */
    CHECK_NEAR(4.5, r[2], 0);
    CHECK_NEAR(2.5, r[3], 0);
    CHECK_NEAR(4.5, r[4], 0);
    /* ranks x 1..5, y 1, 2.5, 4.5, 2.5, 4.5: sxy = 7, sxx = 10, syy = 9 */
    CHECK_NEAR(7.0 / sqrt(90.0), evalsim_spearman(x, y, 5), 1e-12);
    const double z[] = {5, 4, 3, 2, 1};
    CHECK_NEAR(-1.0, evalsim_spearman(x, z, 5), 1e-12);
    return 0;
}

static struct vecset *
tiny_set(void)
{
    static const char text[] = "6 3\n"
                               "man 1 0 0\n"
                               "woman 0 1 0\n"
                               "king 1 0 1\n"
                               "queen 0 1 1\n"
                               "Queen 0 1 1.1\n"
                               "apple -1 -1 0\n";
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
    struct vecset *s = NULL;
    if (vecset_load(&s, fp, W2VFMT_AUTO, NULL) != WP_OK)
        s = NULL;
    fclose(fp);
    return s;
}

static int
run_eval(const struct vecset *s, const char *q, size_t restrict_n, int convention,
         struct analogy_result *res)
{
    struct analogy_opts o;
    analogy_opts_default(&o);
    o.restrict_n = restrict_n;
    o.convention = convention;
    FILE *fp = fmemopen((void *)q, strlen(q), "r");
    const int rc = analogy_eval(s, fp, &o, res, NULL);
    fclose(fp);
    return rc;
}

static int
test_analogy_eval(void)
{
    struct vecset *s = tiny_set();
    CHECK(s != NULL);
    const char *q = ": family\n"
                    "man woman king queen\n"
                    "MAN WOMAN KING QUEEN\n"
                    "man woman king zzz\n"
                    "bad line\n"
                    ": gram1-test\n"
                    "woman man queen king\n"
                    "man woman king apple\n";
    struct analogy_result res;
    for (int conv = 0; conv < 2; conv++) {
        CHECK_EQ(WP_OK, run_eval(s, q, 0, conv, &res));
        CHECK_EQ(2, res.nsec);
        CHECK_EQ(0, res.sec[0].syntactic);
        CHECK_EQ(1, res.sec[1].syntactic);
        CHECK_EQ(2, res.sec[0].correct);
        CHECK_EQ(2, res.sec[0].seen);
        CHECK_EQ(2, res.sec[0].skipped); /* zzz, and the line without 4 words */
        CHECK_EQ(1, res.sec[1].correct); /* woman:man :: queen:king right, apple wrong */
        CHECK_EQ(5, res.questions);
        CHECK_EQ(1, res.bad_lines);
        CHECK_EQ(5, res.first_bad_line);
        analogy_result_free(&res);
    }
    /* only the first 3 words count: every question mentions queen or apple -> skipped, and
     * so is the bad line */
    CHECK_EQ(WP_OK, run_eval(s, q, 3, ANALOGY_W2V, &res));
    CHECK_EQ(0, res.seen);
    CHECK_EQ(6, res.skipped);
    analogy_result_free(&res);
    /* a question before any section is an error with its line */
    struct w2vfmt_error e;
    struct analogy_opts o;
    analogy_opts_default(&o);
    const char *bad = "\nman woman king queen\n";
    FILE *fp = fmemopen((void *)bad, strlen(bad), "r");
    CHECK_EQ(WP_EFORMAT, analogy_eval(s, fp, &o, &res, &e));
    CHECK_EQ(2, e.line);
    fclose(fp);
    vecset_free(s);
    return 0;
}

static int
test_similarity(void)
{
    struct vecset *s = tiny_set();
    struct analogy_lookup lk;
    CHECK_EQ(WP_OK, analogy_lookup_init(&lk, s, 0, 1));
    /* fold: "KING" resolves to king; "queen" to row 3, not "Queen" */
    CHECK_EQ(2, analogy_lookup_find(&lk, "KING", 4));
    CHECK_EQ(3, analogy_lookup_find(&lk, "QUEEN", 5));
    const char *pairs = "# comment\n"
                        "man\twoman\t1\n"
                        "king queen 5\n"
                        "man king 7.5\n"
                        "man nothere 3\n"
                        "broken line\n";
    FILE *fp = fmemopen((void *)pairs, strlen(pairs), "r");
    struct evalsim_result r;
    CHECK_EQ(WP_OK, evalsim_eval(&lk, fp, &r));
    fclose(fp);
    CHECK_EQ(4, r.pairs);
    CHECK_EQ(3, r.found);
    CHECK_EQ(1, r.oov);
    CHECK_EQ(1, r.bad_lines);
    CHECK_EQ(6, r.first_bad_line);
    /* cosines: man-woman 0, king-queen 0.5, man-king 0.7071: same order as gold -> rho 1 */
    CHECK_NEAR(1.0, r.spearman, 1e-12);
    const double g[] = {1, 5, 7.5}, m[] = {0, 0.5, sqrt(0.5)};
    CHECK_NEAR(evalsim_pearson(g, m, 3), r.pearson, 1e-7);
    analogy_lookup_free(&lk);
    vecset_free(s);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_pearson), CHECK_CASE(test_ranks_and_spearman),
           CHECK_CASE(test_analogy_eval), CHECK_CASE(test_similarity))
