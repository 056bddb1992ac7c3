/* Alerts (history.h, docs/history.md "Alerts"): what a run says against
 * the run before it. The model behind a requested name is compared with
 * the previous run of that name, whatever its suite (served identity and
 * canary fingerprint do not depend on the suite); the flags with the
 * previous run of the same suite and track; the error budget alone. */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "evaluator/util/util.h"

static const char *str(const json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

static bool differ(const char *a, const char *b)
{
        return a && b && strcmp(a, b);
}

static int push(json_t *out, const char *kind, const json_t *run, const json_t *prev,
                const char *msg)
{
        return json_array_append_new(out, json_pack("{s:s, s:O?, s:O?, s:s}", "kind", kind, "run",
                                                    json_object_get(run, "run_id"), "previous",
                                                    prev ? json_object_get(prev, "run_id") : NULL,
                                                    "message", msg))
                   ? PA_ENOMEM
                   : 0;
}

/* The newest run before run whose column col equals run's (and, with
 * col2, col2 too), complete only when complete. */
static int previous(struct pa_history *h, const json_t *run, const char *where, bool complete,
                    json_t **prev, struct pa_err *err)
{
        char sql[512], id[32];
        const char *args[] = {str(run, "started_at"), str(run, "started_at"), id,
                              str(run, "model"),      str(run, "suite"),      str(run, "track")};
        json_t *rows = NULL;
        int rc;

        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(run, "id")));
        snprintf(sql, sizeof(sql),
                 "SELECT * FROM runs WHERE (started_at < ? OR (started_at = ? AND id < ?))"
                 " AND %s%s ORDER BY started_at DESC, id DESC LIMIT 1",
                 where, complete ? " AND status = 'complete'" : "");
        rc = pa__history_sql(h, sql, args, 6, &rows, err);
        *prev = rc ? NULL : json_incref(json_array_get(rows, 0));
        json_decref(rows);
        return rc;
}

static int model_alert(struct pa_history *h, const json_t *run, json_t *out, struct pa_err *err)
{
        json_t *prev = NULL;
        char *msg = NULL;
        const char *sa, *sb, *fa, *fb;
        int rc;

        if (!str(run, "model"))
                return 0;
        if ((rc = previous(h, run, "model = ?4", false, &prev, err)) || !prev)
                return rc;
        sa = str(prev, "served");
        sb = str(run, "served");
        fa = str(prev, "fingerprint");
        fb = str(run, "fingerprint");
        if (differ(sa, sb) || differ(fa, fb)) {
                char what[512];

                what[0] = 0;
                if (differ(sa, sb))
                        snprintf(what, sizeof(what), "served model '%s' became '%s'%s", sa, sb,
                                 differ(fa, fb) ? "; " : "");
                if (differ(fa, fb))
                        snprintf(what + strlen(what), sizeof(what) - strlen(what),
                                 "behaviour fingerprint %.12s became %.12s (canary answers "
                                 "differ)",
                                 fa, fb);
                if (asprintf(&msg, "the model behind '%s' changed between run %s and run %s: %s",
                             str(run, "model"), str(prev, "run_id"), str(run, "run_id"), what) < 0)
                        rc = PA_ENOMEM;
                else
                        rc = push(out, "model-change", run, prev, msg);
        }
        free(msg);
        json_decref(prev);
        return rc;
}

static const json_t *same_comparison(const json_t *list, const json_t *c)
{
        const json_t *x;
        size_t i;

        json_array_foreach(list, i, x)
        {
                if (!strcmp(str(x, "outcome"), str(c, "outcome")) &&
                    !strcmp(str(x, "axis"), str(c, "axis")) &&
                    !strcmp(str(x, "grp"), str(c, "grp")))
                        return x;
        }
        return NULL;
}

static int flag_alerts(struct pa_history *h, const json_t *run, json_t *out, struct pa_err *err)
{
        json_t *prev = NULL, *d = NULL, *cn = NULL, *dp = NULL, *cp = NULL, *c;
        size_t i;
        int rc;

        if ((rc = previous(h, run, "suite = ?5 AND track = ?6", true, &prev, err)) || !prev)
                return rc;
        if ((rc = pa__history_metrics(h, json_integer_value(json_object_get(run, "id")), &d, &cn,
                                      err)) ||
            (rc = pa__history_metrics(h, json_integer_value(json_object_get(prev, "id")), &dp, &cp,
                                      err)))
                goto out;
        json_array_foreach(cn, i, c)
        {
                const json_t *before = same_comparison(cp, c);
                char *msg = NULL;

                /* A crossing is a comparison measured unflagged before and flagged now. */
                if (rc || json_integer_value(json_object_get(c, "flagged")) != 1 || !before ||
                    json_integer_value(json_object_get(before, "flagged")) != 0)
                        continue;
                if (asprintf(&msg,
                             "%s: '%s' vs '%s' on %s crosses its threshold in run %s (flagged, "
                             "difference %+.3f) and did not in run %s",
                             str(c, "outcome"), str(c, "grp"), str(c, "reference"), str(c, "axis"),
                             str(run, "run_id"), json_number_value(json_object_get(c, "diff")),
                             str(prev, "run_id")) < 0)
                        rc = PA_ENOMEM;
                else
                        rc = push(out, "threshold", run, prev, msg);
                free(msg);
        }
out:
        json_decref(prev);
        json_decref(d);
        json_decref(cn);
        json_decref(dp);
        json_decref(cp);
        return rc;
}

static int budget_alert(const json_t *run, json_t *out)
{
        const char *status = str(run, "status");
        char *msg = NULL, budget[32];
        int rc;

        if (status && !strcmp(status, "complete"))
                return 0;
        snprintf(budget, sizeof(budget), "%g",
                 json_number_value(json_object_get(run, "max_error_rate")));
        if (asprintf(&msg,
                     "run %s is %s: %lld of %lld answers missing (error budget %s%s%s): not a "
                     "pass",
                     str(run, "run_id"), status ? status : "of unknown status",
                     (long long)json_integer_value(json_object_get(run, "unanswered")),
                     (long long)json_integer_value(json_object_get(run, "planned")),
                     json_is_number(json_object_get(run, "max_error_rate")) ? budget : "unknown",
                     str(run, "stopped_by") ? "; stopped by " : "",
                     str(run, "stopped_by") ? str(run, "stopped_by") : "") < 0)
                return PA_ENOMEM;
        rc = push(out, "budget", run, NULL, msg);
        free(msg);
        return rc;
}

int pa__history_alerts(struct pa_history *h, long long id, json_t **out, struct pa_err *err)
{
        char ref[32];
        json_t *run = NULL, *all = json_array();
        int rc;

        *out = NULL;
        snprintf(ref, sizeof(ref), "%lld", id);
        if (!all)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = pa__history_run(h, ref, &run, err)))
                goto out;
        if ((rc = budget_alert(run, all)) == 0 && (rc = model_alert(h, run, all, err)) == 0)
                rc = flag_alerts(h, run, all, err);
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
out:
        json_decref(run);
        if (rc == 0)
                *out = all;
        else
                json_decref(all);
        return rc;
}

static int alert_word(const char *w, size_t n, unsigned *bits)
{
        static const struct {
                const char *name;
                unsigned bits;
        } words[] = {{"model-change", PA_ALERT_MODEL},
                     {"threshold", PA_ALERT_THRESHOLD},
                     {"budget", PA_ALERT_BUDGET},
                     {"all", PA_ALERT_MODEL | PA_ALERT_THRESHOLD | PA_ALERT_BUDGET},
                     {"none", 0}};

        for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
                if (strlen(words[i].name) == n && !strncmp(words[i].name, w, n)) {
                        *bits |= words[i].bits;
                        return 0;
                }
        return PA_EINVAL;
}

int pa__alert_kinds(const char *list, unsigned *bits, struct pa_err *err)
{
        *bits = 0;
        while (*list) {
                size_t n = strcspn(list, ",");

                if (n && alert_word(list, n, bits))
                        return pa_errf(err, PA_EINVAL,
                                       "--fail-on: unknown alert '%.*s' (expected model-change, "
                                       "threshold, budget, all or none)",
                                       (int)n, list);
                list += n + (list[n] == ',');
        }
        return 0;
}

unsigned pa__alert_bit(const json_t *alert)
{
        const char *k = str(alert, "kind");
        unsigned bits = 0;

        if (k)
                alert_word(k, strlen(k), &bits);
        return bits;
}
