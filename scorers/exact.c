/* exact scorer: the response, without surrounding white space and a final
 * full stop, equals the value. Models add "." and newlines to one-word
 * answers; anything more is not the exact answer. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parity/scorer.h"
#include "text.h"

static enum pa_verdict exact_score(const void *state, void *scratch, const char *text, size_t len,
                                   const char *expected)
{
        const char *want = pa__text_value(state, expected);
        const struct pa_text_spec *t = state;
        size_t wlen;

        (void)scratch;
        if (!want)
                return PA_NA;
        while (len && isspace((unsigned char)*text))
                text++, len--;
        while (len && isspace((unsigned char)text[len - 1]))
                len--;
        if (len && text[len - 1] == '.')
                len--;
        wlen = strlen(want);
        if (len != wlen)
                return PA_FALSE;
        return (t->caseless ? strncasecmp(text, want, len) : memcmp(text, want, len)) ? PA_FALSE
                                                                                      : PA_TRUE;
}

const struct pa_scorer_ops pa_scorer_exact = {
    .name = "exact",
    .compile = pa__text_compile,
    .score = exact_score,
    .free = pa__text_free,
};
