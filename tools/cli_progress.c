/* cli_progress.c - progress lines on stderr: rate, percent, ETA and the tool's own figures;
 * see cli.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double
cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
cli_progress_start(struct cli_progress *p, const char *unit, int quiet)
{
    memset(p, 0, sizeof *p);
    p->t0 = p->last = cli_now();
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->unit = unit;
    /* WP_PROGRESS_INTERVAL=seconds overrides the pace (0: every update and a final line
     * even for short work), so scripts and tests can see progress deterministically. */
    const char *iv = getenv("WP_PROGRESS_INTERVAL");
    p->interval = p->tty ? 0.5 : 10.0;
    p->min_report = 1.0;
    if (iv != NULL && *iv != '\0') {
        char *end;
        const double v = strtod(iv, &end);
        if (*end == '\0' && v >= 0) {
            p->interval = v;
            p->min_report = v < 1.0 ? v : 1.0;
        }
    }
}

static void
fmt_rate(char *s, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(s, n, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(s, n, "%.1fk", v / 1e3);
    else
        snprintf(s, n, "%.0f", v);
}

/* How far the work is, for the percent and ETA: at of end (0: unknown), this process
 * having started at from (a resumed run's earlier units took no time here). */
struct share {
    uint64_t at, end, from;
};

/* "45.2% " into pct and " ETA 0:00:31" into eta, both empty when the end is unknown. */
static void
fmt_share(const struct cli_progress *p, struct share s, double el, char *pct, size_t npct,
          char *eta, size_t neta)
{
    *pct = *eta = '\0';
    if (s.end == 0)
        return;
    const double f = (double)s.at / (double)s.end;
    const double here = s.at > s.from ? (double)(s.at - s.from) : 0;
    snprintf(pct, npct, "%5.1f%% ", 100.0 * (f > 1 ? 1 : f));
    if (f <= 0 || f >= 1 || here <= 0)
        return;
    double left = el * (double)(s.end - s.at) / here;
    const double budget = p->stop_at - (p->t0 + el);
    const int by_budget = p->stop_at > 0 && budget < left;
    left = by_budget ? (budget > 0 ? budget : 0) : left;
    const long sec = (long)(left + 0.5);
    snprintf(eta, neta, " ETA %ld:%02ld:%02ld%s", sec / 3600, sec / 60 % 60, sec % 60,
             by_budget ? " (budget)" : "");
}

/* The line for done units (the rate), s saying how far along (the final line: end 0). */
static void
progress_line(struct cli_progress *p, uint64_t done, struct share s, const char *extra,
              int final)
{
    const double el = cli_now() - p->t0;
    char rate[32], pct[32], eta[64];
    const double here = done > p->base ? (double)(done - p->base) : 0;
    fmt_rate(rate, sizeof rate, el > 0 ? here / el : 0);
    fmt_share(p, s, el, pct, sizeof pct, eta, sizeof eta);
    fprintf(stderr, "%s%s: %s%s %s/s%s%s%s%s", p->tty ? "\r" : "", cli_progname, pct, rate,
            p->unit, eta, extra ? " " : "", extra ? extra : "",
            final ? "" : (p->tty ? "\033[K" : "\n"));
    if (final) {
        char tot[32];
        fmt_rate(tot, sizeof tot, here);
        fprintf(stderr, ", %s %s in %.1f s%s\n", tot, p->unit, el, p->tty ? "\033[K" : "");
    }
    p->shown = 1;
}

/* Whether a line is due now (and the pace restarts). */
static int
line_due(struct cli_progress *p)
{
    if (p->quiet)
        return 0;
    const double now = cli_now();
    if (now - p->last < p->interval)
        return 0;
    p->last = now;
    return 1;
}

void
cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t total, const char *extra)
{
    if (line_due(p))
        progress_line(p, done, (struct share){done, total, p->base}, extra, 0);
}

void
cli_progress_update_read(struct cli_progress *p, uint64_t done, uint64_t read,
                         const char *extra)
{
    if (line_due(p))
        progress_line(p, done, (struct share){read, p->in_size, 0}, extra, 0);
}

void
cli_progress_end(struct cli_progress *p, uint64_t done, const char *extra)
{
    if (p->quiet || cli_now() - p->t0 < p->min_report)
        return; /* short work needs no report */
    progress_line(p, done, (struct share){0, 0, 0}, extra, 1);
}
