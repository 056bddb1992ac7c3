/* The progress report (progress.h). */
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define TTY_MS       200.0
#define CHECKS_PER_S 20.0
#define MAX_EVERY    64

void pa__progress_init(struct pa__progress *p, uint64_t total, uint64_t done, uint64_t errors,
                       const struct pa_sched_stats *stats, double interval_s, bool quiet,
                       bool verbose)
{
        *p = (struct pa__progress){.out = stderr,
                                   .stats = stats,
                                   .total = total,
                                   .done = done,
                                   .base = done,
                                   .errors = errors,
                                   .interval_ms = interval_s * 1000,
                                   .every = 1,
                                   .quiet = quiet,
                                   .verbose = verbose && !quiet};
        p->tty = !quiet && isatty(fileno(p->out));
        p->t0 = p->last_check = p->last_line = pa__mono_ms();
}

/* "1:02:03" or "2:03" into out. */
static void duration(double s, char out[32])
{
        unsigned long t = s > 0 && s < 1e9 ? (unsigned long)(s + 0.5) : 0;

        if (s < 0 || s >= 1e9)
                snprintf(out, 32, "?");
        else if (t >= 3600)
                snprintf(out, 32, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
        else
                snprintf(out, 32, "%lu:%02lu", t / 60, t % 60);
}

static void line(struct pa__progress *p, double now)
{
        double secs = (now - p->t0) / 1000,
               rate = secs > 0 ? (double)(p->done - p->base) / secs : 0;
        double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100;
        char eta[32];

        duration(rate > 0 ? (double)(p->total - p->done) / rate : -1, eta);
        fprintf(p->out,
                p->tty ? "\r\033[K%llu/%llu %.1f%%  %.1f req/s  ETA %s  %u in flight  %llu "
                         "retries  %llu errors"
                       : "parity: %llu/%llu (%.1f%%), %.1f req/s, ETA %s, %u in flight, "
                         "%llu retries, %llu errors\n",
                (unsigned long long)p->done, (unsigned long long)p->total, pct, rate, eta,
                p->stats ? p->stats->in_flight : 0,
                p->stats ? (unsigned long long)p->stats->retries : 0ull,
                (unsigned long long)p->errors);
        fflush(p->out);
        p->drawn = p->tty;
        p->last_line = now;
}

/* Reads the clock and prints when a line is due; adapts `every` so the
 * clock is read about CHECKS_PER_S times a second: growing at most twofold
 * a time (bursts of completions), never past MAX_EVERY (a rate that drops
 * is noticed within MAX_EVERY completions). */
static void check(struct pa__progress *p)
{
        double now = pa__mono_ms(), dt = now - p->last_check;
        double want = dt > 0 ? (double)p->since * (1000 / CHECKS_PER_S) / dt : 2.0 * p->every;

        if (want > 2.0 * p->every)
                want = 2.0 * p->every;
        p->every = want < 1 ? 1 : want > MAX_EVERY ? MAX_EVERY : (unsigned)want;
        p->since = 0;
        p->last_check = now;
        if (p->tty ? now - p->last_line >= TTY_MS
                   : p->interval_ms > 0 && now - p->last_line >= p->interval_ms)
                line(p, now);
}

void pa__progress_clear(struct pa__progress *p)
{
        if (p->drawn) {
                fputs("\r\033[K", p->out);
                p->drawn = false;
        }
}

void pa__progress_record(struct pa__progress *p, const struct pa_job *job,
                         const struct pa_reply *reply)
{
        p->done++;
        if (reply->error) {
                p->errors++;
                if (p->verbose) {
                        /* The error quotes server bytes, the id is the suite's:
                         * neither reaches the terminal raw. */
                        char item[256], why[1024];

                        pa__esc(job->c.item->id, strlen(job->c.item->id), item, sizeof(item));
                        pa__esc(reply->error, strlen(reply->error), why, sizeof(why));
                        pa__progress_clear(p);
                        fprintf(p->out, "parity: case %s sample %u (item '%s'): %s\n", job->c.id,
                                job->sample, item, why);
                }
        }
        if (!p->quiet && ++p->since >= p->every)
                check(p);
}

void pa__progress_end(struct pa__progress *p)
{
        pa__progress_clear(p);
        fflush(p->out);
}
