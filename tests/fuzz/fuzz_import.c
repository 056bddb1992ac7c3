/* The importers of public benchmarks (evaluator/import/), the first byte
 * choosing the importer and, for HolisticBias, which of its four files the
 * rest replaces (the others from tests/data/import/holistic). A failed
 * import leaves nothing behind; a finished one loads as a suite. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/suite.h"
#include "evaluator/import/import.h"
#include "fuzz.h"

static const char *const holistic[] = {"descriptors.json", "nouns.json", "sentence_templates.json",
                                       "standalone_noun_phrases.json"};

/* Files in d (the output folder). */
static size_t count(const char *d)
{
        DIR *h = opendir(d);
        struct dirent *de;
        size_t n = 0;

        while (h && (de = readdir(h)))
                n += de->d_name[0] != '.';
        if (h)
                closedir(h);
        return n;
}

/* What cmd_import does: import, then load the result. */
static int import(const char *format, char *in, const char *out)
{
        const struct pa_importer *imp = pa__importer_find(format);
        struct pa_import_opts o = {.out = out, .force = true};
        struct pa_import im;
        struct pa_suite s;
        struct pa_err err = {{0}};
        int rc = pa__import_begin(&im, &o, &err);

        if (rc == 0)
                rc = imp->run(&im, &in, 1, &err);
        if (rc == 0)
                rc = pa__import_end(&im, &err);
        pa__import_release(&im);
        if (rc == 0 && pa_suite_load(&s, out, &err))
                abort(); /* an import that succeeded made a suite that does not load */
        if (rc == 0)
                pa_suite_release(&s);
        return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *root = fuzz_tmp_dir();
        char in[512], outdir[512], out[600], from[512];
        unsigned mode;
        const char *format;

        if (size < 1 || !root)
                return 0;
        mode = data[0] % 7;
        snprintf(in, sizeof(in), "%s/in", root);
        snprintf(outdir, sizeof(outdir), "%s/out", root);
        snprintf(out, sizeof(out), "%s/s.json", outdir);
        if (fuzz_write(outdir, ".keep", NULL, 0))
                return 0;
        if (mode < 3) {
                static const char *const names[] = {"Age.jsonl", "crows.csv", "explicit.jsonl"};
                static const char *const formats[] = {"bbq", "crows-pairs", "discrim-eval"};

                if (fuzz_write(in, names[mode], data + 1, size - 1))
                        return 0;
                format = formats[mode];
                snprintf(in + strlen(in), sizeof(in) - strlen(in), "/%s", names[mode]);
        } else {
                for (unsigned i = 0; i < 4; i++) {
                        snprintf(from, sizeof(from), "%s/import/holistic/%s", FUZZ_DATA,
                                 holistic[i]);
                        if (i == mode - 3 ? fuzz_write(in, holistic[i], data + 1, size - 1)
                                          : fuzz_copy(from, in, holistic[i]))
                                return 0;
                }
                format = "holistic-bias";
        }
        if (import(format, in, out) && count(outdir))
                abort(); /* a failed import left files behind */
        fuzz_remove(outdir, "s.json");
        fuzz_remove(outdir, "s.items.jsonl");
        return 0;
}
