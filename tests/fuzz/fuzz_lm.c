/* fuzz_lm.c - the language-model loader (lm_load, lib/lm/lm_file.c) on an arbitrary stream.
 * Byte 0 is the mode of fuzz_stream (fuzz.h): bit 0 fixes the checksums.
 *
 * lm_load allocates the weights the header's configuration declares before it reads them
 * (a stream cannot tell its size in advance), so a header of a few bytes may declare
 * terabytes: that is an allocation failure, WP_ENOMEM, by design, but ASan aborts on it.
 * Configurations over FUZZ_PARAMS_MAX floats are therefore checked (lm_cfg_from_meta) but
 * not loaded. */
#include <stdlib.h>

#include "common/status.h"
#include "fuzz.h"
#include "lm/lm.h"
#include "stream/rec.h"

enum { FUZZ_PARAMS_MAX = 1 << 24 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    FILE *fp = fuzz_stream(data, size, &copy);
    struct rec_reader *r = NULL;
    struct lm *m = NULL;
    struct lm_cfg c;

    if (fp == NULL)
        return 0;
    if (rec_reader_open(&r, fp) == WP_OK) {
        /* an invalid configuration fails inside lm_load before it allocates */
        const int huge = rec_reader_kind(r) == REC_MODEL
            && lm_cfg_from_meta(rec_reader_meta(r), &c) == WP_OK
            && lm_param_count(&c) > FUZZ_PARAMS_MAX;
        if (!huge && lm_load(r, &m) == WP_OK)
            lm_free(m);
    }
    rec_reader_free(r);
    fclose(fp);
    free(copy);
    return 0;
}
