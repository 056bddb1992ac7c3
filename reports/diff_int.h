/* Private to reports/diff*.c: the part of diff.json built in
 * reports/diff_cases.c (the disparity changes are decided in
 * scorers/analysis/change.c). */
#ifndef PA_REPORTS_DIFF_INT_H
#define PA_REPORTS_DIFF_INT_H

#include <stddef.h>

#include <jansson.h>

#include "parity/common.h"

/* diff.json's "flipped": the paired records whose score changed, the first
 * max of them (sorted by domain, item, case, sample) with both answers.
 * *out is a new reference. */
int pa__diff_flipped(const json_t *base, const json_t *cand, size_t max, json_t **out);

/* The same from the rows of a join (scorers/analysis/diffjoin.h): every
 * flip counted, the first max read back from the folders' results.jsonl
 * (reports/diff_flips.c). */
struct pa__diff_join;
int pa__diff_flipped_join(struct pa__diff_join *j, size_t max, json_t **out, struct pa_err *err);
/* One listed flip of diff.json from its base and candidate records. */
json_t *pa__diff_flip_json(const json_t *b, const json_t *c);

#endif
