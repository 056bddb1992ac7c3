/* Loading a suite's items (docs/formats.md), apart from the rest of the
 * suite because items can be many: inline or in a JSONL items file, each
 * is validated as it streams by and kept as an interned kind and the
 * offset of its line (suite.h), then ids are checked unique. Every check
 * names the file, the JSON pointer (or line) and what was expected. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/suite.h"
#include "case.h"
#include "item_scan.h"
#include "schema.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define BAD(...) pa_errf(err, PA_EINVAL, __VA_ARGS__)

struct id_key {
        uint64_t hash;
        size_t item;
};

/* What loading keeps while items stream by (freed when it ends). */
struct loader {
        const char *file;    /* the suite's name, for messages */
        struct pa__diags *d; /* an item's error is kept here and the next item read */
        const struct pa_suite_opts *o;
        uint64_t max_cases;
        struct id_key *ids; /* every item's id hash, for duplicate ids */
        uint32_t *kind_ix;  /* open addressing: kind index + 1, or 0 */
        size_t kind_cap;    /* a power of two */
        size_t item_cap;
        struct pa__scan_buf scan; /* a plain line's strings (add_plain_item) */
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

/* Keeps a checked item: its kind, its line's offset, its id's hash. */
static int keep_item(struct pa_suite *s, struct loader *l, const struct pa_item *it, uint64_t at)
{
        uint32_t kind;

        if ((s->n_items == l->item_cap && grow_items(s, l)) || find_kind(s, l, it, &kind))
                return PA_ENOMEM;
        s->has_messages |= it->messages != NULL;
        s->kind_of[s->n_items] = kind;
        s->line_at[s->n_items] = at;
        l->ids[s->n_items] = (struct id_key){hash_str(0xcbf29ce484222325ull, it->id), s->n_items};
        s->n_items++;
        return 0;
}

/* Validates one item (obj) and keeps its kind; its line starts at byte
 * `at` of the items file (inline items: 0). */
static int add_item(struct pa_suite *s, struct loader *l, const json_t *obj, uint64_t at,
                    const char *where, struct pa_err *err)
{
        struct pa_item it = {0};
        int rc;

        if ((rc = pa__item_strings(obj, &it, where, err)) ||
            (rc = pa__item_axes(s, &it, obj, l->max_cases, where, err)) ||
            (rc = pa__item_scorers(s, &it, obj, where, err)) ||
            (rc = pa__case_check_templates(s, &it, where, err)))
                return rc;
        if (keep_item(s, l, &it, at))
                return pa_errf(err, PA_ENOMEM, "suite '%s': out of memory", l->file);
        /* Both at most max_cases (<< 2^63): the sum cannot wrap. */
        if ((s->n_cases += it.n_cases) > l->max_cases)
                return BAD("%s/axes: the suite expands to more than %llu cases (--max-cases)",
                           where, (unsigned long long)l->max_cases);
        return 0;
}

/* A plain line's item (item_scan.h) kept as add_item() keeps it: 0 kept,
 * 1 when the line is jansson's to read (nothing kept), or PA_ENOMEM. The
 * cases cap is left to add_item(), whose error names the line. */
static int add_plain_item(struct pa_suite *s, struct loader *l, const char *line, size_t n,
                          uint64_t at)
{
        struct pa__plain_item p;
        int rc;

        if ((rc = pa__item_scan(line, n, &p, &l->scan)) ||
            (rc = pa__item_plain_check(s, &p, l->max_cases)))
                return rc;
        if (p.it.n_cases > l->max_cases - s->n_cases)
                return 1;
        if ((rc = keep_item(s, l, &p.it, at)))
                return rc;
        s->n_cases += p.it.n_cases;
        return 0;
}

/* An item's error is kept and loading goes on, so one pass reports every
 * bad item; but not past the case cap, which every later item would hit. */
static int item_error(const struct pa_suite *s, struct loader *l, int rc, struct pa_err *err)
{
        if (rc != PA_EINVAL)
                return rc;
        pa__diag_msg(l->d, err->msg);
        return s->n_cases > l->max_cases ? PA_EINVAL : 0;
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
                if ((rc = item_error(s, l, add_item(s, l, obj, 0, where, err), err)))
                        return rc;
        }
        s->n_inline = s->n_items;
        return 0;
}

/* The items file: inside the suite's folder (pa_suite_opts), a regular
 * file; refusals never quote its bytes. */
static int open_items_file(struct pa_suite *s, struct loader *l, const char **rel,
                           struct pa_err *err)
{
        const json_t *v = json_object_get(s->root, "items_file");
        const char *why = NULL;
        char *dir, what[PATH_MAX + 64];
        int rc, fd;

        *rel = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                return BAD("suite '%s': /items_file: expected a string", l->file);
        *rel = json_string_value(v);
        if (l->o->items_copy) {
                if (!(s->items_path = strdup(l->o->items_copy)))
                        return PA_ENOMEM;
        } else {
                if (!(dir = pa__dirname(s->path)))
                        return PA_ENOMEM;
                rc = pa__path_inside(dir, *rel, l->o->allow_outside, &s->items_path, &why);
                free(dir);
                if (rc == PA_ENOMEM)
                        return rc;
                if (rc)
                        return pa_errf(err, rc, "suite '%s': /items_file: %s", l->file, why);
        }
        snprintf(what, sizeof(what), "suite '%s': /items_file", l->file);
        if ((rc = pa__open_regular(s->items_path, what, l->o->run_copy ? 0 : PA_OPEN_FOLLOW, 0, &fd,
                                   err)))
                return rc;
        if (!(s->items_file = fdopen(fd, "rb"))) {
                close(fd);
                return PA_ENOMEM;
        }
        return 0;
}

/* Items in a JSONL file beside the suite, one object a line, validated
 * and hashed in one pass; the file stays open to read them back. */
static int load_items_file(struct pa_suite *s, struct loader *l, struct pa_err *err)
{
        const char *rel;
        char *line = NULL, where[768], why[160];
        size_t cap = 0, lineno = 0;
        uint64_t at = 0;
        ssize_t got;
        void *h = NULL;
        int rc;

        if ((rc = open_items_file(s, l, &rel, err)) || !rel)
                return rc;
        if (!(h = pa__sha256_begin()))
                return PA_ENOMEM;
        while (rc == 0 && (got = getline(&line, &cap, s->items_file)) >= 0) {
                json_error_t je;
                json_t *obj = NULL;

                lineno++;
                pa__sha256_add(h, line, (size_t)got);
                if (strspn(line, " \t\r\n") != (size_t)got &&
                    (rc = add_plain_item(s, l, line, (size_t)got, at)) == 1) {
                        rc = 0;
                        snprintf(where, sizeof(where), "suite '%s': %s:%zu: ", l->file, rel,
                                 lineno);
                        /* JSON pointers then read "file:line: /prompt: ...". */
                        if (!(obj = json_loadb(line, (size_t)got, 0, &je)))
                                rc = BAD("%scolumn %d: %s", where, je.column,
                                         pa__json_why(&je, why, sizeof(why)));
                        else if (pa__schema_check_line(l->d, obj, rel, lineno, line, (size_t)got) ==
                                 0)
                                rc = add_item(s, l, obj, at, where, err);
                        json_decref(obj);
                        rc = item_error(s, l, rc, err);
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

        if (n == 0) /* no items: nothing to sort (and l->ids is NULL) */
                return 0;
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

int pa__suite_load_items(struct pa_suite *s, const char *file, const struct pa_suite_opts *o,
                         struct pa__diags *d, struct pa_err *err)
{
        struct loader l = {
            .file = file, .d = d, .o = o, .max_cases = o->max_cases ? o->max_cases : PA_MAX_CASES};
        int rc;

        if ((rc = load_inline_items(s, &l, err)) == 0 && (rc = load_items_file(s, &l, err)) == 0 &&
            d->total == 0)
                rc = check_ids(s, &l, err);
        free(l.ids);
        free(l.kind_ix);
        free(l.scan.p);
        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "suite '%s': out of memory", file);
        return rc;
}
