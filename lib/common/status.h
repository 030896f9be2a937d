/* status.h - the one table of status codes every lib/ function returns. */
#ifndef WP_STATUS_H
#define WP_STATUS_H

/* Values are pinned: never renumber, never reuse. 0 is success, errors < 0. */
enum wp_status {
    WP_OK = 0,
    WP_EIO = -1,       /* read or write failed; errno holds the reason */
    WP_ENOMEM = -2,    /* allocation failed */
    WP_EMAGIC = -3,    /* not a wordpipe stream */
    WP_EVERSION = -4,  /* written by a newer format version */
    WP_ECORRUPT = -5,  /* a header field or payload is inconsistent */
    WP_ECHECKSUM = -6, /* XXH3 of the payload does not match */
    WP_ETRUNC = -7,    /* the stream ended early */
    WP_ERANGE = -8,    /* argument, size or dimension out of range */
    WP_EKIND = -9,     /* stream holds another record kind than expected */
    WP_EEMPTY = -10,   /* input has no bytes at all */
    WP_EVOCAB = -11,   /* stream indexes another vocabulary */
    WP_EFORMAT = -12,  /* a text input (vectors, questions...) is malformed */
    WP_ENOTFOUND = -13 /* a looked-up key is absent */
};

/* A short lower-case phrase for a status; never NULL. */
const char *wp_strerror(int status);

#define WP_TRY(expr)                                                                   \
    do {                                                                               \
        const int wp_rc_ = (expr);                                                     \
        if (wp_rc_ < 0)                                                                \
            return wp_rc_;                                                             \
    } while (0)

#endif
