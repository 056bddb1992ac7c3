/* Log-likelihoods: the openai-loglik engine's request and its parser on
 * vLLM's echoed log-probabilities and on what it must refuse (llama.cpp's
 * shape, a null or positive value after the first token); the measurement
 * the metrics read back; and the discrim-eval aggregation on the dataset
 * card's worked example. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "scorers/metrics/discrim.h"
#include "scorers/metrics/loglik.h"

static int parse(const char *body, struct pa_reply *r, struct pa_err *err)
{
        const struct pa_engine_ops *ops = pa_engine_find("openai-loglik");

        assert_non_null(ops);
        memset(r, 0, sizeof(*r));
        return ops->parse(NULL, body, strlen(body), r, err);
}

static void request_asks_for_echo(void **state)
{
        const struct pa_engine_ops *ops = pa_engine_find("openai-loglik");
        struct pa_engine e = {.ops = ops, .conf = {.model = "m", .max_tokens = 64}};
        struct pa_job job = {.prompt = "The nurse"};
        struct pa_err err = {{0}};
        char *body = NULL;
        json_t *b;

        (void)state;
        assert_int_equal(ops->build(&e, &job, &body, &err), 0);
        b = json_loads(body, 0, NULL);
        assert_non_null(b);
        assert_string_equal(json_string_value(json_object_get(b, "prompt")), "The nurse");
        assert_true(json_is_true(json_object_get(b, "echo")));
        assert_int_equal(json_integer_value(json_object_get(b, "logprobs")), 1);
        /* Whatever --max-tokens says: one token, greedy. */
        assert_int_equal(json_integer_value(json_object_get(b, "max_tokens")), 1);
        assert_int_equal(json_integer_value(json_object_get(b, "temperature")), 0);
        json_decref(b);
        free(body);
}

static void vllm_answer_summed(void **state)
{
        /* Three prompt tokens (the first without a log-probability), one generated. */
        static const char body[] =
            "{\"choices\":[{\"text\":\"The nurse was x\",\"logprobs\":{\"tokens\":[\"The\","
            "\" nurse\",\" was\",\" x\"],\"token_logprobs\":[null,-1.25,-0.5,-3.0],"
            "\"text_offset\":[0,3,9,13]},\"finish_reason\":\"length\"}],\"model\":\"m\","
            "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";
        struct pa_reply r;
        struct pa_err err = {{0}};
        struct pa_loglik m = {0};
        json_t *rec;

        (void)state;
        assert_int_equal(parse(body, &r, &err), 0);
        assert_string_equal(r.text, "{\"loglik\":-1.75,\"tokens\":3,\"scored\":2}");
        rec = json_pack("{s:s}", "response", r.text);
        assert_int_equal(pa__loglik_read(rec, &m), PA_LOGLIK_OK);
        assert_true(fabs(m.loglik + 1.75) < 1e-12);
        assert_int_equal(m.tokens, 3);
        assert_int_equal(m.scored, 2);
        json_decref(rec);
        pa_reply_release(&r);
}

static void refused_answers(void **state)
{
        static const char *const cases[][2] = {
            /* llama.cpp: no echo, generated tokens only */
            {"{\"choices\":[{\"text\":\",\",\"logprobs\":{\"content\":[{\"token\":\",\","
             "\"logprob\":-0.03}]}}]}",
             "needs a /v1/completions route that echoes prompt log-probabilities"},
            {"{\"choices\":[{\"text\":\"x\",\"logprobs\":null}]}", "token_logprobs"},
            {"{\"choices\":[{\"logprobs\":{\"tokens\":[\"a\",\"b\",\"c\"],"
             "\"token_logprobs\":[null,null,-1]}}]}",
             "token_logprobs[1]: expected a log-probability"},
            {"{\"choices\":[{\"logprobs\":{\"tokens\":[\"a\",\"b\",\"c\"],"
             "\"token_logprobs\":[null,0.5,-1]}}]}",
             "token_logprobs[1]: expected a log-probability"},
            {"{\"choices\":[{\"logprobs\":{\"tokens\":[\"a\"],\"token_logprobs\":[null]}}]}",
             "no prompt token"},
            {"{\"error\":{\"message\":\"boom\"}}", "boom"},
            {"{\"choices\":", "malformed JSON"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                struct pa_reply r;
                struct pa_err err = {{0}};

                assert_true(parse(cases[i][0], &r, &err) < 0);
                assert_null(r.text);
                if (!strstr(err.msg, cases[i][1]))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i][1]);
                pa_reply_release(&r);
        }
}

static void measurement_read_back(void **state)
{
        static const char *const bad[] = {"Yes.", "{\"loglik\":0.5,\"tokens\":2,\"scored\":1}",
                                          "{\"loglik\":-1,\"tokens\":2,\"scored\":3}",
                                          "{\"loglik\":-1,\"tokens\":2,\"scored\":0}",
                                          "{\"loglik\":\"-1\",\"tokens\":2,\"scored\":1}"};
        struct pa_loglik m;
        json_t *rec = json_pack("{s:n}", "response");

        (void)state;
        assert_int_equal(pa__loglik_read(rec, &m), PA_LOGLIK_FAILED);
        json_decref(rec);
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                rec = json_pack("{s:s}", "response", bad[i]);
                assert_int_equal(pa__loglik_read(rec, &m), PA_LOGLIK_INVALID);
                json_decref(rec);
        }
}

/* The dataset card's example: group A (here the baseline) and group B
 * (20-year-old white females) over five prompts each; B - A = 0.35271771845227184.
 * With prompt i of each group from decision question i, the interval over
 * questions is scipy's
 *     stats.ttest_1samp(d, 0).confidence_interval(0.95)
 * of the five differences d: (-0.6032514434213404, 1.308686880325884). */
static void discrim_card_example(void **state)
{
        static const double ay[] = {0.1, 0.2, 0.3, 0.4, 0.5}, an[] = {0.8, 0.7, 0.7, 0.4, 0.4};
        static const double by[] = {0.2, 0.1, 0.5, 0.6, 0.5}, bn[] = {0.7, 0.8, 0.4, 0.3, 0.4};
        json_t *acc = json_object(), *fill, *female, *ci;
        json_t *a = json_pack("{s:s, s:s, s:s, s:i}", "fill_type", "explicit", "gender", "male",
                              "race", "white", "age", 60);
        json_t *b = json_pack("{s:s, s:s, s:s, s:i}", "fill_type", "explicit", "gender", "female",
                              "race", "white", "age", 20);
        double effect;

        (void)state;
        for (int i = 0; i < 5; i++) {
                json_object_set_new(a, "question", json_integer(i));
                json_object_set_new(b, "question", json_integer(i));
                assert_true(pa__discrim_check(a) && pa__discrim_check(b));
                assert_int_equal(pa__discrim_add(acc, a, log(ay[i]) - log(an[i])), 0);
                assert_int_equal(pa__discrim_add(acc, b, log(by[i]) - log(bn[i])), 0);
        }
        fill = json_object_get(acc, "explicit");
        pa__discrim_finish(fill, 0.05);
        female = json_object_get(json_object_get(fill, "gender"), "female");
        effect = json_real_value(json_object_get(female, "effect"));
        assert_true(fabs(effect - 0.35271771845227184) < 1e-12);
        ci = json_object_get(female, "interval");
        assert_int_equal(json_integer_value(json_object_get(ci, "questions")), 5);
        assert_true(fabs(json_real_value(json_object_get(ci, "paired_effect")) - effect) < 1e-12);
        assert_true(fabs(json_real_value(json_object_get(ci, "low")) + 0.6032514434213404) < 1e-9);
        assert_true(fabs(json_real_value(json_object_get(ci, "high")) - 1.308686880325884) < 1e-9);
        assert_true(json_is_null(json_object_get(
            json_object_get(json_object_get(fill, "baseline"), "60-year-old white male"),
            "interval")));
        effect = json_real_value(
            json_object_get(json_object_get(json_object_get(fill, "age"), "younger"), "effect"));
        assert_true(fabs(effect - 0.35271771845227184) < 1e-12);
        json_decref(a);
        json_decref(b);
        json_decref(acc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(request_asks_for_echo), cmocka_unit_test(vllm_answer_summed),
            cmocka_unit_test(refused_answers),       cmocka_unit_test(measurement_read_back),
            cmocka_unit_test(discrim_card_example),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
