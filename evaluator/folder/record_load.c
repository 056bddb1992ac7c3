/* Records loaded member by member (record_load.h). */
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"

#include "record_load.h"
#include "evaluator/json/jscan.h"

/* A string member, decoded once its length is known. */
static json_t *load_string(struct pa__js *s)
{
        struct pa__js at = *s;
        char small[256], *buf = small;
        const unsigned char *from = (const unsigned char *)s->p + 1, *to;
        size_t len;
        json_t *v = NULL;

        /* The usual string: ASCII without escapes, taken as it stands. */
        to = pa__js_plain(from, (const unsigned char *)s->end);
        if (to < (const unsigned char *)s->end && *to == '"') {
                s->p = (const char *)to + 1;
                return json_stringn_nocheck((const char *)from, (size_t)(to - from));
        }
        if (pa__js_string(s, NULL, 0, &len))
                return NULL;
        if (len >= sizeof(small) && !(buf = malloc(len + 1)))
                return NULL;
        /* Validated by the first pass; the scanner rejects \u0000, so the
         * string holds no NUL, as jansson requires without JSON_ALLOW_NUL. */
        if (pa__js_string(&at, buf, len, &len) == 0)
                v = json_stringn_nocheck(buf, len);
        if (buf != small)
                free(buf);
        return v;
}

/* Any other member: its own text through jansson, which reads it as it
 * would inside the line (arrays and reals are rare and small in the
 * members readers name). */
static json_t *load_span(struct pa__js *s)
{
        const char *from = s->p;

        if (pa__js_skip(s))
                return NULL;
        return json_loadb(from, (size_t)(s->p - from), JSON_DECODE_ANY, NULL);
}

static json_t *load_value(struct pa__js *s);

/* An object member by member (groups, scores: small and in every record).
 * The scanner validated the member, and only '{', ',' and blanks come
 * before its key, so the key is the first string from where it began. */
static json_t *load_object(struct pa__js *s)
{
        struct pa__js_iter it = {0};
        json_t *obj = json_object();
        size_t k;
        int rc = PA_ENOMEM;

        while (obj) {
                const char *from = s->p, *q;
                struct pa__js ks;
                char key[128];
                size_t klen;
                json_t *v;

                if ((rc = pa__js_member(s, &it, NULL, 0, &k)) <= 0)
                        break;
                rc = -1;
                if (!(q = memchr(from, '"', (size_t)(s->p - from))))
                        break;
                pa__js_init(&ks, q, (size_t)(s->p - q));
                if (pa__js_string(&ks, key, sizeof(key), &klen) || klen >= sizeof(key))
                        break;
                key[klen] = 0;
                if (!(v = load_value(s)) || json_object_set_new_nocheck(obj, key, v))
                        break;
        }
        if (rc == 0)
                return obj;
        json_decref(obj);
        return NULL;
}

static json_t *load_value(struct pa__js *s)
{
        struct pa__js at;
        long long v;
        bool is_int;

        switch (pa__js_peek(s)) {
        case '"':
                return load_string(s);
        case 't':
                return pa__js_skip(s) ? NULL : json_true();
        case 'f':
                return pa__js_skip(s) ? NULL : json_false();
        case 'n':
                return pa__js_skip(s) ? NULL : json_null();
        case '{':
                return load_object(s);
        case '-':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
                at = *s;
                if (pa__js_number(s, &v, &is_int))
                        return NULL;
                if (is_int)
                        return json_integer((json_int_t)v);
                *s = at;
                return load_span(s);
        default:
                return load_span(s);
        }
}

/* NULL when the scanner does not take the line (or memory ran out): the
 * caller then asks jansson, which decides and words the error. keys[n_keys,
 * n_all) are raw: their values' text into raw_out. */
static json_t *load_named(const char *line, size_t len, const char *const *keys, size_t n_keys,
                          size_t n_all, struct pa__raw_member *raw_out)
{
        struct pa__js s;
        struct pa__js_iter it = {0};
        json_t *rec = json_object();
        size_t k;
        int rc;

        pa__js_init(&s, line, len);
        if (!rec || pa__js_peek(&s) != '{')
                goto fail;
        while ((rc = pa__js_member(&s, &it, keys, n_all, &k)) > 0) {
                const char *from = s.p;
                json_t *v;

                if (k >= n_keys) {
                        if (pa__js_skip(&s))
                                goto fail;
                        if (k < n_all) {
                                /* past the blanks before the value, as jansson reads it */
                                while (from < s.p && (*from == ' ' || *from == '\t' ||
                                                      *from == '\n' || *from == '\r'))
                                        from++;
                                raw_out[k - n_keys] =
                                    (struct pa__raw_member){from, (size_t)(s.p - from)};
                        }
                        continue;
                }
                if (!(v = load_value(&s)) || json_object_set_new_nocheck(rec, keys[k], v))
                        goto fail;
        }
        if (rc < 0 || pa__js_end(&s))
                goto fail;
        return rec;
fail:
        json_decref(rec);
        return NULL;
}

json_t *pa__record_load(const char *line, size_t len, const char *const *keys, size_t n_keys,
                        json_error_t *je)
{
        json_t *rec = n_keys <= 32 ? load_named(line, len, keys, n_keys, n_keys, NULL) : NULL;

        return rec ? rec : json_loadb(line, len, 0, je);
}

json_t *pa__record_load_raw(const char *line, size_t len, const char *const *keys, size_t n_keys,
                            const char *const *raw, size_t n_raw, struct pa__raw_member *raw_out,
                            bool *whole, json_error_t *je)
{
        const char *all[32];
        json_t *rec = NULL;

        memset(raw_out, 0, n_raw * sizeof(*raw_out));
        if (n_keys + n_raw <= 32) {
                memcpy(all, keys, n_keys * sizeof(*keys));
                memcpy(all + n_keys, raw, n_raw * sizeof(*raw));
                rec = load_named(line, len, all, n_keys, n_keys + n_raw, raw_out);
        }
        if ((*whole = !rec)) {
                memset(raw_out, 0, n_raw * sizeof(*raw_out));
                rec = json_loadb(line, len, 0, je);
        }
        return rec;
}
