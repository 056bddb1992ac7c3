/* Private to reports/: pieces of the summary shared with the analysis. */
#ifndef PA_REPORTS_SUMMARY_H
#define PA_REPORTS_SUMMARY_H

#include <stdint.h>

#include <jansson.h>

#include "parity/report.h"

/* One group's entry: counts, rate with Wilson interval, difference to the
 * reference with Newcombe interval (null without data). New reference. */
json_t *pa__group_json(const char *name, uint64_t pos, uint64_t n, uint64_t unscored,
                       uint64_t ref_pos, uint64_t ref_n, double alpha);

/* The summary from a table; records (may be NULL) feed the suite's
 * benchmark metrics, which need the answers themselves. */
int pa__summary_build(const struct pa_suite *s, const struct pa_table *t, const json_t *records,
                      const char *run_id, double alpha, json_t **out, struct pa_err *err);

int pa__summary_analyse(const struct pa_suite *s, const struct pa_table *t, const json_t *records,
                        const char *run_id, const struct pa_analysis_conf *c, json_t **out,
                        struct pa_err *err);

#endif
