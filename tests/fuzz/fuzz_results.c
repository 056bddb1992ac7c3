/* The results.jsonl reader: records only behind an intact chain, never a
 * crash or a leak. */
#include <stdlib.h>

#include <jansson.h>

#include "parity/result.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *path = fuzz_tmp(data, size, "results.jsonl");
        json_t *records = NULL;
        struct pa_err err = {{0}};

        if (!path)
                return 0;
        if (pa_results_load(path, &records, &err) == 0 && !json_is_array(records))
                abort();
        json_decref(records);
        fuzz_tmp_done();
        return 0;
}
