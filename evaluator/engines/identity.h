/* Private: served-model identity (docs/engines.md, "Identity").
 *
 * Once per run, before the first request, parity asks an HTTP engine's
 * server what it serves (the engine's identify hook: /v1/models, llama.cpp's
 * /props, Ollama's /api/show and /api/tags) and sends a few fixed canary
 * prompts at temperature 0 whose answers are hashed into a behaviour
 * fingerprint. Every probe carries the header "X-Parity-Probe: identity".
 * Nothing here is fatal: what could not be learnt is left out. */
#ifndef PA_IDENTITY_H
#define PA_IDENTITY_H

#include <curl/curl.h>
#include <jansson.h>

#include "parity/engine.h"
#include "engine_tls.h"
#include "evaluator/util/util.h"

/* Header sent with every identity probe. */
#define PA_PROBE_HEADER "X-Parity-Probe: identity"

/* The manifest's engine.identity object (new reference); NULL only when
 * out of memory. Asks the base URLs in order and keeps the first that
 * answers (the canaries, or any metadata with --no-fingerprint). */
json_t *pa__identity(const struct pa_engine *e);

/* One probe for identify hooks: GET url when post is NULL, else POST the
 * JSON text post. Returns the JSON of a 2xx answer (new reference) or NULL;
 * *status (may be NULL) gets the HTTP status, 0 when nothing came back.
 * Bodies over 4 MiB are dropped. The answer's Server header goes into
 * id["server"] when id is not NULL and has none yet. */
json_t *pa__probe(const struct pa_engine *e, json_t *id, const char *url, const char *post,
                  long *status);

/* One request's outcome: the HTTP status (0 when none came back), curl's
 * result and message, the Server header and the body (capped at 4 MiB). */
struct pa__probe {
        long status;
        CURLcode res;
        char server[128];
        char errbuf[CURL_ERROR_SIZE];
        struct pa_buf body; /* released by the caller: pa__buf_release() */
        struct pa__tls tls; /* the TLS session, for https:// */
        CURL *h;            /* while the transfer runs */
};

/* GET url when post is NULL, else POST the JSON text post, with the
 * engine's key and the probe header. */
void pa__probe_run(const struct pa_engine *e, const char *url, const char *post, double timeout_s,
                   struct pa__probe *p);

/* A job as pa_job_init would make it for prompt, without a case: release
 * its messages and prompt. */
int pa__canary_job(struct pa_job *job, const char *prompt);

/* base without trailing slashes and without a final "/v1" (where llama.cpp
 * serves /props and Ollama /api/...); owned by the caller, NULL on ENOMEM. */
char *pa__url_root(const char *base);

/* "root/rel" (rel starting with '/'); owned by the caller. */
char *pa__url_join(const char *root, const char *rel);

#endif
