/* parity: the group summary of a run and the reporters that write it.
 *
 * A reporter is one file in reports/ exporting one
 * `const struct pa_reporter_ops` and one row in reports/report.c's table. */
#ifndef PARITY_REPORT_H
#define PARITY_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/suite.h"

#define PA_SUMMARY_VERSION 1

/* Builds summary.json's object from a run's records (docs/formats.md):
 * per outcome and axis, each group's rate with a Wilson interval and its
 * difference to the reference group with a Newcombe interval; per outcome
 * and domain, the rate. *out is a new reference. */
int pa_summary_build(const struct pa_suite *s, const json_t *records, const char *run_id,
		     double alpha, json_t **out, struct pa_err *err);

/* A benchmark's own metric (BBQ bias scores, CrowS-Pairs percent
 * stereotyped...), computed from the records when a suite lists it in
 * "metrics". One file in reports/ and one row in reports/metric.c. */
struct pa_metric_ops {
	const char *name;
	/* A new JSON object with the metric's figures and their inputs. */
	int (*compute)(const struct pa_suite *s, const json_t *records, double alpha,
		       json_t **out, struct pa_err *err);
};

const struct pa_metric_ops *pa_metric_find(const char *name);

struct pa_reporter_ops {
	const char *name; /* --format value */
	const char *file; /* name in the run folder */
	int (*write)(const json_t *summary, FILE *f, struct pa_err *err);
};

const struct pa_reporter_ops *pa_reporter_find(const char *name);
/* Writes one format into dir/ops->file atomically. */
int pa_report_write(const struct pa_reporter_ops *ops, const char *dir, const json_t *summary,
		    struct pa_err *err);

#endif
