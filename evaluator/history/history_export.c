/* The history for other tools (history.h, docs/history.md "Export"):
 * OpenMetrics text of the latest run of each suite, track and model, and
 * every run as a JSON Lines object. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"

/* Each (suite, track, requested model)'s newest run, by the same time
 * order as everywhere else. */
static const char latest_sql[] =
    "SELECT * FROM runs r WHERE NOT EXISTS (SELECT 1 FROM runs s WHERE s.suite = r.suite"
    " AND s.track = r.track AND s.model IS r.model AND (s.started_at > r.started_at"
    " OR (s.started_at = r.started_at AND s.id > r.id))) ORDER BY suite, track, model";

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

/* A label value escaped as the format says: backslash, quote, newline. */
static void label(FILE *f, const char *name, const char *v, bool first)
{
        fprintf(f, "%s%s=\"", first ? "" : ",", name);
        for (; *v; v++) {
                if (*v == '\\' || *v == '"')
                        fprintf(f, "\\%c", *v);
                else if (*v == '\n')
                        fputs("\\n", f);
                else
                        fputc(*v, f);
        }
        fputc('"', f);
}

static void run_labels(FILE *f, const json_t *run)
{
        label(f, "suite", str(run, "suite"), true);
        label(f, "track", str(run, "track"), false);
        label(f, "model", str(run, "model"), false);
}

static void value(FILE *f, const json_t *v)
{
        double x = json_number_value(v);

        if (json_is_number(v) && isfinite(x))
                fprintf(f, "} %.15g\n", x);
        else
                fputs("} NaN\n", f);
}

/* One family's samples for one run. */
typedef void (*sample_fn)(FILE *f, const char *name, const json_t *run, const char *key);

static void domain_samples(FILE *f, const char *name, const json_t *run, const char *key)
{
        const json_t *d;
        size_t i;

        json_array_foreach(json_object_get(run, "domains"), i, d)
        {
                fprintf(f, "%s{", name);
                run_labels(f, run);
                label(f, "outcome", str(d, "outcome"), false);
                label(f, "domain", str(d, "domain"), false);
                value(f, json_object_get(d, key));
        }
}

static void comparison_samples(FILE *f, const char *name, const json_t *run, const char *key)
{
        const json_t *c;
        size_t i;

        json_array_foreach(json_object_get(run, "comparisons"), i, c)
        {
                fprintf(f, "%s{", name);
                run_labels(f, run);
                label(f, "outcome", str(c, "outcome"), false);
                label(f, "axis", str(c, "axis"), false);
                label(f, "group", str(c, "grp"), false);
                label(f, "reference", str(c, "reference"), false);
                value(f, json_object_get(c, key));
        }
}

static void run_samples(FILE *f, const char *name, const json_t *run, const char *key)
{
        fprintf(f, "%s{", name);
        run_labels(f, run);
        value(f, json_object_get(run, key));
}

static void info_samples(FILE *f, const char *name, const json_t *run, const char *key)
{
        json_t *one = json_integer(1);

        (void)key;
        fprintf(f, "%s{", name);
        run_labels(f, run);
        label(f, "run_id", str(run, "run_id"), false);
        label(f, "served_model", str(run, "served"), false);
        label(f, "engine", str(run, "engine"), false);
        label(f, "fingerprint", str(run, "fingerprint"), false);
        label(f, "suite_version", str(run, "suite_version"), false);
        value(f, one);
        json_decref(one);
}

static const struct family {
        const char *name, *unit, *help, *key;
        sample_fn fn;
} families[] = {
    {"parity_domain_accuracy_ratio", "ratio",
     "Share of the domain's answers with the outcome true (accuracy for a correctness outcome)",
     "rate", domain_samples},
    {"parity_domain_accuracy_ci_lower_ratio", "ratio", "Lower bound of its 95% interval", "ci_lo",
     domain_samples},
    {"parity_domain_accuracy_ci_upper_ratio", "ratio", "Upper bound of its 95% interval", "ci_hi",
     domain_samples},
    {"parity_disparity_difference_ratio", "ratio",
     "Group's outcome rate minus the reference group's, item-level", "diff", comparison_samples},
    {"parity_disparity_difference_ci_lower_ratio", "ratio",
     "Lower bound of the interval that agrees with the flag's test", "ci_lo", comparison_samples},
    {"parity_disparity_difference_ci_upper_ratio", "ratio",
     "Upper bound of the interval that agrees with the flag's test", "ci_hi", comparison_samples},
    {"parity_disparity_flagged", NULL,
     "1 when the disparity is flagged (corrected p < alpha and past the practical threshold)",
     "flagged", comparison_samples},
    {"parity_run_timestamp_seconds", "seconds", "When the run ended (Unix time)", "ended_s",
     run_samples},
    {"parity_run_records", NULL, "Records of the run", "records", run_samples},
    {"parity_run_errors", NULL, "Failed requests of the run", "errors", run_samples},
    {"parity_run_unanswered", NULL, "Planned answers missing from the run", "unanswered",
     run_samples},
    {"parity_run_complete", NULL, "1 when the run is complete (within its error budget)",
     "complete", run_samples},
    {"parity_model_changed", NULL,
     "1 when the model behind the requested name changed since its previous run", "model_changed",
     run_samples},
    {"parity_threshold_alerts", NULL,
     "Comparisons that newly cross their pre-registered threshold in the run", "threshold_alerts",
     run_samples},
    {"parity_run_info", NULL, "The run's identity: value 1", NULL, info_samples},
};

static double epoch(const char *iso)
{
        struct tm tm = {0};
        const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;

        return end && !*end ? (double)timegm(&tm) : NAN;
}

static int count_kind(const json_t *alerts, const char *kind)
{
        const json_t *a;
        size_t i;
        int n = 0;

        json_array_foreach(alerts, i, a)
        {
                n += !strcmp(str(a, "kind"), kind);
        }
        return n;
}

/* The run with what the families read: metrics, alerts, derived values. */
static int enrich(struct pa_history *h, json_t *run, struct pa_err *err)
{
        long long id = (long long)json_integer_value(json_object_get(run, "id"));
        json_t *d = NULL, *c = NULL, *alerts = NULL;
        int rc;

        if ((rc = pa__history_metrics(h, id, &d, &c, err)) ||
            (rc = pa__history_alerts(h, id, &alerts, err)))
                goto out;
        if (json_object_set_new(run, "domains", d) || json_object_set_new(run, "comparisons", c) ||
            json_object_set_new(run, "ended_s", json_real(epoch(str(run, "ended_at")))) ||
            json_object_set_new(run, "complete",
                                json_integer(!strcmp(str(run, "status"), "complete"))) ||
            json_object_set_new(run, "model_changed",
                                json_integer(count_kind(alerts, "model-change") > 0)) ||
            json_object_set_new(run, "threshold_alerts",
                                json_integer(count_kind(alerts, "threshold"))) ||
            json_object_set(run, "alerts", alerts))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        d = c = NULL;
out:
        json_decref(d);
        json_decref(c);
        json_decref(alerts);
        return rc;
}

int pa__history_openmetrics(struct pa_history *h, FILE *f, struct pa_err *err)
{
        json_t *runs = NULL, *run;
        size_t i;
        int rc = pa__history_sql(h, latest_sql, NULL, 0, &runs, err);

        json_array_foreach(runs, i, run)
        {
                if (rc == 0)
                        rc = enrich(h, run, err);
        }
        for (size_t k = 0; rc == 0 && k < sizeof(families) / sizeof(*families); k++) {
                const struct family *fam = &families[k];

                fprintf(f, "# TYPE %s gauge\n", fam->name);
                if (fam->unit)
                        fprintf(f, "# UNIT %s %s\n", fam->name, fam->unit);
                fprintf(f, "# HELP %s %s.\n", fam->name, fam->help);
                json_array_foreach(runs, i, run)
                {
                        fam->fn(f, fam->name, run, fam->key);
                }
        }
        if (rc == 0)
                fputs("# EOF\n", f);
        json_decref(runs);
        return rc;
}

int pa__history_jsonl(struct pa_history *h, FILE *f, struct pa_err *err)
{
        json_t *runs = NULL, *run;
        size_t i;
        int rc = pa__history_runs(h, NULL, NULL, 0, &runs, err);

        json_array_foreach(runs, i, run)
        {
                char *line;

                if (rc || (rc = enrich(h, run, err)))
                        continue;
                json_object_del(run, "ended_s");
                if (!(line = json_dumps(run, JSON_COMPACT | JSON_SORT_KEYS)))
                        rc = pa_errf(err, PA_ENOMEM, "out of memory");
                else
                        fprintf(f, "%s\n", line);
                free(line);
        }
        json_decref(runs);
        return rc;
}
