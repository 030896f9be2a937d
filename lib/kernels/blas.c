/* blas.c - the BLAS settings that are not products (see blas.h). */
#include "blas.h"

#include <pthread.h>
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
/* A product big enough for OpenBLAS to share it with its threads (it keeps matrix-vector
 * products under 2304 x 4 elements on one), and how long it may take before they count as
 * stuck. A matrix-vector product, not a matrix product: OpenBLAS's threaded sgemm mallocs
 * its job array, and would die with its own message where the heap is short. */
#define BLAS_PROBE_N 512
#define BLAS_PROBE_SECONDS 5

void blas_set_threads(int n)
{
    openblas_set_num_threads(n);
}

/* One product in a thread of its own: if an OpenBLAS thread is spinning on its buffer, the
 * product waits for it for ever, and the caller stops waiting after BLAS_PROBE_SECONDS. The
 * job and its matrices are static: the job outlives a deadline that passed (the thread stays
 * blocked with it), and taking nothing from the heap leaves "out of memory" to the tool's
 * own allocations (tests/oom.bats fails every allocation above a size). */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    float a[BLAS_PROBE_N * BLAS_PROBE_N], x[BLAS_PROBE_N], y[BLAS_PROBE_N];
} probe_job = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}, {0}, {0}};

static void *
probe_product(void *arg)
{
    (void)arg;
    const int n = BLAS_PROBE_N;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, n, 1, probe_job.a, n, probe_job.x, 1, 0,
                probe_job.y, 1);
    pthread_mutex_lock(&probe_job.mu);
    probe_job.done = 1;
    pthread_cond_signal(&probe_job.cv);
    pthread_mutex_unlock(&probe_job.mu);
    return NULL;
}

/* WP_OK when OpenBLAS's threads answer a shared product in time. On WP_ENOMEM a thread stays
 * blocked in OpenBLAS, so the process must end without running its exit handlers (which
 * would wait for OpenBLAS's threads too). */
static int
threads_answer(void)
{
    if (openblas_get_num_threads() < 2)
        return WP_OK;
    pthread_mutex_lock(&probe_job.mu);
    probe_job.done = 0;
    pthread_mutex_unlock(&probe_job.mu);
    pthread_t th;
    if (pthread_create(&th, NULL, probe_product, NULL) != 0)
        return WP_ENOMEM;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BLAS_PROBE_SECONDS;
    int rc = 0;
    pthread_mutex_lock(&probe_job.mu);
    while (!probe_job.done && rc == 0)
        rc = pthread_cond_timedwait(&probe_job.cv, &probe_job.mu, &until);
    const int done = probe_job.done;
    pthread_mutex_unlock(&probe_job.mu);
    if (!done)
        return WP_ENOMEM;
    pthread_join(th, NULL);
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
