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

/* A finished run folder: its manifest, suite copy and records. */
struct pa_run_dir {
        char *dir;
        json_t *manifest, *records;
        struct pa_suite suite;
        bool suite_borrowed; /* suite is the caller's: not released */
        char head[65];       /* the records' chain head, checked as they were read */
};

int pa_run_dir_open(struct pa_run_dir *r, const char *dir, struct pa_err *err);
/* The same with the suite the caller ran into dir (borrowed; must outlive
 * r) standing for the folder's copy, which is not loaded again. */
int pa_run_dir_open_with(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err);
void pa_run_dir_release(struct pa_run_dir *r);
/* The summary with its analysis, as summary.json holds it; thresholds
 * pre-registered in the manifest take precedence over alpha. */
int pa_run_dir_summary(const struct pa_run_dir *r, double alpha, json_t **summary,
                       struct pa_err *err);
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
