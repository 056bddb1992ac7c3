/* scorers/analysis/regression.c: the worked example "Regression between versions"
 * (shared/reference/worked_examples.md), pairing and its counts, the
 * cluster bootstrap, the correction across domains, the verdict and its
 * reproducibility. Records are built in memory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <omp.h>

#include "parity/common.h"
#include "parity/report.h"
#include "parity/stats.h"
#include "parity/suite.h"
#include "test_util.h"

#define REL6 5e-6

#define assert_near(got, want, tol) check_abs((got), (want), (tol), __FILE__, __LINE__)

static void check_abs(double got, double want, double tol, const char *file, int line)
{
        if (fabs(got - want) <= tol)
                return;
        print_error("got %.15g, want %.15g (tolerance %g)\n", got, want, tol);
        _fail(file, line);
}

/* A record: score 1 true, 0 false, -1 null (as a failed request). */
static json_t *rec(const char *case_id, int sample, const char *item, const char *domain,
                   const char *outcome, int score)
{
        json_t *scores = json_object();

        json_object_set_new(scores, outcome ? outcome : "correct",
                            score < 0 ? json_null() : json_boolean(score));
        return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:o}", "case_id", case_id, "sample",
                         sample, "item_id", item, "domain", domain, "outcome",
                         outcome ? json_string(outcome) : json_null(), "scores", scores, "error",
                         score < 0 ? json_string("http 500") : json_null());
}

/* Appends one pair (base score, candidate score) to both runs. */
static void add_pair(json_t *base, json_t *cand, const char *case_id, int sample, const char *item,
                     const char *domain, int sb, int sc)
{
        json_array_append_new(base, rec(case_id, sample, item, domain, "yes", sb));
        json_array_append_new(cand, rec(case_id, sample, item, domain, "yes", sc));
}

/* The worked example in domain `domain`: 500 items, b = 30 right only in
 * base, c = 14 only in the candidate, 380 both right, 76 both wrong. */
static void worked_example(json_t *base, json_t *cand, const char *domain)
{
        char id[64];

        for (int i = 0; i < 500; i++) {
                int sb = i < 30 || (i >= 44 && i < 424), sc = (i >= 30 && i < 424);

                snprintf(id, sizeof(id), "%s-%03d", domain, i);
                add_pair(base, cand, id, 0, id, domain, sb, sc);
        }
}

static const json_t *domain_of(const json_t *r, size_t i)
{
        return json_array_get(json_object_get(r, "domains"), i);
}

static double num(const json_t *o, const char *key)
{
        return json_number_value(json_object_get(o, key));
}

static double at(const json_t *o, const char *key, size_t i)
{
        return json_number_value(json_array_get(json_object_get(o, key), i));
}

static json_t *build(const struct pa_suite *s, const json_t *base, const json_t *cand,
                     const struct pa_analysis_conf *c)
{
        struct pa_err err = {{0}};
        json_t *out = NULL;
        int rc = pa_regression_build(s, base, cand, c, &out, &err);

        if (rc)
                print_error("%s\n", err.msg);
        assert_int_equal(rc, 0);
        assert_non_null(out);
        return out;
}

static void example_500(void **state)
{
        struct pa_analysis_conf c;
        struct pa_suite s;
        struct pa_err err;
        char path[1024];
        json_t *base = json_array(), *cand = json_array(), *r;
        const json_t *d;

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(path, sizeof(path), "suites/good.json"), &err),
                         0);
        pa_analysis_conf_init(&c);
        worked_example(base, cand, "qa");
        r = build(&s, base, cand, &c);
        assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 500);
        assert_int_equal(json_array_size(json_object_get(r, "domains")), 1);
        d = domain_of(r, 0);
        assert_string_equal(json_string_value(json_object_get(d, "outcome")), "yes");
        assert_string_equal(json_string_value(json_object_get(d, "domain")), "qa");
        assert_int_equal(json_integer_value(json_object_get(d, "n")), 500);
        assert_int_equal(json_integer_value(json_object_get(d, "items")), 500);
        assert_int_equal(json_integer_value(json_object_get(d, "b")), 30);
        assert_int_equal(json_integer_value(json_object_get(d, "c")), 14);
        assert_int_equal(json_integer_value(json_object_get(d, "base_correct")), 410);
        assert_int_equal(json_integer_value(json_object_get(d, "cand_correct")), 394);
        assert_near(num(d, "acc_base"), 0.82, 1e-15);
        assert_near(num(d, "acc_cand"), 0.788, 1e-15);
        assert_true(at(d, "acc_base_ci", 0) < 0.82 && at(d, "acc_base_ci", 1) > 0.82);
        assert_near(num(d, "p"), 0.0226288, 0.0226288 * REL6);
        assert_true(num(d, "midp") < num(d, "p"));
        assert_near(num(d, "p_adjusted"), num(d, "p"), 1e-15);
        assert_near(num(d, "delta"), -0.032, 1e-15);
        assert_near(at(d, "delta_ci_wald", 0), -0.0578501, 0.0578501 * REL6);
        assert_near(at(d, "delta_ci_wald", 1), -0.00614987, 0.00614987 * REL6);
        /* One pair an item: the cluster bootstrap is the plain one, +-1/n. */
        assert_near(at(d, "delta_ci", 0), -0.058, 1.0 / 500);
        assert_near(at(d, "delta_ci", 1), -0.006, 1.0 / 500);
        /* Significant, but a drop of 3.2 points is under the 5-point default. */
        assert_string_equal(json_string_value(json_object_get(d, "verdict")), "unchanged");
        assert_near(num(r, "min_diff"), 0.05, 0);
        assert_string_equal(json_string_value(json_object_get(r, "correction")), "bh");
        json_decref(r);

        c.min_diff = 0.02;
        r = build(&s, base, cand, &c);
        assert_string_equal(json_string_value(json_object_get(domain_of(r, 0), "verdict")),
                            "regression");
        json_decref(r);
        /* Swapped runs: the same test, an improvement. */
        r = build(&s, cand, base, &c);
        assert_near(num(domain_of(r, 0), "delta"), 0.032, 1e-15);
        assert_string_equal(json_string_value(json_object_get(domain_of(r, 0), "verdict")),
                            "improvement");
        json_decref(r);
        json_decref(base);
        json_decref(cand);
        pa_suite_release(&s);
}

/* Only-base, only-candidate, failed and mismatched records. */
static void counts(void **state)
{
        struct pa_analysis_conf c;
        json_t *base = json_array(), *cand = json_array(), *r;
        const json_t *d;

        (void)state;
        pa_analysis_conf_init(&c);
        add_pair(base, cand, "k1", 0, "i1", "math", 1, 0);
        add_pair(base, cand, "k1", 1, "i1", "math", 1, 1);
        add_pair(base, cand, "k2", 0, "i2", "math", 1, -1); /* failed in cand */
        add_pair(base, cand, "k3", 0, "i3", "math", -1, -1);
        json_array_append_new(base, rec("k4", 0, "i4", "math", "yes", 1));
        json_array_append_new(base, rec("k1", 2, "i1", "math", "yes", 1));
        json_array_append_new(base, rec("k1", 3, "i1", "math", "yes", 0));
        json_array_append_new(cand, rec("k5", 0, "i5", "math", "yes", 1));
        /* Scored on another scorer in the candidate. */
        json_array_append_new(base, rec("k6", 0, "i6", "math", "yes", 1));
        json_array_append_new(cand, rec("k6", 0, "i6", "math", "other", 1));
        /* No scorer to judge by (no outcome, no suite). */
        json_array_append_new(base, rec("k7", 0, "i7", "math", NULL, 1));
        json_array_append_new(cand, rec("k7", 0, "i7", "math", NULL, 1));
        /* A repeated key: the first record counts. */
        json_array_append_new(cand, rec("k1", 0, "i1", "math", "yes", 1));
        r = build(NULL, base, cand, &c);
        assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 2);
        assert_int_equal(json_integer_value(json_object_get(r, "only_base")), 3);
        assert_int_equal(json_integer_value(json_object_get(r, "only_cand")), 1);
        assert_int_equal(json_integer_value(json_object_get(r, "excluded")), 4);
        d = domain_of(r, 0);
        assert_int_equal(json_integer_value(json_object_get(d, "n")), 2);
        assert_int_equal(json_integer_value(json_object_get(d, "items")), 1);
        assert_int_equal(json_integer_value(json_object_get(d, "b")), 1);
        assert_int_equal(json_integer_value(json_object_get(d, "c")), 0);
        assert_near(num(d, "p"), 1, 0);
        json_decref(r);

        /* Nothing pairs: no domains, and still an answer. */
        json_decref(cand);
        cand = json_array();
        r = build(NULL, base, cand, &c);
        assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 0);
        assert_int_equal(json_integer_value(json_object_get(r, "only_base")), 9);
        assert_int_equal(json_array_size(json_object_get(r, "domains")), 0);
        json_decref(r);
        json_decref(base);
        json_decref(cand);
}

/* Items of 10 samples each, whose pairs agree within the item: 10 items
 * lost by the candidate in every sample, 4 won, 36 unchanged. Resampling
 * pairs would treat the 140 discordant pairs as independent; resampling
 * items sees only 14 discordant items, and its interval is wider. */
static void heterogeneous(json_t *base, json_t *cand, int own_item)
{
        char id[64], item[64];

        for (int i = 0; i < 50; i++)
                for (int k = 0; k < 10; k++) {
                        int sb = i < 10 || i >= 14, sc = i >= 10;

                        snprintf(id, sizeof(id), "case-%02d", i);
                        snprintf(item, sizeof(item), own_item ? "item-%02d-%d" : "item-%02d", i, k);
                        add_pair(base, cand, id, k, item, "d", sb, sc);
                }
}

static void clustered(void **state)
{
        struct pa_analysis_conf c;
        json_t *b1 = json_array(), *c1 = json_array(), *b2 = json_array(), *c2 = json_array();
        json_t *rc, *ru;
        const json_t *dc, *du;
        double wc, wu;

        (void)state;
        pa_analysis_conf_init(&c);
        heterogeneous(b1, c1, 0);
        heterogeneous(b2, c2, 1);
        rc = build(NULL, b1, c1, &c);
        ru = build(NULL, b2, c2, &c);
        dc = domain_of(rc, 0);
        du = domain_of(ru, 0);
        assert_int_equal(json_integer_value(json_object_get(dc, "items")), 50);
        assert_int_equal(json_integer_value(json_object_get(du, "items")), 500);
        assert_int_equal(json_integer_value(json_object_get(dc, "n")), 500);
        assert_near(num(dc, "delta"), -0.12, 1e-15);
        assert_near(num(du, "delta"), -0.12, 1e-15);
        wc = at(dc, "delta_ci", 1) - at(dc, "delta_ci", 0);
        wu = at(du, "delta_ci", 1) - at(du, "delta_ci", 0);
        /* Item-level SD is sqrt(10) times the pair-level one here. */
        assert_true(wc > 2 * wu);
        /* The unclustered bootstrap agrees with the paired Wald interval. */
        assert_near(wu, at(du, "delta_ci_wald", 1) - at(du, "delta_ci_wald", 0), 0.004);
        json_decref(rc);
        json_decref(ru);
        json_decref(b1);
        json_decref(c1);
        json_decref(b2);
        json_decref(c2);
}

/* Same seed, same answer, at any thread count; another seed differs. */
static void reproducible(void **state)
{
        struct pa_analysis_conf c;
        json_t *base = json_array(), *cand = json_array(), *r1, *r2, *r3;
        int threads = omp_get_max_threads();

        (void)state;
        pa_analysis_conf_init(&c);
        c.boot_reps = 20000; /* enough draws for the thread team to start */
        heterogeneous(base, cand, 0);
        worked_example(base, cand, "qa");
        omp_set_num_threads(1);
        r1 = build(NULL, base, cand, &c);
        omp_set_num_threads(4);
        r2 = build(NULL, base, cand, &c);
        omp_set_num_threads(threads);
        assert_true(json_equal(r1, r2));
        c.seed++;
        r3 = build(NULL, base, cand, &c);
        assert_false(json_equal(r1, r3));
        assert_int_equal(json_integer_value(json_object_get(r3, "seed")),
                         json_integer_value(json_object_get(r1, "seed")) + 1);
        json_decref(r1);
        json_decref(r2);
        json_decref(r3);
        json_decref(base);
        json_decref(cand);
}

/* Two domains corrected together; sorted by outcome, then domain. */
static void correction(void **state)
{
        struct pa_analysis_conf c;
        json_t *base = json_array(), *cand = json_array(), *r;
        const json_t *qa, *same;

        (void)state;
        pa_analysis_conf_init(&c);
        worked_example(base, cand, "qa");
        add_pair(base, cand, "z1", 0, "z1", "aaa", 1, 1);
        add_pair(base, cand, "z2", 0, "z2", "aaa", 0, 1);
        r = build(NULL, base, cand, &c);
        same = domain_of(r, 0);
        qa = domain_of(r, 1);
        assert_string_equal(json_string_value(json_object_get(same, "domain")), "aaa");
        assert_string_equal(json_string_value(json_object_get(qa, "domain")), "qa");
        /* BH with p = (1, 0.0226288): the smaller one doubled. */
        assert_near(num(qa, "p_adjusted"), 2 * 0.0226288, 2 * 0.0226288 * REL6);
        assert_near(num(same, "p_adjusted"), 1, 0);
        json_decref(r);
        c.correction = PA_ADJ_HOLM;
        r = build(NULL, base, cand, &c);
        assert_string_equal(json_string_value(json_object_get(r, "correction")), "holm");
        assert_near(num(domain_of(r, 1), "p_adjusted"), 2 * 0.0226288, 2 * 0.0226288 * REL6);
        json_decref(r);
        /* At alpha 0.04 the corrected 0.045 is no finding, whatever the delta. */
        c.alpha = 0.04;
        c.min_diff = 0.01;
        r = build(NULL, base, cand, &c);
        assert_string_equal(json_string_value(json_object_get(domain_of(r, 1), "verdict")),
                            "unchanged");
        json_decref(r);
        json_decref(base);
        json_decref(cand);
}

/* An item without an outcome that runs one scorer is judged on it. */
static void single_scorer_item(void **state)
{
        static const char suite[] =
            "{\"parity_suite\": 1, \"id\": \"t\", \"version\": \"1\", \"axes\": {},"
            " \"scorers\": {\"correct\": {\"type\": \"exact\"},"
            " \"other\": {\"type\": \"contains\", \"value\": \"x\"}},"
            " \"items\": [{\"id\": \"q\", \"domain\": \"arith\", \"expected\": \"4\","
            " \"scorers\": [\"correct\"], \"prompt\": \"2+2?\"},"
            " {\"id\": \"r\", \"expected\": \"4\", \"prompt\": \"2+2?\"}]}";
        char path[] = "/tmp/parity-test-regression-XXXXXX";
        struct pa_analysis_conf c;
        struct pa_suite s;
        struct pa_err err;
        json_t *base = json_array(), *cand = json_array(), *r;
        const json_t *d;
        int fd = mkstemp(path);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

        (void)state;
        assert_non_null(f);
        fputs(suite, f);
        fclose(f);
        assert_int_equal(pa_suite_load(&s, path, &err), 0);
        unlink(path);
        pa_analysis_conf_init(&c);
        json_array_append_new(base, rec("a", 0, "q", "arith", NULL, 1));
        json_array_append_new(cand, rec("a", 0, "q", "arith", NULL, 0));
        /* Item r runs both scorers: nothing to judge it by. */
        json_array_append_new(base, rec("b", 0, "r", "general", NULL, 1));
        json_array_append_new(cand, rec("b", 0, "r", "general", NULL, 0));
        r = build(&s, base, cand, &c);
        assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 1);
        assert_int_equal(json_integer_value(json_object_get(r, "excluded")), 1);
        d = domain_of(r, 0);
        assert_string_equal(json_string_value(json_object_get(d, "outcome")), "correct");
        assert_string_equal(json_string_value(json_object_get(d, "domain")), "arith");
        assert_int_equal(json_integer_value(json_object_get(d, "b")), 1);
        json_decref(r);
        json_decref(base);
        json_decref(cand);
        pa_suite_release(&s);
}

static void bad_input(void **state)
{
        struct pa_analysis_conf c;
        struct pa_err err = {{0}};
        json_t *base = json_array(), *cand = json_array(), *out = NULL;

        (void)state;
        pa_analysis_conf_init(&c);
        json_array_append_new(base, json_pack("{s:i}", "sample", 0));
        assert_int_equal(pa_regression_build(NULL, base, cand, &c, &out, &err), PA_EINVAL);
        assert_null(out);
        assert_non_null(strstr(err.msg, "base record 0"));
        c.alpha = 1;
        assert_int_equal(pa_regression_build(NULL, cand, cand, &c, &out, &err), PA_EINVAL);
        json_decref(base);
        json_decref(cand);
}

/* The ratio bootstrap is the mean bootstrap, draw for draw, when every
 * cluster has one unit; invalid input is refused. */
static void ratio_bootstrap(void **state)
{
        double x[200], ones[200], lo1, hi1, sd1, lo2, hi2, sd2;

        (void)state;
        for (int i = 0; i < 200; i++) {
                x[i] = (i % 7 == 0) - (i % 5 == 0);
                ones[i] = 1;
        }
        assert_int_equal(pa_bootstrap_mean(x, 200, 999, 0.05, 3, &lo1, &hi1, &sd1), 0);
        assert_int_equal(pa_bootstrap_ratio(x, ones, 200, 999, 0.05, 3, &lo2, &hi2, &sd2), 0);
        assert_true(lo1 == lo2 && hi1 == hi2 && sd1 == sd2);
        ones[5] = 0;
        assert_int_equal(pa_bootstrap_ratio(x, ones, 200, 999, 0.05, 3, &lo2, &hi2, NULL),
                         PA_EINVAL);
        assert_int_equal(pa_bootstrap_ratio(x, NULL, 200, 999, 0.05, 3, &lo2, &hi2, NULL),
                         PA_EINVAL);
        x[0] = NAN;
        assert_int_equal(pa_bootstrap_mean(x, 200, 999, 0.05, 3, &lo2, &hi2, NULL), PA_EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(example_500), cmocka_unit_test(counts),
            cmocka_unit_test(clustered),   cmocka_unit_test(reproducible),
            cmocka_unit_test(correction),  cmocka_unit_test(single_scorer_item),
            cmocka_unit_test(bad_input),   cmocka_unit_test(ratio_bootstrap),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
