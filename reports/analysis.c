/* Disparity analysis (report.h): the paired tests across counterfactual
 * sets, multiple-comparison control and the flags, added to the summary's
 * per-axis entries.
 *
 * A counterfactual set is the records of one item (all samples of its
 * cases) that share every group except on the axis under test, so they
 * differ only in that axis's group. With one sample a case, each group is
 * compared with the reference by McNemar's exact test on the discordant
 * sets, and all groups together by McNemar (two groups) or Cochran's Q.
 * With several samples a case, the case-level rates are compared by a
 * permutation test that permutes group labels within each set. Every
 * group-vs-reference p-value of a run is corrected together; a group is
 * flagged when its corrected p < alpha and its rate differs from the
 * reference's by at least min_diff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "summary.h"

#define MAX_FLIPPED 20

/* The axes under test: one axis, or two crossed ones (an intersection). */
struct spec {
        size_t n_axes, axes[2], k, ref;
};

/* The counterfactual sets of one outcome and spec: the table rows that
 * enter them, in set order (item, context, row), four bytes and a bit a
 * record; a set's sums are made as it is walked (struct set). */
struct sets {
        const struct pa_suite *s;
        const struct spec *sp;
        const struct pa_table *tb;
        int scorer;
        size_t n, m, k;  /* sets, records in them, groups */
        uint32_t *order; /* m table rows */
        uint8_t *starts; /* bit p: order[p] begins a set */
        bool multi;      /* several samples a case */
};

/* One set while walking them: each group's positive and scored records. */
struct set {
        size_t pos, first; /* next position in order; the set's first row */
        double *sum;
        unsigned *cnt;
};

/* Position of each spec axis among the item's axes; false when the item
 * lacks one. */
static bool spec_positions(const struct pa_suite *s, const struct spec *sp,
                           const struct pa_item_kind *it, size_t pos[2])
{
        for (size_t i = 0; i < sp->n_axes; i++) {
                size_t k;

                for (k = 0; k < it->n_axes && it->axes[k] != sp->axes[i]; k++)
                        ;
                if (k == it->n_axes)
                        return false;
                pos[i] = k;
        }
        (void)s;
        return true;
}

/* The group of record r in the spec's (possibly crossed) axis, or -1. */
static long spec_group(const struct pa_suite *s, const struct spec *sp, const struct pa_table *t,
                       size_t r)
{
        size_t pos[2];

        if (!spec_positions(s, sp, pa_suite_kind(s, t->item[r]), pos))
                return -1;
        if (sp->n_axes == 1)
                return (long)pa_table_group(s, t, r, pos[0]);
        return (long)(pa_table_group(s, t, r, pos[0]) * s->axes[sp->axes[1]].n_groups +
                      pa_table_group(s, t, r, pos[1]));
}

/* The groups of r's item outside the spec, as one number. */
static uint64_t context_of(const struct pa_suite *s, const struct spec *sp,
                           const struct pa_table *t, size_t r)
{
        const struct pa_item_kind *it = pa_suite_kind(s, t->item[r]);
        uint64_t ctx = 0;

        for (size_t k = 0; k < it->n_axes; k++) {
                bool in =
                    it->axes[k] == sp->axes[0] || (sp->n_axes == 2 && it->axes[k] == sp->axes[1]);

                if (!in)
                        ctx = ctx * s->axes[it->axes[k]].n_groups + pa_table_group(s, t, r, k);
        }
        return ctx;
}

/* A row's place among its item's rows: context, row. A set never needs
 * the sample as a key: with one sample a case every sample is 0, with
 * several a set holds them all. */
struct keyed {
        uint64_t ctx;
        uint32_t r;
};

static int by_key(const void *a, const void *b)
{
        const struct keyed *x = a, *y = b;

        if (x->ctx != y->ctx)
                return x->ctx < y->ctx ? -1 : 1;
        return (x->r > y->r) - (x->r < y->r);
}

static void sets_release(struct sets *t)
{
        free(t->order);
        free(t->starts);
}

/* Whether row r enters the sets: its item's outcome is the scorer, it has
 * a verdict, and its item has the spec's axes. */
static bool enters(const struct sets *t, size_t r)
{
        return pa_suite_kind(t->s, t->tb->item[r])->outcome_scorer == t->scorer &&
               t->tb->v[r * t->tb->nsc + (size_t)t->scorer] != PA_NA &&
               spec_group(t->s, t->sp, t->tb, r) >= 0;
}

/* The rows by item, in row order: at[i] .. at[i + 1] - 1 hold item i's
 * (a counting sort: no per-row key is kept). */
static int by_item(struct sets *t, uint32_t **at_out, size_t *widest)
{
        size_t ni = t->s->n_items;
        uint32_t *at = calloc(ni + 2, sizeof(*at));

        if (!at)
                return PA_ENOMEM;
        for (size_t r = 0; r < t->tb->n; r++)
                if (enters(t, r))
                        at[t->tb->item[r] + 2]++;
        *widest = 0;
        for (size_t i = 0; i < ni; i++) {
                *widest = at[i + 2] > *widest ? at[i + 2] : *widest;
                at[i + 2] += at[i + 1];
        }
        t->m = at[ni + 1];
        if (!(t->order = malloc((t->m ? t->m : 1) * sizeof(*t->order)))) {
                free(at);
                return PA_ENOMEM;
        }
        for (size_t r = 0; r < t->tb->n; r++)
                if (enters(t, r))
                        t->order[at[t->tb->item[r] + 1]++] = (uint32_t)r;
        *at_out = at; /* at[i] now starts item i */
        return 0;
}

/* Sorts rows [lo, hi) of one item by context, marking where each set
 * begins. */
static void sort_item(struct sets *t, size_t lo, size_t hi, struct keyed *kv)
{
        for (size_t p = lo; p < hi; p++) {
                size_t r = t->order[p];

                kv[p - lo] =
                    (struct keyed){.ctx = context_of(t->s, t->sp, t->tb, r), .r = (uint32_t)r};
        }
        qsort(kv, hi - lo, sizeof(*kv), by_key);
        for (size_t p = lo; p < hi; p++) {
                const struct keyed *x = &kv[p - lo];

                t->order[p] = x->r;
                if (p == lo || x->ctx != x[-1].ctx) {
                        t->starts[p / 8] |= (uint8_t)(1u << (p % 8));
                        t->n++;
                }
        }
}

static int collect(const struct pa_suite *s, const struct spec *sp, const struct pa_table *tb,
                   int scorer, struct sets *t)
{
        uint32_t *at = NULL;
        struct keyed *kv = NULL;
        size_t widest = 0;
        int rc;

        *t = (struct sets){.s = s, .sp = sp, .tb = tb, .scorer = scorer, .k = sp->k};
        if (tb->n > UINT32_MAX)
                return PA_ENOMEM;
        for (size_t r = 0; r < tb->n; r++)
                if (pa_suite_kind(s, tb->item[r])->outcome_scorer == scorer &&
                    pa_table_sample(tb, r) > 0)
                        t->multi = true;
        if ((rc = by_item(t, &at, &widest)))
                return rc;
        t->starts = calloc(t->m / 8 + 1, 1);
        kv = malloc((widest ? widest : 1) * sizeof(*kv));
        if (!t->starts || !kv)
                rc = PA_ENOMEM;
        for (size_t i = 0; rc == 0 && i < s->n_items; i++)
                sort_item(t, at[i], at[i + 1], kv);
        free(kv);
        free(at);
        return rc;
}

static void set_end(struct set *st)
{
        free(st->sum);
        free(st->cnt);
}

/* Ready to walk t's sets; release with set_end() unless this fails. */
static int set_begin(const struct sets *t, struct set *st)
{
        *st = (struct set){.sum = malloc(t->k * sizeof(*st->sum) + 1),
                           .cnt = malloc(t->k * sizeof(*st->cnt) + 1)};
        if (st->sum && st->cnt)
                return 0;
        set_end(st);
        return PA_ENOMEM;
}

/* The next set of t into st; false past the last. */
static bool set_next(const struct sets *t, struct set *st)
{
        if (st->pos >= t->m)
                return false;
        memset(st->sum, 0, t->k * sizeof(*st->sum));
        memset(st->cnt, 0, t->k * sizeof(*st->cnt));
        st->first = t->order[st->pos];
        do {
                size_t r = t->order[st->pos], g = (size_t)spec_group(t->s, t->sp, t->tb, r);

                st->sum[g] += t->tb->v[r * t->tb->nsc + (size_t)t->scorer] == PA_TRUE;
                st->cnt[g]++;
        } while (++st->pos < t->m && !(t->starts[st->pos / 8] >> (st->pos % 8) & 1));
        return true;
}

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

/* One group-vs-reference comparison, kept for the run-wide correction. */
struct comparison {
        json_t *entry, *group; /* in the summary (borrowed) */
        double p, diff;
        double min_p;    /* the smallest p-value the test could give on this design */
        double sets, sd; /* paired differences per set: count and standard deviation */
};

struct run_tests {
        struct comparison *v;
        size_t n, cap;
};

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

        if (set_begin(t, &st))
                return PA_ENOMEM;
        while (set_next(t, &st)) {
                double d;

                if (!st.cnt[ref] || !st.cnt[g])
                        continue;
                d = t->multi ? st.sum[g] / st.cnt[g] - st.sum[ref] / st.cnt[ref]
                             : (double)value(&st, g) - (double)value(&st, ref);
                sum += d;
                sq += d * d;
                n++;
        }
        set_end(&st);
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

        if (set_begin(t, &st))
                return PA_ENOMEM;
        while (set_next(t, &st)) {
                int vr = value(&st, ref), vg = value(&st, g);

                if (vr < 0 || vg < 0)
                        continue;
                n++;
                b += vr == 1 && vg == 0;
                c += vr == 0 && vg == 1;
        }
        set_end(&st);
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
        if (set_begin(t, &st))
                return PA_ENOMEM;
        while (set_next(t, &st)) {
                if (!st.cnt[ref] || !st.cnt[g])
                        continue;
                y[k] = st.sum[ref] / st.cnt[ref];
                grp[k++] = 0;
                y[k] = st.sum[g] / st.cnt[g];
                grp[k++] = 1;
                start[++*m] = k;
        }
        set_end(&st);
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

        if (set_begin(t, &st))
                return PA_ENOMEM;
        while (rc == 0 && set_next(t, &st)) {
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
        set_end(&st);
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

static int analyse_entry(const struct pa_suite *s, const struct pa_table *tb, const struct spec *sp,
                         json_t *entry, const struct pa_analysis_conf *c, struct run_tests *rt)
{
        struct sets t = {0};
        int scorer =
            pa_scorer_set_find(&s->scorers, json_string_value(json_object_get(entry, "outcome")));
        int rc = scorer < 0 ? PA_EINVAL : collect(s, sp, tb, scorer, &t);

        if (rc == 0)
                rc = compare_groups(&t, sp, entry, c, rt);
        if (rc == 0)
                rc = omnibus(&t, entry);
        if (rc == 0)
                rc = impact_ratios(sp, entry);
        sets_release(&t);
        return rc;
}

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
                             ? spec_group(s, sp, tb, r)
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
        json_t *g = cmp->group;

        return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "outcome",
                         json_object_get(cmp->entry, "outcome"), "axis",
                         json_object_get(cmp->entry, "axis"), "group", json_object_get(g, "group"),
                         "reference", json_object_get(cmp->entry, "reference"), "rate",
                         json_object_get(g, "rate"), "diff", json_object_get(g, "diff"), "diff_ci",
                         json_object_get(g, "diff_ci"), "p", json_object_get(g, "p"), "p_adjusted",
                         json_object_get(g, "p_adjusted"));
}

/* Student t quantile from the normal one by the Cornish-Fisher expansion
 * (Abramowitz & Stegun 26.7.5): within 1e-3 of SciPy's from 7 degrees of
 * freedom at the levels used here, within 5% from 3; enough for an MDE. */
static double t_quantile(double p, double df)
{
        double z = pa_norm_quantile(p), z2 = z * z;

        return z + z * (z2 + 1) / (4 * df) + z * ((5 * z2 + 16) * z2 + 3) / (96 * df * df) +
               z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * df * df * df) +
               z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) /
                   (92160 * df * df * df * df);
}

/* Minimum detectable difference at the level each comparison effectively
 * gets (alpha / m, conservative for BH and Holm), in the test's own unit:
 * the paired difference over the sets, (t(1 - level/2) + t(power)) x
 * sd(d) / sqrt(sets) with sets - 1 degrees of freedom (with few sets the
 * normal quantiles promise far too much; docs/calibration.md). With one
 * sample a case (McNemar) it is no less than what the exact test needs when
 * every discordant set moves the same way: log2(2 / level) sets. With
 * several (permutation) the sets must be enough for 2 / 2^sets < level. */
static json_t *mde(const struct comparison *cmp, bool exact_binary, double level, double power)
{
        double df = cmp->sets - 1, need;

        if (cmp->sets < 2 || (!exact_binary && ldexp(2.0, -(int)fmin(cmp->sets, 1000)) >= level))
                return json_null();
        need = (t_quantile(1 - level / 2, df) + t_quantile(power, df)) * cmp->sd / sqrt(cmp->sets);
        if (exact_binary)
                need = fmax(need, log2(2 / level) / cmp->sets);
        return need <= 1 ? json_real(need) : json_null();
}

/* Corrects the testable comparisons together and flags them. A comparison
 * whose smallest attainable p-value is not below alpha can never be flagged
 * and is left out of the family (Tarone), so it does not make the others
 * harder to flag; it is reported with "testable": false. */
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
                const json_t *ratio = json_object_get(cmp->group, "ratio");

                json_object_set_new(cmp->group, "testable", json_boolean(testable));
                json_object_set_new(cmp->group, "p_adjusted",
                                    testable ? json_real(a) : json_null());
                json_object_set_new(
                    cmp->group, "mde",
                    testable ? mde(cmp,
                                   !strcmp(json_string_value(json_object_get(cmp->group, "test")),
                                           "mcnemar_exact"),
                                   c->alpha / (double)m, c->power)
                             : json_null());
                json_object_set_new(cmp->group, "four_fifths",
                                    json_boolean(!json_is_number(ratio) ||
                                                 json_number_value(ratio) >= c->min_impact_ratio));
                json_object_set_new(cmp->group, "flag", json_boolean(flag));
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
                    (rc = analyse_entry(s, tb, &sp, entry, c, &rt)))
                        goto out;
        }
        if ((rc = correct_and_flag(&rt, c, findings, &m)))
                goto out;
        json_object_set_new(sum, "analysis",
                            json_pack("{s:f, s:s, s:f, s:f, s:f, s:I, s:i, s:i, s:I}", "alpha",
                                      c->alpha, "correction", correction_name(c->correction),
                                      "min_diff", c->min_diff, "min_impact_ratio",
                                      c->min_impact_ratio, "power", c->power, "comparisons",
                                      (json_int_t)m, "perm_reps", c->perm_reps, "boot_reps",
                                      c->boot_reps, "seed", (json_int_t)(c->seed & INT64_MAX)));
        json_object_set(sum, "findings", findings);
        *out = sum;
        sum = NULL;
out:
        free(rt.v);
        json_decref(findings);
        json_decref(sum);
        if (rc && rc != PA_EINVAL)
                return pa_errf(err, rc, "analysis: out of memory");
        return rc;
}
