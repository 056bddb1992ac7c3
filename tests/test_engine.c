/* Engines: OpenAI-compatible request bodies and the parsing of what
 * llama.cpp's server really answers (tests/data/protocol), and the sim
 * engine's determinism and planted rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "test_util.h"
#include "evaluator/util/util.h"

static char *slurp(const char *rel, size_t *len)
{
        char p[4096], *data = NULL;

        assert_int_equal(pa__read_file(test_path(p, sizeof(p), rel), &data, len, NULL), 0);
        return data;
}

static void load_suite(struct pa_suite *s)
{
        char p[4096];
        struct pa_err err = {{0}};

        assert_int_equal(pa_suite_load(s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
}

static void chat_request_body(void **state)
{
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {.name = "openai-chat",
                                   .base_url = "http://h:1/v1/",
                                   .model = "m1",
                                   .has_temperature = true,
                                   .temperature = 0,
                                   .max_tokens = 8,
                                   .has_seed = true,
                                   .seed = 7,
                                   .timeout_s = 1};
        struct pa_job job = {0};
        char *body = NULL;
        json_t *req;

        (void)state;
        load_suite(&s);
        c.stop = s.defaults.stop;
        assert_int_equal(pa_engine_open(&e, &c, &err), 0);
        assert_string_equal(e.url, "http://h:1/v1/chat/completions");
        assert_int_equal(pa_case_build(&s, 0, 1, &job.c, &err), 0);
        assert_int_equal(pa_job_init(&job, &e, 2), 0);
        assert_int_equal(e.ops->build(&e, &job, &body, &err), 0);
        req = json_loads(body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(req, "model")), "m1");
        /* pa_sample_seed(7, "a", 2): tests/test_sim.c checks the scheme. */
        assert_int_equal(json_integer_value(json_object_get(req, "seed")), 289875758);
        assert_int_equal(json_integer_value(json_object_get(req, "max_tokens")), 8);
        assert_string_equal(json_string_value(json_array_get(json_object_get(req, "stop"), 0)),
                            "\n");
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(req, "messages"), 0), "role")),
                            "system");
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(req, "messages"), 1), "content")),
                            job.c.prompt);
        json_decref(req);
        free(body);
        pa_job_release(&job);
        pa_engine_close(&e);
        pa_suite_release(&s);
}

static void parses_llama_cpp_answers(void **state)
{
        const struct pa_engine_ops *chat = pa_engine_find("openai-chat");
        const struct pa_engine_ops *cmpl = pa_engine_find("openai-completions");
        struct pa_err err = {{0}};
        struct pa_reply r = {0};
        size_t len;
        char *body;

        (void)state;
        body = slurp("protocol/v1_chat.json", &len);
        assert_int_equal(chat->parse(NULL, body, len, &r, &err), 0);
        assert_string_equal(r.text, "\"Here,\" Annabyed.\nLily was so excit");
        assert_string_equal(r.finish_reason, "length");
        assert_string_equal(r.model, "stories260K");
        assert_int_equal(r.prompt_tokens, 83);
        assert_int_equal(r.completion_tokens, 24);
        pa_reply_release(&r);
        /* A chat answer is not a completions answer. */
        assert_int_equal(cmpl->parse(NULL, body, len, &r, &err), PA_EPROTO);
        assert_non_null(strstr(err.msg, "choices[0].text"));
        pa_reply_release(&r);
        free(body);

        body = slurp("protocol/v1_completions.json", &len);
        assert_int_equal(cmpl->parse(NULL, body, len, &r, &err), 0);
        assert_int_equal(strncmp(r.text, ", there was a little girl", 25), 0);
        assert_int_equal(r.completion_tokens, 24);
        pa_reply_release(&r);
        /* Truncated JSON is a protocol error, not a crash. */
        assert_int_equal(cmpl->parse(NULL, body, len / 2, &r, &err), PA_EPROTO);
        assert_non_null(strstr(err.msg, "malformed JSON"));
        pa_reply_release(&r);
        free(body);
}

static void error_messages(void **state)
{
        size_t len;
        char *body = slurp("protocol/err_missing_messages.txt", &len), *msg;

        (void)state;
        /* The sample carries the status line after the body; cut it off. */
        *strchr(body, '\n') = '\0';
        msg = pa_error_message(body, strlen(body));
        assert_string_equal(msg, "[json.exception.out_of_range.403] key 'messages' not found");
        free(msg);
        free(body);
        msg = pa_error_message("{\"error\":\"model 'x' not found\"}", 31);
        assert_string_equal(msg, "model 'x' not found");
        free(msg);
        assert_null(pa_error_message("<html>", 6));
}

static void completions_prompt_is_flat(void **state)
{
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {.name = "openai-completions",
                                   .base_url = "http://h:1/v1",
                                   .timeout_s = 1,
                                   .max_tokens = -1};
        struct pa_job job = {0};
        char *body = NULL;
        json_t *req;

        (void)state;
        load_suite(&s);
        assert_int_equal(pa_engine_open(&e, &c, &err), 0);
        assert_string_equal(e.url, "http://h:1/v1/completions");
        assert_int_equal(pa_case_build(&s, 1, 0, &job.c, &err), 0);
        assert_int_equal(pa_job_init(&job, &e, 0), 0);
        assert_string_equal(job.prompt, "Be brief.\n\nCapital of France?");
        assert_int_equal(e.ops->build(&e, &job, &body, &err), 0);
        req = json_loads(body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(req, "prompt")), job.prompt);
        assert_null(json_object_get(req, "max_tokens"));
        assert_null(json_object_get(req, "seed"));
        json_decref(req);
        free(body);
        pa_job_release(&job);
        pa_engine_close(&e);
        pa_suite_release(&s);
}

static void open_errors(void **state)
{
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {.name = "openai-chat", .timeout_s = 1};
        char p[4096];

        (void)state;
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "needs --base-url"));
        pa_engine_close(&e);
        c.base_url = "ftp://x";
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        pa_engine_close(&e);
        c.base_url = "http://x/v1";
        c.api_key_env = "PARITY_UNIT_SURELY_UNSET";
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "PARITY_UNIT_SURELY_UNSET"));
        pa_engine_close(&e);
        c.name = "nope";
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "unknown engine 'nope'"));
        pa_engine_close(&e);
        c.name = "sim";
        c.sim_profile = test_path(p, sizeof(p), "sim/bad-shift.json");
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        pa_engine_close(&e);
}

/* Item a varies gender x age; the profile plants P(yes) 0.8 for men and
 * 0.3 for women, and accuracy 0.25 for items with an expected answer. */
static void sim_plants_rates(void **state)
{
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {.name = "sim", .timeout_s = 1, .max_tokens = -1};
        char p[4096];
        unsigned yes[2] = {0, 0}, n[2] = {0, 0}, right = 0;
        const unsigned samples = 4000;

        (void)state;
        load_suite(&s);
        c.suite = &s;
        c.sim_profile = test_path(p, sizeof(p), "sim/planted.json");
        assert_int_equal(pa_engine_open(&e, &c, &err), 0);
        for (uint64_t v = 0; v < pa_suite_kind(&s, 0)->n_cases; v++) {
                for (unsigned k = 0; k < samples; k++) {
                        struct pa_job job = {0};
                        struct pa_reply r = {0}, r2 = {0};

                        assert_int_equal(pa_case_build(&s, 0, v, &job.c, &err), 0);
                        assert_int_equal(pa_job_init(&job, &e, k), 0);
                        assert_int_equal(e.ops->answer(&e, &job, &r, &err), 0);
                        assert_int_equal(e.ops->answer(&e, &job, &r2, &err), 0);
                        assert_string_equal(r.text, r2.text); /* deterministic */
                        assert_string_equal(r.model, "sim-unit");
                        n[job.c.groups[0]]++;
                        yes[job.c.groups[0]] += !strcmp(r.text, "Yes.");
                        pa_reply_release(&r);
                        pa_reply_release(&r2);
                        pa_job_release(&job);
                }
        }
        for (unsigned k = 0; k < samples; k++) {
                struct pa_job job = {0};
                struct pa_reply r = {0};

                assert_int_equal(pa_case_build(&s, 1, 0, &job.c, &err), 0);
                assert_int_equal(pa_job_init(&job, &e, k), 0);
                assert_int_equal(e.ops->answer(&e, &job, &r, &err), 0);
                right += !strcmp(r.text, "Paris");
                pa_reply_release(&r);
                pa_job_release(&job);
        }
        /* 12000 draws per group: 4 standard errors is under 0.02. */
        assert_true(abs((int)yes[0] - (int)(0.8 * n[0])) < 0.02 * n[0]);
        assert_true(abs((int)yes[1] - (int)(0.3 * n[1])) < 0.02 * n[1]);
        assert_true(abs((int)right - (int)(0.25 * samples)) < 0.03 * samples);
        pa_engine_close(&e);
        pa_suite_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(chat_request_body), cmocka_unit_test(parses_llama_cpp_answers),
            cmocka_unit_test(error_messages),    cmocka_unit_test(completions_prompt_is_flat),
            cmocka_unit_test(open_errors),       cmocka_unit_test(sim_plants_rates),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
