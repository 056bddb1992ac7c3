/* evaluator/history/: the database file (schema version, WAL, migrations,
 * corrupt and newer files refused with what to do), the alerts computed
 * from rows written directly (a model swap, a newly crossed threshold, a
 * breached budget), baselines, and the --fail-on words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "evaluator/history/history.h"

static char dir[] = "/tmp/parity-test-history-XXXXXX";

static char *db_path(const char *name)
{
        static char buf[256];

        snprintf(buf, sizeof(buf), "%s/%s", dir, name);
        return buf;
}

static long long scalar(struct pa_history *h, const char *sql)
{
        struct pa_err err = {{0}};
        json_t *rows = NULL;
        long long v;

        assert_int_equal(pa__history_sql(h, sql, NULL, 0, &rows, &err), 0);
        v = (long long)json_integer_value(
            json_object_iter_value(json_object_iter(json_array_get(rows, 0))));
        json_decref(rows);
        return v;
}

static void new_database_is_versioned_and_in_wal_mode(void **state)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *rows = NULL;

        (void)state;
        assert_int_equal(pa__history_open(db_path("new.db"), true, &h, &err), 0);
        assert_int_equal(scalar(h, "PRAGMA user_version"), PA_HISTORY_SCHEMA);
        assert_int_equal(pa__history_sql(h, "PRAGMA journal_mode", NULL, 0, &rows, &err), 0);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(rows, 0), "journal_mode")), "wal");
        json_decref(rows);
        pa__history_close(h);
        /* Opening again migrates nothing and keeps the version. */
        assert_int_equal(pa__history_open(db_path("new.db"), false, &h, &err), 0);
        assert_int_equal(scalar(h, "PRAGMA user_version"), PA_HISTORY_SCHEMA);
        pa__history_close(h);
}

static void missing_corrupt_and_newer_files_are_refused(void **state)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        FILE *f;

        (void)state;
        assert_int_equal(pa__history_open(db_path("none.db"), false, &h, &err), PA_EIO);
        assert_null(h);
        f = fopen(db_path("junk.db"), "wb");
        assert_non_null(f);
        for (int i = 0; i < 200; i++)
                fputs("this is not an SQLite file. ", f);
        fclose(f);
        assert_int_equal(pa__history_open(db_path("junk.db"), false, &h, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "junk.db"));
        assert_non_null(strstr(err.msg, "parity history rebuild"));
        assert_int_equal(pa__history_open(db_path("newer.db"), true, &h, &err), 0);
        assert_int_equal(pa__history_sql(h, "PRAGMA user_version = 99", NULL, 0, NULL, &err), 0);
        pa__history_close(h);
        h = NULL;
        assert_int_equal(pa__history_open(db_path("newer.db"), false, &h, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "newer"));
}

/* A run row as history_add.c writes it, fields given as text. */
static void add_run(struct pa_history *h, const char *id, const char *started, const char *model,
                    const char *served, const char *fp, const char *status)
{
        struct pa_err err = {{0}};
        const char *args[] = {id, id, started, model, served, fp, status};

        assert_int_equal(
            pa__history_sql(h,
                            "INSERT INTO runs(key, run_id, path, track, suite, started_at, model,"
                            " served, fingerprint, status, planned, unanswered, added_at)"
                            " VALUES(?1, ?2, '/nowhere', 'main', 's', ?3, ?4, ?5, ?6, ?7, 10,"
                            " CASE ?7 WHEN 'complete' THEN 0 ELSE 4 END, 'now')",
                            args, 7, NULL, &err),
            0);
}

static void add_flag(struct pa_history *h, long long run, const char *grp, int flagged)
{
        struct pa_err err = {{0}};
        char r[32], fl[4];
        const char *args[] = {r, grp, fl};

        snprintf(r, sizeof(r), "%lld", run);
        snprintf(fl, sizeof(fl), "%d", flagged);
        assert_int_equal(
            pa__history_sql(h,
                            "INSERT INTO comparisons(run, outcome, axis, grp, reference, diff,"
                            " flagged) VALUES(?, 'o', 'a', ?, 'r', -0.2, ?)",
                            args, 3, NULL, &err),
            0);
}

static unsigned alert_bits(struct pa_history *h, long long id, json_t **out)
{
        struct pa_err err = {{0}};
        unsigned bits = 0;
        const json_t *a;
        size_t i;

        assert_int_equal(pa__history_alerts(h, id, out, &err), 0);
        json_array_foreach(*out, i, a)
        {
                bits |= pa__alert_bit(a);
        }
        return bits;
}

static void alerts_compare_with_the_run_before(void **state)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *alerts = NULL, *run = NULL;

        (void)state;
        assert_int_equal(pa__history_open(db_path("alerts.db"), true, &h, &err), 0);
        add_run(h, "r1", "2026-12-01T00:00:00Z", "gpt", "gpt-a", "f1", "complete");
        add_run(h, "r2", "2026-12-02T00:00:00Z", "gpt", "gpt-a", "f1", "complete");
        add_run(h, "r3", "2026-12-03T00:00:00Z", "gpt", "gpt-a", "f2", "complete");
        add_run(h, "r4", "2026-12-04T00:00:00Z", "gpt", "gpt-b", "f2", "incomplete");
        add_flag(h, 2, "g", 0);
        add_flag(h, 3, "g", 1);
        add_flag(h, 3, "h", 1);
        add_flag(h, 2, "h", 1);

        assert_int_equal(alert_bits(h, 1, &alerts), 0); /* nothing before it */
        json_decref(alerts);
        assert_int_equal(alert_bits(h, 2, &alerts), 0); /* same served model and fingerprint */
        json_decref(alerts);
        /* Fingerprint changed behind the same name; g newly flagged, h still. */
        assert_int_equal(alert_bits(h, 3, &alerts), PA_ALERT_MODEL | PA_ALERT_THRESHOLD);
        assert_int_equal(json_array_size(alerts), 2);
        assert_non_null(
            strstr(json_string_value(json_object_get(json_array_get(alerts, 0), "message")),
                   "the model behind 'gpt' changed between run r2 and run r3"));
        assert_non_null(strstr(
            json_string_value(json_object_get(json_array_get(alerts, 1), "message")), "'g' vs"));
        json_decref(alerts);
        /* Served id changed, and the run is incomplete. */
        assert_int_equal(alert_bits(h, 4, &alerts), PA_ALERT_MODEL | PA_ALERT_BUDGET);
        assert_non_null(
            strstr(json_string_value(json_object_get(json_array_get(alerts, 0), "message")),
                   "4 of 10 answers missing"));
        json_decref(alerts);

        /* Baselines: a complete run of the suite only. */
        assert_int_equal(pa__history_baseline_set(h, "s", "r2", "main", &run, &err), 0);
        json_decref(run);
        assert_int_equal(pa__history_baseline_set(h, "s", "r4", "main", &run, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "incomplete"));
        assert_int_equal(pa__history_baseline_set(h, "t", "r2", "main", &run, &err), PA_EINVAL);
        assert_int_equal(pa__history_baseline_get(h, "s", "main", &run, &err), 0);
        assert_string_equal(json_string_value(json_object_get(run, "run_id")), "r2");
        json_decref(run);
        assert_int_equal(pa__history_baseline_get(h, "s", "other", &run, &err), PA_EINVAL);
        pa__history_close(h);
}

static void fail_on_words(void **state)
{
        struct pa_err err = {{0}};
        unsigned bits = 0;

        (void)state;
        assert_int_equal(pa__alert_kinds("model-change,threshold", &bits, &err), 0);
        assert_int_equal(bits, PA_ALERT_MODEL | PA_ALERT_THRESHOLD);
        assert_int_equal(pa__alert_kinds("none", &bits, &err), 0);
        assert_int_equal(bits, 0);
        assert_int_equal(pa__alert_kinds("all", &bits, &err), 0);
        assert_int_equal(bits, PA_ALERT_MODEL | PA_ALERT_THRESHOLD | PA_ALERT_BUDGET);
        assert_int_equal(pa__alert_kinds("model", &bits, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "'model'"));
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[512];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(new_database_is_versioned_and_in_wal_mode),
            cmocka_unit_test(missing_corrupt_and_newer_files_are_refused),
            cmocka_unit_test(alerts_compare_with_the_run_before),
            cmocka_unit_test(fail_on_words),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
