/* The item level of the disparity analysis (analysis_int.h): each
 * counterfactual set's per-group sums kept in one table (struct cells), and
 * what the tests take from it: per-item differences and interaction
 * contrasts (the item is the unit of the default estimand), per-item
 * totals (clustered rates) and per-set 2x2 tables (the CMH test of the
 * suite estimand). */
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "analysis_int.h"

void pa__cells_release(struct cells *c)
{
        free(c->item);
        free(c->sum);
        free(c->cnt);
        memset(c, 0, sizeof(*c));
}

int pa__cells_collect(const struct sets *t, struct cells *c)
{
        struct set st;
        size_t j = 0;

        *c = (struct cells){.k = t->k, .multi = t->multi};
        c->item = malloc((t->n + 1) * sizeof(*c->item));
        c->sum = malloc((t->n * t->k + 1) * sizeof(*c->sum));
        c->cnt = malloc((t->n * t->k + 1) * sizeof(*c->cnt));
        if (!c->item || !c->sum || !c->cnt || pa__set_begin(t, &st)) {
                pa__cells_release(c);
                return PA_ENOMEM;
        }
        while (pa__set_next(t, &st)) {
                c->item[j] = t->tb->item[st.first];
                memcpy(c->sum + j * t->k, st.sum, t->k * sizeof(*st.sum));
                memcpy(c->cnt + j * t->k, st.cnt, t->k * sizeof(*st.cnt));
                /* Sets come item by item (analysis_sets.c). */
                c->items += j == 0 || c->item[j] != c->item[j - 1];
                j++;
        }
        pa__set_end(&st);
        c->n = j;
        return 0;
}

/* Rate of group g in set j. */
static double rate(const struct cells *c, size_t j, size_t g)
{
        return c->sum[j * c->k + g] / c->cnt[j * c->k + g];
}

static bool has(const struct cells *c, size_t j, size_t g)
{
        return c->cnt[j * c->k + g] > 0;
}

/* The per-item means of a per-set contrast over the sets where it is
 * defined, into a new array (*out, *n items; caller frees). */
static int item_means(const struct cells *c, const size_t g[4], bool four, double **out, size_t *n)
{
        double *d = malloc((c->items + 1) * sizeof(*d)), acc = 0;
        size_t used = 0;

        *n = 0;
        if (!(*out = d))
                return PA_ENOMEM;
        for (size_t j = 0; j < c->n; j++) {
                bool ok = has(c, j, g[0]) && has(c, j, g[1]) &&
                          (!four || (has(c, j, g[2]) && has(c, j, g[3])));

                if (ok) {
                        /* group - reference; crossed: (ab - ab0) - (a0b - a0b0). */
                        acc += rate(c, j, g[0]) - rate(c, j, g[1]);
                        if (four)
                                acc -= rate(c, j, g[2]) - rate(c, j, g[3]);
                        used++;
                }
                if (used && (j + 1 == c->n || c->item[j + 1] != c->item[j])) {
                        d[(*n)++] = acc / (double)used;
                        acc = 0;
                        used = 0;
                }
        }
        return 0;
}

int pa__item_diffs(const struct cells *c, size_t g, size_t ref, double **d, size_t *n)
{
        const size_t gs[4] = {g, ref, 0, 0};

        return item_means(c, gs, false, d, n);
}

int pa__item_interactions(const struct cells *c, const size_t cell[4], double **d, size_t *n)
{
        return item_means(c, cell, true, d, n);
}

int pa__item_totals(const struct cells *c, size_t g, double **pos, double **cnt, size_t *n)
{
        *n = 0;
        *pos = malloc((c->items + 1) * sizeof(**pos));
        *cnt = malloc((c->items + 1) * sizeof(**cnt));
        if (!*pos || !*cnt) {
                free(*pos);
                free(*cnt);
                *pos = *cnt = NULL;
                return PA_ENOMEM;
        }
        for (size_t j = 0; j < c->n; j++) {
                if (j == 0 || c->item[j] != c->item[j - 1]) {
                        (*pos)[*n] = (*cnt)[*n] = 0;
                        ++*n;
                }
                (*pos)[*n - 1] += c->sum[j * c->k + g];
                (*cnt)[*n - 1] += c->cnt[j * c->k + g];
        }
        /* Items without a record of g are not clusters of g. */
        size_t m = 0;
        for (size_t i = 0; i < *n; i++)
                if ((*cnt)[i] > 0) {
                        (*pos)[m] = (*pos)[i];
                        (*cnt)[m++] = (*cnt)[i];
                }
        *n = m;
        return 0;
}

static bool both(const struct cells *c, size_t j, size_t g, size_t ref)
{
        return has(c, j, g) && has(c, j, ref);
}

/* 1 / m for the m answers a group in set j (the fewer of the two). */
static double inv_answers(const struct cells *c, size_t j, size_t g, size_t ref)
{
        unsigned ng = c->cnt[j * c->k + g], nr = c->cnt[j * c->k + ref];

        return 1.0 / (ng < nr ? ng : nr);
}

/* The sets where both answered, and the items that have one. */
static void count_sets(const struct cells *c, size_t g, size_t ref, size_t *n, size_t *items)
{
        size_t first = 0;

        *n = *items = 0;
        for (size_t j = 0; j < c->n; j++) {
                *n += both(c, j, g, ref);
                if (*n > first && (j + 1 == c->n || c->item[j + 1] != c->item[j])) {
                        first = *n;
                        ++*items;
                }
        }
}

/* Each item's sets (a run of equal c->item) in order, so every sum is
 * added in set order, one set at a time, as from stored arrays. */
static void sum_sets(const struct cells *c, size_t g, size_t ref, size_t items, struct coupling *k)
{
        for (size_t j0 = 0, j1; j0 < c->n; j0 = j1) {
                size_t sets = 0;

                for (j1 = j0; j1 < c->n && c->item[j1] == c->item[j0]; j1++)
                        sets += both(c, j1, g, ref);
                for (size_t j = j0; j < j1; j++) {
                        double w;

                        if (!both(c, j, g, ref))
                                continue;
                        w = inv_answers(c, j, g, ref);
                        w /= (double)sets * (double)sets;
                        w /= (double)items;
                        k->mu += rate(c, j, g) - rate(c, j, ref);
                        k->minv += inv_answers(c, j, g, ref);
                        k->wsum += w;
                }
        }
}

void pa__item_coupling(const struct cells *c, size_t g, size_t ref, struct coupling *out)
{
        size_t items;

        *out = (struct coupling){0};
        count_sets(c, g, ref, &out->n, &items);
        if (out->n < 2)
                return;
        sum_sets(c, g, ref, items, out);
        out->mu /= (double)out->n;
        out->minv /= (double)out->n;
        for (size_t j = 0; j < c->n; j++) {
                double d;

                if (!both(c, j, g, ref))
                        continue;
                d = rate(c, j, g) - rate(c, j, ref);
                out->v += (d - out->mu) * (d - out->mu) / (double)(out->n - 1);
        }
}

int pa__set_tables(const struct cells *c, size_t g, size_t ref, uint64_t **tables, size_t *n)
{
        uint64_t *t = malloc((4 * c->n + 4) * sizeof(*t));

        *n = 0;
        if (!(*tables = t))
                return PA_ENOMEM;
        for (size_t j = 0; j < c->n; j++) {
                double sg = c->sum[j * c->k + g], sr = c->sum[j * c->k + ref];
                unsigned ng = c->cnt[j * c->k + g], nr = c->cnt[j * c->k + ref];
                uint64_t *row = t + 4 * *n;

                if (!ng || !nr)
                        continue;
                row[0] = (uint64_t)sg;
                row[1] = ng - (uint64_t)sg;
                row[2] = (uint64_t)sr;
                row[3] = nr - (uint64_t)sr;
                ++*n;
        }
        return 0;
}

bool pa__cells_one_per_item(const struct cells *c)
{
        return c->n == c->items;
}
