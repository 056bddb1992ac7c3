/* Crash safety and bookkeeping of a run folder (resume.h). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parity/evidence.h"
#include "resume.h"
#include "scorers/judge.h"
#include "evaluator/folder/lock.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/util/util.h"

/* --- the done-index ------------------------------------------------------ */

int pa__done_add(struct pa__done *d, const json_t *rec, struct pa_err *err)
{
        const json_t *s = json_object_get(rec, "sample");
        uint64_t id;

        if (!pa__case_id_u64(json_string_value(json_object_get(rec, "case_id")), &id) ||
            !json_is_integer(s) || json_integer_value(s) < 0 ||
            json_integer_value(s) > (json_int_t)UINT32_MAX)
                return pa_errf(err, PA_EINVAL,
                               "record %zu: expected \"case_id\" (16 hex digits) and \"sample\"",
                               d->n + 1);
        if (pa__grow(&d->v, &d->cap, d->n, sizeof(*d->v), 1024))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        d->v[d->n++] = (struct pa__done_key){id, (uint32_t)json_integer_value(s)};
        return 0;
}

static int key_cmp(const void *pa, const void *pb)
{
        const struct pa__done_key *a = pa, *b = pb;

        if (a->id != b->id)
                return a->id < b->id ? -1 : 1;
        return (a->sample > b->sample) - (a->sample < b->sample);
}

static int key_order(const void *a, const void *b, void *ud)
{
        (void)ud;
        return key_cmp(a, b);
}

int pa__done_seal(struct pa__done *d, struct pa_err *err)
{
        if (d->n)
                pa__sort_r(d->v, d->n, sizeof(*d->v), key_order, NULL);
        for (size_t i = 1; i < d->n; i++)
                if (!key_cmp(&d->v[i - 1], &d->v[i]))
                        return pa_errf(err, PA_EINVAL, "case %016llx sample %u is recorded twice",
                                       (unsigned long long)d->v[i].id, (unsigned)d->v[i].sample);
        return 0;
}

bool pa__done_has(const struct pa__done *d, const char *case_id, unsigned sample)
{
        struct pa__done_key k = {0, sample};

        if (!d->n || !pa__case_id_u64(case_id, &k.id))
                return false;
        return bsearch(&k, d->v, d->n, sizeof(*d->v), key_cmp) != NULL;
}

void pa__done_release(struct pa__done *d)
{
        free(d->v);
        memset(d, 0, sizeof(*d));
}

/* --- resuming a folder --------------------------------------------------- */

json_t *pa__manifest_load(const char *dir, struct pa_err *err)
{
        json_t *m = NULL;
        char msg[sizeof(err->msg)];
        int rc = pa__manifest_read(dir, &m, err);

        if (rc == 0 && !json_is_object(m))
                rc = pa_errf(err, PA_EINVAL, "manifest.json: expected an object");
        if (rc) {
                snprintf(msg, sizeof(msg), "%s", err->msg);
                pa_errf(err, rc, "run folder '%s': %s", dir, msg);
                json_decref(m);
                m = NULL;
        }
        return m;
}

/* What a run leaves before its manifest: suite/, the lock, an empty
 * results.jsonl. A folder with anything else is not parity's to write. */
static bool only_start_files(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        bool ok = d != NULL;

        while (ok && (de = readdir(d)))
                ok = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                     !strcmp(de->d_name, "suite") || !strcmp(de->d_name, PA_LOCK_FILE) ||
                     !strcmp(de->d_name, "results.jsonl");
        if (d)
                closedir(d);
        return ok;
}

/* A manifest parity wrote: "parity_manifest": 1 and tool.name "parity". */
static bool is_parity_manifest(const json_t *m)
{
        const char *tool = json_string_value(json_object_get(json_object_get(m, "tool"), "name"));

        return json_integer_value(json_object_get(m, "parity_manifest")) == 1 && tool &&
               !strcmp(tool, "parity");
}

int pa__resume_manifest(struct pa__resume *rs, const char *dir, struct pa_err *err)
{
        char *m = pa__path_join(dir, "manifest.json"), *res = pa__path_join(dir, "results.jsonl");
        struct stat st;
        int rc = 0;

        memset(rs, 0, sizeof(*rs));
        if (!m || !res)
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        else if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
                rc = pa_errf(err, PA_EINVAL, "--resume '%s': no such run folder", dir);
        else if (lstat(m, &st) == 0 || errno != ENOENT)
                rc = (rs->manifest = pa__manifest_load(dir, err)) ? 0 : PA_EINVAL;
        else if (lstat(res, &st) == 0 && st.st_size > 0)
                rc = pa_errf(err, PA_EINVAL, "--resume '%s': records but no manifest.json", dir);
        else if (!only_start_files(dir))
                rc = pa_errf(err, PA_EINVAL,
                             "--resume '%s': not a parity run folder (no manifest.json and files "
                             "parity did not write): refusing to write into it",
                             dir);
        else
                fprintf(stderr,
                        "parity: run folder '%s' has no manifest (stopped while starting): "
                        "starting it afresh\n",
                        dir);
        if (rc == 0 && rs->manifest && !is_parity_manifest(rs->manifest))
                rc = pa_errf(err, PA_EINVAL,
                             "--resume '%s': manifest.json: expected a parity run manifest "
                             "(\"parity_manifest\": 1, tool.name \"parity\")",
                             dir);
        if (rc) {
                json_decref(rs->manifest);
                rs->manifest = NULL;
        }
        free(m);
        free(res);
        return rc;
}

static int index_record(void *ud, json_t *rec, struct pa_err *err)
{
        struct pa__resume *rs = ud;
        const json_t *error = json_object_get(rec, "error");
        const char *model = json_string_value(json_object_get(rec, "model"));
        bool errored = error && !json_is_null(error);
        /* An answer the judge did not rate is a missing score, like a failed one. */
        bool unrated = !errored && pa__judge_record_missing(rec);

        rs->records++;
        rs->errors += errored;
        rs->unrated += unrated;
        rs->cached += json_is_true(json_object_get(rec, "cached"));
        if (!rs->model_reported && model && !(rs->model_reported = strdup(model)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        /* A failed pair is not done: the resume asks it again. */
        return errored || unrated ? 0 : pa__done_add(&rs->done, rec, err);
}

int pa__resume_results(struct pa__resume *rs, const char *dir, struct pa_results *w,
                       struct pa_err *err)
{
        char *path = pa__path_join(dir, "results.jsonl");
        int rc;

        if (!path)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc = pa_results_resume(w, path, true, index_record, rs, &rs->torn_bytes, err);
        if (rc == 0 && rs->torn_bytes)
                fprintf(stderr,
                        "parity: '%s': dropped a torn last line (%llu bytes) left by an "
                        "interrupted write\n",
                        path, (unsigned long long)rs->torn_bytes);
        if (rc == 0 && (rc = pa__done_seal(&rs->done, err)))
                pa_results_close(w, NULL);
        free(path);
        return rc;
}

void pa__resume_release(struct pa__resume *rs)
{
        json_decref(rs->manifest);
        pa__done_release(&rs->done);
        free(rs->model_reported);
        memset(rs, 0, sizeof(*rs));
}

/* --- settings two folders must share ------------------------------------- */

static const char *const settings[][2] = {
    {"suite", "sha256"},
    {"suite", "items_sha256"},
    {"engine", "name"},
    {"engine", "model"},
    {"engine", "exec_command"},
    {"engine", "exec_prompt"},
    {"engine", "replay_from"},
    {"parameters", "temperature"},
    {"parameters", "top_p"},
    {"parameters", "max_tokens"},
    {"parameters", "seed"},
    {"parameters", "seed_scheme"},
    {"parameters", "stop"},
    {"parameters", "system"},
    {"parameters", "samples"},
    {"parameters", "sim_profile"},
    {"thresholds", "sha256"},
    /* The judge's too: the records hold its ratings (judge.h). */
    {"judge", "engine"},
    {"judge", "model"},
    {"judge", "max_tokens"},
    {"judge", "seed"},
    {"judge", "outcomes"},
};

#define N_SETTINGS (sizeof(settings) / sizeof(*settings))

static void shown(const json_t *v, char out[96])
{
        char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

        snprintf(out, 96, "%.80s%s", s ? s : "(none)", s && strlen(s) > 80 ? "..." : "");
        free(s);
}

/* A setting in canonical form (a sealed manifest holds reals as decimal
 * strings: 0.5 -> "0.5", 0.0 -> 0), or NULL when absent or null. */
static json_t *setting(const json_t *m, size_t i)
{
        const json_t *v = json_object_get(json_object_get(m, settings[i][0]), settings[i][1]);

        return v && !json_is_null(v) ? pa_canonical_copy(v) : NULL;
}

int pa__settings_match(const json_t *a, const json_t *b, const char *what_a, const char *what_b,
                       struct pa_err *err)
{
        char sa[96], sb[96];
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < N_SETTINGS; i++) {
                json_t *va = setting(a, i), *vb = setting(b, i);

                if ((va || vb) && !(va && vb && json_equal(va, vb))) {
                        shown(va, sa);
                        shown(vb, sb);
                        rc = pa_errf(err, PA_EINVAL, "%s and %s differ in %s.%s: %s vs %s", what_a,
                                     what_b, settings[i][0], settings[i][1], sa, sb);
                }
                json_decref(va);
                json_decref(vb);
        }
        return rc;
}

int pa__resume_check(const struct pa__resume *rs, const json_t *now, const struct pa__shard *shard,
                     const char *dir, struct pa_err *err)
{
        const json_t *old = rs->manifest, *v = json_object_get(old, "shard");
        struct pa__shard sh = {0, 0};
        char what[4200];
        int rc;

        snprintf(what, sizeof(what), "--resume: run folder '%s'", dir);
        if ((rc = pa__settings_match(old, now, what, "the command line", err)))
                return rc;
        if (v && pa__shard_from_json(v, &sh))
                return pa_errf(err, PA_EINVAL, "%s: manifest.json: /shard: expected {index, count}",
                               what);
        if (sh.index != shard->index || sh.count != shard->count)
                return pa_errf(err, PA_EINVAL,
                               "%s and the command line differ in --shard: %u/%u vs %u/%u", what,
                               sh.index, sh.count, shard->index, shard->count);
        return 0;
}

/* --- the signal guard ---------------------------------------------------- */

static sigset_t guarded(void)
{
        sigset_t s;

        sigemptyset(&s);
        sigaddset(&s, SIGINT);
        sigaddset(&s, SIGTERM);
        return s;
}

const char *pa__signal_name(int signo)
{
        return signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "a signal";
}

static bool finished(struct pa__guard *g)
{
        bool f;

        pthread_mutex_lock(&g->lock);
        f = g->finished;
        pthread_mutex_unlock(&g->lock);
        return f;
}

/* Under the lock no record is being written; the lock is never released. */
static void abort_run(struct pa__guard *g)
{
        pthread_mutex_lock(&g->lock);
        if (g->finished) {
                pthread_mutex_unlock(&g->lock);
                return;
        }
        fprintf(stderr, "parity: aborting: requests in flight are dropped\n");
        if (g->on_abort)
                g->on_abort(g->ud);
        fflush(stdout);
        fflush(stderr);
        _exit(128 + g->signo);
}

/* Waits for the next signal until deadline (ms, 0: none): the signal, 0
 * at the deadline, -1 to retry. */
static int wait_signal(const sigset_t *set, double deadline)
{
        double left = deadline - pa__mono_ms();
        struct timespec ts;
        int sig;

        if (deadline <= 0)
                return sigwaitinfo(set, NULL);
        if (left <= 0)
                return 0;
        ts.tv_sec = (time_t)(left / 1000);
        ts.tv_nsec = (long)(fmod(left, 1000) * 1e6);
        sig = sigtimedwait(set, NULL, &ts);
        return sig < 0 && errno == EAGAIN ? 0 : sig;
}

static void *watch(void *arg)
{
        struct pa__guard *g = arg;
        sigset_t set = guarded();
        double deadline = 0;
        int sig;

        for (;;) {
                if ((sig = wait_signal(&set, deadline)) < 0)
                        continue;
                if (finished(g))
                        return NULL;
                if (sig == 0 || g->signo) {
                        abort_run(g);
                        return NULL;
                }
                g->signo = sig;
                g->stop = 1;
                deadline = pa__mono_ms() + g->grace_s * 1000;
                fprintf(stderr,
                        "%sparity: %s: stopping; waiting up to %.0f s for requests in flight "
                        "(%s again aborts at once)\n",
                        isatty(STDERR_FILENO) ? "\n" : "", pa__signal_name(sig), g->grace_s,
                        sig == SIGINT ? "Ctrl-C" : "a second signal");
        }
}

int pa__guard_start(struct pa__guard *g, struct pa_err *err)
{
        sigset_t set = guarded();

        if (pthread_mutex_init(&g->lock, NULL))
                return pa_errf(err, PA_ENOMEM, "cannot create a mutex");
        if (pthread_sigmask(SIG_BLOCK, &set, &g->old) ||
            pthread_create(&g->thread, NULL, watch, g)) {
                pthread_sigmask(SIG_SETMASK, &g->old, NULL);
                pthread_mutex_destroy(&g->lock);
                return pa_errf(err, PA_ENOMEM, "cannot start the signal watchdog");
        }
        g->started = true;
        return 0;
}

void pa__guard_lock(struct pa__guard *g)
{
        if (g->started)
                pthread_mutex_lock(&g->lock);
}

void pa__guard_unlock(struct pa__guard *g)
{
        if (g->started)
                pthread_mutex_unlock(&g->lock);
}

void pa__guard_finish(struct pa__guard *g)
{
        if (!g->started || g->finished)
                return;
        pthread_mutex_lock(&g->lock);
        g->finished = true;
        pthread_mutex_unlock(&g->lock);
        pthread_kill(g->thread, SIGTERM);
        pthread_join(g->thread, NULL);
}

void pa__guard_release(struct pa__guard *g)
{
        if (!g->started)
                return;
        pa__guard_finish(g);
        pthread_sigmask(SIG_SETMASK, &g->old, NULL);
        pthread_mutex_destroy(&g->lock);
        g->started = false;
}

/* --- the manifest's run-level fields ------------------------------------- */

static int keep_old(const json_t *old, json_t *m)
{
        static const char *const keys[] = {"run_id", "started_at", "suite"};
        json_t *resumes = json_deep_copy(json_object_get(old, "resumes"));
        int rc = 0;

        for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
                if (json_object_get(old, keys[i]))
                        rc |= json_object_set(m, keys[i], json_object_get(old, keys[i]));
        if (!json_is_array(resumes)) {
                json_decref(resumes);
                resumes = json_array();
        }
        return rc | json_object_set_new(m, "resumes", resumes);
}

int pa__runx_manifest(const struct pa__runx *x, json_t *m, const char *status)
{
        const struct pa__resume *rs = &x->resume;
        json_t *resumes;
        int rc = 0;

        if (x->shard.count)
                rc |= json_object_set_new(m, "shard", pa__shard_json(&x->shard));
        rc |= json_object_set_new(json_object_get(m, "counts"), "cached",
                                  json_integer((json_int_t)x->cached));
        if (x->caching)
                rc |= json_object_set_new(m, "cache",
                                          json_pack("{s:s, s:I, s:I}", "dir", x->cache.dir, "hits",
                                                    (json_int_t)x->cache.hits, "stores",
                                                    (json_int_t)x->cache.stores));
        if (!strcmp(status, "interrupted") && x->guard.signo)
                rc |= json_object_set_new(m, "interrupted_by",
                                          json_string(pa__signal_name(x->guard.signo)));
        if (rs->manifest && (rc |= keep_old(rs->manifest, m)) == 0) {
                resumes = json_object_get(m, "resumes");
                rc |= json_array_append_new(resumes,
                                            json_pack("{s:s, s:I, s:I}", "at", x->resumed_at,
                                                      "records", (json_int_t)rs->records,
                                                      "torn_bytes", (json_int_t)rs->torn_bytes));
        }
        return rc ? PA_ENOMEM : 0;
}

void pa__runx_release(struct pa__runx *x)
{
        pa__guard_release(&x->guard);
        pa__resume_release(&x->resume);
        if (x->caching)
                pa__cache_close(&x->cache);
        x->caching = false;
}
