/* diff.json's "disparities" (diffstat.h, docs/reports.md "Disparity
 * changes"): every group of the two summaries' entries side by side, and
 * the change of its difference to the reference tested on the records.
 *
 * Per item (the unit; its cases, variants and samples together) and run:
 * the group's outcome rate minus the reference's. The change of an item is
 * the candidate's difference minus the base's, over the items where both
 * runs have both groups; its mean over those items is the estimand, tested
 * with the sign-flip test over items and given with the interval that
 * inverts it. pa__diff_decide then corrects and labels it. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "diffjoin.h"
#include "diffstat.h"

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

/* ---- per-item tallies of one summary entry ---- */

/* One entry's tallies: per item, group and run, positives and records,
 * each count in `width` bytes: from rows, the fewest that hold the most
 * rows an item has in one run (a count of 1 or 2 bytes is 16 or 8 bytes
 * an item for two groups, not 32); from records, 4. */
struct tally {
        const json_t *entry;
        json_t *groups;  /* group name -> index */
        json_t *items;   /* item id -> index (records) */
        uint32_t *local; /* unified item (diffjoin.h) -> index, or NONE (rows) */
        size_t k, n, cap;
        unsigned width; /* bytes a count: 1, 2 or 4 */
        void *cell;     /* [item][group][run][positive, records] */
};

/* Where the positives of (item, group, run) are; the records follow. */
static size_t cell(const struct tally *t, size_t item, size_t group, int run)
{
        return ((item * t->k + group) * 2 + (size_t)run) * 2;
}

static uint32_t count_of(const struct tally *t, size_t at)
{
        if (t->width == 1)
                return ((const uint8_t *)t->cell)[at];
        if (t->width == 2)
                return ((const uint16_t *)t->cell)[at];
        return ((const uint32_t *)t->cell)[at];
}

static void count_add(struct tally *t, size_t at, uint32_t v)
{
        if (t->width == 1)
                ((uint8_t *)t->cell)[at] += (uint8_t)v;
        else if (t->width == 2)
                ((uint16_t *)t->cell)[at] += (uint16_t)v;
        else
                ((uint32_t *)t->cell)[at] += v;
}

/* A new item, its index into *at. */
static int new_item(struct tally *t, size_t *at)
{
        size_t per = t->k * 4 * t->width;

        if (t->n == t->cap) {
                size_t cap = t->cap ? 2 * t->cap : 64;
                uint8_t *c = realloc(t->cell, cap * per);

                if (!c)
                        return PA_ENOMEM;
                t->cell = c;
                t->cap = cap;
        }
        memset((uint8_t *)t->cell + t->n * per, 0, per);
        *at = t->n++;
        return 0;
}

static int item_index(struct tally *t, const char *item, size_t *at)
{
        const json_t *v = json_object_get(t->items, item);

        if (v) {
                *at = (size_t)json_integer_value(v);
                return 0;
        }
        if (new_item(t, at) || json_object_set_new(t->items, item, json_integer((json_int_t)*at)))
                return PA_ENOMEM;
        return 0;
}

/* The record's group on the entry's axes ("a+b" for an intersection),
 * into buf; NULL when it lacks one. */
static const char *label_of(const json_t *entry, const json_t *rec, char *buf, size_t len)
{
        const json_t *axes = json_object_get(entry, "axes"), *a, *groups;
        size_t i, used = 0;

        groups = json_object_get(rec, "groups");
        if (!json_is_array(axes))
                return json_string_value(json_object_get(groups, str(entry, "axis")));
        json_array_foreach(axes, i, a)
        {
                const char *g = json_string_value(json_object_get(groups, json_string_value(a)));
                int w;

                if (!g)
                        return NULL;
                w = snprintf(buf + used, len - used, "%s%s", i ? "+" : "", g);
                if (w < 0 || (size_t)w >= len - used)
                        return NULL;
                used += (size_t)w;
        }
        return buf;
}

static int tally_run(struct tally *t, const json_t *records, int run)
{
        const char *outcome = str(t->entry, "outcome");
        const json_t *rec;
        char buf[512];
        size_t i, at, x;
        int rc = 0;

        json_array_foreach(records, i, rec)
        {
                const json_t *v = json_object_get(json_object_get(rec, "scores"), outcome), *g;
                const char *label, *item = json_string_value(json_object_get(rec, "item_id"));

                if (rc || strcmp(str(rec, "outcome"), outcome) || !json_is_boolean(v) ||
                    !(label = label_of(t->entry, rec, buf, sizeof(buf))) ||
                    !(g = json_object_get(t->groups, label)))
                        continue;
                /* Without an item id each case is its own unit. */
                if (!item && !(item = json_string_value(json_object_get(rec, "case_id"))))
                        continue;
                if ((rc = item_index(t, item, &at)))
                        break;
                x = cell(t, at, (size_t)json_integer_value(g), run);
                count_add(t, x, json_is_true(v));
                count_add(t, x + 1, 1);
        }
        return rc;
}

/* ---- the same tallies from a join's rows ---- */

/* Row r's group on the entry's axes ("a+b" for an intersection), as
 * label_of() reads it from the record. */
static const char *row_label(const json_t *entry, const struct pa__diff_side *d, size_t r,
                             char *buf, size_t len)
{
        const json_t *axes = json_object_get(entry, "axes"), *one = json_object_get(entry, "axis");
        const struct pa_item_kind *k = pa_suite_kind(d->s, d->t.item[r]);
        size_t i, n = json_is_array(axes) ? json_array_size(axes) : 1, used = 0;

        for (i = 0; i < n; i++) {
                const char *name =
                    json_string_value(json_is_array(axes) ? json_array_get(axes, i) : one);
                const struct pa_axis *ax = NULL;
                size_t p;
                int w;

                for (p = 0; name && p < k->n_axes; p++)
                        if (!strcmp((ax = &d->s->axes[k->axes[p]])->name, name))
                                break;
                if (!name || p == k->n_axes)
                        return NULL;
                w = snprintf(buf + used, len - used, "%s%s", i ? "+" : "",
                             ax->groups[pa_table_group(d->s, &d->t, r, p)].name);
                if (w < 0 || (size_t)w >= len - used)
                        return NULL;
                used += (size_t)w;
        }
        return buf;
}

/* An item of either run as one number: the base's index, or past the
 * base's items for a candidate item the base lacks. */
static size_t unified(const struct pa__diff_join *j, int run, uint32_t item)
{
        uint32_t b = run ? pa__diff_base_item(j, item) : item;

        return b != PA_DIFF_NONE ? b : j->b->s->n_items + item;
}

static int tally_rows(struct tally *t, const struct pa__diff_join *j, int run)
{
        const struct pa__diff_side *d = run ? j->c : j->b;
        const char *outcome = str(t->entry, "outcome");
        char buf[512];
        size_t at;

        for (size_t r = 0; r < d->t.n; r++) {
                const struct pa_item_kind *k = pa_suite_kind(d->s, d->t.item[r]);
                signed char v = pa__diff_verdict(d, r, outcome);
                const char *label;
                const json_t *g;
                size_t u = unified(j, run, d->t.item[r]), x;

                if (strcmp(k->outcome ? k->outcome : "", outcome) || v == PA_NA ||
                    !(label = row_label(t->entry, d, r, buf, sizeof(buf))) ||
                    !(g = json_object_get(t->groups, label)))
                        continue;
                if (t->local[u] == PA_DIFF_NONE) {
                        if (new_item(t, &at))
                                return PA_ENOMEM;
                        t->local[u] = (uint32_t)at;
                }
                x = cell(t, t->local[u], (size_t)json_integer_value(g), run);
                count_add(t, x, v == PA_TRUE);
                count_add(t, x + 1, 1);
        }
        return 0;
}

/* The most rows one unified item has in one run (saturating at
 * UINT16_MAX), which bounds every count of the tallies: the bytes a
 * count needs. */
static int count_width(const struct pa__diff_join *j, size_t n, unsigned *width)
{
        uint16_t *rows = malloc((n ? n : 1) * sizeof(*rows)), most = 0;

        if (!rows)
                return PA_ENOMEM;
        for (int run = 0; run < 2; run++) {
                const struct pa__diff_side *d = run ? j->c : j->b;

                memset(rows, 0, (n ? n : 1) * sizeof(*rows));
                for (size_t r = 0; r < d->t.n; r++) {
                        uint16_t *c = &rows[unified(j, run, d->t.item[r])];

                        *c += *c < UINT16_MAX;
                        most = *c > most ? *c : most;
                }
        }
        free(rows);
        *width = most <= UINT8_MAX ? 1 : most < UINT16_MAX ? 2 : 4;
        return 0;
}

static int tally_join(struct tally *t, const struct pa__diff_join *j)
{
        /* One suite: the candidate's items are the base's. */
        size_t n = j->b->s->n_items + (j->same_suite ? 0 : j->c->s->n_items);

        if (count_width(j, n, &t->width) || !(t->local = malloc((n ? n : 1) * sizeof(*t->local))))
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++)
                t->local[i] = PA_DIFF_NONE;
        return tally_rows(t, j, 0) || tally_rows(t, j, 1) ? PA_ENOMEM : 0;
}

static void tally_release(struct tally *t)
{
        json_decref(t->groups);
        json_decref(t->items);
        free(t->local);
        free(t->cell);
}

/* Group names of both runs' entries, the reference among them. */
static int tally_init(struct tally *t, const json_t *eb, const json_t *ec)
{
        const json_t *src[2] = {eb, ec}, *g;
        size_t i;

        *t = (struct tally){
            .entry = eb ? eb : ec, .groups = json_object(), .items = json_object(), .width = 4};
        if (!t->groups || !t->items)
                return PA_ENOMEM;
        for (int r = 0; r < 2; r++)
                json_array_foreach(json_object_get(src[r], "groups"), i, g)
                {
                        const char *name = str(g, "group");

                        if (!json_object_get(t->groups, name) &&
                            json_object_set_new(t->groups, name, json_integer((json_int_t)t->k++)))
                                return PA_ENOMEM;
                }
        return 0;
}

/* The item's group-minus-reference difference in run r; false when the
 * item lacks either group there. */
static bool item_diff(const struct tally *t, size_t item, size_t g, size_t ref, int r, double *d)
{
        size_t x = cell(t, item, g, r), y = cell(t, item, ref, r);
        uint32_t xn = count_of(t, x + 1), yn = count_of(t, y + 1);

        if (xn == 0 || yn == 0)
                return false;
        *d = (double)count_of(t, x) / (double)xn - (double)count_of(t, y) / (double)yn;
        return true;
}

/* The change of group g on the items both runs have, tested into o. */
static int test_group(const struct tally *t, const char *name, json_t *o,
                      const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *ref = json_object_get(t->groups, str(t->entry, "reference"));
        const char *names[] = {str(t->entry, "outcome"), str(t->entry, "axis"), name, NULL};
        size_t g = (size_t)json_integer_value(json_object_get(t->groups, name)), n = 0;
        double *x = malloc((t->n ? t->n : 1) * sizeof(*x)), sb = 0, sc = 0, db, dc;
        int rc = x ? 0 : PA_ENOMEM;

        for (size_t i = 0; rc == 0 && ref && i < t->n; i++) {
                size_t r = (size_t)json_integer_value(ref);

                if (!item_diff(t, i, g, r, 0, &db) || !item_diff(t, i, g, r, 1, &dc))
                        continue;
                x[n++] = dc - db;
                sb += db;
                sc += dc;
        }
        if (rc == 0)
                rc = pa__item_test(f, o, "diff_change", x, n, pa__seed_of(c->seed, names));
        if (rc == 0 && n &&
            json_object_set_new(
                o, "item_diff",
                json_pack("{s:f, s:f}", "base", sb / (double)n, "candidate", sc / (double)n)))
                rc = PA_ENOMEM;
        free(x);
        return rc;
}

/* ---- the entries ---- */

static const char *const block_keys[] = {"n",       "positive",   "rate", "ci",  "diff",
                                         "diff_ci", "p_adjusted", "flag", "mde", "impact_ratio"};

/* One group's figures in one run's summary. */
static json_t *block(const json_t *g)
{
        json_t *o = json_object(), *v;

        for (size_t i = 0; o && i < sizeof(block_keys) / sizeof(*block_keys); i++)
                if ((v = json_object_get(g, block_keys[i])) &&
                    json_object_set(o, block_keys[i], v)) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

static const json_t *find_group(const json_t *entry, const char *name)
{
        const json_t *g;
        size_t i;

        json_array_foreach(json_object_get(entry, "groups"), i, g)
        {
                if (!strcmp(str(g, "group"), name))
                        return g;
        }
        return NULL;
}

/* A group of the entry; "change" is set to "unmatched" or "pending" here
 * and decided by pa__diff_decide. */
static int add_group(json_t *groups, const struct tally *t, const json_t *eb, const json_t *ec,
                     const char *name, const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *gb = find_group(eb, name), *gc = find_group(ec, name);
        bool is_ref = !strcmp(str(t->entry, "reference"), name);
        json_t *g =
            json_pack("{s:s, s:b, s:o, s:o}", "group", name, "reference", is_ref, "base",
                      gb ? block(gb) : json_null(), "candidate", gc ? block(gc) : json_null());
        int rc = g ? 0 : PA_ENOMEM;

        if (rc == 0 && !is_ref) {
                rc = json_object_set_new(g, "change",
                                         json_string(gb && gc ? "pending" : "unmatched"))
                         ? PA_ENOMEM
                         : 0;
                if (rc == 0 && gb && gc)
                        rc = test_group(t, name, g, c, f);
        }
        if (rc == 0 && json_array_append_new(groups, g))
                return PA_ENOMEM;
        if (rc)
                json_decref(g);
        return rc;
}

/* Where the tallies come from: both runs' records, or a join's rows. */
struct src {
        const json_t *base, *cand;
        const struct pa__diff_join *j;
};

static int add_entry(json_t *entries, const struct src *from, const json_t *eb, const json_t *ec,
                     const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *src = eb ? eb : ec, *g;
        json_t *groups = json_array(), *e;
        struct tally t;
        size_t i;
        int rc = tally_init(&t, eb, ec);

        e = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o}", "outcome",
                      json_object_get(src, "outcome"), "axis", json_object_get(src, "axis"), "axes",
                      json_object_get(src, "axes"), "reference", json_object_get(src, "reference"),
                      "base_flip_rate", json_object_get(eb, "flip_rate"), "candidate_flip_rate",
                      json_object_get(ec, "flip_rate"), "base_sets", json_object_get(eb, "sets"),
                      "candidate_sets", json_object_get(ec, "sets"), "groups", groups);
        if (!e || json_array_append_new(entries, e))
                rc = PA_ENOMEM;
        if (rc == 0 && eb && ec && from->j)
                rc = tally_join(&t, from->j);
        if (rc == 0 && eb && ec && !from->j)
                rc = tally_run(&t, from->base, 0);
        if (rc == 0 && eb && ec && !from->j)
                rc = tally_run(&t, from->cand, 1);
        json_array_foreach(json_object_get(eb, "groups"), i, g)
        {
                if (rc == 0)
                        rc = add_group(groups, &t, eb, ec, str(g, "group"), c, f);
        }
        json_array_foreach(json_object_get(ec, "groups"), i, g)
        {
                if (rc == 0 && !find_group(eb, str(g, "group")))
                        rc = add_group(groups, &t, eb, ec, str(g, "group"), c, f);
        }
        tally_release(&t);
        return rc;
}

static const json_t *find_entry(const json_t *summary, const json_t *like)
{
        const json_t *e;
        size_t i;

        json_array_foreach(json_object_get(summary, "outcomes"), i, e)
        {
                if (!strcmp(str(e, "outcome"), str(like, "outcome")) &&
                    !strcmp(str(e, "axis"), str(like, "axis")))
                        return e;
        }
        return NULL;
}

size_t pa__changes_count(const json_t *base_summary, const json_t *cand_summary)
{
        const json_t *e, *g;
        size_t i, j, n = 0;

        json_array_foreach(json_object_get(base_summary, "outcomes"), i, e)
        {
                const json_t *ec = find_entry(cand_summary, e);

                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        n += ec && find_group(ec, str(g, "group")) &&
                             strcmp(str(e, "reference"), str(g, "group"));
                }
        }
        return n;
}

static int changes_build(const struct src *src, const json_t *base_summary,
                         const json_t *cand_summary, const struct pa_analysis_conf *c,
                         struct pa__family *f, json_t **out)
{
        json_t *entries = json_array(), *d;
        const json_t *e;
        size_t i;
        int rc = 0;

        d = json_pack("{s:f, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
                      "min_diff", c->min_diff, "unit", "item", "counts", "compared", 0, "new", 0,
                      "resolved", 0, "worse", 0, "better", 0, "unchanged", 0, "untestable", 0,
                      "unmatched", 0, "still_flagged", 0, "entries", entries);
        if (!d)
                return PA_ENOMEM;
        json_array_foreach(json_object_get(base_summary, "outcomes"), i, e)
        {
                if (rc == 0)
                        rc = add_entry(entries, src, e, find_entry(cand_summary, e), c, f);
        }
        json_array_foreach(json_object_get(cand_summary, "outcomes"), i, e)
        {
                if (rc == 0 && !find_entry(base_summary, e))
                        rc = add_entry(entries, src, NULL, e, c, f);
        }
        if (rc) {
                json_decref(d);
                return rc;
        }
        *out = d;
        return 0;
}

int pa__changes_build(const json_t *base_records, const json_t *cand_records,
                      const json_t *base_summary, const json_t *cand_summary,
                      const struct pa_analysis_conf *c, struct pa__family *f, json_t **out)
{
        const struct src src = {.base = base_records, .cand = cand_records};

        return changes_build(&src, base_summary, cand_summary, c, f, out);
}

int pa__changes_build_join(const struct pa__diff_join *j, const json_t *base_summary,
                           const json_t *cand_summary, const struct pa_analysis_conf *c,
                           struct pa__family *f, json_t **out)
{
        const struct src src = {.j = j};

        return changes_build(&src, base_summary, cand_summary, c, f, out);
}
