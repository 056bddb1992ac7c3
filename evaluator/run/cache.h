/* Private: the response cache (--cache DIR).
 *
 * Content-addressed on disk: the key of a job is the sha256 of
 *   BASE "\n" JOB
 * where BASE is the canonical JSON (compact, keys sorted) of what a whole
 * run shares: {"parity_cache": 1, "engine", "model" (requested), "identity"
 * (the model the base URL serves, when known: pa__cache_identity),
 * "temperature", "top_p", "max_tokens", "stop", "sim_profile_sha256", and
 * for local engines "exec_command", "exec_prompt", "replay_from" when set},
 * and JOB the canonical JSON of
 * {"messages" (or "prompt" for completion engines), "sample", "seed"}. So
 * every sample of a case has its own entry. The value, DIR/ab/<key>.json
 * (ab: the key's first two digits), holds the reply: {"parity_cache": 1,
 * "key", "text", "finish_reason", "model", "usage", "http_status"}. Only
 * successful replies are stored; entries are written to a temporary file
 * and renamed, so readers (other processes, other shards) see whole
 * entries or none, and a damaged entry is a miss. */
#ifndef PA_CACHE_H
#define PA_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "parity/engine.h"

struct pa__cache {
        char *dir;  /* owned */
        char *base; /* canonical JSON of the run-wide key part, owned */
        uint64_t hits, misses, stores;
        bool warned;        /* a failed store was reported once */
        unsigned file_mode; /* 0666 less the umask, read once at open (umask is process-wide) */
};

/* The stable facts the server states about what it serves (the manifest's
 * engine.identity and models_listed, both may be NULL): the id when it lists
 * one model, llama.cpp's model file, Ollama's digest; never the canary
 * answers, which a server need not repeat exactly. Owned by the caller;
 * NULL when nothing is known. */
char *pa__cache_identity(const json_t *identity, const json_t *models_listed);

/* Opens (creates) the cache folder for engine e. identity may be NULL.
 * Release with pa__cache_close(). */
int pa__cache_open(struct pa__cache *c, const char *dir, const struct pa_engine *e,
                   const char *identity, struct pa_err *err);
void pa__cache_close(struct pa__cache *c);

/* The key of a job (e: the engine the job was built for). */
int pa__cache_key(const struct pa__cache *c, const struct pa_engine *e, const struct pa_job *job,
                  char key[65]);
/* 1 and the stored reply in *r (release with pa_reply_release) on a hit,
 * 0 on a miss (a missing, unreadable or damaged entry). */
int pa__cache_get(struct pa__cache *c, const char key[65], struct pa_reply *r);
/* Stores a successful reply; failures only warn, once, on stderr. */
void pa__cache_put(struct pa__cache *c, const char key[65], const struct pa_reply *r);

#endif
