/* JSON text written directly, as jansson's json_dumps(JSON_COMPACT) would
 * (jsonw.h). tests/test_jsonw.c and tests/test_record.c hold it to the
 * real library's output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "jsonw.h"

/* The escape of a byte below 0x20, '"' or '\\'. */
static int add_escape(struct pa_buf *b, unsigned char c)
{
        static const char named[] = "btn\0fr"; /* \b \t \n, \f \r */
        static const char hex[] = "0123456789ABCDEF";
        char esc[6] = {'\\', (char)c};

        if (c == '"' || c == '\\')
                return pa__jw_put(b, esc, 2);
        if (c >= '\b' && c <= '\r' && named[c - '\b']) {
                esc[1] = named[c - '\b'];
                return pa__jw_put(b, esc, 2);
        }
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return pa__jw_put(b, esc, 6);
}

/* Plain bytes and valid UTF-8 from p: what is written as it is. */
static const unsigned char *verbatim(const unsigned char *p, const unsigned char *end)
{
        size_t u;

        while ((p = pa__js_plain(p, end)) < end && *p >= 0x80 &&
               (u = pa__utf8_len(p, (size_t)(end - p))))
                p += u;
        return p;
}

static int add_string(struct pa_buf *b, const char *s, size_t n, bool lossy)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
        int rc = pa__jw_put(b, "\"", 1);

        while (rc == 0 && p < end) {
                run = verbatim(p, end);
                if (run > p)
                        rc = pa__jw_put(b, p, (size_t)(run - p));
                if (rc || (p = run) == end)
                        break;
                if (*p < 0x80)
                        rc = add_escape(b, *p);
                else
                        rc = lossy ? PA__JW_LIT(b, "\xef\xbf\xbd") : PA_EINVAL;
                p++;
        }
        return rc ? rc : pa__jw_put(b, "\"", 1);
}

int pa__jw_string(struct pa_buf *b, const char *s, size_t n)
{
        return add_string(b, s, n, false);
}

int pa__jw_string_lossy(struct pa_buf *b, const char *s, size_t n)
{
        return add_string(b, s, n, true);
}

int pa__jw_cstr(struct pa_buf *b, const char *s)
{
        return s ? add_string(b, s, strlen(s), true) : PA__JW_LIT(b, "null");
}

int pa__jw_key(struct pa_buf *b, const char *key, bool first)
{
        int rc = first ? 0 : PA__JW_LIT(b, ",");

        if (rc == 0)
                rc = pa__jw_cstr(b, key);
        return rc ? rc : PA__JW_LIT(b, ":");
}

/* Digits of v, backwards, ending at end; returns where they start. */
static char *digits(char *end, unsigned long long v)
{
        do
                *--end = (char)('0' + v % 10);
        while (v /= 10);
        return end;
}

/* As "%lld" writes it. */
int pa__jw_int(struct pa_buf *b, long long v)
{
        char num[24], *end = num + sizeof(num), *p;

        p = digits(end, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v);
        if (v < 0)
                *--p = '-';
        return pa__jw_put(b, p, (size_t)(end - p));
}

/* jansson's jsonp_dtostr(): no '+' and no leading zeros in the exponent. */
static size_t trim_exponent(char *num, size_t n)
{
        char *start = strchr(num, 'e'), *end;

        if (!start)
                return n;
        start++;
        end = start + 1;
        if (*start == '-')
                start++;
        while (*end == '0')
                end++;
        if (end != start) {
                memmove(start, end, n - (size_t)(end - num) + 1);
                n -= (size_t)(end - start);
        }
        return n;
}

/* What printf("%.*g") + jsonp_dtostr() make of v, into num[40]. */
static size_t format_real(char *num, double v, int precision)
{
        int n = snprintf(num, 37, "%.*g", precision, v);

        if (n < 0 || n >= 37)
                return 0;
        if (!strchr(num, '.') && !strchr(num, 'e')) {
                memcpy(num + n, ".0", 3);
                n += 2;
        }
        return trim_exponent(num, (size_t)n);
}

/* A multiple of 1/1000 below 10^(precision - 3), as latencies in ms are:
 * "%.*g" writes its decimal digits exactly when precision is 15 or less
 * (a double's error, 2^-53, stays below half a unit of the last digit), so
 * they are made without printf. 0 when v is not one. */
static size_t format_millis(char *num, double v, int precision)
{
        static const double limit[16] = {0,   0,   0,   1,   1e1, 1e2,  1e3,  1e4,
                                         1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};
        char tmp[24], *end = tmp + sizeof(tmp), *p, *out = num;
        long long k;
        unsigned frac;

        if (precision < 3 || precision > 15 || !(v > 0 && v < limit[precision]))
                return 0;
        k = llround(v * 1000);
        if ((double)k / 1000 != v)
                return 0;
        frac = (unsigned)(k % 1000);
        p = digits(end, (unsigned long long)(k / 1000));
        memcpy(out, p, (size_t)(end - p));
        out += end - p;
        *out++ = '.';
        *out++ = (char)('0' + frac / 100);
        if (frac % 100)
                *out++ = (char)('0' + frac / 10 % 10);
        if (frac % 10)
                *out++ = (char)('0' + frac % 10);
        *out = '\0';
        return (size_t)(out - num);
}

/* Request bodies write the same temperature and top_p each time: the last
 * few of printf's slow formats, per thread. */
struct memo {
        double v;
        int precision;
        size_t len;
        char text[40];
};

static _Thread_local struct memo memo[4];

int pa__jw_real(struct pa_buf *b, double v, int precision)
{
        struct memo *m;
        uint64_t bits;
        char num[40];
        size_t n;

        if (!isfinite(v)) /* json_real() refuses them */
                return PA_EINVAL;
        if ((n = format_millis(num, v, precision)))
                return pa__jw_put(b, num, n);
        memcpy(&bits, &v, sizeof(bits));
        m = &memo[(bits ^ bits >> 32 ^ (uint64_t)precision) % 4];
        if (!m->len || m->precision != precision || memcmp(&m->v, &v, sizeof(v))) {
                if (!(n = format_real(m->text, v, precision)))
                        return PA_EINVAL;
                m->v = v;
                m->precision = precision;
                m->len = n;
        }
        return pa__jw_put(b, m->text, m->len);
}

/* What json_dumps(v, flags) writes. */
static int add_dump(struct pa_buf *b, const json_t *v, size_t flags)
{
        char *text = json_dumps(v, flags);
        int rc = text ? pa__buf_add(b, text, strlen(text)) : PA_ENOMEM;

        free(text);
        return rc;
}

int pa__jw_string_array(struct pa_buf *b, const json_t *a)
{
        const json_t *v;
        size_t i;
        int rc = PA__JW_LIT(b, "[");

        json_array_foreach(a, i, v)
        {
                if (rc == 0 && i)
                        rc = PA__JW_LIT(b, ",");
                if (rc)
                        break;
                /* Anything but a string is not what conf.stop holds: jansson writes it. */
                rc = json_is_string(v)
                         ? pa__jw_string(b, json_string_value(v), json_string_length(v))
                         : add_dump(b, v, JSON_COMPACT | JSON_ENCODE_ANY);
        }
        return rc ? rc : PA__JW_LIT(b, "]");
}

static int add_message(struct pa_buf *b, const char *role, const char *content)
{
        int rc = PA__JW_LIT(b, "{\"role\":");

        if (rc == 0)
                rc = pa__jw_string(b, role, strlen(role));
        if (rc == 0)
                rc = PA__JW_LIT(b, ",\"content\":");
        if (rc == 0)
                rc = pa__jw_string(b, content, strlen(content));
        return rc ? rc : PA__JW_LIT(b, "}");
}

int pa__jw_messages(struct pa_buf *b, const struct pa_job *job)
{
        const struct pa_case *c = &job->c;
        int rc;

        if (job->messages)
                return add_dump(b, job->messages, JSON_COMPACT);
        if (!c->prompt)
                return PA_EINVAL;
        rc = PA__JW_LIT(b, "[");
        if (rc == 0 && c->system && (rc = add_message(b, "system", c->system)) == 0)
                rc = PA__JW_LIT(b, ",");
        if (rc == 0)
                rc = add_message(b, "user", c->prompt);
        return rc ? rc : PA__JW_LIT(b, "]");
}
