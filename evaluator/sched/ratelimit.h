/* Private to the scheduler: adaptive concurrency (AIMD) and token buckets
 * for requests and tokens per minute (endpoint choice: endpoint.h). All
 * times are monotonic milliseconds. */
#ifndef PA_RATELIMIT_H
#define PA_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "parity/sched.h"

struct pa_limits {
        const struct pa_sched_conf *conf;
        double window, last_decrease;
        double req_tokens, req_cap, req_rate; /* rate per ms; cap 0: unlimited */
        double tok_tokens, tok_cap, tok_rate;
        double last_refill;
};

void pa__limits_init(struct pa_limits *l, const struct pa_sched_conf *c);
/* May another transfer start now, with `active` in flight? */
bool pa__limits_allow(struct pa_limits *l, unsigned active, double now);
/* Is the adaptive window full with `active` in flight? Then only a
 * finishing transfer lets another start. */
bool pa__limits_full(const struct pa_limits *l, unsigned active);
/* A transfer started: spends a request token and an estimate of its tokens. */
void pa__limits_take(struct pa_limits *l, const char *request, long max_tokens, double now);
/* A transfer ended: adapts the window. */
void pa__limits_observe(struct pa_limits *l, CURLcode res, long status, double now);
/* Milliseconds until a token is available (0 when one is). */
double pa__limits_wait_ms(struct pa_limits *l, double now);

#endif
