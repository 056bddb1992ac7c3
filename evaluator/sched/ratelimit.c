/* Scheduler limits (ratelimit.h). */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

/* Unknown answer length: a typical short answer, so --tpm is not starved. */
#define DEFAULT_ANSWER_TOKENS 256

void pa__limits_init(struct pa_limits *l, const struct pa_sched_conf *c)
{
        memset(l, 0, sizeof(*l));
        l->conf = c;
        l->window = c->concurrency;
        l->last_decrease = -1e18;
        /* Buckets hold at most a second's worth, so a limit is never a burst. */
        if (c->rpm > 0) {
                l->req_rate = c->rpm / 60000.0;
                l->req_cap = l->req_tokens = c->rpm / 60 > 1 ? c->rpm / 60 : 1;
        }
        if (c->tpm > 0) {
                l->tok_rate = c->tpm / 60000.0;
                l->tok_cap = l->tok_tokens = c->tpm / 60 > 1 ? c->tpm / 60 : 1;
        }
}

static void refill(struct pa_limits *l, double now)
{
        double dt = l->last_refill ? now - l->last_refill : 0;

        l->last_refill = now;
        if (l->req_cap > 0) {
                l->req_tokens += dt * l->req_rate;
                if (l->req_tokens > l->req_cap)
                        l->req_tokens = l->req_cap;
        }
        if (l->tok_cap > 0) {
                l->tok_tokens += dt * l->tok_rate;
                if (l->tok_tokens > l->tok_cap)
                        l->tok_tokens = l->tok_cap;
        }
}

bool pa__limits_full(const struct pa_limits *l, unsigned active)
{
        return (double)active + 1 > l->window + 1e-9;
}

bool pa__limits_allow(struct pa_limits *l, unsigned active, double now)
{
        if (pa__limits_full(l, active))
                return false;
        refill(l, now);
        if (l->req_cap > 0 && l->req_tokens < 1)
                return false;
        /* Token debt from an underestimate is paid before the next request. */
        return !(l->tok_cap > 0 && l->tok_tokens <= 0);
}

double pa__limits_wait_ms(struct pa_limits *l, double now)
{
        double wait = 0;

        refill(l, now);
        if (l->req_cap > 0 && l->req_tokens < 1)
                wait = (1 - l->req_tokens) / l->req_rate;
        if (l->tok_cap > 0 && l->tok_tokens <= 0 && (1 - l->tok_tokens) / l->tok_rate > wait)
                wait = (1 - l->tok_tokens) / l->tok_rate;
        return wait;
}

void pa__limits_take(struct pa_limits *l, const char *request, long max_tokens, double now)
{
        refill(l, now);
        if (l->req_cap > 0)
                l->req_tokens -= 1;
        /* About four bytes a token for the prompt, plus the answer's budget. */
        if (l->tok_cap > 0)
                l->tok_tokens -= (double)strlen(request) / 4 +
                                 (max_tokens > 0 ? max_tokens : DEFAULT_ANSWER_TOKENS);
}

static bool overloaded(CURLcode res, long status)
{
        return res == CURLE_OPERATION_TIMEDOUT ||
               (res == CURLE_OK && (status == 429 || status == 503));
}

void pa__limits_observe(struct pa_limits *l, CURLcode res, long status, double now)
{
        bool ok = res == CURLE_OK && status >= 200 && status < 500 && status != 429;

        if (l->conf->adaptive && overloaded(res, status) && now - l->last_decrease >= 1000) {
                l->window = l->window / 2 < 1 ? 1 : l->window / 2;
                l->last_decrease = now;
        } else if (ok && l->window < l->conf->concurrency) {
                l->window += 1 / l->window;
                if (l->window > l->conf->concurrency)
                        l->window = l->conf->concurrency;
        }
}
