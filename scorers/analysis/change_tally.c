/* The per-item tallies of a disparity change (change_tally.h): per item,
 * group and run, the positive and scored records of one summary entry,
 * from both runs' records or from a join's rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "change_tally.h"
#include "diffjoin.h"

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

/* ---- per-item tallies of one summary entry ---- */

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

int pa__tally_run(struct tally *t, const json_t *records, int run)
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

int pa__tally_join(struct tally *t, const struct pa__diff_join *j)
{
        /* One suite: the candidate's items are the base's. */
        size_t n = j->b->s->n_items + (j->same_suite ? 0 : j->c->s->n_items);

        if (count_width(j, n, &t->width) || !(t->local = malloc((n ? n : 1) * sizeof(*t->local))))
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++)
                t->local[i] = PA_DIFF_NONE;
        return tally_rows(t, j, 0) || tally_rows(t, j, 1) ? PA_ENOMEM : 0;
}

void pa__tally_release(struct tally *t)
{
        json_decref(t->groups);
        json_decref(t->items);
        free(t->local);
        free(t->cell);
}

int pa__tally_init(struct tally *t, const json_t *eb, const json_t *ec)
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

bool pa__tally_item_diff(const struct tally *t, size_t item, size_t g, size_t ref, int r, double *d)
{
        size_t x = cell(t, item, g, r), y = cell(t, item, ref, r);
        uint32_t xn = count_of(t, x + 1), yn = count_of(t, y + 1);

        if (xn == 0 || yn == 0)
                return false;
        *d = (double)count_of(t, x) / (double)xn - (double)count_of(t, y) / (double)yn;
        return true;
}
