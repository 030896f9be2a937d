/* status.c - the strings for enum wp_status. */
#include "status.h"

const char *
wp_strerror(int status)
{
    switch (status) {
    case WP_OK: return "success";
    case WP_EIO: return "input/output error";
    case WP_ENOMEM: return "out of memory";
    case WP_EMAGIC: return "not a wordpipe stream (bad magic)";
    case WP_EVERSION: return "format version is newer than this program";
    case WP_ECORRUPT: return "corrupt data";
    case WP_ECHECKSUM: return "checksum mismatch";
    case WP_ETRUNC: return "truncated stream";
    case WP_ERANGE: return "value out of range";
    case WP_EKIND: return "wrong kind of stream";
    case WP_EEMPTY: return "empty input";
    case WP_EVOCAB: return "stream was made with another vocabulary";
    case WP_EFORMAT: return "malformed input";
    case WP_ENOTFOUND: return "not found";
    }
    return "unknown error";
}
