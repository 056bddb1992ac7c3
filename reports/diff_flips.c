/* diff.json's "flipped" from a join's rows (diff_int.h): every flip is
 * counted and the first max kept, a few bytes each, while the rows are
 * walked; only those max are read back from results.jsonl as records, so
 * the listing is the one pa__diff_flipped() makes from all the records. */
#include <stdlib.h>
#include <string.h>

#include "parity/result.h"
#include "diff_int.h"
#include "evaluator/folder/record_load.h"
#include "evaluator/util/util.h"
#include "scorers/analysis/diffjoin.h"

struct fl {
        uint32_t rb, rc; /* the base's and the candidate's row */
        uint64_t id;     /* the case id as a number: its order as a string */
};

struct flips {
        const struct pa__diff_join *j;
        struct fl *v; /* the first max so far, then sorted */
        size_t n, cap, max;
        json_t *by;     /* domain -> flips */
        uint64_t total; /* flips */
};

/* The scorer a flip is read on, as scorer_of() in diff_cases.c reads the
 * record: its outcome, else its one score. */
static const char *flip_scorer(const struct pa__diff_side *d, size_t r)
{
        const struct pa_item_kind *k = pa_suite_kind(d->s, d->t.item[r]);

        if (k->outcome)
                return k->outcome;
        if (!k->scorer_mask || (k->scorer_mask & (k->scorer_mask - 1)))
                return NULL;
        for (size_t j = 0; j < d->s->scorers.n; j++)
                if (k->scorer_mask >> j & 1)
                        return d->s->scorers.v[j].name;
        return NULL;
}

static const char *domain_of(const struct flips *f, const struct fl *x)
{
        return pa_suite_kind(f->j->b->s, f->j->b->t.item[x->rb])->domain;
}

/* By domain, item, case, sample: by_place() in diff_cases.c. */
static int by_place(const void *pa, const void *pb, void *ud)
{
        const struct flips *f = ud;
        const struct fl *a = pa, *b = pb;
        const struct pa__diff_side *d = f->j->b;
        int r = strcmp(domain_of(f, a), domain_of(f, b));
        uint32_t sa, sb;

        if (!r)
                r = strcmp(pa__diff_item_id(d, d->t.item[a->rb]),
                           pa__diff_item_id(d, d->t.item[b->rb]));
        if (r)
                return r;
        if (a->id != b->id)
                return a->id < b->id ? -1 : 1;
        sa = pa_table_sample(&d->t, a->rb);
        sb = pa_table_sample(&d->t, b->rb);
        return (sa > sb) - (sa < sb);
}

/* Sorted, cut to the first max. */
static void keep_first(struct flips *f)
{
        if (f->n)
                qsort_r(f->v, f->n, sizeof(*f->v), by_place, f);
        if (f->n > f->max)
                f->n = f->max;
}

static int add_flip(struct flips *f, uint32_t rb, uint32_t rc)
{
        const char *dom = pa_suite_kind(f->j->b->s, f->j->b->t.item[rb])->domain;
        const json_t *c = json_object_get(f->by, dom);
        char id[17];

        f->total++;
        if (json_object_set_new(f->by, dom, json_integer(json_integer_value(c) + 1)))
                return PA_ENOMEM;
        if (!f->max)
                return 0;
        if (f->n == f->cap)
                keep_first(f);
        if (pa__diff_case_id(f->j->b, rb, id))
                return PA_ENOMEM;
        f->v[f->n++] = (struct fl){.rb = rb, .rc = rc, .id = strtoull(id, NULL, 16)};
        return 0;
}

static int collect(struct flips *f)
{
        const struct pa__diff_join *j = f->j;

        for (size_t r = 0; r < j->b->t.n; r++) {
                uint32_t m = j->match[r];
                const char *sb, *sc;
                signed char vb, vc;

                if (m == PA_DIFF_NONE || !(sb = flip_scorer(j->b, r)) ||
                    !(sc = flip_scorer(j->c, m)) || strcmp(sb, sc))
                        continue;
                vb = pa__diff_verdict(j->b, r, sb);
                vc = pa__diff_verdict(j->c, m, sb);
                if (vb != PA_NA && vc != PA_NA && vb != vc && add_flip(f, (uint32_t)r, m))
                        return PA_ENOMEM;
        }
        keep_first(f);
        return 0;
}

/* ---- the listed flips' records, read back ---- */

/* Every member pick() and pa__diff_flip_json() read (with the chain's):
 * the rest of a record (usage, seed, model) is never built. */
static const char *const flip_keys[] = {"seq",      "prev",     "case_id", "sample", "item_id",
                                        "domain",   "groups",   "outcome", "scores", "prompt",
                                        "messages", "response", "error"};
static const struct pa__members flip_members = {flip_keys,
                                                sizeof(flip_keys) / sizeof(flip_keys[0])};

struct wanted {
        const struct pa__diff_side *d;
        const struct flips *f;
        int side;         /* 0: base, 1: candidate */
        uint64_t *key;    /* per listed flip: case id, sorted with at */
        uint32_t *sample; /* per listed flip */
        json_t **rec;     /* per listed flip: the last record of its pair */
};

static int pick(void *ud, json_t *rec, struct pa_err *err)
{
        struct wanted *w = ud;
        const char *id = json_string_value(json_object_get(rec, "case_id"));
        json_int_t sample = json_integer_value(json_object_get(rec, "sample"));
        uint64_t k;

        (void)err;
        if (!id || strlen(id) != 16)
                return 0;
        k = strtoull(id, NULL, 16);
        /* A few hundred at most: a linear look. */
        for (size_t i = 0; i < w->f->n; i++)
                if (w->key[i] == k && (json_int_t)w->sample[i] == sample) {
                        json_decref(w->rec[i]);
                        w->rec[i] = json_incref(rec);
                }
        return 0;
}

static int read_back(const struct flips *f, int side, json_t **rec, struct pa_err *err)
{
        const struct pa__diff_side *d = side ? f->j->c : f->j->b;
        struct wanted w = {.d = d, .f = f, .side = side, .rec = rec};
        char *path = pa__path_join(d->dir, "results.jsonl"), head[65], id[17];
        uint64_t n;
        int rc = PA_ENOMEM;

        w.key = malloc((f->n ? f->n : 1) * sizeof(*w.key));
        w.sample = malloc((f->n ? f->n : 1) * sizeof(*w.sample));
        if (!path || !w.key || !w.sample)
                goto out;
        for (size_t i = 0; i < f->n; i++) {
                uint32_t r = side ? f->v[i].rc : f->v[i].rb;

                if (pa__diff_case_id(d, r, id))
                        goto out;
                w.key[i] = strtoull(id, NULL, 16);
                w.sample[i] = pa_table_sample(&d->t, r);
        }
        if ((rc = pa__results_scan_named(path, &flip_members, pick, &w, &n, head, err)))
                goto out;
        rc = 0;
        for (size_t i = 0; rc == 0 && i < f->n; i++)
                if (!rec[i] || strcmp(head, d->head))
                        rc = pa_errf(err, PA_EINVAL,
                                     "run folder '%s': results.jsonl changed while it was read",
                                     d->dir);
out:
        free(path);
        free(w.key);
        free(w.sample);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "diff: out of memory") : rc;
}

/* The domains' counts in the order of the flips' sort (by domain). */
static int by_name(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *sorted_counts(const json_t *by)
{
        size_t n = json_object_size(by), i = 0;
        const char **keys = malloc((n ? n : 1) * sizeof(*keys)), *k;
        json_t *out = json_object(), *v;

        if (!keys || !out)
                goto fail;
        json_object_foreach((json_t *)by, k, v) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), by_name);
        for (i = 0; i < n; i++)
                if (json_object_set(out, keys[i], json_object_get(by, keys[i])))
                        goto fail;
        free(keys);
        return out;
fail:
        free(keys);
        json_decref(out);
        return NULL;
}

static json_t *listed(const struct flips *f, json_t **rb, json_t **rc)
{
        json_t *cases = json_array();

        for (size_t i = 0; cases && i < f->n; i++)
                if (json_array_append_new(cases, pa__diff_flip_json(rb[i], rc[i]))) {
                        json_decref(cases);
                        return NULL;
                }
        return cases;
}

int pa__diff_flipped_join(struct pa__diff_join *j, size_t max, json_t **out, struct pa_err *err)
{
        struct flips f = {.j = j, .max = max, .cap = max * 4, .by = json_object()};
        json_t **rb = NULL, **rc = NULL, *cases = NULL, *by = NULL;
        int r = PA_ENOMEM;

        *out = NULL;
        /* The ids only now: the tallies before held more. */
        if ((r = pa__diff_join_ids(j, err)))
                goto out;
        r = PA_ENOMEM;
        if (!f.by || !(f.v = malloc((f.cap ? f.cap : 1) * sizeof(*f.v))) || collect(&f))
                goto out;
        rb = calloc(f.n ? f.n : 1, sizeof(*rb));
        rc = calloc(f.n ? f.n : 1, sizeof(*rc));
        if (!rb || !rc)
                goto out;
        if ((r = read_back(&f, 0, rb, err)) || (r = read_back(&f, 1, rc, err)))
                goto out;
        r = PA_ENOMEM;
        if (!(cases = listed(&f, rb, rc)) || !(by = sorted_counts(f.by)))
                goto out;
        *out = json_pack("{s:I, s:I, s:O, s:O}", "total", (json_int_t)f.total, "listed",
                         (json_int_t)json_array_size(cases), "by_domain", by, "cases", cases);
        r = *out ? 0 : PA_ENOMEM;
out:
        for (size_t i = 0; i < f.n; i++) {
                json_decref(rb ? rb[i] : NULL);
                json_decref(rc ? rc[i] : NULL);
        }
        free(rb);
        free(rc);
        free(f.v);
        json_decref(f.by);
        json_decref(cases);
        json_decref(by);
        return r == PA_ENOMEM ? pa_errf(err, r, "diff: out of memory") : r;
}
