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
#include "record_load.h"
#include "judge_note.h"
#include "run_dir.h"
#include "suite_copy.h"
#include "evaluator/suite/item_index.h"
#include "scorers/analysis/summary.h"

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

struct table_scan {
        struct pa_run_dir *r;
        struct pa__item_index ids;
        uint64_t line;
};

/* What table_record and pa_table_add_record read, and the chain. */
static const char *const table_keys[] = {"seq", "prev", "item_id", "groups", "scores", "sample"};
static const struct pa__members table_members = {table_keys,
                                                 sizeof(table_keys) / sizeof(table_keys[0])};

/* One record into the table. */
static int table_record(void *ud, json_t *rec, struct pa_err *err)
{
        struct table_scan *ts = ud;
        const struct pa_suite *s = &ts->r->suite;
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        long item = id ? pa__item_index_find(&ts->ids, id) : -1;
        int rc = item < 0 ? PA_EINVAL : pa_table_add_record(&ts->r->table, s, (size_t)item, rec);

        ts->line++;
        if (rc == PA_EINVAL)
                return pa_errf(err, rc,
                               "results.jsonl: line %llu: item '%s' or its groups are not in "
                               "suite '%s'",
                               (unsigned long long)ts->line, id ? id : "(none)", s->id);
        return rc ? pa_errf(err, rc, "out of memory") : 0;
}

static int read_table(struct pa_run_dir *r, const char *path, struct pa_err *err)
{
        struct table_scan ts = {.r = r};
        int rc;

        pa_table_init(&r->table, r->suite.scorers.n);
        if ((rc = pa__item_index_build(&r->suite, &ts.ids, err)) == 0)
                rc = pa__results_scan_named(path, &table_members, table_record, &ts, &r->n_records,
                                            r->head, err);
        pa__item_index_release(&ts.ids);
        if (rc == 0 && (rc = pa_table_keep_latest(&r->table)))
                rc = pa_errf(err, rc, "results.jsonl: too many records");
        return rc;
}

int pa_run_dir_open_bare(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err)
{
        int rc = PA_ENOMEM;

        memset(r, 0, sizeof(*r));
        if (!(r->dir = strdup(dir)))
                return pa_errf(err, rc, "out of memory");
        if ((rc = pa__manifest_read(dir, &r->manifest, err)))
                return in_folder(dir, rc, err);
        if (s) {
                r->suite = *s;
                r->suite_borrowed = true;
        } else if ((rc = pa__suite_copy_load(dir, r->manifest, &r->suite, err))) {
                return in_folder(dir, rc, err);
        }
        return 0;
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
        if ((res = pa__path_join(dir, "results.jsonl")) && (rc = read_table(r, res, err)))
                rc = in_folder(dir, rc, err);
        /* Benchmark metrics read the answers themselves (suites imported
         * from a benchmark: their records are held). */
        if (rc == 0 && pa_run_dir_has_metrics(r))
                rc = pa_run_dir_load_records(r, err);
out:
        free(res);
        return rc;
}

int pa_run_dir_open_table(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                          struct pa_table *t, uint64_t n, const char head[65], struct pa_err *err)
{
        int rc = pa_run_dir_open_bare(r, dir, s, err);

        /* As read_table leaves it. */
        r->table = *t;
        pa_table_init(t, t->nsc);
        r->n_records = n;
        snprintf(r->head, sizeof(r->head), "%s", head);
        if (rc == 0 && (rc = pa_table_keep_latest(&r->table)))
                rc = in_folder(dir, pa_errf(err, rc, "results.jsonl: too many records"), err);
        if (rc == 0 && pa_run_dir_has_metrics(r))
                rc = pa_run_dir_load_records(r, err);
        return rc;
}

int pa_run_dir_load_records(struct pa_run_dir *r, struct pa_err *err)
{
        char *res = pa__path_join(r->dir, "results.jsonl");
        char head[65];
        int rc = res ? 0 : PA_ENOMEM;

        json_decref(r->records);
        r->records = NULL;
        if (rc == 0 && (rc = pa_results_load_head(res, &r->records, head, err)) == 0 &&
            strcmp(head, r->head))
                rc = pa_errf(err, PA_EINVAL,
                             "run folder '%s': results.jsonl changed while it was read", r->dir);
        free(res);
        return rc;
}

bool pa_run_dir_has_metrics(const struct pa_run_dir *r)
{
        return json_array_size(json_object_get(r->suite.root, "metrics")) > 0;
}

void pa_run_dir_release(struct pa_run_dir *r)
{
        if (!r)
                return;
        json_decref(r->manifest);
        json_decref(r->records);
        pa_table_release(&r->table);
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
        struct pa_analysis_conf c;

        pa_run_dir_analysis_conf(r->manifest, alpha, &c);
        return pa_run_dir_analyse(r, &c, summary, err);
}

int pa_run_dir_analyse(const struct pa_run_dir *r, const struct pa_analysis_conf *c,
                       json_t **summary, struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(r->manifest, "run_id"));
        json_t *latest = NULL;
        int rc;

        if (!pa_run_dir_has_metrics(r)) {
                rc = pa__summary_analyse(&r->suite, &r->table, NULL, id, c, summary, err);
        } else {
                /* A benchmark metric reads the answers: their JSON, a pair's last. */
                if (!(latest = pa_results_latest(r->records)))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                rc = pa__summary_analyse(&r->suite, &r->table, latest, id, c, summary, err);
                json_decref(latest);
        }
        /* The judge's error rate beside the findings that rest on it. */
        if (rc == 0 && (rc = pa__judge_note(*summary, &r->suite, r->manifest, r->dir, err))) {
                json_decref(*summary);
                *summary = NULL;
        }
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
