/* fuzz_vocab.c - the vocabulary reader (vocab_read, lib/text/vocab.c) on an arbitrary stream:
 * every word read must be found again by lookup under its id. Byte 0 is the mode of
 * fuzz_stream (fuzz.h): bit 0 fixes the checksums. */
#include <stdlib.h>

#include "common/status.h"
#include "fuzz.h"
#include "stream/rec.h"
#include "text/vocab.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    FILE *fp = fuzz_stream(data, size, &copy);
    struct rec_reader *r = NULL;
    struct vocab *v = NULL;

    if (fp == NULL)
        return 0;
    if (rec_reader_open(&r, fp) == WP_OK && vocab_read(&v, r) == WP_OK) {
        for (uint32_t id = 0; id < vocab_size(v); id++) {
            size_t len;
            const char *w = vocab_word(v, id, &len);
            if (vocab_lookup(v, w, len) != (int64_t)id)
                abort();
            (void)vocab_count(v, id);
        }
        (void)vocab_hash(v);
        vocab_free(v);
    }
    rec_reader_free(r);
    fclose(fp);
    free(copy);
    return 0;
}
