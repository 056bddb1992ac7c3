/* A validating JSON scanner that agrees with jansson's json_loadb() (see
 * jscan.h); the grammar is RFC 8259's, with jansson's limits. */
#include <string.h>

#include "parity/common.h"
#include "jscan.h"
#include "evaluator/util/util.h"

void pa__js_init(struct pa__js *s, const char *text, size_t len)
{
        s->p = text;
        s->end = text + len;
        s->depth = 0;
}

/* pa__js_peek(), inlined where the scanner looks for the next token. */
static inline int peek(struct pa__js *s)
{
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
                s->p++;
        return s->p < s->end ? (unsigned char)*s->p : 0;
}

int pa__js_peek(struct pa__js *s)
{
        return peek(s);
}

int pa__js_end(struct pa__js *s)
{
        peek(s);
        return s->p == s->end ? 0 : PA_EPROTO;
}

static bool is_digit(const char *p, const char *end)
{
        return p < end && *p >= '0' && *p <= '9';
}

static long hex4(const unsigned char *p)
{
        long v = 0;

        for (int i = 0; i < 4; i++) {
                int c = p[i];

                if (c >= '0' && c <= '9')
                        c -= '0';
                else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        c = (c | 0x20) - 'a' + 10;
                else
                        return -1;
                v = v << 4 | c;
        }
        return v;
}

static int utf8_encode(long cp, unsigned char out[4])
{
        if (cp < 0x80) {
                out[0] = (unsigned char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (unsigned char)(0xc0 | cp >> 6);
                out[1] = (unsigned char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (unsigned char)(0xe0 | cp >> 12);
                out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
                out[2] = (unsigned char)(0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (unsigned char)(0xf0 | cp >> 18);
        out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        out[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
}

/* A \u escape at p (its 'u'): its UTF-8 into out, its length in the text in
 * *used; -1 for what jansson refuses (lone surrogates, \u0000). */
static int unicode_escape(const unsigned char *p, const unsigned char *end, unsigned char out[4],
                          size_t *used)
{
        long cp, lo;

        if (end - p < 5 || (cp = hex4(p + 1)) < 0)
                return -1;
        *used = 5;
        if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 11 || p[5] != '\\' || p[6] != 'u' || (lo = hex4(p + 7)) < 0xdc00 ||
                    lo > 0xdfff)
                        return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                *used = 11;
        } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
                return -1;
        }
        return utf8_encode(cp, out);
}

/* The escape at p (after its backslash), as unicode_escape(). */
static int escape(const unsigned char *p, const unsigned char *end, unsigned char out[4],
                  size_t *used)
{
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *at;

        if (p >= end)
                return -1;
        if (*p == 'u')
                return unicode_escape(p, end, out, used);
        if (!*p || !(at = strchr(from, *p)))
                return -1;
        out[0] = (unsigned char)to[at - from];
        *used = 1;
        return 1;
}

/* Appends k decoded bytes, as far as cap allows. */
static void put(char *dst, size_t cap, size_t *n, const void *src, size_t k)
{
        if (dst && *n < cap)
                memcpy(dst + *n, src, k < cap - *n ? k : cap - *n);
        *n += k;
}

int pa__js_string(struct pa__js *s, char *dst, size_t cap, size_t *len)
{
        const unsigned char *p = (const unsigned char *)s->p, *end = (const unsigned char *)s->end;
        size_t n = 0, used;
        unsigned char esc[4];
        int k;

        if (p >= end || *p++ != '"')
                return PA_EPROTO;
        for (;;) {
                const unsigned char *run = p;

                p = pa__js_plain(p, end);
                put(dst, cap, &n, run, (size_t)(p - run));
                if (p >= end)
                        return PA_EPROTO;
                if (*p == '"')
                        break;
                if (*p == '\\') {
                        if ((k = escape(p + 1, end, esc, &used)) < 0)
                                return PA_EPROTO;
                        put(dst, cap, &n, esc, (size_t)k);
                        p += 1 + used;
                } else if (*p >= 0x80 && (k = (int)pa__utf8_len(p, (size_t)(end - p)))) {
                        put(dst, cap, &n, p, (size_t)k);
                        p += k;
                } else {
                        return PA_EPROTO; /* a control byte or invalid UTF-8 */
                }
        }
        s->p = (const char *)p + 1;
        *len = n;
        return 0;
}

/* A number's fraction and exponent, if any (*real then): the exponent when
 * positive, capped (only whether it passes 300 matters), else 0; -1 when
 * malformed. */
static long real_part(const char **pp, const char *end, bool *real)
{
        const char *p = *pp;
        bool neg = false;
        long e = 0;

        if (p < end && *p == '.') {
                if (!is_digit(++p, end))
                        return -1;
                while (is_digit(p, end))
                        p++;
                *real = true;
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
                if (++p < end && (*p == '+' || *p == '-'))
                        neg = *p++ == '-';
                if (!is_digit(p, end))
                        return -1;
                for (; is_digit(p, end); p++)
                        if (e < 100000)
                                e = e * 10 + (*p - '0');
                *real = true;
        }
        *pp = p;
        return neg ? 0 : e;
}

int pa__js_number(struct pa__js *s, long long *v, bool *is_int)
{
        const char *p = s->p, *end = s->end, *digits;
        bool neg = p < end && *p == '-', real = false;
        long long acc = 0;
        long e;
        size_t nint;

        if (neg)
                p++;
        digits = p;
        if (!is_digit(p, end))
                return PA_EPROTO;
        if (*p == '0') {
                if (is_digit(++p, end)) /* a leading zero */
                        return PA_EPROTO;
        } else {
                while (is_digit(p, end))
                        p++;
        }
        nint = (size_t)(p - digits);
        if ((e = real_part(&p, end, &real)) < 0)
                return PA_EPROTO;
        /* Past json_int_t, or a real that may overflow: jansson decides. */
        if ((!real && nint > 18) || (real && nint + (size_t)e > 300))
                return PA_EPROTO;
        for (const char *d = digits; !real && d < digits + nint; d++)
                acc = acc * 10 + (*d - '0');
        *v = neg ? -acc : acc;
        *is_int = !real;
        s->p = p;
        return 0;
}

static int literal(struct pa__js *s, const char *word, size_t n)
{
        if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
                return PA_EPROTO;
        s->p += n;
        return 0;
}

/* Past '{' or '[', within jansson's depth (ours is lower). */
static int enter(struct pa__js *s, char c)
{
        if (peek(s) != c || ++s->depth > PA__JS_MAX_DEPTH)
                return PA_EPROTO;
        s->p++;
        return 0;
}

/* Whether the key (no NUL bytes: jansson refuses them) is want. */
static bool key_is(const char *key, size_t len, const char *want)
{
        for (size_t i = 0; i < len; i++)
                if (want[i] != key[i])
                        return false;
        return want[len] == '\0';
}

/* The index in keys[] of the key at the cursor, n_keys when not there. */
static int read_key(struct pa__js *s, const char *const *keys, size_t n_keys, size_t *k)
{
        const char *raw = s->p + 1, *key = raw;
        const unsigned char *q =
            pa__js_plain((const unsigned char *)raw, (const unsigned char *)s->end);
        char buf[64];
        size_t len;

        if (q < (const unsigned char *)s->end && *q == '"') { /* the usual plain key */
                len = (size_t)((const char *)q - raw);
                s->p = (const char *)q + 1;
        } else if (pa__js_string(s, NULL, 0, &len)) {
                return PA_EPROTO;
        }
        /* Shorter decoded than in the text: escapes, decoded into buf (a key
         * longer than buf is none of the wanted ones). */
        if (len != (size_t)(s->p - raw - 1)) {
                struct pa__js again = {raw - 1, s->end, 0};

                if (len > sizeof(buf)) {
                        *k = n_keys;
                        return 0;
                }
                if (pa__js_string(&again, buf, sizeof(buf), &len))
                        return PA_EPROTO;
                key = buf;
        }
        for (*k = 0; *k < n_keys && !key_is(key, len, keys[*k]); ++*k)
                ;
        return 0;
}

/* Past the opening bracket on the first call, past the comma before each
 * later item: 1 with the cursor on the next item, 0 past the closing
 * bracket. */
static int next_item(struct pa__js *s, struct pa__js_iter *it, char open, char close)
{
        int c;

        if (it->n == 0 && enter(s, open))
                return PA_EPROTO;
        c = peek(s);
        if (c == close) {
                s->p++;
                s->depth--;
                return 0;
        }
        if (it->n) {
                if (c != ',')
                        return PA_EPROTO;
                s->p++;
        }
        return 1;
}

int pa__js_member(struct pa__js *s, struct pa__js_iter *it, const char *const *keys, size_t n_keys,
                  size_t *k)
{
        int rc = next_item(s, it, '{', '}');

        if (rc <= 0)
                return rc;
        if (peek(s) != '"' || read_key(s, keys, n_keys, k) || peek(s) != ':')
                return PA_EPROTO;
        s->p++;
        it->n++;
        if (*k < n_keys) {
                if (it->seen >> *k & 1)
                        return PA_EPROTO;
                it->seen |= 1u << *k;
        }
        return 1;
}

int pa__js_element(struct pa__js *s, struct pa__js_iter *it)
{
        int rc = next_item(s, it, '[', ']');

        if (rc > 0)
                it->n++;
        return rc;
}

int pa__js_skip(struct pa__js *s)
{
        struct pa__js_iter it = {0};
        long long v;
        bool is_int;
        size_t n;
        int rc;

        switch (peek(s)) {
        case '{':
                while ((rc = pa__js_member(s, &it, NULL, 0, &n)) > 0)
                        if ((rc = pa__js_skip(s)))
                                return rc;
                return rc;
        case '[':
                while ((rc = pa__js_element(s, &it)) > 0)
                        if ((rc = pa__js_skip(s)))
                                return rc;
                return rc;
        case '"':
                return pa__js_string(s, NULL, 0, &n);
        case 't':
                return literal(s, "true", 4);
        case 'f':
                return literal(s, "false", 5);
        case 'n':
                return literal(s, "null", 4);
        default:
                return pa__js_number(s, &v, &is_int);
        }
}
