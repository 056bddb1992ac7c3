/* OpenAI-compatible engines: /v1/chat/completions and /v1/completions, as
 * served by vLLM, SGLang, llama.cpp's server, LM Studio, LiteLLM,
 * OpenRouter and TGI's Messages API: the requests, the JSON answer, the
 * identity probes and the two engine descriptors.
 *
 * With conf.stream the request asks for server-sent events, which
 * openai_sse.c reads. Which parser runs is decided by the body, not the
 * request: a server that ignores "stream" and answers JSON is understood,
 * and so is one that streams unasked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "identity.h"
#include "evaluator/json/jscan.h"
#include "evaluator/json/jsonw.h"
#include "openai.h"
#include "evaluator/util/util.h"

/* Generation parameters shared by both routes, after the first key, as
 * json_dumps(JSON_COMPACT) wrote the jansson request they were once built
 * as (tests/test_jsonw.c compares). Unset ones are left out so the
 * server's defaults apply, as with the OpenAI SDK. */
static int add_params(struct pa_buf *b, const struct pa_engine *e, const struct pa_job *job)
{
        const struct pa_engine_conf *c = &e->conf;
        int rc = 0;

        if (c->model && !(rc = PA__JW_LIT(b, ",\"model\":")))
                rc = pa__jw_string(b, c->model, strlen(c->model));
        if (rc == 0 && c->has_temperature && !(rc = PA__JW_LIT(b, ",\"temperature\":")))
                rc = pa__jw_real(b, c->temperature, 17);
        if (rc == 0 && c->has_top_p && !(rc = PA__JW_LIT(b, ",\"top_p\":")))
                rc = pa__jw_real(b, c->top_p, 17);
        if (rc == 0 && c->max_tokens > 0 && !(rc = PA__JW_LIT(b, ",\"max_tokens\":")))
                rc = pa__jw_int(b, c->max_tokens);
        if (rc == 0 && c->stop && json_array_size(c->stop) && !(rc = PA__JW_LIT(b, ",\"stop\":")))
                rc = pa__jw_string_array(b, c->stop);
        if (rc == 0)
                rc = c->stream ? PA__JW_LIT(b, ",\"stream\":true")
                               : PA__JW_LIT(b, ",\"stream\":false");
        /* The usage chunk is opt-in on OpenAI and vLLM; llama.cpp always sends it. */
        if (rc == 0 && c->stream)
                rc = PA__JW_LIT(b, ",\"stream_options\":{\"include_usage\":true}");
        /* Each sample has its own seed, so repeated samples are distinct draws. */
        if (rc == 0 && c->has_seed && !(rc = PA__JW_LIT(b, ",\"seed\":")))
                rc = pa__jw_int(b, (long long)(job->seed & INT64_MAX));
        return rc;
}

/* {"messages": ...} or {"prompt": ...}, then the parameters; *body owned
 * by the caller. Any failure reads as before the direct writer, when
 * jansson refused a value (invalid UTF-8) or memory ran out. */
static int build(const struct pa_engine *e, const struct pa_job *job, bool chat, char **body,
                 struct pa_err *err)
{
        const struct pa_case *c = &job->c;
        size_t guess = 256 + (e->conf.model ? strlen(e->conf.model) : 0);
        struct pa_buf b;
        int rc;

        guess += chat ? (c->prompt ? strlen(c->prompt) : 0) + (c->system ? strlen(c->system) : 0)
                      : strlen(job->prompt);
        pa__buf_init(&b, SIZE_MAX / 2);
        rc = pa__buf_reserve(&b, guess);
        if (rc == 0)
                rc = chat ? PA__JW_LIT(&b, "{\"messages\":") : PA__JW_LIT(&b, "{\"prompt\":");
        if (rc == 0)
                rc = chat ? pa__jw_messages(&b, job)
                          : pa__jw_string(&b, job->prompt, strlen(job->prompt));
        if (rc == 0 && (rc = add_params(&b, e, job)) == 0)
                rc = PA__JW_LIT(&b, "}");
        if (rc) {
                pa__buf_release(&b);
                return pa_errf(err, PA_ENOMEM, "cannot build request");
        }
        *body = b.p;
        return 0;
}

static int chat_build(const struct pa_engine *e, const struct pa_job *job, char **body,
                      struct pa_err *err)
{
        return build(e, job, true, body, err);
}

static int completions_build(const struct pa_engine *e, const struct pa_job *job, char **body,
                             struct pa_err *err)
{
        if (!job->prompt)
                return pa_errf(err, PA_ENOMEM, "cannot build request");
        return build(e, job, false, body, err);
}

static char *dup_string(const json_t *v)
{
        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

long pa__openai_usage_field(const json_t *usage, const char *key)
{
        const json_t *v = json_object_get(usage, key);

        return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The "error" of an answer that carries one instead of choices. */
int pa__openai_answer_error(const json_t *root, struct pa_err *err)
{
        const json_t *e = json_object_get(root, "error");
        const char *msg = json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);

        return pa_errf(err, PA_EPROTO, "error in answer: %s", msg ? msg : "(no message)");
}

/* A string value found by the scanner, decoded once the whole text has
 * proved valid. */
struct found {
        struct pa__js at; /* at.p NULL: absent or not a string */
        size_t len;
};

/* What fast_parse() looks for: the values parse_jansson() reads. */
struct answer {
        bool chat;
        struct found text, finish_reason, model;
        long prompt_tokens, completion_tokens;
};

static int want_string(struct pa__js *s, struct found *f)
{
        if (pa__js_peek(s) != '"')
                return pa__js_skip(s);
        f->at = *s;
        return pa__js_string(s, NULL, 0, &f->len);
}

static int want_count(struct pa__js *s, long *out)
{
        int c = pa__js_peek(s);
        long long v;
        bool is_int;

        if (c != '-' && (c < '0' || c > '9'))
                return pa__js_skip(s);
        if (pa__js_number(s, &v, &is_int))
                return PA_EPROTO;
        *out = is_int ? (long)v : -1;
        return 0;
}

/* Reads the value of keys[k] at the cursor. */
typedef int (*member_fn)(struct pa__js *s, struct answer *a, size_t k);

/* The members of the object at the cursor (anything else is skipped): fn
 * reads those named in keys[], the others are skipped. */
static int walk_object(struct pa__js *s, struct answer *a, const char *const *keys, size_t n,
                       member_fn fn)
{
        struct pa__js_iter it = {0};
        size_t k;
        int rc;

        if (pa__js_peek(s) != '{')
                return pa__js_skip(s);
        while ((rc = pa__js_member(s, &it, keys, n, &k)) > 0)
                if ((rc = k < n ? fn(s, a, k) : pa__js_skip(s)))
                        return rc;
        return rc;
}

static int usage_member(struct pa__js *s, struct answer *a, size_t k)
{
        return want_count(s, k == 0 ? &a->prompt_tokens : &a->completion_tokens);
}

static int message_member(struct pa__js *s, struct answer *a, size_t k)
{
        (void)k;
        return want_string(s, &a->text);
}

/* choices[0]: message.content (chat) or text, and finish_reason. */
static int choice_member(struct pa__js *s, struct answer *a, size_t k)
{
        static const char *const message_keys[] = {"content"};

        if (k == 1)
                return want_string(s, &a->finish_reason);
        return a->chat ? walk_object(s, a, message_keys, 1, message_member)
                       : want_string(s, &a->text);
}

/* choices: only the first is read. */
static int walk_choices(struct pa__js *s, struct answer *a)
{
        static const char *const chat_keys[] = {"message", "finish_reason"};
        static const char *const text_keys[] = {"text", "finish_reason"};
        const char *const *keys = a->chat ? chat_keys : text_keys;
        struct pa__js_iter it = {0};
        int rc;

        if (pa__js_peek(s) != '[')
                return pa__js_skip(s);
        while ((rc = pa__js_element(s, &it)) > 0)
                if ((rc = it.n == 1 ? walk_object(s, a, keys, 2, choice_member) : pa__js_skip(s)))
                        return rc;
        return rc;
}

static int root_member(struct pa__js *s, struct answer *a, size_t k)
{
        static const char *const usage_keys[] = {"prompt_tokens", "completion_tokens"};

        if (k == 0)
                return walk_choices(s, a);
        if (k == 1)
                return want_string(s, &a->model);
        return walk_object(s, a, usage_keys, 2, usage_member);
}

/* A decoded copy of a found string, NULL when there is none; *ok turns
 * false when out of memory. */
static char *decode(const struct found *f, bool *ok)
{
        struct pa__js s = f->at;
        size_t n;
        char *out;

        if (!f->at.p)
                return NULL;
        if (!(out = malloc(f->len + 1))) {
                *ok = false;
                return NULL;
        }
        (void)pa__js_string(&s, out, f->len, &n); /* cannot fail: the walk validated it */
        out[f->len] = '\0';
        return out;
}

/* parse_json() without jansson, in one validating pass: 1 when r is
 * filled; 0 when jansson must decide: malformed or unusual text, or no
 * text, whose errors parse_jansson() words. */
static int fast_parse(const char *body, size_t len, struct pa_reply *r, bool chat)
{
        static const char *const root_keys[] = {"choices", "model", "usage"};
        struct answer a = {.chat = chat, .prompt_tokens = -1, .completion_tokens = -1};
        struct pa__js s;
        bool ok = true;

        pa__js_init(&s, body, len);
        if (pa__js_peek(&s) != '{' || walk_object(&s, &a, root_keys, 3, root_member) ||
            pa__js_end(&s) || !a.text.at.p)
                return 0;
        r->text = decode(&a.text, &ok);
        r->len = a.text.len;
        r->finish_reason = decode(&a.finish_reason, &ok);
        r->model = decode(&a.model, &ok);
        r->prompt_tokens = a.prompt_tokens;
        r->completion_tokens = a.completion_tokens;
        if (ok)
                return 1;
        free(r->text);
        free(r->finish_reason);
        free(r->model);
        r->text = r->finish_reason = r->model = NULL;
        return PA_ENOMEM;
}

/* Both routes answer {"choices": [...], "model", "usage"}; only where the
 * text sits differs. */
static int parse_jansson(const char *body, size_t len, struct pa_reply *r, bool chat,
                         struct pa_err *err)
{
        json_error_t je;
        json_t *root = json_loadb(body, len, 0, &je);
        json_t *choice, *text, *usage;
        int rc = 0;

        if (!root)
                return pa_errf(err, PA_EPROTO, "malformed JSON in answer: %d:%d: %s", je.line,
                               je.column, je.text);
        choice = json_array_get(json_object_get(root, "choices"), 0);
        text = chat ? json_object_get(json_object_get(choice, "message"), "content")
                    : json_object_get(choice, "text");
        if (!json_is_string(text)) {
                rc = json_object_get(root, "error") && !choice
                         ? pa__openai_answer_error(root, err)
                         : pa_errf(err, PA_EPROTO, "answer has no %s",
                                   chat ? "choices[0].message.content" : "choices[0].text");
                goto out;
        }
        r->len = json_string_length(text);
        r->text = malloc(r->len + 1);
        if (!r->text) {
                rc = PA_ENOMEM;
                goto out;
        }
        memcpy(r->text, json_string_value(text), r->len + 1);
        r->finish_reason = dup_string(json_object_get(choice, "finish_reason"));
        r->model = dup_string(json_object_get(root, "model"));
        usage = json_object_get(root, "usage");
        r->prompt_tokens = pa__openai_usage_field(usage, "prompt_tokens");
        r->completion_tokens = pa__openai_usage_field(usage, "completion_tokens");
out:
        json_decref(root);
        return rc;
}

static int parse_json(const char *body, size_t len, struct pa_reply *r, bool chat,
                      struct pa_err *err)
{
        int rc = fast_parse(body, len, r, chat);

        if (rc == 0)
                return parse_jansson(body, len, r, chat, err);
        return rc == 1 ? 0 : pa_errf(err, rc, "out of memory");
}

enum body_kind { BODY_JSON, BODY_SSE, BODY_OTHER };

static enum body_kind sniff(const char *b, size_t len, size_t *skip)
{
        static const char *const sse[] = {"data:", ":", "event:", "id:", "retry:"};
        size_t i = 0;

        if (len >= 3 && !memcmp(b, "\xef\xbb\xbf", 3))
                i = 3;
        while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
                i++;
        *skip = i;
        if (i < len && (b[i] == '{' || b[i] == '['))
                return BODY_JSON;
        for (size_t k = 0; k < sizeof(sse) / sizeof(*sse); k++)
                if (len - i >= strlen(sse[k]) && !memcmp(b + i, sse[k], strlen(sse[k])))
                        return BODY_SSE;
        return BODY_OTHER;
}

static int parse_any(const char *body, size_t len, struct pa_reply *r, bool chat,
                     struct pa_err *err)
{
        char head[41];
        size_t skip, n;

        switch (sniff(body, len, &skip)) {
        case BODY_JSON:
                return parse_json(body, len, r, chat, err);
        case BODY_SSE:
                return pa__openai_parse_sse(body + skip, len - skip, r, chat, err);
        default:
                break;
        }
        if (skip == len)
                return pa_errf(err, PA_EPROTO, "empty answer");
        n = len - skip < sizeof(head) - 1 ? len - skip : sizeof(head) - 1;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)body[skip + i];

                head[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        head[n] = '\0';
        return pa_errf(err, PA_EPROTO, "answer is neither JSON nor an event stream: '%s'", head);
}

static int chat_parse(const struct pa_engine *e, const char *body, size_t len, struct pa_reply *r,
                      struct pa_err *err)
{
        (void)e;
        return parse_any(body, len, r, true, err);
}

static int completions_parse(const struct pa_engine *e, const char *body, size_t len,
                             struct pa_reply *r, struct pa_err *err)
{
        (void)e;
        return parse_any(body, len, r, false, err);
}

/* GET {base}/models: the ids (at most 100) and the entry of the requested
 * model, or of the only one, with llama.cpp's "meta" (n_params...). */
static void identify_models(const struct pa_engine *e, json_t *id)
{
        char *url = pa__url_join(e->conf.base_url, "/models");
        json_t *root = url ? pa__probe(e, id, url, NULL, NULL) : NULL;
        json_t *data = json_object_get(root, "data"), *m, *ids = json_array(), *served = NULL;
        size_t i;

        json_array_foreach(data, i, m)
        {
                const char *mid = json_string_value(json_object_get(m, "id"));

                if (mid && i < 100)
                        json_array_append_new(ids, json_string(mid));
                if (mid && e->conf.model && !strcmp(mid, e->conf.model))
                        served = m;
        }
        if (!served && json_array_size(data) == 1)
                served = json_array_get(data, 0);
        if (json_is_array(data))
                json_object_set_new(id, "models",
                                    json_pack("{s:I, s:O, s:O?}", "count",
                                              (json_int_t)json_array_size(data), "ids", ids,
                                              "served", served));
        json_decref(ids);
        json_decref(root);
        free(url);
}

/* llama.cpp's GET /props (beside /v1): build, slots, context, the model
 * file's name (not its path: it may hold a user name), template hash. */
static void identify_props(const struct pa_engine *e, json_t *id)
{
        char *root = pa__url_root(e->conf.base_url),
             *url = root ? pa__url_join(root, "/props") : NULL;
        json_t *p = url ? pa__probe(e, id, url, NULL, NULL) : NULL, *out = json_object(), *v;
        const char *path = json_string_value(json_object_get(p, "model_path"));
        const char *tmpl = json_string_value(json_object_get(p, "chat_template"));
        char hex[PA_SHA256_HEX];

        if (json_is_object(p) && out) {
                if (path)
                        json_object_set_new(out, "model_file", json_string(pa__basename(path)));
                if ((v = json_object_get(p, "build_info")))
                        json_object_set(out, "build_info", v);
                if ((v = json_object_get(p, "total_slots")))
                        json_object_set(out, "total_slots", v);
                v = json_object_get(json_object_get(p, "default_generation_settings"), "n_ctx");
                if (v || (v = json_object_get(p, "n_ctx")))
                        json_object_set(out, "n_ctx", v);
                if (tmpl) {
                        pa__sha256_hex(tmpl, strlen(tmpl), hex);
                        json_object_set_new(out, "chat_template_sha256", json_string(hex));
                }
                json_object_set(id, "props", out);
        }
        json_decref(out);
        json_decref(p);
        free(url);
        free(root);
}

void pa__openai_identify(const struct pa_engine *e, json_t *id)
{
        identify_models(e, id);
        identify_props(e, id);
}

const struct pa_engine_ops pa_engine_openai_chat = {
    .name = "openai-chat",
    .summary = "OpenAI-compatible /v1/chat/completions (vLLM, llama.cpp, SGLang, LiteLLM...)",
    .http = true,
    .path = "/chat/completions",
    .build = chat_build,
    .parse = chat_parse,
    .identify = pa__openai_identify,
};

const struct pa_engine_ops pa_engine_openai_completions = {
    .name = "openai-completions",
    .summary = "OpenAI-compatible /v1/completions (raw prompt: system, blank line, user)",
    .http = true,
    .flat_prompt = true,
    .path = "/completions",
    .build = completions_build,
    .parse = completions_parse,
    .identify = pa__openai_identify,
    .chat_prompt = pa__openai_apply_template,
};
