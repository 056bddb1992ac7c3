/* The end of a run and finished run folders (run.h): the summary and its
 * reports, the seal with its audit hook, and reading a folder back for the
 * score, report and summary commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "run.h"
#include "evaluator/util/util.h"

int pa_run_dir_open(struct pa_run_dir *r, const char *dir, struct pa_err *err)
{
        return pa_run_dir_open_with(r, dir, NULL, err);
}

int pa_run_dir_open_with(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err)
{
        char *mpath = pa__path_join(dir, "manifest.json"), *suite = NULL, *res = NULL;
        const char *spath;
        json_error_t je;
        int rc = PA_ENOMEM;

        memset(r, 0, sizeof(*r));
        if (!mpath || !(r->dir = strdup(dir)))
                goto out;
        if (!(r->manifest = json_load_file(mpath, 0, &je))) {
                rc = pa_errf(err, PA_EINVAL, "run folder '%s': manifest.json: %s", dir, je.text);
                goto out;
        }
        spath = json_string_value(json_object_get(json_object_get(r->manifest, "suite"), "path"));
        if (!spath) {
                rc = pa_errf(err, PA_EINVAL,
                             "run folder '%s': manifest.json: /suite/path: expected a string", dir);
                goto out;
        }
        rc = PA_ENOMEM;
        if (!(suite = pa__path_join(dir, "suite")) || !(res = pa__path_join(dir, "results.jsonl")))
                goto out;
        free(mpath);
        if (!(mpath = pa__path_join(suite, pa__basename(spath))))
                goto out;
        if (s) {
                r->suite = *s;
                r->suite_borrowed = true;
        }
        rc = s ? 0 : pa_suite_load(&r->suite, mpath, err);
        if (rc == 0)
                rc = pa_results_load(res, &r->records, err);
out:
        free(mpath);
        free(suite);
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

/* Pre-registered thresholds, when the run has them, decide the findings. */
static void analysis_conf(const json_t *manifest, double alpha, struct pa_analysis_conf *c)
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
}

int pa_run_dir_summary(const struct pa_run_dir *r, double alpha, json_t **summary,
                       struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(r->manifest, "run_id"));
        struct pa_analysis_conf c;

        analysis_conf(r->manifest, alpha, &c);
        return pa_summary_analyse(&r->suite, r->records, id, &c, summary, err);
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

/* The summary from the records this process wrote, without reading them
 * back. A resumed run (records from an earlier process) and a suite with
 * benchmark metrics (which need the answers) read results.jsonl instead. */
int pa__run_summarise(struct run *r, struct pa_run_dir *done, struct pa_err *err)
{
        char *path = pa__path_join(r->dir, "manifest.json");
        struct pa_analysis_conf c;
        json_t *summary = NULL;
        int rc;

        if (json_object_get(r->suite.root, "metrics") || r->table.n != r->results.n) {
                free(path);
                rc = pa_run_dir_open_with(done, r->dir, &r->suite, err);
                return rc ? rc : pa_run_dir_summarise(done, r->conf->alpha, r->conf->quiet, err);
        }
        done->dir = r->dir;
        done->manifest = path ? json_load_file(path, 0, NULL) : NULL;
        free(path);
        analysis_conf(done->manifest, r->conf->alpha, &c);
        rc = pa_summary_analyse_table(&r->suite, &r->table, r->run_id, &c, &summary, err);
        if (rc == 0)
                rc = pa_run_dir_write_summary(done, summary, r->conf->quiet, err);
        json_decref(summary);
        done->dir = NULL; /* borrowed */
        return rc;
}

/* The seal's audit hook: report.md and report.html again, now with the
 * audit section (audit.json exists only once the seal has checked the
 * folder), before the manifest hashes them. */
static int write_audit_reports(void *ud, const json_t *audit, struct pa_err *err)
{
        struct run *r = ud;
        char *sp = pa__path_join(r->dir, "summary.json"),
             *mp = pa__path_join(r->dir, "manifest.json");
        json_t *summary = sp ? json_load_file(sp, 0, NULL) : NULL,
               *manifest = mp ? json_load_file(mp, 0, NULL) : NULL;
        const struct pa_report_doc doc = {.summary = summary, .manifest = manifest, .audit = audit};
        int rc = summary && manifest ? 0 : pa_errf(err, PA_EIO, "cannot read back '%s'", r->dir);

        if (rc == 0)
                rc = pa_report_write_doc(pa_reporter_find("md"), r->dir, &doc, err);
        if (rc == 0)
                rc = pa_report_write_doc(pa_reporter_find("html"), r->dir, &doc, err);
        json_decref(summary);
        json_decref(manifest);
        free(sp);
        free(mp);
        return rc;
}

/* Seals the folder from what this process wrote; a resumed run, whose
 * earlier records the table lacks, is sealed by re-reading them. */
int pa__run_seal(struct run *r, struct pa_err *err)
{
        const struct pa_table *t = r->table.n == r->results.n ? &r->table : NULL;

        return pa_evidence_seal_written(r->dir, &r->suite, r->results.n, r->errors, r->results.head,
                                        t, write_audit_reports, r, err);
}
