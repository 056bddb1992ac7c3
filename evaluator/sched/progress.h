/* Private: the progress report of a run on stderr.
 *
 * On a terminal, one line rewritten in place (done/total, records per
 * second, ETA, requests in flight, retries, errors) at most five times a
 * second; otherwise a plain line every `interval_s` seconds (0: none).
 * quiet prints nothing; verbose adds one line per failed case. The clock is
 * read at most about twenty times a second whatever the request rate: the
 * number of completions between two readings adapts to the rate. */
#ifndef PA_PROGRESS_H
#define PA_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parity/engine.h"
#include "parity/sched.h"

struct pa__progress {
        FILE *out;
        const struct pa_sched_stats *stats; /* may be NULL */
        uint64_t total, done, base, errors;
        double t0, last_check, last_line, interval_ms;
        unsigned every, since;
        bool tty, quiet, verbose, drawn;
};

/* total: records planned; done, errors: records already there (a resumed
 * run). stats (may be NULL) is read for in flight and retries. */
void pa__progress_init(struct pa__progress *p, uint64_t total, uint64_t done, uint64_t errors,
                       const struct pa_sched_stats *stats, double interval_s, bool quiet,
                       bool verbose);
/* One record written; job and reply are those of the record. */
void pa__progress_record(struct pa__progress *p, const struct pa_job *job,
                         const struct pa_reply *reply);
/* Prints a line that may interrupt the terminal line (e.g. a warning). */
void pa__progress_clear(struct pa__progress *p);
/* Ends the report: clears the terminal line. */
void pa__progress_end(struct pa__progress *p);

#endif
