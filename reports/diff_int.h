/* Private to reports/diff*.c: the part of diff.json built in
 * reports/diff_cases.c (the disparity changes are decided in
 * scorers/analysis/change.c). */
#ifndef PA_REPORTS_DIFF_INT_H
#define PA_REPORTS_DIFF_INT_H

#include <stddef.h>

#include <jansson.h>

/* diff.json's "flipped": the paired records whose score changed, the first
 * max of them (sorted by domain, item, case, sample) with both answers.
 * *out is a new reference. */
int pa__diff_flipped(const json_t *base, const json_t *cand, size_t max, json_t **out);

#endif
