/* Private to evaluator/history/ and cmd_trend.c: a suite's metrics across
 * the runs of the history and the item-level drift test over them
 * (docs/history.md "Trends", docs/analysis.md "Drift across runs"). */
#ifndef PA_HISTORY_TREND_H
#define PA_HISTORY_TREND_H

#include <stdio.h>

#include <jansson.h>

#include "history.h"

struct pa_trend_conf {
        const char *suite, *track; /* track NULL: every track */
        double alpha;              /* family-wise level of the drift tests */
        double min_diff;           /* practical threshold of a move */
};

/* The trend object (trend.json) of runs (pa__history_runs' rows, oldest
 * first): "runs" (each with "tested" and "note"), "domains" and
 * "comparisons", each metric with "points" (the run's indexed figures or
 * null, one per run), "tests" (its test against the reference run or
 * null) and "since" (the run_id from which it moved, or null). The run
 * folders are read for the tests: a missing folder is an error. */
int pa__trend_build(struct pa_history *h, const json_t *runs, const struct pa_trend_conf *c,
                    json_t **out, struct pa_err *err);

/* What the terminal shows: one line a metric. */
void pa__trend_print(const json_t *t, FILE *f);
/* trend.json, report.md and report.html (SVG line charts with interval
 * bands) into dir, created when missing. */
int pa__trend_write(const json_t *t, const char *dir, struct pa_err *err);

#endif
