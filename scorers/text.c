/* Helpers of the literal-text scorers (text.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

int pa__text_compile(const json_t *spec, const char *where, void **state, struct pa_err *err)
{
        const json_t *value = json_object_get(spec, "value");
        const json_t *flags = json_object_get(spec, "flags");
        struct pa_text_spec *t;

        if (value && !json_is_string(value))
                return pa_errf(err, PA_EINVAL, "%s/value: expected a string", where);
        if (flags && (!json_is_string(flags) ||
                      strspn(json_string_value(flags), "i") != json_string_length(flags)))
                return pa_errf(err, PA_EINVAL, "%s/flags: expected \"i\" or \"\"", where);
        t = calloc(1, sizeof(*t));
        if (!t)
                return PA_ENOMEM;
        t->caseless = flags && json_string_length(flags) > 0;
        if (value && !(t->value = strdup(json_string_value(value)))) {
                free(t);
                return PA_ENOMEM;
        }
        *state = t;
        return 0;
}

void pa__text_free(void *state)
{
        struct pa_text_spec *t = state;

        if (t)
                free(t->value);
        free(t);
}

const char *pa__text_value(const struct pa_text_spec *t, const char *expected)
{
        return t->value ? t->value : expected;
}

bool pa__text_find(const char *hay, size_t hlen, const char *needle, size_t nlen, bool caseless)
{
        if (!caseless)
                return memmem(hay, hlen, needle, nlen) != NULL;
        for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
                if (!strncasecmp(hay + i, needle, nlen))
                        return true;
        return false;
}
