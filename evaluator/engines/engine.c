/* The engine family: the table, opening, and what all engines share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "parity/engine.h"
#include "engine_tls.h"
#include "evaluator/util/util.h"

/* engine_auth.c */
int pa__engine_auth(struct pa_engine *e, struct pa_err *err);
void pa__engine_auth_release(struct pa_engine *e);

extern const struct pa_engine_ops pa_engine_openai_chat;
extern const struct pa_engine_ops pa_engine_openai_completions;
extern const struct pa_engine_ops pa_engine_sim;
extern const struct pa_engine_ops pa_engine_ollama_chat;
extern const struct pa_engine_ops pa_engine_ollama_generate;
extern const struct pa_engine_ops pa_engine_exec;
extern const struct pa_engine_ops pa_engine_replay;
extern const struct pa_engine_ops pa_engine_openai_loglik;

static const struct pa_engine_ops *const engine_table[] = {
    &pa_engine_openai_chat,
    &pa_engine_openai_completions,
    &pa_engine_ollama_chat,
    &pa_engine_ollama_generate,
    &pa_engine_exec,
    &pa_engine_replay,
    &pa_engine_sim,
    &pa_engine_openai_loglik,
    NULL,
};

const struct pa_engine_ops *const *pa_engine_list(void)
{
        return engine_table;
}

const struct pa_engine_ops *pa_engine_find(const char *name)
{
        for (size_t i = 0; engine_table[i]; i++)
                if (!strcmp(engine_table[i]->name, name))
                        return engine_table[i];
        return NULL;
}

/* base + ops->path, without doubled slashes; NULL on bad input. */
static int endpoint_url(const struct pa_engine *e, const char *base, char **out, struct pa_err *err)
{
        size_t n;

        if (!base || !*base)
                return pa_errf(err, PA_EINVAL,
                               "engine '%s' needs --base-url (e.g. http://127.0.0.1:8080/v1)",
                               e->ops->name);
        if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
                return pa_errf(err, PA_EINVAL, "--base-url '%s': expected http:// or https://",
                               base);
        n = strlen(base);
        while (n && base[n - 1] == '/')
                n--;
        if (!(*out = malloc(n + strlen(e->ops->path) + 1)))
                return PA_ENOMEM;
        memcpy(*out, base, n);
        strcpy(*out + n, e->ops->path);
        return 0;
}

static int open_http(struct pa_engine *e, struct pa_err *err)
{
        size_t n = 1 + e->conf.n_more_urls;
        int rc;

        if (e->conf.api_key_env) {
                const char *key = getenv(e->conf.api_key_env);

                if (!key || !*key)
                        return pa_errf(err, PA_EINVAL,
                                       "--api-key-env %s: the variable is not set or empty",
                                       e->conf.api_key_env);
                if (!(e->api_key = strdup(key)))
                        return PA_ENOMEM;
        }
        if ((rc = pa__engine_auth(e, err)) || (rc = pa__engine_tls(e, err)))
                return rc;
        if (!(e->urls = calloc(n, sizeof(*e->urls))))
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *base = i ? e->conf.more_urls[i - 1] : e->conf.base_url;

                if ((rc = endpoint_url(e, base, &e->urls[i], err)))
                        return rc;
                e->n_urls++;
        }
        e->url = e->urls[0];
        return 0;
}

int pa_engine_open(struct pa_engine *e, const struct pa_engine_conf *conf, struct pa_err *err)
{
        int rc = 0;

        memset(e, 0, sizeof(*e));
        e->conf = *conf;
        e->ops = pa_engine_find(conf->name);
        if (!e->ops)
                return pa_errf(err, PA_EINVAL, "unknown engine '%s' (parity engines lists them)",
                               conf->name);
        if (e->ops->http)
                rc = open_http(e, err);
        if (rc == 0 && e->ops->open)
                rc = e->ops->open(e, err);
        return rc;
}

void pa_engine_close(struct pa_engine *e)
{
        if (!e)
                return;
        if (e->ops && e->ops->close)
                e->ops->close(e);
        if (e->api_key)
                memset(e->api_key, 0, strlen(e->api_key));
        free(e->api_key);
        pa__engine_auth_release(e);
        for (size_t i = 0; i < e->n_urls; i++)
                free(e->urls[i]);
        free(e->urls);
        e->api_key = e->url = NULL;
        e->urls = NULL;
        e->n_urls = 0;
}

static json_t *message(const char *role, const char *content)
{
        return json_pack("{s:s, s:s}", "role", role, "content", content);
}

json_t *pa_job_messages(const struct pa_job *job)
{
        const struct pa_case *c = &job->c;
        json_t *m;

        if (job->messages)
                return json_incref(job->messages);
        if (!(m = json_array()))
                return NULL;
        if ((c->system && json_array_append_new(m, message("system", c->system))) ||
            json_array_append_new(m, message("user", c->prompt))) {
                json_decref(m);
                return NULL;
        }
        return m;
}

/* The last seed this thread computed: the group variants of one
 * counterfactual set ask for the same seed one after another. */
static _Thread_local struct {
        bool valid;
        uint64_t base, seed;
        unsigned sample;
        char id[128];
} last_seed;

int pa_sample_seed(uint64_t base, const char *item_id, unsigned sample, uint64_t *out)
{
        static const char tag[] = "parity-seed-1";
        char b[24], k[16], hex[PA_SHA256_HEX], small[256], *key = small;
        size_t lb, li = strlen(item_id), lk, n;
        uint64_t v = 0;

        if (last_seed.valid && last_seed.base == base && last_seed.sample == sample &&
            li < sizeof(last_seed.id) && !memcmp(last_seed.id, item_id, li + 1)) {
                *out = last_seed.seed;
                return 0;
        }

        lb = (size_t)snprintf(b, sizeof(b), "%llu", (unsigned long long)base);
        lk = (size_t)snprintf(k, sizeof(k), "%u", sample);
        /* Each part with its NUL but the last, so ("1","23") != ("12","3");
         * hashed in one piece (a request's seed: no digest set up anew). */
        n = sizeof(tag) + lb + 1 + li + 1 + lk;
        if (n > sizeof(small) && !(key = malloc(n)))
                return PA_ENOMEM;
        memcpy(key, tag, sizeof(tag));
        memcpy(key + sizeof(tag), b, lb + 1);
        memcpy(key + sizeof(tag) + lb + 1, item_id, li + 1);
        memcpy(key + sizeof(tag) + lb + 1 + li + 1, k, lk);
        pa__sha256_hex(key, n, hex);
        if (key != small)
                free(key);
        for (int i = 0; i < 16; i++)
                v = v << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
        *out = v & PA_SEED_MASK;
        last_seed.valid = li < sizeof(last_seed.id);
        if (last_seed.valid) {
                last_seed.base = base;
                last_seed.sample = sample;
                last_seed.seed = *out;
                memcpy(last_seed.id, item_id, li + 1);
        }
        return 0;
}

int pa_job_init(struct pa_job *job, const struct pa_engine *e, unsigned sample)
{
        const struct pa_case *c = &job->c;

        job->sample = sample;
        /* The item, not the case: every group variant shares the seed. A job
         * without an item (tests, canaries) hashes the empty id. */
        if (pa_sample_seed(e->conf.seed, c->item ? c->item->id : "", sample, &job->seed))
                return PA_ENOMEM;
        /* Built only on demand now (pa_job_messages()); the hot path writes
         * the case's messages directly. An item's own turns are used as
         * they are. */
        job->messages = c->messages ? json_incref(c->messages) : NULL;
        if (e->ops->flat_prompt) {
                /* Completion endpoints have no roles: system text, blank line, prompt. */
                size_t ls = c->system ? strlen(c->system) : 0, lp = strlen(c->prompt);

                if (!(job->prompt = malloc(ls + lp + 3)))
                        return PA_ENOMEM;
                if (ls) {
                        memcpy(job->prompt, c->system, ls);
                        memcpy(job->prompt + ls, "\n\n", 2);
                        ls += 2;
                }
                memcpy(job->prompt + ls, c->prompt, lp + 1);
        }
        return 0;
}

int pa_engine_check_suite(const struct pa_engine *e, const struct pa_suite *s, struct pa_err *err)
{
        if (!s->has_messages)
                return 0;
        if (e->ops->single_turn || (e->ops->flat_prompt && !e->ops->chat_prompt))
                return pa_errf(err, PA_ENOTSUP,
                               "engine '%s' sends one prompt, not turns: suite '%s' has items with "
                               "messages; use a chat engine (openai-chat, ollama-chat)",
                               e->ops->name, s->id);
        return 0;
}

int pa_job_chat_prompt(struct pa_job *job, const struct pa_engine *e, struct pa_err *err)
{
        char *prompt = NULL;
        int rc;

        if (!job->c.messages || !e->ops->flat_prompt)
                return 0;
        if (!e->ops->chat_prompt)
                return pa_errf(err, PA_ENOTSUP, "engine '%s' cannot send turns", e->ops->name);
        if ((rc = e->ops->chat_prompt(e, job->c.messages, &prompt, err)))
                return rc;
        free(job->prompt);
        job->prompt = prompt;
        return 0;
}

void pa_job_release(struct pa_job *job)
{
        if (!job)
                return;
        pa_case_release(&job->c);
        json_decref(job->messages);
        free(job->prompt);
        job->messages = NULL;
        job->prompt = NULL;
}

void pa_reply_release(struct pa_reply *r)
{
        if (!r)
                return;
        free(r->text);
        free(r->finish_reason);
        free(r->model);
        free(r->error);
        free(r->attempts);
        free(r->judge);
        memset(r, 0, sizeof(*r));
}

char *pa_error_message(const char *body, size_t len)
{
        json_t *root = json_loadb(body, len, 0, NULL);
        json_t *e = json_object_get(root, "error");
        const char *msg = json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);
        char *out;

        /* vLLM: {"object": "error", "message": ..., "type": ..., "code": ...} */
        if (!msg && !e)
                msg = json_string_value(json_object_get(root, "message"));
        out = msg ? strdup(msg) : NULL;

        json_decref(root);
        return out;
}
