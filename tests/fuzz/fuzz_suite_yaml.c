/* The YAML suite reader over any bytes: an error or a tree, never a crash,
 * a leak or a hang; and a tree it reads, written back as YAML, reads back
 * as the same tree (what `parity suite convert` promises). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/suite.h"
#include "evaluator/suite/schema.h"
#include "fuzz.h"

static void round_trip(const json_t *root)
{
        const char *out = fuzz_tmp((const uint8_t *)"", 0, "back.yaml");
        char path[4096];
        struct pa_err err = {{0}};
        json_t *back = NULL;

        if (!out || strlen(out) >= sizeof(path))
                return;
        strcpy(path, out);
        unlink(path); /* pa__suite_convert writes it anew */
        if (pa__suite_convert(root, path, &err) == 0) {
                if (pa__yaml_load_regular(path, "back", 0, 1 << 28, &back, NULL, &err) ||
                    !json_equal(back, root))
                        abort();
                json_decref(back);
        }
        fuzz_tmp_done();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pa_err err = {{0}};
        struct pa_suite s;
        json_t *root = NULL;
        const char *path;

        if (pa__yaml_parse((const char *)data, size, "fuzz", &root, &err) == 0) {
                round_trip(root);
                json_decref(root);
        }
        if (!(path = fuzz_tmp(data, size, "suite.yaml")))
                return 0;
        if (pa_suite_load(&s, path, &err) == 0 && (s.n_cases == 0 || s.n_cases > PA_MAX_CASES))
                abort();
        pa_suite_release(&s);
        fuzz_tmp_done();
        return 0;
}
