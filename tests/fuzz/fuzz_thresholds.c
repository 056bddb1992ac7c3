/* Pre-registered thresholds (docs/formats.md, "Thresholds"): parsed, then
 * checked against a real suite and resolved, never a crash or a leak. */
#include <stdlib.h>

#include "parity/evidence.h"
#include "parity/suite.h"
#include "fuzz.h"

static struct pa_suite suite;
static bool loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pa_thresholds t;
        struct pa_err err = {{0}};
        json_t *resolved;

        if (!loaded && pa_suite_load(&suite, FUZZ_DATA "/report/base/suite/suite.json", &err))
                abort(); /* the fixture suite must load */
        loaded = true;
        if (pa_thresholds_parse(&t, "fuzz.json", (const char *)data, size, &err))
                return 0; /* t is released on failure */
        if (!t.set)
                abort();
        pa_thresholds_check_suite(&t, &suite, &err);
        resolved = pa_thresholds_resolved(&t);
        json_decref(resolved);
        pa_thresholds_release(&t);
        return 0;
}
