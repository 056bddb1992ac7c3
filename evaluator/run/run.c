/* The run pipeline (run.h): validate everything, then make the run folder,
 * stream cases through the scheduler into results.jsonl, and summarise.
 * run_manifest.c writes manifest.json; run_dir.c summarises and seals the
 * folder, and reads finished ones. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parity/report.h"
#include "parity/result.h"
#include "parity/sched.h"
#include "parity/stats.h"
#include "evaluator/suite/case.h"
#include "evaluator/engines/identity.h"
#include "evaluator/engines/preflight.h"
#include "resume.h"
#include "run.h"
#include "evaluator/folder/lock.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define MAX_BODY (8u << 20)

/* Suite defaults fill what the command line left unset. */
static void apply_defaults(struct run *r, struct pa_engine_conf *ec)
{
        const struct pa_defaults *d = &r->suite.defaults;

        if (!ec->has_temperature && d->has_temperature) {
                ec->has_temperature = true;
                ec->temperature = d->temperature;
        }
        if (!ec->has_top_p && d->has_top_p) {
                ec->has_top_p = true;
                ec->top_p = d->top_p;
        }
        if (ec->max_tokens < 0)
                ec->max_tokens = d->max_tokens;
        if (!ec->stop)
                ec->stop = d->stop;
        ec->suite = &r->suite;
}

struct system_check {
        const struct pa_suite *s;
        struct pa_err *err;
};

static int check_system(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        struct system_check *c = ud;
        char where[256];

        (void)i;
        (void)obj;
        snprintf(where, sizeof(where), "--system (item '%s')", it->id);
        return pa__case_check_templates(c->s, it, where, c->err);
}

/* --system replaces the default system prompt; it is a template too. */
static int apply_system(struct run *r, struct pa_err *err)
{
        struct system_check c = {&r->suite, err};

        if (!r->conf->system)
                return 0;
        r->suite.defaults.system = r->conf->system;
        return pa_suite_each_item(&r->suite, check_system, &c, err);
}

static int make_run_id(struct run *r)
{
        unsigned char rnd[3] = {0};
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];
        FILE *f = fopen("/dev/urandom", "rb");

        if (f) {
                if (fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
                        rnd[0] = (unsigned char)getpid();
                fclose(f);
        }
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        snprintf(r->run_id, sizeof(r->run_id), "%s-%.64s-%02x%02x%02x", stamp, r->suite.id, rnd[0],
                 rnd[1], rnd[2]);
        return 0;
}

/* The run folder must be new or empty: parity never mixes two runs. */
static int make_dir(struct run *r, struct pa_err *err)
{
        const struct pa_run_conf *c = r->conf;
        int rc;

        make_run_id(r);
        r->dir = c->run_dir ? strdup(c->run_dir)
                            : pa__path_join(c->out_dir ? c->out_dir : "runs", r->run_id);
        if (!r->dir)
                return PA_ENOMEM;
        if (!pa__dir_is_vacant(r->dir))
                return pa_errf(err, PA_EEXIST, "run folder '%s' exists and is not empty", r->dir);
        if ((rc = pa__mkdir_p(r->dir, err)) || (rc = pa__dir_lock(r->dir, &r->lock, err)))
                return rc;
        /* Two runs racing for one new folder: the loser stops here. */
        return pa__dir_is_only_lock(r->dir)
                   ? 0
                   : pa_errf(err, PA_EEXIST, "run folder '%s' exists and is not empty", r->dir);
}

/* A copy of the suite (and its items file) makes the folder self-contained,
 * under names parity chooses (suite_copy.h): a suite's own paths never
 * reach the folder. suite/ must be the folder's own directory. */
static int copy_suite(struct run *r, struct pa_err *err)
{
        struct pa_suite *s = &r->suite;
        char *sdir = pa__path_join(r->dir, "suite"), *to = NULL;
        struct stat st;
        int rc = PA_ENOMEM, fd = -1;

        if (!sdir || (rc = pa__mkdir_p(sdir, err)))
                goto out;
        if (lstat(sdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                rc = pa_errf(err, PA_EINVAL, "run folder '%s': suite/: expected a directory",
                             r->dir);
                goto out;
        }
        if (!(to = pa__path_join(r->dir, pa__suite_copy_name(s->path)))) {
                rc = PA_ENOMEM;
                goto out;
        }
        /* The bytes that were loaded, or an error: the file may have changed. */
        if ((rc = pa__open_regular(s->path, "suite", PA_OPEN_FOLLOW, 0, &fd, err)) ||
            (rc = pa__copy_fd(fd, to, s->sha256, err)) || !s->items_file)
                goto out;
        free(to);
        rc = PA_ENOMEM;
        if ((to = pa__path_join(r->dir, PA_ITEMS_COPY)))
                rc = pa_suite_copy_items(&r->suite, to, err);
out:
        if (fd >= 0)
                close(fd);
        free(to);
        free(sdir);
        return rc;
}

/* Advances the cursor over item x variant x sample: the next case into *c
 * and its sample; 1, 0 past the last, or negative. */
static int next_case(struct run *r, struct pa_case *c, unsigned *sample, struct pa_err *err)
{
        int rc;

        while (r->item < r->suite.n_items &&
               r->variant >= pa_suite_kind(&r->suite, r->item)->n_cases) {
                r->item++;
                r->variant = 0;
        }
        if (r->item >= r->suite.n_items) {
                r->exhausted = true;
                return 0;
        }
        if (!r->cur.id || r->cur_at != r->item) {
                json_decref(r->cur_obj);
                r->cur_obj = NULL;
                r->cur.id = NULL;
                if (!r->items && !(r->items = pa__item_cursor_new(&r->suite)))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                if ((rc = pa__item_cursor_read(r->items, r->item, &r->cur, &r->cur_obj, err)))
                        return rc;
                r->cur_at = r->item;
        }
        if ((rc = pa_case_build_item(&r->suite, r->item, &r->cur, r->variant, c, err)))
                return rc;
        *sample = r->sample;
        if (++r->sample == r->conf->samples) {
                r->sample = 0;
                r->variant++;
        }
        return 1;
}

static int job_done(void *ud, struct pa_job *job, struct pa_reply *reply, double latency_ms,
                    struct pa_err *err);

/* A cache hit is recorded at once, without the scheduler: 1; a miss: 0. */
static int from_cache(struct run *r, struct pa_job *job, struct pa_err *err)
{
        struct pa_reply reply;
        double t0 = pa__mono_ms();
        char key[65];
        int rc;

        if (!r->x.caching || pa__cache_key(&r->x.cache, &r->engine, job, key) ||
            !pa__cache_get(&r->x.cache, key, &reply))
                return 0;
        r->x.hit = true;
        rc = job_done(r, job, &reply, pa__mono_ms() - t0, err);
        r->x.hit = false;
        pa_reply_release(&reply);
        return rc < 0 ? rc : 1;
}

/* The next job to send: cases of other shards, pairs a resumed folder
 * holds and cache hits are passed over; none once a stop is asked. */
static int next_job(void *ud, struct pa_job *job, struct pa_err *err)
{
        struct run *r = ud;
        unsigned sample = 0;
        int rc = 0;

        while (!r->x.guard.stop && (rc = next_case(r, &job->c, &sample, err)) == 1) {
                if (!pa__shard_has(&r->x.shard, job->c.id) ||
                    pa__done_has(&r->x.resume.done, job->c.id, sample)) {
                        pa_case_release(&job->c);
                        continue;
                }
                if ((rc = pa_job_init(job, &r->engine, sample)))
                        return rc < 0 ? rc : PA_ENOMEM;
                /* Before the cache key, which hashes the prompt sent. */
                if ((rc = pa_job_chat_prompt(job, &r->engine, err)))
                        return rc;
                if ((rc = from_cache(r, job, err)) <= 0)
                        return rc < 0 ? rc : 1;
                pa_job_release(job);
        }
        return r->x.guard.stop ? 0 : rc;
}

/* Stores a fresh successful answer in the cache. */
static void remember(struct run *r, const struct pa_job *job, const struct pa_reply *reply)
{
        char key[65];

        if (r->x.caching && !r->x.hit && !reply->error &&
            !pa__cache_key(&r->x.cache, &r->engine, job, key))
                pa__cache_put(&r->x.cache, key, reply);
}

/* A failed case by name, while the list has room. */
static int note_failure(struct run *r, const struct pa_job *job, const char *error)
{
        if (!r->failed && !(r->failed = json_array()))
                return PA_ENOMEM;
        if (json_array_size(r->failed) >= MAX_FAILED_LISTED)
                return 0;
        return json_array_append_new(r->failed,
                                     json_pack("{s:s, s:i, s:s}", "case_id", job->c.id, "sample",
                                               (int)job->sample, "error", error))
                   ? PA_ENOMEM
                   : 0;
}

static int job_done(void *ud, struct pa_job *job, struct pa_reply *reply, double latency_ms,
                    struct pa_err *err)
{
        struct run *r = ud;
        signed char v[PA_MAX_SCORERS];
        const char *why = NULL; /* the judge's, when it gave no verdict */
        unsigned unrated = 0;
        int rc;

        pa_score_text(&r->suite, job->c.item, r->scratch, reply->error ? NULL : reply->text,
                      reply->len, v);
        /* The judge rates the answer before its record is written (judge_rate.c). */
        if (pa__judge_rate(&r->judge, &r->suite, job, reply, v, &unrated, &why))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (unrated && !r->judge_why)
                r->judge_why = why;
        pa__guard_lock(&r->x.guard); /* an abort never tears a record */
        rc = pa_results_write(&r->results, &r->suite, &r->engine, job, reply, latency_ms, v,
                              r->x.hit, err);
        if (rc == 0 && pa_table_add(&r->table, (uint32_t)job->c.item_index,
                                    (uint32_t)job->c.variant, job->sample, v))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        r->done++;
        /* An answer the judge did not rate is a missing score: it counts
         * as a failed case, and --resume asks it again. */
        r->errors += reply->error != NULL;
        r->unrated += !reply->error && unrated;
        if (rc == 0 && (reply->error || unrated) &&
            note_failure(r, job, reply->error ? reply->error : why))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        if (!r->model_reported && reply->model)
                r->model_reported = strdup(reply->model);
        r->x.cached += r->x.hit;
        pa__guard_unlock(&r->x.guard);
        remember(r, job, reply);
        pa__progress_record(&r->x.progress, job, reply);
        return rc;
}

/* The watchdog's last act on a second signal (resume.h), under the record
 * lock, so the manifest matches results.jsonl. */
static void on_abort(void *ud)
{
        struct run *r = ud;

        pa__now_iso(r->ended);
        pa__run_put_manifest(r, "interrupted", NULL);
        fprintf(stderr, "parity: interrupted: %llu of %llu records; continue with --resume %s\n",
                (unsigned long long)r->done, (unsigned long long)r->planned, r->dir);
        printf("run folder: %s\n", r->dir);
}

/* From the run folder on, SIGINT and SIGTERM stop the run cleanly
 * (resume.h): requests in flight may take the timeout, at most 30 s. */
static int guard(struct run *r, struct pa_err *err)
{
        double t = r->engine.conf.timeout_s;

        r->x.guard.grace_s = t < 30 ? t : 30;
        r->x.guard.on_abort = on_abort;
        r->x.guard.ud = r;
        return pa__guard_start(&r->x.guard, err);
}

/* The scheduler with the progress line; no abort after it returns. */
static int flush_results(void *ud, struct pa_err *err)
{
        struct run *r = ud;

        return pa_results_flush(&r->results, err);
}

static int dispatch(struct run *r, const struct pa_sched_conf *sc, struct pa_err *err)
{
        const struct pa_run_conf *c = r->conf;
        int rc;

        pa__progress_init(&r->x.progress, r->planned, r->done, r->errors, &r->x.stats,
                          c->progress_s, c->quiet, c->verbose);
        rc = pa_sched_run(&r->engine, sc, next_job, job_done, r, err);
        pa__guard_finish(&r->x.guard);
        pa__progress_end(&r->x.progress);
        return rc;
}

/* Attempts in a row failing for one cause that trip the circuit breaker:
 * more than two windows of requests, so one burst of failures in flight
 * together does not; a few seconds when the server is gone. */
static unsigned breaker_after(unsigned concurrency)
{
        return 16 + 2 * concurrency;
}

static int execute(struct run *r, struct pa_err *err)
{
        const struct pa_run_conf *c = r->conf;
        struct pa_sched_conf sc = {.concurrency = c->concurrency,
                                   .timeout_s = r->engine.conf.timeout_s,
                                   .max_body = MAX_BODY,
                                   .max_attempts = 1 + c->retries,
                                   .retry_max_s = c->retry_max_s,
                                   .backoff_base_s = 0.5,
                                   .backoff_cap_s = 30,
                                   .rpm = c->rpm,
                                   .tpm = c->tpm,
                                   .adaptive = c->adaptive,
                                   .stop = &r->x.guard.stop,
                                   .stats = &r->x.stats,
                                   .breaker = breaker_after(c->concurrency),
                                   .flush = flush_results};
        char *path = pa__path_join(r->dir, "results.jsonl");
        double t0 = pa__mono_ms(), secs;
        int rc;

        if (!path || !(r->scratch = pa_scorer_scratch_new(&r->suite.scorers))) {
                free(path);
                return PA_ENOMEM;
        }
        rc = r->results.f ? 0 : pa_results_open(&r->results, path, err); /* open on --resume */
        free(path);
        if (rc == 0)
                rc = dispatch(r, &sc, err);
        if (pa_results_close(&r->results, rc ? NULL : err) < 0 && rc == 0)
                rc = PA_EIO;
        secs = (pa__mono_ms() - t0) / 1000;
        if (!r->conf->quiet)
                fprintf(stderr, "parity: %llu records, %llu errors in %.2f s (%.0f req/s)\n",
                        (unsigned long long)r->done, (unsigned long long)r->errors, secs,
                        secs > 0 ? (double)(r->done - r->x.resume.records) / secs : 0.0);
        return rc;
}

/* --inference suite before any request: the samples must be independent. */
static int check_inference(const struct run *r, const struct pa_engine_conf *ec, struct pa_err *err)
{
        json_t *p = json_pack("{s:o, s:o, s:I}", "temperature",
                              ec->has_temperature ? json_real(ec->temperature) : json_null(),
                              "seed", ec->has_seed ? json_integer(0) : json_null(), "samples",
                              (json_int_t)r->conf->samples);
        int rc = p ? pa_inference_check(r->conf->inference, p, err) : PA_ENOMEM;

        json_decref(p);
        return rc;
}

/* Items with messages: the engine sends turns, or a completions engine
 * renders them by the server's chat template, tried once here so that a
 * server without one is refused before anything is sent. */
static int check_turns(struct run *r, struct pa_err *err)
{
        json_t *m;
        char *prompt = NULL;
        int rc;

        if ((rc = pa_engine_check_suite(&r->engine, &r->suite, err)) || !r->suite.has_messages ||
            !r->engine.ops->flat_prompt)
                return rc;
        if (!(m = json_pack("[{s:s, s:s}]", "role", "user", "content", "parity: template check")))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc = r->engine.ops->chat_prompt(&r->engine, m, &prompt, err);
        free(prompt);
        json_decref(m);
        return rc;
}

static int prepare(struct run *r, struct pa_err *err)
{
        struct pa_engine_conf ec = r->conf->engine;
        int rc;
        struct pa_suite_opts so = {.allow_outside = r->conf->allow_outside_paths,
                                   .max_cases = r->conf->max_cases};

        if ((rc = pa_suite_load_opts(&r->suite, r->conf->suite_path, &so, err)) ||
            (rc = apply_system(r, err)) ||
            (rc = pa_evidence_prepare(&r->conf->prov, &r->suite, &r->th, err)))
                return rc;
        pa_table_init(&r->table, r->suite.scorers.n);
        apply_defaults(r, &ec);
        if ((rc = check_inference(r, &ec, err)) || (rc = pa_engine_open(&r->engine, &ec, err)) ||
            (rc = pa__preflight(&r->engine, &r->models_listed, err)) ||
            (rc = pa__run_endpoints_probe(r, err)) || (rc = check_turns(r, err)))
                return rc;
        r->x.shard = (struct pa__shard){r->conf->shard_index, r->conf->shard_count};
        if ((rc = pa__shard_cases(&r->x.shard, &r->suite, &r->planned, err)))
                return rc;
        if (__builtin_mul_overflow(r->planned, (uint64_t)r->conf->samples, &r->planned))
                return pa_errf(err, PA_EINVAL, "--samples: cases x samples overflow");
        return 0;
}

/* --resume: the folder must hold this suite with the same settings; its
 * records are indexed and the chain continues from them. */
static int resume_dir(struct run *r, struct pa_err *err)
{
        const json_t *id = json_object_get(r->x.resume.manifest, "run_id");
        json_t *now = pa__run_manifest_json(r, "running");
        int rc = !now || pa_evidence_annotate(now, &r->conf->prov, &r->th)
                     ? PA_ENOMEM
                     : pa__resume_check(&r->x.resume, now, &r->x.shard, r->dir, err);

        json_decref(now);
        if (rc || (rc = pa__resume_results(&r->x.resume, r->dir, &r->results, err)))
                return rc;
        snprintf(r->run_id, sizeof(r->run_id), "%s",
                 json_is_string(id) ? json_string_value(id) : "");
        r->done = r->x.resume.records;
        r->errors = r->x.resume.errors;
        r->unrated = r->x.resume.unrated;
        r->x.cached = r->x.resume.cached;
        r->model_reported = r->x.resume.model_reported;
        r->x.resume.model_reported = NULL;
        r->tls_was_insecure = json_is_true(json_object_get(
            json_object_get(json_object_get(r->x.resume.manifest, "engine"), "tls"), "insecure"));
        pa__now_iso(r->x.resumed_at);
        return 0;
}

/* A new run folder, or the --resume one. */
static int open_dir(struct run *r, struct pa_err *err)
{
        const char *dir = r->conf->resume_dir;
        int rc;

        if (!dir)
                return (rc = make_dir(r, err)) ? rc : copy_suite(r, err);
        /* Checked before the lock (which writes a file), read again under it. */
        if ((rc = pa__resume_manifest(&r->x.resume, dir, err)))
                return rc;
        pa__resume_release(&r->x.resume);
        if ((rc = pa__dir_lock(dir, &r->lock, err)) ||
            (rc = pa__resume_manifest(&r->x.resume, dir, err)))
                return rc;
        make_run_id(r);
        if (!(r->dir = strdup(dir)))
                return PA_ENOMEM;
        /* A folder killed before its manifest was written starts afresh. */
        return r->x.resume.manifest ? resume_dir(r, err) : copy_suite(r, err);
}

/* --cache: keyed also by what the server says it serves (cache.h). */
static int open_cache(struct run *r, struct pa_err *err)
{
        char *identity;
        int rc;

        if (!r->conf->cache_dir)
                return 0;
        identity = pa__cache_identity(r->identity, r->models_listed);
        rc = pa__cache_open(&r->x.cache, r->conf->cache_dir, &r->engine, identity, err);
        free(identity);
        r->x.caching = rc == 0;
        return rc;
}

/* Cases of the plan without an answer: failed after their retries, or
 * never asked (the circuit breaker stopped the run). */
uint64_t pa__run_unanswered(const struct run *r)
{
        uint64_t answered = r->done - r->errors - r->unrated;

        return r->planned > answered ? r->planned - answered : 0;
}

/* Over the error budget, or stopped by the circuit breaker. */
static bool short_of_answers(const struct run *r)
{
        return r->x.stats.tripped ||
               (double)pa__run_unanswered(r) > r->conf->max_error_rate * (double)r->planned;
}

/* Answers the judge gave no rating: counted among the missing, and why. */
static void say_unrated(const struct run *r)
{
        if (r->judge.missing)
                fprintf(stderr,
                        "parity: the judge gave no rating for %llu answers (%s): they count "
                        "as missing answers, never as a pass\n",
                        (unsigned long long)r->judge.missing, r->judge_why);
}

/* Says first what went wrong and what to do; the folder is sealed as
 * "incomplete" and no report reads as a pass. */
static void incomplete(const struct run *r)
{
        uint64_t n = pa__run_unanswered(r);
        char cause[4 * sizeof(r->x.stats.trip_cause)];

        /* The cause quotes the server: escaped before it reaches a terminal. */
        pa__esc(r->x.stats.trip_cause, strlen(r->x.stats.trip_cause), cause, sizeof(cause));
        fflush(stdout); /* the table first, so a redirected log reads in order */
        if (r->x.stats.tripped)
                fprintf(stderr,
                        "parity: incomplete: stopped after %u attempts in a row failed (%s); "
                        "%llu of %llu answers missing: when the server is back, continue with "
                        "--resume %s\n",
                        breaker_after(r->conf->concurrency), cause, (unsigned long long)n,
                        (unsigned long long)r->planned, r->dir);
        else
                fprintf(stderr,
                        "parity: incomplete: %llu of %llu answers missing (%.1f%%, over the "
                        "error budget of %g%%): see the errors in %s/results.jsonl (--verbose "
                        "prints them), then --resume %s asks them again\n",
                        (unsigned long long)n, (unsigned long long)r->planned,
                        100.0 * (double)n / (double)(r->planned ? r->planned : 1),
                        100 * r->conf->max_error_rate, r->dir, r->dir);
        say_unrated(r);
}

/* A run stopped by a signal: the manifest says so and --resume continues. */
static int stopped(struct run *r, struct pa_err *err)
{
        int rc = pa__run_write_manifest(r, "interrupted", err);

        fprintf(stderr,
                "parity: interrupted by %s: %llu of %llu records; continue with --resume %s\n",
                pa__signal_name(r->x.guard.signo), (unsigned long long)r->done,
                (unsigned long long)r->planned, r->dir);
        printf("run folder: %s\n", r->dir);
        return rc ? rc : 128 + r->x.guard.signo;
}

/* A write that failed once the folder was a run (a full disk, a file size
 * limit): the records on disk stay whole (a torn last line is dropped by
 * --resume) and --resume continues once there is space. */
static int write_failed(const struct run *r, int rc, struct pa_err *err)
{
        char msg[sizeof(err->msg)];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        return pa_errf(err, rc,
                       "%s: the records written so far are kept; free space, then continue "
                       "with --resume %s",
                       msg, r->dir);
}

int pa_run(const struct pa_run_conf *conf, char **run_dir_out, struct pa_err *err)
{
        struct run r = {.conf = conf, .lock = PA__LOCK_INIT};
        struct pa_run_dir done = {0};
        bool begun = false; /* the folder is a run: --resume can continue it */
        int rc;

        pa__now_iso(r.started);
        /* Everything that can be wrong with the input is found before the
         * folder exists. */
        /* The judge is calibrated before the folder exists: a judge that
         * cannot answer stops the run before any case is sent. */
        if ((rc = prepare(&r, err)) ||
            (rc = pa__judge_prepare(&conf->judge, &r.suite, conf->alpha, conf->quiet, &r.judge,
                                    err)) ||
            (rc = open_dir(&r, err)) || (rc = pa_evidence_register(&r.th, r.dir, err)) ||
            (rc = guard(&r, err)))
                goto out;
        if (r.engine.ops->http && !r.identity)
                r.identity = pa__identity(&r.engine, &r.x.guard.stop, conf->quiet);
        if ((rc = open_cache(&r, err)) || (rc = pa__run_write_manifest(&r, "running", err)))
                goto out;
        begun = true;
        if ((rc = execute(&r, err)))
                goto out;
        /* What --resume found done is skipped by now: not held through
         * the summary and the seal, which read the whole folder. */
        pa__done_release(&r.x.resume.done);
        pa__now_iso(r.ended);
        if (r.x.guard.signo && r.done < r.planned) {
                rc = stopped(&r, err);
                goto out;
        }
        if ((rc =
                 pa__run_write_manifest(&r, short_of_answers(&r) ? "incomplete" : "complete", err)))
                goto out;
        pa__guard_release(&r.x.guard); /* a signal now just ends the summary */
        if (short_of_answers(&r))
                incomplete(&r); /* said first: the table that follows is no pass */
        else
                say_unrated(&r);
        /* judge.json before the summary, which shows its error rate. */
        if ((rc = pa__judge_write(r.dir, r.judge.calibration, err)) ||
            (rc = pa__run_summarise(&r, &done, err)))
                goto out;
        pa_run_dir_release(&done); /* the seal reads the records again itself */
        if ((rc = pa__run_seal(&r, err)))
                goto out;
        printf("run folder: %s\n", r.dir);
        if (short_of_answers(&r))
                rc = PA_RUN_INCOMPLETE;
        if (run_dir_out) {
                *run_dir_out = r.dir;
                r.dir = NULL;
        }
out:
        if (rc == PA_EIO && begun)
                rc = write_failed(&r, rc, err);
        pa__runx_release(&r.x);
        pa_run_dir_release(&done);
        pa_table_release(&r.table);
        json_decref(r.cur_obj);
        pa__item_cursor_free(r.items);
        pa_scorer_scratch_free(&r.suite.scorers, r.scratch);
        pa_engine_close(&r.engine);
        pa_suite_release(&r.suite);
        pa_thresholds_release(&r.th);
        json_decref(r.models_listed);
        json_decref(r.failed);
        json_decref(r.identity);
        pa__run_endpoints_release(&r);
        pa__judge_release(&r.judge);
        free(r.model_reported);
        free(r.dir);
        pa__dir_unlock(&r.lock);
        return rc;
}
