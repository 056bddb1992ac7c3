/* The per-sample seed (docs/formats.md, "Seeds") and the sim engine's
 * model properties: item intercepts, per-item group effects, greedy
 * answers at temperature 0, common random numbers across an item's groups
 * (docs/formats.md, "Sim profile"). tests/data/sim/hetero-suite.json has
 * 200 items, each with a man and a woman variant. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "test_util.h"

#define N_ITEMS 200

/* Vectors computed independently with
 *   python3 -c 'import hashlib,sys; b,i,k=sys.argv[1:]; print(int.from_bytes(
 *     hashlib.sha256(b"parity-seed-1\0"+b.encode()+b"\0"+i.encode()+b"\0"
 *     +k.encode()).digest()[:8],"big") & 0x7fffffff)' 7 a 2 */
static void seed_vectors(void **state)
{
        static const struct {
                uint64_t base;
                const char *item;
                unsigned sample;
                uint64_t want;
        } v[] = {
            {7, "a", 2, 289875758},  {7, "a", 0, 136475981},
            {7, "b", 0, 1766545798}, {2000, "swe-senior", 0, 2024160296},
            {0, "", 0, 112109125},   {UINT64_MAX, "x", 4294967295u, 998528652},
        };
        uint64_t got;

        (void)state;
        for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
                assert_int_equal(pa_sample_seed(v[i].base, v[i].item, v[i].sample, &got), 0);
                assert_int_equal(got, v[i].want);
                assert_true(got <= PA_SEED_MASK);
        }
}

struct fix {
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err;
};

static int open_sim(struct fix *f, const char *profile, double temperature, uint64_t seed)
{
        char p[4096];
        struct pa_engine_conf c = {.name = "sim",
                                   .timeout_s = 1,
                                   .max_tokens = -1,
                                   .has_temperature = true,
                                   .temperature = temperature,
                                   .has_seed = true,
                                   .seed = seed};

        memset(f, 0, sizeof(*f));
        assert_int_equal(
            pa_suite_load(&f->s, test_path(p, sizeof(p), "sim/hetero-suite.json"), &f->err), 0);
        c.suite = &f->s;
        c.sim_profile = profile ? test_path(p, sizeof(p), profile) : NULL;
        return pa_engine_open(&f->e, &c, &f->err);
}

static void close_sim(struct fix *f)
{
        pa_engine_close(&f->e);
        pa_suite_release(&f->s);
}

/* Answer of item i, variant v, sample k: 1 yes, 0 no; *seed the seed sent. */
static int answer(struct fix *f, size_t i, uint64_t v, unsigned k, uint64_t *seed)
{
        struct pa_job job = {0};
        struct pa_reply r = {0};
        int yes;

        assert_int_equal(pa_case_build(&f->s, i, v, &job.c, &f->err), 0);
        assert_int_equal(pa_job_init(&job, &f->e, k), 0);
        assert_int_equal(f->e.ops->answer(&f->e, &job, &r, &f->err), 0);
        yes = !strcmp(r.text, "Yes.");
        if (seed)
                *seed = job.seed;
        pa_reply_release(&r);
        pa_job_release(&job);
        return yes;
}

/* Groups of one item share a seed; items and samples do not. */
static void seeds_follow_items(void **state)
{
        struct fix f;
        uint64_t a0, a1, b0, a0k1;

        (void)state;
        assert_int_equal(open_sim(&f, NULL, 0.7, 5), 0);
        answer(&f, 0, 0, 0, &a0);
        answer(&f, 0, 1, 0, &a1);
        answer(&f, 1, 0, 0, &b0);
        answer(&f, 0, 0, 1, &a0k1);
        assert_int_equal(a0, a1);
        assert_int_not_equal(a0, b0);
        assert_int_not_equal(a0, a0k1);
        close_sim(&f);
}

/* Per-item yes rates (man variant, or woman minus man when diff) over K
 * samples at base seed `seed`. */
static void item_rates(const char *profile, uint64_t seed, bool diff, double *rate)
{
        const unsigned K = 100;
        struct fix f;

        assert_int_equal(open_sim(&f, profile, 0.7, seed), 0);
        for (size_t i = 0; i < N_ITEMS; i++) {
                int n = 0;

                for (unsigned k = 0; k < K; k++)
                        n += diff ? answer(&f, i, 1, k, NULL) - answer(&f, i, 0, k, NULL)
                                  : answer(&f, i, 0, k, NULL);
                rate[i] = (double)n / K;
        }
        close_sim(&f);
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
        double s = 0, ss = 0;

        for (size_t i = 0; i < n; i++)
                s += x[i];
        *mean = s / n;
        for (size_t i = 0; i < n; i++)
                ss += (x[i] - *mean) * (x[i] - *mean);
        *sd = sqrt(ss / (n - 1));
}

/* item_sd 2: item rates spread far beyond binomial noise (sd 0.05 at
 * K=100) and are a model property: two base seeds give the same items. */
static void item_intercepts(void **state)
{
        static double r1[N_ITEMS], r2[N_ITEMS], flat[N_ITEMS];
        double m1, s1, m2, s2, mf, sf, cov = 0;

        (void)state;
        item_rates("sim/hetero.json", 1, false, r1);
        item_rates("sim/hetero.json", 2, false, r2);
        item_rates(NULL, 1, false, flat);
        mean_sd(r1, N_ITEMS, &m1, &s1);
        mean_sd(r2, N_ITEMS, &m2, &s2);
        mean_sd(flat, N_ITEMS, &mf, &sf);
        for (size_t i = 0; i < N_ITEMS; i++)
                cov += (r1[i] - m1) * (r2[i] - m2);
        assert_true(s1 > 0.25);
        assert_true(sf < 0.07);
        assert_true(fabs(mf - 0.5) < 0.02);
        assert_true(cov / (N_ITEMS - 1) / (s1 * s2) > 0.9);
}

/* group_sd 1 and no planted shift: per-item group effects that average
 * to zero over items. Without it, common random numbers make the groups
 * of an item answer alike sample by sample. */
static void group_effects(void **state)
{
        static double d[N_ITEMS], none[N_ITEMS];
        double m, s, mn, sn;

        (void)state;
        item_rates("sim/hetero.json", 3, true, d);
        item_rates(NULL, 3, true, none);
        mean_sd(d, N_ITEMS, &m, &s);
        mean_sd(none, N_ITEMS, &mn, &sn);
        assert_true(s > 0.1);
        assert_true(fabs(m) < 0.04);
        assert_true(mn == 0 && sn == 0);
}

/* Temperature 0 with greedy_at_t0: one answer per case whatever the seed
 * and sample, yet varying over cases; at 0.7 the samples vary. */
static void greedy_at_zero(void **state)
{
        struct fix f, g;
        int yes = 0, varied = 0;

        (void)state;
        assert_int_equal(open_sim(&f, "sim/hetero.json", 0, 11), 0);
        assert_int_equal(open_sim(&g, "sim/hetero.json", 0, 12), 0);
        for (size_t i = 0; i < N_ITEMS; i++) {
                int first = answer(&f, i, 1, 0, NULL);

                for (unsigned k = 1; k < 20; k++)
                        assert_int_equal(answer(&f, i, 1, k, NULL), first);
                assert_int_equal(answer(&g, i, 1, 3, NULL), first);
                yes += first;
        }
        assert_true(yes > 40 && yes < 160);
        close_sim(&f);
        close_sim(&g);
        assert_int_equal(open_sim(&f, "sim/hetero.json", 0.7, 11), 0);
        for (size_t i = 0; i < 20; i++) {
                int first = answer(&f, i, 1, 0, NULL);

                for (unsigned k = 1; k < 20; k++)
                        varied |= answer(&f, i, 1, k, NULL) != first;
        }
        assert_true(varied);
        close_sim(&f);
}

static void bad_profiles(void **state)
{
        struct fix f;

        (void)state;
        assert_int_equal(open_sim(&f, "sim/bad-sd.json", 0, 1), PA_EINVAL);
        assert_non_null(strstr(f.err.msg, "/item_sd: expected a number in [0, 10]"));
        close_sim(&f);
        assert_int_equal(open_sim(&f, "sim/bad-greedy.json", 0, 1), PA_EINVAL);
        assert_non_null(strstr(f.err.msg, "/greedy_at_t0: expected true or false"));
        close_sim(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(seed_vectors),    cmocka_unit_test(seeds_follow_items),
            cmocka_unit_test(item_intercepts), cmocka_unit_test(group_effects),
            cmocka_unit_test(greedy_at_zero),  cmocka_unit_test(bad_profiles),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
