/* Indexing a sealed run folder (history.h): it must verify first; then
 * what its manifest and summary say goes into one transaction, keyed on
 * the results chain head so a folder added twice is one entry. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/evidence.h"
#include "history.h"
#include "evaluator/run/resume.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define SUMMARY_MAX ((uint64_t)64 << 20)

/* A number as SQL text (column affinity stores it as a number); NULL
 * when v is not one. */
static const char *num(const json_t *v, char buf[40])
{
        if (json_is_boolean(v))
                return json_is_true(v) ? "1" : "0";
        if (!json_is_number(v))
                return NULL;
        snprintf(buf, 40, "%.17g", json_number_value(v));
        return buf;
}

static const char *str(const json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

/* The model asked for: the engine's --model, else (sim, exec) the model
 * the engine reports. */
static const char *requested(const json_t *engine)
{
        const char *m = str(engine, "model");

        return m ? m : str(engine, "model_reported");
}

static const char *operator_of(const json_t *m)
{
        const json_t *op = json_object_get(m, "operator");
        const char *who = str(op, "person");

        return who ? who : str(op, "organisation");
}

static int insert_run(struct pa_history *h, const char *dir, const char *track, const json_t *m,
                      const json_t *summary, struct pa_err *err)
{
        static const char sql[] =
            "INSERT INTO runs(key, run_id, path, track, suite, suite_version, suite_sha256,"
            " model, served, engine, base_url, fingerprint, started_at, ended_at, operator,"
            " status, planned, records, errors, unanswered, stopped_by, max_error_rate,"
            " thresholds_sha256, estimand, alpha, correction, added_at)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
        const json_t *e = json_object_get(m, "engine"), *s = json_object_get(m, "suite");
        const json_t *c = json_object_get(m, "counts"), *b = json_object_get(m, "error_budget");
        const json_t *an = json_object_get(summary, "analysis");
        const json_t *id = json_object_get(e, "identity");
        char n[6][40], now[32];
        const char *rate = str(b, "max_error_rate");
        const char *args[] = {
            str(json_object_get(m, "results"), "chain_head"),
            str(m, "run_id"),
            dir,
            track,
            str(s, "id"),
            str(s, "version"),
            str(s, "sha256"),
            requested(e),
            str(e, "model_reported")
                ? str(e, "model_reported")
                : str(json_object_get(json_object_get(id, "models"), "served"), "id"),
            str(e, "name"),
            str(e, "base_url"),
            str(json_object_get(id, "fingerprint"), "sha256"),
            str(m, "started_at"),
            str(m, "ended_at"),
            operator_of(m),
            str(m, "status"),
            num(json_object_get(c, "planned"), n[0]),
            num(json_object_get(c, "records"), n[1]),
            num(json_object_get(c, "errors"), n[2]),
            num(json_object_get(b, "unanswered"), n[3]),
            str(b, "stopped_by"),
            rate ? rate : num(json_object_get(b, "max_error_rate"), n[4]),
            str(json_object_get(m, "thresholds"), "sha256"),
            str(summary, "estimand"),
            num(json_object_get(an, "alpha"), n[5]),
            str(an, "correction"),
            now,
        };

        pa__now_iso(now);
        return pa__history_sql(h, sql, args, sizeof(args) / sizeof(*args), NULL, err);
}

static int insert_domains(struct pa_history *h, const char *run, const json_t *summary,
                          struct pa_err *err)
{
        static const char sql[] = "INSERT OR REPLACE INTO domains(run, outcome, domain, n, "
                                  "positive, rate, ci_lo, ci_hi) VALUES(?,?,?,?,?,?,?,?)";
        const json_t *d;
        size_t i;
        int rc = 0;

        json_array_foreach(json_object_get(summary, "domains"), i, d)
        {
                const json_t *ci = json_object_get(d, "ci");
                char n[5][40];
                const char *args[] = {run,
                                      str(d, "outcome"),
                                      str(d, "domain"),
                                      num(json_object_get(d, "n"), n[0]),
                                      num(json_object_get(d, "positive"), n[1]),
                                      num(json_object_get(d, "rate"), n[2]),
                                      num(json_array_get(ci, 0), n[3]),
                                      num(json_array_get(ci, 1), n[4])};

                if (!args[1] || !args[2])
                        continue;
                if ((rc = pa__history_sql(h, sql, args, 8, NULL, err)))
                        break;
        }
        return rc;
}

static int insert_group(struct pa_history *h, const char *run, const json_t *o, const json_t *g,
                        struct pa_err *err)
{
        static const char sql[] =
            "INSERT OR REPLACE INTO comparisons(run, outcome, axis, grp, reference, rate, diff,"
            " ci_lo, ci_hi, p, p_adjusted, testable, flagged) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)";
        const json_t *ci = json_object_get(g, "diff_ci");
        char n[7][40];
        const char *args[] = {run,
                              str(o, "outcome"),
                              str(o, "axis"),
                              str(g, "group"),
                              str(o, "reference"),
                              num(json_object_get(g, "rate"), n[0]),
                              num(json_object_get(g, "diff"), n[1]),
                              num(json_array_get(ci, 0), n[2]),
                              num(json_array_get(ci, 1), n[3]),
                              num(json_object_get(g, "p"), n[4]),
                              num(json_object_get(g, "p_adjusted"), n[5]),
                              num(json_object_get(g, "testable"), n[6]),
                              json_is_true(json_object_get(g, "flag")) ? "1" : "0"};

        if (!args[1] || !args[2] || !args[3])
                return 0;
        return pa__history_sql(h, sql, args, 13, NULL, err);
}

/* Every group but the reference: a comparison with the reference group. */
static int insert_comparisons(struct pa_history *h, const char *run, const json_t *summary,
                              struct pa_err *err)
{
        const json_t *o, *g;
        size_t i, j;
        int rc = 0;

        json_array_foreach(json_object_get(summary, "outcomes"), i, o)
        {
                const char *ref = str(o, "reference");

                json_array_foreach(json_object_get(o, "groups"), j, g)
                {
                        const char *name = str(g, "group");

                        if (rc == 0 && name && !(ref && !strcmp(ref, name)))
                                rc = insert_group(h, run, o, g, err);
                }
        }
        return rc;
}

static int verified(const char *dir, struct pa_err *err)
{
        struct pa_verify_opts vo = {.no_signatures = true};
        size_t n = 0;
        int rc = pa_evidence_verify(dir, &vo, NULL, &n, err);

        if (rc)
                return rc;
        if (n)
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s' does not verify (%zu finding%s; parity verify "
                               "'%s' lists them): not indexed",
                               dir, n, n == 1 ? "" : "s", dir);
        return 0;
}

static int load(const char *dir, json_t **m, json_t **summary, struct pa_err *err)
{
        char *p = NULL;
        int rc;

        *summary = NULL;
        if (!(*m = pa__manifest_load(dir, err)))
                return PA_EINVAL;
        if (!str(json_object_get(*m, "results"), "chain_head") || !str(*m, "run_id") ||
            !str(json_object_get(*m, "suite"), "id"))
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s': manifest.json: expected \"run_id\", "
                               "\"suite\".\"id\" and \"results\".\"chain_head\"",
                               dir);
        if (!(p = pa__path_join(dir, "summary.json")))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        /* A run stopped before its summary is indexed without metrics. */
        rc = access(p, F_OK)
                 ? 0
                 : pa__json_load_regular(p, "summary.json", 0, SUMMARY_MAX, 0, summary, NULL, err);
        free(p);
        return rc;
}

static int known(struct pa_history *h, const json_t *m, long long *id, struct pa_err *err)
{
        const char *args[] = {str(json_object_get(m, "results"), "chain_head")};
        json_t *rows = NULL;
        int rc = pa__history_sql(h, "SELECT id FROM runs WHERE key = ?", args, 1, &rows, err);

        if (rc == 0 && json_array_size(rows))
                *id = (long long)json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
        json_decref(rows);
        return rc;
}

int pa__history_add(struct pa_history *h, const char *run_dir, const char *track,
                    enum pa_hist_added *what, long long *id, struct pa_err *err)
{
        json_t *m = NULL, *summary = NULL;
        char *dir = realpath(run_dir, NULL);
        char run[32];
        int rc;

        *id = 0;
        if (!dir)
                return pa_errf(err, PA_EINVAL, "run folder '%s': not found", run_dir);
        if ((rc = verified(dir, err)) || (rc = load(dir, &m, &summary, err)) ||
            (rc = pa__history_begin(h, err)))
                goto out;
        if ((rc = known(h, m, id, err)) || *id) {
                *what = PA_HIST_KNOWN;
                goto done;
        }
        *what = PA_HIST_NEW;
        if ((rc = insert_run(h, dir, track, m, summary, err)))
                goto done;
        *id = pa__history_last_id(h);
        snprintf(run, sizeof(run), "%lld", *id);
        if (!(rc = insert_domains(h, run, summary, err)))
                rc = insert_comparisons(h, run, summary, err);
done:
        if (rc == 0)
                rc = pa__history_commit(h, err);
        if (rc)
                pa__history_rollback(h);
out:
        json_decref(m);
        json_decref(summary);
        free(dir);
        return rc;
}

static int has_manifest(const char *dir)
{
        char *p = pa__path_join(dir, "manifest.json");
        struct stat st;
        int yes = p && lstat(p, &st) == 0 && S_ISREG(st.st_mode);

        free(p);
        return yes;
}

static int by_string(const void *a, const void *b)
{
        return strcmp(json_string_value(*(json_t *const *)a),
                      json_string_value(*(json_t *const *)b));
}

static int sorted(json_t *arr)
{
        size_t n = json_array_size(arr);
        json_t **v = malloc((n ? n : 1) * sizeof(*v));

        if (!v)
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = json_incref(json_array_get(arr, i));
        qsort(v, n, sizeof(*v), by_string);
        json_array_clear(arr);
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, v[i]);
        free(v);
        return json_array_size(arr) == n ? 0 : PA_ENOMEM;
}

int pa__history_scan(const char *dir, json_t **out, struct pa_err *err)
{
        json_t *all = json_array();
        struct dirent *de;
        DIR *d = NULL;
        int rc = 0;

        *out = NULL;
        if (!all)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (has_manifest(dir)) {
                rc = json_array_append_new(all, json_string(dir)) ? PA_ENOMEM : 0;
                goto out;
        }
        if (!(d = opendir(dir))) {
                rc =
                    pa_errf(err, PA_EINVAL, "'%s': neither a run folder nor a folder of them", dir);
                goto out;
        }
        while (rc == 0 && (de = readdir(d))) {
                char *p;

                if (de->d_name[0] == '.')
                        continue;
                if (!(p = pa__path_join(dir, de->d_name)))
                        rc = PA_ENOMEM;
                else if (has_manifest(p) && json_array_append_new(all, json_string(p)))
                        rc = PA_ENOMEM;
                free(p);
        }
        if (rc == 0)
                rc = sorted(all);
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
out:
        if (d)
                closedir(d);
        if (rc == 0)
                *out = all;
        else
                json_decref(all);
        return rc;
}
