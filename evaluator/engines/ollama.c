/* Ollama's native API (docs/api.md of ollama/ollama): POST /api/chat and
 * /api/generate on a base URL without /v1 (http://127.0.0.1:11434).
 *
 * Generation parameters go into "options" (temperature, top_p,
 * num_predict, seed, stop). Without conf.stream the request says
 * "stream": false and the answer is one JSON object; with it the answer
 * is NDJSON, one object a line, the text spread over message.content
 * (chat) or response (generate), the last line "done": true with
 * done_reason and the counts (prompt_eval_count, eval_count). Errors are
 * {"error": "..."}, also as a line of a stream. parse() reads both shapes
 * whatever was asked. */
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "identity.h"
#include "evaluator/json/jsonw.h"
#include "evaluator/util/util.h"

static int ollama_open(struct pa_engine *e, struct pa_err *err)
{
        for (size_t i = 0; i < e->n_urls; i++) {
                const char *u = i ? e->conf.more_urls[i - 1] : e->conf.base_url;
                size_t n = strlen(u);

                while (n && u[n - 1] == '/')
                        n--;
                if (n >= 3 && !strncmp(u + n - 3, "/v1", 3))
                        return pa_errf(err, PA_EINVAL,
                                       "engine '%s': --base-url '%s': Ollama's native API has no "
                                       "/v1 (e.g. http://127.0.0.1:11434); use openai-chat for /v1",
                                       e->ops->name, u);
        }
        if (!e->conf.model || !*e->conf.model)
                return pa_errf(err, PA_EINVAL,
                               "engine '%s' needs --model (an Ollama model name, e.g. llama3.2)",
                               e->ops->name);
        return 0;
}

/* "key": inside "options", after a comma unless it is the first. */
static int option(struct pa_buf *b, const char *key, bool *first)
{
        int rc = pa__jw_key(b, key, *first);

        *first = false;
        return rc;
}

/* Ollama's "options": only what was set, so the Modelfile's values apply
 * otherwise. Written as json_dumps(JSON_COMPACT) wrote the jansson request
 * they were once built as (tests/test_jsonw.c compares). */
static int add_options(struct pa_buf *b, const struct pa_engine *e, const struct pa_job *job)
{
        const struct pa_engine_conf *c = &e->conf;
        bool stop = c->stop && json_array_size(c->stop), first = true;
        int rc = 0;

        if (!c->has_temperature && !c->has_top_p && c->max_tokens <= 0 && !c->has_seed && !stop)
                return 0;
        rc = PA__JW_LIT(b, ",\"options\":{");
        if (rc == 0 && c->has_temperature && !(rc = option(b, "temperature", &first)))
                rc = pa__jw_real(b, c->temperature, 17);
        if (rc == 0 && c->has_top_p && !(rc = option(b, "top_p", &first)))
                rc = pa__jw_real(b, c->top_p, 17);
        if (rc == 0 && c->max_tokens > 0 && !(rc = option(b, "num_predict", &first)))
                rc = pa__jw_int(b, c->max_tokens);
        if (rc == 0 && c->has_seed && !(rc = option(b, "seed", &first)))
                rc = pa__jw_int(b, (long long)(job->seed & INT64_MAX));
        if (rc == 0 && stop && !(rc = option(b, "stop", &first)))
                rc = pa__jw_string_array(b, c->stop);
        return rc ? rc : PA__JW_LIT(b, "}");
}

/* The request after its first member (b holds "{" and it); *body owned by
 * the caller. Any failure reads as before the direct writer. */
static int finish_build(const struct pa_engine *e, const struct pa_job *job, struct pa_buf *b,
                        int rc, char **body, struct pa_err *err)
{
        const char *model = e->conf.model;

        if (rc == 0 && !model)
                rc = PA_EINVAL;
        if (rc == 0 && !(rc = PA__JW_LIT(b, ",\"model\":")))
                rc = pa__jw_string(b, model, strlen(model));
        if (rc == 0)
                rc = e->conf.stream ? PA__JW_LIT(b, ",\"stream\":true")
                                    : PA__JW_LIT(b, ",\"stream\":false");
        if (rc == 0 && !(rc = add_options(b, e, job)))
                rc = PA__JW_LIT(b, "}");
        if (rc) {
                pa__buf_release(b);
                return pa_errf(err, PA_ENOMEM, "cannot build request");
        }
        *body = b->p;
        return 0;
}

static int chat_build(const struct pa_engine *e, const struct pa_job *job, char **body,
                      struct pa_err *err)
{
        struct pa_buf b;
        int rc;

        pa__buf_init(&b, SIZE_MAX / 2);
        rc = PA__JW_LIT(&b, "{\"messages\":");
        if (rc == 0)
                rc = pa__jw_messages(&b, job);
        return finish_build(e, job, &b, rc, body, err);
}

/* The system and user text of the job's messages. */
static void generate_parts(const struct pa_job *job, const char **sys, const char **user)
{
        json_t *m;
        size_t i;

        *sys = job->c.system;
        *user = job->c.prompt ? job->c.prompt : "";
        if (!job->messages)
                return;
        *sys = NULL;
        *user = "";
        json_array_foreach(job->messages, i, m)
        {
                const char *role = json_string_value(json_object_get(m, "role"));
                const char *content = json_string_value(json_object_get(m, "content"));

                if (role && content && !strcmp(role, "system"))
                        *sys = content;
                else if (role && content && !strcmp(role, "user"))
                        *user = content;
        }
}

/* /api/generate takes the system prompt apart and applies the model's
 * template itself; the record keeps the same messages as chat. */
static int generate_build(const struct pa_engine *e, const struct pa_job *job, char **body,
                          struct pa_err *err)
{
        const char *sys, *user;
        struct pa_buf b;
        int rc;

        generate_parts(job, &sys, &user);
        pa__buf_init(&b, SIZE_MAX / 2);
        rc = PA__JW_LIT(&b, "{\"prompt\":");
        if (rc == 0 && !(rc = pa__jw_string(&b, user, strlen(user))))
                rc = PA__JW_LIT(&b, ",\"system\":");
        if (rc == 0)
                rc = sys ? pa__jw_string(&b, sys, strlen(sys)) : PA__JW_LIT(&b, "null");
        return finish_build(e, job, &b, rc, body, err);
}

/* What the lines of one answer add up to. */
struct nd {
        struct pa_buf text;
        char *finish_reason, *model;
        long prompt_tokens, completion_tokens;
        bool chat, done;
        size_t lines;
};

static long count(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);

        return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static int set_string(char **dst, const json_t *v)
{
        if (!json_is_string(v))
                return 0;
        free(*dst);
        return (*dst = strdup(json_string_value(v))) ? 0 : PA_ENOMEM;
}

static int nd_object(struct nd *s, const json_t *o, size_t lineno, struct pa_err *err)
{
        const json_t *e = json_object_get(o, "error"), *t;

        if (!json_is_object(o))
                return pa_errf(err, PA_EPROTO, "malformed stream line %zu: not an object", lineno);
        if (e) {
                const char *msg =
                    json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);

                return pa_errf(err, PA_EPROTO, "error in answer: %s", msg ? msg : "(no message)");
        }
        s->lines++;
        t = s->chat ? json_object_get(json_object_get(o, "message"), "content")
                    : json_object_get(o, "response");
        if (json_is_string(t) && pa__buf_add(&s->text, json_string_value(t), json_string_length(t)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (set_string(&s->model, json_object_get(o, "model")))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (json_is_true(json_object_get(o, "done"))) {
                s->done = true;
                s->prompt_tokens = count(o, "prompt_eval_count");
                s->completion_tokens = count(o, "eval_count");
                if (set_string(&s->finish_reason, json_object_get(o, "done_reason")))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        return 0;
}

static int nd_lines(struct nd *s, const char *body, size_t len, struct pa_err *err)
{
        size_t lineno = 0;
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < len && !s->done;) {
                size_t j = i, n;
                json_t *o;

                while (j < len && body[j] != '\n')
                        j++;
                n = j - i;
                lineno++;
                while (n && (body[i + n - 1] == '\r' || body[i + n - 1] == ' '))
                        n--;
                if (n) {
                        if (!(o = json_loadb(body + i, n, 0, NULL)))
                                return pa_errf(err, PA_EPROTO, "malformed stream line %zu", lineno);
                        rc = nd_object(s, o, lineno, err);
                        json_decref(o);
                }
                i = j + 1;
        }
        return rc;
}

static int parse_common(const char *body, size_t len, struct pa_reply *r, bool chat,
                        struct pa_err *err)
{
        struct nd s = {.chat = chat, .prompt_tokens = -1, .completion_tokens = -1};
        json_t *whole;
        size_t i = 0;
        int rc;

        while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
                i++;
        if (i == len)
                return pa_errf(err, PA_EPROTO, "empty answer");
        if (body[i] != '{')
                return pa_errf(err, PA_EPROTO, "answer is not JSON: '%.*s'",
                               (int)(len - i < 40 ? len - i : 40), body + i);
        pa__buf_init(&s.text, len + 1);
        /* One object (stream: false), else one object a line. */
        if ((whole = json_loadb(body, len, 0, NULL))) {
                rc = nd_object(&s, whole, 1, err);
                json_decref(whole);
        } else {
                rc = nd_lines(&s, body, len, err);
        }
        if (rc == 0 && !s.done)
                rc = pa_errf(err, PA_EPROTO,
                             "truncated stream: no line with \"done\": true after %zu lines",
                             s.lines);
        if (rc == 0 && !s.text.p && pa__buf_add(&s.text, "", 0))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        if (rc == 0) {
                r->text = s.text.p;
                r->len = s.text.len;
                s.text.p = NULL;
                r->finish_reason = s.finish_reason;
                r->model = s.model;
                s.finish_reason = s.model = NULL;
                r->prompt_tokens = s.prompt_tokens;
                r->completion_tokens = s.completion_tokens;
        }
        pa__buf_release(&s.text);
        free(s.finish_reason);
        free(s.model);
        return rc;
}

static int chat_parse(const struct pa_engine *e, const char *body, size_t len, struct pa_reply *r,
                      struct pa_err *err)
{
        (void)e;
        return parse_common(body, len, r, true, err);
}

static int generate_parse(const struct pa_engine *e, const char *body, size_t len,
                          struct pa_reply *r, struct pa_err *err)
{
        (void)e;
        return parse_common(body, len, r, false, err);
}

/* POST /api/show: details, scalar model_info, parameters, hashes of the
 * template and Modelfile. */
static void identify_show(const struct pa_engine *e, const char *root, json_t *id, json_t *out)
{
        char *url = pa__url_join(root, "/api/show"), *req, hex[PA_SHA256_HEX];
        json_t *show, *info = json_object(), *v, *ask = json_pack("{s:s}", "model", e->conf.model);
        static const char *const hashed[] = {"template", "modelfile"};
        const char *k;

        req = ask ? json_dumps(ask, JSON_COMPACT) : NULL;
        json_decref(ask);
        show = url && req ? pa__probe(e, id, url, req, NULL) : NULL;
        if (json_is_object(show) && info) {
                json_object_foreach(json_object_get(show, "model_info"), k,
                                    v) if (!json_is_array(v) && !json_is_object(v))
                    json_object_set(info, k, v);
                json_object_set(out, "model_info", info);
                if ((v = json_object_get(show, "details")))
                        json_object_set(out, "details", v);
                if ((v = json_object_get(show, "parameters")))
                        json_object_set(out, "parameters", v);
                if ((v = json_object_get(show, "modified_at")))
                        json_object_set(out, "modified_at", v);
                for (size_t i = 0; i < 2; i++) {
                        const char *s = json_string_value(json_object_get(show, hashed[i]));
                        char key[32];

                        if (!s)
                                continue;
                        pa__sha256_hex(s, strlen(s), hex);
                        snprintf(key, sizeof(key), "%s_sha256", hashed[i]);
                        json_object_set_new(out, key, json_string(hex));
                }
        }
        json_decref(info);
        json_decref(show);
        free(req);
        free(url);
}

/* GET /api/tags: the model's digest ("llama3.2" is "llama3.2:latest"). */
static void identify_tags(const struct pa_engine *e, const char *root, json_t *id, json_t *out)
{
        char *url = pa__url_join(root, "/api/tags");
        json_t *tags = url ? pa__probe(e, id, url, NULL, NULL) : NULL, *m;
        size_t i, n = strlen(e->conf.model);

        json_array_foreach(json_object_get(tags, "models"), i, m)
        {
                const char *name = json_string_value(json_object_get(m, "name"));

                if (!name || (strcmp(name, e->conf.model) &&
                              (strncmp(name, e->conf.model, n) || strcmp(name + n, ":latest"))))
                        continue;
                json_object_set(out, "name", json_object_get(m, "name"));
                if (json_object_get(m, "digest"))
                        json_object_set(out, "digest", json_object_get(m, "digest"));
                if (json_object_get(m, "size"))
                        json_object_set(out, "size", json_object_get(m, "size"));
                break;
        }
        json_decref(tags);
        free(url);
}

static void ollama_identify(const struct pa_engine *e, json_t *id)
{
        char *root = pa__url_root(e->conf.base_url),
             *url = root ? pa__url_join(root, "/api/version") : NULL;
        json_t *out = json_object(), *ver = url ? pa__probe(e, id, url, NULL, NULL) : NULL;

        if (out && root) {
                if (json_is_string(json_object_get(ver, "version")))
                        json_object_set(out, "version", json_object_get(ver, "version"));
                identify_tags(e, root, id, out);
                identify_show(e, root, id, out);
                json_object_set(id, "ollama", out);
        }
        json_decref(ver);
        json_decref(out);
        free(url);
        free(root);
}

const struct pa_engine_ops pa_engine_ollama_chat = {
    .name = "ollama-chat",
    .summary = "Ollama native /api/chat (--base-url http://127.0.0.1:11434, no /v1)",
    .http = true,
    .path = "/api/chat",
    .models_path = "/api/tags",
    .open = ollama_open,
    .build = chat_build,
    .parse = chat_parse,
    .identify = ollama_identify,
};

const struct pa_engine_ops pa_engine_ollama_generate = {
    .name = "ollama-generate",
    .summary = "Ollama native /api/generate (prompt and system apart; the model's template)",
    .http = true,
    .path = "/api/generate",
    .models_path = "/api/tags",
    .open = ollama_open,
    .build = generate_build,
    .parse = generate_parse,
    .identify = ollama_identify,
    .single_turn = true,
};
