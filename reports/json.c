/* summary.json: the machine-readable summary (docs/formats.md). */
#include "parity/report.h"

static int json_write(const json_t *summary, FILE *f, struct pa_err *err)
{
        /* 15 digits: a third party recomputing a figure gets it to 1e-15. */
        if (json_dumpf(summary, f, JSON_INDENT(1) | JSON_REAL_PRECISION(15)) ||
            fputc('\n', f) == EOF)
                return pa_errf(err, PA_EIO, "cannot write summary.json");
        return 0;
}

const struct pa_reporter_ops pa_reporter_json = {
    .name = "json",
    .file = "summary.json",
    .write = json_write,
};
