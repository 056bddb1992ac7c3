/* regex scorer: true when a PCRE2 pattern matches anywhere in the response.
 * The pattern is compiled (and JIT-compiled) once; match data is per
 * thread, in the scratch. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
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

static int regex_compile(const json_t *spec, const char *where, void **state, struct pa_err *err)
{
        const char *pattern = json_string_value(json_object_get(spec, "pattern"));
        const json_t *jflags = json_object_get(spec, "flags");
        uint32_t opts = 0;
        int code;
        PCRE2_SIZE off;
        pcre2_code *re;

        if (!pattern)
                return pa_errf(err, PA_EINVAL, "%s/pattern: expected a string", where);
        if (jflags && (!json_is_string(jflags) || parse_flags(json_string_value(jflags), &opts)))
                return pa_errf(err, PA_EINVAL, "%s/flags: expected a string of i, m, s, x, u",
                               where);
        re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
        if (!re) {
                PCRE2_UCHAR msg[256];

                pcre2_get_error_message(code, msg, sizeof(msg));
                return pa_errf(err, PA_EINVAL, "%s/pattern: offset %zu: %s", where, (size_t)off,
                               (char *)msg);
        }
        /* JIT is an optimisation: without it (unsupported CPU) matching still works. */
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        *state = re;
        return 0;
}

static void *regex_scratch_new(const void *state)
{
        return pcre2_match_data_create_from_pattern(state, NULL);
}

static void regex_scratch_free(void *scratch)
{
        pcre2_match_data_free(scratch);
}

static enum pa_verdict regex_score(const void *state, void *scratch, const char *text, size_t len,
                                   const char *expected)
{
        int rc;

        (void)expected;
        rc = pcre2_match(state, (PCRE2_SPTR)text, len, 0, 0, scratch, NULL);
        if (rc >= 0)
                return PA_TRUE;
        /* Only "no match" is a false; a matching error (bad UTF) is not a verdict. */
        return rc == PCRE2_ERROR_NOMATCH ? PA_FALSE : PA_NA;
}

static void regex_free(void *state)
{
        pcre2_code_free(state);
}

const struct pa_scorer_ops pa_scorer_regex = {
    .name = "regex",
    .compile = regex_compile,
    .scratch_new = regex_scratch_new,
    .scratch_free = regex_scratch_free,
    .score = regex_score,
    .free = regex_free,
};
