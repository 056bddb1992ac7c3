/* The suite loader over any bytes: an error or a suite, never a crash, a
 * leak or an unbounded case count (issue 14: 2^64 cases wrapped to 0,
 * qsort(NULL, 0) for a suite without items). */
#include <stdlib.h>

#include "parity/suite.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *path = fuzz_tmp(data, size, "suite.json");
        struct pa_suite s;
        struct pa_err err = {{0}};

        if (!path)
                return 0;
        if (pa_suite_load(&s, path, &err) == 0 && (s.n_cases == 0 || s.n_cases > PA_MAX_CASES))
                abort(); /* a loaded suite has between 1 and the cap cases */
        pa_suite_release(&s);
        fuzz_tmp_done();
        return 0;
}
