/* Regression statistics between two runs of one suite (report.h).
 *
 * Records are paired by (case_id, sample). A pair counts when both records
 * are scored on the same binary scorer and both scores are true or false:
 * the scorer is the record's "outcome", or, for an item without an outcome
 * that runs exactly one scorer (the demo's questions with an "expected"
 * answer), that scorer. Pairs are grouped by (scorer, domain) and, inside
 * a group, clustered by item: the samples and variants of one item are
 * not independent, so the bootstrap resamples items, not pairs.
 *
 * Per group: McNemar's exact test on the discordant pairs, the delta
 * (c - b) / n with a cluster bootstrap and a paired Wald interval, the
 * p-values of all groups corrected together. docs/formats.md ("Regression")
 * gives the output and the verdict rule. The suite may be NULL: then only
 * the records' "outcome" names the scorer. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"

/* One (scorer, domain) group and its items. */
struct dom {
        const char *outcome, *domain; /* borrowed from the base records */
        uint64_t n, base_ok, cand_ok, b, c;
        json_t *items;      /* item_id -> cluster index */
        double *diff, *cnt; /* per cluster: sum of (cand - base), pairs */
        size_t n_items, cap;
        double p, midp, adj;
};

struct doms {
        json_t *index; /* "outcome\037domain" -> group index */
        struct dom *v;
        size_t n, cap;
};

struct tally {
        uint64_t pairs, only_base, only_cand, excluded;
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

static int dom_add(struct dom *g, const char *item, bool base, bool cand)
{
        json_t *at = json_object_get(g->items, item);
        size_t k;

        if (at) {
                k = (size_t)json_integer_value(at);
        } else {
                if (g->n_items == g->cap) {
                        size_t cap = g->cap ? 2 * g->cap : 16;
                        double *v = realloc(g->diff, cap * sizeof(*v));

                        if (!v)
                                return PA_ENOMEM;
                        g->diff = v;
                        if (!(v = realloc(g->cnt, cap * sizeof(*v))))
                                return PA_ENOMEM;
                        g->cnt = v;
                        g->cap = cap;
                }
                k = g->n_items;
                if (json_object_set_new(g->items, item, json_integer((json_int_t)k)))
                        return PA_ENOMEM;
                g->diff[k] = g->cnt[k] = 0;
                g->n_items++;
        }
        g->n++;
        g->base_ok += base;
        g->cand_ok += cand;
        g->b += base && !cand;
        g->c += cand && !base;
        g->diff[k] += (double)cand - (double)base;
        g->cnt[k] += 1;
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
        /* Without an item id each case is its own cluster. */
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

static int by_name(const void *a, const void *b)
{
        const struct dom *x = a, *y = b;
        int r = strcmp(x->outcome, y->outcome);

        return r ? r : strcmp(x->domain, y->domain);
}

/* FNV-1a of the group's names into the seed: a group's bootstrap does not
 * depend on which other groups the runs have. */
static uint64_t group_seed(uint64_t seed, const struct dom *g)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (const char *p = g->outcome; *p; p++)
                h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        h = (h ^ 0x1f) * 0x100000001b3ull;
        for (const char *p = g->domain; *p; p++)
                h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        return pa_splitmix64(&h) ^ seed;
}

static json_t *interval(double lo, double hi)
{
        return json_pack("[f,f]", lo, hi);
}

static const char *verdict(const struct dom *g, const struct pa_analysis_conf *c, double delta,
                           const double *ci)
{
        if (!(g->adj < c->alpha))
                return "unchanged";
        if (delta <= -c->min_diff && (!ci || ci[1] < 0))
                return "regression";
        if (delta >= c->min_diff && (!ci || ci[0] > 0))
                return "improvement";
        return "unchanged";
}

static json_t *dom_json(const struct dom *g, const struct pa_analysis_conf *c)
{
        double n = (double)g->n, delta = ((double)g->c - (double)g->b) / n;
        double blo, bhi, clo, chi, wlo, whi, ci[2];
        bool boot = c->boot_reps >= 2;
        json_t *o;

        pa_wilson(g->base_ok, g->n, c->alpha, &blo, &bhi);
        pa_wilson(g->cand_ok, g->n, c->alpha, &clo, &chi);
        pa_paired_diff_wald(g->b, g->c, g->n, c->alpha, &wlo, &whi, NULL);
        if (boot && pa_bootstrap_ratio(g->diff, g->cnt, g->n_items, c->boot_reps, c->alpha,
                                       group_seed(c->seed, g), &ci[0], &ci[1], NULL))
                return NULL;
        o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:f, s:o, s:f, s:o, "
                      "s:o, s:f, s:f, s:f, s:s}",
                      "outcome", g->outcome, "domain", g->domain, "n", (json_int_t)g->n, "items",
                      (json_int_t)g->n_items, "base_correct", (json_int_t)g->base_ok,
                      "cand_correct", (json_int_t)g->cand_ok, "b", (json_int_t)g->b, "c",
                      (json_int_t)g->c, "acc_base", (double)g->base_ok / n, "acc_base_ci",
                      interval(blo, bhi), "acc_cand", (double)g->cand_ok / n, "acc_cand_ci",
                      interval(clo, chi), "delta", delta, "delta_ci",
                      boot ? interval(ci[0], ci[1]) : json_null(), "delta_ci_wald",
                      interval(wlo, whi), "p", g->p, "midp", g->midp, "p_adjusted", g->adj,
                      "verdict", verdict(g, c, delta, boot ? ci : NULL));
        return o;
}

static const char *correction_name(int c)
{
        return c == PA_ADJ_HOLM ? "holm" : c == PA_ADJ_BONFERRONI ? "bonferroni" : "bh";
}

/* Tests, correction, and the output object. */
static int emit(struct doms *d, const struct tally *t, const struct pa_analysis_conf *c,
                json_t **out)
{
        json_t *arr = json_array();
        double *p = malloc((d->n + 1) * sizeof(*p));
        int rc = arr && p ? 0 : PA_ENOMEM;

        if (d->n)
                qsort(d->v, d->n, sizeof(*d->v), by_name);
        for (size_t i = 0; rc == 0 && i < d->n; i++)
                rc = pa_mcnemar_exact(d->v[i].b, d->v[i].c, &d->v[i].p, &d->v[i].midp);
        for (size_t i = 0; rc == 0 && i < d->n; i++)
                p[i] = d->v[i].p;
        if (rc == 0 && d->n)
                rc = pa_p_adjust(p, d->n, (enum pa_p_adjust)c->correction, p);
        for (size_t i = 0; rc == 0 && i < d->n; i++) {
                d->v[i].adj = p[i];
                json_t *o = dom_json(&d->v[i], c);

                if (!o || json_array_append_new(arr, o))
                        rc = PA_ENOMEM;
        }
        free(p);
        if (rc == 0)
                *out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:f, s:s, s:f, s:I, s:I}", "pairs",
                                 (json_int_t)t->pairs, "only_base", (json_int_t)t->only_base,
                                 "only_cand", (json_int_t)t->only_cand, "excluded",
                                 (json_int_t)t->excluded, "domains", arr, "alpha", c->alpha,
                                 "correction", correction_name(c->correction), "min_diff",
                                 c->min_diff, "boot_reps", (json_int_t)c->boot_reps, "seed",
                                 (json_int_t)(c->seed & INT64_MAX));
        else
                json_decref(arr);
        if (rc == 0 && !*out)
                rc = PA_ENOMEM;
        return rc;
}

int pa_regression_build(const struct pa_suite *s, const json_t *base, const json_t *cand,
                        const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
        struct doms d = {.index = json_object()};
        struct tally t = {0};
        int rc;

        if (!json_is_array(base) || !json_is_array(cand) || !c || !out ||
            !(c->alpha > 0 && c->alpha < 1) || !(c->min_diff >= 0) ||
            (c->correction != PA_ADJ_BH && c->correction != PA_ADJ_HOLM &&
             c->correction != PA_ADJ_BONFERRONI)) {
                json_decref(d.index);
                return pa_errf(err, PA_EINVAL, "regression: invalid arguments");
        }
        rc = d.index ? collect(s, base, cand, &d, &t, err) : PA_ENOMEM;
        if (rc == 0)
                rc = emit(&d, &t, c, out);
        for (size_t i = 0; i < d.n; i++) {
                json_decref(d.v[i].items);
                free(d.v[i].diff);
                free(d.v[i].cnt);
        }
        free(d.v);
        json_decref(d.index);
        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "regression: out of memory");
        return rc;
}
