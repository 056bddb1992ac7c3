/* parity: the scheduler. One thread drives one libcurl multi handle with
 * up to `concurrency` transfers in flight on reused connections (curl's
 * tool_operate.c pattern: CURLOPT_PRIVATE maps a finished transfer back to
 * its job). Local engines are called in the same loop. */
#ifndef PARITY_SCHED_H
#define PARITY_SCHED_H

#include <stddef.h>

#include "parity/engine.h"

struct pa_sched_conf {
	unsigned concurrency; /* transfers in flight, >= 1 */
	double timeout_s;     /* per request, whole transfer */
	size_t max_body;      /* answers larger than this fail their case */
};

/* Produces the next job into *job (case and messages): 1 when it did, 0
 * when there are no more, negative to stop with an error. */
typedef int (*pa_sched_next_fn)(void *ud, struct pa_job *job, struct pa_err *err);
/* Consumes a finished job; reply->error is set when it failed. The
 * scheduler releases job and reply afterwards. Negative stops the run. */
typedef int (*pa_sched_done_fn)(void *ud, struct pa_job *job, struct pa_reply *reply,
				double latency_ms, struct pa_err *err);

/* Runs every job; a failed request is a reply with an error, never a stop.
 * Returns negative only when next, done or the transport setup failed. */
int pa_sched_run(struct pa_engine *e, const struct pa_sched_conf *conf, pa_sched_next_fn next,
		 pa_sched_done_fn done, void *ud, struct pa_err *err);

#endif
