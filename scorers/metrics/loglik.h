/* Private to scorers/metrics/: the measurement an openai-loglik record
 * carries as its response, {"loglik": L, "tokens": N, "scored": S}
 * (evaluator/engines/openai_loglik.c, docs/engines.md). */
#ifndef PA_METRICS_LOGLIK_H
#define PA_METRICS_LOGLIK_H

#include <stddef.h>

#include <jansson.h>

struct pa_loglik {
        double loglik; /* natural log, summed over the scored tokens */
        long tokens;   /* the prompt's tokens */
        long scored;   /* those with a log-probability */
};

enum pa_loglik_status {
        PA_LOGLIK_OK = 0,
        PA_LOGLIK_FAILED = 1,  /* the request failed: no response */
        PA_LOGLIK_INVALID = 2, /* a response that is not a measurement (another engine's) */
};

/* Reads rec's measurement into *m. */
enum pa_loglik_status pa__loglik_read(const json_t *rec, struct pa_loglik *m);

#endif
