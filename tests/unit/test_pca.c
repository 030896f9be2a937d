/* test_pca.c - PCA recovers a known plane in 10-D (distances kept, the first component the
 * wider one) through both the covariance (n > d) and the Gram (n <= d) paths, which agree;
 * the sign rule; n = 1 and n = 2; bad arguments. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/status.h"
#include "kernels/pca.h"

enum { D = 10 };

/* An orthonormal pair u, v in R^D from Gram-Schmidt on two fixed dense vectors. */
static void
plane_basis(double *u, double *v)
{
    double nu = 0, dot = 0, nv = 0;
    for (int t = 0; t < D; t++) {
        u[t] = 1.0 + 0.3 * t;
        v[t] = (t % 3) - 0.7 * sin(t);
        nu += u[t] * u[t];
    }
    for (int t = 0; t < D; t++)
        u[t] /= sqrt(nu);
    for (int t = 0; t < D; t++)
        dot += u[t] * v[t];
    for (int t = 0; t < D; t++) {
        v[t] -= dot * u[t];
        nv += v[t] * v[t];
    }
    for (int t = 0; t < D; t++)
        v[t] /= sqrt(nv);
}

/* n points o + a u + b v + noise, a spread over [-5, 5], b over [-1, 1]. */
static void
plane_points(size_t n, float *x)
{
    double u[D], v[D];
    uint64_t s = 42;
    plane_basis(u, v);
    for (size_t i = 0; i < n; i++) {
        const double a = 10.0 * ((double)((i * 7919) % n) / (double)n - 0.5),
                     b = 2.0 * ((double)((i * 104729 + 3) % n) / (double)n - 0.5);
        for (int t = 0; t < D; t++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            const double noise = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 2e-6;
            x[i * D + t] = (float)(3.0 - 0.5 * t + a * u[t] + b * v[t] + noise);
        }
    }
}

/* Every pairwise distance in the 2-D map matches the one in 10-D to 1e-4 relative. */
static int
check_distances(const float *x, size_t n, size_t d, const float *y)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx = 0, dy = 0;
            for (size_t t = 0; t < d; t++)
                dx += ((double)x[i * d + t] - x[j * d + t]) * ((double)x[i * d + t] - x[j * d + t]);
            for (size_t t = 0; t < 2; t++)
                dy += ((double)y[i * 2 + t] - y[j * 2 + t]) * ((double)y[i * 2 + t] - y[j * 2 + t]);
            CHECK_NEAR(sqrt(dx), sqrt(dy), 1e-4 * sqrt(dx));
        }
    return 0;
}

static int
check_plane(size_t n)
{
    float *x = malloc(n * D * sizeof *x), *y = malloc(n * 2 * sizeof *y);
    double var[2], s0 = 0, s1 = 0;
    CHECK(x != NULL && y != NULL);
    plane_points(n, x);
    CHECK_EQ(WP_OK, pca_project(x, n, D, 2, y, var));
    CHECK(check_distances(x, n, D, y) == 0);
    CHECK(var[0] > var[1] && var[1] > 0);
    for (size_t i = 0; i < n; i++) {
        s0 += (double)y[i * 2] * y[i * 2];
        s1 += (double)y[i * 2 + 1] * y[i * 2 + 1];
    }
    CHECK_NEAR(var[0], s0 / (double)n, 1e-4 * var[0]); /* coordinates are centred */
    CHECK_NEAR(var[1], s1 / (double)n, 1e-4 * var[1]);
    free(x);
    free(y);
    return 0;
}

static int
test_plane_covariance_path(void)
{
    return check_plane(200); /* n > d: the 10 x 10 covariance */
}

static int
test_plane_gram_path(void)
{
    return check_plane(8); /* n <= d: the 8 x 8 Gram matrix */
}

/* The same 12 points in 10-D (covariance) and padded with zeros to 20-D (Gram) agree. */
static int
test_paths_agree(void)
{
    enum { N = 12, D2 = 20 };
    float x[N * D], xp[N * D2] = {0}, y[N * 3], yp[N * 3];
    double var[3], varp[3];
    plane_points(N, x);
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < D; t++) {
            if (t == 9) /* a third direction, well apart from the noise */
                x[i * D + t] += (float)(0.3 * (double)((i * 5) % 12) / 12.0);
            xp[i * D2 + t] = x[i * D + t];
        }
    CHECK_EQ(WP_OK, pca_project(x, N, D, 3, y, var));
    CHECK_EQ(WP_OK, pca_project(xp, N, D2, 3, yp, varp));
    for (size_t i = 0; i < N * 3; i++)
        CHECK_NEAR(y[i], yp[i], 1e-4);
    for (size_t j = 0; j < 3; j++)
        CHECK_NEAR(var[j], varp[j], 1e-6 * var[0]);
    CHECK(var[0] > var[1] && var[1] > var[2]);
    return 0;
}

/* Points on the e3 axis: the loading is +e3 whichever way the data run, so the first
 * coordinate is t - mean(t) for x = t e3 and its negation for x = -t e3. */
static int
test_sign_rule(void)
{
    static const float t[4] = {0, 1, 3, 8};
    float x[4 * 5] = {0}, y[4 * 2], z[4 * 2];
    for (int s = 1; s >= -1; s -= 2) {
        for (int i = 0; i < 4; i++)
            x[i * 5 + 3] = (float)s * t[i];
        CHECK_EQ(WP_OK, pca_2d(x, 4, 5, y));
        for (int i = 0; i < 4; i++) {
            CHECK_NEAR(s * (t[i] - 3.0), y[i * 2], 1e-6);
            CHECK(y[i * 2 + 1] == 0); /* no second direction: exactly zero */
        }
    }
    /* a tilted line: the larger loading (x-axis, 2 > 1) is the positive one */
    for (int i = 0; i < 4; i++) {
        x[i * 5 + 0] = -2 * t[i];
        x[i * 5 + 1] = t[i];
        x[i * 5 + 3] = 0;
    }
    CHECK_EQ(WP_OK, pca_2d(x, 4, 5, y));
    CHECK_EQ(WP_OK, pca_2d(x, 4, 5, z));
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(-(t[i] - 3.0) * sqrt(5.0), y[i * 2], 1e-5);
        CHECK(y[i * 2] == z[i * 2] && y[i * 2 + 1] == z[i * 2 + 1]); /* same bits */
    }
    return 0;
}

static int
test_one_and_two_points(void)
{
    const float one[3] = {1, 2, 3}, two[6] = {1, 2, 3, 1, 6, 0};
    float y[4] = {9, 9, 9, 9};
    double var[2];
    CHECK_EQ(WP_OK, pca_project(one, 1, 3, 2, y, var));
    CHECK(y[0] == 0 && y[1] == 0 && var[0] == 0 && var[1] == 0);
    CHECK_EQ(WP_OK, pca_project(two, 2, 3, 2, y, var));
    /* difference (0, -4, 3), length 5, loading +-(0, -0.8, 0.6): -0.8 is the largest, so
     * the loading is (0, 0.8, -0.6) and the second point (more y) lies at +2.5 */
    CHECK_NEAR(-2.5, y[0], 1e-6);
    CHECK_NEAR(2.5, y[2], 1e-6);
    CHECK(y[1] == 0 && y[3] == 0);
    CHECK_NEAR(6.25, var[0], 1e-9);
    CHECK(var[1] == 0);
    /* identical rows: nothing to show, all zero */
    const float same[6] = {1, 2, 3, 1, 2, 3};
    CHECK_EQ(WP_OK, pca_2d(same, 2, 3, y));
    for (int i = 0; i < 4; i++)
        CHECK(y[i] == 0);
    /* more components than dimensions: the extra ones are zero */
    float w[2 * 3];
    const float flat[4] = {0, 1, 2, 1};
    CHECK_EQ(WP_OK, pca_project(flat, 2, 2, 3, w, NULL));
    CHECK(w[2] == 0 && w[5] == 0 && w[1] == 0 && w[4] == 0);
    return 0;
}

static int
test_bad_arguments(void)
{
    float x[4] = {1, 2, 3, 4}, y[4];
    CHECK_EQ(WP_ERANGE, pca_2d(x, 0, 2, y));
    CHECK_EQ(WP_ERANGE, pca_2d(x, 2, 0, y));
    CHECK_EQ(WP_ERANGE, pca_project(x, 2, 2, 0, y, NULL));
    x[3] = NAN;
    CHECK_EQ(WP_ERANGE, pca_2d(x, 2, 2, y));
    x[3] = INFINITY;
    CHECK_EQ(WP_ERANGE, pca_2d(x, 2, 2, y));
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_plane_covariance_path), CHECK_CASE(test_plane_gram_path),
           CHECK_CASE(test_paths_agree), CHECK_CASE(test_sign_rule),
           CHECK_CASE(test_one_and_two_points), CHECK_CASE(test_bad_arguments))
