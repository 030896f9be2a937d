/* cli.h - what every tool shares: exit codes, option parsing helpers, opening inputs and
 * record streams with precise errors, atomic outputs, progress lines. Only tools/ use it;
 * lib/ never prints or exits. */
#ifndef WP_CLI_H
#define WP_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "stream/rec.h"

/* Exit codes, the same in every tool and listed in every man page. */
enum {
    RV_OK = 0,    /* success */
    RV_FAIL = 1,  /* I/O or system error, out of memory */
    RV_USAGE = 2, /* bad option, bad option argument, missing operand */
    RV_DATA = 3   /* input is invalid: not a stream, corrupt, wrong kind, malformed text */
};

#define WP_VERSION_STRING "0.1.0"

extern const char *cli_progname;

/* Sets the program name for messages, SIGPIPE to its default (a closed pipe ends the tool
 * quietly), SIGXFSZ ignored (a file-size limit is a write error, EFBIG), and the cleanup of
 * a pending atomic output on SIGINT/SIGTERM/SIGHUP. */
void cli_init(const char *name);
_Noreturn void cli_version(void); /* prints "NAME wordpipe VERSION" on stdout and exits 0 */

/* For cli_io.c: the temporary file of the output being written (NULL: none), which an
 * error exit or a fatal signal removes. */
void cli_set_pending(char *tmp);
/* The temporary directory being filled with NNNNNN.npy files numbered 0 to files - 1
 * (embed --npy-dir; NULL: none), which an error exit or a fatal signal removes with them. */
void cli_set_pending_dir(char *dir, unsigned long long files);
/* Writes NNNNNN.npy, id in six or more digits, to s (room for 25 bytes); its length. */
size_t cli_npy_name(char *s, unsigned long long id);

/* printf-style "tool: message" on stderr, then exit(code). */
_Noreturn void cli_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The one mapping from a lib status (common/status.h) to an exit code: RV_FAIL for WP_EIO
 * and WP_ENOMEM (the system failed), RV_DATA for every other error (the input is wrong). */
int cli_exit_code(int status);
/* "tool: out of memory", exit RV_FAIL: the one message for a failed allocation. */
_Noreturn void cli_die_nomem(void);
/* A word as a message shows it: itself up to 60 bytes, else its first 60 (cut on a UTF-8
 * character boundary) and "... (N bytes)", so a 5 MB query line is not echoed whole. */
enum { CLI_WORD_BUF = 96 };
const char *cli_word(const char *w, char buf[CLI_WORD_BUF]);
/* "tool: out of memory (WHY)" and _exit(1): for when exit()'s handlers could hang (a library
 * thread that never started, see cli_blas.h). */
_Noreturn void cli_die_nomem_now(const char *why);
/* Dies for a failed lib call: WP_ENOMEM as cli_die_nomem; otherwise "tool: MESSAGE: what"
 * with cli_exit_code(status), what being errno's text for WP_EIO (call it before anything
 * else touches errno) and wp_strerror(status) otherwise. */
_Noreturn void cli_die_status(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for a lib call that checks what the command line asked for (a model's sizes, an
 * index's parameters): RV_USAGE instead of RV_DATA. */
_Noreturn void cli_die_usage_status(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation in tools/: never NULL; failure (or n x size overflowing) dies with
 * cli_die_nomem. tests/layering.sh refuses a bare malloc, calloc, realloc or strdup in
 * tools/ outside cli.c. */
void *cli_malloc(size_t n);
void *cli_calloc(size_t n, size_t size);
void *cli_mallocarray(size_t n, size_t size); /* n x size bytes, uninitialised */
void *cli_reallocarray(void *p, size_t n, size_t size);
char *cli_strdup(const char *s);

/* Short options mean one thing in every tool (README, "One meaning per flag"):
 *   -f force  -h help  -o output  -q quiet  -t threads  -V version  -z level, and the
 *   word2vec-compatible -a alpha  -d dim  -e epochs  -m min-count  -n negative  -s sample
 *   -v vocab  -w window; a tool keeps another letter only if no tool uses it otherwise.
 * A tool whose letter moved to a long option calls this for it: exit RV_USAGE with
 * "tool: -m is --min-count in wordpipe; say --model". */
_Noreturn void cli_moved(int letter, const char *long_name);

/* Range-checked numbers: on error exit RV_USAGE naming flag, value and range. */
uint64_t cli_parse_u64(const char *s, const char *flag, uint64_t lo, uint64_t hi);
double cli_parse_double(const char *s, const char *flag, double lo, double hi);
/* "512M", "2G", "65536": bytes with an optional K/M/G/T suffix (powers of 1024), at least
 * min (a whole number of K or M); exits RV_USAGE naming flag, value and the minimum. */
uint64_t cli_parse_size(const char *s, const char *flag, uint64_t min);
/* --checkpoint-every and the like, one syntax in every tool: Ns, Nm or Nh (time: sets *secs)
 * or Nw (words, that is tokens: sets *words), N >= 1 (fractions allowed for time); a bare
 * number is refused, since a unit is what tells them apart. Exits RV_USAGE. */
void cli_parse_every(const char *s, const char *flag, double *secs, uint64_t *words);
/* The index of s among the n names; otherwise exit RV_USAGE "flag s: unknown value". */
int cli_parse_enum(const char *s, const char *flag, const char *const *names, int n);

/* The bytes a run will read from path ("-" or NULL: standard input, from its offset): the
 * size of a regular file, 0 for anything else (a pipe, a terminal, a device: unknown). */
uint64_t cli_input_size(const char *path);
/* Their sum over n inputs, for a progress percent (cli_progress_update_read); 0 when any of
 * them is unknown. */
uint64_t cli_inputs_size(const char *const *paths, size_t n);

/* Opens path for reading ("-" or NULL is stdin); exits RV_FAIL with the errno text. */
FILE *cli_open_in(const char *path);
void cli_close_in(FILE *fp);
const char *cli_name(const char *path); /* "-"/NULL -> "<stdin>" for messages */

/* Opens a record stream and checks its kind (0 = any). Any error exits: RV_DATA with
 * "tool: file: header: ..." or "expected a vocabulary stream, got tokens". */
struct rec_reader *cli_reader_open(FILE *fp, const char *path, int kind);
/* The records of r's whole input counted from its block headers (rec_reader_count_records)
 * before any is read, as a progress total: 0 when unknown (a pipe, or a stream too damaged
 * to walk, which reading it will report). */
uint64_t cli_reader_records(struct rec_reader *r, const char *path);
/* rec_reader_next that exits with "tool: file: block 17: checksum mismatch" on error. */
int cli_reader_next(struct rec_reader *r, const char *path, const unsigned char **rec,
                    size_t *len);
/* Exits as cli_reader_next does for status, a negative return of rec_reader_next (or of
 * rec_prefetch_next, once the prefetch thread is stopped). */
_Noreturn void cli_die_reader(struct rec_reader *r, const char *path, int status);
/* Exits RV_DATA: "tool: file: block N: record M: what" for a record that does not decode. */
_Noreturn void cli_die_record(struct rec_reader *r, const char *path, int status);

/* The model that made the vectors of a stream (REC_META_MODEL_HASH): 1 and *fp when its
 * header names it, 0 when it does not (older files, other tools' output: taken as they
 * are); a value that is not a number exits RV_DATA. */
int cli_vectors_model(const struct rec_meta *meta, const char *path, uint64_t *fp);
/* Exits RV_DATA when the vectors of path were made by the model got and the vectors they go
 * with by want ("tool: path: vectors made from another model (fingerprint got, <whose>
 * want)"); --any-source, which skips this check, is named for deliberate uses. */
void cli_check_model(const char *path, uint64_t got, uint64_t want, const char *whose);

/* An output file written atomically: data goes to a temporary name beside the target and
 * is renamed into place by cli_out_commit, so a crash never leaves a partial file under
 * the final name. path NULL or "-" means stdout. A binary output refuses a terminal
 * unless force is set. */
struct cli_out {
    FILE *fp;
    char *path; /* final name, NULL for stdout */
    char *tmp;  /* temporary name, NULL for stdout */
    char *wbuf; /* fp's buffer, set by cli_out_mappable; freed once fp is closed */
};
/* What an output holds, for the refusal to write binary to a terminal (only a wordpipe
 * stream can be piped into wpcat). */
enum { CLI_OUT_TEXT, CLI_OUT_STREAM, CLI_OUT_BINARY };
void cli_out_open(struct cli_out *o, const char *path, int kind, int force);
/* Dies as cli_out_open would for standard output on a terminal: for tools that write their
 * output only after hours of work. */
void cli_out_refuse_tty(const char *path, int kind, int force);
/* An output that readers will map in place (a vector table, an HNSW index): written in
 * 2 MB writes, so that the page cache holds it in huge pages at once (common/mapfile.h).
 * Call right after cli_out_open, before anything is written; nothing for stdout. */
void cli_out_mappable(struct cli_out *o);
void cli_out_commit(struct cli_out *o); /* flush, fsync, close, rename; exits on error */
void cli_out_abort(struct cli_out *o);  /* remove the temporary file */
/* A file to be written later (a model, a checkpoint): dies now, as cli_out_open would, if it
 * cannot be created (no directory, not writable), not after hours of training. NULL, "-", a
 * device or a FIFO are left alone (opening a FIFO would wait for a reader). */
void cli_out_check(const char *path);
/* The files a run names, checked by cli_paths_distinct before any work: an output that is
 * also an input would replace it without a word (the rename makes the output whole, the
 * input is lost), and two outputs on one file or both on standard output would leave one
 * of them. path NULL: not given (skipped); "-": standard input or output. flag names the
 * output's option ("-o") or what an input is ("the vocabulary (-v)"), for messages. */
struct cli_path {
    const char *path, *flag;
    int out;  /* 1: written by the run */
    int pair; /* an output and an input of one nonzero pair may be one file (a checkpoint
               * resumed in place: read whole before it is rewritten) */
};
/* Dies RV_USAGE, "tool: FILE: -o would replace the vocabulary (-v)" or "-o and --log both
 * write FILE" or "... both write to standard output", at the first clash among the n
 * paths. The same file is the same device and inode, or for outputs not yet made the
 * same name in the same directory; devices and FIFOs (/dev/null) never clash. */
void cli_paths_distinct(const struct cli_path *p, size_t n);
/* A --log file (w2v-train, elmo-train): opened for appending at once, so that a bad path
 * fails before any work; "-" is standard output. cli_log_start, when training starts:
 * a new run empties it and writes header, a resumed run (resume) appends to it.
 * cli_log_close: closed (standard output only flushed), a write error exits RV_FAIL. */
FILE *cli_log_open(const char *path);
void cli_log_start(FILE *log, const char *path, int resume, const char *header);
void cli_log_close(FILE *log, const char *path);
/* A failed write of o: "tool: NAME: what" (errno's text for WP_EIO, so a full disk says
 * so), the temporary removed, exit RV_FAIL. Call it before anything else touches errno. */
_Noreturn void cli_out_die(const struct cli_out *o, int rc);

/* An unlinked temporary file in $TMPDIR (or /tmp), opened "w+b", for what must be read
 * more than once (a pipe cannot be rewound); it vanishes when closed or at exit. name
 * prefixes the file name. Exits RV_FAIL on error. */
FILE *cli_spool_create(const char *name);

/* Record-stream output on top of cli_out; dies with a message on any error. */
struct rec_writer *cli_writer_open(struct cli_out *o, int kind, const struct rec_meta *meta,
                                   int level);
void cli_writer_put(struct rec_writer *w, struct cli_out *o, const void *rec, size_t len);
void cli_writer_close(struct rec_writer *w, struct cli_out *o); /* trailer, then commit */

/* --mpi of a training tool: refuses what no MPI run supports yet (a build without MPI,
 * --resume, a model on standard output, then the tool's own refusal `no` unless NULL),
 * starts MPI and returns this process's rank. Exits RV_USAGE naming the problem, or
 * RV_FAIL when MPI cannot start. */
int cli_mpi_start(const char *resume, const char *out, const char *no);

/* Reads a vocabulary stream whole; exits with "tool: file: ..." on any error, and RV_DATA
 * when it is a phrase table or holds fewer than min_words words. */
struct vocab;
struct vocab *cli_vocab_load(const char *path, uint32_t min_words);
/* A token stream (its header tokens, from tpath) read with a vocabulary (vpath): when both
 * say the shape of their tokens (tok_meta.h) and they differ, dies RV_DATA naming the two
 * tok commands: a cased vocabulary finds no lowercased token, and the run would train on
 * what little matches without a word. */
void cli_check_tokenized(const struct vocab *v, const char *vpath, const struct rec_meta *tokens,
                         const char *tpath);
/* Exits RV_DATA when r, a vocabulary stream, is a phrase table (phrases --learn): its
 * phrases are no vocabulary of distinct words. */
void cli_vocab_not_table(struct rec_reader *r, const char *path);
/* Loads vectors in format fmt (enum w2vfmt_format; W2VFMT_AUTO detects it, see vecset.h);
 * exits with "tool: file: line N: what" or "tool: file: what" on error. */
struct vecset;
struct vecset *cli_vecset_load(const char *path, int fmt);
/* The same with vecset_load_flags flags (VECSET_TRUST: a vector table's checksums are not
 * verified). */
struct vecset *cli_vecset_open(const char *path, int fmt, unsigned flags);
/* Flushes and closes stdout at exit; a write error (ENOSPC, EIO) exits RV_FAIL. */
void cli_close_stdout(void);

/* Progress on stderr: "tok: 45.2% 1.2M words/s ETA 0:31 loss 2.31", at most twice a
 * second on a terminal (rewritten in place), every 10 s otherwise; nothing when quiet. */
struct cli_progress {
    double t0, last;
    double interval, min_report; /* seconds between lines; shortest work given a final line */
    int quiet, tty, shown;
    const char *unit; /* "words", "tokens", ... */
    uint64_t base;    /* units done before this process started (a resumed run): not in
                       * the rate, and the ETA counts from it */
    double stop_at;   /* cli_now() when a time budget ends the work (0: none): the ETA is
                       * never later, and says so */
    uint64_t in_size; /* bytes of the inputs (cli_inputs_size; 0: unknown), for the percent
                       * of cli_progress_update_read */
};
double cli_now(void); /* monotonic seconds */
void cli_progress_start(struct cli_progress *p, const char *unit, int quiet);
/* done/total in units (total 0 = unknown: no percent, no ETA); extra may be NULL. */
void cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t total,
                         const char *extra);
/* The same for a tool whose units (sentences, tokens) have no total known in advance but
 * whose inputs have a size: the rate in units, the percent and ETA from read, the bytes of
 * the inputs read so far (a record reader's packed bytes, a text reader's offset), of
 * p->in_size (0: none shown, as for a pipe). */
void cli_progress_update_read(struct cli_progress *p, uint64_t done, uint64_t read,
                              const char *extra);
void cli_progress_end(struct cli_progress *p, uint64_t done, const char *extra);

#endif
