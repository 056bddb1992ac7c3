/* The counterfactual sets of the disparity analysis (analysis_int.h),
 * apart from the tests because building and walking them is its own job.
 *
 * A counterfactual set is the records of one item (all samples of its
 * cases) that share every group except on the axis under test, so they
 * differ only in that axis's group. The rows that enter are ordered by
 * item (a counting sort), then by context within each item; a set's sums
 * are made as it is walked. */
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "analysis_int.h"

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
long pa__spec_group(const struct pa_suite *s, const struct spec *sp, const struct pa_table *t,
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

void pa__sets_release(struct sets *t)
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
               pa__spec_group(t->s, t->sp, t->tb, r) >= 0;
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

int pa__sets_collect(const struct pa_suite *s, const struct spec *sp, const struct pa_table *tb,
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

void pa__set_end(struct set *st)
{
        free(st->sum);
        free(st->cnt);
}

/* Ready to walk t's sets; release with pa__set_end() unless this fails. */
int pa__set_begin(const struct sets *t, struct set *st)
{
        *st = (struct set){.sum = malloc(t->k * sizeof(*st->sum) + 1),
                           .cnt = malloc(t->k * sizeof(*st->cnt) + 1)};
        if (st->sum && st->cnt)
                return 0;
        pa__set_end(st);
        return PA_ENOMEM;
}

/* The next set of t into st; false past the last. */
bool pa__set_next(const struct sets *t, struct set *st)
{
        if (st->pos >= t->m)
                return false;
        memset(st->sum, 0, t->k * sizeof(*st->sum));
        memset(st->cnt, 0, t->k * sizeof(*st->cnt));
        st->first = t->order[st->pos];
        do {
                size_t r = t->order[st->pos], g = (size_t)pa__spec_group(t->s, t->sp, t->tb, r);

                st->sum[g] += t->tb->v[r * t->tb->nsc + (size_t)t->scorer] == PA_TRUE;
                st->cnt[g]++;
        } while (++st->pos < t->m && !(t->starts[st->pos / 8] >> (st->pos % 8) & 1));
        return true;
}
