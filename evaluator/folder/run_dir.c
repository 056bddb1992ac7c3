/* Finished run folders read back (run_dir.h) for the score, report,
 * summary, verify and diff commands: the summary and its reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/evidence.h"
#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "evaluator/util/util.h"
#include "run_dir.h"
#include "suite_copy.h"

int pa_run_dir_open(struct pa_run_dir *r, const char *dir, struct pa_err *err)
{
        return pa_run_dir_open_with(r, dir, NULL, err);
}

/* err's message with "run folder 'dir': " in front. */
static int in_folder(const char *dir, int rc, struct pa_err *err)
{
        char msg[sizeof(err->msg)];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        return pa_errf(err, rc, "run folder '%s': %s", dir, msg);
}

int pa_run_dir_open_with(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err)
{
        char *res = NULL;
        int rc = PA_ENOMEM;

        memset(r, 0, sizeof(*r));
        if (!(r->dir = strdup(dir)))
                goto out;
        if ((rc = pa__manifest_read(dir, &r->manifest, err))) {
                rc = in_folder(dir, rc, err);
                goto out;
        }
        if (s) {
                r->suite = *s;
                r->suite_borrowed = true;
        } else if ((rc = pa__suite_copy_load(dir, r->manifest, &r->suite, err))) {
                rc = in_folder(dir, rc, err);
                goto out;
        }
        rc = PA_ENOMEM;
        if ((res = pa__path_join(dir, "results.jsonl")))
                rc = pa_results_load_head(res, &r->records, r->head, err);
out:
        free(res);
        return rc;
}

void pa_run_dir_release(struct pa_run_dir *r)
{
        if (!r)
                return;
        json_decref(r->manifest);
        json_decref(r->records);
        if (!r->suite_borrowed)
                pa_suite_release(&r->suite);
        free(r->dir);
        memset(r, 0, sizeof(*r));
}

void pa_run_dir_analysis_conf(const json_t *manifest, double alpha, struct pa_analysis_conf *c)
{
        const json_t *t = json_object_get(json_object_get(manifest, "thresholds"), "content");
        const char *corr = json_string_value(json_object_get(t, "correction"));

        pa_analysis_conf_init(c);
        c->alpha = alpha;
        pa_json_number(json_object_get(t, "alpha"), &c->alpha); /* sealed: a decimal string */
        pa_json_number(json_object_get(t, "min_diff"), &c->min_diff);
        pa_json_number(json_object_get(t, "min_impact_ratio"), &c->min_impact_ratio);
        if (corr && !strcmp(corr, "holm"))
                c->correction = PA_ADJ_HOLM;
        /* parity run --inference: recorded so verify recomputes the same */
        pa_inference_parse(
            json_string_value(json_object_get(json_object_get(manifest, "analysis"), "inference")),
            &c->inference);
}

int pa_run_dir_summary(const struct pa_run_dir *r, double alpha, json_t **summary,
                       struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(r->manifest, "run_id"));
        json_t *latest = pa_results_latest(r->records); /* a resumed pair's last record */
        struct pa_analysis_conf c;
        int rc;

        if (!latest)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        pa_run_dir_analysis_conf(r->manifest, alpha, &c);
        rc = pa_summary_analyse(&r->suite, latest, id, &c, summary, err);
        json_decref(latest);
        return rc;
}

int pa_run_dir_write_summary(const struct pa_run_dir *r, const json_t *summary, bool quiet,
                             struct pa_err *err)
{
        const struct pa_reporter_ops *fmts[] = {pa_reporter_find("json"), pa_reporter_find("text"),
                                                pa_reporter_find("md"), pa_reporter_find("html"),
                                                pa_reporter_find("junit")};
        const struct pa_report_doc doc = {.summary = summary, .manifest = r->manifest};
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < sizeof(fmts) / sizeof(*fmts); i++)
                rc = pa_report_write_doc(fmts[i], r->dir, &doc, err);
        if (rc == 0 && !quiet)
                rc = fmts[1]->write(summary, stdout, err);
        return rc;
}

int pa_run_dir_summarise(struct pa_run_dir *r, double alpha, bool quiet, struct pa_err *err)
{
        json_t *summary = NULL;
        int rc = pa_run_dir_summary(r, alpha, &summary, err);

        if (rc == 0)
                rc = pa_run_dir_write_summary(r, summary, quiet, err);
        json_decref(summary);
        return rc;
}
