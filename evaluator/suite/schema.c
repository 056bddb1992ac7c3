/* The suite's keys (docs/formats.md) in one table, and the strict check
 * against it that runs before the loader's own: an unknown key is an
 * error with a did-you-mean, a missing key is reported as missing, and a
 * value of the wrong JSON type as what was expected. Ranges, names and
 * references are the loader's (suite.c, suite_stream.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

enum vtype {
        V_STRING,
        V_INTEGER,
        V_NUMBER,
        V_BOOL,
        V_STRINGS, /* array of strings */
        V_OBJECT,  /* object of kind child */
        V_MAP,     /* object: any name -> object of kind child */
        V_LIST,    /* array of objects of kind child */
};

struct key_row {
        enum pa__okind in;
        const char *key;
        enum vtype type;
        enum pa__okind child;
        bool required;
};

/* Every key a suite object may hold. To add a key (a scorer option, an
 * item field), add its row here; its meaning goes in docs/formats.md and
 * its reader in the loader or the scorer. */
static const struct key_row key_table[] = {
    {PA_K_SUITE, "parity_suite", V_INTEGER, 0, true},
    {PA_K_SUITE, "id", V_STRING, 0, true},
    {PA_K_SUITE, "version", V_STRING, 0, true},
    {PA_K_SUITE, "description", V_STRING, 0, false},
    {PA_K_SUITE, "source", V_OBJECT, PA_K_SOURCE, false},
    {PA_K_SUITE, "defaults", V_OBJECT, PA_K_DEFAULTS, false},
    {PA_K_SUITE, "axes", V_MAP, PA_K_AXIS, false},
    {PA_K_SUITE, "scorers", V_MAP, PA_K_SCORER, false},
    {PA_K_SUITE, "items", V_LIST, PA_K_ITEM, false},
    {PA_K_SUITE, "items_file", V_STRING, 0, false},
    {PA_K_SUITE, "metrics", V_STRINGS, 0, false},
    /* What an importer records of its inputs (evaluator/import/). */
    {PA_K_SUITE, "import", V_OBJECT, PA_K_OPEN, false},
    {PA_K_SUITE, "holistic_bias", V_OBJECT, PA_K_OPEN, false},

    {PA_K_SOURCE, "license", V_STRING, 0, false},
    {PA_K_SOURCE, "authors", V_STRING, 0, false},
    {PA_K_SOURCE, "url", V_STRING, 0, false},

    {PA_K_DEFAULTS, "system", V_STRING, 0, false},
    {PA_K_DEFAULTS, "temperature", V_NUMBER, 0, false},
    {PA_K_DEFAULTS, "top_p", V_NUMBER, 0, false},
    {PA_K_DEFAULTS, "max_tokens", V_INTEGER, 0, false},
    {PA_K_DEFAULTS, "stop", V_STRINGS, 0, false},

    {PA_K_AXIS, "reference", V_STRING, 0, true},
    {PA_K_AXIS, "groups", V_MAP, PA_K_OPEN, true},

    /* Scorer options, of every type: the type's compile checks which
     * apply (scorers/). */
    {PA_K_SCORER, "type", V_STRING, 0, true},
    {PA_K_SCORER, "pattern", V_STRING, 0, false},
    {PA_K_SCORER, "flags", V_STRING, 0, false},
    {PA_K_SCORER, "value", V_STRING, 0, false},
    {PA_K_SCORER, "prompt", V_STRING, 0, false}, /* judge: its template */

    {PA_K_ITEM, "id", V_STRING, 0, true},
    {PA_K_ITEM, "prompt", V_STRING, 0, false}, /* required unless "messages" */
    {PA_K_ITEM, "messages", V_LIST, PA_K_MESSAGE, false},
    {PA_K_ITEM, "domain", V_STRING, 0, false},
    {PA_K_ITEM, "axes", V_STRINGS, 0, false},
    {PA_K_ITEM, "outcome", V_STRING, 0, false},
    {PA_K_ITEM, "scorers", V_STRINGS, 0, false},
    {PA_K_ITEM, "expected", V_STRING, 0, false},
    {PA_K_ITEM, "system", V_STRING, 0, false},
    /* Metadata: the user's own, and what importers write for a metric. */
    {PA_K_ITEM, "meta", V_OBJECT, PA_K_OPEN, false},
    {PA_K_ITEM, "bbq", V_OBJECT, PA_K_OPEN, false},
    {PA_K_ITEM, "crows", V_OBJECT, PA_K_OPEN, false},
    {PA_K_ITEM, "discrim", V_OBJECT, PA_K_OPEN, false},
    {PA_K_ITEM, "hb", V_OBJECT, PA_K_OPEN, false},

    {PA_K_MESSAGE, "role", V_STRING, 0, true},
    {PA_K_MESSAGE, "content", V_STRING, 0, true},
};

#define N_KEYS (sizeof(key_table) / sizeof(*key_table))

static const char *const type_says[] = {
    [V_STRING] = "expected a string",
    [V_INTEGER] = "expected an integer",
    [V_NUMBER] = "expected a number",
    [V_BOOL] = "expected true or false",
    [V_STRINGS] = "expected an array of strings",
    [V_OBJECT] = "expected an object",
    [V_MAP] = "expected an object",
    [V_LIST] = "expected an array of objects",
};

static bool type_ok(enum vtype t, const json_t *v)
{
        switch (t) {
        case V_STRING:
                return json_is_string(v);
        case V_INTEGER:
                return json_is_integer(v);
        case V_NUMBER:
                return json_is_number(v);
        case V_BOOL:
                return json_is_boolean(v);
        case V_STRINGS:
        case V_LIST:
                return json_is_array(v);
        case V_OBJECT:
        case V_MAP:
                return json_is_object(v);
        }
        return false;
}

static const struct key_row *find_row(enum pa__okind k, const char *key)
{
        for (size_t i = 0; i < N_KEYS; i++)
                if (key_table[i].in == k && !strcmp(key_table[i].key, key))
                        return &key_table[i];
        return NULL;
}

/* The keys of kind k, into words (at most cap); their count. */
static size_t keys_of(enum pa__okind k, const char **words, size_t cap)
{
        size_t n = 0;

        for (size_t i = 0; i < N_KEYS && n < cap; i++)
                if (key_table[i].in == k)
                        words[n++] = key_table[i].key;
        return n;
}

/* "a", "b", ... : the keys of kind k, for a message. */
static const char *key_list(enum pa__okind k)
{
        static _Thread_local char out[512];
        const char *words[64];
        size_t n = keys_of(k, words, 64), len = 0;

        out[0] = '\0';
        for (size_t i = 0; i < n && len < sizeof(out); i++)
                len += (size_t)snprintf(out + len, sizeof(out) - len, "%s\"%s\"",
                                        i ? (i + 1 == n ? " and " : ", ") : "", words[i]);
        return out;
}

/* ptr + "/" + key, the key escaped as RFC 6901 says ("~0", "~1"). */
static void child_ptr(char *out, size_t cap, const char *ptr, const char *key)
{
        size_t n = (size_t)snprintf(out, cap, "%s/", ptr);

        for (; *key && n + 3 < cap; key++) {
                if (*key == '~' || *key == '/') {
                        out[n++] = '~';
                        out[n++] = *key == '~' ? '0' : '1';
                } else {
                        out[n++] = *key;
                }
        }
        out[n < cap ? n : cap - 1] = '\0';
}

static void check_value(struct pa__diags *d, const struct key_row *r, const json_t *v,
                        const char *ptr)
{
        char sub[1024];
        const char *name;
        json_t *x;
        size_t i;

        if (!type_ok(r->type, v)) {
                /* version: 1.0 is a number in YAML, as "1.0" is not in JSON. */
                pa__diag(d, ptr, "%s%s", type_says[r->type],
                         r->type == V_STRING &&
                                 (json_is_number(v) || json_is_boolean(v) || json_is_null(v))
                             ? " (in YAML, quote a value that reads as a number, true or null)"
                             : "");
                return;
        }
        if (r->type == V_OBJECT) {
                pa__schema_check(d, v, r->child, ptr);
        } else if (r->type == V_MAP) {
                json_object_foreach((json_t *)v, name, x)
                {
                        child_ptr(sub, sizeof(sub), ptr, name);
                        if (!json_is_object(x))
                                pa__diag(d, sub, "expected an object");
                        else
                                pa__schema_check(d, x, r->child, sub);
                }
        } else if (r->type == V_LIST || r->type == V_STRINGS) {
                json_array_foreach(v, i, x)
                {
                        if (snprintf(sub, sizeof(sub), "%s/%zu", ptr, i) >= (int)sizeof(sub))
                                return; /* a pointer this long is not in a suite */
                        if (r->type == V_STRINGS && !json_is_string(x))
                                pa__diag(d, sub, "expected a string");
                        else if (r->type == V_LIST && !json_is_object(x))
                                pa__diag(d, sub, "expected an object");
                        else if (r->type == V_LIST)
                                pa__schema_check(d, x, r->child, sub);
                }
        }
}

/* Whether an unknown key of obj is one letter-slip away from key: then
 * that key's error already says it, and "missing" would be noise. */
static bool misspelt(const json_t *obj, enum pa__okind k, const char *key)
{
        const char *words[64], *name;
        size_t n = keys_of(k, words, 64);
        json_t *v;

        json_object_foreach((json_t *)obj, name, v)
        {
                const char *near;

                if (find_row(k, name))
                        continue;
                near = pa__did_you_mean(name, words, n);
                if (near && !strcmp(near, key))
                        return true;
        }
        return false;
}

static void missing(struct pa__diags *d, const json_t *obj, enum pa__okind k, const char *key,
                    const char *ptr)
{
        if (!misspelt(obj, k, key))
                pa__diag(d, ptr[0] ? ptr : "/", "missing key \"%s\"", key);
}

void pa__schema_check(struct pa__diags *d, const json_t *obj, enum pa__okind k, const char *ptr)
{
        const char *words[64], *name, *near;
        size_t n;
        char sub[1024];
        json_t *v;

        if (k == PA_K_OPEN)
                return;
        n = keys_of(k, words, 64);
        json_object_foreach((json_t *)obj, name, v)
        {
                const struct key_row *r = find_row(k, name);

                child_ptr(sub, sizeof(sub), ptr, name);
                if (r)
                        check_value(d, r, v, sub);
                else if ((near = pa__did_you_mean(name, words, n)))
                        pa__diag(d, sub, "unknown key; did you mean \"%s\"?", near);
                else
                        pa__diag(d, sub, "unknown key; the keys here are %s", key_list(k));
        }
        for (size_t i = 0; i < N_KEYS; i++)
                if (key_table[i].in == k && key_table[i].required &&
                    !json_object_get(obj, key_table[i].key))
                        missing(d, obj, k, key_table[i].key, ptr);
        /* An item is a prompt or a conversation. */
        if (k == PA_K_ITEM && !json_object_get(obj, "prompt") && !json_object_get(obj, "messages"))
                missing(d, obj, k, "prompt", ptr);
}

/* Optimal string alignment distance, capped: past cap it stops counting. */
static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), d[34][34];

        if (la > 32 || lb > 32)
                return 99;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= la; i++) {
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;

                        if (d[i - 1][j] + 1 < best)
                                best = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < best)
                                best = d[i][j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            d[i - 2][j - 2] + 1 < best)
                                best = d[i - 2][j - 2] + 1;
                        d[i][j] = best;
                }
        }
        return d[la][lb];
}

const char *pa__did_you_mean(const char *word, const char *const *words, size_t n)
{
        const char *best = NULL;
        size_t bd = 3, len = strlen(word);

        for (size_t i = 0; i < n; i++) {
                size_t dist = distance(word, words[i]);

                if (dist < bd && 2 * dist < (len > strlen(words[i]) ? len : strlen(words[i]))) {
                        bd = dist;
                        best = words[i];
                }
        }
        return best;
}
