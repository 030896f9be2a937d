/* check.h - the whole unit-test "framework": CHECK macros and a runner that prints
 * "N passed, N failed" as its last line and exits non-zero on any failure. */
#ifndef WP_CHECK_H
#define WP_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

#define CHECK_EQ(want, got)                                                            \
    do {                                                                               \
        const long long w_ = (long long)(want), g_ = (long long)(got);                 \
        if (w_ != g_) {                                                                \
            fprintf(stderr, "%s:%d: %s: want %lld got %lld\n", __FILE__, __LINE__, #got, \
                    w_, g_);                                                           \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

#define CHECK_NEAR(want, got, tol)                                                     \
    do {                                                                               \
        const double w_ = (want), g_ = (got);                                          \
        if (!(fabs(w_ - g_) <= (tol))) {                                               \
            fprintf(stderr, "%s:%d: %s: want %.9g got %.9g (tol %.3g)\n", __FILE__,    \
                    __LINE__, #got, w_, g_, (double)(tol));                            \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

#define CHECK_STR(want, got)                                                           \
    do {                                                                               \
        const char *w_ = (want), *g_ = (got);                                          \
        if (strcmp(w_, g_) != 0) {                                                     \
            fprintf(stderr, "%s:%d: %s: want \"%s\" got \"%s\"\n", __FILE__, __LINE__,  \
                    #got, w_, g_);                                                     \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

struct check_case {
    const char *name;
    int (*fn)(void);
};

#define CHECK_CASE(f) { #f, f }

static inline int
check_run(const struct check_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (cases[i].fn() == 0) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s\n", cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define CHECK_MAIN(...)                                                                \
    int main(void)                                                                     \
    {                                                                                  \
        static const struct check_case cases_[] = {__VA_ARGS__};                       \
        return check_run(cases_, sizeof cases_ / sizeof cases_[0]);                    \
    }

#endif
