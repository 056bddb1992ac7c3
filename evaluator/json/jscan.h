/* evaluator/json/: JSON on the hot path, read (answers) and written (requests, records) without
 * jansson. */
/* Private: a validating JSON scanner over a buffer, for the hot path of
 * answer parsing (evaluator/engines/openai.c). It walks an object's
 * members, skips values, decodes strings and reads integers, without
 * allocating.
 *
 * It accepts only text jansson's json_loadb(text, len, 0) accepts, and
 * reads values as jansson would: strings strictly UTF-8, escapes with
 * \uXXXX surrogate pairs, no \u0000, integers as json_int_t. Where
 * matching jansson would take more than it is worth (nesting deeper than
 * PA__JS_MAX_DEPTH, integers of 19 digits or more, reals near overflow, a
 * wanted key given twice: jansson keeps the last) it fails as it does on
 * malformed text: callers then fall back to jansson, which decides and
 * words the error. tests/test_jscan.c holds it to the library.
 *
 * Functions return 0 (or 1, as documented) or PA_EPROTO; after a failure
 * the scanner's position is unspecified. */
#ifndef PA_JSCAN_H
#define PA_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PA__JS_MAX_DEPTH 128

/* The first byte from p that a JSON string cannot hold as it is: a control
 * byte, '"', '\\', or one of 0x80 and above (UTF-8, to be checked). Eight
 * bytes at a time where the text has them. */
static inline const unsigned char *pa__js_plain(const unsigned char *p, const unsigned char *end)
{
        const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

        while (end - p >= 8) {
                uint64_t x, q, b, m;

                memcpy(&x, p, 8);
                q = x ^ (ones * '"');
                b = x ^ (ones * '\\');
                /* The high bit of each byte < 0x20, '"', '\\' or >= 0x80; the
                 * first one flagged is exact (borrows only run upwards). */
                m = (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & highs;
                if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                        return p + (__builtin_ctzll(m) >> 3);
#else
                        break;
#endif
                }
                p += 8;
        }
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
                p++;
        return p;
}

struct pa__js {
        const char *p, *end;
        unsigned depth;
};

/* Iterating an object's members or an array's elements: zeroed first. */
struct pa__js_iter {
        size_t n;      /* members or elements so far */
        unsigned seen; /* bit k: keys[k] met */
};

void pa__js_init(struct pa__js *s, const char *text, size_t len);

/* Skips whitespace; the first byte of the next value ('{', '[', '"', '-'
 * or a digit, 't', 'f', 'n'; anything else is malformed), 0 at the end. */
int pa__js_peek(struct pa__js *s);

/* Validates the value at the cursor and moves past it. */
int pa__js_skip(struct pa__js *s);

/* The next member of the object at the cursor (its '{' on the first call):
 * 1 with the cursor on the member's value, which the caller must read or
 * skip, and *k the index of its key in keys[] (n_keys when not there; at
 * most 32 keys); 0 past the closing '}'. A key of keys[] met twice fails. */
int pa__js_member(struct pa__js *s, struct pa__js_iter *it, const char *const *keys, size_t n_keys,
                  size_t *k);

/* The next element of the array at the cursor: 1 with the cursor on it
 * (it->n counts from 1), 0 past the closing ']'. */
int pa__js_element(struct pa__js *s, struct pa__js_iter *it);

/* The string at the cursor: *len its decoded length; the first
 * min(*len, cap) decoded bytes into dst when dst is not NULL. */
int pa__js_string(struct pa__js *s, char *dst, size_t cap, size_t *len);

/* The number at the cursor: *is_int when jansson reads it as an integer,
 * then its value in *v. */
int pa__js_number(struct pa__js *s, long long *v, bool *is_int);

/* 0 when only whitespace is left. */
int pa__js_end(struct pa__js *s);

#endif
