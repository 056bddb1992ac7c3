/* regex scorer: true when a PCRE2 pattern matches anywhere in the response.
 * The pattern is compiled (and JIT-compiled) once; match data is per
 * thread, in the scratch. A scorer without "pattern" takes each item's
 * "expected" as its pattern (a per-item regex, checked when the suite
 * loads): those are compiled as they come and kept in the thread's
 * scratch, the last few of them. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/scorer.h"

static int parse_flags(const char *flags, uint32_t *opts)
{
        for (const char *f = flags; *f; f++) {
                switch (*f) {
                case 'i':
                        *opts |= PCRE2_CASELESS;
                        break;
                case 'm':
                        *opts |= PCRE2_MULTILINE;
                        break;
                case 's':
                        *opts |= PCRE2_DOTALL;
                        break;
                case 'x':
                        *opts |= PCRE2_EXTENDED;
                        break;
                case 'u':
                        *opts |= PCRE2_UTF | PCRE2_UCP;
                        break;
                default:
                        return -1;
                }
        }
        return 0;
}

struct regex {
        pcre2_code *re; /* NULL: each item's expected is its pattern */
        uint32_t opts;
};

/* The per-item patterns a thread keeps compiled. */
#define KEEP 16

struct scratch {
        pcre2_match_data *md; /* one pair: a match is all that is asked */
        struct {
                char *pattern;
                pcre2_code *re;
        } kept[KEEP];
        size_t next; /* the slot replaced next */
};

static pcre2_code *compile(const char *pattern, uint32_t opts, const char *where,
                           struct pa_err *err)
{
        int code;
        PCRE2_SIZE off;
        pcre2_code *re =
            pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);

        if (!re) {
                PCRE2_UCHAR msg[256];

                pcre2_get_error_message(code, msg, sizeof(msg));
                pa_errf(err, PA_EINVAL, "%s: offset %zu: %s", where, (size_t)off, (char *)msg);
                return NULL;
        }
        /* JIT is an optimisation: without it (unsupported CPU) matching still works. */
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        return re;
}

static int regex_compile(const json_t *spec, const char *where, void **state, struct pa_err *err)
{
        const json_t *jpat = json_object_get(spec, "pattern");
        const json_t *jflags = json_object_get(spec, "flags");
        struct regex *r;
        char w[512];

        if (jpat && !json_is_string(jpat))
                return pa_errf(err, PA_EINVAL, "%s/pattern: expected a string", where);
        if (!(r = calloc(1, sizeof(*r))))
                return PA_ENOMEM;
        if (jflags &&
            (!json_is_string(jflags) || parse_flags(json_string_value(jflags), &r->opts))) {
                free(r);
                return pa_errf(err, PA_EINVAL, "%s/flags: expected a string of i, m, s, x, u",
                               where);
        }
        snprintf(w, sizeof(w), "%s/pattern", where);
        if (jpat && !(r->re = compile(json_string_value(jpat), r->opts, w, err))) {
                free(r);
                return PA_EINVAL;
        }
        *state = r;
        return 0;
}

/* Without a pattern of its own, an item's expected must be one. */
static int regex_check_item(const void *state, const char *expected, const char *where,
                            struct pa_err *err)
{
        const struct regex *r = state;
        char w[512];
        pcre2_code *re;

        if (r->re)
                return 0;
        if (!expected)
                return pa_errf(err, PA_EINVAL,
                               "%s: missing key \"expected\" (a regex scorer of the item has no "
                               "pattern: the item's expected is its pattern)",
                               where);
        snprintf(w, sizeof(w), "%s/expected: as the pattern of a regex scorer", where);
        if (!(re = compile(expected, r->opts, w, err)))
                return PA_EINVAL;
        pcre2_code_free(re);
        return 0;
}

static void *regex_scratch_new(const void *state)
{
        struct scratch *s = calloc(1, sizeof(*s));

        (void)state;
        if (s && !(s->md = pcre2_match_data_create(1, NULL))) {
                free(s);
                return NULL;
        }
        return s;
}

static void regex_scratch_free(void *scratch)
{
        struct scratch *s = scratch;

        if (!s)
                return;
        for (size_t i = 0; i < KEEP; i++) {
                free(s->kept[i].pattern);
                pcre2_code_free(s->kept[i].re);
        }
        pcre2_match_data_free(s->md);
        free(s);
}

/* The compiled item pattern, from the thread's kept ones or new. */
static const pcre2_code *item_pattern(const struct regex *r, struct scratch *s, const char *p)
{
        size_t i;

        for (i = 0; i < KEEP; i++)
                if (s->kept[i].pattern && !strcmp(s->kept[i].pattern, p))
                        return s->kept[i].re;
        i = s->next;
        s->next = (s->next + 1) % KEEP;
        free(s->kept[i].pattern);
        pcre2_code_free(s->kept[i].re);
        s->kept[i].pattern = strdup(p);
        s->kept[i].re = s->kept[i].pattern ? compile(p, r->opts, "", NULL) : NULL;
        return s->kept[i].re;
}

static enum pa_verdict regex_score(const void *state, void *scratch, const char *text, size_t len,
                                   const char *expected)
{
        const struct regex *r = state;
        struct scratch *s = scratch;
        const pcre2_code *re = r->re;
        int rc;

        if (!re && (!expected || !(re = item_pattern(r, s, expected))))
                return PA_NA;
        rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, s->md, NULL);
        /* 0: a match, the match data too small to say where (one pair). */
        if (rc >= 0)
                return PA_TRUE;
        /* Only "no match" is a false; a matching error (bad UTF) is not a verdict. */
        return rc == PCRE2_ERROR_NOMATCH ? PA_FALSE : PA_NA;
}

static void regex_free(void *state)
{
        struct regex *r = state;

        if (r)
                pcre2_code_free(r->re);
        free(r);
}

const struct pa_scorer_ops pa_scorer_regex = {
    .name = "regex",
    .compile = regex_compile,
    .scratch_new = regex_scratch_new,
    .scratch_free = regex_scratch_free,
    .score = regex_score,
    .free = regex_free,
    .check_item = regex_check_item,
};
