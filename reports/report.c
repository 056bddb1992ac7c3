/* The reporter family: the table of formats and writing one into a run
 * folder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/report.h"
#include "evaluator/util/util.h"

extern const struct pa_reporter_ops pa_reporter_json;
extern const struct pa_reporter_ops pa_reporter_text;
extern const struct pa_reporter_ops pa_reporter_markdown;
extern const struct pa_reporter_ops pa_reporter_html;
extern const struct pa_reporter_ops pa_reporter_junit;
extern const struct pa_reporter_ops pa_reporter_diff_json;
extern const struct pa_reporter_ops pa_reporter_diff_text;

static const struct pa_reporter_ops *const reporter_table[] = {
    &pa_reporter_json,  &pa_reporter_text,      &pa_reporter_markdown,  &pa_reporter_html,
    &pa_reporter_junit, &pa_reporter_diff_json, &pa_reporter_diff_text, NULL,
};

const struct pa_reporter_ops *pa_reporter_find(const char *name)
{
        for (size_t i = 0; reporter_table[i]; i++)
                if (reporter_table[i]->file && !strcmp(reporter_table[i]->name, name))
                        return reporter_table[i];
        return NULL;
}

const struct pa_reporter_ops *pa_reporter_find_diff(const char *name)
{
        for (size_t i = 0; reporter_table[i]; i++)
                if (reporter_table[i]->diff_file && !strcmp(reporter_table[i]->name, name))
                        return reporter_table[i];
        return NULL;
}

int pa_report_write(const struct pa_reporter_ops *ops, const char *dir, const json_t *summary,
                    struct pa_err *err)
{
        struct pa_report_doc doc = {.summary = summary};

        return pa_report_write_doc(ops, dir, &doc, err);
}

int pa_report_write_doc(const struct pa_reporter_ops *ops, const char *dir,
                        const struct pa_report_doc *doc, struct pa_err *err)
{
        const char *name = doc->diff ? ops->diff_file : ops->file;
        char *path, *data = NULL;
        size_t len = 0;
        FILE *f;
        int rc;

        if (!name || (doc->diff && !ops->render) || (!doc->diff && !ops->render && !ops->write))
                return pa_errf(err, PA_ENOTSUP, "format '%s' has no %s view", ops->name,
                               doc->diff ? "diff" : "run");
        if (!(path = pa__path_join(dir, name)))
                return PA_ENOMEM;
        /* Rendered in memory first, so a failed report never truncates an old one. */
        f = open_memstream(&data, &len);
        if (!f) {
                free(path);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        rc = ops->render ? ops->render(doc, f, err) : ops->write(doc->summary, f, err);
        if (fclose(f) != 0 && rc == 0)
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        if (rc == 0)
                rc = pa__write_file_atomic(path, data, len, err);
        free(data);
        free(path);
        return rc;
}
