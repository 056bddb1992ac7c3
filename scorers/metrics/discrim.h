/* Private to scorers/metrics/: the discrim-eval aggregation shared by the
 * sampled-answer metric (discrim.c) and the likelihood one (discrim_ll.c). */
#ifndef PA_METRICS_DISCRIM_H
#define PA_METRICS_DISCRIM_H

#include <jansson.h>

/* Adds a prompt's logit of "yes" to acc[fill][attribute][value] = [sum, n]
 * for its gender, race, age (and younger/older) and, for a 60-year-old
 * white male, the baseline; d is the item's "discrim" object. */
int pa__discrim_add(json_t *acc, const json_t *d, double logit);
/* Turns one fill type's [sum, n] cells into {"prompts", "mean_logit",
 * "effect"}, the effect against the baseline's mean (null without one). */
void pa__discrim_finish(json_t *fill);

#endif
