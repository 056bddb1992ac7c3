/* diff.json's "flipped" (diff_int.h, docs/reports.md). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "diff_int.h"
#include "verdict.h"

#define MAX_PROMPT   300
#define MAX_RESPONSE 400

/* ---- flipped cases ---- */

struct flip {
        const json_t *b, *c;
        const char *domain, *item, *id;
        long long sample;
};

static const char *scorer_of(const json_t *rec)
{
        const char *o = json_string_value(json_object_get(rec, "outcome"));
        json_t *scores = json_object_get(rec, "scores");

        if (o)
                return o;
        return json_object_size(scores) == 1 ? json_object_iter_key(json_object_iter(scores))
                                             : NULL;
}

static int by_place(const void *x, const void *y)
{
        const struct flip *a = x, *b = y;
        int r = strcmp(a->domain, b->domain);

        if (!r)
                r = strcmp(a->item, b->item);
        if (!r)
                r = strcmp(a->id, b->id);
        return r ? r : (a->sample > b->sample) - (a->sample < b->sample);
}

/* s cut to at most max bytes on a UTF-8 boundary, with "…" when cut. */
static json_t *clipped(const char *s, size_t max)
{
        size_t n = s ? strlen(s) : 0;
        char *buf;
        json_t *out;

        if (!s)
                return json_null();
        if (n <= max)
                return json_string(s);
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        if (!(buf = malloc(max + 4)))
                return NULL;
        memcpy(buf, s, max);
        memcpy(buf + max, "\u2026", 4);
        out = json_string(buf);
        free(buf);
        return out;
}

/* The user's message of a record (or its completions prompt). */
static const char *prompt_of(const json_t *rec)
{
        const json_t *m;
        const char *p = json_string_value(json_object_get(rec, "prompt"));
        size_t i;

        json_array_foreach(json_object_get(rec, "messages"), i, m)
        {
                if (!strcmp(pa__str(m, "role"), "user"))
                        p = json_string_value(json_object_get(m, "content"));
        }
        return p;
}

static json_t *side(const json_t *rec, const char *scorer)
{
        return json_pack("{s:o, s:O?, s:O?}", "response",
                         clipped(json_string_value(json_object_get(rec, "response")), MAX_RESPONSE),
                         "score", json_object_get(json_object_get(rec, "scores"), scorer), "error",
                         json_object_get(rec, "error"));
}

static json_t *flip_json(const struct flip *f)
{
        const char *scorer = scorer_of(f->b);

        return json_pack("{s:s, s:I, s:s, s:s, s:O?, s:s, s:o, s:o, s:o}", "case_id", f->id,
                         "sample", (json_int_t)f->sample, "item_id", f->item, "domain", f->domain,
                         "groups", json_object_get(f->b, "groups"), "scorer", scorer, "prompt",
                         clipped(prompt_of(f->b), MAX_PROMPT), "base", side(f->b, scorer),
                         "candidate", side(f->c, scorer));
}

json_t *pa__diff_flip_json(const json_t *b, const json_t *c)
{
        const struct flip f = {
            .b = b,
            .c = c,
            .domain =
                json_is_string(json_object_get(b, "domain")) ? pa__str(b, "domain") : "general",
            .item = pa__str(b, "item_id"),
            .id = pa__str(b, "case_id"),
            .sample = (long long)json_integer_value(json_object_get(b, "sample")),
        };

        return flip_json(&f);
}

static const char *record_key(const json_t *rec, char *buf, size_t n)
{
        const char *id = json_string_value(json_object_get(rec, "case_id"));
        int w;

        if (!id)
                return NULL;
        w = snprintf(buf, n, "%s\037%lld", id,
                     (long long)json_integer_value(json_object_get(rec, "sample")));
        return w > 0 && (size_t)w < n ? buf : NULL;
}

/* A flip: both scored on the same scorer, both boolean, not equal. */
static bool flipped(const json_t *b, const json_t *c)
{
        const char *sb = scorer_of(b), *sc = scorer_of(c);
        const json_t *vb, *vc;

        if (!sb || !sc || strcmp(sb, sc))
                return false;
        vb = json_object_get(json_object_get(b, "scores"), sb);
        vc = json_object_get(json_object_get(c, "scores"), sb);
        return json_is_boolean(vb) && json_is_boolean(vc) && json_is_true(vb) != json_is_true(vc);
}

static int collect(const json_t *base, const json_t *cand, struct flip **out, size_t *n)
{
        json_t *idx = json_object(), *rec;
        struct flip *v = NULL;
        size_t i, cap = 0;
        char key[512];
        const char *k;
        int rc = idx ? 0 : PA_ENOMEM;

        *n = 0;
        json_array_foreach(cand, i, rec)
        {
                if (rc == 0 && (k = record_key(rec, key, sizeof(key))) && !json_object_get(idx, k))
                        rc = json_object_set_new(idx, k, json_integer((json_int_t)i)) ? PA_ENOMEM
                                                                                      : 0;
        }
        json_array_foreach(base, i, rec)
        {
                const json_t *at, *c;

                if (rc || !(k = record_key(rec, key, sizeof(key))) ||
                    !(at = json_object_get(idx, k)))
                        continue;
                c = json_array_get(cand, (size_t)json_integer_value(at));
                if (!flipped(rec, c))
                        continue;
                if (*n == cap) {
                        struct flip *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

                        if (!nv) {
                                rc = PA_ENOMEM;
                                continue;
                        }
                        v = nv;
                }
                v[(*n)++] = (struct flip){
                    .b = rec,
                    .c = c,
                    .domain = json_is_string(json_object_get(rec, "domain"))
                                  ? pa__str(rec, "domain")
                                  : "general",
                    .item = pa__str(rec, "item_id"),
                    .id = pa__str(rec, "case_id"),
                    .sample = (long long)json_integer_value(json_object_get(rec, "sample")),
                };
        }
        json_decref(idx);
        if (rc)
                free(v);
        else
                *out = v;
        return rc;
}

int pa__diff_flipped(const json_t *base, const json_t *cand, size_t max, json_t **out)
{
        struct flip *v = NULL;
        size_t n = 0;
        json_t *cases = json_array(), *by = json_object(), *f = NULL;
        int rc = cases && by ? collect(base, cand, &v, &n) : PA_ENOMEM;

        if (rc == 0 && n)
                qsort(v, n, sizeof(*v), by_place);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                json_t *c = json_object_get(by, v[i].domain);

                if (json_object_set_new(by, v[i].domain, json_integer(json_integer_value(c) + 1)) ||
                    (i < max && json_array_append_new(cases, flip_json(&v[i]))))
                        rc = PA_ENOMEM;
        }
        if (rc == 0)
                f = json_pack("{s:I, s:I, s:O, s:O}", "total", (json_int_t)n, "listed",
                              (json_int_t)json_array_size(cases), "by_domain", by, "cases", cases);
        free(v);
        json_decref(cases);
        json_decref(by);
        if (rc == 0 && !f)
                rc = PA_ENOMEM;
        *out = f;
        return rc;
}
