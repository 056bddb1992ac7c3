/* Canonical JSON (evidence.h), base64 and the findings list shared by the
 * evidence modules. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "evaluator/util/safe_file.h"

void pa_decimal(double x, char out[32])
{
        /* The fewest significant digits that read back as the same double;
         * 17 always do. snprintf is locale-bound: parity never calls
         * setlocale, so this is the C locale's '.'. */
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(out, 32, "%.*g", prec, x);
                if (strtod(out, NULL) == x)
                        return;
        }
}

static json_t *canonical_real(double x)
{
        char buf[32];

        if (x == 0)
                return json_integer(0); /* -0.0 too */
        if (x == floor(x) && fabs(x) < 9007199254740992.0)
                return json_integer((json_int_t)x);
        pa_decimal(x, buf);
        return json_string(buf);
}

json_t *pa_canonical_copy(const json_t *v)
{
        json_t *out, *item;
        const char *key;
        size_t i;

        switch (json_typeof(v)) {
        case JSON_REAL:
                return canonical_real(json_real_value(v));
        case JSON_OBJECT:
                if (!(out = json_object()))
                        return NULL;
                json_object_foreach((json_t *)v, key, item)
                {
                        if (json_object_set_new(out, key, pa_canonical_copy(item))) {
                                json_decref(out);
                                return NULL;
                        }
                }
                return out;
        case JSON_ARRAY:
                if (!(out = json_array()))
                        return NULL;
                json_array_foreach(v, i, item)
                {
                        if (json_array_append_new(out, pa_canonical_copy(item))) {
                                json_decref(out);
                                return NULL;
                        }
                }
                return out;
        default:
                return json_deep_copy(v);
        }
}

int pa_canonical_dump(const json_t *v, char **out, size_t *len)
{
        json_t *c = pa_canonical_copy(v);

        *out = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        json_decref(c);
        if (!*out)
                return PA_ENOMEM;
        if (len)
                *len = strlen(*out);
        return 0;
}

bool pa_json_number(const json_t *v, double *out)
{
        const char *s = json_string_value(v);
        char *end;
        double x;

        if (json_is_number(v)) {
                *out = json_number_value(v);
                return true;
        }
        if (!s || !*s)
                return false;
        x = strtod(s, &end);
        if (*end || !isfinite(x))
                return false;
        *out = x;
        return true;
}

/* ---- base64 (RFC 4648, with padding) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *pa__b64_encode(const unsigned char *p, size_t n)
{
        char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned)p[i] << 16;

                if (i + 1 < n)
                        v |= (unsigned)p[i + 1] << 8;
                if (i + 2 < n)
                        v |= p[i + 2];
                *o++ = b64[v >> 18 & 63];
                *o++ = b64[v >> 12 & 63];
                *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
                *o++ = i + 2 < n ? b64[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

static int b64_value(char c)
{
        const char *p = c ? strchr(b64, c) : NULL;

        return p ? (int)(p - b64) : -1;
}

int pa__b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
        unsigned char *o = malloc(n / 4 * 3 + 3);
        unsigned acc = 0;
        size_t len = 0, bits = 0, pad = 0;

        if (!o)
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int v;

                if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
                        continue;
                if (s[i] == '=') {
                        pad++;
                        continue;
                }
                if (pad || (v = b64_value(s[i])) < 0)
                        goto bad;
                acc = (acc << 6 | (unsigned)v) & 0xffffff;
                if ((bits += 6) >= 8) {
                        bits -= 8;
                        o[len++] = (unsigned char)(acc >> bits);
                }
        }
        if (pad > 2 || bits >= 6)
                goto bad;
        *out = o;
        *outlen = len;
        return 0;
bad:
        free(o);
        return PA_EINVAL;
}

/* ---- findings ---- */

void pa__finding(struct pa__findings *f, const char *fmt, ...)
{
        char raw[1024], line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        /* Names and values come from the folder: one finding, one line. */
        pa__esc(raw, strlen(raw), line, sizeof(line));
        if (f->n == 0)
                snprintf(f->first, sizeof(f->first), "%s", line);
        f->n++;
        f->n_audit += !strncmp(line, PA_AUDIT_FILE, strlen(PA_AUDIT_FILE));
        if (f->out)
                fprintf(f->out, "%s\n", line);
}
