/* Private to reports/diff*.c: the parts of diff.json built in
 * reports/diff_cases.c. */
#ifndef PA_REPORTS_DIFF_INT_H
#define PA_REPORTS_DIFF_INT_H

#include <stddef.h>

#include <jansson.h>

/* diff.json's "disparities": every group of both summaries side by side
 * and its change (new, resolved, worse, better, unchanged, unmatched)
 * judged with the practical threshold min_diff. *out is a new reference. */
int pa__diff_disparities(const json_t *base, const json_t *cand, double min_diff, json_t **out);

/* diff.json's "flipped": the paired records whose score changed, the first
 * max of them (sorted by domain, item, case, sample) with both answers.
 * *out is a new reference. */
int pa__diff_flipped(const json_t *base, const json_t *cand, size_t max, json_t **out);

#endif
