/* fuzz.h - what every harness shares: the libFuzzer entry point's prototype (so the
 * harnesses build with -Wmissing-prototypes) and a FILE over the input bytes. */
#ifndef WP_FUZZ_H
#define WP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#include <zlib.h>

#include "common/bytes.h"
#include "stream/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A read-only stream over size bytes of data. glibc's fmemopen refuses a zero-sized
 * buffer, so an empty input reads from an empty pipe-like stream instead: a buffer of one
 * byte with the position already at its end. NULL on failure (the harness then skips). */
static inline FILE *
fuzz_fopen(const uint8_t *data, size_t size)
{
    static const uint8_t empty[1];
    FILE *fp;

    if (size > 0)
        return fmemopen((void *)data, size, "rb");
    fp = fmemopen((void *)empty, 1, "rb");
    if (fp != NULL && fseek(fp, 1, SEEK_SET) != 0) {
        fclose(fp);
        return NULL;
    }
    return fp;
}

/* Checksums stop a mutation at the first check, so the stream harnesses take a mode byte
 * first: with bit 0 set, fuzz_fix_sums recomputes every check a mutated stream carries
 * (header XXH3, block payload XXH3 and header check, trailer stream hash and check) the
 * way lib/stream/rec.c writes them, leaving counts, sizes and everything else as mutated. Then
 * the fuzzer reaches the metadata, block and record parsers behind the checks. */
enum { FUZZ_FIX_RAW_MAX = 1 << 20 };

static inline uint32_t
fuzz_check32(const unsigned char *p, size_t n)
{
    return (uint32_t)XXH3_64bits(p, n);
}

/* XXH3 of the raw bytes of a block's payload into *h; 0 if it does not unpack. */
static inline int
fuzz_block_hash(const unsigned char *blk, const unsigned char *payload, uint64_t *h)
{
    const uint32_t raw_size = le32_load(blk + 8), packed = le32_load(blk + 12);
    if (blk[1] == REC_CODEC_STORED) {
        *h = XXH3_64bits(payload, packed);
        return 1;
    }
    if (blk[1] != REC_CODEC_ZLIB || raw_size > FUZZ_FIX_RAW_MAX)
        return 0;
    unsigned char *raw = malloc(raw_size + 1);
    z_stream z;
    int ok = 0;
    memset(&z, 0, sizeof z);
    if (raw != NULL && inflateInit2(&z, -15) == Z_OK) {
        z.next_in = (unsigned char *)payload;
        z.avail_in = packed;
        z.next_out = raw;
        z.avail_out = raw_size;
        ok = inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_out == 0;
        inflateEnd(&z);
        if (ok)
            *h = XXH3_64bits(raw, raw_size);
    }
    free(raw);
    return ok;
}

static inline void
fuzz_fix_sums(unsigned char *p, size_t n)
{
    XXH3_state_t *st = XXH3_createState();
    size_t pos = 0;

    if (st == NULL)
        return;
    while (pos + 16 <= n && memcmp(p + pos, REC_SIGNATURE, REC_SIGNATURE_SIZE) == 0) {
        const uint64_t meta = le32_load(p + pos + 12);
        if (pos + 16 + meta + 8 > n)
            break;
        le64_store(p + pos + 16 + meta, XXH3_64bits(p + pos, 16 + meta));
        pos += 16 + meta + 8;
        XXH3_64bits_reset(st);
        while (pos < n && p[pos] == REC_TAG_BLOCK && pos + REC_BLOCK_HEADER_SIZE <= n) {
            unsigned char *blk = p + pos;
            const uint64_t packed = le32_load(blk + 12);
            uint64_t h;
            pos += REC_BLOCK_HEADER_SIZE;
            if (packed <= n - pos && fuzz_block_hash(blk, p + pos, &h))
                le64_store(blk + 16, h);
            le32_store(blk + 24, fuzz_check32(blk, 24));
            XXH3_64bits_update(st, blk + 16, 8);
            if (packed > n - pos)
                goto out;
            pos += packed;
        }
        if (pos + REC_TRAILER_SIZE > n || p[pos] != REC_TAG_END)
            break;
        le64_store(p + pos + 20, XXH3_64bits_digest(st));
        le32_store(p + pos + 28, fuzz_check32(p + pos, 28));
        pos += REC_TRAILER_SIZE;
    }
out:
    XXH3_freeState(st);
}

/* A stream over the input after its mode byte, checksums fixed if the mode says so. The
 * copy is returned in *copy for the caller to free after fclose. */
static inline FILE *
fuzz_stream(const uint8_t *data, size_t size, unsigned char **copy)
{
    *copy = NULL;
    if (size < 1)
        return NULL;
    if ((*copy = malloc(size)) == NULL)
        return NULL;
    memcpy(*copy, data + 1, size - 1);
    if (data[0] & 1)
        fuzz_fix_sums(*copy, size - 1);
    FILE *fp = fuzz_fopen(*copy, size - 1);
    if (fp == NULL) {
        free(*copy);
        *copy = NULL;
    }
    return fp;
}

#endif
