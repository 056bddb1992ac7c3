/* Reading a suite's items back (suite.h): the loader kept each item's kind
 * and the offset of its line; the strings come from the open items file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/suite.h"
#include "case.h"
#include "item_index.h"
#include "evaluator/json/jscan.h"
#include "evaluator/util/util.h"

/* A window of the items file: buf holds len bytes from offset at. */
struct reader {
        int fd;
        char *buf;
        size_t cap, len;
        uint64_t at;
        bool eof; /* the file ends with the window */
};

static int fill(struct reader *r, uint64_t at, size_t want)
{
        ssize_t got = 0;

        if (want > r->cap) {
                char *b = realloc(r->buf, want);

                if (!b)
                        return PA_ENOMEM;
                r->buf = b;
                r->cap = want;
        }
        r->at = at;
        r->len = 0;
        while (r->len < want &&
               (got = pread(r->fd, r->buf + r->len, want - r->len, (off_t)(at + r->len))) > 0)
                r->len += (size_t)got;
        r->eof = r->len < want;
        return got < 0 ? PA_EIO : 0;
}

/* The line starting at byte at, without its newline; grows the window
 * until the line fits. */
static int read_line(struct reader *r, uint64_t at, const char **line, size_t *n)
{
        size_t want = r->cap ? r->cap : 1024;
        int rc;

        for (;;) {
                if (r->cap && at >= r->at && at - r->at <= r->len) {
                        const char *p = r->buf + (at - r->at), *nl;
                        size_t left = r->len - (size_t)(at - r->at);

                        if ((nl = memchr(p, '\n', left)) || r->eof) {
                                *line = p;
                                *n = nl ? (size_t)(nl - p) : left;
                                return 0;
                        }
                        /* A line longer than the window: a wider one. */
                        want = r->at == at ? 2 * r->cap : r->cap;
                }
                if ((rc = fill(r, at, want)))
                        return rc;
        }
}

static int changed(const struct pa_suite *s, size_t i, struct pa_err *err)
{
        return pa_errf(err, PA_EIO,
                       "suite '%s': items file '%s' changed since it was loaded (item %zu no "
                       "longer reads)",
                       s->id, s->items_path ? s->items_path : "", i);
}

/* The rest of item i is the loader's, shared by the items of its kind. */
static void from_kind(const struct pa_suite *s, size_t i, struct pa_item *it)
{
        const struct pa_item_kind *k = pa_suite_kind(s, i);

        it->domain = k->domain;
        it->outcome = k->outcome;
        it->n_axes = k->n_axes;
        memcpy(it->axes, k->axes, sizeof(it->axes));
        it->outcome_scorer = k->outcome_scorer;
        it->scorer_mask = k->scorer_mask;
        it->n_cases = k->n_cases;
}

/* Item i through reader r (file items) or from the suite's JSON. */
static int item_at(const struct pa_suite *s, struct reader *r, size_t i, struct pa_item *it,
                   json_t **obj, struct pa_err *err)
{
        const char *line;
        size_t n;
        int rc;

        *obj = NULL;
        memset(it, 0, sizeof(*it));
        if (i >= s->n_items)
                return pa_errf(err, PA_EINVAL, "suite '%s' has no item %zu", s->id, i);
        if (i < s->n_inline) {
                *obj = json_incref(json_array_get(json_object_get(s->root, "items"), i));
        } else if ((rc = read_line(r, s->line_at[i], &line, &n))) {
                return pa_errf(err, rc, "cannot read '%s': %s", s->items_path,
                               rc == PA_EIO ? strerror(errno) : "out of memory");
        } else {
                *obj = json_loadb(line, n, 0, NULL);
        }
        if (!*obj || pa__item_strings(*obj, it, "", NULL))
                return changed(s, i, err);
        from_kind(s, i, it);
        return 0;
}

static void reader_init(struct reader *r, const struct pa_suite *s)
{
        *r = (struct reader){.fd = s->items_file ? fileno(s->items_file) : -1};
}

int pa_suite_item_read(const struct pa_suite *s, size_t i, struct pa_item *it, json_t **obj,
                       struct pa_err *err)
{
        struct reader r;
        int rc;

        reader_init(&r, s);
        if ((rc = item_at(s, &r, i, it, obj, err))) {
                json_decref(*obj);
                *obj = NULL;
        }
        free(r.buf);
        return rc;
}

int pa_suite_each_item(const struct pa_suite *s, pa_item_fn fn, void *ud, struct pa_err *err)
{
        struct reader r;
        int rc = 0;

        reader_init(&r, s);
        if (s->n_items > s->n_inline && (rc = fill(&r, s->line_at[s->n_inline], 1 << 16)))
                rc = pa_errf(err, rc, "cannot read '%s'", s->items_path);
        for (size_t i = 0; rc == 0 && i < s->n_items; i++) {
                struct pa_item it;
                json_t *obj = NULL;

                if ((rc = item_at(s, &r, i, &it, &obj, err)) == 0)
                        rc = fn(ud, i, &it, obj);
                json_decref(obj);
        }
        free(r.buf);
        return rc;
}

/* The id of the item on line[0, n) into buf (NUL-terminated) by the
 * scanner, which validates the whole line; false when it does not take
 * the line or the id is not a short non-empty string: the caller then
 * reads the item whole, which decides. */
static bool scan_id(const char *line, size_t n, char *buf, size_t cap)
{
        static const char *const keys[] = {"id"};
        struct pa__js s;
        struct pa__js_iter it = {0};
        size_t k, len;
        bool got = false;
        int rc;

        pa__js_init(&s, line, n);
        if (pa__js_peek(&s) != '{')
                return false;
        while ((rc = pa__js_member(&s, &it, keys, 1, &k)) > 0) {
                if (k == 0 && pa__js_peek(&s) == '"') {
                        if (pa__js_string(&s, buf, cap, &len) || len == 0 || len >= cap ||
                            memchr(buf, 0, len))
                                return false;
                        buf[len] = 0;
                        got = true;
                } else if (pa__js_skip(&s)) {
                        return false;
                }
        }
        return rc == 0 && got && pa__js_end(&s) == 0;
}

/* Item i's id, from its line when the scanner takes it. */
static int id_at(const struct pa_suite *s, struct reader *r, size_t i, pa__id_fn fn, void *ud,
                 struct pa_err *err)
{
        char buf[512];
        const char *line;
        struct pa_item it;
        json_t *obj = NULL;
        size_t n;
        int rc;

        if (i >= s->n_inline && read_line(r, s->line_at[i], &line, &n) == 0 &&
            scan_id(line, n, buf, sizeof(buf)))
                return fn(ud, i, buf);
        if ((rc = item_at(s, r, i, &it, &obj, err)) == 0)
                rc = fn(ud, i, it.id);
        json_decref(obj);
        return rc;
}

int pa__suite_each_id(const struct pa_suite *s, pa__id_fn fn, void *ud, struct pa_err *err)
{
        struct reader r;
        int rc = 0;

        reader_init(&r, s);
        if (s->n_items > s->n_inline && (rc = fill(&r, s->line_at[s->n_inline], 1 << 16)))
                rc = pa_errf(err, rc, "cannot read '%s'", s->items_path);
        for (size_t i = 0; rc == 0 && i < s->n_items; i++)
                rc = id_at(s, &r, i, fn, ud, err);
        free(r.buf);
        return rc;
}

struct find {
        const char *id;
        size_t at;
};

static int match_id(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        struct find *f = ud;

        (void)obj;
        f->at = i;
        return !strcmp(it->id, f->id);
}

long pa_suite_find_item(const struct pa_suite *s, const char *id)
{
        struct find f = {.id = id};

        return pa_suite_each_item(s, match_id, &f, NULL) == 1 ? (long)f.at : -1;
}

static int index_id(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        (void)obj;
        return json_object_set_new(ud, it->id, json_integer((json_int_t)i)) ? PA_ENOMEM : 0;
}

int pa_suite_id_index(const struct pa_suite *s, json_t **map, struct pa_err *err)
{
        int rc;

        if (!(*map = json_object()))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = pa_suite_each_item(s, index_id, *map, err))) {
                json_decref(*map);
                *map = NULL;
        }
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

int pa__items_lineno(const struct pa_suite *s, uint64_t at, size_t *lineno)
{
        char chunk[65536];
        uint64_t pos = 0;
        ssize_t got = 1;

        *lineno = 1;
        while (pos < at &&
               (got = pread(fileno(s->items_file), chunk,
                            at - pos < sizeof(chunk) ? at - pos : sizeof(chunk), (off_t)pos)) > 0) {
                for (ssize_t k = 0; k < got; k++)
                        *lineno += chunk[k] == '\n';
                pos += (uint64_t)got;
        }
        return got < 0 ? PA_EIO : 0;
}

int pa_suite_copy_items(struct pa_suite *s, const char *to, struct pa_err *err)
{
        FILE *copy;
        int rc;

        if (!s->items_file)
                return 0;
        rc = pa__copy_fd(fileno(s->items_file), to, s->items_sha256, err);
        if (rc == PA_EINVAL)
                return pa_errf(err, rc, "suite '%s': items file '%s' changed since it was loaded",
                               s->id, s->items_path);
        if (rc)
                return rc;
        /* From now on the run reads the bytes its folder keeps. */
        if (!(copy = fopen(to, "rbe")))
                return pa_errf(err, PA_EIO, "cannot open '%s': %s", to, strerror(errno));
        fclose(s->items_file);
        s->items_file = copy;
        return 0;
}

/* ---- every item at once ---- */

struct gather {
        struct pa_items *all;
        struct pa_buf text;
};

/* While text grows its strings move: a string is kept as its offset + 1
 * (NULL stays NULL) and made a pointer once all are read. */
static const char *stash(struct pa_buf *b, const char *str, int *rc)
{
        size_t at = b->len;

        if (!str)
                return NULL;
        if (pa__buf_add(b, str, strlen(str) + 1))
                *rc = PA_ENOMEM;
        return (const char *)(uintptr_t)(at + 1);
}

static const char *unstash(const char *text, const char *p)
{
        return p ? text + ((uintptr_t)p - 1) : NULL;
}

static int gather_item(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        struct gather *g = ud;
        struct pa_item *v = &g->all->v[i];
        int rc = 0;

        (void)obj;
        *v = *it;
        v->id = stash(&g->text, it->id, &rc);
        v->prompt = stash(&g->text, it->prompt, &rc);
        v->system = stash(&g->text, it->system, &rc);
        v->expected = stash(&g->text, it->expected, &rc);
        v->messages = NULL; /* obj's, gone after this call */
        return rc;
}

int pa_suite_items_load(const struct pa_suite *s, struct pa_items *all, struct pa_err *err)
{
        struct gather g = {.all = all};
        int rc;

        memset(all, 0, sizeof(*all));
        pa__buf_init(&g.text, SIZE_MAX / 2);
        if (!(all->v = calloc(s->n_items + 1, sizeof(*all->v))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        all->n = s->n_items;
        if ((rc = pa_suite_each_item(s, gather_item, &g, err))) {
                pa__buf_release(&g.text);
                pa_items_release(all);
                return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
        }
        all->text = g.text.p;
        for (size_t i = 0; i < all->n; i++) {
                struct pa_item *v = &all->v[i];

                v->id = unstash(all->text, v->id);
                v->prompt = unstash(all->text, v->prompt);
                v->system = unstash(all->text, v->system);
                v->expected = unstash(all->text, v->expected);
        }
        return 0;
}

void pa_items_release(struct pa_items *all)
{
        if (!all)
                return;
        free(all->v);
        free(all->text);
        memset(all, 0, sizeof(*all));
}

/* ---- a run's items, in order (case.h) ---- */

struct pa__item_cursor {
        const struct pa_suite *s;
        struct reader r;
        char *strings; /* the plain item's strings, one after another */
        size_t cap;
};

struct pa__item_cursor *pa__item_cursor_new(const struct pa_suite *s)
{
        struct pa__item_cursor *c = calloc(1, sizeof(*c));

        if (c) {
                c->s = s;
                reader_init(&c->r, s);
        }
        return c;
}

void pa__item_cursor_free(struct pa__item_cursor *c)
{
        if (!c)
                return;
        free(c->r.buf);
        free(c->strings);
        free(c);
}

/* The string member at the cursor decoded into c->strings at *used. */
static int plain_string(struct pa__item_cursor *c, struct pa__js *js, size_t *used,
                        const char **out)
{
        size_t len;

        if (pa__js_peek(js) != '"' || pa__js_string(js, c->strings + *used, c->cap - *used, &len))
                return 1;
        c->strings[*used + len] = '\0';
        *out = c->strings + *used;
        *used += len + 1;
        return 0;
}

/* The strings of a line that holds them as plain JSON strings, without
 * jansson (whose parse of a short line costs more than a request's
 * record): 1 for a line that needs it ("messages", a value of another
 * type, a key twice, anything the scanner leaves to jansson). */
static int plain_item(struct pa__item_cursor *c, const char *line, size_t n, struct pa_item *it)
{
        static const char *const keys[] = {"id",      "prompt",   "domain",  "system",
                                           "outcome", "expected", "messages"};
        const char **dst[] = {&it->id,      &it->prompt,   &it->domain, &it->system,
                              &it->outcome, &it->expected, NULL};
        struct pa__js js;
        struct pa__js_iter iter = {0, 0};
        size_t k, used = 0;
        int rc;

        /* Decoded strings are never longer than the line, plus the NULs. */
        if (n + 8 > c->cap) {
                char *b = realloc(c->strings, n + 8);

                if (!b)
                        return 1;
                c->strings = b;
                c->cap = n + 8;
        }
        memset(it, 0, sizeof(*it));
        pa__js_init(&js, line, n);
        if (pa__js_peek(&js) != '{')
                return 1;
        while ((rc = pa__js_member(&js, &iter, keys, 7, &k)) > 0) {
                if (k == 6 || (k < 6 ? plain_string(c, &js, &used, dst[k]) : pa__js_skip(&js)))
                        return 1;
        }
        return rc < 0 || pa__js_end(&js) || !it->id || !*it->id || !it->prompt;
}

int pa__item_cursor_read(struct pa__item_cursor *c, size_t i, struct pa_item *it, json_t **obj,
                         struct pa_err *err)
{
        const struct pa_suite *s = c->s;
        const char *line;
        size_t n;
        int rc;

        *obj = NULL;
        if (i < s->n_inline || i >= s->n_items)
                return pa_suite_item_read(s, i, it, obj, err);
        /* Items are read in order: a wide window serves many. */
        if (!c->r.cap && (rc = fill(&c->r, s->line_at[i], 1 << 16)))
                return pa_errf(err, rc, "cannot read '%s'", s->items_path);
        if ((rc = read_line(&c->r, s->line_at[i], &line, &n)))
                return pa_errf(err, rc, "cannot read '%s': %s", s->items_path,
                               rc == PA_EIO ? strerror(errno) : "out of memory");
        if (plain_item(c, line, n, it) == 0) {
                from_kind(s, i, it);
                return 0;
        }
        if ((rc = item_at(s, &c->r, i, it, obj, err))) {
                json_decref(*obj);
                *obj = NULL;
        }
        return rc;
}
