/* The tests of one summary entry of the disparity analysis
 * (analysis_int.h), over its counterfactual sets (analysis_sets.c).
 *
 * Each group's comparison with the reference is set up here and run by
 * analysis_test.c once the run's family is known: under the default
 * estimand (prompts) the item is the unit, the sign-flip test over the
 * items' mean differences (McNemar's exact test when every item is one
 * pair of records, which is then the same test); under the suite estimand
 * the CMH test stratified by set. Rates get item-clustered intervals,
 * intersections an interaction test, all groups Cochran's Q (descriptive:
 * never a flag). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "analysis_int.h"
#include "evaluator/util/util.h"

#define MAX_FLIPPED 20

/* The case-level outcome of group g in a set: the majority of its samples. */
static int value(const struct set *st, size_t g)
{
        return st->cnt[g] ? (2 * st->sum[g] >= st->cnt[g]) : -1;
}

static bool complete(const struct sets *t, const struct set *st)
{
        for (size_t g = 0; g < t->k; g++)
                if (!st->cnt[g])
                        return false;
        return true;
}

static int push(struct run_tests *rt, const struct comparison *c)
{
        if (pa__grow(&rt->v, &rt->cap, rt->n, sizeof(*rt->v), 32))
                return PA_ENOMEM;
        rt->v[rt->n++] = *c;
        return 0;
}

static uint64_t mix(uint64_t seed, const char *a, const char *b)
{
        uint64_t h = seed ^ 0xcbf29ce484222325ull;

        for (const char *p = a; *p; p++)
                h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        for (const char *p = b; *p; p++)
                h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        return h;
}

static int rate_of(const json_t *g, double *rate, uint64_t *n, uint64_t *pos)
{
        *n = (uint64_t)json_integer_value(json_object_get(g, "n"));
        *pos = (uint64_t)json_integer_value(json_object_get(g, "positive"));
        *rate = *n ? (double)*pos / (double)*n : 0;
        return *n ? 0 : -1;
}

/* The test of one group against the reference, by estimand and design:
 * CMH over the sets (suite); McNemar when each item is one pair of
 * records (then it is the item-level test); else the sign-flip test over
 * the items' mean differences. Fisher when no set has both groups. */
static int group_comparison(const struct cells *cl, size_t g, size_t ref, const uint64_t cnt[4],
                            const struct pa_analysis_conf *c, struct comparison *cmp)
{
        int rc;

        if (c->inference == PA_INFERENCE_SUITE) {
                cmp->test = TEST_CMH;
                rc = pa__set_tables(cl, g, ref, &cmp->tables, &cmp->strata);
        } else {
                cmp->test = !cl->multi && pa__cells_one_per_item(cl) ? TEST_MCNEMAR : TEST_SIGNFLIP;
                struct coupling cpl;

                rc = pa__item_diffs(cl, g, ref, &cmp->d, &cmp->n);
                pa__item_coupling(cl, g, ref, &cpl);
                cmp->fit = pa__coupling_fit(&cpl);
        }
        if (rc == 0 && !cmp->n && !cmp->strata) {
                cmp->test = TEST_FISHER;
                memcpy(cmp->fisher, cnt, sizeof(cmp->fisher));
        }
        return rc;
}

/* The interaction of intersection cell g = (a, b), a and b not the
 * references a0, b0: per item (ab - ab0) - (a0b - a0b0), the cell's
 * difference to the double reference minus the two main effects. */
static int interaction(const struct cells *cl, const struct sets *t, size_t g,
                       struct comparison *cmp, struct run_tests *rt)
{
        const struct pa_suite *s = t->s;
        size_t nb = s->axes[t->sp->axes[1]].n_groups, a = g / nb, b = g % nb;
        size_t a0 = t->sp->ref / nb, b0 = t->sp->ref % nb;
        size_t cell[4] = {g, a * nb + b0, a0 * nb + b, t->sp->ref};
        struct comparison ic = *cmp;
        int rc;

        if (a == a0 || b == b0)
                return 0;
        ic.interaction = true;
        ic.test = TEST_SIGNFLIP;
        ic.d = NULL;
        ic.n = 0;
        ic.tables = NULL;
        ic.strata = 0;
        ic.fit = (struct sets_fit){0};
        ic.seed = cmp->seed ^ 0x9e3779b97f4a7c15ull;
        if (!(ic.out = json_object()) || json_object_set_new(cmp->group, "interaction", ic.out))
                return PA_ENOMEM;
        if ((rc = pa__item_interactions(cl, cell, &ic.d, &ic.n)) || (rc = push(rt, &ic)))
                free(ic.d);
        return rc;
}

/* Group g's rate with an item-clustered interval, the design effect and
 * the intra-item correlation; the reference's too. */
static int cluster_rate(const struct cells *cl, size_t g, const struct pa_analysis_conf *c,
                        json_t *ge)
{
        double *pos = NULL, *cnt = NULL, lo, hi, deff, recs = 0;
        size_t n = 0;
        int rc = pa__item_totals(cl, g, &pos, &cnt, &n);

        for (size_t i = 0; rc == 0 && i < n; i++)
                recs += cnt[i];
        if (rc == 0 && n && pa_cluster_rate(pos, cnt, n, c->alpha, &lo, &hi, &deff) == 0) {
                double m = recs / (double)n;

                json_object_set_new(ge, "ci", json_pack("[f,f]", lo, hi));
                json_object_set_new(ge, "ci_method", json_string("item_cluster_wilson"));
                json_object_set_new(ge, "deff", isnan(deff) ? json_null() : json_real(deff));
                json_object_set_new(ge, "icc",
                                    isnan(deff) || m <= 1 ? json_null()
                                                          : json_real((deff - 1) / (m - 1)));
        }
        json_object_set_new(ge, "items", json_integer((json_int_t)n));
        free(pos);
        free(cnt);
        return rc;
}

/* Tests every group of one entry against its reference (and an
 * intersection cell's interaction): the comparisons go onto rt and are
 * run once the family is known. */
static int compare_groups(const struct sets *t, const struct spec *sp, json_t *entry,
                          const struct pa_analysis_conf *c, struct run_tests *rt)
{
        json_t *groups = json_object_get(entry, "groups"), *ref = json_array_get(groups, sp->ref);
        const char *label = json_string_value(json_object_get(entry, "axis"));
        struct cells cl;
        double rref;
        uint64_t nref, pref;
        int rc = pa__cells_collect(t, &cl);

        for (size_t g = 0; rc == 0 && g < sp->k; g++)
                if (c->inference != PA_INFERENCE_SUITE)
                        rc = cluster_rate(&cl, g, c, json_array_get(groups, g));
        if (rc || rate_of(ref, &rref, &nref, &pref))
                goto out;
        json_object_set_new(ref, "diff_ci", json_null()); /* the reference against itself */
        for (size_t g = 0; rc == 0 && g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);
                struct comparison cmp = {.entry = entry, .group = ge, .out = ge};
                uint64_t pos, n;
                double rate;

                if (g == sp->ref || rate_of(ge, &rate, &n, &pos))
                        continue;
                json_object_set_new(ge, "ratio", rref > 0 ? json_real(rate / rref) : json_null());
                json_object_set_new(ge, "rate_diff", json_real(rate - rref));
                cmp.seed = mix(c->seed, label, json_string_value(json_object_get(ge, "group")));
                rc = group_comparison(
                    &cl, g, sp->ref, (const uint64_t[4]){pos, n - pos, pref, nref - pref}, c, &cmp);
                if (rc == 0)
                        rc = push(rt, &cmp);
                if (rc) { /* not pushed: still ours */
                        free(cmp.d);
                        free(cmp.tables);
                } else if (sp->n_axes == 2 && c->inference != PA_INFERENCE_SUITE) {
                        rc = interaction(&cl, t, g, &cmp, rt);
                }
        }
out:
        pa__cells_release(&cl);
        return rc;
}

/* {"item_id", "sample", "context": {axis: group}} naming the set of row r. */
static json_t *where(const struct sets *t, size_t r)
{
        const struct pa_suite *s = t->s;
        const struct spec *sp = t->sp;
        const struct pa_item_kind *it = pa_suite_kind(s, t->tb->item[r]);
        struct pa_item full;
        json_t *ctx = json_object(), *obj = NULL, *w;

        for (size_t k = 0; ctx && k < it->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[it->axes[k]];

                if (it->axes[k] != sp->axes[0] && !(sp->n_axes == 2 && it->axes[k] == sp->axes[1]))
                        json_object_set_new(
                            ctx, ax->name,
                            json_string(ax->groups[pa_table_group(s, t->tb, r, k)].name));
        }
        /* Only the item's id is needed: read back for the few sets named. */
        if (pa_suite_item_read(s, t->tb->item[r], &full, &obj, NULL)) {
                json_decref(ctx);
                return NULL;
        }
        w = json_pack("{s:s, s:o, s:o}", "item_id", full.id, "sample",
                      t->multi ? json_null() : json_integer(pa_table_sample(t->tb, r)), "context",
                      ctx);
        json_decref(obj);
        return w;
}

/* A set that flipped, with each group's outcome, into flipped. */
static int add_flipped(const struct sets *t, const struct set *st, const json_t *entry,
                       json_t *flipped)
{
        json_t *w = where(t, st->first), *o = json_object();

        for (size_t g = 0; o && g < t->k; g++)
                json_object_set_new(
                    o,
                    json_string_value(json_object_get(
                        json_array_get(json_object_get(entry, "groups"), g), "group")),
                    json_boolean(value(st, g)));
        if (!w || !o || json_object_set_new(w, "outcomes", o)) {
                json_decref(w);
                return PA_ENOMEM;
        }
        return json_array_append_new(flipped, w) ? PA_ENOMEM : 0;
}

/* The complete sets as rows of x (n of them), their flips and the first
 * flipped ones. */
static int complete_sets(const struct sets *t, const json_t *entry, uint8_t *x, size_t *n,
                         size_t *flips, json_t *flipped)
{
        struct set st;
        int rc = 0;

        if (pa__set_begin(t, &st))
                return PA_ENOMEM;
        while (rc == 0 && pa__set_next(t, &st)) {
                uint8_t *row = x + *n * t->k;
                bool differs = false;

                if (!complete(t, &st))
                        continue;
                for (size_t g = 0; g < t->k; g++) {
                        row[g] = (uint8_t)value(&st, g);
                        differs |= row[g] != row[0];
                }
                ++*n;
                *flips += differs;
                if (differs && json_array_size(flipped) < MAX_FLIPPED)
                        rc = add_flipped(t, &st, entry, flipped);
        }
        pa__set_end(&st);
        return rc;
}

/* All groups at once, the flip rate and the sets that flipped. */
static int omnibus(const struct sets *t, json_t *entry)
{
        size_t n = 0, flips = 0;
        uint8_t *x = malloc(t->n * t->k + 1);
        json_t *flipped = json_array();
        double stat = 0, df = 0, p = 1;
        int rc = x && flipped ? complete_sets(t, entry, x, &n, &flips, flipped) : PA_ENOMEM;

        if (rc == 0 && n)
                pa_cochran_q(x, n, t->k, &stat, &df, &p);
        free(x);
        if (rc) {
                json_decref(flipped);
                return rc;
        }
        /* With two groups Cochran's Q is McNemar's chi-square; the exact
         * McNemar p is the group's own test. */
        /* Descriptive only: not in the corrected family, never a flag. */
        json_object_set_new(entry, "omnibus",
                            json_pack("{s:s, s:I, s:f, s:f, s:f, s:b}", "test", "cochran_q", "sets",
                                      (json_int_t)n, "q", stat, "df", df, "p", p, "used_for_flags",
                                      0));
        json_object_set_new(entry, "sets", json_integer((json_int_t)n));
        json_object_set_new(entry, "flip_rate",
                            n ? json_real((double)flips / (double)n) : json_null());
        json_object_set_new(entry, "flips", json_integer((json_int_t)flips));
        json_object_set_new(entry, "flipped", flipped);
        json_object_set_new(entry, "case_level",
                            json_string(t->multi ? "majority_of_samples" : "single_sample"));
        return 0;
}

/* Impact ratios per 29 CFR 1607.4(D): every group's rate, the reference's
 * included, over the highest rate among the groups with at least 2% of
 * the entry's records (LL144's small-category rule; among all when none
 * is that large), as scorers/analysis/audit.c; four-fifths: ratio >= the
 * threshold. */
static int impact_ratios(const struct spec *sp, json_t *entry, const struct pa_analysis_conf *c)
{
        json_t *groups = json_object_get(entry, "groups");
        double best = -1, any = -1, total = 0;

        for (size_t g = 0; g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);

                total += (double)json_integer_value(json_object_get(ge, "n")) +
                         (double)json_integer_value(json_object_get(ge, "unscored"));
        }
        for (size_t g = 0; g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);
                json_int_t n = json_integer_value(json_object_get(ge, "n"));
                double r = json_number_value(json_object_get(ge, "rate")),
                       recs = (double)(n + json_integer_value(json_object_get(ge, "unscored")));

                if (!n)
                        continue;
                any = fmax(any, r);
                if (recs >= PA__SMALL_SHARE * total)
                        best = fmax(best, r);
        }
        best = best >= 0 ? best : any;
        for (size_t g = 0; g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);
                json_int_t n = json_integer_value(json_object_get(ge, "n"));
                double r = json_number_value(json_object_get(ge, "rate")), ratio = 1,
                       recs = (double)(n + json_integer_value(json_object_get(ge, "unscored")));

                if (!n) {
                        json_object_set_new(ge, "impact_ratio", json_null());
                        json_object_set_new(ge, "four_fifths", json_null());
                        continue;
                }
                ratio = best > 0 ? r / best : 1;
                json_object_set_new(ge, "impact_ratio", json_real(ratio));
                json_object_set_new(ge, "four_fifths", json_boolean(ratio >= c->min_impact_ratio));
                json_object_set_new(ge, "small_share",
                                    json_boolean(total > 0 && recs < PA__SMALL_SHARE * total));
        }
        return 0;
}

int pa__analyse_entry(const struct pa_suite *s, const struct pa_table *tb, const struct spec *sp,
                      json_t *entry, const struct pa_analysis_conf *c, struct run_tests *rt)
{
        struct sets t = {0};
        int scorer =
            pa_scorer_set_find(&s->scorers, json_string_value(json_object_get(entry, "outcome")));
        int rc = scorer < 0 ? PA_EINVAL : pa__sets_collect(s, sp, tb, scorer, &t);

        if (rc == 0)
                rc = compare_groups(&t, sp, entry, c, rt);
        if (rc == 0)
                rc = omnibus(&t, entry);
        if (rc == 0)
                rc = impact_ratios(sp, entry, c);
        pa__sets_release(&t);
        return rc;
}
