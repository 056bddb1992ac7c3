/* evaluator/engines/: where a request is built and an answer parsed, one file per engine. */
/* parity: engines, the models parity talks to.
 *
 * An engine is one file in evaluator/engines/ exporting one
 * `const struct pa_engine_ops` and one row in evaluator/engines/engine.c's table.
 * HTTP engines only build request bodies and parse answers; the scheduler
 * owns every transfer. Local engines (sim) answer directly. */
#ifndef PARITY_ENGINE_H
#define PARITY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/suite.h"

/* Settings of a run's engine; strings are borrowed. */
struct pa_engine_conf {
        const char *name;
        const char *base_url;         /* ends with /v1 for OpenAI-compatible servers */
        const char *const *more_urls; /* further base URLs to balance over, or NULL */
        size_t n_more_urls;
        const char *model;       /* requested model id */
        const char *api_key_env; /* name of the variable holding the key */
        const char *sim_profile; /* sim engine: profile file */
        const struct pa_suite *suite;
        bool has_temperature, has_top_p, has_seed;
        double temperature, top_p;
        long max_tokens; /* -1: the server's default */
        uint64_t seed;
        const json_t *stop; /* array of strings or NULL */
        double timeout_s;
        bool stream;              /* ask for a streamed answer (SSE, NDJSON) */
        const char *exec_command; /* exec engine: the command line (docs/engines.md) */
        bool exec_prompt_arg;     /* exec engine: prompt as the last argument, not stdin */
        const char *replay_from;  /* replay engine: an earlier run folder */
        bool no_fingerprint;      /* identity: skip the canary prompts */
        bool allow_unlisted;      /* preflight: a model the server does not list is no error */
        /* TLS (docs/engines.md, "TLS"): the CA bundle and folder to trust
         * (NULL: CURL_CA_BUNDLE/SSL_CERT_FILE, SSL_CERT_DIR, else the
         * system's); insecure turns verification off, loudly and recorded. */
        const char *cacert, *capath;
        bool insecure;
};

/* One request: a case, its sample index, and what is sent. The chat
 * messages are the case's (system, user), written straight into request
 * bodies and records; pa_job_messages() builds them as JSON for the few
 * that want jansson. */
struct pa_job {
        struct pa_case c;
        unsigned sample;
        uint64_t seed;    /* the sample's seed: pa_sample_seed(conf seed, item id, sample) */
        json_t *messages; /* NULL, or [{"role","content"}...] set (owned) by the
                             maker of a job without a case, used instead */
        char *prompt;     /* completions engines: the flat prompt, owned */
};

/* What came back. All strings owned; release with pa_reply_release(). */
struct pa_reply {
        char *text; /* NULL when the request failed */
        size_t len;
        char *finish_reason, *model, *error;
        long prompt_tokens, completion_tokens; /* -1: not reported */
        long http_status;                      /* 0: no HTTP */
        double ttft_ms; /* streamed answers: time to the first body bytes; else -1 */
        /* Every attempt as the JSON array text the record carries: HTTP
         * [{"status","error","ms"}...], exec its exit status and stderr;
         * NULL: none. Text, not jansson: it is written once per request. */
        char *attempts;
        /* The pinned judge's ratings of text as the JSON object text the
         * record carries as "judge" (evaluator/run/judge_rate.c); NULL: none. */
        char *judge;
};

struct pa_engine;

struct pa_engine_ops {
        const char *name;
        const char *summary;
        bool http;        /* requests go through the scheduler's curl multi */
        bool flat_prompt; /* sends job->prompt instead of job->messages */
        /* Local engines: answer() may run for several jobs at once, on
         * threads (--concurrency); it may only read e. */
        bool reentrant;
        const char *path;        /* appended to base_url */
        const char *models_path; /* appended to base_url to list models; NULL: "/models" */
        int (*open)(struct pa_engine *e, struct pa_err *err); /* may be NULL */
        void (*close)(struct pa_engine *e);                   /* may be NULL */
        /* HTTP engines: the JSON request body (owned by the caller). */
        int (*build)(const struct pa_engine *e, const struct pa_job *job, char **body,
                     struct pa_err *err);
        /* HTTP engines: a 2xx body into r (text, finish_reason, model, usage). */
        int (*parse)(const struct pa_engine *e, const char *body, size_t len, struct pa_reply *r,
                     struct pa_err *err);
        /* Local engines: answer job directly. */
        int (*answer)(const struct pa_engine *e, const struct pa_job *job, struct pa_reply *r,
                      struct pa_err *err);
        /* HTTP engines: what the server says it serves (model list, metadata,
         * digests) into the object id, through evaluator/engines/identity.h's probes.
         * Failures leave keys out; never fatal. May be NULL. */
        void (*identify)(const struct pa_engine *e, json_t *id);
        /* Flat-prompt engines: the turns of an item with messages as one
         * prompt, by the model's own chat template (the server's); NULL:
         * such items are refused. *prompt is the caller's to free. */
        int (*chat_prompt)(const struct pa_engine *e, const json_t *messages, char **prompt,
                           struct pa_err *err);
        /* Sends one system and one user text, no turns: items with
         * messages are refused. */
        bool single_turn;
};

struct pa_engine {
        const struct pa_engine_ops *ops;
        struct pa_engine_conf conf;
        char *url;   /* base_url + ops->path, owned */
        char **urls; /* every base URL + ops->path (urls[0] == url), owned */
        size_t n_urls;
        char *api_key; /* from the environment; never written anywhere */
        /* The Authorization header line (from the key or a base URL's
         * userinfo), the base URLs without userinfo (conf points at them)
         * and as recorded (userinfo as ***), all owned (engine_auth.c). */
        char *auth;
        char **clean, **shown;
        size_t n_clean;
        /* The CAs trusted, borrowed from conf or the environment (engine_tls.c). */
        const char *ca_file, *ca_dir;
        void *priv;
};

/* Base URL i (0: --base-url) as it may be written down: any userinfo
 * replaced by ***. */
const char *pa_engine_shown_url(const struct pa_engine *e, size_t i);

/* Every engine, NULL-terminated, for listings. */
const struct pa_engine_ops *const *pa_engine_list(void);
const struct pa_engine_ops *pa_engine_find(const char *name);

/* Opens the engine named in conf; release with pa_engine_close(). */
int pa_engine_open(struct pa_engine *e, const struct pa_engine_conf *conf, struct pa_err *err);
void pa_engine_close(struct pa_engine *e);

/* The seed scheme, recorded in manifest.json next to the base seed. */
#define PA_SEED_SCHEME "item-sample-sha256-v1"
/* Derived seeds fit in 31 bits: llama.cpp's server reads a uint32 and takes
 * 0xFFFFFFFF for "random"; others take int32, int or int64. */
#define PA_SEED_MASK UINT64_C(0x7fffffff)
/* The seed sent for sample `sample` of item `item_id` in a run with base
 * seed `base` (docs/formats.md, "Seeds"): the first 8 bytes of
 * sha256("parity-seed-1" NUL base NUL item_id NUL sample), the numbers in
 * decimal, read big-endian and masked with PA_SEED_MASK. Every group
 * variant of an item gets the same seed (common random numbers); items and
 * samples get independent ones. PA_ENOMEM when out of memory. */
int pa_sample_seed(uint64_t base, const char *item_id, unsigned sample, uint64_t *out);

/* PA_ENOTSUP naming the engine when it cannot send the turns of the
 * suite's items with messages (checked before anything is sent). */
int pa_engine_check_suite(const struct pa_engine *e, const struct pa_suite *s, struct pa_err *err);
/* A flat-prompt engine's job of an item with messages: job->prompt
 * becomes the turns by the model's chat template (ops->chat_prompt). */
int pa_job_chat_prompt(struct pa_job *job, const struct pa_engine *e, struct pa_err *err);
/* Fills job from a case: flat prompt, seed, the item's turns. Release
 * with pa_job_release(), which also releases the case. */
int pa_job_init(struct pa_job *job, const struct pa_engine *e, unsigned sample);
void pa_job_release(struct pa_job *job);
/* The chat messages of job, [{"role","content"}...]: job->messages when
 * set, else built from the case. A new reference (json_decref() it); NULL
 * when out of memory. */
json_t *pa_job_messages(const struct pa_job *job);

void pa_reply_release(struct pa_reply *r);
/* The "error" message of an error body (OpenAI, llama.cpp, Ollama, vLLM
 * shapes), or NULL; owned by the caller. */
char *pa_error_message(const char *body, size_t len);

#endif
