/* The run pipeline (run.h): validate everything, then make the run folder,
 * stream cases through the scheduler into results.jsonl, and summarise. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parity/report.h"
#include "parity/result.h"
#include "parity/sched.h"
#include "parity/stats.h"
#include "case.h"
#include "identity.h"
#include "resume.h"
#include "run.h"
#include "util.h"

#define MAX_BODY (8u << 20)

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
        /* The cursor over item x variant x sample, and its item read back
         * (cur, pointing into cur_obj) once for all its variants. */
        size_t item;
        uint64_t variant;
        struct pa_item cur;
        json_t *cur_obj;
        size_t cur_at;
        unsigned sample;
        uint64_t planned, done, errors;
        struct pa_thresholds th; /* --thresholds, pre-registered (evidence.h) */
        bool exhausted;          /* the cursor passed the last case */
        struct pa__runx x;       /* resume, cache, shard, progress, signals (resume.h) */
        struct pa_table table;   /* what the summary needs of each record */
};

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

        make_run_id(r);
        r->dir = c->run_dir ? strdup(c->run_dir)
                            : pa__path_join(c->out_dir ? c->out_dir : "runs", r->run_id);
        if (!r->dir)
                return PA_ENOMEM;
        if (!pa__dir_is_vacant(r->dir))
                return pa_errf(err, PA_EEXIST, "run folder '%s' exists and is not empty", r->dir);
        return pa__mkdir_p(r->dir, err);
}

/* A copy of the suite (and its items file) makes the folder self-contained. */
static int copy_suite(struct run *r, struct pa_err *err)
{
        struct pa_suite *s = &r->suite;
        const char *rel = json_string_value(json_object_get(s->root, "items_file"));
        char *sdir = pa__path_join(r->dir, "suite"), *to = NULL, *tdir = NULL;
        int rc = PA_ENOMEM;

        if (!sdir || (rc = pa__mkdir_p(sdir, err)))
                goto out;
        rc = PA_ENOMEM;
        if (!(to = pa__path_join(sdir, pa__basename(s->path))))
                goto out;
        if ((rc = pa__copy_file(s->path, to, err)) || !rel)
                goto out;
        free(to);
        rc = PA_ENOMEM;
        if (rel[0] == '/')
                rel = pa__basename(rel);
        if (!(to = pa__path_join(sdir, rel)) || !(tdir = pa__dirname(to)))
                goto out;
        if ((rc = pa__mkdir_p(tdir, err)) == 0)
                rc = pa_suite_copy_items(&r->suite, to, err);
out:
        free(tdir);
        free(to);
        free(sdir);
        return rc;
}

static json_t *params_json(const struct run *r)
{
        const struct pa_engine_conf *e = &r->engine.conf;
        const char *sys = r->suite.defaults.system;
        json_t *p = json_pack(
            "{s:o, s:o, s:o, s:o, s:O?, s:o, s:i, s:i, s:f, s:o}", "temperature",
            e->has_temperature ? json_real(e->temperature) : json_null(), "top_p",
            e->has_top_p ? json_real(e->top_p) : json_null(), "max_tokens",
            e->max_tokens > 0 ? json_integer(e->max_tokens) : json_null(), "seed",
            e->has_seed ? json_integer((json_int_t)(e->seed & INT64_MAX)) : json_null(), "stop",
            e->stop, "system", sys ? json_string(sys) : json_null(), "samples", r->conf->samples,
            "concurrency", r->conf->concurrency, "timeout_s", e->timeout_s, "sim_profile",
            e->sim_profile ? json_string(e->sim_profile) : json_null());

        if (p &&
            json_object_update_new(
                p, json_pack("{s:b, s:i, s:f, s:f, s:f, s:b}", "stream", e->stream, "retries",
                             r->conf->retries, "retry_max_s", r->conf->retry_max_s, "rpm",
                             r->conf->rpm, "tpm", r->conf->tpm, "adaptive", r->conf->adaptive)))
                return NULL;
        return p;
}

static json_t *suite_json(const struct pa_suite *s)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:I}", "id", s->id, "version",
                         s->version, "path", s->path, "sha256", s->sha256, "items_file",
                         s->items_path, "items_sha256", s->items_path ? s->items_sha256 : NULL,
                         "cases", (json_int_t)s->n_cases);
}

static json_t *engine_json(const struct run *r)
{
        const struct pa_engine_conf *e = &r->engine.conf;
        json_t *urls = json_array();

        for (size_t i = 0; urls && e->base_url && i <= e->n_more_urls; i++)
                json_array_append_new(urls, json_string(i ? e->more_urls[i - 1] : e->base_url));
        return json_pack("{s:s, s:s?, s:o, s:s?, s:s?, s:O?, s:s?, s:O*, s:s*, s:s*, s:s*}", "name",
                         e->name, "base_url", e->base_url, "base_urls", urls, "model", e->model,
                         "model_reported", r->model_reported, "models_listed", r->models_listed,
                         "api_key_env", e->api_key_env, "identity", r->identity, "exec_command",
                         e->exec_command, "exec_prompt",
                         e->exec_command ? (e->exec_prompt_arg ? "arg" : "stdin") : NULL,
                         "replay_from", e->replay_from);
}

/* The manifest without the run-level fields of resume.h. */
static json_t *manifest_json(struct run *r, const char *status)
{
        char host[256] = "";

        gethostname(host, sizeof(host) - 1);
        return json_pack(
            "{s:i, s:{s:s, s:s}, s:s, s:s, s:o, s:o, s:o, s:s, s:s?, s:s, s:{s:I, s:I, "
            "s:I}, s:{s:s, s:I, s:s}}",
            "parity_manifest", 1, "tool", "name", "parity", "version", PA_VERSION, "run_id",
            r->run_id, "status", status, "suite", suite_json(&r->suite), "engine", engine_json(r),
            "parameters", params_json(r), "started_at", r->started, "ended_at",
            r->ended[0] ? r->ended : NULL, "host", host, "counts", "planned",
            (json_int_t)r->planned, "records", (json_int_t)r->done, "errors", (json_int_t)r->errors,
            "results", "file", "results.jsonl", "records", (json_int_t)r->results.n, "chain_head",
            r->results.head);
}

static int put_manifest(struct run *r, const char *status, struct pa_err *err)
{
        char *text = NULL, *path = pa__path_join(r->dir, "manifest.json");
        json_t *m = manifest_json(r, status);
        int rc = PA_ENOMEM;

        if (m && (pa__runx_manifest(&r->x, m, status) ||
                  pa_evidence_annotate(m, &r->conf->prov, &r->th))) {
                json_decref(m);
                m = NULL;
        }
        if (m && path && (text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS)))
                rc = pa__write_file_atomic(path, text, strlen(text), err);
        free(text);
        free(path);
        json_decref(m);
        return rc;
}

/* Under the record lock: never beside the watchdog's own (resume.h). */
static int write_manifest(struct run *r, const char *status, struct pa_err *err)
{
        int rc;

        pa__guard_lock(&r->x.guard);
        rc = put_manifest(r, status, err);
        pa__guard_unlock(&r->x.guard);
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
        if (!r->cur_obj || r->cur_at != r->item) {
                json_decref(r->cur_obj);
                r->cur_obj = NULL;
                if ((rc = pa_suite_item_read(&r->suite, r->item, &r->cur, &r->cur_obj, err)))
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

static int job_done(void *ud, struct pa_job *job, struct pa_reply *reply, double latency_ms,
                    struct pa_err *err)
{
        struct run *r = ud;
        signed char v[PA_MAX_SCORERS];
        int rc;

        pa_score_text(&r->suite, job->c.item, r->scratch, reply->error ? NULL : reply->text,
                      reply->len, v);
        pa__guard_lock(&r->x.guard); /* an abort never tears a record */
        rc = pa_results_write(&r->results, &r->suite, &r->engine, job, reply, latency_ms, v,
                              r->x.hit, err);
        if (rc == 0 && pa_table_add(&r->table, (uint32_t)job->c.item_index,
                                    (uint32_t)job->c.variant, job->sample, v))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        r->done++;
        r->errors += reply->error != NULL;
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
        put_manifest(r, "interrupted", NULL);
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

static int prepare(struct run *r, struct pa_err *err)
{
        struct pa_engine_conf ec = r->conf->engine;
        int rc;

        if ((rc = pa_suite_load(&r->suite, r->conf->suite_path, err)) ||
            (rc = apply_system(r, err)) ||
            (rc = pa_evidence_prepare(&r->conf->prov, &r->suite, &r->th, err)))
                return rc;
        pa_table_init(&r->table, r->suite.scorers.n);
        apply_defaults(r, &ec);
        if ((rc = pa_engine_open(&r->engine, &ec, err)))
                return rc;
        r->x.shard = (struct pa__shard){r->conf->shard_index, r->conf->shard_count};
        if ((rc = pa__shard_cases(&r->x.shard, &r->suite, &r->planned, err)))
                return rc;
        r->planned *= r->conf->samples;
        return 0;
}

/* --resume: the folder must hold this suite with the same settings; its
 * records are indexed and the chain continues from them. */
static int resume_dir(struct run *r, struct pa_err *err)
{
        const json_t *id = json_object_get(r->x.resume.manifest, "run_id");
        json_t *now = manifest_json(r, "running");
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
        r->x.cached = r->x.resume.cached;
        r->model_reported = r->x.resume.model_reported;
        r->x.resume.model_reported = NULL;
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
        if ((rc = pa__resume_manifest(&r->x.resume, dir, err)))
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

/* A run stopped by a signal: the manifest says so and --resume continues. */
static int stopped(struct run *r, struct pa_err *err)
{
        int rc = write_manifest(r, "interrupted", err);

        fprintf(stderr,
                "parity: interrupted by %s: %llu of %llu records; continue with --resume %s\n",
                pa__signal_name(r->x.guard.signo), (unsigned long long)r->done,
                (unsigned long long)r->planned, r->dir);
        printf("run folder: %s\n", r->dir);
        return rc ? rc : 128 + r->x.guard.signo;
}

static void analysis_conf(const json_t *manifest, double alpha, struct pa_analysis_conf *c);

/* The summary from the records this process wrote, without reading them
 * back. A resumed run (records from an earlier process) and a suite with
 * benchmark metrics (which need the answers) read results.jsonl instead. */
static int summarise(struct run *r, struct pa_run_dir *done, struct pa_err *err)
{
        char *path = pa__path_join(r->dir, "manifest.json");
        struct pa_analysis_conf c;
        json_t *summary = NULL;
        int rc;

        if (json_object_get(r->suite.root, "metrics") || r->table.n != r->results.n) {
                free(path);
                rc = pa_run_dir_open_with(done, r->dir, &r->suite, err);
                return rc ? rc : pa_run_dir_summarise(done, r->conf->alpha, r->conf->quiet, err);
        }
        done->dir = r->dir;
        done->manifest = path ? json_load_file(path, 0, NULL) : NULL;
        free(path);
        analysis_conf(done->manifest, r->conf->alpha, &c);
        rc = pa_summary_analyse_table(&r->suite, &r->table, r->run_id, &c, &summary, err);
        if (rc == 0)
                rc = pa_run_dir_write_summary(done, summary, r->conf->quiet, err);
        json_decref(summary);
        done->dir = NULL; /* borrowed */
        return rc;
}

/* The seal's audit hook: report.md and report.html again, now with the
 * audit section (audit.json exists only once the seal has checked the
 * folder), before the manifest hashes them. */
static int write_audit_reports(void *ud, const json_t *audit, struct pa_err *err)
{
        struct run *r = ud;
        char *sp = pa__path_join(r->dir, "summary.json"),
             *mp = pa__path_join(r->dir, "manifest.json");
        json_t *summary = sp ? json_load_file(sp, 0, NULL) : NULL,
               *manifest = mp ? json_load_file(mp, 0, NULL) : NULL;
        const struct pa_report_doc doc = {.summary = summary, .manifest = manifest, .audit = audit};
        int rc = summary && manifest ? 0 : pa_errf(err, PA_EIO, "cannot read back '%s'", r->dir);

        if (rc == 0)
                rc = pa_report_write_doc(pa_reporter_find("md"), r->dir, &doc, err);
        if (rc == 0)
                rc = pa_report_write_doc(pa_reporter_find("html"), r->dir, &doc, err);
        json_decref(summary);
        json_decref(manifest);
        free(sp);
        free(mp);
        return rc;
}

/* Seals the folder from what this process wrote; a resumed run, whose
 * earlier records the table lacks, is sealed by re-reading them. */
static int seal(struct run *r, struct pa_err *err)
{
        const struct pa_table *t = r->table.n == r->results.n ? &r->table : NULL;

        return pa_evidence_seal_written(r->dir, &r->suite, r->results.n, r->errors, r->results.head,
                                        t, write_audit_reports, r, err);
}

int pa_run(const struct pa_run_conf *conf, char **run_dir_out, struct pa_err *err)
{
        struct run r = {.conf = conf};
        struct pa_run_dir done = {0};
        int rc;

        pa__now_iso(r.started);
        /* Everything that can be wrong with the input is found before the
         * folder exists. */
        if ((rc = prepare(&r, err)) || (rc = open_dir(&r, err)) ||
            (rc = pa_evidence_register(&r.th, r.dir, err)) || (rc = guard(&r, err)))
                goto out;
        if (r.engine.ops->http)
                r.models_listed = pa_engine_list_models(&r.engine);
        if (r.engine.ops->http)
                r.identity = pa__identity(&r.engine);
        if ((rc = open_cache(&r, err)) || (rc = write_manifest(&r, "running", err)) ||
            (rc = execute(&r, err)))
                goto out;
        pa__now_iso(r.ended);
        if (r.x.guard.signo && r.done < r.planned) {
                rc = stopped(&r, err);
                goto out;
        }
        if ((rc = write_manifest(&r, "complete", err)))
                goto out;
        pa__guard_release(&r.x.guard); /* a signal now just ends the summary */
        if ((rc = summarise(&r, &done, err)) || (rc = seal(&r, err)))
                goto out;
        printf("run folder: %s\n", r.dir);
        if (run_dir_out) {
                *run_dir_out = r.dir;
                r.dir = NULL;
        }
out:
        pa__runx_release(&r.x);
        pa_run_dir_release(&done);
        pa_table_release(&r.table);
        json_decref(r.cur_obj);
        pa_scorer_scratch_free(&r.suite.scorers, r.scratch);
        pa_engine_close(&r.engine);
        pa_suite_release(&r.suite);
        pa_thresholds_release(&r.th);
        json_decref(r.models_listed);
        json_decref(r.identity);
        free(r.model_reported);
        free(r.dir);
        return rc;
}

int pa_run_dir_open(struct pa_run_dir *r, const char *dir, struct pa_err *err)
{
        return pa_run_dir_open_with(r, dir, NULL, err);
}

int pa_run_dir_open_with(struct pa_run_dir *r, const char *dir, const struct pa_suite *s,
                         struct pa_err *err)
{
        char *mpath = pa__path_join(dir, "manifest.json"), *suite = NULL, *res = NULL;
        const char *spath;
        json_error_t je;
        int rc = PA_ENOMEM;

        memset(r, 0, sizeof(*r));
        if (!mpath || !(r->dir = strdup(dir)))
                goto out;
        if (!(r->manifest = json_load_file(mpath, 0, &je))) {
                rc = pa_errf(err, PA_EINVAL, "run folder '%s': manifest.json: %s", dir, je.text);
                goto out;
        }
        spath = json_string_value(json_object_get(json_object_get(r->manifest, "suite"), "path"));
        if (!spath) {
                rc = pa_errf(err, PA_EINVAL,
                             "run folder '%s': manifest.json: /suite/path: expected a string", dir);
                goto out;
        }
        rc = PA_ENOMEM;
        if (!(suite = pa__path_join(dir, "suite")) || !(res = pa__path_join(dir, "results.jsonl")))
                goto out;
        free(mpath);
        if (!(mpath = pa__path_join(suite, pa__basename(spath))))
                goto out;
        if (s) {
                r->suite = *s;
                r->suite_borrowed = true;
        }
        rc = s ? 0 : pa_suite_load(&r->suite, mpath, err);
        if (rc == 0)
                rc = pa_results_load(res, &r->records, err);
out:
        free(mpath);
        free(suite);
        free(res);
        return rc;
}

void pa_run_dir_release(struct pa_run_dir *r)
{
        if (!r)
                return;
        json_decref(r->manifest);
        json_decref(r->records);
        if (!r->suite_borrowed)
                pa_suite_release(&r->suite);
        free(r->dir);
        memset(r, 0, sizeof(*r));
}

/* Pre-registered thresholds, when the run has them, decide the findings. */
static void analysis_conf(const json_t *manifest, double alpha, struct pa_analysis_conf *c)
{
        const json_t *t = json_object_get(json_object_get(manifest, "thresholds"), "content");
        const char *corr = json_string_value(json_object_get(t, "correction"));

        pa_analysis_conf_init(c);
        c->alpha = alpha;
        pa_json_number(json_object_get(t, "alpha"), &c->alpha); /* sealed: a decimal string */
        pa_json_number(json_object_get(t, "min_diff"), &c->min_diff);
        pa_json_number(json_object_get(t, "min_impact_ratio"), &c->min_impact_ratio);
        if (corr && !strcmp(corr, "holm"))
                c->correction = PA_ADJ_HOLM;
}

int pa_run_dir_summary(const struct pa_run_dir *r, double alpha, json_t **summary,
                       struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(r->manifest, "run_id"));
        struct pa_analysis_conf c;

        analysis_conf(r->manifest, alpha, &c);
        return pa_summary_analyse(&r->suite, r->records, id, &c, summary, err);
}

int pa_run_dir_write_summary(const struct pa_run_dir *r, const json_t *summary, bool quiet,
                             struct pa_err *err)
{
        const struct pa_reporter_ops *fmts[] = {pa_reporter_find("json"), pa_reporter_find("text"),
                                                pa_reporter_find("md"), pa_reporter_find("html"),
                                                pa_reporter_find("junit")};
        const struct pa_report_doc doc = {.summary = summary, .manifest = r->manifest};
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < sizeof(fmts) / sizeof(*fmts); i++)
                rc = pa_report_write_doc(fmts[i], r->dir, &doc, err);
        if (rc == 0 && !quiet)
                rc = fmts[1]->write(summary, stdout, err);
        return rc;
}

int pa_run_dir_summarise(struct pa_run_dir *r, double alpha, bool quiet, struct pa_err *err)
{
        json_t *summary = NULL;
        int rc = pa_run_dir_summary(r, alpha, &summary, err);

        if (rc == 0)
                rc = pa_run_dir_write_summary(r, summary, quiet, err);
        json_decref(summary);
        return rc;
}
