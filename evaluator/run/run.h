/* evaluator/run/: one `parity run` from suite to sealed folder, with resume and the response cache.
 */
/* Private: the run pipeline (suite -> scheduler -> results -> summary) and
 * access to finished run folders, shared by the run, demo, score and
 * summary commands; at the end, the state of a run between run*.c. */
#ifndef PA_RUN_H
#define PA_RUN_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/engine.h"
#include "parity/evidence.h"
#include "parity/result.h"
#include "parity/suite.h"
#include "evaluator/folder/run_dir.h"
#include "resume.h"
#include "evaluator/folder/lock.h"
#include "judge.h"

struct pa_run_conf {
        const char *suite_path;
        struct pa_engine_conf engine; /* CLI settings; unset ones come from the suite */
        const char *system;           /* --system: replaces the suite's default */
        unsigned samples, concurrency;
        unsigned retries;   /* further attempts after a retryable failure */
        double retry_max_s; /* no retry after this long since the first attempt */
        double rpm, tpm;    /* rate limits, 0: none */
        bool adaptive;      /* AIMD below --concurrency on 429/503/timeouts */
        const char *out_dir, *run_dir;
        struct pa_provenance prov; /* --operator*, --purpose, --data-source, --thresholds */
        double alpha;
        int inference; /* --inference: enum pa_inference, recorded in the manifest */
        bool quiet;
        bool verbose;           /* one line per failed case on stderr */
        double progress_s;      /* plain progress line interval when stderr is no TTY; 0: none */
        const char *resume_dir; /* --resume: continue this run folder (docs/shards.md) */
        const char *cache_dir;  /* --cache: response cache folder, or NULL */
        unsigned shard_index, shard_count; /* --shard i/n; count 0: the whole suite */
        double max_error_rate;             /* --max-error-rate: over it the run is incomplete */
        bool allow_outside_paths;          /* the suite's items_file may leave its folder */
        uint64_t max_cases;                /* --max-cases; 0: PA_MAX_CASES */
        struct pa__judge_conf judge;       /* --judge-*: the pinned judge (judge.h) */
};

/* pa_run's result for a run that ended without enough answers: over its
 * error budget, or stopped by the circuit breaker. Its folder is written
 * and sealed with status "incomplete"; the process exits with it. */
#define PA_RUN_INCOMPLETE PA_EXIT_INCOMPLETE

/* Failed cases listed by name in the manifest's error budget (and so in
 * junit.xml); the rest are counted. */
#define MAX_FAILED_LISTED 1000

/* Runs a suite end to end and prints the summary. On success *run_dir_out
 * (when not NULL) is the run folder, owned by the caller. Input errors
 * return PA_EINVAL before anything is written. A run stopped by SIGINT or
 * SIGTERM writes its manifest with status "interrupted" and returns the
 * exit status 128 + the signal (130, 143): a positive value; a run short
 * of answers returns PA_RUN_INCOMPLETE. */
int pa_run(const struct pa_run_conf *conf, char **run_dir_out, struct pa_err *err);

/* Between run*.c only: the state of one `parity run`, shared by the
 * pipeline (run.c), its manifest (run_manifest.c) and its end (run_end.c). */
struct run {
        const struct pa_run_conf *conf;
        struct pa_suite suite;
        struct pa_engine engine;
        struct pa_results results;
        void **scratch;
        char *dir, run_id[128], started[32], ended[32];
        json_t *models_listed;
        json_t *identity; /* what the server says it serves (identity.h) */
        char *model_reported;
        bool tls_was_insecure; /* --resume: an earlier part ran with --insecure */
        /* The cursor over item x variant x sample, and its item read back
         * (cur, pointing into cur_obj) once for all its variants. */
        size_t item;
        uint64_t variant;
        struct pa_item cur;
        json_t *cur_obj;
        size_t cur_at;
        struct pa__item_cursor *items; /* reads them back (suite/case.h) */
        unsigned sample;
        uint64_t planned, done, errors;
        uint64_t unrated;        /* answers the judge gave no rating: missing scores */
        json_t *failed;          /* the first MAX_FAILED_LISTED failed cases, for the reports */
        struct pa_thresholds th; /* --thresholds, pre-registered (evidence.h) */
        bool exhausted;          /* the cursor passed the last case */
        struct pa__runx x;       /* resume, cache, shard, progress, signals (resume.h) */
        struct pa_table table;   /* what the summary needs of each record */
        struct pa__lock lock;    /* the folder's lock, held to the end */
        /* Several base URLs (run_endpoints.c): each one's identity, and
         * its counters, filled by the scheduler; both owned. */
        json_t *endpoint_ids;
        struct pa_sched_endpoint *endpoint_stats;
        struct pa__judge judge; /* the pinned judge, its calibration (judge.h) */
        const char *judge_why;  /* the first missing rating's cause, static */
};

/* manifest.json of r with the given status, without writing it (new
 * reference, or NULL); put writes it, write does so under the record lock,
 * never beside the watchdog's own (resume.h). */
/* Cases of the plan without an answer (failed, unrated or never asked). */
uint64_t pa__run_unanswered(const struct run *r);
json_t *pa__run_manifest_json(struct run *r, const char *status);
int pa__run_put_manifest(struct run *r, const char *status, struct pa_err *err);
int pa__run_write_manifest(struct run *r, const char *status, struct pa_err *err);
/* HTTP engines: the base URLs' counters set up for the scheduler; with
 * several, each one's identity, r->identity the first that answered, and
 * PA_EINVAL when two name different models (run_endpoints.c). */
int pa__run_endpoints_probe(struct run *r, struct pa_err *err);
/* The manifest's "endpoints": each base URL's identity and share of the
 * requests (new reference), or NULL without HTTP. */
json_t *pa__run_endpoints_json(const struct run *r);
void pa__run_endpoints_release(struct run *r);
/* The summary and reports of the run just finished into done (run_end.c). */
int pa__run_summarise(struct run *r, struct pa_run_dir *done, struct pa_err *err);
/* Seals the run folder, rewriting the reports with the audit (run_end.c). */
int pa__run_seal(struct run *r, struct pa_err *err);

#endif
