/* The end of a run (run.h): the summary and its reports from what this
 * process wrote, and the seal with its audit hook. */
#include <stdio.h>
#include <stdlib.h>

#include <omp.h>

#include "parity/report.h"
#include "evaluator/folder/judge_note.h"
#include "evaluator/util/util.h"
#include "run.h"

/* The analysis's OpenMP threads let go once it is done: left to
 * themselves they spin-wait for more work (libgomp's default wait policy)
 * through the reports and the seal, 6-20 ms of CPU a run for nothing. */
static void idle_threads(void)
{
        omp_pause_resource_all(omp_pause_soft);
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
                /* A resumed run's table lacks the earlier records, so the
                 * seal cannot use it either: not held while the folder's
                 * own is built. */
                if (r->table.n != r->results.n)
                        pa_table_release(&r->table);
                if ((rc = pa_run_dir_open_with(done, r->dir, &r->suite, err)) == 0)
                        rc = pa_run_dir_summarise(done, r->conf->alpha, r->conf->quiet, err);
                idle_threads();
                return rc;
        }
        done->dir = r->dir;
        done->manifest = path ? json_load_file(path, 0, NULL) : NULL;
        free(path);
        pa_run_dir_analysis_conf(done->manifest, r->conf->alpha, &c);
        rc = pa_summary_analyse_table(&r->suite, &r->table, r->run_id, &c, &summary, err);
        idle_threads();
        if (rc == 0) /* as pa_run_dir_analyse does: the judge's error rate */
                rc = pa__judge_note(summary, &r->suite, done->manifest, r->dir, err);
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
