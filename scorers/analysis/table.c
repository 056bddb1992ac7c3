/* The compact record table (report.h). */
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "evaluator/util/util.h"

void pa_table_init(struct pa_table *t, size_t n_scorers)
{
        memset(t, 0, sizeof(*t));
        t->nsc = n_scorers;
}

static int grow(struct pa_table *t)
{
        size_t cap = t->cap ? 2 * t->cap : 1024;
        uint32_t *a = realloc(t->item, cap * sizeof(*a)), *b, *c;
        signed char *v;

        if (!a)
                return PA_ENOMEM;
        t->item = a;
        if (!(b = realloc(t->variant, cap * sizeof(*b))))
                return PA_ENOMEM;
        t->variant = b;
        if (t->sample) {
                if (!(c = realloc(t->sample, cap * sizeof(*c))))
                        return PA_ENOMEM;
                t->sample = c;
        }
        if (!(v = realloc(t->v, cap * (t->nsc ? t->nsc : 1))))
                return PA_ENOMEM;
        t->v = v;
        t->cap = cap;
        return 0;
}

int pa_table_add(struct pa_table *t, uint32_t item, uint32_t variant, uint32_t sample,
                 const signed char *verdicts)
{
        if (t->n == t->cap && grow(t))
                return PA_ENOMEM;
        /* The sample column only once a case has several. */
        if (sample && !t->sample && !(t->sample = calloc(t->cap, sizeof(*t->sample))))
                return PA_ENOMEM;
        t->item[t->n] = item;
        t->variant[t->n] = variant;
        if (t->sample)
                t->sample[t->n] = sample;
        if (t->nsc)
                memcpy(t->v + t->n * t->nsc, verdicts, t->nsc);
        t->n++;
        return 0;
}

void pa_table_release(struct pa_table *t)
{
        if (!t)
                return;
        free(t->item);
        free(t->variant);
        free(t->sample);
        free(t->v);
        pa_table_init(t, t->nsc);
}

size_t pa_table_group(const struct pa_suite *s, const struct pa_table *t, size_t r, size_t k)
{
        const struct pa_item_kind *it = pa_suite_kind(s, t->item[r]);
        uint64_t v = t->variant[r];

        /* Mixed radix, the last axis fastest (as pa_case_build). */
        for (size_t j = it->n_axes; j-- > k + 1;)
                v /= s->axes[it->axes[j]].n_groups;
        return (size_t)(v % s->axes[it->axes[k]].n_groups);
}

/* The variant of rec's groups for its item, or -1. */
static long variant_of(const struct pa_suite *s, const struct pa_item_kind *it, const json_t *rec)
{
        const json_t *groups = json_object_get(rec, "groups");
        uint64_t v = 0;

        for (size_t k = 0; k < it->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[it->axes[k]];
                const char *name = json_string_value(json_object_get(groups, ax->name));
                size_t g;

                for (g = 0; name && g < ax->n_groups && strcmp(ax->groups[g].name, name); g++)
                        ;
                if (!name || g == ax->n_groups)
                        return -1;
                v = v * ax->n_groups + g;
        }
        return (long)v;
}

int pa_table_row_of(const struct pa_suite *s, size_t item, const json_t *rec,
                    struct pa_table_row *row)
{
        const json_t *scores = json_object_get(rec, "scores");
        long var = variant_of(s, pa_suite_kind(s, item), rec);

        if (var < 0)
                return PA_EINVAL;
        for (size_t j = 0; j < s->scorers.n; j++) {
                const json_t *x = json_object_get(scores, s->scorers.v[j].name);

                row->v[j] = json_is_boolean(x) ? (json_is_true(x) ? PA_TRUE : PA_FALSE) : PA_NA;
        }
        row->item = (uint32_t)item;
        row->variant = (uint32_t)var;
        row->sample = (uint32_t)json_integer_value(json_object_get(rec, "sample"));
        return 0;
}

int pa_table_add_record(struct pa_table *t, const struct pa_suite *s, size_t item,
                        const json_t *rec)
{
        struct pa_table_row row;
        int rc = pa_table_row_of(s, item, rec, &row);

        return rc ? rc : pa_table_add(t, row.item, row.variant, row.sample, row.v);
}

int pa_table_from_records(struct pa_table *t, const struct pa_suite *s, const json_t *records,
                          struct pa_err *err)
{
        json_t *map = NULL, *rec;
        size_t i;
        int rc;

        pa_table_init(t, s->scorers.n);
        if ((rc = pa_suite_id_index(s, &map, err)))
                return rc;
        json_array_foreach(records, i, rec)
        {
                const char *id = json_string_value(json_object_get(rec, "item_id"));
                const json_t *k = id ? json_object_get(map, id) : NULL;
                long item = k ? (long)json_integer_value(k) : -1;

                if (item < 0 || (rc = pa_table_add_record(t, s, (size_t)item, rec)) == PA_EINVAL) {
                        rc = pa_errf(err, PA_EINVAL,
                                     "record %zu: item '%s' or its groups are not in suite '%s'",
                                     i + 1, id ? id : "(none)", s->id);
                        break;
                }
                if (rc)
                        break;
        }
        json_decref(map);
        if (rc)
                pa_table_release(t);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

/* Rows ordered by (item, variant, sample), then by place. */
static int by_pair_then_row(const void *pa, const void *pb, void *ud)
{
        const struct pa_table *t = ud;
        uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

        if (t->item[a] != t->item[b])
                return t->item[a] < t->item[b] ? -1 : 1;
        if (t->variant[a] != t->variant[b])
                return t->variant[a] < t->variant[b] ? -1 : 1;
        if (pa_table_sample(t, a) != pa_table_sample(t, b))
                return pa_table_sample(t, a) < pa_table_sample(t, b) ? -1 : 1;
        return a < b ? -1 : 1;
}

bool pa_table_keep_rows(struct pa_table *t, const uint8_t *keep)
{
        size_t k = 0;

        /* The survivors keep their order: that of the file. */
        for (size_t r = 0; r < t->n; r++) {
                if (!keep[r])
                        continue;
                t->item[k] = t->item[r];
                t->variant[k] = t->variant[r];
                if (t->sample)
                        t->sample[k] = t->sample[r];
                if (t->nsc)
                        memmove(t->v + k * t->nsc, t->v + r * t->nsc, t->nsc);
                k++;
        }
        if (k == t->n)
                return false;
        t->n = k;
        return true;
}

int pa_table_keep_latest(struct pa_table *t)
{
        uint32_t *order;
        uint8_t *keep;

        if (t->n < 2)
                return 0;
        if (t->n > UINT32_MAX)
                return PA_EINVAL;
        order = malloc(t->n * sizeof(*order));
        keep = malloc(t->n);
        if (!order || !keep) {
                free(order);
                free(keep);
                return PA_ENOMEM;
        }
        memset(keep, 1, t->n);
        for (size_t r = 0; r < t->n; r++)
                order[r] = (uint32_t)r;
        /* In place: glibc's qsort_r would copy the index first. */
        pa__sort_r(order, t->n, sizeof(*order), by_pair_then_row, t);
        for (size_t i = 0; i + 1 < t->n; i++) {
                uint32_t a = order[i], b = order[i + 1];

                keep[a] = !(t->item[a] == t->item[b] && t->variant[a] == t->variant[b] &&
                            pa_table_sample(t, a) == pa_table_sample(t, b));
        }
        free(order);
        pa_table_keep_rows(t, keep);
        free(keep);
        return 0;
}
