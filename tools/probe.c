/* probe - train a linear (or one-hidden-layer) classifier on frozen vectors and their
 * labels, or evaluate one: accuracy, per-label precision/recall/F1, confusions, and
 * accuracy on words seen and unseen in training. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/status.h"
#include "cli_blas.h"
#include "kernels/blas.h"
#include "probe/probe.h"
#include "probe/probe_data.h"
#include "probe/probe_fit.h"
#include "probe/probe_labels.h"
#include "probe/probe_train.h"

enum { THREADS_MAX = 64 };
enum { FMT_TEXT, FMT_TSV };

struct opts {
    const char *vectors, *labels, *dev, *dev_labels, *model, *output;
    int eval, select, format, force, quiet, level, threads;
    int any_source; /* vectors made from another model than the training vectors: taken */
    int layer; /* --layer n, or -1 */
    uint32_t hidden, top;
    struct probe_train_cfg tc;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-b batch] [-o model] [-t threads] [-z level]\n"
            "       [--layer n | --concat | --learn-mix] [--hidden n] [--lr rate] [--l2 lambda]\n"
            "       [--epochs n] [--patience n] [--seed n]\n"
            "       [--dev vectors --dev-labels labels] [--any-source] vectors labels\n"
            "       %s --eval [-q] [-o report] [--format text|tsv] [--top n] [--any-source]\n"
            "       --model model vectors labels\n",
            cli_progname, cli_progname);
    exit(status);
}

/* The options and, while parsing, how many of each group were given: the layer selections,
 * the options only training takes, those only --eval takes. */
struct probe_args {
    struct opts o;
    int nsel, ntrain, neval;
};

static const char *const format_names[] = {"text", "tsv"};

#define AT(m) CLI_AT(struct probe_args, o.m)
#define SEL CLI_COUNTS(struct probe_args, nsel)
#define TRAIN CLI_COUNTS(struct probe_args, ntrain)
#define EVAL CLI_COUNTS(struct probe_args, neval)
static const struct cli_opt options[] = {
    {"batch", 'b', CLI_OPT_U64, AT(tc.batch), .lo = 1, .hi = 1 << 16, TRAIN},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"model", 0, CLI_OPT_STR, AT(model), EVAL},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"threads", 't', CLI_OPT_U64, AT(threads), .lo = 1, .hi = THREADS_MAX},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9, TRAIN},
    {"eval", 0, CLI_OPT_FLAG, AT(eval)},
    {"any-source", 0, CLI_OPT_FLAG, AT(any_source)},
    {"dev", 0, CLI_OPT_STR, AT(dev), TRAIN},
    {"dev-labels", 0, CLI_OPT_STR, AT(dev_labels), TRAIN},
    {"layer", 0, CLI_OPT_U64, AT(layer), .lo = 0, .hi = PROBE_MAX_LAYERS - 1,
     CLI_ALSO(struct probe_args, o.select, PROBE_SEL_LAYER), SEL},
    {"concat", 0, CLI_OPT_CONST, AT(select), .val = PROBE_SEL_CONCAT, SEL},
    {"learn-mix", 0, CLI_OPT_CONST, AT(select), .val = PROBE_SEL_MIX, SEL},
    {"mix", 0, CLI_OPT_MOVED, .moved = "--learn-mix",
     .expect = "takes embed's fixed weights (--mix w0,w1,...)"},
    {"hidden", 0, CLI_OPT_U64, AT(hidden), .lo = 0, .hi = 1 << 16, TRAIN},
    {"lr", 0, CLI_OPT_DOUBLE, AT(tc.lr), .dlo = 1e-9, .dhi = 10, TRAIN},
    {"l2", 0, CLI_OPT_DOUBLE, AT(tc.l2), .dlo = 0, .dhi = 1e3, TRAIN},
    {"epochs", 0, CLI_OPT_U64, AT(tc.epochs), .lo = 1, .hi = 100000, TRAIN},
    {"patience", 0, CLI_OPT_U64, AT(tc.patience), .lo = 1, .hi = 100000, TRAIN},
    {"seed", 0, CLI_OPT_U64, AT(tc.seed), .lo = 0, .hi = UINT64_MAX, TRAIN},
    {"format", 0, CLI_OPT_ENUM, AT(format), .names = format_names, .nnames = 2, EVAL},
    {"top", 0, CLI_OPT_U64, AT(top), .lo = 0, .hi = 1000, EVAL},
};
#undef AT
#undef SEL
#undef TRAIN
#undef EVAL

static void
parse_args(struct opts *o, int argc, char **argv)
{
    struct probe_args a;
    memset(&a, 0, sizeof a);
    a.o.level = REC_LEVEL_DEFAULT;
    a.o.threads = 1;
    a.o.layer = -1;
    a.o.select = -1;
    a.o.top = 10;
    a.o.tc = (struct probe_train_cfg){.batch = 256, .epochs = 50, .patience = 5, .lr = 1e-3f,
                                      .l2 = 0, .seed = 1};
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, &a, argc, argv);
    const int nsel = a.nsel, train_only = a.ntrain > 0, eval_only = a.neval > 0;
    *o = a.o;
    if (argc - first != 2)
        usage(stderr, RV_USAGE);
    o->vectors = argv[first];
    o->labels = argv[first + 1];
    if (nsel > 1)
        cli_die(RV_USAGE, "choose one of --layer, --concat, --learn-mix");
    if (o->eval) {
        if (o->model == NULL)
            cli_die(RV_USAGE, "--eval needs --model");
        if (train_only || nsel)
            cli_die(RV_USAGE, "--eval takes only --model, -o, -q, -t, --format, --top and "
                              "--any-source (the model fixes the rest)");
    } else {
        if (eval_only)
            cli_die(RV_USAGE, "--model, --format and --top need --eval");
        if (!o->dev != !o->dev_labels)
            cli_die(RV_USAGE, "--dev and --dev-labels go together");
    }
    const char *ins[] = {o->vectors, o->labels, o->dev, o->dev_labels, o->model};
    int stdin_uses = 0;
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++)
        stdin_uses += ins[i] != NULL && strcmp(ins[i], "-") == 0;
    if (stdin_uses > 1)
        cli_die(RV_USAGE, "only one input can be standard input");
    const struct cli_path paths[] = {
        {o->output != NULL ? o->output : "-", "-o", 1, 0},
        {o->vectors, "the vectors", 0, 0},
        {o->labels, "the labels", 0, 0},
        {o->dev, "the dev vectors (--dev)", 0, 0},
        {o->dev_labels, "the dev labels (--dev-labels)", 0, 0},
        {o->model, "the probe (--model)", 0, 0}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
}

/* ---- loading a labelled set ---- */

/* The two streams of a labelled set; the vectors' opened first, for their shape and the
 * model that made them (made_by, when their header names it: made_known). */
struct set {
    const char *vpath, *lpath;
    FILE *vf, *lf;
    struct rec_reader *vr, *lr;
    struct probe_shape sh;
    int made_known;
    uint64_t made_by;
    uint64_t nvec;  /* the vectors' records (0: a pipe, unknown), for the progress percent */
};

/* The probe's header key: the model that made the vectors it was trained on. */
static const char vectors_model_key[] = "vectors_model_hash";

static void
set_open(struct set *s, const char *vpath, const char *lpath)
{
    s->vpath = vpath;
    s->lpath = lpath;
    s->vf = cli_open_in(vpath);
    s->vr = cli_reader_open(s->vf, vpath, 0);
    const int rc = probe_shape_of(rec_reader_kind(s->vr), rec_reader_meta(s->vr), &s->sh);
    if (rc == WP_EKIND)
        cli_die(RV_DATA, "%s: expected contextual vectors or sentence vectors (embed), got %s",
                cli_name(vpath), rec_kind_name(rec_reader_kind(s->vr)));
    if (rc < 0)
        cli_die(RV_DATA, "%s: header: metadata dim/layers missing or inconsistent",
                cli_name(vpath));
    s->made_known = cli_vectors_model(rec_reader_meta(s->vr), vpath, &s->made_by);
    s->nvec = cli_reader_records(s->vr, vpath);
}

/* Refuses the vectors of s when they were made by another model than the one known to have
 * made the vectors they go with (want), unless --any-source. */
static void
set_check_model(const struct set *s, int want_known, uint64_t want, const char *whose,
                int any_source)
{
    if (s->made_known && want_known && !any_source)
        cli_check_model(s->vpath, s->made_by, want, whose);
}

/* The progress of reading a set: vectors joined, of the set's (the labels, read alongside,
 * are the smaller stream). */
struct set_progress {
    struct cli_progress p;
    uint64_t total;
};

static void
join_progress(void *ctx, uint64_t n)
{
    struct set_progress *sp = ctx;
    cli_progress_update(&sp->p, n, sp->total, NULL);
}

/* The words of a CoNLL-U file (its form or lemma column) given as labels would train a
 * probe of thousands of classes without a word: refused. Other token streams cannot be told
 * from labels and are taken. */
static void
check_labels_column(const struct rec_meta *m, const char *path)
{
    const char *col;
    if (rec_meta_get_str(m, "conllu_column", &col) == WP_OK
        && (strcmp(col, "form") == 0 || strcmp(col, "lemma") == 0))
        cli_die(RV_DATA, "%s: the CoNLL-U column %s (words), not labels: tok --conllu --column "
                "upos, xpos or deprel makes labels", cli_name(path), col);
}

/* Reads the set into d, keeping layer keep (-1: all; past the stream's layers only as
 * --layer asks), and closes its streams. */
static void
set_read(struct set *s, int keep, struct probe_labels *labels, struct probe_data *d, int quiet)
{
    if (keep >= (int)s->sh.src_layers)
        cli_die(RV_USAGE, "--layer %d: %s has layers 0..%u", keep, cli_name(s->vpath),
                s->sh.src_layers - 1);
    s->lf = cli_open_in(s->lpath);
    s->lr = cli_reader_open(s->lf, s->lpath, REC_TOKENS);
    check_labels_column(rec_reader_meta(s->lr), s->lpath);
    struct set_progress pr = {.total = s->nvec};
    struct probe_set_info info;
    cli_progress_start(&pr.p, "vectors", quiet);
    const int rc = probe_set_read(d, s->vr, s->lr, &s->sh, keep, labels, join_progress, &pr,
                                  &info);
    struct rec_reader *r = info.at.labels ? s->lr : s->vr;
    const char *path = info.at.labels ? s->lpath : s->vpath;
    if (rc < 0 && info.at.reader)
        cli_die_reader(r, path, rc);
    if (rc == WP_EFORMAT)
        cli_die(RV_DATA, "%s, %s: %s", cli_name(s->vpath), cli_name(s->lpath), info.msg);
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc == WP_ERANGE)
        cli_die(RV_DATA, "%s: too many distinct labels", cli_name(s->lpath));
    if (rc < 0)
        cli_die_record(r, path, rc);
    cli_progress_end(&pr.p, info.nvec, NULL);
    rec_reader_free(s->vr);
    rec_reader_free(s->lr);
    cli_close_in(s->vf);
    cli_close_in(s->lf);
    if (d->n == 0)
        cli_die(RV_DATA, "%s, %s: no examples", cli_name(s->vpath), cli_name(s->lpath));
}

/* ---- the report ---- */

/* m scored on d, the report in fp; meta: the model's header, for its training facts */
static void
report(FILE *fp, int format, const struct probe *m, const struct probe_data *d, uint32_t top,
       const struct rec_meta *meta)
{
    struct probe_metrics metrics, *mt = &metrics;
    if (probe_fit_metrics(mt, m, d) < 0)
        cli_die_nomem();
    const struct probe_labels *t = m->labels;
    const uint64_t unseen_n = mt->n - mt->seen_n, unseen_ok = mt->correct - mt->seen_correct;
    const uint64_t unknown = probe_metrics_unknown(mt);
    struct probe_confusion *cf = cli_calloc(top ? top : 1, sizeof *cf);
    const size_t ncf = probe_metrics_confusions(mt, cf, top);
    if (format == FMT_TSV) {
        fprintf(fp, "metric\tlabel\tvalue\n");
        fprintf(fp, "examples\tall\t%llu\n", (unsigned long long)mt->n);
        fprintf(fp, "sentences\tall\t%llu\n", (unsigned long long)d->sentences);
        fprintf(fp, "accuracy\tall\t%.4f\n", probe_pct(mt->correct, mt->n));
        fprintf(fp, "examples\tseen\t%llu\n", (unsigned long long)mt->seen_n);
        fprintf(fp, "accuracy\tseen\t%.4f\n", probe_pct(mt->seen_correct, mt->seen_n));
        fprintf(fp, "examples\tunseen\t%llu\n", (unsigned long long)unseen_n);
        fprintf(fp, "accuracy\tunseen\t%.4f\n", probe_pct(unseen_ok, unseen_n));
        fprintf(fp, "zero_vectors\tall\t%llu\n", (unsigned long long)d->zero);
        fprintf(fp, "unknown_labels\tall\t%llu\n", (unsigned long long)unknown);
        double f;
        uint64_t u;
        if (meta != NULL && rec_meta_get_f64(meta, "train_seconds", &f) == WP_OK)
            fprintf(fp, "train_seconds\tall\t%.3f\n", f);
        if (meta != NULL && rec_meta_get_u64(meta, "best_epoch", &u) == WP_OK)
            fprintf(fp, "best_epoch\tall\t%llu\n", (unsigned long long)u);
    } else {
        fprintf(fp, "examples   %llu in %llu sentences\n", (unsigned long long)mt->n,
                (unsigned long long)d->sentences);
        fprintf(fp, "accuracy   %.2f%% (%llu/%llu)\n", probe_pct(mt->correct, mt->n),
                (unsigned long long)mt->correct, (unsigned long long)mt->n);
        fprintf(fp, "seen       %.2f%% (%llu/%llu) words seen in training\n",
                probe_pct(mt->seen_correct, mt->seen_n), (unsigned long long)mt->seen_correct,
                (unsigned long long)mt->seen_n);
        fprintf(fp, "unseen     %.2f%% (%llu/%llu) words not seen in training\n",
                probe_pct(unseen_ok, unseen_n), (unsigned long long)unseen_ok,
                (unsigned long long)unseen_n);
        if (d->zero)
            fprintf(fp, "zero       %llu all-zero vectors (out-of-vocabulary words)\n",
                    (unsigned long long)d->zero);
        if (unknown) {
            fprintf(fp, "unknown    %llu examples with labels not seen in training (errors):",
                    (unsigned long long)unknown);
            for (uint32_t i = mt->known; i < mt->total; i++)
                fprintf(fp, " %s (%llu)", t->name[i],
                        (unsigned long long)probe_metrics_gold(mt, i));
            fputc('\n', fp);
        }
        fprintf(fp, "\n%-12s %9s %9s %9s %8s %8s\n", "label", "precision", "recall", "f1",
                "gold", "pred");
    }
    for (uint32_t i = 0; i < mt->total; i++) {
        const uint64_t g = probe_metrics_gold(mt, i), p = probe_metrics_predicted(mt, i);
        double pr, rc, f1;
        probe_metrics_prf(mt, i, &pr, &rc, &f1);
        if (g == 0 && p == 0 && format == FMT_TEXT)
            continue;
        if (format == FMT_TSV)
            fprintf(fp, "precision\t%s\t%.4f\nrecall\t%s\t%.4f\nf1\t%s\t%.4f\ngold\t%s\t%llu\n"
                    "predicted\t%s\t%llu\n", t->name[i], pr, t->name[i], rc, t->name[i], f1,
                    t->name[i], (unsigned long long)g, t->name[i], (unsigned long long)p);
        else
            fprintf(fp, "%-12s %9.2f %9.2f %9.2f %8llu %8llu%s\n", t->name[i], pr, rc, f1,
                    (unsigned long long)g, (unsigned long long)p,
                    i >= mt->known ? "  (not in training)" : "");
    }
    if (format == FMT_TEXT && ncf)
        fprintf(fp, "\nmost frequent confusions (gold -> predicted):\n");
    for (size_t i = 0; i < ncf; i++) {
        if (format == FMT_TSV)
            fprintf(fp, "confusion\t%s>%s\t%llu\n", t->name[cf[i].gold], t->name[cf[i].pred],
                    (unsigned long long)cf[i].count);
        else
            fprintf(fp, "  %8llu  %s -> %s\n", (unsigned long long)cf[i].count,
                    t->name[cf[i].gold], t->name[cf[i].pred]);
    }
    free(cf);
    probe_metrics_free(mt);
}

/* ---- training ---- */

struct progress {
    int quiet;
    double t0, last;
};

static int
on_epoch(void *ctx, const struct probe_epoch *e)
{
    struct progress *p = ctx;
    const double now = cli_now(), dt = now - p->last;
    p->last = now;
    char dev[48] = "";
    if (p->quiet)
        return 0;
    if (e->dev_acc >= 0)
        snprintf(dev, sizeof dev, " dev %.2f%%%s", 100 * e->dev_acc, e->best ? " (best)" : "");
    fprintf(stderr, "%s: epoch %u loss %.4f%s %.1f s %.0f examples/s\n", cli_progname, e->epoch,
            e->loss, dev, dt, dt > 0 ? (double)e->examples / dt : 0.0);
    return 0;
}

/* The training set (and dev set) loaded and checked, the selection made from the training
 * set's shape (probe_fit_select): the probe's features. */
static void
load_train(const struct opts *o, struct probe_labels *labels, struct probe_data *tr,
           struct probe_data *dv, struct set *s, int *select, int *keep)
{
    struct set ds;
    const double t_load = cli_now();
    set_open(s, o->vectors, o->labels);
    probe_fit_select(o->select, o->layer, &s->sh, select, keep);
    set_read(s, *keep, labels, tr, o->quiet);
    probe_labels_freeze(labels); /* the training set's labels are the classes */
    if (o->dev) {
        set_open(&ds, o->dev, o->dev_labels);
        set_read(&ds, *keep, labels, dv, o->quiet);
    }
    if (o->dev && !probe_shape_same(&ds.sh, &s->sh))
        cli_die(RV_DATA, "%s: %u layers x %u dims of %s vectors, the training set has %u x "
                "%u of %s vectors", cli_name(o->dev), ds.sh.src_layers, ds.sh.dim,
                ds.sh.sentences ? "sentence" : "token", s->sh.src_layers, s->sh.dim,
                s->sh.sentences ? "sentence" : "token");
    if (o->dev)
        set_check_model(&ds, s->made_known, s->made_by, "the training vectors have",
                        o->any_source);
    if (*select == PROBE_SEL_CONCAT) {
        probe_data_flatten(tr);
        if (o->dev)
            probe_data_flatten(dv);
    }
    if (!o->quiet)
        cli_warn("%zu training examples (%llu sentences, %u labels, %zu x %zu floats, %llu "
                 "all-zero), %zu dev; loaded in %.1f s", tr->n,
                 (unsigned long long)tr->sentences, labels->known, tr->layers, tr->dim,
                 (unsigned long long)tr->zero, dv->n, cli_now() - t_load);
}

static void
save_probe(const struct opts *o, const struct probe *m, const struct rec_meta *meta)
{
    struct cli_out out;
    cli_out_open(&out, o->output, 1, o->force);
    const int rc = probe_save(out.fp, m, meta, o->level);
    if (rc == WP_ERANGE) {
        cli_out_abort(&out);
        cli_die(RV_DATA, "%s: a label holds a newline", cli_name(o->labels));
    }
    if (rc < 0)
        cli_out_die(&out, rc);
    cli_out_commit(&out);
}

static int
run_train(const struct opts *o)
{
    struct probe_labels *labels;
    struct probe_data tr = {0}, dv = {0};
    struct set s;
    int select, keep;
    if (probe_labels_new(&labels) < 0)
        cli_die_nomem();
    load_train(o, labels, &tr, &dv, &s, &select, &keep);
    struct probe *m;
    struct probe_cfg c;
    const int rc = probe_fit_new(&m, &tr, o->dev ? &dv : NULL, &s.sh, select, keep, o->hidden,
                                 labels, o->tc.seed, &c);
    if (rc == WP_ERANGE)
        cli_die(RV_DATA, "%s: a probe of %u x %u inputs, %u hidden and %u classes is too large",
                cli_name(o->vectors), c.layers, c.dim, c.hidden, c.classes);
    if (rc < 0)
        cli_die_nomem();

    struct progress pg = {.quiet = o->quiet, .t0 = cli_now()};
    pg.last = pg.t0;
    struct probe_train_result res;
    if (probe_train(m, &tr, o->dev ? &dv : NULL, &o->tc, on_epoch, &pg, &res) < 0)
        cli_die_nomem();
    const double secs = cli_now() - pg.t0;
    struct rec_meta *meta = rec_meta_new();
    if (meta == NULL || probe_train_meta(meta, tr.n, &res, secs, &o->tc) < 0 ||
        (s.made_known && rec_meta_set_u64(meta, vectors_model_key, s.made_by) < 0))
        cli_die_nomem();
    save_probe(o, m, meta);
    if (!o->quiet) {
        cli_warn("trained in %.1f s, %u epochs, best epoch %u", secs, res.epochs,
                 res.best_epoch);
        if (o->dev)
            report(stderr, FMT_TEXT, m, &dv, o->top, NULL);
    }
    rec_meta_free(meta);
    probe_data_free(&tr);
    probe_data_free(&dv);
    probe_free(m);
    return RV_OK;
}

/* ---- evaluation ---- */

static int
run_eval(const struct opts *o)
{
    FILE *fp = cli_open_in(o->model);
    struct rec_reader *r = cli_reader_open(fp, o->model, REC_MODEL);
    struct probe *m;
    int rc = probe_load(r, &m);
    if (rc == WP_EKIND)
        cli_die(RV_DATA, "%s: not a probe model (metadata model=probe missing)",
                cli_name(o->model));
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc == WP_ERANGE) {
        char shape[96];
        probe_meta_shape(rec_reader_meta(r), shape, sizeof shape);
        cli_die(RV_DATA, "%s: model: header declares more weights (%s) than the rest of the "
                "file can hold", cli_name(o->model), shape);
    }
    if (rc < 0)
        cli_die(RV_DATA, "%s: %s: %s", cli_name(o->model), rec_reader_where(r),
                rec_reader_detail(r) ? rec_reader_detail(r) : wp_strerror(rc));
    struct rec_meta *meta = rec_meta_new();
    if (meta == NULL || rec_meta_copy(meta, rec_reader_meta(r)) < 0)
        cli_die_nomem();
    rec_reader_free(r);
    cli_close_in(fp);

    /* the vectors must be what the probe was trained on; a single-layer stream is taken as
     * the trained layer already selected (embed --layer n) */
    struct set s;
    struct probe_data d = {0};
    uint32_t want_dim;
    int keep;
    set_open(&s, o->vectors, o->labels);
    if (probe_eval_keep(m, &s.sh, &keep, &want_dim) < 0)
        cli_die(RV_DATA, "%s: %u layers x %u dims of %s vectors, the probe was trained on %u x "
                "%u of %s vectors", cli_name(o->vectors), s.sh.src_layers, s.sh.dim,
                s.sh.sentences ? "sentence" : "token", m->src_layers, want_dim,
                m->sentences ? "sentence" : "token");
    uint64_t trained_on = 0;
    const int trained_known = rec_meta_get_u64(meta, vectors_model_key, &trained_on) == WP_OK;
    set_check_model(&s, trained_known, trained_on, "the probe's training vectors have",
                    o->any_source);
    set_read(&s, keep, m->labels, &d, o->quiet);
    probe_fit_eval_set(m, &d);
    struct cli_out out;
    cli_out_open(&out, o->output, 0, o->force);
    report(out.fp, o->format, m, &d, o->top, meta);
    if (ferror(out.fp))
        cli_out_die(&out, WP_EIO);
    cli_out_commit(&out);
    probe_data_free(&d);
    rec_meta_free(meta);
    probe_free(m);
    return RV_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    cli_init(argv[0]);
    cli_blas_reserve(0);
    parse_args(&o, argc, argv);
    /* the output is written last: a path that cannot be written fails now, not after
     * training (as in w2v-train and elmo-train) */
    if (!o.eval)
        cli_out_refuse_tty(o.output, CLI_OUT_STREAM, o.force);
    cli_out_check(o.output);
    blas_set_threads(o.threads);
    cli_blas_reserve(1); /* the products run in the main thread */
    const int rv = o.eval ? run_eval(&o) : run_train(&o);
    cli_close_stdout();
    return rv;
}
