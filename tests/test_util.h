/* Shared by the cmocka tests: where the test data lives. */
#ifndef PA_TEST_UTIL_H
#define PA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* PARITY_TEST_DATA/rel in buf (meson sets the variable). */
static inline const char *test_path(char *buf, size_t n, const char *rel)
{
        const char *dir = getenv("PARITY_TEST_DATA");

        snprintf(buf, n, "%s/%s", dir ? dir : "tests/data", rel);
        return buf;
}

#endif
