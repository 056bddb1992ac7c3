/* Private: crash safety and bookkeeping of a run folder.
 *
 * - the done-index: the (case id, sample) pairs a folder already holds, so
 *   --resume runs only the others (16 bytes a record, sorted);
 * - --resume: reading a folder's manifest and results (a torn last line is
 *   cut off), and the settings two folders must share (also for merge);
 * - the guard: SIGINT/SIGTERM during a run. The signals are blocked in
 *   every thread and taken by a watchdog thread: the first sets `stop` (the
 *   scheduler stops dispatching, requests in flight finish); a second
 *   signal, or `grace_s` after the first, aborts at once: under the lock
 *   that every record append holds, so no record is torn, the watchdog
 *   calls on_abort (which writes the manifest) and exits 128 + signal. */
#ifndef PA_RESUME_H
#define PA_RESUME_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/result.h"
#include "parity/sched.h"
#include "cache.h"
#include "evaluator/sched/progress.h"
#include "evaluator/suite/shard.h"

struct pa__done_key {
        uint64_t id;
        uint32_t sample;
};

struct pa__done {
        struct pa__done_key *v;
        size_t n, cap;
};

/* Adds a record's (case_id, sample); PA_EINVAL when it has none. */
int pa__done_add(struct pa__done *d, const json_t *rec, struct pa_err *err);
/* Sorts the index; PA_EINVAL naming a pair recorded twice. */
int pa__done_seal(struct pa__done *d, struct pa_err *err);
/* After pa__done_seal. */
bool pa__done_has(const struct pa__done *d, const char *case_id, unsigned sample);
void pa__done_release(struct pa__done *d);

/* What a run folder held when it was resumed. */
struct pa__resume {
        json_t *manifest; /* its manifest.json (owned); NULL: start it afresh */
        struct pa__done done;
        uint64_t records, errors, cached, torn_bytes;
        uint64_t unrated;     /* answers without their judge rating (asked again) */
        char *model_reported; /* the first record's "model" (owned) */
};

/* dir's manifest.json into rs->manifest. A folder a kill left before its
 * manifest was written (no manifest, no records) gives 0 with
 * rs->manifest NULL: the run starts afresh in it. */
int pa__resume_manifest(struct pa__resume *rs, const char *dir, struct pa_err *err);
/* dir's results.jsonl: cuts a torn last line off (saying so on stderr),
 * checks the chain, indexes the records and opens the file for appending
 * into w. */
int pa__resume_results(struct pa__resume *rs, const char *dir, struct pa_results *w,
                       struct pa_err *err);
/* Whether the folder's manifest allows this run (`now`, its manifest as it
 * would be written, and shard) to continue it: pa__settings_match and the
 * same --shard. */
int pa__resume_check(const struct pa__resume *rs, const json_t *now, const struct pa__shard *shard,
                     const char *dir, struct pa_err *err);
void pa__resume_release(struct pa__resume *rs);

/* 0 when manifests a and b (named by what_a, what_b in the message) are of
 * the same suite (sha256) with the same settings that decide answers (or
 * how they are judged): engine name, requested model, exec command and
 * prompt mode, replay source; parameters temperature, top_p, max_tokens,
 * seed, stop, system, samples, sim_profile; the pre-registered thresholds'
 * sha256. Shards are not compared. */
int pa__settings_match(const json_t *a, const json_t *b, const char *what_a, const char *what_b,
                       struct pa_err *err);
/* A folder's manifest.json (new reference), or NULL and err. */
json_t *pa__manifest_load(const char *dir, struct pa_err *err);

struct pa__guard {
        volatile sig_atomic_t stop; /* for pa_sched_conf.stop */
        int signo;                  /* the first signal; read after pa__guard_finish */
        double grace_s;
        void (*on_abort)(void *ud); /* runs in the watchdog, under the lock */
        void *ud;
        pthread_mutex_t lock;
        pthread_t thread;
        sigset_t old;
        bool started, finished;
};

/* Blocks SIGINT and SIGTERM and starts the watchdog. Call before any other
 * thread exists, so they all inherit the mask. */
int pa__guard_start(struct pa__guard *g, struct pa_err *err);
void pa__guard_lock(struct pa__guard *g);
void pa__guard_unlock(struct pa__guard *g);
/* Stops the watchdog (no abort after it returns); signals stay blocked. */
void pa__guard_finish(struct pa__guard *g);
/* Restores the signal mask: a signal that came late acts now. */
void pa__guard_release(struct pa__guard *g);
const char *pa__signal_name(int signo);

/* The run-level state run.c keeps for resume, cache, shard and progress. */
struct pa__runx {
        struct pa__guard guard;
        struct pa__resume resume;
        struct pa__cache cache;
        bool caching;
        struct pa__progress progress;
        struct pa__shard shard;
        struct pa_sched_stats stats;
        uint64_t cached; /* records from the cache, the resumed ones too */
        bool hit;        /* the reply being recorded came from the cache */
        char resumed_at[32];
};

/* Adds the run-level fields to a manifest being written: "shard",
 * "counts.cached", "cache", "resumes", "interrupted_by"; on a resumed run
 * keeps the folder's "run_id", "started_at" and "suite". */
int pa__runx_manifest(const struct pa__runx *x, json_t *m, const char *status);
void pa__runx_release(struct pa__runx *x);

#endif
