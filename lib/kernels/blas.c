/* blas.c - the BLAS settings that are not products (see blas.h). */
#include "blas.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "common/status.h"

/* OpenBLAS's buffer pool (driver/others/memory.c): exported by libopenblas, not declared in
 * cblas.h. */
extern void *blas_memory_alloc(int procpos);
extern void blas_memory_free(void *buffer);

/* One buffer as OpenBLAS maps it on x86_64 (BUFFER_SIZE in common_x86_64.h, 128 MB), plus
 * room for its alignment page. */
#define BLAS_BUFFER_BYTES (((size_t)128 << 20) + ((size_t)1 << 20))
#define BLAS_RESERVE_MAX 64
/* A product big enough for OpenBLAS to share it with its threads (it keeps products under
 * 65536 x 4 multiply-adds on one), and how long it may take before they count as stuck. */
#define BLAS_PROBE_N 256
#define BLAS_PROBE_SECONDS 5

void blas_set_threads(int n)
{
    openblas_set_num_threads(n);
}

/* One product in a thread of its own: if an OpenBLAS thread is spinning on its buffer, the
 * product waits for it for ever, and the caller stops waiting after BLAS_PROBE_SECONDS. */
struct probe_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    float *m; /* three BLAS_PROBE_N^2 matrices */
};

static void *
probe_product(void *arg)
{
    struct probe_job *j = arg;
    const int n = BLAS_PROBE_N;
    float *a = j->m, *b = a + n * n, *c = b + n * n;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    pthread_mutex_lock(&j->mu);
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* WP_OK when OpenBLAS's threads answer a shared product in time. On WP_ENOMEM a thread stays
 * blocked in OpenBLAS with the job, so the job is left allocated and the process must end
 * without running its exit handlers (which would wait for OpenBLAS's threads too). */
static int
threads_answer(void)
{
    if (openblas_get_num_threads() < 2)
        return WP_OK;
    struct probe_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->m = calloc((size_t)3 * BLAS_PROBE_N * BLAS_PROBE_N, sizeof *j->m)) == NULL) {
        free(j);
        return WP_ENOMEM;
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, probe_product, j) != 0) {
        free(j->m);
        free(j);
        return WP_ENOMEM;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BLAS_PROBE_SECONDS;
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    while (!j->done && rc == 0)
        rc = pthread_cond_timedwait(&j->cv, &j->mu, &until);
    const int done = j->done;
    pthread_mutex_unlock(&j->mu);
    if (!done)
        return WP_ENOMEM;
    pthread_join(th, NULL);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j->m);
    free(j);
    return WP_OK;
}

int blas_reserve(int callers)
{
    if (callers < 0 || callers > BLAS_RESERVE_MAX)
        return WP_ERANGE;
    if (callers > 0) {
        const size_t bytes = (size_t)callers * BLAS_BUFFER_BYTES;
        void *room = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                          -1, 0);
        if (room == MAP_FAILED)
            return WP_ENOMEM;
        munmap(room, bytes);
        /* held together, so that each maps a buffer of its own; freed, they stay mapped in
         * OpenBLAS's pool for the products to come */
        void *held[BLAS_RESERVE_MAX];
        for (int i = 0; i < callers; i++)
            held[i] = blas_memory_alloc(0);
        for (int i = 0; i < callers; i++)
            blas_memory_free(held[i]);
    }
    return threads_answer();
}
