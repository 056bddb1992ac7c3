/* Disparity analysis (report.h): the run-wide part. Each summary entry
 * (an axis, or an intersection of two that this file adds) is tested by
 * analysis_entry.c over its counterfactual sets (analysis_sets.c). Every
 * group-vs-reference p-value of a run is corrected together; a group is
 * flagged when its corrected p < alpha and its rate differs from the
 * reference's by at least min_diff, and given its minimum detectable
 * difference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "analysis_int.h"
#include "summary.h"

void pa_analysis_conf_init(struct pa_analysis_conf *c)
{
        c->alpha = 0.05;
        c->correction = PA_ADJ_BH;
        c->min_diff = 0.05;
        c->min_impact_ratio = 0.8;
        c->power = 0.8;
        c->perm_reps = 10000;
        c->boot_reps = 2000;
        c->seed = 20261126;
        c->inference = PA_INFERENCE_PROMPTS;
}

const char *pa_inference_name(int inference)
{
        return inference == PA_INFERENCE_SUITE ? "suite" : "prompts";
}

int pa_inference_check(int inference, const json_t *params, struct pa_err *err)
{
        const json_t *t = json_object_get(params, "temperature");
        const json_t *seed = json_object_get(params, "seed");
        json_int_t k = json_integer_value(json_object_get(params, "samples"));

        if (inference != PA_INFERENCE_SUITE)
                return 0;
        /* Samples are independent draws only at temperature > 0 and with a
         * seed that differs per sample (derived from the base seed). */
        if (!json_is_number(t) || !(json_number_value(t) > 0))
                return pa_errf(err, PA_EINVAL,
                               "inference 'suite': needs temperature > 0 (samples at temperature "
                               "0 repeat one answer); use --inference prompts");
        if (!json_is_integer(seed))
                return pa_errf(err, PA_EINVAL,
                               "inference 'suite': needs a base seed (--seed) so each sample has "
                               "its own; use --inference prompts");
        if (k < 2)
                return pa_errf(err, PA_EINVAL,
                               "inference 'suite': needs --samples >= 2 (got %lld); use "
                               "--inference prompts",
                               (long long)k);
        return 0;
}

int pa_inference_parse(const char *name, int *inference)
{
        if (name && !strcmp(name, "prompts"))
                *inference = PA_INFERENCE_PROMPTS;
        else if (name && !strcmp(name, "suite"))
                *inference = PA_INFERENCE_SUITE;
        else
                return PA_EINVAL;
        return 0;
}

static bool crossed(const struct pa_suite *s, int outcome, size_t a, size_t b)
{
        for (size_t i = 0; i < s->n_kinds; i++) {
                const struct pa_item_kind *it = &s->kinds[i];
                bool ha = false, hb = false;

                for (size_t k = 0; it->outcome_scorer == outcome && k < it->n_axes; k++) {
                        ha |= it->axes[k] == a;
                        hb |= it->axes[k] == b;
                }
                if (ha && hb)
                        return true;
        }
        return false;
}

/* The summary entry of an intersection "a+b": its groups are "ga+gb". */
static json_t *crossed_entry(const struct pa_suite *s, const struct spec *sp, int scorer,
                             const struct pa_table *tb, double alpha)
{
        const struct pa_axis *A = &s->axes[sp->axes[0]], *B = &s->axes[sp->axes[1]];
        uint64_t *t = calloc(3 * sp->k, sizeof(*t)); /* n, pos, unscored per group */
        json_t *groups = json_array(), *entry = NULL;
        char name[512], ref[512];

        if (!t || !groups)
                goto out;
        for (size_t r = 0; r < tb->n; r++) {
                signed char v = tb->v[r * tb->nsc + (size_t)scorer];
                long g = pa_suite_kind(s, tb->item[r])->outcome_scorer == scorer
                             ? pa__spec_group(s, sp, tb, r)
                             : -1;

                if (g < 0)
                        continue;
                t[3 * g] += v != PA_NA;
                t[3 * g + 1] += v == PA_TRUE;
                t[3 * g + 2] += v == PA_NA;
        }
        for (size_t g = 0; g < sp->k; g++) {
                snprintf(name, sizeof(name), "%s+%s", A->groups[g / B->n_groups].name,
                         B->groups[g % B->n_groups].name);
                json_array_append_new(groups,
                                      pa__group_json(name, t[3 * g + 1], t[3 * g], t[3 * g + 2],
                                                     t[3 * sp->ref + 1], t[3 * sp->ref], alpha));
        }
        snprintf(name, sizeof(name), "%s+%s", A->name, B->name);
        snprintf(ref, sizeof(ref), "%s+%s", A->groups[A->ref].name, B->groups[B->ref].name);
        entry =
            json_pack("{s:s, s:s, s:[s,s], s:s, s:O}", "outcome", s->scorers.v[scorer].name, "axis",
                      name, "axes", A->name, B->name, "reference", ref, "groups", groups);
out:
        free(t);
        json_decref(groups);
        return entry;
}

static int add_intersections(const struct pa_suite *s, const struct pa_table *tb, double alpha,
                             json_t *outcomes)
{
        for (size_t k = 0; k < s->scorers.n; k++) {
                for (size_t a = 0; a < s->n_axes; a++) {
                        for (size_t b = a + 1; b < s->n_axes; b++) {
                                struct spec sp = {.n_axes = 2, .axes = {a, b}};
                                json_t *e;

                                if (!crossed(s, (int)k, a, b))
                                        continue;
                                sp.k = s->axes[a].n_groups * s->axes[b].n_groups;
                                sp.ref = s->axes[a].ref * s->axes[b].n_groups + s->axes[b].ref;
                                e = crossed_entry(s, &sp, (int)k, tb, alpha);
                                if (!e || json_array_append_new(outcomes, e))
                                        return PA_ENOMEM;
                        }
                }
        }
        return 0;
}

/* The spec of a summary entry, from its "axis" or "axes". */
static int entry_spec(const struct pa_suite *s, const json_t *entry, struct spec *sp)
{
        const json_t *axes = json_object_get(entry, "axes");
        size_t n = axes ? json_array_size(axes) : 1;

        memset(sp, 0, sizeof(*sp));
        sp->k = 1;
        for (size_t i = 0; i < n && i < 2; i++) {
                const char *name = json_string_value(axes ? json_array_get(axes, i)
                                                          : json_object_get(entry, "axis"));
                size_t a;

                for (a = 0; a < s->n_axes && strcmp(s->axes[a].name, name ? name : ""); a++)
                        ;
                if (a == s->n_axes)
                        return PA_EINVAL;
                sp->axes[sp->n_axes++] = a;
                sp->ref = sp->ref * s->axes[a].n_groups + s->axes[a].ref;
                sp->k *= s->axes[a].n_groups;
        }
        return 0;
}

static json_t *finding(const struct comparison *cmp)
{
        json_t *g = cmp->group, *o = cmp->out;

        return json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "kind",
                         cmp->interaction ? "interaction" : "group", "outcome",
                         json_object_get(cmp->entry, "outcome"), "axis",
                         json_object_get(cmp->entry, "axis"), "group", json_object_get(g, "group"),
                         "reference", json_object_get(cmp->entry, "reference"), "rate",
                         json_object_get(g, "rate"), "rate_diff", json_object_get(g, "rate_diff"),
                         "diff", json_object_get(o, "diff"), "diff_ci",
                         json_object_get(o, "diff_ci"), "p", json_object_get(o, "p"), "p_adjusted",
                         json_object_get(o, "p_adjusted"));
}

static const char *test_name(const struct comparison *cmp)
{
        static const char *const names[] = {
            [TEST_SIGNFLIP] = "signflip_items",
            [TEST_MCNEMAR] = "mcnemar_exact",
            [TEST_CMH] = "cmh",
            [TEST_FISHER] = "fisher_exact",
        };

        return cmp->interaction ? "signflip_items_interaction" : names[cmp->test];
}

/* The test's inputs and outputs into its JSON object. */
static void put_test(const struct comparison *cmp, const struct pa_analysis_conf *c)
{
        json_t *o = cmp->out;
        uint64_t b = 0, cc = 0;
        double midp = 1, exact_p;

        json_object_set_new(o, "test", json_string(test_name(cmp)));
        json_object_set_new(o, "p", json_real(cmp->p));
        json_object_set_new(o, "diff", json_real(cmp->diff));
        /* A test that cannot reach alpha excludes no value: no interval. */
        json_object_set_new(o, "diff_ci",
                            isfinite(cmp->lo) && isfinite(cmp->hi)
                                ? json_pack("[f,f]", cmp->lo, cmp->hi)
                                : json_null());
        json_object_set_new(o, "diff_ci_level", json_real(1 - c->alpha));
        if (cmp->test == TEST_CMH) {
                json_object_set_new(o, "sets", json_integer((json_int_t)cmp->strata));
                return;
        }
        json_object_set_new(o, "items", json_integer((json_int_t)cmp->n));
        if (cmp->test == TEST_FISHER)
                return;
        json_object_set_new(o, "item_sd", json_real(cmp->sd));
        json_object_set_new(o, "perm",
                            json_pack("{s:I, s:b, s:I}", "reps", (json_int_t)cmp->reps, "exact",
                                      cmp->reps == 0, "seed", (json_int_t)(cmp->seed >> 1)));
        for (size_t i = 0; cmp->test == TEST_MCNEMAR && i < cmp->n; i++) {
                b += cmp->d[i] < 0;
                cc += cmp->d[i] > 0;
        }
        if (cmp->test == TEST_MCNEMAR && pa_mcnemar_exact(b, cc, &exact_p, &midp) == 0)
                json_object_set_new(o, "midp", json_real(midp));
        if (cmp->test == TEST_MCNEMAR)
                json_object_set_new(o, "pairs",
                                    json_pack("{s:I, s:I, s:I}", "n", (json_int_t)cmp->n,
                                              "ref_only", (json_int_t)b, "group_only",
                                              (json_int_t)cc));
}

static size_t discordant(const struct comparison *cmp)
{
        size_t k = 0;

        for (size_t i = 0; i < cmp->n; i++)
                k += cmp->d[i] != 0;
        return k;
}

/* Why a comparison reads as it does when the bare numbers could mislead:
 * untestable, or an interval that excludes 0 beside "not flagged". */
static json_t *note(const struct comparison *cmp, const struct pa_analysis_conf *c, bool testable,
                    double adj, size_t m, size_t reps)
{
        char buf[256];
        bool excludes = cmp->lo > 0 || cmp->hi < 0;

        if (!testable && cmp->test == TEST_CMH)
                snprintf(buf, sizeof(buf), "untestable: %zu sets cannot reach alpha %g",
                         cmp->strata, c->alpha);
        else if (!testable && cmp->test == TEST_MCNEMAR)
                snprintf(buf, sizeof(buf),
                         "untestable: %zu discordant items cannot reach alpha %g; about %zu would",
                         discordant(cmp), c->alpha, pa__items_needed(reps, c->alpha));
        else if (!testable)
                snprintf(buf, sizeof(buf),
                         "untestable: %zu items cannot reach alpha %g; about %zu would", cmp->n,
                         c->alpha, pa__items_needed(reps, c->alpha));
        else if (excludes && !(adj < c->alpha))
                snprintf(buf, sizeof(buf),
                         "not flagged: the %g%% interval excludes 0 but p is not below alpha "
                         "after correction for %zu comparisons",
                         100 * (1 - c->alpha), m);
        else if (excludes && fabs(cmp->diff) < c->min_diff)
                snprintf(buf, sizeof(buf), "not flagged: |diff| below min_diff %g", c->min_diff);
        else
                return json_null();
        return json_string(buf);
}

/* Corrects the testable comparisons together and flags them. A comparison
 * whose smallest attainable p-value is not below alpha can never be flagged
 * and is left out of the family (Tarone), so it does not make the others
 * harder to flag; it is reported with "testable": false and a note saying
 * how many items would make it testable. */
static int correct_and_flag(const struct run_tests *rt, const struct pa_analysis_conf *c,
                            json_t *findings, size_t *m_out)
{
        double *p = malloc((rt->n + 1) * sizeof(*p)), *adj = malloc((rt->n + 1) * sizeof(*adj));
        size_t m = 0, k = 0;
        int rc = PA_ENOMEM;

        if (!p || !adj)
                goto out;
        for (size_t i = 0; i < rt->n; i++)
                if (rt->v[i].min_p < c->alpha)
                        p[m++] = rt->v[i].p;
        if (m && (rc = pa_p_adjust(p, m, (enum pa_p_adjust)c->correction, adj)))
                goto out;
        rc = 0;
        for (size_t i = 0; i < rt->n; i++) {
                const struct comparison *cmp = &rt->v[i];
                bool testable = cmp->min_p < c->alpha;
                double a = testable ? adj[k++] : NAN;
                bool flag = testable && a < c->alpha && fabs(cmp->diff) >= c->min_diff;
                double mde =
                    testable ? pa__mde(cmp, c->alpha / (double)m, c->power, c->min_diff) : -1;
                json_t *o = cmp->out;

                put_test(cmp, c);
                json_object_set_new(o, "testable", json_boolean(testable));
                json_object_set_new(
                    o, "items_needed",
                    testable || cmp->test == TEST_CMH
                        ? json_null()
                        : json_integer((json_int_t)pa__items_needed(rt->reps, c->alpha)));
                json_object_set_new(o, "p_adjusted", testable ? json_real(a) : json_null());
                json_object_set_new(o, "mde", mde >= 0 ? json_real(mde) : json_null());
                json_object_set_new(o, "flag", json_boolean(flag));
                json_object_set_new(o, "note", note(cmp, c, testable, a, m, rt->reps));
                if (flag && json_array_append_new(findings, finding(cmp)))
                        rc = PA_ENOMEM;
        }
        *m_out = m;
out:
        free(p);
        free(adj);
        return rc;
}

static const char *correction_name(int c)
{
        return c == PA_ADJ_HOLM ? "holm" : c == PA_ADJ_BONFERRONI ? "bonferroni" : "bh";
}

int pa_summary_analyse(const struct pa_suite *s, const json_t *records, const char *run_id,
                       const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
        struct pa_table t;
        int rc = pa_table_from_records(&t, s, records, err);

        if (rc == 0)
                rc = pa__summary_analyse(s, &t, records, run_id, c, out, err);
        pa_table_release(&t);
        return rc;
}

int pa_summary_analyse_table(const struct pa_suite *s, const struct pa_table *t, const char *run_id,
                             const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
        return pa__summary_analyse(s, t, NULL, run_id, c, out, err);
}

int pa__summary_analyse(const struct pa_suite *s, const struct pa_table *tb, const json_t *records,
                        const char *run_id, const struct pa_analysis_conf *c, json_t **out,
                        struct pa_err *err)
{
        struct run_tests rt = {0};
        json_t *sum = NULL, *outcomes, *entry, *findings = json_array();
        size_t i, m = 0;
        int rc =
            findings ? pa__summary_build(s, tb, records, run_id, c->alpha, &sum, err) : PA_ENOMEM;

        if (rc)
                goto out;
        outcomes = json_object_get(sum, "outcomes");
        if ((rc = add_intersections(s, tb, c->alpha, outcomes)))
                goto out;
        json_array_foreach(outcomes, i, entry)
        {
                struct spec sp;

                if ((rc = entry_spec(s, entry, &sp)) ||
                    (rc = pa__analyse_entry(s, tb, &sp, entry, c, &rt)))
                        goto out;
        }
        if ((rc = pa__run_tests(&rt, c)) || (rc = correct_and_flag(&rt, c, findings, &m)))
                goto out;
        json_object_set_new(sum, "estimand", json_string(pa_inference_name(c->inference)));
        json_object_set_new(
            sum, "analysis",
            json_pack("{s:s, s:f, s:s, s:f, s:f, s:f, s:I, s:I, s:i, s:i, s:I}", "estimand",
                      pa_inference_name(c->inference), "alpha", c->alpha, "correction",
                      correction_name(c->correction), "min_diff", c->min_diff, "min_impact_ratio",
                      c->min_impact_ratio, "power", c->power, "comparisons", (json_int_t)m,
                      "signflip_reps", (json_int_t)rt.reps, "perm_reps", c->perm_reps, "boot_reps",
                      c->boot_reps, "seed", (json_int_t)(c->seed & INT64_MAX)));
        json_object_set(sum, "findings", findings);
        *out = sum;
        sum = NULL;
out:
        pa__run_tests_release(&rt);
        json_decref(findings);
        json_decref(sum);
        if (rc && rc != PA_EINVAL)
                return pa_errf(err, rc, "analysis: out of memory");
        return rc;
}
