/* The disparity analysis on records with known answers: the worked
 * examples of ../shared/reference/worked_examples.md (counterfactual pairs,
 * Cochran's Q), flags, corrections, samples and intersections. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "test_util.h"

static void load(struct pa_suite *s, const char *rel)
{
        struct pa_err err = {{0}};
        char p[4096];

        assert_int_equal(pa_suite_load(s, test_path(p, sizeof(p), rel), &err), 0);
}

static json_t *record(const char *item, const char *axis, const char *group, int sample, int yes)
{
        json_t *groups = json_pack("{s:s}", axis, group);

        return json_pack("{s:s, s:i, s:s, s:o, s:s, s:{s:o}}", "item_id", item, "sample", sample,
                         "domain", "d", "groups", groups, "outcome", "yes", "scores", "yes",
                         yes < 0 ? json_null() : json_boolean(yes));
}

static const json_t *entry(const json_t *summary, const char *axis)
{
        const json_t *o;
        size_t i;

        json_array_foreach(
            json_object_get(summary, "outcomes"), i,
            o) if (!strcmp(json_string_value(json_object_get(o, "axis")), axis)) return o;
        fail_msg("no entry for axis %s", axis);
        return NULL;
}

static double num(const json_t *o, const char *key)
{
        return json_number_value(json_object_get(o, key));
}

/* 200 pairs: both yes 100, only A yes 25, only B yes 10, both no 65. */
static json_t *pairs_records(void)
{
        json_t *r = json_array();
        char id[16];

        for (int i = 0; i < 200; i++) {
                int a = i < 125, b = i < 100 || (i >= 125 && i < 135);

                snprintf(id, sizeof(id), "i%03d", i);
                json_array_append_new(r, record(id, "g", "A", 0, a));
                json_array_append_new(r, record(id, "g", "B", 0, b));
        }
        return r;
}

static void mcnemar_on_counterfactual_pairs(void **state)
{
        struct pa_suite s;
        struct pa_analysis_conf c;
        struct pa_err err = {{0}};
        json_t *recs = pairs_records(), *sum = NULL;
        const json_t *e, *b, *pairs;

        (void)state;
        load(&s, "suites/pairs.json");
        pa_analysis_conf_init(&c);
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &sum, &err), 0);
        e = entry(sum, "g");
        b = json_array_get(json_object_get(e, "groups"), 1);
        pairs = json_object_get(b, "pairs");
        assert_string_equal(json_string_value(json_object_get(b, "test")), "mcnemar_exact");
        assert_int_equal(json_integer_value(json_object_get(pairs, "n")), 200);
        assert_int_equal(json_integer_value(json_object_get(pairs, "ref_only")), 25);
        assert_int_equal(json_integer_value(json_object_get(pairs, "group_only")), 10);
        assert_true(fabs(num(b, "p") - 0.0166738) < 1e-6);
        assert_true(fabs(num(b, "midp") - 0.0113310) < 1e-6);
        assert_true(fabs(num(b, "diff") + 0.075) < 1e-12);
        assert_true(fabs(num(e, "flip_rate") - 0.175) < 1e-12);
        /* One comparison: adjusted = raw; |diff| 0.075 >= 0.05, so flagged. */
        assert_true(fabs(num(b, "p_adjusted") - num(b, "p")) < 1e-15);
        assert_true(json_is_true(json_object_get(b, "flag")));
        assert_int_equal(json_array_size(json_object_get(sum, "findings")), 1);
        assert_true(fabs(num(b, "ratio") - 110.0 / 125.0) < 1e-12);
        assert_true(json_is_true(json_object_get(b, "four_fifths")));
        json_decref(sum);

        /* A practical threshold above the effect: no finding, same p. */
        c.min_diff = 0.1;
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &sum, &err), 0);
        b = json_array_get(json_object_get(entry(sum, "g"), "groups"), 1);
        assert_false(json_is_true(json_object_get(b, "flag")));
        assert_int_equal(json_array_size(json_object_get(sum, "findings")), 0);
        assert_true(num(b, "mde") > 0.05 && num(b, "mde") < 0.2);
        json_decref(sum);
        json_decref(recs);
        pa_suite_release(&s);
}

/* 104 sets x 3 groups, pattern counts of worked_examples.md. */
static void cochran_q_and_run_wide_correction(void **state)
{
        static const struct {
                const char *pattern;
                int count;
        } patterns[] = {{"111", 50}, {"000", 30}, {"100", 8}, {"010", 2},
                        {"001", 3},  {"110", 4},  {"101", 6}, {"011", 1}};
        static const char *const groups[] = {"g1", "g2", "g3"};
        struct pa_suite s;
        struct pa_analysis_conf c;
        struct pa_err err = {{0}};
        json_t *recs = json_array(), *sum = NULL;
        const json_t *e, *om, *g2, *g3;
        double p[2], adj[2];
        int item = 0;
        char id[16];

        (void)state;
        load(&s, "suites/cochran.json");
        for (size_t k = 0; k < sizeof(patterns) / sizeof(*patterns); k++) {
                for (int n = 0; n < patterns[k].count; n++, item++) {
                        snprintf(id, sizeof(id), "i%03d", item);
                        for (int g = 0; g < 3; g++)
                                json_array_append_new(recs, record(id, "g", groups[g], 0,
                                                                   patterns[k].pattern[g] == '1'));
                }
        }
        pa_analysis_conf_init(&c);
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &sum, &err), 0);
        e = entry(sum, "g");
        om = json_object_get(e, "omnibus");
        assert_true(fabs(num(om, "q") - 8.08333) < 1e-5);
        assert_true(fabs(num(om, "p") - 0.0175682) < 1e-6);
        assert_true(fabs(num(e, "flip_rate") - 0.230769) < 1e-6);
        /* The two pairwise McNemar p-values are BH-adjusted together. */
        g2 = json_array_get(json_object_get(e, "groups"), 1);
        g3 = json_array_get(json_object_get(e, "groups"), 2);
        p[0] = num(g2, "p");
        p[1] = num(g3, "p");
        assert_int_equal(pa_p_adjust(p, 2, PA_ADJ_BH, adj), 0);
        assert_true(fabs(num(g2, "p_adjusted") - adj[0]) < 1e-15);
        assert_true(fabs(num(g3, "p_adjusted") - adj[1]) < 1e-15);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(sum, "analysis"), "comparisons")),
            2);
        json_decref(sum);
        json_decref(recs);
        pa_suite_release(&s);
}

/* Several samples a case: the sign-flip test over items, reproducible by
 * seed. */
static void samples_use_permutation(void **state)
{
        struct pa_suite s;
        struct pa_analysis_conf c;
        struct pa_err err = {{0}};
        json_t *recs = json_array(), *s1 = NULL, *s2 = NULL;
        const json_t *b1, *b2;
        char id[16];

        (void)state;
        load(&s, "suites/pairs.json");
        /* A says yes 4 of 5 times, B 1 of 5, on 30 items. */
        for (int i = 0; i < 30; i++) {
                snprintf(id, sizeof(id), "i%03d", i);
                for (int k = 0; k < 5; k++) {
                        json_array_append_new(recs, record(id, "g", "A", k, k < 4));
                        json_array_append_new(recs, record(id, "g", "B", k, k < 1));
                }
        }
        pa_analysis_conf_init(&c);
        c.perm_reps = 2000;
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &s1, &err), 0);
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &s2, &err), 0);
        b1 = json_array_get(json_object_get(entry(s1, "g"), "groups"), 1);
        b2 = json_array_get(json_object_get(entry(s2, "g"), "groups"), 1);
        assert_string_equal(json_string_value(json_object_get(b1, "test")), "signflip_items");
        assert_int_equal(json_integer_value(json_object_get(b1, "items")), 30);
        assert_true(num(b1, "p") == num(b2, "p"));
        assert_true(num(b1, "p") < 0.001);
        assert_true(fabs(num(b1, "diff") + 0.6) < 1e-12);
        assert_true(json_is_true(json_object_get(b1, "flag")));
        json_decref(s1);
        json_decref(s2);
        json_decref(recs);
        pa_suite_release(&s);
}

/* Crossed axes get an intersection entry; failed answers are unscored. */
static void intersections_and_unscored(void **state)
{
        struct pa_suite s;
        struct pa_analysis_conf c;
        struct pa_err err = {{0}};
        json_t *recs = json_array(), *sum = NULL;
        const json_t *e, *g;
        static const char *const gender[] = {"man", "woman"};
        static const char *const age[] = {"young", "old", "older"};

        (void)state;
        load(&s, "suites/good.json");
        for (int gi = 0; gi < 2; gi++) {
                for (int ai = 0; ai < 3; ai++) {
                        json_t *r =
                            json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:s, s:{s:o}}", "item_id", "a",
                                      "sample", 0, "domain", "hiring", "groups", "gender",
                                      gender[gi], "age", age[ai], "outcome", "yes", "scores", "yes",
                                      gi && ai == 2 ? json_null() : json_boolean(gi == 0));
                        json_array_append_new(recs, r);
                }
        }
        pa_analysis_conf_init(&c);
        assert_int_equal(pa_summary_analyse(&s, recs, "t", &c, &sum, &err), 0);
        e = entry(sum, "gender+age");
        assert_string_equal(json_string_value(json_object_get(e, "reference")), "man+young");
        assert_int_equal(json_array_size(json_object_get(e, "groups")), 6);
        g = json_array_get(json_object_get(e, "groups"), 5); /* woman+older */
        assert_string_equal(json_string_value(json_object_get(g, "group")), "woman+older");
        assert_int_equal(json_integer_value(json_object_get(g, "unscored")), 1);
        assert_int_equal(json_integer_value(json_object_get(g, "n")), 0);
        /* One set cannot give p < 0.05: untestable, not counted, not flagged. */
        g = json_array_get(json_object_get(e, "groups"), 3); /* woman+young */
        assert_true(json_is_false(json_object_get(g, "testable")));
        assert_true(json_is_null(json_object_get(g, "p_adjusted")));
        assert_false(json_is_true(json_object_get(g, "flag")));
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(sum, "analysis"), "comparisons")),
            0);
        e = entry(sum, "gender");
        g = json_array_get(json_object_get(e, "groups"), 1);
        assert_int_equal(json_integer_value(json_object_get(g, "n")), 2);
        assert_int_equal(json_integer_value(json_object_get(g, "unscored")), 1);
        json_decref(sum);
        json_decref(recs);
        pa_suite_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(mcnemar_on_counterfactual_pairs),
            cmocka_unit_test(cochran_q_and_run_wide_correction),
            cmocka_unit_test(samples_use_permutation),
            cmocka_unit_test(intersections_and_unscored),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
