/* contains scorer: the value occurs anywhere in the response. */
#include <string.h>

#include "parity/scorer.h"
#include "text.h"

static enum pa_verdict contains_score(const void *state, void *scratch, const char *text,
                                      size_t len, const char *expected)
{
        const struct pa_text_spec *t = state;
        const char *want = pa__text_value(t, expected);

        (void)scratch;
        if (!want)
                return PA_NA;
        return pa__text_find(text, len, want, strlen(want), t->caseless) ? PA_TRUE : PA_FALSE;
}

const struct pa_scorer_ops pa_scorer_contains = {
    .name = "contains",
    .compile = pa__text_compile,
    .score = contains_score,
    .free = pa__text_free,
};
