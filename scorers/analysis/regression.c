/* Regression statistics between two runs of one suite (report.h,
 * diffstat.h).
 *
 * Records are paired by (case_id, sample). A pair counts when both records
 * are scored on the same binary scorer and both scores are true or false:
 * the scorer is the record's "outcome", or, for an item without an outcome
 * that runs exactly one scorer (the demo's questions with an "expected"
 * answer), that scorer. Pairs are grouped by (scorer, domain) and, inside
 * a group, by item: the samples and variants of one item are not
 * independent (at temperature 0 they are the same answer), so the item is
 * the unit.
 *
 * Per group, per item: the candidate's accuracy minus the base's over the
 * item's pairs; the estimand is their mean over items, tested with the
 * sign-flip test over items and its interval inverted from the same test.
 * With one pair an item the test is McNemar's exact test, which is the
 * same test. docs/formats.md ("Regression") gives the output and the
 * verdict rule. The suite may be NULL: then only the records' "outcome"
 * names the scorer. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "diffjoin.h"
#include "diffstat.h"

/* One item's pairs in a group: counts, not doubles (12 bytes an item, not
 * 24); each figure read from them is the double the sums gave, since
 * every count is an integer far below 2^53. */
struct item_pairs {
        uint32_t pairs, base_ok, cand_ok;
};

/* One (scorer, domain) group and its items. */
struct dom {
        const char *outcome, *domain; /* borrowed from the base records */
        uint64_t n, base_ok, cand_ok, b, c;
        json_t *items;         /* item_id -> item index */
        struct item_pairs *it; /* per item */
        size_t n_items, cap;
};

struct doms {
        json_t *index; /* "outcome\037domain" -> group index */
        struct dom *v;
        size_t n, cap;
};

struct tally {
        uint64_t pairs, only_base, only_cand, excluded;
};

struct pa__reg {
        struct doms d;
        struct tally t;
};

/* "case_id\037sample" into buf; NULL when the record has neither. */
static const char *record_key(const json_t *rec, char *buf, size_t len)
{
        const char *id = json_string_value(json_object_get(rec, "case_id"));
        const json_t *sample = json_object_get(rec, "sample");
        int w;

        if (!id || !json_is_integer(sample) || json_integer_value(sample) < 0)
                return NULL;
        w = snprintf(buf, len, "%s\037%lld", id, (long long)json_integer_value(sample));
        return w > 0 && (size_t)w < len ? buf : NULL;
}

/* key -> index of the first record with that key. */
static int index_run(const json_t *run, const char *which, json_t **out, struct pa_err *err)
{
        json_t *idx = json_object(), *rec;
        char buf[512];
        size_t i;

        if (!idx)
                return PA_ENOMEM;
        json_array_foreach(run, i, rec)
        {
                const char *key = record_key(rec, buf, sizeof(buf));

                if (!key) {
                        json_decref(idx);
                        return pa_errf(err, PA_EINVAL,
                                       "regression: %s record %zu: expected \"case_id\" (string of "
                                       "at most 400 bytes) and \"sample\" (integer >= 0)",
                                       which, i);
                }
                if (!json_object_get(idx, key) &&
                    json_object_set_new(idx, key, json_integer((json_int_t)i))) {
                        json_decref(idx);
                        return PA_ENOMEM;
                }
        }
        *out = idx;
        return 0;
}

/* The binary scorer a record is judged on, or NULL. */
static const char *scorer_of(const struct pa_suite *s, const json_t *items, const json_t *rec)
{
        const char *o = json_string_value(json_object_get(rec, "outcome"));
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        const json_t *at;
        const struct pa_item_kind *it;

        if (o)
                return o;
        if (!s || !id || !(at = json_object_get(items, id)))
                return NULL;
        it = pa_suite_kind(s, (size_t)json_integer_value(at));
        if (it->outcome_scorer >= 0)
                return s->scorers.v[it->outcome_scorer].name;
        if (it->scorer_mask && !(it->scorer_mask & (it->scorer_mask - 1)))
                for (size_t k = 0; k < s->scorers.n; k++)
                        if (it->scorer_mask >> k & 1)
                                return s->scorers.v[k].name;
        return NULL;
}

static struct dom *dom_get(struct doms *d, const char *outcome, const char *domain)
{
        size_t lo = strlen(outcome), ld = strlen(domain);
        char *key = malloc(lo + ld + 2);
        json_t *at;
        struct dom *g;

        if (!key)
                return NULL;
        memcpy(key, outcome, lo);
        key[lo] = '\037';
        memcpy(key + lo + 1, domain, ld + 1);
        if ((at = json_object_get(d->index, key))) {
                free(key);
                return &d->v[json_integer_value(at)];
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? 2 * d->cap : 8;
                struct dom *v = realloc(d->v, cap * sizeof(*v));

                if (!v) {
                        free(key);
                        return NULL;
                }
                d->v = v;
                d->cap = cap;
        }
        g = &d->v[d->n];
        *g = (struct dom){.outcome = outcome, .domain = domain, .items = json_object()};
        if (!g->items || json_object_set_new(d->index, key, json_integer((json_int_t)d->n))) {
                json_decref(g->items);
                free(key);
                return NULL;
        }
        free(key);
        d->n++;
        return g;
}

/* A new item of g, its index into *k. */
static int dom_new_item(struct dom *g, size_t *k)
{
        if (g->n_items == g->cap) {
                size_t cap = g->cap ? 2 * g->cap : 16;
                struct item_pairs *v = realloc(g->it, cap * sizeof(*v));

                if (!v)
                        return PA_ENOMEM;
                g->it = v;
                g->cap = cap;
        }
        *k = g->n_items++;
        g->it[*k] = (struct item_pairs){0};
        return 0;
}

static void dom_count(struct dom *g, size_t k, bool base, bool cand)
{
        g->n++;
        g->base_ok += base;
        g->cand_ok += cand;
        g->b += base && !cand;
        g->c += cand && !base;
        g->it[k].pairs++;
        g->it[k].base_ok += base;
        g->it[k].cand_ok += cand;
}

static int dom_add(struct dom *g, const char *item, bool base, bool cand)
{
        json_t *at = json_object_get(g->items, item);
        size_t k;

        if (at)
                k = (size_t)json_integer_value(at);
        else if (dom_new_item(g, &k) ||
                 json_object_set_new(g->items, item, json_integer((json_int_t)k)))
                return PA_ENOMEM;
        dom_count(g, k, base, cand);
        return 0;
}

/* One base record whose key the candidate run also has. */
static int pair(const struct pa_suite *s, const json_t *items, const json_t *rb, const json_t *rc,
                struct doms *d, struct tally *t)
{
        const char *ob = scorer_of(s, items, rb), *oc = scorer_of(s, items, rc);
        const char *domain = json_string_value(json_object_get(rb, "domain"));
        const char *item = json_string_value(json_object_get(rb, "item_id"));
        const json_t *vb, *vc;
        struct dom *g;

        if (!ob || !oc || strcmp(ob, oc)) {
                t->excluded++;
                return 0;
        }
        vb = json_object_get(json_object_get(rb, "scores"), ob);
        vc = json_object_get(json_object_get(rc, "scores"), ob);
        if (!json_is_boolean(vb) || !json_is_boolean(vc)) {
                t->excluded++;
                return 0;
        }
        if (!(g = dom_get(d, ob, domain ? domain : "general")))
                return PA_ENOMEM;
        t->pairs++;
        /* Without an item id each case is its own unit. */
        return dom_add(g, item ? item : json_string_value(json_object_get(rb, "case_id")),
                       json_is_true(vb), json_is_true(vc));
}

static int collect(const struct pa_suite *s, const json_t *base, const json_t *cand, struct doms *d,
                   struct tally *t, struct pa_err *err)
{
        json_t *ib = NULL, *ic = NULL, *items = NULL, *at;
        const char *key;
        /* Without a suite scorer_of() reads only the records: no id index. */
        int rc = s ? pa_suite_id_index(s, &items, err) : 0;

        if (rc || (rc = index_run(base, "base", &ib, err)) ||
            (rc = index_run(cand, "candidate", &ic, err)))
                goto out;
        json_object_foreach(ib, key, at)
        {
                const json_t *other = json_object_get(ic, key);

                if (!other) {
                        t->only_base++;
                        continue;
                }
                if ((rc = pair(s, items, json_array_get(base, (size_t)json_integer_value(at)),
                               json_array_get(cand, (size_t)json_integer_value(other)), d, t)))
                        goto out;
        }
        json_object_foreach(ic, key, at) t->only_cand += !json_object_get(ib, key);
out:
        json_decref(items);
        json_decref(ib);
        json_decref(ic);
        return rc;
}

/* The scorer a row of item k (of side d) is judged on, as scorer_of()
 * reads its record: the item's outcome, else by the base suite's item of
 * that id (base_item: NONE when it has none). */
static const char *row_scorer(const struct pa_suite *d, size_t k, const struct pa_suite *base,
                              uint32_t base_item)
{
        const struct pa_item_kind *it = pa_suite_kind(d, k);

        if (it->outcome)
                return it->outcome;
        if (base_item == PA_DIFF_NONE)
                return NULL;
        it = pa_suite_kind(base, base_item);
        if (it->outcome_scorer >= 0)
                return base->scorers.v[it->outcome_scorer].name;
        if (it->scorer_mask && !(it->scorer_mask & (it->scorer_mask - 1)))
                for (size_t j = 0; j < base->scorers.n; j++)
                        if (it->scorer_mask >> j & 1)
                                return base->scorers.v[j].name;
        return NULL;
}

/* One base row rb paired with the candidate's rc; local: per base item,
 * its index in its group (an item has one group: its scorer and domain). */
static int pair_rows(const struct pa__diff_join *j, size_t rb, size_t rc, uint32_t *local,
                     struct doms *d, struct tally *t)
{
        const struct pa_suite *sb = j->b->s, *sc = j->c->s;
        uint32_t ib = j->b->t.item[rb], ic = j->c->t.item[rc];
        const char *ob = row_scorer(sb, ib, sb, ib),
                   *oc = row_scorer(sc, ic, sb, pa__diff_base_item(j, ic));
        signed char vb, vc;
        struct dom *g;
        size_t k;

        if (!ob || !oc || strcmp(ob, oc)) {
                t->excluded++;
                return 0;
        }
        vb = pa__diff_verdict(j->b, rb, ob);
        vc = pa__diff_verdict(j->c, rc, ob);
        if (vb == PA_NA || vc == PA_NA) {
                t->excluded++;
                return 0;
        }
        if (!(g = dom_get(d, ob, pa_suite_kind(sb, ib)->domain)))
                return PA_ENOMEM;
        t->pairs++;
        if (local[ib] == PA_DIFF_NONE) {
                if (dom_new_item(g, &k))
                        return PA_ENOMEM;
                local[ib] = (uint32_t)k;
        }
        dom_count(g, local[ib], vb == PA_TRUE, vc == PA_TRUE);
        return 0;
}

/* As collect(), on the rows: the base's in their order. */
static int collect_join(const struct pa__diff_join *j, struct doms *d, struct tally *t)
{
        size_t n = j->b->s->n_items;
        uint32_t *local = malloc((n ? n : 1) * sizeof(*local));
        int rc = local ? 0 : PA_ENOMEM;

        for (size_t i = 0; rc == 0 && i < n; i++)
                local[i] = PA_DIFF_NONE;
        for (size_t r = 0; rc == 0 && r < j->b->t.n; r++)
                if (j->match[r] != PA_DIFF_NONE)
                        rc = pair_rows(j, r, j->match[r], local, d, t);
        t->only_base = j->only_b;
        t->only_cand = j->only_c;
        free(local);
        return rc;
}

static int by_name(const void *a, const void *b)
{
        const struct dom *x = a, *y = b;
        int r = strcmp(x->outcome, y->outcome);

        return r ? r : strcmp(x->domain, y->domain);
}

static const char *correction_name(int c)
{
        return c == PA_ADJ_HOLM ? "holm" : c == PA_ADJ_BONFERRONI ? "bonferroni" : "bh";
}

/* One pair an item: the sign-flip test on +-1/0 is McNemar's exact test,
 * exact at any size, so that is the p; the interval is still the
 * sign-flip one, which decides with it (the verdict needs both). */
static bool one_pair_each(const struct dom *g)
{
        for (size_t k = 0; k < g->n_items; k++)
                if (g->it[k].pairs != 1)
                        return false;
        return true;
}

/* Every item discordant one way: 2 / 2^n. */
static double mcnemar_min_p(size_t n)
{
        return n > 1100 ? 0 : ldexp(2.0, -(int)n);
}

/* The group's tests into o; x is scratch for n_items values. */
static int dom_test(const struct dom *g, const struct pa_analysis_conf *c, struct pa__family *f,
                    double *x, json_t *o)
{
        const char *names[] = {g->outcome, g->domain, NULL};
        double base = 0, p;
        int rc;

        for (size_t k = 0; k < g->n_items; k++) {
                const struct item_pairs *it = &g->it[k];

                x[k] = (double)((int64_t)it->cand_ok - (int64_t)it->base_ok) / (double)it->pairs;
                base += (double)it->base_ok / (double)it->pairs;
        }
        base /= (double)g->n_items;
        if ((rc = pa__item_test(f, o, "delta", x, g->n_items, pa__seed_of(c->seed, names))))
                return rc;
        if (one_pair_each(g) && g->n_items > PA_SIGNFLIP_EXACT_MAX) {
                if ((rc = pa_mcnemar_exact(g->b, g->c, &p, NULL)) < 0)
                        return rc;
                if (json_object_set_new(o, "test", json_string("mcnemar_exact")) ||
                    json_object_set_new(o, "p", json_real(p)) ||
                    json_object_set_new(o, "min_p", json_real(mcnemar_min_p(g->n_items))))
                        return PA_ENOMEM;
        }
        /* Item means, so that delta = acc_cand - acc_base. */
        if (json_object_set_new(o, "acc_base", json_real(base)) ||
            json_object_set_new(o, "acc_cand",
                                json_real(base + json_real_value(json_object_get(o, "delta")))))
                return PA_ENOMEM;
        return 0;
}

static json_t *dom_json(const struct dom *g, const struct pa_analysis_conf *c, struct pa__family *f,
                        double *x)
{
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "outcome", g->outcome,
                              "domain", g->domain, "n", (json_int_t)g->n, "base_correct",
                              (json_int_t)g->base_ok, "cand_correct", (json_int_t)g->cand_ok, "b",
                              (json_int_t)g->b, "c", (json_int_t)g->c);

        if (o && dom_test(g, c, f, x, o)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* From the records (base) or the rows (j). */
static int reg_collect(const struct pa_suite *s, const json_t *base, const json_t *cand,
                       const struct pa__diff_join *j, struct pa__reg **out, struct pa_err *err)
{
        struct pa__reg *r = calloc(1, sizeof(*r));
        int rc;

        if (!r || !(r->d.index = json_object())) {
                free(r);
                return pa_errf(err, PA_ENOMEM, "regression: out of memory");
        }
        if ((rc = j ? collect_join(j, &r->d, &r->t) : collect(s, base, cand, &r->d, &r->t, err))) {
                pa__reg_free(r);
                return rc == PA_ENOMEM ? pa_errf(err, rc, "regression: out of memory") : rc;
        }
        if (r->d.n)
                qsort(r->d.v, r->d.n, sizeof(*r->d.v), by_name);
        *out = r;
        return 0;
}

int pa__reg_collect(const struct pa_suite *s, const json_t *base, const json_t *cand,
                    struct pa__reg **out, struct pa_err *err)
{
        return reg_collect(s, base, cand, NULL, out, err);
}

int pa__reg_collect_join(const struct pa__diff_join *j, struct pa__reg **out, struct pa_err *err)
{
        return reg_collect(NULL, NULL, NULL, j, out, err);
}

size_t pa__reg_tests(const struct pa__reg *r)
{
        return r->d.n;
}

int pa__reg_json(struct pa__reg *r, const struct pa_analysis_conf *c, struct pa__family *f,
                 json_t **out)
{
        json_t *arr = json_array(), *o;
        size_t most = 1;
        double *x;
        int rc = 0;

        for (size_t i = 0; i < r->d.n; i++)
                most = r->d.v[i].n_items > most ? r->d.v[i].n_items : most;
        x = malloc(most * sizeof(*x));
        for (size_t i = 0; arr && x && i < r->d.n && rc == 0; i++)
                if (!(o = dom_json(&r->d.v[i], c, f, x)) || json_array_append_new(arr, o))
                        rc = PA_ENOMEM;
        free(x);
        if (!arr || !x || rc) {
                json_decref(arr);
                return PA_ENOMEM;
        }
        *out =
            json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:f, s:s, s:f, s:I, s:I}", "pairs",
                      (json_int_t)r->t.pairs, "only_base", (json_int_t)r->t.only_base, "only_cand",
                      (json_int_t)r->t.only_cand, "excluded", (json_int_t)r->t.excluded, "unit",
                      "item", "domains", arr, "alpha", c->alpha, "correction",
                      correction_name(c->correction), "min_diff", c->min_diff, "reps",
                      (json_int_t)f->reps, "seed", (json_int_t)(c->seed & INT64_MAX));
        return *out ? 0 : PA_ENOMEM;
}

void pa__reg_free(struct pa__reg *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->d.n; i++) {
                json_decref(r->d.v[i].items);
                free(r->d.v[i].it);
        }
        free(r->d.v);
        json_decref(r->d.index);
        free(r);
}

int pa_regression_build(const struct pa_suite *s, const json_t *base, const json_t *cand,
                        const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
        struct pa__reg *r = NULL;
        struct pa__family f;
        int rc;

        if (!json_is_array(base) || !json_is_array(cand) || !c || !out ||
            !(c->alpha > 0 && c->alpha < 1) || !(c->min_diff >= 0) ||
            (c->correction != PA_ADJ_BH && c->correction != PA_ADJ_HOLM &&
             c->correction != PA_ADJ_BONFERRONI))
                return pa_errf(err, PA_EINVAL, "regression: invalid arguments");
        if ((rc = pa__reg_collect(s, base, cand, &r, err)))
                return rc;
        pa__family_init(&f, c, pa__reg_tests(r));
        rc = pa__reg_json(r, c, &f, out);
        pa__reg_free(r);
        if (rc == 0 && (rc = pa__diff_decide(&f, *out, NULL, c, c->min_diff))) {
                json_decref(*out);
                *out = NULL;
        }
        pa__family_release(&f);
        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "regression: out of memory");
        return rc;
}
