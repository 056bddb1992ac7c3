/* Private: the judge scorer (docs/engines.md, "Judge"). Its verdict is not
 * computed from the answer's text here: the run asks the pinned judge
 * (evaluator/run/judge_rate.c) and writes its rating into the record's
 * "judge" field; scoring reads the rating back from there, so `parity
 * score` re-scores a run without asking the judge again. */
#ifndef PA_SCORERS_JUDGE_H
#define PA_SCORERS_JUDGE_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/scorer.h"
#include "parity/suite.h"

/* True when sc is of type "judge". */
bool pa__scorer_is_judge(const struct pa_scorer *sc);
/* The scorer's own "prompt" template (borrowed), or NULL: the run's. */
const char *pa__judge_scorer_prompt(const struct pa_scorer *sc);
/* Index of the first judge scorer of s, or -1. */
int pa__suite_first_judge(const struct pa_suite *s);

/* v[k] of the item's judge scorers from a record's "judge" field (may be
 * NULL): true or false as rated, PA_NA when the rating is missing. */
void pa__judge_stored(const struct pa_suite *s, const struct pa_item *it, const json_t *judge,
                      signed char *v);
/* True when a record's "judge" field holds a rating without a verdict (a
 * failed or unreadable judge reply): a missing score, asked again on
 * --resume like a failed answer. */
bool pa__judge_record_missing(const json_t *rec);

#endif
