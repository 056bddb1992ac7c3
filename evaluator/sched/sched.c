/* The scheduler (sched.h). A slot is one easy handle and the job it
 * carries through its attempts: free, active (in the multi handle) or
 * waiting (backing off before the next attempt).
 *
 * This file holds the jobs' lifecycle: local engines' loop, starting jobs
 * in free slots, each attempt's outcome, retries with backoff, and the
 * loop over it all; sched_io.c drives the transfers (curl's socket
 * interface over epoll). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "evaluator/json/jsonw.h"
#include "parity/sched.h"
#include "ratelimit.h"
#include "sched_int.h"
#include "evaluator/util/util.h"

char *pa__sched_one_line(char *s)
{
        for (char *p = s; p && *p; p++)
                if (*p == '\n' || *p == '\r' || *p == '\t')
                        *p = ' ';
        return s;
}

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *errorf(const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return pa__sched_one_line(strdup(buf));
}

double pa_sched_backoff(double base, double cap, unsigned attempt, double u)
{
        double ceiling = base * ldexp(1.0, (int)(attempt > 30 ? 30 : attempt) - 1);

        return u * (ceiling < cap ? ceiling : cap);
}

static double uniform(struct http *x)
{
        uint64_t z = (x->rng += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

bool pa__sched_stopping(const struct pa_sched_conf *c)
{
        return c->stop && *c->stop;
}

void pa__sched_slot_clear(struct slot *s)
{
        pa_job_release(&s->job);
        free(s->request);
        s->request = NULL;
        pa__buf_reset(&s->attempts);
        s->tries = 0;
        s->state = FREE;
}

/* Endpoint i's counters into the caller's stats, when it asked for them. */
static void publish(struct http *x, size_t i)
{
        struct pa_sched_stats *st = x->conf->stats;

        if (st && st->endpoints && i < st->n_endpoints)
                st->endpoints[i] = x->ep.ep[i].st;
}

/* Starts (or restarts) the slot's transfer on the best endpoint. */
static int launch(struct http *x, struct slot *s, struct pa_err *err)
{
        double now = pa__mono_ms();

        s->endpoint = pa__endpoints_pick(&x->ep, now);
        pa__buf_reset(&s->body);
        s->too_big = false;
        s->first_byte = -1;
        s->t0 = now;
        if (s->tries++ == 0)
                s->first_t0 = now;
        if (x->parsed[s->endpoint])
                curl_easy_setopt(s->h, CURLOPT_CURLU, x->parsed[s->endpoint]);
        else
                curl_easy_setopt(s->h, CURLOPT_URL, x->e->urls[s->endpoint]);
        curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->request);
        curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)strlen(s->request));
        if (curl_multi_add_handle(x->multi, s->h) != CURLM_OK)
                return pa_errf(err, PA_ENET, "cannot start a transfer");
        pa__limits_take(&x->lim, s->request, x->e->conf.max_tokens, now);
        pa__endpoints_start(&x->ep, s->endpoint);
        publish(x, s->endpoint);
        s->state = ACTIVE;
        x->active++;
        if (x->conf->stats)
                x->conf->stats->started += s->tries == 1;
        return 0;
}

/* Takes the next job into a free slot and starts it. Returns 1 when one
 * started, 0 when no job is left, negative on error. A job whose request
 * cannot be built finishes at once with that error. */
static int start_new(struct http *x, struct slot *s, pa_sched_next_fn next, pa_sched_done_fn done,
                     void *ud, struct pa_err *err)
{
        struct pa_err berr; /* not zeroed: 8 KiB a request; the message is set or empty */
        int rc;

        berr.msg[0] = '\0';
        rc = next(ud, &s->job, err);

        if (rc <= 0) {
                pa_job_release(&s->job);
                return rc;
        }
        if (x->e->ops->build(x->e, &s->job, &s->request, &berr) < 0) {
                struct pa_reply reply = {.error = pa__sched_one_line(strdup(berr.msg)),
                                         .ttft_ms = -1};

                rc = done(ud, &s->job, &reply, 0, err);
                pa_reply_release(&reply);
                pa__sched_slot_clear(s);
                return rc < 0 ? rc : 1;
        }
        return launch(x, s, err) < 0 ? PA_ENET : 1;
}

static bool retryable(CURLcode res, long status)
{
        switch (res) {
        case CURLE_OK:
                return status == 429 || (status >= 500 && status <= 504);
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

/* A failure that says the server, not this prompt, is the problem: no
 * answer, a refused key, a wrong path, a server error. A 400 or 422 about
 * one prompt (a content filter) and a 429 (rate limits) are not. */
static bool server_side(CURLcode res, long status)
{
        if (res != CURLE_OK)
                return true;
        return status == 401 || status == 403 || status == 404 || status == 405 || status >= 500;
}

/* The circuit breaker: conf->breaker attempts in a row failing for the
 * same server-side cause (curl's code, or the HTTP status) stop the
 * dispatching; an answer or another cause starts the count again. With
 * several base URLs their circuits space the attempts out, so the breaker
 * also trips when every one has failed EP_GONE_FAILS times in a row (its
 * probes too: a few seconds). */
static void watch_breaker(struct http *x, CURLcode res, const struct pa_reply *r)
{
        struct pa_sched_stats *st = x->conf->stats;
        long cause = res != CURLE_OK ? -(long)res : r->http_status;

        if (!r->error) {
                x->streak = 0;
                return;
        }
        if (!server_side(res, r->http_status) || !x->conf->breaker)
                return;
        if (cause != x->streak_cause)
                x->streak = 0;
        x->streak_cause = cause;
        if ((++x->streak < x->conf->breaker && !pa__endpoints_gone(&x->ep)) || x->tripped)
                return;
        x->tripped = true;
        if (st) {
                st->tripped = true;
                snprintf(st->trip_cause, sizeof(st->trip_cause), "%s", r->error);
        }
}

/* A signal or the circuit breaker: no new job, no further retry. */
static bool halted(const struct http *x)
{
        return x->tripped || pa__sched_stopping(x->conf);
}

/* The outcome of one attempt into r (error set when it failed). */
static void attempt_reply(struct http *x, struct slot *s, CURLcode res, struct pa_reply *r)
{
        struct pa_err perr; /* not zeroed: 8 KiB a request; the message is set or empty */
        char *msg;

        perr.msg[0] = '\0';
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->http_status);
        r->ttft_ms = -1;
        if (s->too_big) {
                r->error = errorf("response over %zu bytes", x->conf->max_body);
        } else if (res != CURLE_OK) {
                r->error = errorf("curl: %s", curl_easy_strerror(res));
        } else if (r->http_status < 200 || r->http_status > 299) {
                msg = s->body.p ? pa_error_message(s->body.p, s->body.len) : NULL;
                r->error = errorf("http %ld: %s", r->http_status, msg ? msg : "(no error message)");
                free(msg);
        } else if (x->e->ops->parse(x->e, s->body.p ? s->body.p : "", s->body.len, r, &perr) < 0) {
                pa_reply_release(r);
                curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->http_status);
                r->ttft_ms = -1;
                r->error = pa__sched_one_line(strdup(perr.msg));
        } else if (x->e->conf.stream && s->first_byte >= 0) {
                r->ttft_ms = s->first_byte - s->t0;
        }
}

/* Delay before the next attempt in ms, or -1 when no retry is allowed. */
static double retry_delay(struct http *x, struct slot *s, CURLcode res, long status, double now)
{
        const struct pa_sched_conf *c = x->conf;
        curl_off_t after = -1;
        double delay;

        if (s->too_big || !retryable(res, status) ||
            s->tries >= (c->max_attempts ? c->max_attempts : 1))
                return -1;
        delay = 1000 * pa_sched_backoff(c->backoff_base_s, c->backoff_cap_s, s->tries, uniform(x));
        /* curl parses both forms of Retry-After (seconds and HTTP-date). */
        if (curl_easy_getinfo(s->h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0 &&
            1000.0 * (double)after > delay)
                delay = 1000.0 * (double)after;
        if (now + delay - s->first_t0 > 1000 * c->retry_max_s)
                return -1;
        return delay;
}

/* Appends {"status","error","ms"} of one attempt to the attempts array,
 * left open ("[{...},{...}") until the job is done. */
static int add_attempt(struct pa_buf *b, const struct pa_reply *r, double ms)
{
        return (b->len ? PA__JW_LIT(b, ",") : PA__JW_LIT(b, "[")) ||
               PA__JW_LIT(b, "{\"status\":") || pa__jw_int(b, r->http_status) ||
               PA__JW_KEY(b, "error") || pa__jw_cstr(b, r->error) || PA__JW_KEY(b, "ms") ||
               pa__jw_real(b, round(ms * 1000) / 1000, 10) || PA__JW_LIT(b, "}");
}

int pa__sched_finish(struct http *x, CURLMsg *m, pa_sched_done_fn done, void *ud,
                     struct pa_err *err)
{
        struct slot *s;
        struct pa_reply reply = {0};
        double now = pa__mono_ms(), delay;
        CURLcode res = m->data.result;
        int rc;

        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        curl_multi_remove_handle(x->multi, s->h);
        x->active--;
        attempt_reply(x, s, res, &reply);
        if (add_attempt(&s->attempts, &reply, now - s->t0))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        pa__limits_observe(&x->lim, res, reply.http_status, now);
        pa__endpoints_end(&x->ep, s->endpoint, res, reply.http_status, now - s->t0, now);
        publish(x, s->endpoint);
        watch_breaker(x, res, &reply);
        delay = reply.error ? retry_delay(x, s, res, reply.http_status, now) : -1;
        if (delay >= 0) {
                pa_reply_release(&reply);
                /* Stopping: a failure that would be retried is dropped like the
                 * waiting retries, so a resume asks it again. */
                if (halted(x)) {
                        pa__sched_slot_clear(s);
                        return 0;
                }
                s->state = WAITING;
                s->wake_at = now + delay;
                x->waiting++;
                if (x->conf->stats)
                        x->conf->stats->retries++;
                return 0;
        }
        if (PA__JW_LIT(&s->attempts, "]") || !(reply.attempts = strdup(s->attempts.p))) {
                pa_reply_release(&reply);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (x->conf->stats)
                x->conf->stats->errors += reply.error != NULL;
        rc = done(ud, &s->job, &reply, now - s->t0, err);
        pa_reply_release(&reply);
        pa__sched_slot_clear(s);
        return rc;
}

/* Restarts waiting slots whose delay is over, while the limits allow. */
static int wake(struct http *x, double now, struct pa_err *err)
{
        for (unsigned i = 0; i < x->conf->concurrency && x->waiting; i++) {
                struct slot *s = &x->slots[i];

                if (s->state != WAITING || s->wake_at > now ||
                    !pa__limits_allow(&x->lim, x->active, now) || !pa__endpoints_ready(&x->ep, now))
                        continue;
                x->waiting--;
                if (launch(x, s, err) < 0)
                        return PA_ENET;
        }
        return 0;
}

/* A stop abandons retries not yet restarted: like requests in flight at a
 * kill, they have no record and a resume runs them again. */
static void drop_waiting(struct http *x)
{
        for (unsigned i = 0; i < x->conf->concurrency && x->waiting; i++) {
                if (x->slots[i].state == WAITING) {
                        pa__sched_slot_clear(&x->slots[i]);
                        x->waiting--;
                }
        }
}

static struct slot *free_slot(struct http *x)
{
        for (unsigned i = 0; i < x->conf->concurrency; i++)
                if (x->slots[i].state == FREE)
                        return &x->slots[i];
        return NULL;
}

/* How long to sleep in epoll: until a socket acts, curl's timer, a retry
 * is due, or a rate-limit token arrives; at most a second so a stop is
 * seen. The loop has just started all it could, so a full window (every
 * slot busy, or AIMD's limit) waits for a transfer to finish, which is a
 * socket event, and a limit only sets a deadline while tokens are short:
 * waking for anything else would spin (it did: 20 epoll_wait calls a
 * request at -c 16). */
static int poll_ms(struct http *x, bool more, double now)
{
        double wait = 1000, t;

        if (x->timer_at >= 0 && x->timer_at - now < wait)
                wait = x->timer_at - now;
        if (pa__limits_full(&x->lim, x->active))
                return wait < 0 ? 0 : (int)ceil(wait);
        t = pa__limits_wait_ms(&x->lim, now); /* > 0: tokens are short */
        /* Every circuit open, none in flight: until the first reopens. */
        if (pa__endpoints_wait_ms(&x->ep, now) > t)
                t = pa__endpoints_wait_ms(&x->ep, now);
        for (unsigned i = 0; i < x->conf->concurrency && x->waiting; i++) {
                const struct slot *s = &x->slots[i];

                if (s->state == WAITING && fmax(s->wake_at - now, t) < wait)
                        wait = fmax(s->wake_at - now, t);
        }
        if (more && t > 0 && t < wait)
                wait = t;
        return wait < 0 ? 0 : (int)ceil(wait);
}

static int http_run(struct http *x, pa_sched_next_fn next, pa_sched_done_fn done, void *ud,
                    struct pa_err *err)
{
        bool more = true;
        int rc;
        struct slot *s;

        while ((more && !halted(x)) || x->active || x->waiting) {
                double now = pa__mono_ms();

                if (halted(x)) {
                        more = false;
                        drop_waiting(x);
                }
                if ((rc = wake(x, now, err)))
                        return rc;
                while (more && (s = free_slot(x)) && pa__limits_allow(&x->lim, x->active, now) &&
                       pa__endpoints_ready(&x->ep, now)) {
                        if ((rc = start_new(x, s, next, done, ud, err)) < 0)
                                return rc;
                        more = rc > 0;
                }
                if (x->conf->stats) {
                        x->conf->stats->in_flight = x->active;
                        x->conf->stats->window = x->lim.window;
                }
                if ((more && !halted(x)) || x->active || x->waiting)
                        if ((rc = pa__sched_drive(x, poll_ms(x, more, pa__mono_ms()), done, ud,
                                                  err)))
                                return rc;
        }
        return 0;
}

int pa_sched_run(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
                 pa_sched_done_fn done, void *ud, struct pa_err *err)
{
        struct http x = {.e = e, .conf = conf, .epfd = -1};
        int rc;

        if (!e->ops->http)
                return pa__sched_local(e, conf, next, done, ud, err);
        rc = pa__sched_setup(&x, err);
        if (rc == 0)
                rc = http_run(&x, next, done, ud, err);
        pa__sched_teardown(&x);
        return rc;
}
