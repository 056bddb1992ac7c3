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

#include <signal.h>
#include <stdbool.h>

#include <curl/curl.h>
#include <jansson.h>

#include "parity/engine.h"
#include "engine_tls.h"
#include "evaluator/util/util.h"

/* Header sent with every identity probe. */
#define PA_PROBE_HEADER "X-Parity-Probe: identity"

/* Every identity probe of a run together gets this long (seconds); each
 * also within its own timeout (10 s for metadata, --timeout for canaries). */
#define PA_IDENTITY_BUDGET_S 30.0

/* The manifest's engine.identity object (new reference); NULL only when
 * out of memory. Asks the base URLs in order and keeps the first that
 * answers (the canaries, or any metadata with --no-fingerprint), within
 * PA_IDENTITY_BUDGET_S in all, and gives up within 100 ms once *stop (may
 * be NULL) is set: then "interrupted" is set true. Says on stderr what it
 * waits for when slow, unless quiet. */
json_t *pa__identity(const struct pa_engine *e, const volatile sig_atomic_t *stop, bool quiet);
/* The identity as base URL i serves it (new reference, NULL when out of
 * memory); *ok when something was learnt (the fingerprint, or metadata
 * with --no-fingerprint). Within the probes under way, if any. */
json_t *pa__identity_at(const struct pa_engine *e, size_t i, bool *ok);

/* The probes under way: one shared deadline (pa__mono_ms()), the run's
 * stop flag, and whether a progress line was shown. */
struct pa__probes {
        double started, deadline;
        const volatile sig_atomic_t *stop;
        bool quiet, tty, shown;
};

/* From begin to end, every probe stays within budget_s of begin and
 * yields to *stop. */
void pa__probes_begin(struct pa__probes *ps, double budget_s, const volatile sig_atomic_t *stop,
                      bool quiet);
void pa__probes_end(struct pa__probes *ps);
/* The stop flag of the probes under way is set. */
bool pa__probes_stopped(void);

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

/* The answer's TLS session and Server header into id (pa__probe's). */
void pa__probe_note(json_t *id, const struct pa__probe *p);

/* GET url when post is NULL, else POST the JSON text post, with the
 * engine's key and the probe header, within timeout_s (and the probes'
 * deadline); CURLE_ABORTED_BY_CALLBACK, errbuf "interrupted", once the
 * probes' stop flag is set. */
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
