/* Endpoint choice and circuits (endpoint.h). */
#include <math.h>
#include <stdlib.h>

#include "endpoint.h"

int pa__endpoints_init(struct pa__endpoints *es, size_t n)
{
        es->n = n ? n : 1;
        es->next = 0;
        es->ep = calloc(es->n, sizeof(*es->ep));
        return es->ep ? 0 : -1;
}

void pa__endpoints_release(struct pa__endpoints *es)
{
        free(es->ep);
        es->ep = NULL;
}

/* Half-open (never answered, or its open time is over): one request at a
 * time, the probe. */
static bool available(const struct pa__endpoints *es, const struct pa__endpoint *e, double now)
{
        if (es->n == 1)
                return true;
        if (e->open_until > now)
                return false;
        return e->proven || e->in_flight == 0;
}

bool pa__endpoints_ready(const struct pa__endpoints *es, double now)
{
        for (size_t i = 0; i < es->n; i++)
                if (available(es, &es->ep[i], now))
                        return true;
        return false;
}

double pa__endpoints_wait_ms(const struct pa__endpoints *es, double now)
{
        double wait = -1;

        for (size_t i = 0; i < es->n; i++) {
                const struct pa__endpoint *e = &es->ep[i];

                if (available(es, e, now))
                        return 0;
                if (e->in_flight == 0 && (wait < 0 || e->open_until - now < wait))
                        wait = e->open_until - now;
        }
        return wait;
}

/* The latency estimate now: decayed towards 0 since its last answer. */
static double cost(const struct pa__endpoint *e, double now)
{
        return e->cost_ms * exp(-(now - e->cost_at) / EP_TAU_MS);
}

size_t pa__endpoints_pick(struct pa__endpoints *es, double now)
{
        size_t best = es->next % es->n;
        double best_load = INFINITY;

        if (es->n == 1)
                return 0;
        for (size_t k = 0; k < es->n; k++) {
                size_t i = (es->next + k) % es->n;
                const struct pa__endpoint *e = &es->ep[i];
                double load = (e->in_flight + 1) * cost(e, now);

                if (!available(es, e, now))
                        continue;
                if (load < best_load ||
                    (load == best_load && e->in_flight < es->ep[best].in_flight)) {
                        best = i;
                        best_load = load;
                }
        }
        es->next = best + 1;
        return best;
}

void pa__endpoints_start(struct pa__endpoints *es, size_t i)
{
        es->ep[i].in_flight++;
        es->ep[i].st.attempts++;
}

/* No answer, a server error or a rate limit: the server, not the prompt.
 * An answer over --max-body (curl's write error) is an answer. */
static bool server_failed(CURLcode res, long status)
{
        if (res != CURLE_OK)
                return res != CURLE_WRITE_ERROR;
        return status >= 500 || status == 429;
}

/* Finagle's peak EWMA: a slower answer is taken at once, a faster one
 * weighed by the time since the last. */
static void observe(struct pa__endpoint *e, double ms, double now)
{
        double w = exp(-(now - e->cost_at) / EP_TAU_MS);

        e->cost_ms = ms > e->cost_ms ? ms : e->cost_ms * w + ms * (1 - w);
        e->cost_at = now;
}

void pa__endpoints_end(struct pa__endpoints *es, size_t i, CURLcode res, long status, double ms,
                       double now)
{
        struct pa__endpoint *e = &es->ep[i];
        double open_ms;

        e->in_flight--;
        if (!server_failed(res, status)) {
                e->st.answers++;
                e->st.latency_ms_sum += ms;
                e->fails = 0;
                e->proven = true;
                e->open_until = 0;
                observe(e, ms, now);
                return;
        }
        e->st.failures++;
        /* Requests sent before the circuit opened fail after it: one outage
         * opens it once. */
        if (es->n == 1 || e->open_until > now)
                return;
        open_ms = EP_OPEN_MIN_MS * ldexp(1.0, (int)(e->fails < 5 ? e->fails : 5));
        e->fails++;
        e->proven = false;
        e->open_until = now + (open_ms < EP_OPEN_MAX_MS ? open_ms : EP_OPEN_MAX_MS);
        e->st.opened++;
}

bool pa__endpoints_gone(const struct pa__endpoints *es)
{
        if (es->n == 1)
                return false;
        for (size_t i = 0; i < es->n; i++)
                if (es->ep[i].fails < EP_GONE_FAILS)
                        return false;
        return true;
}
