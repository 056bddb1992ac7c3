/* evaluator/folder/: a run folder's records written and read back, and a finished folder's summary.
 */
/* Private: a finished run folder read back (manifest, suite copy, records)
 * and its summary, shared by the commands that read folders and by verify.
 * Below both the run pipeline and the evidence, so neither reaches into the
 * other. */
#ifndef PA_RUN_DIR_H
#define PA_RUN_DIR_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/report.h"
#include "parity/suite.h"

/* A finished run folder: its manifest, suite copy and records. The records
 * are streamed once into table, a few bytes each (memory flat in the case
 * count); records, their JSON, is loaded only on request
 * (pa_run_dir_load_records: benchmark metrics need the answers). */
struct pa_run_dir {
        char *dir;
        json_t *manifest, *records;
        struct pa_table table; /* the records that count: a pair's last (pa_table_keep_latest) */
        uint64_t n_records;    /* records in results.jsonl, superseded ones included */
        struct pa_suite suite;
        bool suite_borrowed; /* suite is the caller's: not released */
        char head[65];       /* the records' chain head, checked as they were read */
};

int pa_run_dir_open(struct pa_run_dir *r, const char *dir, struct pa_err *err);
/* The same with the suite the caller ran into dir (borrowed; must outlive
 * r) standing for the folder's copy, which is not loaded again. */
int pa_run_dir_open_with(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err);
/* The same with the records' table the caller built as it wrote them
 * (every record, in file order; moved into r, even on error), n of them
 * chained to head: results.jsonl is not read again. */
int pa_run_dir_open_table(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                          struct pa_table *t, uint64_t n, const char head[65], struct pa_err *err);
/* Only the manifest and the suite (s borrowed when not NULL): the records
 * are the caller's to read (parity diff: evaluator/folder/diff_scan.c). */
int pa_run_dir_open_bare(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err);
void pa_run_dir_release(struct pa_run_dir *r);
/* Reads every record's JSON into r->records (all of them, in file order);
 * memory grows with the records: only for what needs the answers
 * (pa_run_dir_open does it for a suite with benchmark metrics). */
int pa_run_dir_load_records(struct pa_run_dir *r, struct pa_err *err);
/* Whether the suite lists benchmark metrics (which need r->records). */
bool pa_run_dir_has_metrics(const struct pa_run_dir *r);
/* The summary with its analysis, as summary.json holds it; thresholds
 * pre-registered in the manifest take precedence over alpha. */
int pa_run_dir_summary(const struct pa_run_dir *r, double alpha, json_t **summary,
                       struct pa_err *err);
/* The same with the caller's analysis settings (parity analyze). */
int pa_run_dir_analyse(const struct pa_run_dir *r, const struct pa_analysis_conf *c,
                       json_t **summary, struct pa_err *err);
/* Writes summary.json, summary.txt and the reports (report.md, report.html,
 * junit.xml); prints the table unless quiet. */
int pa_run_dir_write_summary(const struct pa_run_dir *r, const json_t *summary, bool quiet,
                             struct pa_err *err);
/* Recomputes summary.json and summary.txt; prints the table unless quiet. */
int pa_run_dir_summarise(struct pa_run_dir *r, double alpha, bool quiet, struct pa_err *err);
/* The analysis settings of a folder: thresholds pre-registered in its
 * manifest take precedence over alpha. */
void pa_run_dir_analysis_conf(const json_t *manifest, double alpha, struct pa_analysis_conf *c);

#endif
