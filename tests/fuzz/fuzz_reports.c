/* The reporters over a summary.json or diff.json read from a folder (the
 * first byte chooses which): every format renders it or says why not,
 * never a crash, a leak or a runaway output. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "parity/report.h"
#include "fuzz.h"

static const char *const formats[] = {"text", "md", "html", "junit", "json"};

static json_t *manifest, *audit;
static FILE *devnull;

static int setup(void)
{
        json_error_t je;

        manifest = json_load_file(FUZZ_DATA "/report/base/manifest.json", 0, &je);
        audit = json_load_file(FUZZ_DATA "/report/base/audit.json", 0, &je);
        devnull = fopen("/dev/null", "w");
        return manifest && audit && devnull ? 0 : -1;
}

static void render(const struct pa_reporter_ops *ops, const struct pa_report_doc *doc)
{
        struct pa_err err = {{0}};

        if (!ops)
                return;
        if (ops->render)
                ops->render(doc, devnull, &err);
        else if (ops->write && doc->summary)
                ops->write(doc->summary, devnull, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pa_report_doc doc = {0};
        bool diff;
        json_t *v;

        if (!devnull && setup())
                abort(); /* no fixtures: nothing would be tested */
        if (size < 1)
                return 0;
        diff = data[0] & 1;
        v = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(v)) {
                json_decref(v);
                return 0;
        }
        if (diff)
                doc.diff = v;
        else
                doc = (struct pa_report_doc){.summary = v, .manifest = manifest, .audit = audit};
        for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
                render(diff ? pa_reporter_find_diff(formats[i]) : pa_reporter_find(formats[i]),
                       &doc);
        json_decref(v);
        return 0;
}
