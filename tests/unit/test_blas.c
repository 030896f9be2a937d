/* test_blas.c - blas_reserve: its range; buffers claimed for two callers leave products
 * right; under an address-space limit with no room for a buffer it says WP_ENOMEM (in a
 * child, with an alarm: the failure it prevents is an endless retry inside OpenBLAS). */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "common/status.h"
#include "kernels/blas.h"

static int
test_range(void)
{
    CHECK_EQ(WP_ERANGE, blas_reserve(-1));
    CHECK_EQ(WP_ERANGE, blas_reserve(65));
    CHECK_EQ(WP_OK, blas_reserve(0));
    return 0;
}

static int
test_products_after_reserve(void)
{
    CHECK_EQ(WP_OK, blas_reserve(2));
    enum { N = 96 };
    static float a[N * N], b[N * N], c[N * N];
    for (int i = 0; i < N * N; i++) {
        a[i] = (float)(i % 7) - 3;
        b[i] = (float)(i % 5) - 2;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, a, N, b, N, 0, c, N);
    for (int i = 0; i < N; i += 17)
        for (int j = 0; j < N; j += 13) {
            float want = 0; /* small integers: every sum is exact */
            for (int k = 0; k < N; k++)
                want += a[i * N + k] * b[k * N + j];
            CHECK_EQ((long long)want, (long long)c[i * N + j]);
        }
    return 0;
}

static int
test_no_room(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 0; /* their shadow memory needs more address space than any limit here */
#else
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL);
    CHECK(fscanf(f, "%ld", &pages) == 1);
    fclose(f);
    const pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(10);
        /* 64 MB above what is mapped now: no room for a 128 MB buffer */
        const rlim_t limit = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)64 << 20);
        const struct rlimit rl = {limit, limit};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(2);
        _exit(blas_reserve(1) == WP_ENOMEM ? 0 : 3);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(0, WEXITSTATUS(st));
    return 0;
#endif
}

CHECK_MAIN(CHECK_CASE(test_range), CHECK_CASE(test_products_after_reserve),
           CHECK_CASE(test_no_room))
