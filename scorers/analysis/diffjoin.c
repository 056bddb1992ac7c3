/* The two runs of a diff paired by (case, sample) (diffjoin.h): both
 * tables' rows sorted by case and sample, walked together once. */
#include <stdlib.h>
#include <string.h>

#include "diffjoin.h"
#include "evaluator/suite/case.h"
#include "evaluator/suite/item_index.h"

struct ids {
        struct pa__diff_side *d;
        size_t used, cap;
};

static int keep_id(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        struct ids *x = ud;
        size_t n = strlen(it->id) + 1;

        (void)obj;
        if (x->used + n > UINT32_MAX)
                return PA_ENOMEM;
        if (x->used + n > x->cap) {
                size_t cap = x->cap ? 2 * x->cap : 4096;
                char *v;

                while (cap < x->used + n)
                        cap *= 2;
                if (!(v = realloc(x->d->ids, cap)))
                        return PA_ENOMEM;
                x->d->ids = v;
                x->cap = cap;
        }
        memcpy(x->d->ids + x->used, it->id, n);
        x->d->id_at[i] = (uint32_t)x->used;
        x->used += n;
        return 0;
}

int pa__diff_side_ids(struct pa__diff_side *side, struct pa_err *err)
{
        struct ids x = {.d = side};
        int rc;

        if (!(side->id_at = malloc((side->s->n_items ? side->s->n_items : 1) * sizeof(uint32_t))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc = pa_suite_each_item(side->s, keep_id, &x, err);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

int pa__diff_side_ids_of(struct pa__diff_side *side, const struct pa__diff_side *of)
{
        side->ids = of->ids;
        side->id_at = of->id_at;
        side->ids_borrowed = true;
        return 0;
}

void pa__diff_side_release(struct pa__diff_side *side)
{
        if (!side)
                return;
        pa_table_release(&side->t);
        if (!side->ids_borrowed) {
                free(side->ids);
                free(side->id_at);
        }
        side->ids_borrowed = false;
        side->ids = NULL;
        side->id_at = NULL;
}

signed char pa__diff_verdict(const struct pa__diff_side *d, size_t r, const char *name)
{
        for (size_t k = 0; name && k < d->s->scorers.n; k++)
                if (!strcmp(d->s->scorers.v[k].name, name))
                        return d->t.v[r * d->t.nsc + k];
        return PA_NA;
}

int pa__diff_case_id(const struct pa__diff_side *d, size_t r, char out[17])
{
        const struct pa_item_kind *k = pa_suite_kind(d->s, d->t.item[r]);
        struct pa_item it = {.id = pa__diff_item_id(d, d->t.item[r]), .n_axes = k->n_axes};
        size_t groups[PA_MAX_AXES];

        memcpy(it.axes, k->axes, sizeof(it.axes));
        pa__case_groups(d->s, &it, d->t.variant[r], groups);
        return pa__case_id(d->s, &it, groups, out);
}

/* ---- the rows sorted by case, then sample ---- */

struct order {
        const struct pa__diff_side *d;
        const uint64_t *key; /* per row, or NULL: (item, variant) is the key */
};

static uint64_t key_of(const struct order *o, uint32_t r)
{
        return o->key ? o->key[r] : (uint64_t)o->d->t.item[r] << 32 | o->d->t.variant[r];
}

static int by_case_sample(const void *pa, const void *pb, void *ud)
{
        const struct order *o = ud;
        uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
        uint64_t ka = key_of(o, a), kb = key_of(o, b);
        uint32_t sa = pa_table_sample(&o->d->t, a), sb = pa_table_sample(&o->d->t, b);

        if (ka != kb)
                return ka < kb ? -1 : 1;
        return (sa > sb) - (sa < sb);
}

/* The case ids as numbers (16 hex digits: the order of the strings). */
static int case_keys(const struct pa__diff_side *d, uint64_t **out)
{
        uint64_t *k = malloc((d->t.n ? d->t.n : 1) * sizeof(*k));
        char id[17];

        if (!k)
                return PA_ENOMEM;
        for (size_t r = 0; r < d->t.n; r++) {
                if (pa__diff_case_id(d, r, id)) {
                        free(k);
                        return PA_ENOMEM;
                }
                k[r] = strtoull(id, NULL, 16);
        }
        *out = k;
        return 0;
}

static uint32_t *sorted_rows(const struct order *o)
{
        uint32_t *v = malloc((o->d->t.n ? o->d->t.n : 1) * sizeof(*v));

        for (size_t r = 0; v && r < o->d->t.n; r++)
                v[r] = (uint32_t)r;
        if (v)
                qsort_r(v, o->d->t.n, sizeof(*v), by_case_sample, (void *)o);
        return v;
}

/* One case in both: its rows marked shared, its samples paired. */
static void join_case(struct pa__diff_join *j, const struct order *ob, const uint32_t *vb,
                      size_t nb, const struct order *oc, const uint32_t *vc, size_t nc)
{
        size_t x = 0, y = 0;

        for (size_t i = 0; j->b_shared && i < nb; i++)
                j->b_shared[vb[i]] = 1;
        for (size_t i = 0; j->c_shared && i < nc; i++)
                j->c_shared[vc[i]] = 1;
        while (x < nb && y < nc) {
                uint32_t sb = pa_table_sample(&ob->d->t, vb[x]),
                         sc = pa_table_sample(&oc->d->t, vc[y]);

                if (sb == sc) {
                        j->match[vb[x++]] = vc[y++];
                        j->pairs++;
                } else if (sb < sc) {
                        x++;
                } else {
                        y++;
                }
        }
}

static size_t run_end(const struct order *o, const uint32_t *v, size_t n, size_t i)
{
        uint64_t k = key_of(o, v[i]);

        while (i < n && key_of(o, v[i]) == k)
                i++;
        return i;
}

static void walk(struct pa__diff_join *j, const struct order *ob, const uint32_t *vb,
                 const struct order *oc, const uint32_t *vc)
{
        size_t nb = ob->d->t.n, nc = oc->d->t.n, x = 0, y = 0;

        while (x < nb || y < nc) {
                size_t xe = x < nb ? run_end(ob, vb, nb, x) : x;
                size_t ye = y < nc ? run_end(oc, vc, nc, y) : y;
                uint64_t kb = x < nb ? key_of(ob, vb[x]) : UINT64_MAX;
                uint64_t kc = y < nc ? key_of(oc, vc[y]) : UINT64_MAX;
                bool take_b = x < nb && (y == nc || kb <= kc);
                bool take_c = y < nc && (x == nb || kc <= kb);

                j->cases_b += take_b;
                j->cases_c += take_c;
                if (take_b && take_c) {
                        j->cases_shared++;
                        join_case(j, ob, vb + x, xe - x, oc, vc + y, ye - y);
                }
                if (take_b)
                        x = xe;
                if (take_c)
                        y = ye;
        }
}

/* Per candidate item, the base's item of the same id. */
static int map_items(struct pa__diff_join *j, struct pa_err *err)
{
        const struct pa_suite *sc = j->c->s;
        struct pa__item_index idx = {0};
        int rc;

        if (j->same_suite)
                return 0; /* each item is its own */
        if (!(j->base_item = malloc((sc->n_items ? sc->n_items : 1) * sizeof(uint32_t))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = pa__item_index_build(j->b->s, &idx, err)))
                return rc;
        for (size_t i = 0; i < sc->n_items; i++) {
                long at = pa__item_index_find(&idx, pa__diff_item_id(j->c, i));

                j->base_item[i] = at < 0 ? PA_DIFF_NONE : (uint32_t)at;
        }
        pa__item_index_release(&idx);
        return 0;
}

/* by_item: the candidate's items are the base's, index for index, and
 * (item, variant) is the case; shared: each row marked when the other run
 * has its case (the summaries of two suites). */
static int join_build(struct pa__diff_side *b, struct pa__diff_side *c, bool by_item, bool shared,
                      struct pa__diff_join *j, struct pa_err *err)
{
        struct order ob = {.d = b}, oc = {.d = c};
        uint64_t *kb = NULL, *kc = NULL;
        uint32_t *vb = NULL, *vc = NULL;
        int rc = PA_ENOMEM;

        *j = (struct pa__diff_join){.b = b, .c = c, .same_suite = by_item};
        if (!(j->match = malloc((b->t.n ? b->t.n : 1) * sizeof(*j->match))) ||
            (shared && (!(j->b_shared = calloc(b->t.n ? b->t.n : 1, 1)) ||
                        !(j->c_shared = calloc(c->t.n ? c->t.n : 1, 1)))))
                goto out;
        for (size_t r = 0; r < b->t.n; r++)
                j->match[r] = PA_DIFF_NONE;
        if (!by_item && (case_keys(b, &kb) || case_keys(c, &kc)))
                goto out;
        ob.key = kb;
        oc.key = kc;
        if (!(vb = sorted_rows(&ob)) || !(vc = sorted_rows(&oc)))
                goto out;
        walk(j, &ob, vb, &oc, vc);
        j->only_b = b->t.n - j->pairs;
        j->only_c = c->t.n - j->pairs;
        rc = map_items(j, err);
out:
        free(kb);
        free(kc);
        free(vb);
        free(vc);
        if (rc == PA_ENOMEM)
                rc = pa_errf(err, rc, "diff: out of memory");
        if (rc)
                pa__diff_join_release(j);
        return rc;
}

int pa__diff_join_build(struct pa__diff_side *b, struct pa__diff_side *c, bool same_suite,
                        struct pa__diff_join *j, struct pa_err *err)
{
        /* One suite: its (item, variant) is the case; else the case ids. */
        return join_build(b, c, same_suite, !same_suite, j, err);
}

int pa__diff_join_build_aligned(struct pa__diff_side *b, struct pa__diff_side *c,
                                struct pa__diff_join *j, struct pa_err *err)
{
        return join_build(b, c, true, true, j, err);
}

void pa__diff_join_drop_pairs(struct pa__diff_join *j)
{
        free(j->match);
        j->match = NULL;
}

int pa__diff_join_ids(struct pa__diff_join *j, struct pa_err *err)
{
        int rc;

        if (!j->b->id_at && (rc = pa__diff_side_ids(j->b, err)))
                return rc;
        if (j->c->id_at)
                return 0;
        /* One suite (its items in one order): one list. */
        return j->same_suite ? pa__diff_side_ids_of(j->c, j->b) : pa__diff_side_ids(j->c, err);
}

void pa__diff_join_release(struct pa__diff_join *j)
{
        if (!j)
                return;
        free(j->match);
        free(j->b_shared);
        free(j->c_shared);
        free(j->base_item);
        memset(j, 0, sizeof(*j));
}

int pa__diff_join_shared(const struct pa__diff_join *j, int side, struct pa_table *out)
{
        const struct pa__diff_side *d = side ? j->c : j->b;
        const uint8_t *keep = side ? j->c_shared : j->b_shared;

        pa_table_init(out, d->t.nsc);
        if (!keep)
                return PA_EINVAL;
        for (size_t r = 0; r < d->t.n; r++)
                if (keep[r] && pa_table_add(out, d->t.item[r], d->t.variant[r],
                                            pa_table_sample(&d->t, r), d->t.v + r * d->t.nsc)) {
                        pa_table_release(out);
                        return PA_ENOMEM;
                }
        return 0;
}
