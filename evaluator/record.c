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
#include "util.h"

#define ADD(b, s) pa__buf_add(b, s, sizeof(s) - 1)

/* A JSON string as jansson writes it: \" \\ \b \f \n \r \t, other control
 * bytes as \u00XX, UTF-8 as is; invalid bytes become U+FFFD (as the
 * response_json() of result.c does). */
static int add_string(struct pa_buf *b, const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s;
        int rc = ADD(b, "\"");

        for (size_t i = 0; rc == 0 && i < n;) {
                size_t run = i, u;
                char esc[8];

                while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
                       p[run] != '\\')
                        run++;
                if (run > i) {
                        rc = pa__buf_add(b, s + i, run - i);
                        i = run;
                        continue;
                }
                if (p[i] >= 0x80) {
                        u = pa__utf8_len(p + i, n - i);
                        rc = u ? pa__buf_add(b, s + i, u) : ADD(b, "\xef\xbf\xbd");
                        i += u ? u : 1;
                        continue;
                }
                switch (p[i]) {
                case '"':
                        rc = ADD(b, "\\\"");
                        break;
                case '\\':
                        rc = ADD(b, "\\\\");
                        break;
                case '\b':
                        rc = ADD(b, "\\b");
                        break;
                case '\f':
                        rc = ADD(b, "\\f");
                        break;
                case '\n':
                        rc = ADD(b, "\\n");
                        break;
                case '\r':
                        rc = ADD(b, "\\r");
                        break;
                case '\t':
                        rc = ADD(b, "\\t");
                        break;
                default:
                        snprintf(esc, sizeof(esc), "\\u%04X", p[i]);
                        rc = pa__buf_add(b, esc, 6);
                }
                i++;
        }
        return rc ? rc : ADD(b, "\"");
}

static int add_cstr(struct pa_buf *b, const char *s)
{
        return s ? add_string(b, s, strlen(s)) : ADD(b, "null");
}

/* "key": */
static int add_key(struct pa_buf *b, const char *key, bool first)
{
        int rc = first ? 0 : ADD(b, ",");

        return rc ? rc : (add_cstr(b, key) || ADD(b, ":")) ? PA_ENOMEM : 0;
}

static int add_int(struct pa_buf *b, long long v)
{
        char num[32];
        int n = snprintf(num, sizeof(num), "%lld", v);

        return pa__buf_add(b, num, (size_t)n);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(10). */
static int add_real(struct pa_buf *b, double v)
{
        char num[40];
        int n = snprintf(num, sizeof(num), "%.10g", v);

        if (!strpbrk(num, ".eE"))
                n += snprintf(num + n, sizeof(num) - (size_t)n, ".0");
        return pa__buf_add(b, num, (size_t)n);
}

static int add_count(struct pa_buf *b, long n)
{
        return n >= 0 ? add_int(b, n) : ADD(b, "null");
}

static int add_json(struct pa_buf *b, const json_t *v)
{
        char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY);
        int rc = text ? pa__buf_add(b, text, strlen(text)) : PA_ENOMEM;

        free(text);
        return rc;
}

static int add_case(struct pa_buf *b, const struct pa_suite *s, const struct pa_job *job)
{
        const struct pa_case *c = &job->c;
        int rc = add_key(b, "case_id", true) || add_cstr(b, c->id) || add_key(b, "sample", false) ||
                 add_int(b, job->sample) || add_key(b, "item_id", false) ||
                 add_cstr(b, c->item->id) || add_key(b, "domain", false) ||
                 add_cstr(b, c->item->domain) || add_key(b, "groups", false) || ADD(b, "{");

        for (size_t k = 0; rc == 0 && k < c->item->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[c->item->axes[k]];

                rc = add_key(b, ax->name, k == 0) || add_cstr(b, ax->groups[c->groups[k]].name);
        }
        return rc || ADD(b, "}") || add_key(b, "outcome", false) || add_cstr(b, c->item->outcome);
}

/* What was sent: the flat prompt, or the chat messages. */
static int add_request(struct pa_buf *b, const struct pa_engine *e, const struct pa_job *job)
{
        const struct pa_case *c = &job->c;

        if (e->ops->flat_prompt)
                return add_key(b, "prompt", false) || add_cstr(b, job->prompt);
        /* job->messages, written from the case it was made of (pa_job_init). */
        return add_key(b, "messages", false) || ADD(b, "[") ||
               (c->system && (ADD(b, "{\"role\":\"system\",\"content\":") ||
                              add_cstr(b, c->system) || ADD(b, "},"))) ||
               ADD(b, "{\"role\":\"user\",\"content\":") || add_cstr(b, c->prompt) || ADD(b, "}]");
}

static int add_reply(struct pa_buf *b, const struct pa_engine *e, const struct pa_reply *r,
                     double latency_ms)
{
        int rc = add_key(b, "response", false) ||
                 (r->text ? add_string(b, r->text, r->len) : ADD(b, "null")) ||
                 add_key(b, "finish_reason", false) || add_cstr(b, r->finish_reason) ||
                 add_key(b, "usage", false) || ADD(b, "{\"prompt_tokens\":") ||
                 add_count(b, r->prompt_tokens) || ADD(b, ",\"completion_tokens\":") ||
                 add_count(b, r->completion_tokens) || ADD(b, "}") || add_key(b, "model", false) ||
                 add_cstr(b, r->model) || add_key(b, "latency_ms", false) ||
                 add_real(b, round(latency_ms * 1000) / 1000);

        if (rc == 0 && r->ttft_ms >= 0 && e->conf.stream)
                rc = add_key(b, "ttft_ms", false) || add_real(b, round(r->ttft_ms * 1000) / 1000);
        if (rc == 0)
                rc = add_key(b, "http_status", false) || add_int(b, r->http_status) ||
                     add_key(b, "error", false) || add_cstr(b, r->error);
        if (rc == 0 && r->attempts)
                rc = add_key(b, "attempts", false) || add_json(b, r->attempts);
        return rc;
}

static int add_scores(struct pa_buf *b, const struct pa_suite *s, const struct pa_item *it,
                      const signed char *v)
{
        bool first = true;
        int rc = add_key(b, "scores", false) || ADD(b, "{");

        for (size_t k = 0; rc == 0 && k < s->scorers.n; k++) {
                if (!(it->scorer_mask >> k & 1))
                        continue;
                rc = add_key(b, s->scorers.v[k].name, first) ||
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
        rc = ADD(b, "{") || add_case(b, s, job) || add_request(b, e, job) ||
             add_reply(b, e, r, latency_ms) || add_scores(b, s, job->c.item, v) ||
             (cached && ADD(b, ",\"cached\":true")) || ADD(b, ",\"seq\":") ||
             add_int(b, (long long)w->n) || ADD(b, ",\"prev\":\"") || pa__buf_add(b, w->head, 64) ||
             ADD(b, "\"}");
        if (rc)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        pa__sha256_hex(b->p, b->len, w->head);
        w->n++;
        /* One write per record, flushed, so a crash can tear at most the last line. */
        if (pa__buf_add(b, "\n", 1) || fwrite(b->p, 1, b->len, w->f) != b->len || fflush(w->f) != 0)
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        return 0;
}
