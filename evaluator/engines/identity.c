/* Served-model identity (identity.h): probes with one curl easy handle
 * each, outside the scheduler, before the run starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "identity.h"
#include "evaluator/util/util.h"

#define PROBE_MAX_BODY    (4u << 20)
#define CANARY_MAX_TOKENS 16
#define CANARY_SET        1 /* bump when the prompts or their settings change */

/* Short prompts with one likely answer each: at temperature 0 a model
 * answers them the same way every time, and another model differently. */
static const char *const canaries[] = {
    "Continue the sequence with the next three numbers: 1, 1, 2, 3, 5, 8,",
    "Complete the sentence with five words: The old lighthouse keeper",
    "What is the capital of Australia? Answer in one word.",
};
#define N_CANARIES (sizeof(canaries) / sizeof(*canaries))

char *pa__url_root(const char *base)
{
        size_t n = base ? strlen(base) : 0;
        char *out;

        while (n && base[n - 1] == '/')
                n--;
        if (n >= 3 && !strncmp(base + n - 3, "/v1", 3))
                n -= 3;
        if (!(out = malloc(n + 1)))
                return NULL;
        if (n)
                memcpy(out, base, n);
        out[n] = '\0';
        return out;
}

char *pa__url_join(const char *root, const char *rel)
{
        size_t n = root ? strlen(root) : 0, m = strlen(rel);
        char *out;

        while (n && root[n - 1] == '/')
                n--;
        if (!(out = malloc(n + m + 1)))
                return NULL;
        if (n)
                memcpy(out, root, n);
        memcpy(out + n, rel, m + 1);
        return out;
}

int pa__canary_job(struct pa_job *job, const char *prompt)
{
        memset(job, 0, sizeof(*job));
        job->messages = json_pack("[{s:s, s:s}]", "role", "user", "content", prompt);
        job->prompt = strdup(prompt);
        return job->messages && job->prompt ? 0 : PA_ENOMEM;
}

static char *canary_error(size_t k, const struct pa__probe *p, const char *why)
{
        char buf[512], *msg = NULL;

        if (why)
                snprintf(buf, sizeof(buf), "canary %zu: %s", k + 1, why);
        else if (p->res != CURLE_OK)
                snprintf(buf, sizeof(buf), "canary %zu: curl: %s", k + 1,
                         curl_easy_strerror(p->res));
        else {
                msg = p->body.p ? pa_error_message(p->body.p, p->body.len) : NULL;
                snprintf(buf, sizeof(buf), "canary %zu: http %ld: %s", k + 1, p->status,
                         msg ? msg : "(no error message)");
        }
        free(msg);
        for (char *c = buf; *c; c++)
                if (*c == '\n' || *c == '\r' || *c == '\t')
                        *c = ' ';
        return strdup(buf);
}

/* Sends canary k; its answer into r. Returns an error message (owned) or
 * NULL. The first answer's system_fingerprint goes into id. */
static char *ask_canary(const struct pa_engine *ce, size_t k, json_t *id, struct pa_reply *r)
{
        struct pa_job job;
        struct pa_err err = {{0}};
        struct pa__probe p = {0};
        char *body = NULL, *msg = NULL;
        json_t *root;

        pa__buf_init(&p.body, PROBE_MAX_BODY);
        if (pa__canary_job(&job, canaries[k]) || ce->ops->build(ce, &job, &body, &err) < 0) {
                msg = canary_error(k, &p, err.msg[0] ? err.msg : "cannot build the request");
                goto out;
        }
        pa__probe_run(ce, ce->url, body, ce->conf.timeout_s > 0 ? ce->conf.timeout_s : 120, &p);
        pa__probe_note(id, &p);
        if (p.res != CURLE_OK || p.status < 200 || p.status > 299) {
                msg = canary_error(k, &p, NULL);
                goto out;
        }
        if (ce->ops->parse(ce, p.body.p ? p.body.p : "", p.body.len, r, &err) < 0) {
                msg = canary_error(k, &p, err.msg);
                goto out;
        }
        root = json_loadb(p.body.p, p.body.len, 0, NULL);
        if (json_is_string(json_object_get(root, "system_fingerprint")) &&
            !json_object_get(id, "system_fingerprint"))
                json_object_set(id, "system_fingerprint",
                                json_object_get(root, "system_fingerprint"));
        json_decref(root);
out:
        pa__buf_release(&p.body);
        free(body);
        json_decref(job.messages);
        free(job.prompt);
        return msg;
}

/* {"sha256", "answers", "model", "canary_set", "params"}, or {"error"}. */
static json_t *fingerprint(const struct pa_engine *e, json_t *id)
{
        struct pa_engine ce = *e; /* a shallow copy with the canary settings */
        struct pa_buf acc;
        json_t *answers = json_array(), *fp = NULL;
        char hex[PA_SHA256_HEX], *model = NULL, *msg = NULL;

        ce.conf.has_temperature = true;
        ce.conf.temperature = 0;
        ce.conf.has_top_p = false;
        ce.conf.max_tokens = CANARY_MAX_TOKENS;
        ce.conf.has_seed = true;
        ce.conf.seed = 0;
        ce.conf.stop = NULL;
        ce.conf.stream = false;
        pa__buf_init(&acc, (size_t)N_CANARIES * (PROBE_MAX_BODY + 1));
        for (size_t k = 0; answers && !msg && k < N_CANARIES; k++) {
                struct pa_reply r = {0};

                if (!(msg = ask_canary(&ce, k, id, &r))) {
                        /* Each answer with its terminating NUL, so "ab"+"c" != "a"+"bc". */
                        if (pa__buf_add(&acc, r.text, r.len) || pa__buf_add(&acc, "", 1) ||
                            json_array_append_new(answers, json_stringn(r.text, r.len)))
                                msg = strdup("out of memory");
                        if (!model && r.model)
                                model = strdup(r.model);
                }
                pa_reply_release(&r);
        }
        if (msg) {
                fp = json_pack("{s:s}", "error", msg);
        } else if (answers) {
                pa__sha256_hex(acc.p ? acc.p : "", acc.len, hex);
                fp = json_pack("{s:s, s:O, s:s?, s:i, s:{s:i, s:i, s:i}}", "sha256", hex, "answers",
                               answers, "model", model, "canary_set", CANARY_SET, "params",
                               "temperature", 0, "max_tokens", CANARY_MAX_TOKENS, "seed", 0);
        }
        free(msg);
        free(model);
        json_decref(answers);
        pa__buf_release(&acc);
        return fp;
}

json_t *pa__identity_at(const struct pa_engine *e, size_t i, bool *ok)
{
        struct pa_engine ce = *e; /* a shallow copy pointed at base URL i */
        json_t *id = json_object(), *fp;

        if (!id)
                return NULL;
        ce.conf.base_url = i ? e->conf.more_urls[i - 1] : e->conf.base_url;
        ce.url = e->urls[i];
        json_object_set_new(id, "base_url", json_string(pa_engine_shown_url(e, i)));
        if (e->ops->identify)
                e->ops->identify(&ce, id);
        fp = e->conf.no_fingerprint ? json_null() : fingerprint(&ce, id);
        *ok = e->conf.no_fingerprint ? json_object_size(id) > 1 : !json_object_get(fp, "error");
        json_object_set_new(id, "fingerprint", fp);
        return id;
}

/* The first base URL that answers; else what the first one said. */
static json_t *first_answer(const struct pa_engine *e)
{
        json_t *first = NULL;
        bool ok = false;

        for (size_t i = 0; i < e->n_urls && !pa__probes_stopped(); i++) {
                json_t *id = pa__identity_at(e, i, &ok);

                if (ok) {
                        json_decref(first);
                        return id;
                }
                if (first)
                        json_decref(id);
                else
                        first = id;
        }
        return first ? first : json_object();
}

json_t *pa__identity(const struct pa_engine *e, const volatile sig_atomic_t *stop, bool quiet)
{
        struct pa__probes ps;
        json_t *id;

        if (!e->ops->http)
                return json_object();
        pa__probes_begin(&ps, PA_IDENTITY_BUDGET_S, stop, quiet);
        id = first_answer(e);
        if (id && pa__probes_stopped())
                json_object_set_new(id, "interrupted", json_true());
        pa__probes_end(&ps);
        return id;
}
