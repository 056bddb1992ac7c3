/* The tests of a diff and what they decide (diffstat.h): one item-level
 * sign-flip test per comparison, every p of the diff corrected together,
 * and the verdicts read from the corrected p, the practical threshold and
 * the interval. docs/reports.md ("How a diff decides") says why. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "diffstat.h"
#include "packed.h"
#include "evaluator/util/util.h"

/* A test whose interval waits for the family's decision level: its
 * values packed, a byte or two an item while every test of the diff
 * waits (packed.h). */
struct pa__job {
        json_t *o;
        struct pa__packed x; /* owned */
        uint64_t seed;
        char key[32];
};

void pa__family_init(struct pa__family *f, const struct pa_analysis_conf *c, size_t tests)
{
        size_t reps = pa_signflip_reps_for(c->alpha / (double)(tests ? tests : 1));

        *f = (struct pa__family){.alpha = c->alpha,
                                 .correction = c->correction,
                                 .reps = reps > PA_DIFF_MAX_REPS ? PA_DIFF_MAX_REPS : reps,
                                 .level = c->alpha};
}

void pa__family_release(struct pa__family *f)
{
        for (size_t i = 0; f && i < f->n; i++)
                pa__packed_release(&f->jobs[i].x);
        if (f)
                free(f->jobs);
}

static int push_job(struct pa__family *f, json_t *o, const char *key, const double *x, size_t n,
                    uint64_t seed)
{
        struct pa__job *j;

        if (pa__grow(&f->jobs, &f->cap, f->n, sizeof(*f->jobs), 32))
                return PA_ENOMEM;
        j = &f->jobs[f->n];
        *j = (struct pa__job){.o = o, .seed = seed};
        snprintf(j->key, sizeof(j->key), "%s_ci", key);
        if (pa__packed_init(&j->x, x, n))
                return PA_ENOMEM;
        f->n++;
        return 0;
}

int pa__item_test(struct pa__family *f, json_t *o, const char *key, const double *x, size_t n,
                  uint64_t seed)
{
        double p, mean = 0, min_p = pa_signflip_min_p(n, f->reps);
        bool exact = false;
        int rc;

        if (json_object_set_new(o, "items", json_integer((json_int_t)n)))
                return PA_ENOMEM;
        if (n == 0)
                return json_object_set_new(o, "test", json_string("none")) ||
                               json_object_set_new(o, key, json_null()) ||
                               json_object_set_new(o, "reachable", json_false())
                           ? PA_ENOMEM
                           : 0;
        for (size_t i = 0; i < n; i++)
                mean += x[i];
        mean /= (double)n;
        if ((rc = pa_signflip_test(x, n, f->reps, seed, &p, &exact)) < 0)
                return rc;
        if (json_object_set_new(o, "test", json_string(exact ? "signflip_exact" : "signflip_mc")) ||
            json_object_set_new(o, "reps", json_integer(exact ? 0 : (json_int_t)f->reps)) ||
            json_object_set_new(o, "min_p", json_real(min_p)) ||
            json_object_set_new(o, "reachable", json_boolean(min_p < f->alpha)) ||
            json_object_set_new(o, "p", json_real(p)) ||
            json_object_set_new(o, key, json_real(mean)))
                return PA_ENOMEM;
        return push_job(f, o, key, x, n, seed);
}

uint64_t pa__seed_of(uint64_t seed, const char *const *names)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (size_t i = 0; names[i]; i++) {
                if (i)
                        h = (h ^ 0x1f) * 0x100000001b3ull;
                for (const char *p = names[i]; *p; p++)
                        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        }
        return pa_splitmix64(&h) ^ seed;
}

/* Every object of the diff that carries a test's "p". */
struct members {
        json_t **v;
        size_t n, cap;
};

/* A test whose smallest possible p is not below alpha can never be
 * significant, so it stays out of the family (Tarone 1990): it would only
 * make the others' correction stricter. It is labelled untestable. */
static int family_add(struct members *f, json_t *o)
{
        if (!json_is_number(json_object_get(o, "p")) ||
            !json_is_true(json_object_get(o, "reachable")))
                return json_object_set_new(o, "p_adjusted", json_null()) ? PA_ENOMEM : 0;
        if (pa__grow(&f->v, &f->cap, f->n, sizeof(*f->v), 32))
                return PA_ENOMEM;
        f->v[f->n++] = o;
        return 0;
}

static int family_of(json_t *reg, json_t *dis, struct members *f)
{
        json_t *d, *e, *g;
        size_t i, j;
        int rc = 0;

        json_array_foreach(json_object_get(reg, "domains"), i, d)
        {
                if (rc == 0)
                        rc = family_add(f, d);
        }
        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        if (rc == 0 && json_object_get(g, "change"))
                                rc = family_add(f, g);
                }
        }
        return rc;
}

/* The level L at which p < L exactly when the corrected p < alpha, from
 * the R corrected p-values below alpha among m: alpha R / m for
 * Benjamini-Hochberg (alpha / m when R = 0; Benjamini and Yekutieli's
 * false-coverage interval), alpha / (m - R) for Holm (alpha when R = m),
 * alpha / m for Bonferroni. */
static double decision_level(const double *adj, size_t m, double alpha, int correction)
{
        size_t r = 0;

        for (size_t i = 0; i < m; i++)
                r += adj[i] < alpha;
        if (m == 0)
                return alpha;
        if (correction == PA_ADJ_HOLM)
                return r == m ? alpha : alpha / (double)(m - r);
        if (correction == PA_ADJ_BONFERRONI || r == 0)
                return alpha / (double)m;
        return alpha * (double)r / (double)m;
}

static int adjust(struct members *f, int correction, double alpha, double *level)
{
        double *p = malloc((f->n ? f->n : 1) * sizeof(*p));
        int rc = p ? 0 : PA_ENOMEM;

        for (size_t i = 0; rc == 0 && i < f->n; i++)
                p[i] = json_number_value(json_object_get(f->v[i], "p"));
        if (rc == 0 && f->n)
                rc = pa_p_adjust(p, f->n, (enum pa_p_adjust)correction, p);
        for (size_t i = 0; rc == 0 && i < f->n; i++)
                if (json_object_set_new(f->v[i], "p_adjusted", json_real(p[i])))
                        rc = PA_ENOMEM;
        if (rc == 0)
                *level = decision_level(p, f->n, alpha, correction);
        free(p);
        return rc;
}

/* Significant at the corrected level, at least `least` in size, and the
 * interval (the same test inverted) on the same side of 0. */
static int significant(const json_t *o, const char *key, const char *ci_key,
                       const struct pa_analysis_conf *c, double least)
{
        const json_t *adj = json_object_get(o, "p_adjusted"), *ci = json_object_get(o, ci_key);
        double v = json_number_value(json_object_get(o, key));
        double lo = json_number_value(json_array_get(ci, 0)),
               hi = json_number_value(json_array_get(ci, 1));

        if (!json_is_number(adj) || !(json_number_value(adj) < c->alpha) || !json_is_array(ci))
                return 0;
        if (v <= -least && hi < 0)
                return -1;
        if (v >= least && lo > 0)
                return 1;
        return 0;
}

static const char *domain_verdict(const json_t *d, const struct pa_analysis_conf *c,
                                  double max_drop)
{
        int s = significant(d, "delta", "delta_ci", c, max_drop);

        if (s < 0)
                return "regression";
        if (s > 0)
                return "improvement";
        return json_is_false(json_object_get(d, "reachable")) ? "untestable" : "unchanged";
}

/* docs/reports.md "Disparity changes": worse means the group's difference
 * to the reference grew in size, over the same items. */
static const char *change_of(const json_t *g, const struct pa_analysis_conf *c)
{
        const json_t *id = json_object_get(g, "item_diff");
        bool fb = json_is_true(json_object_get(json_object_get(g, "base"), "flag"));
        bool fc = json_is_true(json_object_get(json_object_get(g, "candidate"), "flag"));
        double db = fabs(json_number_value(json_object_get(id, "base")));
        double dc = fabs(json_number_value(json_object_get(id, "candidate")));

        if (!significant(g, "diff_change", "diff_change_ci", c, c->min_diff))
                return json_is_false(json_object_get(g, "reachable")) ? "untestable" : "unchanged";
        if (!fb && fc)
                return "new";
        if (fb && !fc)
                return "resolved";
        return dc > db ? "worse" : "better";
}

static int count(json_t *counts, const char *key)
{
        return json_object_set_new(
            counts, key, json_integer(json_integer_value(json_object_get(counts, key)) + 1));
}

static int decide_changes(json_t *dis, const struct pa_analysis_conf *c)
{
        json_t *counts = json_object_get(dis, "counts"), *e, *g;
        size_t i, j;
        int rc = 0;

        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const char *ch = json_string_value(json_object_get(g, "change"));

                        bool both =
                            json_is_true(json_object_get(json_object_get(g, "base"), "flag")) &&
                            json_is_true(json_object_get(json_object_get(g, "candidate"), "flag"));

                        if (!ch || rc)
                                continue;
                        /* A literal: setting "change" frees the string ch points into. */
                        ch = strcmp(ch, "unmatched") ? change_of(g, c) : "unmatched";
                        rc = json_object_set_new(g, "change", json_string(ch)) ||
                             count(counts, ch) ||
                             (strcmp(ch, "unmatched") && count(counts, "compared")) ||
                             (both && count(counts, "still_flagged"));
                }
        }
        return rc ? PA_ENOMEM : 0;
}

/* Every test's interval at the decision level: the same test inverted,
 * on its values unpacked into x (room for the largest test). */
static int intervals(struct pa__family *f)
{
        size_t most = 1;
        double *x;
        int rc = 0;

        for (size_t i = 0; i < f->n; i++)
                most = f->jobs[i].x.n > most ? f->jobs[i].x.n : most;
        if (!(x = malloc(most * sizeof(*x))))
                return PA_ENOMEM;
        for (size_t i = 0; rc == 0 && i < f->n; i++) {
                struct pa__job *j = &f->jobs[i];
                double lo, hi;
                json_t *ci;

                pa__packed_get(&j->x, x);
                if ((rc = pa_signflip_ci(x, j->x.n, f->reps, j->seed, f->level, &lo, &hi)) < 0)
                        break;
                rc = 0;
                ci = isfinite(lo) && isfinite(hi) ? json_pack("[f,f]", lo, hi) : json_null();
                if (!ci || json_object_set_new(j->o, j->key, ci))
                        rc = PA_ENOMEM;
        }
        free(x);
        return rc;
}

int pa__diff_decide(struct pa__family *f, json_t *regression, json_t *disparities,
                    const struct pa_analysis_conf *c, double max_drop)
{
        struct members m = {0};
        json_t *d;
        size_t i;
        int rc = family_of(regression, disparities, &m);

        if (rc == 0)
                rc = adjust(&m, c->correction, c->alpha, &f->level);
        free(m.v);
        if (rc == 0)
                rc = intervals(f);
        json_array_foreach(json_object_get(regression, "domains"), i, d)
        {
                if (rc == 0 &&
                    json_object_set_new(d, "verdict", json_string(domain_verdict(d, c, max_drop))))
                        rc = PA_ENOMEM;
        }
        if (rc == 0 && disparities)
                rc = decide_changes(disparities, c);
        return rc;
}
