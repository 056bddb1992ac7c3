/* Suite loading and validation (docs/formats.md). Every check names the
 * file, the JSON pointer of the field and what was expected. Items are
 * validated as they stream by and kept as a kind and a line offset
 * (suite.h); suite_items.c reads them back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/suite.h"
#include "case.h"
#include "util.h"

#define BAD(...) pa_errf(err, PA_EINVAL, __VA_ARGS__)

static bool is_ident(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
                      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
                        return false;
        return true;
}

/* Optional string member: NULL when absent, error when not a string. */
static int opt_string(const json_t *obj, const char *key, const char **out, const char *where,
                      struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return BAD("%s/%s: expected a string", where, key);
        *out = json_string_value(v);
        return 0;
}

static int load_defaults(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *d = json_object_get(s->root, "defaults");
        const json_t *v;
        char where[512];

        s->defaults.max_tokens = -1;
        if (!d)
                return 0;
        snprintf(where, sizeof(where), "suite '%s': /defaults", file);
        if (!json_is_object(d))
                return BAD("%s: expected an object", where);
        if (opt_string(d, "system", &s->defaults.system, where, err))
                return PA_EINVAL;
        if ((v = json_object_get(d, "temperature"))) {
                if (!json_is_number(v) || json_number_value(v) < 0)
                        return BAD("%s/temperature: expected a number >= 0", where);
                s->defaults.has_temperature = true;
                s->defaults.temperature = json_number_value(v);
        }
        if ((v = json_object_get(d, "top_p"))) {
                if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 1)
                        return BAD("%s/top_p: expected a number in (0, 1]", where);
                s->defaults.has_top_p = true;
                s->defaults.top_p = json_number_value(v);
        }
        if ((v = json_object_get(d, "max_tokens"))) {
                if (!json_is_integer(v) || json_integer_value(v) < 1)
                        return BAD("%s/max_tokens: expected an integer >= 1", where);
                s->defaults.max_tokens = (long)json_integer_value(v);
        }
        if ((v = json_object_get(d, "stop"))) {
                size_t i;
                json_t *x;

                if (!json_is_array(v))
                        return BAD("%s/stop: expected an array of strings", where);
                json_array_foreach(v, i, x) if (!json_is_string(x)) return BAD(
                    "%s/stop/%zu: expected a string", where, i);
                s->defaults.stop = v;
        }
        return 0;
}

static int load_groups(struct pa_axis *ax, const json_t *groups, const char *where,
                       struct pa_err *err)
{
        const char *gname, *slot;
        json_t *g, *text, *first = NULL;
        size_t n = 0;

        if (!json_is_object(groups) || json_object_size(groups) < 2)
                return BAD("%s/groups: expected an object with at least two groups", where);
        ax->groups = calloc(json_object_size(groups), sizeof(*ax->groups));
        if (!ax->groups)
                return PA_ENOMEM;
        json_object_foreach((json_t *)groups, gname, g)
        {
                if (!is_ident(gname))
                        return BAD("%s/groups/%s: group names are letters, digits, '.', '_', '-'",
                                   where, gname);
                if (!json_is_object(g))
                        return BAD("%s/groups/%s: expected an object of slot texts", where, gname);
                json_object_foreach(g, slot, text)
                {
                        if (!json_is_string(text))
                                return BAD("%s/groups/%s/%s: expected a string", where, gname,
                                           slot);
                }
                /* Every group must realise the same slots, or some variants of an
                 * item could not be written. */
                if (first) {
                        json_object_foreach(first, slot, text) if (
                            !json_object_get(g, slot)) return BAD("%s/groups/%s: missing slot '%s' "
                                                                  "that other groups define",
                                                                  where, gname, slot);
                        if (json_object_size(g) != json_object_size(first))
                                return BAD("%s/groups/%s: defines slots the first group lacks",
                                           where, gname);
                }
                first = first ? first : g;
                ax->groups[n].name = gname;
                ax->groups[n].slots = g;
                n++;
        }
        ax->n_groups = n;
        return 0;
}

static int load_axes(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *axes = json_object_get(s->root, "axes");
        const char *name, *ref;
        json_t *a;
        char where[512];
        int rc;

        if (!axes)
                return 0;
        if (!json_is_object(axes))
                return BAD("suite '%s': /axes: expected an object", file);
        s->axes = calloc(json_object_size(axes) + 1, sizeof(*s->axes));
        if (!s->axes)
                return PA_ENOMEM;
        json_object_foreach((json_t *)axes, name, a)
        {
                struct pa_axis *ax = &s->axes[s->n_axes++];

                snprintf(where, sizeof(where), "suite '%s': /axes/%s", file, name);
                if (!is_ident(name))
                        return BAD("%s: axis names are letters, digits, '.', '_', '-'", where);
                if (!json_is_object(a))
                        return BAD("%s: expected an object with \"reference\" and \"groups\"",
                                   where);
                ax->name = name;
                if ((rc = load_groups(ax, json_object_get(a, "groups"), where, err)))
                        return rc;
                if (opt_string(a, "reference", &ref, where, err))
                        return PA_EINVAL;
                if (!ref)
                        return BAD("%s/reference: expected the name of one of its groups", where);
                for (ax->ref = 0; ax->ref < ax->n_groups; ax->ref++)
                        if (!strcmp(ax->groups[ax->ref].name, ref))
                                break;
                if (ax->ref == ax->n_groups)
                        return BAD("%s/reference: '%s' is not one of its groups", where, ref);
        }
        return 0;
}

static int find_axis(const struct pa_suite *s, const char *name)
{
        for (size_t i = 0; i < s->n_axes; i++)
                if (!strcmp(s->axes[i].name, name))
                        return (int)i;
        return -1;
}

static int item_axes(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                     const char *where, struct pa_err *err)
{
        const json_t *axes = json_object_get(obj, "axes");
        json_t *a;
        size_t i;
        int k;

        it->n_cases = 1;
        if (!axes)
                return 0;
        if (!json_is_array(axes) || json_array_size(axes) > PA_MAX_AXES)
                return BAD("%s/axes: expected an array of at most %d axis names", where,
                           PA_MAX_AXES);
        json_array_foreach(axes, i, a)
        {
                if (!json_is_string(a) || (k = find_axis(s, json_string_value(a))) < 0)
                        return BAD("%s/axes/%zu: expected the name of an axis in /axes", where, i);
                for (size_t j = 0; j < i; j++)
                        if (it->axes[j] == (size_t)k)
                                return BAD("%s/axes/%zu: axis '%s' listed twice", where, i,
                                           json_string_value(a));
                it->axes[it->n_axes++] = (size_t)k;
                it->n_cases *= s->axes[k].n_groups;
        }
        return 0;
}

static int item_scorers(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                        const char *where, struct pa_err *err)
{
        const json_t *list = json_object_get(obj, "scorers");
        json_t *x;
        size_t i;
        int k;

        it->outcome_scorer = -1;
        if (it->outcome && (it->outcome_scorer = pa_scorer_set_find(&s->scorers, it->outcome)) < 0)
                return BAD("%s/outcome: '%s' is not a scorer in /scorers", where, it->outcome);
        if (!list) {
                it->scorer_mask = s->scorers.n == 64 ? ~0ull : (1ull << s->scorers.n) - 1;
                return 0;
        }
        if (!json_is_array(list))
                return BAD("%s/scorers: expected an array of scorer names", where);
        json_array_foreach(list, i, x)
        {
                if (!json_is_string(x) ||
                    (k = pa_scorer_set_find(&s->scorers, json_string_value(x))) < 0)
                        return BAD("%s/scorers/%zu: expected the name of a scorer in /scorers",
                                   where, i);
                it->scorer_mask |= 1ull << k;
        }
        if (it->outcome_scorer >= 0)
                it->scorer_mask |= 1ull << it->outcome_scorer;
        return 0;
}

/* The item's strings, pointing into obj. */
int pa__item_strings(const json_t *obj, struct pa_item *it, const char *where, struct pa_err *err)
{
        if (!json_is_object(obj))
                return BAD("%s: expected an object", where);
        if (opt_string(obj, "id", &it->id, where, err) ||
            opt_string(obj, "prompt", &it->prompt, where, err) ||
            opt_string(obj, "domain", &it->domain, where, err) ||
            opt_string(obj, "system", &it->system, where, err) ||
            opt_string(obj, "outcome", &it->outcome, where, err) ||
            opt_string(obj, "expected", &it->expected, where, err))
                return PA_EINVAL;
        if (!it->id || !*it->id)
                return BAD("%s/id: expected a non-empty string", where);
        if (!it->prompt)
                return BAD("%s/prompt: expected a string", where);
        if (!it->domain)
                it->domain = "general";
        return 0;
}

struct id_key {
        uint64_t hash;
        size_t item;
};

/* What loading keeps while items stream by (freed when it ends). */
struct loader {
        const char *file;   /* the suite's name, for messages */
        struct id_key *ids; /* every item's id hash, for duplicate ids */
        uint32_t *kind_ix;  /* open addressing: kind index + 1, or 0 */
        size_t kind_cap;    /* a power of two */
        size_t item_cap;
};

/* FNV-1a: ids and kinds are small and hashed once an item. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
        return h;
}

static uint64_t hash_str(uint64_t h, const char *str)
{
        return str ? hash_bytes(h, str, strlen(str) + 1) : h * 31; /* NULL is not "" */
}

static uint64_t kind_hash(const struct pa_item *it)
{
        uint64_t h = hash_str(hash_str(0xcbf29ce484222325ull, it->domain), it->outcome);

        h = hash_bytes(h, it->axes, it->n_axes * sizeof(*it->axes));
        return hash_bytes(h, &it->scorer_mask, sizeof(it->scorer_mask)) + (it->expected != NULL);
}

static bool same_str(const char *a, const char *b)
{
        return a == b || (a && b && !strcmp(a, b));
}

static bool kind_is(const struct pa_item_kind *k, const struct pa_item *it)
{
        return same_str(k->domain, it->domain) && same_str(k->outcome, it->outcome) &&
               k->n_axes == it->n_axes && k->scorer_mask == it->scorer_mask &&
               k->has_expected == (it->expected != NULL) &&
               !memcmp(k->axes, it->axes, it->n_axes * sizeof(*it->axes));
}

static int add_kind(struct pa_suite *s, const struct pa_item *it)
{
        struct pa_item_kind *v, *k;

        if (s->n_kinds == UINT32_MAX)
                return PA_ENOMEM;
        if (!(s->n_kinds & (s->n_kinds - 1))) {
                v = realloc(s->kinds, (s->n_kinds ? 2 * s->n_kinds : 1) * sizeof(*v));
                if (!v)
                        return PA_ENOMEM;
                s->kinds = v;
        }
        k = &s->kinds[s->n_kinds];
        *k = (struct pa_item_kind){.domain = strdup(it->domain),
                                   .outcome = it->outcome ? strdup(it->outcome) : NULL,
                                   .n_axes = it->n_axes,
                                   .outcome_scorer = it->outcome_scorer,
                                   .scorer_mask = it->scorer_mask,
                                   .n_cases = it->n_cases,
                                   .has_expected = it->expected != NULL};
        memcpy(k->axes, it->axes, sizeof(k->axes));
        if (!k->domain || (it->outcome && !k->outcome)) {
                free(k->domain);
                free(k->outcome);
                return PA_ENOMEM;
        }
        s->n_kinds++;
        return 0;
}

static int grow_kind_index(struct pa_suite *s, struct loader *l)
{
        size_t cap = l->kind_cap ? 2 * l->kind_cap : 64;
        uint32_t *ix = calloc(cap, sizeof(*ix));

        if (!ix)
                return PA_ENOMEM;
        for (size_t k = 0; k < s->n_kinds; k++) {
                const struct pa_item_kind *kd = &s->kinds[k];
                struct pa_item it = {.domain = kd->domain,
                                     .outcome = kd->outcome,
                                     .n_axes = kd->n_axes,
                                     .scorer_mask = kd->scorer_mask,
                                     .expected = kd->has_expected ? "" : NULL};
                size_t j;

                memcpy(it.axes, kd->axes, sizeof(it.axes));
                for (j = kind_hash(&it) & (cap - 1); ix[j]; j = (j + 1) & (cap - 1))
                        ;
                ix[j] = (uint32_t)k + 1;
        }
        free(l->kind_ix);
        l->kind_ix = ix;
        l->kind_cap = cap;
        return 0;
}

/* The index of it's kind, added when new. */
static int find_kind(struct pa_suite *s, struct loader *l, const struct pa_item *it, uint32_t *out)
{
        size_t j;
        int rc;

        if (2 * (s->n_kinds + 1) > l->kind_cap && (rc = grow_kind_index(s, l)))
                return rc;
        for (j = kind_hash(it) & (l->kind_cap - 1); l->kind_ix[j]; j = (j + 1) & (l->kind_cap - 1))
                if (kind_is(&s->kinds[l->kind_ix[j] - 1], it)) {
                        *out = l->kind_ix[j] - 1;
                        return 0;
                }
        if ((rc = add_kind(s, it)))
                return rc;
        l->kind_ix[j] = (uint32_t)s->n_kinds;
        *out = (uint32_t)s->n_kinds - 1;
        return 0;
}

static int grow_items(struct pa_suite *s, struct loader *l)
{
        size_t cap = l->item_cap ? 2 * l->item_cap : 1024;
        uint32_t *k = realloc(s->kind_of, cap * sizeof(*k));
        uint64_t *at;
        struct id_key *ids;

        if (!k)
                return PA_ENOMEM;
        s->kind_of = k;
        if (!(at = realloc(s->line_at, cap * sizeof(*at))))
                return PA_ENOMEM;
        s->line_at = at;
        if (!(ids = realloc(l->ids, cap * sizeof(*ids))))
                return PA_ENOMEM;
        l->ids = ids;
        l->item_cap = cap;
        return 0;
}

/* Validates one item (obj) and keeps its kind; its line starts at byte
 * `at` of the items file (inline items: 0). */
static int add_item(struct pa_suite *s, struct loader *l, const json_t *obj, uint64_t at,
                    const char *where, struct pa_err *err)
{
        struct pa_item it = {0};
        uint32_t kind;
        int rc;

        if ((rc = pa__item_strings(obj, &it, where, err)) ||
            (rc = item_axes(s, &it, obj, where, err)) ||
            (rc = item_scorers(s, &it, obj, where, err)) ||
            (rc = pa__case_check_templates(s, &it, where, err)))
                return rc;
        if ((s->n_items == l->item_cap && grow_items(s, l)) || find_kind(s, l, &it, &kind))
                return pa_errf(err, PA_ENOMEM, "suite '%s': out of memory", l->file);
        s->kind_of[s->n_items] = kind;
        s->line_at[s->n_items] = at;
        l->ids[s->n_items] = (struct id_key){hash_str(0xcbf29ce484222325ull, it.id), s->n_items};
        s->n_items++;
        s->n_cases += it.n_cases;
        return 0;
}

static int load_inline_items(struct pa_suite *s, struct loader *l, struct pa_err *err)
{
        const json_t *items = json_object_get(s->root, "items");
        json_t *obj;
        size_t i;
        char where[512];
        int rc;

        if (!items)
                return 0;
        if (!json_is_array(items))
                return BAD("suite '%s': /items: expected an array of items", l->file);
        json_array_foreach(items, i, obj)
        {
                snprintf(where, sizeof(where), "suite '%s': /items/%zu", l->file, i);
                if ((rc = add_item(s, l, obj, 0, where, err)))
                        return rc;
        }
        s->n_inline = s->n_items;
        return 0;
}

static int open_items_file(struct pa_suite *s, const char *file, const char **rel,
                           struct pa_err *err)
{
        const json_t *v = json_object_get(s->root, "items_file");
        char *dir;

        *rel = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return BAD("suite '%s': /items_file: expected a string", file);
        *rel = json_string_value(v);
        if (!(dir = pa__dirname(s->path)) || !(s->items_path = pa__path_join(dir, *rel))) {
                free(dir);
                return PA_ENOMEM;
        }
        free(dir);
        if (!(s->items_file = fopen(s->items_path, "rbe")))
                return BAD("suite '%s': /items_file: cannot open '%s': %s", file, s->items_path,
                           strerror(errno));
        return 0;
}

/* Items in a JSONL file beside the suite, one object a line, validated
 * and hashed in one pass; the file stays open to read them back. */
static int load_items_file(struct pa_suite *s, struct loader *l, struct pa_err *err)
{
        const char *rel;
        char *line = NULL, where[768];
        size_t cap = 0, lineno = 0;
        uint64_t at = 0;
        ssize_t got;
        void *h = NULL;
        int rc;

        if ((rc = open_items_file(s, l->file, &rel, err)) || !rel)
                return rc;
        if (!(h = pa__sha256_begin()))
                return PA_ENOMEM;
        while (rc == 0 && (got = getline(&line, &cap, s->items_file)) >= 0) {
                json_error_t je;
                json_t *obj = NULL;

                lineno++;
                pa__sha256_add(h, line, (size_t)got);
                if (strspn(line, " \t\r\n") != (size_t)got) {
                        snprintf(where, sizeof(where), "suite '%s': %s:%zu: ", l->file, rel,
                                 lineno);
                        /* JSON pointers then read "file:line: /prompt: ...". */
                        if (!(obj = json_loadb(line, (size_t)got, 0, &je)))
                                rc = BAD("%scolumn %d: %s", where, je.column, je.text);
                        else
                                rc = add_item(s, l, obj, at, where, err);
                        json_decref(obj);
                }
                at += (uint64_t)got;
        }
        if (rc == 0 && ferror(s->items_file))
                rc = BAD("suite '%s': /items_file: cannot read '%s'", l->file, s->items_path);
        pa__sha256_end(h, s->items_sha256);
        free(line);
        return rc;
}

static int by_hash(const void *a, const void *b)
{
        const struct id_key *x = a, *y = b;

        if (x->hash != y->hash)
                return x->hash < y->hash ? -1 : 1;
        return (x->item > y->item) - (x->item < y->item);
}

/* Where item i is, as the loader names it. */
static int item_where(const struct pa_suite *s, const char *file, size_t i, char *out, size_t cap)
{
        const char *rel = json_string_value(json_object_get(s->root, "items_file"));
        size_t lineno = 0;
        int rc;

        if (i < s->n_inline) {
                snprintf(out, cap, "suite '%s': /items/%zu", file, i);
                return 0;
        }
        if ((rc = pa__items_lineno(s, s->line_at[i], &lineno)))
                return rc;
        snprintf(out, cap, "suite '%s': %s:%zu: ", file, rel, lineno);
        return 0;
}

/* Whether items i and j have the same id (their hashes matched). */
static int same_id(const struct pa_suite *s, size_t i, size_t j, bool *same, struct pa_err *err)
{
        struct pa_item a, b;
        json_t *oa = NULL, *ob = NULL;
        int rc;

        if ((rc = pa_suite_item_read(s, i, &a, &oa, err)) == 0 &&
            (rc = pa_suite_item_read(s, j, &b, &ob, err)) == 0)
                *same = !strcmp(a.id, b.id);
        json_decref(oa);
        json_decref(ob);
        return rc;
}

/* Ids must be unique: the first item (in file order) whose id an earlier
 * one has is named, as if checked while loading. */
static int check_ids(const struct pa_suite *s, struct loader *l, struct pa_err *err)
{
        size_t n = s->n_items, dup = SIZE_MAX;
        struct pa_item it;
        json_t *obj = NULL;
        char where[768];
        int rc = 0;

        qsort(l->ids, n, sizeof(*l->ids), by_hash);
        for (size_t a = 0; rc == 0 && a < n; a++) {
                for (size_t b = a + 1; rc == 0 && b < n && l->ids[b].hash == l->ids[a].hash; b++) {
                        bool same = false;

                        if (l->ids[b].item < dup &&
                            (rc = same_id(s, l->ids[a].item, l->ids[b].item, &same, err)) == 0 &&
                            same)
                                dup = l->ids[b].item;
                }
        }
        if (rc || dup == SIZE_MAX)
                return rc;
        if ((rc = item_where(s, l->file, dup, where, sizeof(where))) ||
            (rc = pa_suite_item_read(s, dup, &it, &obj, err)))
                return rc;
        rc = BAD("%s/id: '%s' is used by another item", where, it.id);
        json_decref(obj);
        return rc;
}

static int load_items(struct pa_suite *s, const char *file, struct pa_err *err)
{
        struct loader l = {.file = file};
        int rc;

        if ((rc = load_inline_items(s, &l, err)) == 0 && (rc = load_items_file(s, &l, err)) == 0)
                rc = check_ids(s, &l, err);
        free(l.ids);
        free(l.kind_ix);
        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "suite '%s': out of memory", file);
        return rc;
}

/* "metrics": benchmark metrics computed in the summary (report.h). */
static int check_metrics(const struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *m = json_object_get(s->root, "metrics"), *name;
        size_t i;

        if (!m)
                return 0;
        if (!json_is_array(m))
                return BAD("suite '%s': /metrics: expected an array of metric names", file);
        json_array_foreach(m, i, name) if (!pa_metric_find(json_string_value(name))) return BAD(
            "suite '%s': /metrics/%zu: expected the name of a metric parity computes", file, i);
        return 0;
}

static int load_header(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *v = json_object_get(s->root, "parity_suite");

        if (!json_is_object(s->root))
                return BAD("suite '%s': /: expected an object", file);
        if (!json_is_integer(v) || json_integer_value(v) != 1)
                return BAD("suite '%s': /parity_suite: expected 1 (the format version)", file);
        if (opt_string(s->root, "id", &s->id, "", err) || !s->id || !is_ident(s->id))
                return BAD("suite '%s': /id: expected a string of letters, digits, '.', '_', '-'",
                           file);
        if (opt_string(s->root, "version", &s->version, "", err) || !s->version)
                return BAD("suite '%s': /version: expected a string", file);
        return check_metrics(s, file, err);
}

int pa_suite_load(struct pa_suite *s, const char *path, struct pa_err *err)
{
        const char *file = pa__basename(path);
        json_error_t je;
        const json_t *scorers;
        int rc;

        memset(s, 0, sizeof(*s));
        if (!(s->path = strdup(path)))
                return PA_ENOMEM;
        s->root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!s->root) {
                if (je.line < 1)
                        return BAD("suite '%s': %s", path, je.text);
                return BAD("suite '%s': %d:%d: %s", file, je.line, je.column, je.text);
        }
        if ((rc = pa__sha256_file(path, s->sha256, err)) || (rc = load_header(s, file, err)) ||
            (rc = load_defaults(s, file, err)) || (rc = load_axes(s, file, err)))
                return rc;
        scorers = json_object_get(s->root, "scorers");
        if (scorers && (rc = pa_scorer_set_compile(&s->scorers, scorers, file, err)))
                return rc;
        if ((rc = load_items(s, file, err)))
                return rc;
        if (s->n_items == 0)
                return BAD("suite '%s': /items: expected at least one item (in items or "
                           "items_file)",
                           file);
        return 0;
}

void pa_suite_release(struct pa_suite *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_axes; i++)
                free(s->axes[i].groups);
        free(s->axes);
        for (size_t k = 0; k < s->n_kinds; k++) {
                free(s->kinds[k].domain);
                free(s->kinds[k].outcome);
        }
        free(s->kinds);
        free(s->kind_of);
        free(s->line_at);
        if (s->items_file)
                fclose(s->items_file);
        pa_scorer_set_release(&s->scorers);
        json_decref(s->root);
        free(s->items_path);
        free(s->path);
        memset(s, 0, sizeof(*s));
}
