/* The preflight of an HTTP engine (preflight.h): the models route and one
 * canary answer per base URL, before any case is sent and before any run
 * folder exists, so a dead host, a wrong path, a refused key or an unknown
 * model ends the run at once with one line naming the cause and the fix
 * (promptfoo #5802 added the same check to its validate command). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "identity.h"
#include "preflight.h"
#include "evaluator/util/safe_file.h"

#define MODELS_TIMEOUT_S 10.0
#define CANARY_PROMPT    "Reply with the word OK."
#define CANARY_TOKENS    4
#define BUSY_TRIES       3 /* a 503 while a model loads, a 429: asked again */

/* A metadata request's time: 10 s, or --timeout when shorter. */
static double models_timeout(const struct pa_engine *e)
{
        double t = e->conf.timeout_s;

        return t > 0 && t < MODELS_TIMEOUT_S ? t : MODELS_TIMEOUT_S;
}

/* A warning that may quote the server: escaped, on one line. */
static void warn(const char *msg, const char *tail)
{
        char line[4 * sizeof(((struct pa_err *)0)->msg)];

        pa__esc(msg, strlen(msg), line, sizeof(line));
        fprintf(stderr, "parity: warning: %s%s\n", line, tail);
}

/* The ids a models answer lists: OpenAI's data[].id, Ollama's models[].name. */
static json_t *model_ids(const json_t *root)
{
        json_t *ids = json_array(), *m;
        size_t i;

        json_array_foreach(json_object_get(root, "data"), i, m)
        {
                const char *id = json_string_value(json_object_get(m, "id"));

                if (id && json_array_append_new(ids, json_string(id)))
                        break;
        }
        json_array_foreach(json_object_get(root, "models"), i, m)
        {
                const char *id = json_string_value(json_object_get(m, "name"));

                if (id && json_array_append_new(ids, json_string(id)))
                        break;
        }
        return ids;
}

/* Ollama lists "name:latest" for a model pulled as "name". */
static bool is_listed(const json_t *ids, const char *model)
{
        size_t i, n = strlen(model);
        const json_t *v;

        json_array_foreach(ids, i, v)
        {
                const char *id = json_string_value(v);

                if (!strcmp(id, model) || (!strncmp(id, model, n) && !strcmp(id + n, ":latest")))
                        return true;
        }
        return false;
}

/* "a, b, c" (at most 8, then "and N more"). */
static void list_ids(const json_t *ids, char *buf, size_t n)
{
        size_t i, used = 0;
        const json_t *v;

        buf[0] = '\0';
        json_array_foreach(ids, i, v)
        {
                int w = i < 8 ? snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                                         json_string_value(v))
                              : snprintf(buf + used, n - used, " and %zu more",
                                         json_array_size(ids) - 8);

                if (w < 0 || (size_t)w >= n - used || i >= 8)
                        break;
                used += (size_t)w;
        }
}

/* What the server said, on one line, or curl's word when nothing came. */
static void said(const struct pa__probe *p, char *buf, size_t n)
{
        char *msg = p->body.p ? pa_error_message(p->body.p, p->body.len) : NULL;

        if (p->res != CURLE_OK)
                snprintf(buf, n, "%s", p->errbuf[0] ? p->errbuf : curl_easy_strerror(p->res));
        else
                snprintf(buf, n, "HTTP %ld%s%s", p->status, msg ? ": " : "", msg ? msg : "");
        free(msg);
        for (char *c = buf; *c; c++)
                if ((unsigned char)*c < 0x20)
                        *c = ' ';
}

static bool tls_failure(CURLcode res)
{
        return res == CURLE_SSL_CONNECT_ERROR || res == CURLE_PEER_FAILED_VERIFICATION ||
               res == CURLE_SSL_CERTPROBLEM || res == CURLE_SSL_CIPHER ||
               res == CURLE_SSL_CACERT_BADFILE || res == CURLE_SSL_ISSUER_ERROR ||
               res == CURLE_SSL_ENGINE_NOTFOUND || res == CURLE_USE_SSL_FAILED;
}

/* A request that got no HTTP answer: the transport's cause and its fix. */
static int no_answer(const struct pa_engine *e, const char *url, const struct pa__probe *p,
                     struct pa_err *err)
{
        char why[512];

        said(p, why, sizeof(why));
        if (tls_failure(p->res))
                return pa_errf(err, PA_ENET,
                               "preflight: TLS failure at %s (%s): trust the server's CA with "
                               "--cacert FILE or --capath DIR (or CURL_CA_BUNDLE, SSL_CERT_FILE, "
                               "SSL_CERT_DIR)",
                               url, why);
        if (p->res == CURLE_OPERATION_TIMEDOUT)
                return pa_errf(err, PA_ENET,
                               "preflight: %s did not answer within %.0f s: is the server busy "
                               "or stuck? raise --timeout for a slow first answer",
                               url, e->conf.timeout_s);
        return pa_errf(err, PA_ENET,
                       "preflight: cannot reach %s (%s): is the server running, and is "
                       "--base-url right?",
                       url, why);
}

/* 401/403: what parity sent decides the fix. */
static int refused(const struct pa_engine *e, const char *url, const struct pa__probe *p,
                   struct pa_err *err)
{
        char why[512];

        said(p, why, sizeof(why));
        if (!e->conf.api_key_env)
                return pa_errf(err, PA_EINVAL,
                               "preflight: %s refused the request (%s): it wants a key; put it "
                               "in a variable and name it with --api-key-env VAR",
                               url, why);
        return pa_errf(err, PA_EINVAL,
                       "preflight: %s refused the key in $%s (%s): check the key and that it "
                       "may use this model",
                       url, e->conf.api_key_env, why);
}

/* Lists the models of base URL i into *ids (new reference, or NULL when
 * the route is missing: servers need not have one). */
static int ask_models(const struct pa_engine *e, const char *base, json_t **ids, struct pa_err *err)
{
        const char *path = e->ops->models_path ? e->ops->models_path : "/models";
        char *url = pa__url_join(base, path);
        struct pa__probe p;
        json_t *root = NULL;
        int rc = 0;

        *ids = NULL;
        if (!url)
                return PA_ENOMEM;
        pa__probe_run(e, url, NULL, models_timeout(e), &p);
        if (p.res != CURLE_OK)
                rc = no_answer(e, url, &p, err);
        else if (p.status == 401 || p.status == 403)
                rc = refused(e, url, &p, err);
        else if (p.status == 200 && p.body.p && (root = json_loadb(p.body.p, p.body.len, 0, NULL)))
                *ids = model_ids(root);
        json_decref(root);
        pa__buf_release(&p.body);
        free(url);
        return rc;
}

/* A 404 on the completions path: where the server does answer, if a
 * base URL with "/v1" added or removed finds it. */
static int not_found(const struct pa_engine *e, const char *base, const char *body,
                     const struct pa__probe *p, struct pa_err *err)
{
        size_t n = strlen(base);
        bool has_v1 = n >= 3 && !strcmp(base + n - 3, "/v1");
        char *other = has_v1 ? pa__url_root(base) : pa__url_join(base, "/v1");
        char *url = other ? pa__url_join(other, e->ops->path) : NULL, why[512];
        struct pa__probe q;
        int rc;

        said(p, why, sizeof(why));
        if (!url) {
                free(other);
                return PA_ENOMEM;
        }
        pa__probe_run(e, url, body, models_timeout(e), &q);
        if (q.res == CURLE_OK && q.status != 404)
                rc = pa_errf(err, PA_EINVAL,
                             "preflight: %s%s: not found (%s); the server answers at %s: use "
                             "--base-url %s",
                             base, e->ops->path, why, url, other);
        else
                rc = pa_errf(err, PA_EINVAL,
                             "preflight: %s%s: not found (%s): check --base-url (it includes "
                             "/v1 for OpenAI-compatible servers), --engine and --model",
                             base, e->ops->path, why);
        pa__buf_release(&q.body);
        free(url);
        free(other);
        return rc;
}

/* One canary answer through the engine's own request and parser. */
static int ask_canary(const struct pa_engine *e, const char *base, const char *url,
                      struct pa_err *err)
{
        struct pa_engine ce = *e; /* a shallow copy with the canary's settings */
        struct pa_job job;
        struct pa_reply r = {0};
        struct pa__probe p = {0};
        struct pa_err pe = {{0}};
        char *body = NULL, why[512];
        int rc;

        ce.conf.max_tokens = CANARY_TOKENS;
        ce.conf.stream = false;
        if ((rc = pa__canary_job(&job, CANARY_PROMPT)) ||
            (rc = ce.ops->build(&ce, &job, &body, err)))
                goto out;
        for (int t = 0; t < BUSY_TRIES; t++) {
                pa__buf_release(&p.body);
                pa__probe_run(&ce, url, body, e->conf.timeout_s, &p);
                if (p.res != CURLE_OK || (p.status != 503 && p.status != 429))
                        break;
                sleep(1u << t);
        }
        said(&p, why, sizeof(why));
        if (p.res != CURLE_OK)
                rc = no_answer(e, url, &p, err);
        else if (p.status == 401 || p.status == 403)
                rc = refused(e, url, &p, err);
        else if (p.status == 404)
                rc = not_found(e, base, body, &p, err);
        else if (p.status < 200 || p.status > 299)
                rc = pa_errf(err, PA_EINVAL, "preflight: %s rejected a canary request (%s)", url,
                             why);
        else if (ce.ops->parse(&ce, p.body.p ? p.body.p : "", p.body.len, &r, &pe) < 0)
                rc = pa_errf(err, PA_EINVAL,
                             "preflight: %s: the answer is not what engine '%s' reads (%s): "
                             "check --engine",
                             url, e->ops->name, pe.msg);
out:
        pa_reply_release(&r);
        pa__buf_release(&p.body);
        free(body);
        json_decref(job.messages);
        free(job.prompt);
        return rc;
}

static int check_listed(const struct pa_engine *e, const char *base, const json_t *ids,
                        bool allow_unlisted, struct pa_err *err)
{
        char list[1024];

        if (!e->conf.model || !ids || !json_array_size(ids) || allow_unlisted ||
            is_listed(ids, e->conf.model))
                return 0;
        list_ids(ids, list, sizeof(list));
        return pa_errf(err, PA_EINVAL,
                       "preflight: model '%s' is not served by %s, which lists: %s; use --model "
                       "with one of them, or --allow-unlisted-model for a gateway that lists "
                       "nothing useful",
                       e->conf.model, base, list);
}

static int check_url(const struct pa_engine *e, size_t i, json_t **ids, struct pa_err *err)
{
        const char *base = i ? e->conf.more_urls[i - 1] : e->conf.base_url;
        int rc;

        if ((rc = ask_models(e, base, ids, err)) ||
            (rc = check_listed(e, base, *ids, e->conf.allow_unlisted, err)))
                return rc;
        return ask_canary(e, base, e->urls[i], err);
}

int pa__preflight(const struct pa_engine *e, json_t **models, struct pa_err *err)
{
        struct pa_err first = {{0}};
        size_t good = 0;
        int rc = 0;

        *models = NULL;
        if (!e->ops->http)
                return 0;
        for (size_t i = 0; i < e->n_urls; i++) {
                json_t *ids = NULL;
                struct pa_err one = {{0}};

                if ((rc = check_url(e, i, &ids, &one)) == PA_ENOMEM) {
                        json_decref(ids);
                        json_decref(*models);
                        *models = NULL;
                        return rc;
                }
                if (rc == 0 && good++ == 0 && ids)
                        *models = json_incref(ids);
                if (rc && !first.msg[0])
                        first = one;
                else if (rc && e->n_urls > 1)
                        warn(one.msg, "");
                json_decref(ids);
        }
        if (good == 0)
                return pa_errf(err, PA_EINVAL, "%s", first.msg);
        if (first.msg[0])
                warn(first.msg, " (the run uses the other base URLs)");
        return 0;
}
