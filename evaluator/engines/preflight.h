/* Private: the preflight of an HTTP engine (docs/engines.md "Preflight").
 *
 * Before the first case and before any run folder exists, each base URL
 * is asked for its models (the engine's models route) and for one canary
 * answer through the engine's own request builder and parser. A dead
 * host, a TLS failure, a 404 on the path, a 401/403, or a requested model
 * the server does not list fail the run with one line naming the cause and
 * the fix; conf.allow_unlisted lets an unlisted model pass. */
#ifndef PA_PREFLIGHT_H
#define PA_PREFLIGHT_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/engine.h"

/* 0 when at least one base URL passes (the others are named in warnings
 * on stderr); else PA_EINVAL or PA_ENET with err naming the first URL's
 * cause and fix. *models: the ids the first passing URL lists (new
 * reference), NULL when it lists none. Local engines pass at once. */
int pa__preflight(const struct pa_engine *e, json_t **models, struct pa_err *err);

#endif
