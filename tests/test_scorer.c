/* The scorer family: regex flags, exact and contains semantics, errors,
 * and parallel re-scoring of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "parity/result.h"
#include "parity/scorer.h"
#include "scorers/judge.h"
#include "test_util.h"

static enum pa_verdict run(const char *spec_text, const char *text, const char *expected)
{
        struct pa_scorer_set set;
        struct pa_err err = {{0}};
        json_t *spec = json_loads(spec_text, 0, NULL);
        void **scratch;
        enum pa_verdict v;

        assert_non_null(spec);
        assert_int_equal(pa_scorer_set_compile(&set, spec, "t.json", &err), 0);
        scratch = pa_scorer_scratch_new(&set);
        v = set.v[0].ops->score(set.v[0].state, scratch[0], text, strlen(text), expected);
        pa_scorer_scratch_free(&set, scratch);
        pa_scorer_set_release(&set);
        json_decref(spec);
        return v;
}

static void regex_scorer(void **state)
{
        (void)state;
        assert_int_equal(
            run("{\"s\":{\"type\":\"regex\",\"pattern\":\"^\\\\W*yes\\\\b\",\"flags\":\"i\"}}",
                "  YES, definitely", NULL),
            PA_TRUE);
        assert_int_equal(
            run("{\"s\":{\"type\":\"regex\",\"pattern\":\"^\\\\W*yes\\\\b\"}}", "YES", NULL),
            PA_FALSE);
        assert_int_equal(run("{\"s\":{\"type\":\"regex\",\"pattern\":\"^no$\",\"flags\":\"m\"}}",
                             "well\nno\n", NULL),
                         PA_TRUE);
        assert_int_equal(
            run("{\"s\":{\"type\":\"regex\",\"pattern\":\"yes\"}}", "Yesterday no", NULL),
            PA_FALSE);
}

/* A regex scorer without a pattern takes each item's expected as one:
 * compiled per item, kept per thread past the scratch's few slots. */
static void regex_per_item(void **state)
{
        struct pa_scorer_set set;
        struct pa_err err = {{0}};
        json_t *spec = json_loads("{\"s\":{\"type\":\"regex\",\"flags\":\"i\"}}", 0, NULL);
        const struct pa_scorer *sc;
        void **scratch;
        char pat[32], text[32];

        (void)state;
        assert_int_equal(pa_scorer_set_compile(&set, spec, "t.json", &err), 0);
        sc = &set.v[0];
        scratch = pa_scorer_scratch_new(&set);
        assert_int_equal(sc->ops->score(sc->state, scratch[0], "It is FOUR.", 11, "\\b(4|four)\\b"),
                         PA_TRUE);
        assert_int_equal(sc->ops->score(sc->state, scratch[0], "fourteen", 8, "\\b(4|four)\\b"),
                         PA_FALSE);
        assert_int_equal(sc->ops->score(sc->state, scratch[0], "x", 1, NULL), PA_NA);
        assert_int_equal(sc->ops->score(sc->state, scratch[0], "x", 1, "(bad"), PA_NA);
        /* More patterns than the scratch keeps, twice round: each still its own. */
        for (int round = 0; round < 2; round++)
                for (int i = 0; i < 40; i++) {
                        snprintf(pat, sizeof(pat), "^n%d$", i);
                        snprintf(text, sizeof(text), "N%d", i);
                        assert_int_equal(
                            sc->ops->score(sc->state, scratch[0], text, strlen(text), pat),
                            PA_TRUE);
                        snprintf(text, sizeof(text), "N%d", i + 1);
                        assert_int_equal(
                            sc->ops->score(sc->state, scratch[0], text, strlen(text), pat),
                            PA_FALSE);
                }
        /* The load-time check: an expected that is no pattern, or none. */
        assert_int_equal(sc->ops->check_item(sc->state, "(bad", "/items/2", &err), PA_EINVAL);
        assert_non_null(
            strstr(err.msg, "/items/2/expected: as the pattern of a regex scorer: offset"));
        assert_int_equal(sc->ops->check_item(sc->state, NULL, "/items/3", &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "/items/3: missing key \"expected\""));
        assert_int_equal(sc->ops->check_item(sc->state, "ok", "/items/4", &err), 0);
        pa_scorer_scratch_free(&set, scratch);
        pa_scorer_set_release(&set);
        json_decref(spec);
}

static void exact_and_contains(void **state)
{
        (void)state;
        assert_int_equal(
            run("{\"s\":{\"type\":\"exact\",\"flags\":\"i\"}}", " canberra.\n", "Canberra"),
            PA_TRUE);
        assert_int_equal(run("{\"s\":{\"type\":\"exact\"}}", "canberra", "Canberra"), PA_FALSE);
        assert_int_equal(run("{\"s\":{\"type\":\"exact\"}}", "Canberra, Australia", "Canberra"),
                         PA_FALSE);
        assert_int_equal(run("{\"s\":{\"type\":\"exact\"}}", "42", NULL), PA_NA);
        assert_int_equal(run("{\"s\":{\"type\":\"exact\",\"value\":\"42\"}}", "42.", NULL),
                         PA_TRUE);
        assert_int_equal(run("{\"s\":{\"type\":\"contains\",\"value\":\"paris\",\"flags\":\"i\"}}",
                             "It is Paris.", NULL),
                         PA_TRUE);
        assert_int_equal(run("{\"s\":{\"type\":\"contains\"}}", "It is Paris.", "Lyon"), PA_FALSE);
}

static void compile_errors(void **state)
{
        static const char *const cases[][2] = {
            {"{\"s\":{\"type\":\"nope\"}}", "/scorers/s/type: unknown scorer type 'nope'"},
            {"{\"s\":{\"pattern\":\"x\"}}", "/scorers/s/type: expected a string"},
            {"{\"s\":{\"type\":\"regex\",\"pattern\":3}}", "/scorers/s/pattern: expected a string"},
            {"{\"s\":{\"type\":\"regex\",\"pattern\":\"x\",\"flags\":\"q\"}}", "/scorers/s/flags"},
            {"{\"s\":{\"type\":\"exact\",\"value\":3}}", "/scorers/s/value: expected a string"},
            {"{\"s\":{\"type\":\"judge\",\"pattern\":\"x\"}}",
             "/scorers/s/pattern: unexpected field (a judge scorer takes \"prompt\" only"},
            {"{\"s\":{\"type\":\"judge\",\"prompt\":\"Is it {prompt}?\"}}",
             "/scorers/s/prompt: expected a text holding {answer}"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                struct pa_scorer_set set;
                struct pa_err err = {{0}};
                json_t *spec = json_loads(cases[i][0], 0, NULL);

                assert_int_equal(pa_scorer_set_compile(&set, spec, "t.json", &err), PA_EINVAL);
                if (!strstr(err.msg, cases[i][1]))
                        fail_msg("got \"%s\", want \"%s\"", err.msg, cases[i][1]);
                pa_scorer_set_release(&set);
                json_decref(spec);
        }
}

/* A judge scorer never decides from the text: its verdict is the rating
 * the record carries, and a rating without a verdict is a missing score. */
static void judge_scorer(void **state)
{
        const char *spec = "{\"r\":{\"type\":\"judge\",\"prompt\":\"{prompt}: {answer}\"}}";
        struct pa_scorer_set set;
        struct pa_err err = {{0}};
        json_t *j = json_loads(spec, 0, NULL), *rec;
        struct pa_item it = {.scorer_mask = 1};
        struct pa_suite s;
        signed char v[1] = {PA_NA};

        (void)state;
        assert_int_equal(run(spec, "I can't help with that.", NULL), PA_NA);
        assert_int_equal(pa_scorer_set_compile(&set, j, "t.json", &err), 0);
        memset(&s, 0, sizeof(s));
        s.scorers = set;
        rec = json_loads("{\"judge\":{\"r\":{\"verdict\":true}}}", 0, NULL);
        pa__judge_stored(&s, &it, json_object_get(rec, "judge"), v);
        assert_int_equal(v[0], PA_TRUE);
        assert_false(pa__judge_record_missing(rec));
        json_decref(rec);
        rec = json_loads("{\"judge\":{\"r\":{\"verdict\":null,\"error\":\"x\"}}}", 0, NULL);
        pa__judge_stored(&s, &it, json_object_get(rec, "judge"), v);
        assert_int_equal(v[0], PA_NA);
        assert_true(pa__judge_record_missing(rec));
        json_decref(rec);
        pa__judge_stored(&s, &it, NULL, v); /* no rating at all: missing */
        assert_int_equal(v[0], PA_NA);
        assert_string_equal(pa__judge_scorer_prompt(&set.v[0]), "{prompt}: {answer}");
        pa_scorer_set_release(&set);
        json_decref(j);
}

/* Parallel re-scoring of many records equals scoring each one alone. */
static void rescoring_matches_serial(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        char p[4096];
        json_t *records = json_array();
        static const char *const answers[] = {"Yes.", "No.", "yes indeed", "Paris", NULL};

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        for (int i = 0; i < 5000; i++) {
                const char *item = i % 2 ? "a" : "b";
                const char *a = answers[i % 5];

                json_array_append_new(records, json_pack("{s:s, s:o}", "item_id", item, "response",
                                                         a ? json_string(a) : json_null()));
        }
        assert_int_equal(pa_score_records(&s, records, &err), 0);
        for (size_t i = 0; i < json_array_size(records); i++) {
                json_t *sc = json_object_get(json_array_get(records, i), "scores");
                const char *a = answers[i % 5];

                if (i % 2) {
                        assert_int_equal(json_object_size(sc), 1);
                        if (!a)
                                assert_true(json_is_null(json_object_get(sc, "yes")));
                        else
                                assert_int_equal(json_is_true(json_object_get(sc, "yes")),
                                                 a[0] == 'Y' || a[0] == 'y');
                } else {
                        assert_int_equal(json_object_size(sc), 2);
                        if (a)
                                assert_int_equal(json_is_true(json_object_get(sc, "right")),
                                                 !strcmp(a, "Paris"));
                }
        }
        json_array_append_new(records, json_pack("{s:s}", "item_id", "zz"));
        assert_int_equal(pa_score_records(&s, records, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "item 'zz' is not in suite 'unit'"));
        json_decref(records);
        pa_suite_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(regex_scorer),       cmocka_unit_test(regex_per_item),
            cmocka_unit_test(exact_and_contains), cmocka_unit_test(compile_errors),
            cmocka_unit_test(judge_scorer),       cmocka_unit_test(rescoring_matches_serial),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
