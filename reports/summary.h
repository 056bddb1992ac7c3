/* Private to reports/: pieces of the summary shared with the analysis. */
#ifndef PA_REPORTS_SUMMARY_H
#define PA_REPORTS_SUMMARY_H

#include <stdint.h>

#include <jansson.h>

/* One group's entry: counts, rate with Wilson interval, difference to the
 * reference with Newcombe interval (null without data). New reference. */
json_t *pa__group_json(const char *name, uint64_t pos, uint64_t n, uint64_t unscored,
		       uint64_t ref_pos, uint64_t ref_n, double alpha);

#endif
