/* replay_main.c - runs a fuzz harness without libFuzzer: calls LLVMFuzzerTestOneInput once
 * on the bytes of every file named on the command line, so seeds and saved crash inputs
 * replay under gcc's ASan+UBSan (make fuzz-replay). A sanitizer report aborts the run; a
 * file that cannot be read counts as failed. Prints "N passed, N failed" as its last line. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;

    if (fp == NULL) {
        perror(path);
        return -1;
    }
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 65536;
            unsigned char *nd = realloc(data, cap);
            if (nd == NULL) {
                free(data);
                fclose(fp);
                return -1;
            }
            data = nd;
        }
        const size_t got = fread(data + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    const int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        perror(path);
        free(data);
        return -1;
    }
    /* an exact-size copy, so ASan sees reads past the input's end */
    unsigned char *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        exact[i] = data[i];
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int
main(int argc, char **argv)
{
    int passed = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        if (replay_file(argv[i]) == 0) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s\n", argv[i]);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
