/* The record of a finished job written straight to its results.jsonl line,
 * without building jansson objects: the hot path of a run, where a record
 * is written per request. The line is the one pa_record_new() plus
 * "scores" (and "cached") would dump, field for field (tests/test_record.c
 * checks that), then chained and appended like pa_results_append(). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/result.h"
#include "evaluator/json/jsonw.h"
#include "evaluator/util/util.h"

#define ADD(b, s) PA__JW_LIT(b, s)

static int add_count(struct pa_buf *b, long n)
{
        return n >= 0 ? pa__jw_int(b, n) : ADD(b, "null");
}

static int add_case(struct pa_buf *b, const struct pa_suite *s, const struct pa_engine *e,
                    const struct pa_job *job)
{
        const struct pa_case *c = &job->c;
        /* The seed sent, when one is (--seed): what reproduces the answer. */
        int rc =
            ADD(b, "\"case_id\":") || pa__jw_cstr(b, c->id) || PA__JW_KEY(b, "sample") ||
            pa__jw_int(b, job->sample) ||
            (e->conf.has_seed && (PA__JW_KEY(b, "seed") || pa__jw_int(b, (long long)job->seed))) ||
            PA__JW_KEY(b, "item_id") || pa__jw_cstr(b, c->item->id) || PA__JW_KEY(b, "domain") ||
            pa__jw_cstr(b, c->item->domain) || PA__JW_KEY(b, "groups") || ADD(b, "{");

        for (size_t k = 0; rc == 0 && k < c->item->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[c->item->axes[k]];

                rc = pa__jw_key(b, ax->name, k == 0) ||
                     pa__jw_cstr(b, ax->groups[c->groups[k]].name);
        }
        return rc || ADD(b, "}") || PA__JW_KEY(b, "outcome") || pa__jw_cstr(b, c->item->outcome);
}

/* What was sent: the flat prompt, or the chat messages. */
static int add_request(struct pa_buf *b, const struct pa_engine *e, const struct pa_job *job)
{
        if (e->ops->flat_prompt)
                return PA__JW_KEY(b, "prompt") || pa__jw_cstr(b, job->prompt);
        return PA__JW_KEY(b, "messages") || pa__jw_messages(b, job);
}

static int add_reply(struct pa_buf *b, const struct pa_engine *e, const struct pa_reply *r,
                     double latency_ms)
{
        int rc = PA__JW_KEY(b, "response") ||
                 (r->text ? pa__jw_string_lossy(b, r->text, r->len) : ADD(b, "null")) ||
                 PA__JW_KEY(b, "finish_reason") || pa__jw_cstr(b, r->finish_reason) ||
                 PA__JW_KEY(b, "usage") || ADD(b, "{\"prompt_tokens\":") ||
                 add_count(b, r->prompt_tokens) || ADD(b, ",\"completion_tokens\":") ||
                 add_count(b, r->completion_tokens) || ADD(b, "}") || PA__JW_KEY(b, "model") ||
                 pa__jw_cstr(b, r->model) || PA__JW_KEY(b, "latency_ms") ||
                 pa__jw_real(b, round(latency_ms * 1000) / 1000, 10);

        if (rc == 0 && r->ttft_ms >= 0 && e->conf.stream)
                rc =
                    PA__JW_KEY(b, "ttft_ms") || pa__jw_real(b, round(r->ttft_ms * 1000) / 1000, 10);
        if (rc == 0)
                rc = PA__JW_KEY(b, "http_status") || pa__jw_int(b, r->http_status) ||
                     PA__JW_KEY(b, "error") || pa__jw_cstr(b, r->error);
        if (rc == 0 && r->attempts)
                rc = PA__JW_KEY(b, "attempts") || pa__jw_put(b, r->attempts, strlen(r->attempts));
        if (rc == 0 && r->judge)
                rc = PA__JW_KEY(b, "judge") || pa__jw_put(b, r->judge, strlen(r->judge));
        return rc;
}

static int add_scores(struct pa_buf *b, const struct pa_suite *s, const struct pa_item *it,
                      const signed char *v)
{
        bool first = true;
        int rc = PA__JW_KEY(b, "scores") || ADD(b, "{");

        for (size_t k = 0; rc == 0 && k < s->scorers.n; k++) {
                if (!(it->scorer_mask >> k & 1))
                        continue;
                rc = pa__jw_key(b, s->scorers.v[k].name, first) ||
                     (v[k] == PA_NA     ? ADD(b, "null")
                      : v[k] == PA_TRUE ? ADD(b, "true")
                                        : ADD(b, "false"));
                first = false;
        }
        return rc || ADD(b, "}");
}

int pa_results_write(struct pa_results *w, const struct pa_suite *s, const struct pa_engine *e,
                     const struct pa_job *job, const struct pa_reply *r, double latency_ms,
                     const signed char *v, bool cached, struct pa_err *err)
{
        struct pa_buf *b = w->line;
        int rc;

        if (!b) {
                if (!(b = w->line = malloc(sizeof(*b))))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                pa__buf_init(b, SIZE_MAX / 2);
        }
        pa__buf_reset(b);
        rc = ADD(b, "{") || add_case(b, s, e, job) || add_request(b, e, job) ||
             add_reply(b, e, r, latency_ms) || add_scores(b, s, job->c.item, v) ||
             (cached && ADD(b, ",\"cached\":true")) || ADD(b, ",\"seq\":") ||
             pa__jw_int(b, (long long)w->n) || ADD(b, ",\"prev\":\"") ||
             pa__buf_add(b, w->head, 64) || ADD(b, "\"}");
        if (rc)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        pa__sha256_hex(b->p, b->len, w->head);
        w->n++;
        if (pa__buf_add(b, "\n", 1) || fwrite(b->p, 1, b->len, w->f) != b->len)
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        return 0;
}

int pa_results_flush(struct pa_results *w, struct pa_err *err)
{
        if (fflush(w->f) != 0)
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        return 0;
}
