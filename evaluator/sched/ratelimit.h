/* Private to the scheduler: adaptive concurrency (AIMD), token buckets for
 * requests and tokens per minute, and endpoint choice with benching. All
 * times are monotonic milliseconds. */
#ifndef PA_RATELIMIT_H
#define PA_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "parity/sched.h"

struct pa_endpoint {
        unsigned in_flight, fails;
        double benched_until;
};

struct pa_limits {
        const struct pa_sched_conf *conf;
        double window, last_decrease;
        double req_tokens, req_cap, req_rate; /* rate per ms; cap 0: unlimited */
        double tok_tokens, tok_cap, tok_rate;
        double last_refill;
        size_t n_endpoints;
        struct pa_endpoint *ep;
};

int pa__limits_init(struct pa_limits *l, const struct pa_sched_conf *c, size_t n_endpoints);
void pa__limits_release(struct pa_limits *l);
/* May another transfer start now, with `active` in flight? */
bool pa__limits_allow(struct pa_limits *l, unsigned active, double now);
/* Is the adaptive window full with `active` in flight? Then only a
 * finishing transfer lets another start. */
bool pa__limits_full(const struct pa_limits *l, unsigned active);
/* The endpoint for the next transfer: least in flight among those not benched. */
size_t pa__limits_pick(struct pa_limits *l, double now);
/* A transfer started: spends a request token and an estimate of its tokens. */
void pa__limits_take(struct pa_limits *l, size_t ep, const char *request, long max_tokens,
                     double now);
/* A transfer ended: adapts the window and benches a failing endpoint. */
void pa__limits_observe(struct pa_limits *l, size_t ep, CURLcode res, long status,
                        long completion_tokens, double now);
/* Milliseconds until a token is available (0 when one is). */
double pa__limits_wait_ms(struct pa_limits *l, double now);

#endif
