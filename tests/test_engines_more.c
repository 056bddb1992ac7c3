/* HTTP engines beyond the basics: SSE streams of the OpenAI-compatible
 * engines (llama.cpp's real streams in tests/data/protocol, and every way
 * they can be cut, padded or wrong), Ollama's native API (NDJSON written
 * after its docs/api.md), and identity's URL helpers. The local engines
 * (exec, replay) are in test_engine_local.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "evaluator/engines/identity.h"
#include "test_util.h"
#include "evaluator/util/util.h"

static char *slurp(const char *rel, size_t *len)
{
        char p[4096], *data = NULL;

        assert_int_equal(pa__read_file(test_path(p, sizeof(p), rel), &data, len, NULL), 0);
        return data;
}

/* Parses body with engine `name`; returns the error code, r filled. */
static int parse_with(const char *name, const char *body, size_t len, struct pa_reply *r,
                      struct pa_err *err)
{
        const struct pa_engine_ops *ops = pa_engine_find(name);

        assert_non_null(ops);
        memset(r, 0, sizeof(*r));
        err->msg[0] = '\0';
        return ops->parse(NULL, body, len, r, err);
}

static void expect_chat_sample(const char *body, size_t len)
{
        struct pa_reply r;
        struct pa_err err;

        assert_int_equal(parse_with("openai-chat", body, len, &r, &err), 0);
        assert_string_equal(r.text, "\"He");
        assert_int_equal(r.len, 3);
        assert_string_equal(r.finish_reason, "length");
        assert_string_equal(r.model, "stories260K");
        assert_int_equal(r.prompt_tokens, 42);
        assert_int_equal(r.completion_tokens, 3);
        pa_reply_release(&r);
}

/* s with every occurrence of from replaced by to; owned. */
static char *replace(const char *s, const char *from, const char *to)
{
        struct pa_buf b;
        size_t lf = strlen(from);

        pa__buf_init(&b, 1u << 20);
        for (const char *p = s; *p;) {
                if (!strncmp(p, from, lf)) {
                        assert_int_equal(pa__buf_add(&b, to, strlen(to)), 0);
                        p += lf;
                } else {
                        assert_int_equal(pa__buf_add(&b, p++, 1), 0);
                }
        }
        return b.p;
}

static void sse_llama_cpp_streams(void **state)
{
        struct pa_reply r;
        struct pa_err err;
        size_t len;
        char *body = slurp("protocol/v1_chat_stream.txt", &len), *v;

        (void)state;
        expect_chat_sample(body, len);
        /* Without [DONE]: the finish_reason says the stream is whole. */
        v = replace(body, "data: [DONE]", "");
        expect_chat_sample(v, strlen(v));
        free(v);
        /* CRLF line ends, comments, event: and id: lines change nothing. */
        v = replace(body, "\n", "\r\n");
        expect_chat_sample(v, strlen(v));
        free(v);
        v = replace(body, "data: {", ": ping\nevent: message\nid: 7\nretry: 100\ndata: {");
        expect_chat_sample(v, strlen(v));
        free(v);
        /* No blank line after the last event. */
        v = replace(body, "\n\ndata: [DONE]\n\n", "\n\ndata: [DONE]");
        expect_chat_sample(v, strlen(v));
        free(v);
        /* A chat stream is not a completions stream: no text, but whole. */
        assert_int_equal(parse_with("openai-completions", body, len, &r, &err), 0);
        assert_string_equal(r.text, "");
        pa_reply_release(&r);
        free(body);

        body = slurp("protocol/v1_completions_stream.txt", &len);
        assert_int_equal(parse_with("openai-completions", body, len, &r, &err), 0);
        assert_string_equal(r.text, ", there was a");
        assert_string_equal(r.finish_reason, "length");
        assert_int_equal(r.prompt_tokens, 5);
        assert_int_equal(r.completion_tokens, 4);
        pa_reply_release(&r);
        free(body);
}

/* OpenAI's shape: role first, the usage in a chunk with no choices. */
static void sse_openai_usage_chunk(void **state)
{
        static const char body[] =
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],"
            "\"model\":\"gpt-x\"}\n\n"
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes\"}}],\"model\":\"gpt-x\"}\n\n"
            "data: "
            "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"NO\"}}],\"model\":\"gpt-x\"}\n\n"
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\".\"},\"finish_reason\":\"stop\"}],"
            "\"model\":\"gpt-x\"}\n\n"
            "data: "
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2},\"model\":"
            "\"gpt-x\"}\n\n"
            "data: [DONE]\n\n"
            "data: {\"ignored\": \"after done\"}\n\n";
        struct pa_reply r;
        struct pa_err err;

        (void)state;
        assert_int_equal(parse_with("openai-chat", body, sizeof(body) - 1, &r, &err), 0);
        assert_string_equal(r.text, "Yes.");
        assert_string_equal(r.finish_reason, "stop");
        assert_string_equal(r.model, "gpt-x");
        assert_int_equal(r.prompt_tokens, 9);
        assert_int_equal(r.completion_tokens, 2);
        pa_reply_release(&r);
}

static void expect_error(const char *engine, const char *body, size_t len, const char *want)
{
        struct pa_reply r;
        struct pa_err err;

        assert_int_equal(parse_with(engine, body, len, &r, &err), PA_EPROTO);
        if (!strstr(err.msg, want))
                fail_msg("error '%s' does not contain '%s'", err.msg, want);
        assert_null(r.text);
        pa_reply_release(&r);
}

static void sse_broken_streams(void **state)
{
        size_t len;
        char *body = slurp("protocol/v1_chat_stream.txt", &len), *cut;

        (void)state;
        /* Cut after the second event: no finish_reason, no [DONE]. */
        cut = strstr(strstr(body, "\n\n") + 2, "\n\n") + 2;
        expect_error("openai-chat", body, (size_t)(cut - body), "truncated stream");
        /* Cut inside the third event's JSON. */
        expect_error("openai-chat", body, (size_t)(cut - body) + 40,
                     "malformed stream event at line 5");
        expect_error("openai-chat", "<!DOCTYPE html>\n<html>", 22,
                     "neither JSON nor an event stream: '<!DOCTYPE html>?<html>'");
        expect_error("openai-chat", "data: {\"choices\":[]}\n\n<html>\n", 29,
                     "not an event stream: line 3: '<html>'");
        expect_error("openai-chat", " \r\n", 3, "empty answer");
        expect_error("openai-chat", ": ping\n\n", 8, "empty event stream");
        expect_error("openai-chat", "data: [1]\n\n", 11, "malformed stream event at line 1");
        expect_error("openai-chat",
                     "data: {\"error\":{\"code\":500,\"message\":\"slot died\"}}\n\n", 53,
                     "error in answer: slot died");
        expect_error("openai-completions", "{\"error\":{\"message\":\"bad\"}}", 27,
                     "error in answer: bad");
        free(body);
}

static json_t *build_json(struct pa_engine_conf *c, unsigned item, char **prompt_out)
{
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_job job = {0};
        char p[4096], *body = NULL;
        json_t *req;

        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        c->suite = &s;
        assert_int_equal(pa_engine_open(&e, c, &err), 0);
        assert_int_equal(pa_case_build(&s, item, 0, &job.c, &err), 0);
        assert_int_equal(pa_job_init(&job, &e, 1), 0);
        assert_int_equal(e.ops->build(&e, &job, &body, &err), 0);
        req = json_loads(body, 0, NULL);
        assert_non_null(req);
        if (prompt_out)
                *prompt_out = strdup(job.c.prompt);
        free(body);
        pa_job_release(&job);
        pa_engine_close(&e);
        pa_suite_release(&s);
        c->suite = NULL;
        return req;
}

static void stream_requests(void **state)
{
        struct pa_engine_conf c = {.name = "openai-chat",
                                   .base_url = "http://h:1/v1",
                                   .timeout_s = 1,
                                   .max_tokens = -1,
                                   .stream = true};
        json_t *req = build_json(&c, 1, NULL);
        struct pa_reply r;
        struct pa_err err;
        size_t len;
        char *body;

        (void)state;
        assert_true(json_is_true(json_object_get(req, "stream")));
        assert_true(
            json_is_true(json_object_get(json_object_get(req, "stream_options"), "include_usage")));
        json_decref(req);
        c.stream = false;
        req = build_json(&c, 1, NULL);
        assert_true(json_is_false(json_object_get(req, "stream")));
        assert_null(json_object_get(req, "stream_options"));
        json_decref(req);
        /* A server that ignores "stream" and answers JSON is understood. */
        body = slurp("protocol/v1_chat.json", &len);
        assert_int_equal(parse_with("openai-chat", body, len, &r, &err), 0);
        assert_string_equal(r.finish_reason, "length");
        pa_reply_release(&r);
        free(body);
}

static void ollama_requests(void **state)
{
        json_t *stop = json_pack("[s]", "END");
        struct pa_engine_conf c = {.name = "ollama-chat",
                                   .base_url = "http://h:11434",
                                   .model = "llama3.2",
                                   .timeout_s = 1,
                                   .max_tokens = 12,
                                   .has_temperature = true,
                                   .temperature = 0,
                                   .has_top_p = true,
                                   .top_p = 0.5,
                                   .has_seed = true,
                                   .seed = 40,
                                   .stop = stop};
        json_t *req = build_json(&c, 1, NULL), *o;
        char *prompt = NULL;

        (void)state;
        o = json_object_get(req, "options");
        assert_string_equal(json_string_value(json_object_get(req, "model")), "llama3.2");
        assert_true(json_is_false(json_object_get(req, "stream")));
        assert_int_equal(json_array_size(json_object_get(req, "messages")), 2);
        assert_true(json_number_value(json_object_get(o, "temperature")) == 0);
        assert_true(json_number_value(json_object_get(o, "top_p")) == 0.5);
        assert_int_equal(json_integer_value(json_object_get(o, "num_predict")), 12);
        /* pa_sample_seed(40, "b", 1) */
        assert_int_equal(json_integer_value(json_object_get(o, "seed")), 484839212);
        assert_string_equal(json_string_value(json_array_get(json_object_get(o, "stop"), 0)),
                            "END");
        assert_null(json_object_get(req, "max_tokens"));
        json_decref(req);

        c.name = "ollama-generate";
        c.stream = true;
        req = build_json(&c, 1, &prompt);
        assert_true(json_is_true(json_object_get(req, "stream")));
        assert_string_equal(json_string_value(json_object_get(req, "prompt")), prompt);
        assert_string_equal(json_string_value(json_object_get(req, "system")), "Be brief.");
        assert_null(json_object_get(req, "messages"));
        json_decref(req);
        free(prompt);
        json_decref(stop);
}

static void ollama_open_checks(void **state)
{
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {
            .name = "ollama-chat", .base_url = "http://h:11434/v1/", .model = "m", .timeout_s = 1};

        (void)state;
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "no /v1"));
        pa_engine_close(&e);
        c.base_url = "http://h:11434";
        c.model = NULL;
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "needs --model"));
        pa_engine_close(&e);
}

static void expect_ollama(const char *engine, const char *file, const char *text,
                          const char *finish, long pt, long ct)
{
        struct pa_reply r;
        struct pa_err err;
        size_t len;
        char *body = slurp(file, &len);

        assert_int_equal(parse_with(engine, body, len, &r, &err), 0);
        assert_string_equal(r.text, text);
        assert_string_equal(r.finish_reason, finish);
        assert_string_equal(r.model, "llama3.2");
        assert_int_equal(r.prompt_tokens, pt);
        assert_int_equal(r.completion_tokens, ct);
        pa_reply_release(&r);
        free(body);
}

static void ollama_answers(void **state)
{
        size_t len;
        char *body, *cut;

        (void)state;
        expect_ollama("ollama-chat", "protocol/ollama_chat_stream.ndjson", "The sky is blue.",
                      "stop", 26, 4);
        expect_ollama("ollama-chat", "protocol/ollama_chat.json", "Hello! How are you today?",
                      "stop", 26, 298);
        expect_ollama("ollama-generate", "protocol/ollama_generate_stream.ndjson", "The sky is",
                      "length", 26, 2);
        expect_ollama("ollama-generate", "protocol/ollama_generate.json",
                      "The sky is blue because it is the color of the sky.", "stop", 26, 290);
        body = slurp("protocol/ollama_error_stream.ndjson", &len);
        expect_error("ollama-chat", body, len, "error in answer: an error was encountered");
        free(body);
        body = slurp("protocol/ollama_chat_stream.ndjson", &len);
        /* Without its "done" line, and with a line cut short. */
        expect_error("ollama-chat", body, (size_t)(strstr(body, "\"done_reason\"") - body) - 40,
                     "malformed stream line 4");
        cut = strstr(body, "\"done_reason\"");
        while (cut > body && cut[-1] != '\n')
                cut--;
        *cut = '\0';
        expect_error("ollama-chat", body, strlen(body), "truncated stream");
        free(body);
        expect_error("ollama-chat", "{\"error\":\"model \\\"x\\\" not found\"}", 33,
                     "error in answer: model \"x\" not found");
        expect_error("ollama-generate", "<html>", 6, "answer is not JSON: '<html>'");
        expect_error("ollama-generate", "\n", 1, "empty answer");
}

/* Every prefix of every sample, in a buffer of exactly that size (ASan
 * sees any read past the end): parsed or refused, never a crash. */
static void every_prefix(void **state)
{
        static const char *const files[] = {
            "protocol/v1_chat_stream.txt",
            "protocol/v1_completions_stream.txt",
            "protocol/v1_chat.json",
            "protocol/ollama_chat_stream.ndjson",
            "protocol/ollama_generate_stream.ndjson",
            "protocol/ollama_error_stream.ndjson",
        };
        static const char *const engines[] = {"openai-chat", "openai-completions", "ollama-chat",
                                              "ollama-generate"};

        (void)state;
        for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
                size_t len;
                char *body = slurp(files[f], &len);

                for (size_t n = 0; n <= len; n++) {
                        char *cut = malloc(n ? n : 1);

                        memcpy(cut, body, n);
                        for (size_t k = 0; k < sizeof(engines) / sizeof(*engines); k++) {
                                struct pa_reply r;
                                struct pa_err err;
                                int rc = parse_with(engines[k], cut, n, &r, &err);

                                assert_true(rc == 0 || rc == PA_EPROTO);
                                assert_true(rc != 0 || r.text != NULL);
                                pa_reply_release(&r);
                        }
                        free(cut);
                }
                free(body);
        }
}

static void identity_urls(void **state)
{
        char *u;

        (void)state;
        u = pa__url_root("http://h:1/v1/");
        assert_string_equal(u, "http://h:1");
        free(u);
        u = pa__url_root("http://h:11434");
        assert_string_equal(u, "http://h:11434");
        free(u);
        u = pa__url_join("http://h:1/v1//", "/models");
        assert_string_equal(u, "http://h:1/v1/models");
        free(u);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(sse_llama_cpp_streams), cmocka_unit_test(sse_openai_usage_chunk),
            cmocka_unit_test(sse_broken_streams),    cmocka_unit_test(stream_requests),
            cmocka_unit_test(ollama_requests),       cmocka_unit_test(ollama_open_checks),
            cmocka_unit_test(ollama_answers),        cmocka_unit_test(every_prefix),
            cmocka_unit_test(identity_urls),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
