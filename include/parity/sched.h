/* parity: the scheduler. One thread drives one libcurl multi handle with
 * up to `concurrency` transfers in flight on reused connections, through
 * curl_multi_socket_action() over epoll (CURLOPT_PRIVATE maps a finished
 * transfer back to its job; a retry is re-queued after a delay). Local
 * engines are called in the same loop.
 *
 * Retries: 429, 500-504, timeouts and connection failures are retried with
 * exponential backoff and full jitter, honouring Retry-After, up to
 * max_attempts and retry_max_s; other statuses never are. Every attempt is
 * kept in the reply. Adaptive concurrency (AIMD): the window starts at
 * `concurrency`, halves on 429, 503 and timeouts (at most once a second)
 * and grows by one per window of successes back to `concurrency`. Rate
 * limits are token buckets refilled continuously. Several endpoints are
 * balanced by expected wait (peak-EWMA latency x requests in flight), each
 * behind its own circuit: one that fails is benched for a while, then
 * probed. A circuit breaker stops a run whose server has gone. */
#ifndef PARITY_SCHED_H
#define PARITY_SCHED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "parity/engine.h"

/* One base URL's share of a run (pa_sched_stats.endpoints). */
struct pa_sched_endpoint {
        unsigned long long attempts; /* requests sent to it, retries included */
        unsigned long long answers;  /* of them answered: any HTTP status but 5xx and 429 */
        unsigned long long failures; /* no answer, 5xx or 429 */
        unsigned long long opened;   /* times its circuit opened (it was benched) */
        double latency_ms_sum;       /* over the answers */
};

struct pa_sched_stats {
        unsigned long long started, retries, errors;
        unsigned in_flight;
        double window;        /* current adaptive concurrency */
        bool tripped;         /* the circuit breaker stopped the run */
        char trip_cause[256]; /* the last failure when it did */
        /* Caller-owned, one per base URL (n_endpoints of them), updated
         * when not NULL. */
        struct pa_sched_endpoint *endpoints;
        size_t n_endpoints;
};

struct pa_sched_conf {
        unsigned concurrency;  /* upper bound of transfers in flight, >= 1 */
        double timeout_s;      /* per attempt, whole transfer */
        size_t max_body;       /* answers larger than this fail their case */
        unsigned max_attempts; /* 1 + retries; 0 means 1 */
        double retry_max_s;    /* no new attempt after this long since the first */
        double backoff_base_s, backoff_cap_s;
        double rpm, tpm; /* requests and tokens per minute; 0: unlimited */
        bool adaptive;
        /* Set (by a signal handler) to stop dispatching; in-flight requests
         * finish. May be NULL. */
        volatile sig_atomic_t *stop;
        struct pa_sched_stats *stats; /* updated live when not NULL */
        /* The circuit breaker: after this many attempts in a row failed for
         * one server-side cause (no answer, 401, 403, 404, 405, 5xx), no new
         * job is started and waiting retries are dropped (they have no
         * record, so --resume asks them again); 0: never. */
        unsigned breaker;
        /* Called after each pass of the loop that finished jobs (at most
         * every 10 ms for local engines), so the records of answers that
         * arrived together are written together. May be NULL. */
        int (*flush)(void *ud, struct pa_err *err);
};

/* Produces the next job into *job (case and messages): 1 when it did, 0
 * when there are no more, negative to stop with an error. */
typedef int (*pa_sched_next_fn)(void *ud, struct pa_job *job, struct pa_err *err);
/* Consumes a finished job; reply->error is set when it failed. The
 * scheduler releases job and reply afterwards. Negative stops the run. */
typedef int (*pa_sched_done_fn)(void *ud, struct pa_job *job, struct pa_reply *reply,
                                double latency_ms, struct pa_err *err);

/* Runs every job; a failed request is a reply with an error, never a stop.
 * Returns negative only when next, done or the transport setup failed. */
int pa_sched_run(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
                 pa_sched_done_fn done, void *ud, struct pa_err *err);

/* Delay before attempt `attempt` (1 = first retry): full jitter over
 * min(cap, base * 2^(attempt-1)), u in [0, 1). Exposed for tests. */
double pa_sched_backoff(double base, double cap, unsigned attempt, double u);

#endif
