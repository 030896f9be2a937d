/* cli_opt.h - command-line options declared once, in a table: long name, short letter, what
 * the argument is and where its value goes. cli_opt_parse builds getopt_long's arrays from the
 * table, parses, range-checks through cli.h's cli_parse_* (so every message and exit code is
 * theirs) and stores into the tool's options struct by offset. Only tools/ use it. */
#ifndef WP_CLI_OPT_H
#define WP_CLI_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_opt_kind {
    CLI_OPT_FLAG = 1, /* stores 1 */
    CLI_OPT_CONST,    /* stores .val (--no-fold 0, --exact-updates -1) */
    CLI_OPT_COUNT,    /* adds 1 */
    CLI_OPT_STR,      /* stores the argument (a const char *) */
    CLI_OPT_LIST,     /* appends the argument to a const char ** (.off) counted by a size_t
                       * (.off2); the array, room for argc, is allocated before parsing */
    CLI_OPT_U64,      /* cli_parse_u64 in [.lo, .hi], stored in an integer of any width */
    CLI_OPT_DOUBLE,   /* cli_parse_double in [.dlo, .dhi], stored in a double or a float */
    CLI_OPT_ENUM,     /* the index among .names (or .values[index]); an unknown name says
                       * "FLAG ARG: expected .expect" when given, else cli_parse_enum's text */
    CLI_OPT_SIZE,     /* cli_parse_size with minimum .lo, stored in a uint64_t */
    CLI_OPT_EVERY,    /* cli_parse_every: seconds in a double (.off), words in a uint64_t
                       * (.off2) */
    CLI_OPT_CALL,     /* .call(dst, argument), the argument NULL unless .arg */
    CLI_OPT_MOVED,    /* an old letter: cli_moved(letter, .moved), with an argument if .arg;
                       * an old long name: "--name .expect in wordpipe; say .moved" */
    CLI_OPT_SKIP,     /* accepted and ignored, with an argument if .arg (read by an earlier
                       * cli_opt_scan) */
    CLI_OPT_HELP,     /* usage(stdout, RV_OK) */
    CLI_OPT_VERSION   /* cli_version() */
};

struct cli_opt {
    const char *name; /* long name without "--"; NULL: a letter only */
    int letter;       /* short letter; 0: a long name only */
    int kind;         /* enum cli_opt_kind */
    const char *flag; /* the option as messages name it; NULL: "-x" when it has a letter,
                       * else "--name" */
    size_t off, size; /* where the value goes in the tool's struct (CLI_AT) */
    size_t off2;      /* the second place (LIST, EVERY) */
    int64_t val;      /* CONST */
    uint64_t lo, hi;  /* U64 bounds; SIZE: lo is the minimum */
    double dlo, dhi;  /* DOUBLE bounds */
    const char *const *names; /* ENUM */
    int nnames;
    const int *values; /* ENUM: stored instead of the index when not NULL */
    const char *expect;
    void (*call)(void *dst, const char *arg); /* CALL */
    const char *moved; /* MOVED: the long option that took the letter's meaning */
    int arg;           /* CALL, MOVED, SKIP: takes an argument */
    size_t also, also_size; /* the option also stores .alsov at also - 1 (CLI_ALSO) */
    int64_t alsov;
    size_t count; /* the option also adds 1 to the int at count - 1 (CLI_COUNTS) */
};

#define CLI_AT(type, m) .off = offsetof(type, m), .size = sizeof(((type *)0)->m)
#define CLI_AT2(type, m) .off2 = offsetof(type, m)
#define CLI_ALSO(type, m, v)                                                                   \
    .also = offsetof(type, m) + 1, .also_size = sizeof(((type *)0)->m), .alsov = (v)
#define CLI_COUNTS(type, m) .count = offsetof(type, m) + 1
#define CLI_NOPTS(t) (sizeof(t) / sizeof((t)[0]))

/* Parses argv by the n options of table t into dst (the struct the offsets are into), in
 * order, as getopt_long does (long names in table order, so abbreviations and their
 * ambiguities are getopt's); an unknown option or a missing argument calls
 * usage(stderr, RV_USAGE). Returns optind, the first operand. */
int cli_opt_parse(const struct cli_opt *t, size_t n, void (*usage)(FILE *, int), void *dst,
                  int argc, char **argv);
/* A pass that calls fn(dst, argument) for each occurrence of option name, quietly skipping
 * everything else (errors are the real pass's), from argv's start, then rewinds getopt:
 * before cli_opt_parse (an option others depend on) or after it. */
void cli_opt_scan(const struct cli_opt *t, size_t n, const char *name,
                  void (*fn)(void *dst, const char *arg), void *dst, int argc, char **argv);

/* Settings a run takes from elsewhere (a checkpoint resumed, a windows stream's header),
 * said by k: each option of k->names (NULL-ended) given in argv must leave the same bytes in
 * given (the options as parsed) as in kept (with those settings in): else dies RV_USAGE,
 * "CTX: -d gives 50, SOURCE 20 (WHY: drop -d, or REMEDY)", so that a setting given is
 * never dropped unsaid while a command that repeats it passes. Options without a field of
 * their own (CALL, STR, LIST, EVERY) are not compared. */
struct cli_kept {
    const char *const *names;
    const char *ctx, *source, *why, *remedy;
};
void cli_opt_check_kept(const struct cli_opt *t, size_t n, const struct cli_kept *k,
                        const void *given, const void *kept, int argc, char **argv);

#endif
