/* Shared by the exact and contains scorers: a literal value (or the item's
 * expected answer) and a case flag. */
#ifndef PA_SCORERS_TEXT_H
#define PA_SCORERS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "parity/common.h"

struct pa_text_spec {
        char *value; /* NULL: use the item's expected answer */
        bool caseless;
};

int pa__text_compile(const json_t *spec, const char *where, void **state, struct pa_err *err);
void pa__text_free(void *state);
/* The value to compare with: the spec's or the item's; NULL when neither. */
const char *pa__text_value(const struct pa_text_spec *t, const char *expected);
/* memmem, optionally ASCII-caseless. */
bool pa__text_find(const char *hay, size_t hlen, const char *needle, size_t nlen, bool caseless);

#endif
