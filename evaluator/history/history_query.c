/* Reading the history back (history.h): runs, baselines, a run's metrics. */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "evaluator/util/util.h"

/* Time order: when the run started, then when it was indexed. */
#define ORDER " ORDER BY started_at, id"

static int one(json_t *rows, json_t **run)
{
        *run = json_incref(json_array_get(rows, 0));
        json_decref(rows);
        return *run ? 0 : PA_EINVAL;
}

int pa__history_run(struct pa_history *h, const char *ref, json_t **run, struct pa_err *err)
{
        const char *args[] = {ref, ref};
        json_t *rows = NULL;
        int rc = pa__history_sql(h,
                                 "SELECT * FROM runs WHERE run_id = ? OR CAST(id AS TEXT) = ?"
                                 " ORDER BY id DESC LIMIT 1",
                                 args, 2, &rows, err);

        *run = NULL;
        if (rc)
                return rc;
        if (one(rows, run))
                return pa_errf(err, PA_EINVAL,
                               "history '%s': no run '%s' (parity history list shows them)",
                               pa__history_path(h), ref);
        return 0;
}

int pa__history_runs(struct pa_history *h, const char *suite, const char *track, long last,
                     json_t **out, struct pa_err *err)
{
        char limit[32];
        const char *args[] = {suite, suite, track, track, limit};
        json_t *rows = NULL;
        int rc;

        snprintf(limit, sizeof(limit), "%ld", last > 0 ? last : -1L);
        /* The last N in time order: the newest N, turned oldest first. */
        rc = pa__history_sql(h,
                             "SELECT * FROM (SELECT * FROM runs WHERE (? IS NULL OR suite = ?)"
                             " AND (? IS NULL OR track = ?)"
                             " ORDER BY started_at DESC, id DESC LIMIT ?)" ORDER,
                             args, 5, &rows, err);
        *out = rc ? NULL : rows;
        return rc;
}

int pa__history_baseline_set(struct pa_history *h, const char *suite, const char *ref,
                             const char *track, json_t **run, struct pa_err *err)
{
        const char *status, *rs;
        char id[32], now[32];
        int rc = pa__history_run(h, ref, run, err);

        if (rc)
                return rc;
        rs = json_string_value(json_object_get(*run, "suite"));
        status = json_string_value(json_object_get(*run, "status"));
        snprintf(id, sizeof(id), "%lld",
                 (long long)json_integer_value(json_object_get(*run, "id")));
        if (!rs || strcmp(rs, suite))
                rc = pa_errf(err, PA_EINVAL, "run '%s' is of suite '%s', not '%s'", ref,
                             rs ? rs : "?", suite);
        else if (!status || strcmp(status, "complete"))
                /* Fail closed: a run with answers missing judges nothing. */
                rc = pa_errf(err, PA_EINVAL,
                             "run '%s' is %s, not complete: it cannot be a "
                             "baseline",
                             ref, status ? status : "of unknown status");
        if (rc == 0) {
                const char *args[] = {suite, track, id, now};

                pa__now_iso(now);
                rc = pa__history_sql(h,
                                     "INSERT OR REPLACE INTO baselines(suite, track, run, set_at)"
                                     " VALUES(?,?,?,?)",
                                     args, 4, NULL, err);
        }
        if (rc) {
                json_decref(*run);
                *run = NULL;
        }
        return rc;
}

int pa__history_baseline_get(struct pa_history *h, const char *suite, const char *track,
                             json_t **run, struct pa_err *err)
{
        const char *args[] = {suite, track};
        json_t *rows = NULL;
        int rc = pa__history_sql(h,
                                 "SELECT runs.* FROM baselines JOIN runs ON runs.id = baselines.run"
                                 " WHERE baselines.suite = ? AND baselines.track = ?",
                                 args, 2, &rows, err);

        *run = NULL;
        if (rc)
                return rc;
        if (one(rows, run))
                return pa_errf(err, PA_EINVAL,
                               "history '%s': no baseline for suite '%s' on track '%s' (set one "
                               "with parity baseline set %s RUN_ID --track %s)",
                               pa__history_path(h), suite, track, suite, track);
        return 0;
}

int pa__history_metrics(struct pa_history *h, long long id, json_t **domains, json_t **comparisons,
                        struct pa_err *err)
{
        char run[32];
        const char *args[] = {run};
        int rc;

        snprintf(run, sizeof(run), "%lld", id);
        *comparisons = NULL;
        rc = pa__history_sql(h, "SELECT * FROM domains WHERE run = ? ORDER BY outcome, domain",
                             args, 1, domains, err);
        if (rc == 0)
                rc = pa__history_sql(h,
                                     "SELECT * FROM comparisons WHERE run = ?"
                                     " ORDER BY outcome, axis, grp",
                                     args, 1, comparisons, err);
        if (rc) {
                json_decref(*domains);
                *domains = NULL;
        }
        return rc;
}
