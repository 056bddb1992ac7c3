/* YAML suites (docs/formats.md, "YAML"): libyaml's event stream turned
 * into the same jansson tree a JSON suite gives, so one loader checks
 * both. Only what maps onto JSON is read: one document, mappings with
 * string keys (a duplicate is an error), sequences, and scalars resolved
 * by the YAML 1.2 core schema (null, true/false, integers, floats, else a
 * string; a quoted scalar is always a string). Anchors, aliases and tags
 * are refused: an alias could expand a small file into a huge tree (a
 * "billion laughs"), and a tag names a type JSON does not have. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "case.h"
#include "schema.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

/* Deeper nesting than any suite needs is refused (the tree is built on
 * an explicit stack of this size). */
#define MAX_DEPTH 128

bool pa__suite_is_yaml(const char *path)
{
        size_t n = strlen(path);

        return (n > 5 && !strcmp(path + n - 5, ".yaml")) ||
               (n > 4 && !strcmp(path + n - 4, ".yml"));
}

struct frame {
        json_t *node; /* an object or an array (a reference the stack holds) */
        char *key;    /* a mapping's key read, waiting for its value */
};

struct builder {
        const char *what;
        struct frame stack[MAX_DEPTH];
        int depth;
        json_t *root;
        struct pa_err *err;
};

static int bad(struct builder *b, const yaml_mark_t *m, const char *why)
{
        return pa_errf(b->err, PA_EINVAL, "%s: %zu:%zu: %s", b->what, m->line + 1, m->column + 1,
                       why);
}

static bool one_of(const char *s, const char *const *words)
{
        for (; *words; words++)
                if (!strcmp(s, *words))
                        return true;
        return false;
}

/* [-+]? digits, and how many digits. */
static const char *digits(const char *s, size_t *n)
{
        *n = 0;
        while (s[*n] >= '0' && s[*n] <= '9')
                (*n)++;
        return s + *n;
}

/* The core schema's int (decimal) and float forms. */
static bool is_int(const char *s)
{
        size_t n;

        s += *s == '-' || *s == '+';
        return *digits(s, &n) == '\0' && n > 0;
}

static bool is_float(const char *s)
{
        size_t a, b = 0, e;

        s += *s == '-' || *s == '+';
        s = digits(s, &a);
        if (*s == '.')
                s = digits(s + 1, &b);
        if (a + b == 0)
                return false;
        if (*s == 'e' || *s == 'E') {
                s++;
                s += *s == '-' || *s == '+';
                s = digits(s, &e);
                if (e == 0)
                        return false;
        }
        return *s == '\0';
}

/* A plain scalar as the core schema reads it; NULL: out of memory, or
 * (*why set) a value JSON cannot hold. */
static json_t *plain_scalar(const char *s, size_t n, const char **why)
{
        static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL},
                                 *const trues[] = {"true", "True", "TRUE", NULL},
                                 *const falses[] = {"false", "False", "FALSE", NULL},
                                 *const odd[] = {".inf",  ".Inf",  ".INF",  "-.inf", "-.Inf",
                                                 "-.INF", "+.inf", "+.Inf", "+.INF", ".nan",
                                                 ".NaN",  ".NAN",  NULL};

        *why = NULL;
        if (n == 0 || one_of(s, nulls))
                return json_null();
        if (one_of(s, trues))
                return json_true();
        if (one_of(s, falses))
                return json_false();
        if (is_int(s)) {
                char *end;
                long long v;

                errno = 0;
                v = strtoll(s, &end, 10);
                if (errno == ERANGE) {
                        *why = "an integer out of range";
                        return NULL;
                }
                return json_integer((json_int_t)v);
        }
        if (is_float(s))
                return json_real(strtod(s, NULL));
        if (one_of(s, odd)) {
                *why = "infinity and NaN are not JSON numbers";
                return NULL;
        }
        return json_stringn(s, n);
}

/* Puts v (a new reference, stolen) where the stack says: the root, the
 * value of a pending key, or the next element. */
static int place(struct builder *b, json_t *v, const yaml_mark_t *m)
{
        struct frame *f;
        int rc = 0;

        if (b->depth == 0) {
                b->root = v;
                return 0;
        }
        f = &b->stack[b->depth - 1];
        if (json_is_array(f->node))
                return json_array_append_new(f->node, v) ? PA_ENOMEM : 0;
        if (!f->key) {
                json_decref(v);
                return bad(b, m, "a key must be a string, not a mapping or a sequence");
        }
        if (json_object_set_new(f->node, f->key, v))
                rc = PA_ENOMEM;
        free(f->key);
        f->key = NULL;
        return rc;
}

static int on_scalar(struct builder *b, const yaml_event_t *e)
{
        const char *s = (const char *)e->data.scalar.value, *why = NULL;
        size_t n = e->data.scalar.length;
        struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
        json_t *v;

        if (f && json_is_object(f->node) && !f->key) {
                char why_dup[256];

                if (strlen(s) != n)
                        return bad(b, &e->start_mark, "a key holds a NUL byte");
                if (json_object_get(f->node, s)) {
                        snprintf(why_dup, sizeof(why_dup), "duplicate key \"%.200s\"", s);
                        return bad(b, &e->start_mark, why_dup);
                }
                return (f->key = strdup(s)) ? 0 : PA_ENOMEM;
        }
        if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
                v = plain_scalar(s, n, &why);
        else
                v = json_stringn(s, n);
        if (!v)
                return why ? bad(b, &e->start_mark, why) : PA_ENOMEM;
        return place(b, v, &e->start_mark);
}

static int on_open(struct builder *b, const yaml_event_t *e, bool map)
{
        json_t *v = map ? json_object() : json_array();
        int rc;

        if (!v)
                return PA_ENOMEM;
        if (b->depth == MAX_DEPTH) {
                json_decref(v);
                return bad(b, &e->start_mark, "nested deeper than a suite needs");
        }
        if ((rc = place(b, json_incref(v), &e->start_mark))) {
                json_decref(v);
                return rc;
        }
        b->stack[b->depth++] = (struct frame){.node = v};
        return 0;
}

/* Anchors, aliases and tags: what JSON has no way to say. */
static int refused(struct builder *b, const yaml_event_t *e)
{
        const yaml_char_t *anchor = NULL, *tag = NULL;

        switch (e->type) {
        case YAML_ALIAS_EVENT:
                return bad(b, &e->start_mark,
                           "aliases (*name) are not supported: write the value out");
        case YAML_SCALAR_EVENT:
                anchor = e->data.scalar.anchor;
                tag = e->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                anchor = e->data.sequence_start.anchor;
                tag = e->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                anchor = e->data.mapping_start.anchor;
                tag = e->data.mapping_start.tag;
                break;
        default:
                return 0;
        }
        if (anchor)
                return bad(b, &e->start_mark,
                           "anchors (&name) are not supported: write the value "
                           "out");
        if (tag)
                return bad(b, &e->start_mark, "tags (!name) are not supported");
        return 0;
}

static int on_event(struct builder *b, const yaml_event_t *e, int *docs)
{
        int rc;

        if ((rc = refused(b, e)))
                return rc;
        switch (e->type) {
        case YAML_DOCUMENT_START_EVENT:
                if (++*docs > 1)
                        return bad(b, &e->start_mark, "expected one document (a second '---')");
                return 0;
        case YAML_SCALAR_EVENT:
                return on_scalar(b, e);
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
                return on_open(b, e, e->type == YAML_MAPPING_START_EVENT);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                b->depth--;
                free(b->stack[b->depth].key);
                json_decref(b->stack[b->depth].node);
                return 0;
        default:
                return 0;
        }
}

int pa__yaml_parse(const char *text, size_t len, const char *what, json_t **out, struct pa_err *err)
{
        struct builder b = {.what = what, .err = err};
        yaml_parser_t p;
        yaml_event_t e;
        int rc = 0, docs = 0;
        bool done = false;

        *out = NULL;
        if (!yaml_parser_initialize(&p))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        while (rc == 0 && !done) {
                if (!yaml_parser_parse(&p, &e)) {
                        rc = pa_errf(err, PA_EINVAL, "%s: %zu:%zu: %s", what,
                                     p.problem_mark.line + 1, p.problem_mark.column + 1,
                                     p.problem ? p.problem : "not YAML");
                        break;
                }
                done = e.type == YAML_STREAM_END_EVENT;
                rc = on_event(&b, &e, &docs);
                yaml_event_delete(&e);
        }
        yaml_parser_delete(&p);
        while (b.depth > 0) {
                b.depth--;
                free(b.stack[b.depth].key);
                json_decref(b.stack[b.depth].node);
        }
        if (rc == 0 && !b.root)
                rc = pa_errf(err, PA_EINVAL, "%s: 1:1: expected a YAML document", what);
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "%s: out of memory", what);
        if (rc)
                json_decref(b.root);
        else
                *out = b.root;
        return rc;
}

int pa__yaml_load_regular(const char *path, const char *what, unsigned flags, uint64_t max,
                          json_t **out, char *sha, struct pa_err *err)
{
        char *text = NULL;
        size_t len = 0;
        int rc;

        *out = NULL;
        if ((rc = pa__read_regular(path, what, flags, max, &text, &len, err)))
                return rc;
        if (sha)
                pa__sha256_hex(text, len, sha);
        rc = pa__yaml_parse(text, len, what, out, err);
        free(text);
        return rc;
}

/* ---- a JSON pointer in a YAML text ---- */

struct place {
        bool map;
        size_t index;     /* a sequence's next element */
        bool has_key, ok; /* ok: the path down to this child matches */
        yaml_mark_t key_mark;
};

struct finder {
        char tok[16][256];
        int ntok;
        struct place at[MAX_DEPTH];
        int depth;
        bool found;
        yaml_mark_t mark;
};

/* A node starts as the value of the top place (or as the root). */
static void node_starts(struct finder *f, const yaml_mark_t *m)
{
        struct place *p = f->depth ? &f->at[f->depth - 1] : NULL;

        if (p && !p->map) {
                char ix[32];

                snprintf(ix, sizeof(ix), "%zu", p->index++);
                p->ok = (f->depth == 1 || f->at[f->depth - 2].ok) && f->depth <= f->ntok &&
                        !strcmp(ix, f->tok[f->depth - 1]);
        }
        if (f->depth == f->ntok && (f->depth == 0 || p->ok)) {
                f->found = true;
                f->mark = p && p->map ? p->key_mark : *m;
        }
        if (p && p->map)
                p->has_key = false;
}

static void key_read(struct finder *f, const char *key, const yaml_mark_t *m)
{
        struct place *p = &f->at[f->depth - 1];

        p->has_key = true;
        p->key_mark = *m;
        p->ok = (f->depth == 1 || f->at[f->depth - 2].ok) && f->depth <= f->ntok &&
                !strcmp(key, f->tok[f->depth - 1]);
}

static void find_event(struct finder *f, const yaml_event_t *e)
{
        struct place *p = f->depth ? &f->at[f->depth - 1] : NULL;

        switch (e->type) {
        case YAML_SCALAR_EVENT:
                if (p && p->map && !p->has_key)
                        key_read(f, (const char *)e->data.scalar.value, &e->start_mark);
                else
                        node_starts(f, &e->start_mark);
                break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
                node_starts(f, &e->start_mark);
                if (f->depth < MAX_DEPTH)
                        f->at[f->depth++] =
                            (struct place){.map = e->type == YAML_MAPPING_START_EVENT};
                break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                f->depth -= f->depth > 0;
                break;
        default:
                break;
        }
}

int pa__yaml_locate(const char *text, size_t len, const char *ptr, int *line, int *col)
{
        static struct finder zero;
        struct finder *f = malloc(sizeof(*f));
        yaml_parser_t p;
        yaml_event_t e;
        bool end = false;
        int rc = -1;

        if (!f)
                return -1;
        *f = zero;
        for (const char *q = ptr; *q == '/' && f->ntok < 16; f->ntok++) {
                size_t n = 0;

                for (q++; *q && *q != '/'; q++) {
                        char c = *q;

                        if (c == '~' && (q[1] == '0' || q[1] == '1'))
                                c = *++q == '0' ? '~' : '/';
                        if (n + 1 < sizeof(f->tok[0]))
                                f->tok[f->ntok][n++] = c;
                }
                f->tok[f->ntok][n] = '\0';
        }
        if (yaml_parser_initialize(&p)) {
                yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
                while (!end && !f->found && yaml_parser_parse(&p, &e)) {
                        end = e.type == YAML_STREAM_END_EVENT;
                        find_event(f, &e);
                        yaml_event_delete(&e);
                }
                yaml_parser_delete(&p);
        }
        if (f->found) {
                *line = (int)f->mark.line + 1;
                *col = (int)f->mark.column + 1;
                rc = 0;
        }
        free(f);
        return rc;
}
