/* Private to the scheduler: which of several base URLs takes the next
 * request, and a circuit per base URL (docs/engines.md, "Several base
 * URLs").
 *
 * Choice: peak-EWMA, as Finagle and linkerd balance. Each endpoint keeps a
 * latency estimate that jumps up to any slower answer at once and decays
 * towards faster ones (and towards 0 while it is idle, time constant
 * EP_TAU_MS, so a once-slow endpoint is tried again); the next request goes
 * where (requests in flight + 1) x estimate is least: the expected wait.
 * A server twice as fast so takes about twice the requests at a full
 * window, and all of them while one request at a time is enough. Ties go
 * to the fewest in flight, then round robin.
 *
 * Circuit: an endpoint starts half-open (one request on trial until it has
 * answered once). A failed attempt that says the server is the problem (no
 * answer, 5xx, 429) opens its circuit: no request for 1 s, doubling with
 * each failure in a row up to 30 s, then half-open again (one probe). An
 * answer closes it. With one endpoint there is no circuit (the run's
 * breaker in sched.c decides). All times are monotonic milliseconds. */
#ifndef PA_ENDPOINT_H
#define PA_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "parity/sched.h"

#define EP_TAU_MS      10000.0
#define EP_OPEN_MIN_MS 1000.0
#define EP_OPEN_MAX_MS 30000.0
#define EP_GONE_FAILS  3 /* see pa__endpoints_gone() */

struct pa__endpoint {
        unsigned in_flight;
        unsigned fails;    /* failed attempts in a row */
        bool proven;       /* has answered since it last failed */
        double open_until; /* circuit open before this time */
        double cost_ms;    /* peak-EWMA latency of answers; 0 before the first */
        double cost_at;    /* when cost_ms was last updated */
        struct pa_sched_endpoint st;
};

struct pa__endpoints {
        size_t n;
        struct pa__endpoint *ep; /* owned */
        size_t next;             /* round-robin start among ties */
};

int pa__endpoints_init(struct pa__endpoints *es, size_t n);
void pa__endpoints_release(struct pa__endpoints *es);
/* Can some endpoint take a request now? */
bool pa__endpoints_ready(const struct pa__endpoints *es, double now);
/* Milliseconds until some endpoint can take a request when none can and
 * none has one in flight (an open circuit's end); else 0, or -1 when only
 * an answer in flight can make one ready. */
double pa__endpoints_wait_ms(const struct pa__endpoints *es, double now);
/* The endpoint for the next request (call when ready). */
size_t pa__endpoints_pick(struct pa__endpoints *es, double now);
/* A request started on endpoint i. */
void pa__endpoints_start(struct pa__endpoints *es, size_t i);
/* A request on endpoint i ended after ms: the latency estimate and the
 * circuit follow what came back. */
void pa__endpoints_end(struct pa__endpoints *es, size_t i, CURLcode res, long status, double ms,
                       double now);
/* Several endpoints, and every one's circuit has opened EP_GONE_FAILS
 * times in a row without an answer (its first failure and two probes, 1 s
 * and 2 s apart): the servers are gone, not slow. */
bool pa__endpoints_gone(const struct pa__endpoints *es);

#endif
