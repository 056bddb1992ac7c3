/* The direct JSON writer (evaluator/json/jsonw.c) against jansson: strings and
 * reals as json_dumps() writes them, and the request bodies of the OpenAI
 * and Ollama engines byte for byte as the jansson requests they were once
 * built as, over settings, system messages, and prompts with quotes,
 * control bytes and non-ASCII text; the chat messages and cache keys as
 * before jobs stopped carrying jansson messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "evaluator/run/cache.h"
#include "evaluator/json/jsonw.h"

static const char *const prompts[] = {
    "Capital of France?",
    "He said \"yes\" \\ then\n\tno\r\b\f and \x01\x1f\x7f end / slash",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 na\xc3\xafve \xef\xbf\xbf",
    "",
};

static const char *const systems[] = {NULL, "Be brief.", "", "Say \"x\"\n\xc3\xa9"};

/* The messages pa_job_init() built before they were written directly. */
static json_t *old_messages(const char *system, const char *prompt)
{
        json_t *m = json_array();

        if (system)
                json_array_append_new(m,
                                      json_pack("{s:s, s:s}", "role", "system", "content", system));
        json_array_append_new(m, json_pack("{s:s, s:s}", "role", "user", "content", prompt));
        return m;
}

static char *old_flat(const char *system, const char *prompt)
{
        char *p = malloc(strlen(prompt) + (system ? strlen(system) : 0) + 3);

        sprintf(p, "%s%s%s", system && *system ? system : "", system && *system ? "\n\n" : "",
                prompt);
        return p;
}

/* openai.c's add_params() and finish_build() before the direct writer. */
static char *old_openai(const struct pa_engine *e, const struct pa_job *job, json_t *req)
{
        const struct pa_engine_conf *c = &e->conf;
        char *body;

        if (c->model)
                json_object_set_new(req, "model", json_string(c->model));
        if (c->has_temperature)
                json_object_set_new(req, "temperature", json_real(c->temperature));
        if (c->has_top_p)
                json_object_set_new(req, "top_p", json_real(c->top_p));
        if (c->max_tokens > 0)
                json_object_set_new(req, "max_tokens", json_integer(c->max_tokens));
        if (c->stop && json_array_size(c->stop))
                json_object_set(req, "stop", (json_t *)c->stop);
        json_object_set_new(req, "stream", json_boolean(c->stream));
        if (c->stream)
                json_object_set_new(req, "stream_options", json_pack("{s:b}", "include_usage", 1));
        if (c->has_seed)
                json_object_set_new(req, "seed", json_integer((json_int_t)(job->seed & INT64_MAX)));
        body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        return body;
}

/* ollama.c's options() and finish_build() before the direct writer. */
static char *old_ollama(const struct pa_engine *e, const struct pa_job *job, json_t *req)
{
        const struct pa_engine_conf *c = &e->conf;
        json_t *o = json_object();
        char *body;

        if (c->has_temperature)
                json_object_set_new(o, "temperature", json_real(c->temperature));
        if (c->has_top_p)
                json_object_set_new(o, "top_p", json_real(c->top_p));
        if (c->max_tokens > 0)
                json_object_set_new(o, "num_predict", json_integer(c->max_tokens));
        if (c->has_seed)
                json_object_set_new(o, "seed", json_integer((json_int_t)(job->seed & INT64_MAX)));
        if (c->stop && json_array_size(c->stop))
                json_object_set(o, "stop", (json_t *)c->stop);
        json_object_set_new(req, "model", json_string(c->model));
        json_object_set_new(req, "stream", json_boolean(c->stream));
        if (json_object_size(o))
                json_object_set(req, "options", o);
        body = json_dumps(req, JSON_COMPACT);
        json_decref(o);
        json_decref(req);
        return body;
}

static char *old_body(const struct pa_engine *e, const struct pa_job *job, const char *system,
                      const char *prompt)
{
        const char *name = e->ops->name;
        json_t *m = old_messages(system, prompt);
        char *body, *flat = old_flat(system, prompt);

        if (!strcmp(name, "openai-chat"))
                body = old_openai(e, job, json_pack("{s:O}", "messages", m));
        else if (!strcmp(name, "openai-completions"))
                body = old_openai(e, job, json_pack("{s:s}", "prompt", flat));
        else if (!strcmp(name, "ollama-chat"))
                body = old_ollama(e, job, json_pack("{s:O}", "messages", m));
        else
                body = old_ollama(e, job,
                                  json_pack("{s:s, s:s?}", "prompt", prompt, "system", system));
        json_decref(m);
        free(flat);
        return body;
}

/* A job as pa_job_init() makes it, from a case with only its text. */
static void make_job(struct pa_job *job, const struct pa_engine *e, const char *system,
                     const char *prompt, unsigned sample)
{
        memset(job, 0, sizeof(*job));
        job->c.system = (char *)system;
        job->c.prompt = (char *)prompt;
        assert_int_equal(pa_job_init(job, e, sample), 0);
}

static void drop_job(struct pa_job *job)
{
        json_decref(job->messages);
        free(job->prompt);
}

/* Settings number k of a sweep over what the request holds. */
static void conf_of(struct pa_engine_conf *c, unsigned k, const json_t *stop)
{
        static const double temps[] = {0, 0.7, 1, 1e-5, 2.5, 1e22, 0.1 + 0.2};

        c->model = k % 5 == 4 ? NULL : k % 2 ? "m\"1 \xc3\xa9" : "stub-model";
        c->has_temperature = k % 3 != 0;
        c->temperature = temps[k % 7];
        c->has_top_p = k % 4 == 1;
        c->top_p = k % 8 == 1 ? 1 : 0.95;
        c->max_tokens = k % 6 == 0 ? -1 : (long)k * 7;
        c->stop = k % 5 == 2 ? NULL : stop;
        c->stream = k % 2 == 0;
        c->has_seed = k % 7 != 3;
        c->seed = k % 3 ? 42 : UINT64_MAX - 3;
}

static void bodies_match_old(void **state)
{
        static const char *const names[] = {"openai-chat", "openai-completions", "ollama-chat",
                                            "ollama-generate"};
        json_t *stops[] = {
            json_pack("[]"),
            json_pack("[s]", "\n"),
            json_pack("[s, s, s]", "\"q\"", "\xc3\xa9\x01", "</s>"),
        };

        (void)state;
        for (size_t n = 0; n < 4; n++) {
                for (unsigned k = 0; k < 84; k++) {
                        struct pa_engine e = {.ops = pa_engine_find(names[n])};
                        const char *system = systems[k % 4], *prompt = prompts[(k / 4) % 4];
                        struct pa_err err = {{0}};
                        struct pa_job job;
                        char *got = NULL, *want;

                        conf_of(&e.conf, k, stops[k % 3]);
                        if (n >= 2 && !e.conf.model)
                                e.conf.model = "llama3.2";
                        make_job(&job, &e, system, prompt, k);
                        want = old_body(&e, &job, system, prompt);
                        assert_non_null(want);
                        assert_int_equal(e.ops->build(&e, &job, &got, &err), 0);
                        assert_string_equal(got, want);
                        free(got);
                        free(want);
                        drop_job(&job);
                }
        }
        for (size_t i = 0; i < 3; i++)
                json_decref(stops[i]);
}

/* Messages a job's maker sets are what is sent, as before. */
static void set_messages_are_sent(void **state)
{
        static const char *const names[] = {"openai-chat", "ollama-chat", "ollama-generate"};

        (void)state;
        for (size_t n = 0; n < 3; n++) {
                struct pa_engine e = {.ops = pa_engine_find(names[n])};
                struct pa_err err = {{0}};
                struct pa_job job = {0};
                char *got = NULL, *want;

                e.conf.model = "m";
                job.messages = old_messages("sys", "canary \"1\"");
                want = old_body(&e, &job, "sys", "canary \"1\"");
                assert_int_equal(e.ops->build(&e, &job, &got, &err), 0);
                assert_string_equal(got, want);
                free(got);
                free(want);
                drop_job(&job);
        }
}

/* Refused as jansson refused it: invalid UTF-8 in the request. */
static void invalid_utf8_is_refused(void **state)
{
        struct pa_engine e = {.ops = pa_engine_find("openai-chat")};
        struct pa_err err = {{0}};
        struct pa_job job;
        char *got = NULL;

        (void)state;
        e.conf.model = "bad \xff model";
        make_job(&job, &e, NULL, "p", 0);
        assert_int_equal(e.ops->build(&e, &job, &got, &err), PA_ENOMEM);
        assert_string_equal(err.msg, "cannot build request");
        assert_null(got);
        drop_job(&job);
}

/* pa__cache_key() before jobs stopped carrying messages. */
static void old_key(const struct pa__cache *c, const struct pa_engine *e, json_t *messages,
                    const struct pa_job *job, char key[65])
{
        json_t *j = json_pack(
            "{s:O, s:I, s:o}", "messages", messages, "sample", (json_int_t)job->sample, "seed",
            e->conf.has_seed ? json_integer((json_int_t)(job->seed & INT64_MAX)) : json_null());
        char *text, *all;

        if (e->ops->flat_prompt) {
                json_object_del(j, "messages");
                json_object_set_new(j, "prompt", json_string(job->prompt));
        }
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        all = malloc(strlen(c->base) + strlen(text) + 2);
        sprintf(all, "%s\n%s", c->base, text);
        pa__sha256_hex(all, strlen(all), key);
        free(all);
        free(text);
        json_decref(j);
}

static void messages_and_cache_keys_unchanged(void **state)
{
        static const char *const names[] = {"openai-chat", "openai-completions"};
        struct pa__cache cache = {.base = "{\"parity_cache\":1}"};

        (void)state;
        for (size_t n = 0; n < 2; n++) {
                for (unsigned k = 0; k < 16; k++) {
                        struct pa_engine e = {.ops = pa_engine_find(names[n])};
                        const char *system = systems[k % 4], *prompt = prompts[k / 4];
                        json_t *old = old_messages(system, prompt), *now;
                        struct pa_job job, set;
                        char *a, *b, k1[65], k2[65], k3[65];

                        e.conf.has_seed = k % 2;
                        make_job(&job, &e, system, prompt, k);
                        now = pa_job_messages(&job);
                        a = json_dumps(old, JSON_COMPACT);
                        b = json_dumps(now, JSON_COMPACT);
                        assert_string_equal(a, b);
                        /* The key of a job with the old messages set is the key. */
                        set = job;
                        set.messages = old;
                        assert_int_equal(pa__cache_key(&cache, &e, &job, k1), 0);
                        assert_int_equal(pa__cache_key(&cache, &e, &set, k2), 0);
                        assert_string_equal(k1, k2);
                        old_key(&cache, &e, old, &job, k3);
                        assert_string_equal(k1, k3);
                        free(a);
                        free(b);
                        json_decref(now);
                        json_decref(old);
                        drop_job(&job);
                }
        }
}

/* pa__jw_real() writes d as jansson does at precision p. */
static void check_real(double d, int p)
{
        json_t *j = json_real(d);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(p));
        struct pa_buf b;

        pa__buf_init(&b, 1024);
        assert_int_equal(pa__jw_real(&b, d, p), 0);
        assert_string_equal(b.p, want);
        pa__buf_release(&b);
        free(want);
        json_decref(j);
}

static void reals_as_jansson(void **state)
{
        static const double v[] = {0,
                                   -0.0,
                                   0.7,
                                   1,
                                   -1,
                                   2,
                                   1e-5,
                                   1e-4,
                                   1e15,
                                   1e16,
                                   1e17,
                                   1e21,
                                   1e22,
                                   1e100,
                                   1e-300,
                                   5e-324,
                                   1.7976931348623157e308,
                                   123.456,
                                   0.1,
                                   1.0 / 3,
                                   -2.5e-10,
                                   12.346,
                                   94.902,
                                   1e10};
        uint64_t bits = 0x9e3779b97f4a7c15u;

        (void)state;
        for (size_t i = 0; i < sizeof(v) / sizeof(*v) + 2000; i++) {
                double d = v[i % (sizeof(v) / sizeof(*v))];

                if (i >= sizeof(v) / sizeof(*v)) {
                        bits ^= bits << 13;
                        bits ^= bits >> 7;
                        bits ^= bits << 17;
                        memcpy(&d, &bits, sizeof(d));
                        if (!isfinite(d))
                                continue;
                }
                for (int p = 10; p <= 17; p += 7)
                        check_real(d, p);
        }
}

/* Latencies, round(ms * 1000) / 1000, take a path without printf. */
static void millis_as_jansson(void **state)
{
        uint64_t bits = 0x2545f4914f6cdd1du;

        (void)state;
        for (long long k = 0; k < 200000; k++) {
                bits ^= bits << 13;
                bits ^= bits >> 7;
                bits ^= bits << 17;
                check_real((double)(k < 100000 ? k : (long long)(bits % 20000000000u)) / 1000,
                           k % 3 ? 10 : 3 + (int)(bits >> 40) % 14);
                if (k % 1000 == 0)
                        check_real(round((double)bits / 1e13 * 1000) / 1000, 10);
        }
}

static void strings_as_jansson(void **state)
{
        static const char bytes[] = "a\"\\/\b\f\n\r\t\x01\x1f\x7f\x80\xbf\xc2\xc3\xa9\xe2\x82\xac"
                                    "\xed\xa0\xf0\x9f\x98\xf4\x90\xff\xc0";
        unsigned seed = 3;

        (void)state;
        for (int round = 0; round < 20000; round++) {
                char s[16];
                size_t n = (size_t)round % sizeof(s);
                json_t *j;
                struct pa_buf b;
                int rc;

                for (size_t i = 0; i < n; i++) {
                        seed = seed * 1103515245 + 12345;
                        s[i] = bytes[(seed >> 16) % (sizeof(bytes) - 1)];
                }
                j = json_stringn(s, n);
                pa__buf_init(&b, 1024);
                rc = pa__jw_string(&b, s, n);
                if (!j) {
                        assert_int_equal(rc, PA_EINVAL);
                } else {
                        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

                        assert_int_equal(rc, 0);
                        assert_string_equal(b.p, want);
                        free(want);
                }
                pa__buf_release(&b);
                json_decref(j);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(bodies_match_old),
            cmocka_unit_test(set_messages_are_sent),
            cmocka_unit_test(invalid_utf8_is_refused),
            cmocka_unit_test(messages_and_cache_keys_unchanged),
            cmocka_unit_test(reals_as_jansson),
            cmocka_unit_test(millis_as_jansson),
            cmocka_unit_test(strings_as_jansson),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
