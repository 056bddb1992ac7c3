/* Opening a run folder for checking, the results chain, and the content
 * checks a seal must pass (evidence_int.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/result.h"
#include "evidence_int.h"
#include "evaluator/folder/record_load.h"
#include "evaluator/folder/suite_copy.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/suite/shard.h"

/* ---- opening ---- */

uint64_t pa__ev_cap(const json_t *manifest, const char *name)
{
        const json_t *size =
            json_object_get(json_object_get(json_object_get(manifest, "files"), name), "size");

        if (json_is_integer(size) && json_integer_value(size) >= 0)
                return (uint64_t)json_integer_value(size); /* 0: uncapped, but regular */
        return PA_EV_MAX_BYTES;
}

json_t *pa__ev_load_json(const char *dir, const json_t *manifest, const char *name,
                         struct pa__findings *f)
{
        char *path = pa__path_join(dir, name);
        struct pa_err err = {{0}};
        struct stat st;
        json_t *v = NULL;

        if (path && lstat(path, &st) == 0 &&
            pa__json_load_regular(path, name, 0, pa__ev_cap(manifest, name), JSON_REJECT_DUPLICATES,
                                  &v, NULL, &err) &&
            f)
                pa__finding(f, "%s", err.msg);
        free(path);
        return v;
}

/* results.jsonl: its sealed size, or (not sealed yet) no cap: it grows
 * with the run, and a regular file is finite. */
static uint64_t results_cap(const json_t *manifest)
{
        return json_object_get(json_object_get(manifest, "files"), "results.jsonl")
                   ? pa__ev_cap(manifest, "results.jsonl")
                   : 0;
}

static void load_thresholds(struct pa__ev *e, struct pa__findings *f)
{
        struct pa_err err = {{0}};
        char *path = pa__path_join(e->dir, PA_THRESHOLDS_FILE);
        const json_t *reg = json_object_get(e->manifest, "thresholds");

        if (!path)
                return;
        if (access(path, F_OK) == 0) {
                if (pa_thresholds_load(&e->th, path, &err))
                        pa__finding(f, "%s: %s", PA_THRESHOLDS_FILE, err.msg);
                else if (!json_is_object(reg))
                        pa__finding(f, "%s: present but manifest.thresholds registers none",
                                    PA_THRESHOLDS_FILE);
        } else if (json_is_object(reg)) {
                pa__finding(f, "%s: missing, but manifest.thresholds registers it",
                            PA_THRESHOLDS_FILE);
        }
        free(path);
}

/* Whether the copy (suite_copy.h) hashes as s did when it was loaded. */
static bool same_copy(const char *path, const char *items, const struct pa_suite *s,
                      struct pa_err *err)
{
        char hex[PA_SHA256_HEX];
        bool ok = pa__sha256_file(path, hex, err) == 0 && !strcmp(hex, s->sha256);

        if (ok && s->items_file)
                ok =
                    items && pa__sha256_file(items, hex, err) == 0 && !strcmp(hex, s->items_sha256);
        return ok;
}

/* The suite copy as the manifest names it (suite_copy.h); or the run's
 * own suite s (borrowed) when the copy is its bytes. */
static void load_suite(struct pa__ev *e, const struct pa_suite *s, struct pa__findings *f)
{
        char *path = NULL, *items = NULL;
        struct pa_err err = {{0}};

        if (pa__suite_copy_paths(e->dir, e->manifest, &path, &items, &err)) {
                pa__finding(f, "%s", err.msg);
                return;
        }
        if (s) {
                e->suite = *s;
                e->suite_ok = e->suite_borrowed = true;
                if (!same_copy(path, items, s, &err))
                        pa__finding(f, "suite copy: %s",
                                    err.msg[0] ? err.msg
                                               : "differs from the suite the run loaded (the "
                                                 "suite copy was replaced or edited)");
        } else {
                e->suite_ok = pa__suite_copy_load(e->dir, e->manifest, &e->suite, &err) == 0;
                if (!e->suite_ok)
                        pa__finding(f, "suite copy: %s", err.msg[0] ? err.msg : "cannot be loaded");
        }
        free(path);
        free(items);
}

static void each_record(void *ud, json_t *rec)
{
        struct pa__ev *e = ud;

        if (e->tables)
                pa_audit_tables_add(e->tables, rec);
        if (e->scan)
                pa__ev_scan_record(e, rec);
        pa__cover_add(&e->cover, rec);
}

int pa__ev_open(struct pa__ev *e, const char *dir, bool keep_records, struct pa__findings *f,
                struct pa_err *err)
{
        return pa__ev_open_known(e, dir, keep_records, NULL, NULL, NULL, f, err);
}

int pa__ev_open_known(struct pa__ev *e, const char *dir, bool keep_records,
                      const struct pa__chain *known, const struct pa_table *t,
                      const struct pa_suite *s, struct pa__findings *f, struct pa_err *err)
{
        char *path = NULL;
        json_error_t je;
        struct pa_err rerr = {{0}};
        int rc, fd;

        memset(e, 0, sizeof(*e));
        e->dir = dir;
        if (!(path = pa__path_join(dir, "manifest.json")))
                return PA_ENOMEM;
        if ((rc = pa__open_regular(path, "manifest.json", 0, PA_MANIFEST_MAX_BYTES, &fd, err)) ==
            0) {
                rc = pa__read_fd_capped(fd, "manifest.json", PA_MANIFEST_MAX_BYTES, &e->mtext,
                                        &e->mlen, err);
                close(fd);
        }
        free(path);
        if (rc) {
                char msg[sizeof(err->msg)];

                snprintf(msg, sizeof(msg), "%s", err->msg);
                return pa_errf(err, PA_EINVAL, "run folder '%s': no readable manifest.json: %s",
                               dir, msg);
        }
        e->manifest = json_loadb(e->mtext, e->mlen, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(e->manifest))
                return pa_errf(err, PA_EINVAL, "run folder '%s': manifest.json: %d:%d: %s", dir,
                               je.line, je.column, e->manifest ? "expected an object" : je.text);
        load_suite(e, s, f);
        rc = PA_ENOMEM;
        if ((e->suite_ok && pa_audit_tables_new(&e->suite, &e->tables)) ||
            (keep_records && e->suite_ok && pa__ev_scan_begin(e)) ||
            !(path = pa__path_join(dir, "results.jsonl")))
                return rc;
        if (known) {
                /* The writer's own account: nothing to re-read. */
                e->chain = *known;
                if (e->tables && t)
                        pa_audit_tables_add_table(e->tables, t);
        } else if (pa__chain_scan(path, results_cap(e->manifest), &e->chain, f, each_record, e,
                                  &rerr)) {
                pa__finding(f, "%s", rerr.msg);
        } else if (e->scan) {
                pa__ev_scan_end(e);
                e->records_ok = true;
        }
        pa__cover_index(&e->cover);
        free(path);
        e->summary = pa__ev_load_json(dir, e->manifest, "summary.json", f);
        load_thresholds(e, f);
        return 0;
}

void pa__ev_release(struct pa__ev *e)
{
        free(e->mtext);
        json_decref(e->manifest);
        json_decref(e->summary);
        pa__ev_scan_free(e);
        pa_table_release(&e->table);
        if (!e->suite_borrowed) /* also what a failed load left */
                pa_suite_release(&e->suite);
        pa_audit_tables_free(e->tables);
        pa_thresholds_release(&e->th);
        pa__cover_release(&e->cover);
        memset(e, 0, sizeof(*e));
}

/* ---- content checks ---- */

static long long int_at(const json_t *m, const char *obj, const char *key)
{
        const json_t *v = json_object_get(json_object_get(m, obj), key);

        return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void check_counts(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *m = e->manifest, *res = json_object_get(m, "results");
        const char *head = json_string_value(json_object_get(res, "chain_head"));
        unsigned long long n = e->chain.records;
        long long samples = int_at(m, "parameters", "samples");
        uint64_t cases;

        if (!head || strcmp(head, e->chain.head))
                pa__finding(f,
                            "results.jsonl: chain head %.12s... differs from "
                            "manifest.results.chain_head %.12s... (records edited, appended or "
                            "removed at the end)",
                            e->chain.head, head ? head : "(none)");
        if (int_at(m, "results", "records") != (long long)n)
                pa__finding(f, "results.jsonl: %llu records, manifest.results.records says %lld", n,
                            int_at(m, "results", "records"));
        if (int_at(m, "counts", "records") != (long long)n)
                pa__finding(f, "results.jsonl: %llu records, manifest.counts.records says %lld", n,
                            int_at(m, "counts", "records"));
        if (int_at(m, "counts", "errors") != (long long)e->chain.errors)
                pa__finding(f,
                            "results.jsonl: %llu failed records, manifest.counts.errors says %lld",
                            (unsigned long long)e->chain.errors, int_at(m, "counts", "errors"));
        /* The suite's cases, or those of the run's shard (shard.h). */
        cases = e->suite_ok ? pa__manifest_cases(m, &e->suite) : 0;
        if (e->suite_ok && samples > 0 &&
            int_at(m, "counts", "planned") != (long long)(cases * samples))
                pa__finding(f,
                            "manifest.json: counts.planned is %lld but the suite copy's %llu cases "
                            "x parameters.samples %lld make %llu",
                            int_at(m, "counts", "planned"), (unsigned long long)cases, samples,
                            (unsigned long long)(cases * (uint64_t)samples));
}

/* The suite copy is the suite that ran, or, after `parity score` with an
 * edited copy, the one recorded in manifest.rescored_suite. */
static void check_suite(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *re = json_object_get(e->manifest, "rescored_suite");
        const json_t *ms = json_is_object(re) ? re : json_object_get(e->manifest, "suite");
        const char *field = json_is_object(re) ? "manifest.rescored_suite" : "manifest.suite";
        const char *sha = json_string_value(json_object_get(ms, "sha256"));
        const char *isha = json_string_value(json_object_get(ms, "items_sha256"));
        const struct pa_suite *s = &e->suite;

        if (!e->suite_ok)
                return;
        if (!sha || strcmp(sha, s->sha256))
                pa__finding(f,
                            "suite/%s: sha256 %.12s... differs from %s.sha256 (the suite copy "
                            "was replaced or edited)",
                            pa__basename(s->path), s->sha256, field);
        if ((isha || s->items_path) && (!isha || !s->items_path || strcmp(isha, s->items_sha256)))
                pa__finding(f,
                            "suite items file: sha256 differs from %s.items_sha256 (the items "
                            "copy was replaced or edited)",
                            field);
}

static void check_thresholds(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *reg = json_object_get(e->manifest, "thresholds");
        const char *sha = json_string_value(json_object_get(reg, "sha256"));
        char *a = NULL, *b = NULL;

        if (!e->th.set || !json_is_object(reg))
                return;
        if (!sha || strcmp(sha, e->th.sha256)) {
                pa__finding(f,
                            "%s: sha256 %.12s... differs from manifest.thresholds.sha256 (edited "
                            "after registration)",
                            PA_THRESHOLDS_FILE, e->th.sha256);
                return;
        }
        if (pa_canonical_dump(e->th.root, &a, NULL) == 0 &&
            pa_canonical_dump(json_object_get(reg, "content"), &b, NULL) == 0 && strcmp(a, b))
                pa__finding(f, "manifest.json: thresholds.content differs from %s",
                            PA_THRESHOLDS_FILE);
        free(a);
        free(b);
}

/* Reports where want and got differ (numbers within 1e-9, relative above 1). */
static void diff_json(const char *file, const json_t *got, const json_t *want, char *path,
                      size_t cap, struct pa__findings *f, size_t *shown)
{
        size_t len = strlen(path), i;
        const char *key;
        json_t *v;

        if (json_is_number(got) && json_is_number(want)) {
                if (fabs(json_number_value(got) - json_number_value(want)) <=
                    1e-9 * fmax(1.0, fabs(json_number_value(want))))
                        return;
        } else if (json_is_object(got) && json_is_object(want) &&
                   json_object_size(got) == json_object_size(want)) {
                /* Same size but other keys: a key of want is missing in got
                 * (NULL), reported below as missing. */
                json_object_foreach((json_t *)want, key, v)
                {
                        snprintf(path + len, cap - len, "/%s", key);
                        diff_json(file, json_object_get(got, key), v, path, cap, f, shown);
                }
                path[len] = '\0';
                return;
        } else if (json_is_array(got) && json_is_array(want) &&
                   json_array_size(got) == json_array_size(want)) {
                json_array_foreach(want, i, v)
                {
                        snprintf(path + len, cap - len, "/%zu", i);
                        diff_json(file, json_array_get(got, i), v, path, cap, f, shown);
                }
                path[len] = '\0';
                return;
        } else if (got && json_equal((json_t *)got, (json_t *)want)) {
                return;
        }
        if ((*shown)++ < MAX_CHAIN_FINDINGS) {
                char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);

                pa__finding(f, "%s: %s: %.80s in the file, %.80s recomputed from results.jsonl",
                            file, path[0] ? path : "/", g ? g : "(missing)", w ? w : "?");
                free(g);
                free(w);
        }
}

void pa__diff_json(const char *file, const json_t *got, const json_t *want, struct pa__findings *f)
{
        char path[512] = "";
        size_t shown = 0;

        diff_json(file, got, want, path, sizeof(path), f, &shown);
        if (shown > MAX_CHAIN_FINDINGS)
                pa__finding(f, "%s: %zu more differences", file, shown - MAX_CHAIN_FINDINGS);
}

void pa__ev_check_summary(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *alpha = json_object_get(e->summary, "alpha");
        struct pa_run_dir view = {
            .dir = (char *)e->dir, .manifest = e->manifest, .table = e->table, .suite = e->suite};
        struct pa_err err = {{0}};
        json_t *want = NULL;
        int rc;

        if (!e->summary) {
                pa__finding(
                    f, "summary.json: missing or unreadable (parity summary DIR recreates it)");
                return;
        }
        if (!e->suite_ok || !e->records_ok)
                return;
        memcpy(view.head, e->chain.head, sizeof(view.head));
        if (pa__ev_table_error(e))
                rc = pa_errf(&err, PA_EINVAL, "%s", pa__ev_table_error(e));
        else if (pa_run_dir_has_metrics(&view) && (rc = pa_run_dir_load_records(&view, &err)))
                ;
        else
                rc = pa_run_dir_summary(
                    &view, json_is_number(alpha) ? json_number_value(alpha) : 0.05, &want, &err);
        json_decref(view.records);
        if (rc) {
                pa__finding(f, "summary.json: cannot be recomputed: %s", err.msg);
                return;
        }
        if (json_integer_value(json_object_get(e->summary, "parity_summary")) <
            PA_SUMMARY_VERSION) {
                /* An older analysis: its statistics are not this version's to
                 * recompute; the counts they rest on are. */
                json_t *got = pa_summary_counts(e->summary), *w = pa_summary_counts(want);

                if (got && w)
                        pa__diff_json("summary.json", got, w, f);
                else
                        pa__finding(f, "summary.json: out of memory comparing counts");
                json_decref(got);
                json_decref(w);
        } else
                pa__diff_json("summary.json", e->summary, want, f);
        json_decref(want);
}

void pa__ev_check_content(struct pa__ev *e, struct pa__findings *f)
{
        check_counts(e, f);
        pa__cover_check(e, f);
        check_suite(e, f);
        check_thresholds(e, f);
}
