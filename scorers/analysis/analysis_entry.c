/* The tests of one summary entry of the disparity analysis
 * (analysis_int.h), over its counterfactual sets (analysis_sets.c).
 *
 * With one sample a case, each group is compared with the reference by
 * McNemar's exact test on the discordant sets, and all groups together by
 * McNemar (two groups) or Cochran's Q. With several samples a case, the
 * case-level rates are compared by a permutation test that permutes group
 * labels within each set. The comparisons are kept for analysis.c to
 * correct together. */
#include <math.h>
#include <stdlib.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "analysis_int.h"

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
        if (rt->n == rt->cap) {
                size_t cap = rt->cap ? 2 * rt->cap : 32;
                struct comparison *v = realloc(rt->v, cap * sizeof(*v));

                if (!v)
                        return PA_ENOMEM;
                rt->v = v;
                rt->cap = cap;
        }
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

/* Count and standard deviation of the per-set differences (group minus
 * reference, case-level rates): the test's unit, hence the MDE's. */
static int pair_spread(const struct sets *t, size_t g, size_t ref, struct comparison *cmp)
{
        double sum = 0, sq = 0, n = 0;
        struct set st;

        if (pa__set_begin(t, &st))
                return PA_ENOMEM;
        while (pa__set_next(t, &st)) {
                double d;

                if (!st.cnt[ref] || !st.cnt[g])
                        continue;
                d = t->multi ? st.sum[g] / st.cnt[g] - st.sum[ref] / st.cnt[ref]
                             : (double)value(&st, g) - (double)value(&st, ref);
                sum += d;
                sq += d * d;
                n++;
        }
        pa__set_end(&st);
        cmp->sets = n;
        cmp->sd = n > 1 ? sqrt(fmax(0, (sq - sum * sum / n) / (n - 1))) : 0;
        return 0;
}

/* McNemar on the sets where both groups have an answer. */
static int paired_mcnemar(const struct sets *t, size_t g, size_t ref, json_t *out, double *p,
                          double *min_p)
{
        uint64_t b = 0, c = 0, n = 0;
        double midp = 1;
        struct set st;

        if (pa__set_begin(t, &st))
                return PA_ENOMEM;
        while (pa__set_next(t, &st)) {
                int vr = value(&st, ref), vg = value(&st, g);

                if (vr < 0 || vg < 0)
                        continue;
                n++;
                b += vr == 1 && vg == 0;
                c += vr == 0 && vg == 1;
        }
        pa__set_end(&st);
        pa_mcnemar_exact(b, c, p, &midp);
        /* All discordant sets on one side: 2 * 0.5^(b + c). */
        *min_p = fmin(1, ldexp(2.0, -(int)fmin(b + c, 1000)));
        json_object_set_new(out, "test", json_string("mcnemar_exact"));
        json_object_set_new(out, "pairs",
                            json_pack("{s:I, s:I, s:I}", "n", (json_int_t)n, "ref_only",
                                      (json_int_t)b, "group_only", (json_int_t)c));
        json_object_set_new(out, "midp", json_real(midp));
        return 0;
}

/* Each set's case-level rates of ref and g where both answered, for the
 * permutation test: y, their labels grp, set boundaries start; *m sets. */
static int rate_pairs(const struct sets *t, size_t g, size_t ref, double *y, uint8_t *grp,
                      size_t *start, size_t *m)
{
        struct set st;
        size_t k = 0;

        *m = 0;
        start[0] = 0;
        if (pa__set_begin(t, &st))
                return PA_ENOMEM;
        while (pa__set_next(t, &st)) {
                if (!st.cnt[ref] || !st.cnt[g])
                        continue;
                y[k] = st.sum[ref] / st.cnt[ref];
                grp[k++] = 0;
                y[k] = st.sum[g] / st.cnt[g];
                grp[k++] = 1;
                start[++*m] = k;
        }
        pa__set_end(&st);
        return 0;
}

/* Permutation of group labels within sets, on case-level rates. */
static int paired_permutation(const struct sets *t, size_t g, size_t ref,
                              const struct pa_analysis_conf *c, uint64_t seed, json_t *out,
                              double *p, double *min_p)
{
        double *y = malloc(2 * t->n * sizeof(*y) + 1), stat = 0, se = 0;
        uint8_t *grp = malloc(2 * t->n + 1);
        size_t *start = malloc((t->n + 1) * sizeof(*start)), m = 0;
        int rc = PA_ENOMEM;

        if (!y || !grp || !start || (rc = rate_pairs(t, g, ref, y, grp, start, &m)))
                goto out;
        *p = 1;
        /* Label swaps within m sets give at most 2^m arrangements; the two most
         * extreme bound the p-value, as does the Monte-Carlo count. */
        *min_p = fmax(fmin(1, ldexp(2.0, -(int)fmin(m, 1000))), 1.0 / (c->perm_reps + 1.0));
        rc = m ? pa_perm_test_strat(y, grp, start, m, c->perm_reps, seed, &stat, p, &se) : 0;
        json_object_set_new(out, "test", json_string("permutation_stratified"));
        json_object_set_new(out, "pairs", json_pack("{s:I}", "n", (json_int_t)m));
        json_object_set_new(out, "perm",
                            json_pack("{s:i, s:f, s:I}", "reps", c->perm_reps, "mc_se", se, "seed",
                                      (json_int_t)(seed >> 1)));
out:
        free(y);
        free(grp);
        free(start);
        return rc;
}

static int rate_of(const json_t *g, double *rate, uint64_t *n, uint64_t *pos)
{
        *n = (uint64_t)json_integer_value(json_object_get(g, "n"));
        *pos = (uint64_t)json_integer_value(json_object_get(g, "positive"));
        *rate = *n ? (double)*pos / (double)*n : 0;
        return *n ? 0 : -1;
}

/* Tests every group of one entry against its reference. */
static int compare_groups(const struct sets *t, const struct spec *sp, json_t *entry,
                          const struct pa_analysis_conf *c, struct run_tests *rt)
{
        json_t *groups = json_object_get(entry, "groups"), *ref = json_array_get(groups, sp->ref);
        const char *label = json_string_value(json_object_get(entry, "axis"));
        double rref;
        uint64_t nref, pref;
        int rc = 0;

        if (rate_of(ref, &rref, &nref, &pref))
                return 0;
        for (size_t g = 0; rc == 0 && g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);
                struct comparison cmp = {.entry = entry, .group = ge, .min_p = 0};
                uint64_t pos, n;
                double rate;

                if (g == sp->ref || rate_of(ge, &rate, &n, &pos))
                        continue;
                if ((rc = pair_spread(t, g, sp->ref, &cmp)))
                        break;
                cmp.diff = rate - rref;
                json_object_set_new(ge, "ratio", rref > 0 ? json_real(rate / rref) : json_null());
                if (t->multi)
                        rc = paired_permutation(
                            t, g, sp->ref, c,
                            mix(c->seed, label, json_string_value(json_object_get(ge, "group"))),
                            ge, &cmp.p, &cmp.min_p);
                else
                        rc = paired_mcnemar(t, g, sp->ref, ge, &cmp.p, &cmp.min_p);
                if (rc == 0 &&
                    json_integer_value(json_object_get(json_object_get(ge, "pairs"), "n")) == 0) {
                        /* No counterfactual pairs (answers failed): compare the groups unpaired. */
                        pa_fisher_exact(pos, n - pos, pref, nref - pref, NULL, &cmp.p);
                        json_object_set_new(ge, "test", json_string("fisher_exact"));
                        cmp.min_p = 0;
                        cmp.sets = (double)(n < nref ? n : nref);
                        cmp.sd = sqrt(rate * (1 - rate) + rref * (1 - rref));
                }
                json_object_set_new(ge, "p", json_real(cmp.p));
                if (rc == 0)
                        rc = push(rt, &cmp);
        }
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
        json_object_set_new(entry, "omnibus",
                            json_pack("{s:s, s:I, s:f, s:f, s:f}", "test", "cochran_q", "sets",
                                      (json_int_t)n, "q", stat, "df", df, "p", p));
        json_object_set_new(entry, "sets", json_integer((json_int_t)n));
        json_object_set_new(entry, "flip_rate",
                            n ? json_real((double)flips / (double)n) : json_null());
        json_object_set_new(entry, "flips", json_integer((json_int_t)flips));
        json_object_set_new(entry, "flipped", flipped);
        json_object_set_new(entry, "case_level",
                            json_string(t->multi ? "majority_of_samples" : "single_sample"));
        return 0;
}

static int impact_ratios(const struct spec *sp, json_t *entry)
{
        json_t *groups = json_object_get(entry, "groups");
        uint64_t sel[256], tot[256];
        double ratio[256];

        if (sp->k > 256)
                return 0;
        for (size_t g = 0; g < sp->k; g++) {
                json_t *ge = json_array_get(groups, g);

                sel[g] = (uint64_t)json_integer_value(json_object_get(ge, "positive"));
                tot[g] = (uint64_t)json_integer_value(json_object_get(ge, "n"));
                if (!tot[g])
                        return 0;
        }
        if (pa_impact_ratio(sel, tot, sp->k, NULL, ratio))
                return 0;
        for (size_t g = 0; g < sp->k; g++)
                json_object_set_new(json_array_get(groups, g), "impact_ratio", json_real(ratio[g]));
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
                rc = impact_ratios(sp, entry);
        pa__sets_release(&t);
        return rc;
}
