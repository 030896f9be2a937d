/* test_mapfile.c - wp_map_file: a file's bytes read in place, a file opened for writing
 * only or a closed descriptor is WP_EIO, and unmapping NULL is nothing. (Whether the kernel
 * backs the mapping with huge pages is its choice: bench/knn-big.sh measures the effect.) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/mapfile.h"
#include "common/status.h"

static int
temp_file(char *path, size_t n)
{
    strcpy(path, "/tmp/test_mapfile.XXXXXX");
    const int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)(i * 31 + 7);
        if (write(fd, &c, 1) != 1)
            return -1;
    }
    return fd;
}

static int
test_reads_in_place(void)
{
    char path[64];
    const size_t n = 3 * 4096 + 5; /* not a whole number of pages */
    const int fd = temp_file(path, n);
    CHECK(fd >= 0);
    void *base = NULL;
    CHECK_EQ(WP_OK, wp_map_file(fd, n, &base));
    const unsigned char *b = base;
    for (size_t i = 0; i < n; i++)
        CHECK_EQ((unsigned char)(i * 31 + 7), b[i]);
    wp_unmap_file(base, n);
    close(fd);
    unlink(path);
    return 0;
}

static int
test_bad_descriptors(void)
{
    char path[64];
    const int fd = temp_file(path, 100);
    CHECK(fd >= 0);
    const int wr = open(path, O_WRONLY); /* PROT_READ needs a readable descriptor */
    CHECK(wr >= 0);
    void *base = NULL;
    CHECK_EQ(WP_EIO, wp_map_file(wr, 100, &base));
    CHECK(base == NULL);
    close(wr);
    close(fd);
    CHECK_EQ(WP_EIO, wp_map_file(fd, 100, &base)); /* closed */
    unlink(path);
    wp_unmap_file(NULL, 100);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_reads_in_place),
        CHECK_CASE(test_bad_descriptors),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
