/* evaluator/sched/: where requests are in flight: libcurl multi, rate limits, retries, progress. */
/* Private to evaluator/sched/sched*.c: the scheduler's slots and state, shared
 * by the jobs' lifecycle (sched.c) and the transport (sched_io.c). */
#ifndef PA_SCHED_INT_H
#define PA_SCHED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "parity/sched.h"
#include "endpoint.h"
#include "ratelimit.h"
#include "evaluator/util/util.h"

/* A slot: free, active (in the multi handle) or waiting (backing off
 * before the next attempt). */
enum slot_state { FREE, ACTIVE, WAITING };

struct slot {
        CURL *h;
        enum slot_state state;
        struct pa_job job;
        struct pa_buf body;
        char *request;
        struct pa_buf attempts; /* the record's attempts array, being written */
        size_t endpoint;
        unsigned tries;
        double first_t0, t0, first_byte, wake_at;
        bool too_big;
};

struct http {
        struct pa_engine *e;
        const struct pa_sched_conf *conf;
        struct pa_limits lim;
        struct pa__endpoints ep; /* the base URLs' choice and circuits */
        CURLM *multi;
        int epfd;
        double timer_at; /* when curl wants a timeout action; < 0: none */
        bool *watched;   /* by fd: curl wants events of it */
        size_t n_watched;
        struct curl_slist *headers;
        /* Each endpoint's URL parsed once: set as a string, curl parses
         * and rebuilds it for every transfer (an eighth of its work on a
         * kept-alive connection). NULL where curl_url() refused it: that
         * endpoint keeps the string, so each case fails with curl's error. */
        CURLU **parsed;
        struct slot *slots;
        unsigned active, waiting;
        unsigned streak;   /* attempts in a row failed for one server-side cause */
        long streak_cause; /* -(curl's code), or the HTTP status */
        bool tripped;      /* the circuit breaker stopped the dispatching */
        uint64_t rng;
};

/* Makes the multi handle, the epoll set and a slot's easy handle for
 * each of conf->concurrency (sched_io.c); undone by pa__sched_teardown()
 * also when it fails. */
int pa__sched_setup(struct http *x, struct pa_err *err);
void pa__sched_teardown(struct http *x);
/* Waits up to wait_ms for socket events, lets curl act on them and on its
 * timer, and finishes the transfers that completed (sched_io.c). */
int pa__sched_drive(struct http *x, int wait_ms, pa_sched_done_fn done, void *ud,
                    struct pa_err *err);

/* Empties a slot: its job, request and attempts (sched.c). */
void pa__sched_slot_clear(struct slot *s);
/* A completed transfer: a retry is scheduled, or the job is done (sched.c). */
int pa__sched_finish(struct http *x, CURLMsg *m, pa_sched_done_fn done, void *ud,
                     struct pa_err *err);
/* s with line breaks and tabs made spaces: messages go into JSONL and
 * logs (sched.c). */
char *pa__sched_one_line(char *s);
/* Has conf->stop been set (a signal)? (sched.c) */
bool pa__sched_stopping(const struct pa_sched_conf *c);

/* The loop for local engines (sched_local.c): one case at a time, or up
 * to conf->concurrency on threads when ops->reentrant. */
int pa__sched_local(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
                    pa_sched_done_fn done, void *ud, struct pa_err *err);

#endif
