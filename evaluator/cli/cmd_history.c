/* parity history add|rebuild|list: the run history database
 * (docs/history.md); baselines and exports are in cmd_baseline.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opt.h"
#include "evaluator/history/history.h"
#include "evaluator/util/util.h"

static const char history_usage[] =
    "usage: parity history add RUN_DIR... [--history DB] [--track NAME] [--fail-on LIST]\n"
    "       parity history rebuild DB DIR... [--track NAME]\n"
    "       parity history list [--history DB] [--suite S] [--track NAME] [--json]\n"
    "Indexes sealed run folders in an SQLite database (the folders stay the evidence):\n"
    "suite, requested and served model, engine, fingerprint, time, operator, status,\n"
    "per-domain rates and per-comparison disparities with their intervals and flags.\n"
    "add verifies each folder first and prints the alerts of each run against the one\n"
    "before it; rebuild makes DB anew from the run folders in (or under) each DIR,\n"
    "keeping the baselines and tracks of a readable old DB (--track for the rest).\n"
    "  --history DB     the database (default: $PARITY_HISTORY)\n"
    "  --track NAME     the line of runs a run belongs to (default main)\n"
    "  --fail-on LIST   exit 1 on these alerts: model-change, threshold, all, none\n"
    "  --suite S        list only this suite's runs\n"
    "  --json           one JSON object a line\n"
    "Exit: 0 ok, 1 an alert of --fail-on, 2 usage or input error (a folder that does\n"
    "not verify, a corrupt database), 3 an added run is incomplete.\n";

enum { O_HISTORY = 256, O_TRACK, O_FAIL, O_SUITE, O_JSON, O_HELP };

static const struct option options[] = {
    {"history", required_argument, NULL, O_HISTORY},
    {"track", required_argument, NULL, O_TRACK},
    {"fail-on", required_argument, NULL, O_FAIL},
    {"suite", required_argument, NULL, O_SUITE},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

struct args {
        const char *db, *track, *suite;
        unsigned fail_on;
        bool json, track_given;
        int first; /* argv index of the first operand */
};

static int usage_error(const char *usage)
{
        fputs(usage, stderr);
        return 2;
}

static int parse(int argc, char **argv, const char *usage, struct args *a)
{
        struct pa_err err = {{0}};
        int opt;

        memset(a, 0, sizeof(*a));
        a->db = getenv("PARITY_HISTORY");
        a->track = PA_HISTORY_TRACK;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
                switch (opt) {
                case O_HELP:
                        fputs(usage, stdout);
                        return 0;
                case O_HISTORY:
                        a->db = optarg;
                        break;
                case O_TRACK:
                        a->track = optarg;
                        a->track_given = true;
                        break;
                case O_FAIL:
                        if (pa__alert_kinds(optarg, &a->fail_on, &err))
                                return pa__fail(err.msg);
                        break;
                case O_SUITE:
                        a->suite = optarg;
                        break;
                case O_JSON:
                        a->json = true;
                        break;
                default:
                        return opt == '?' ? pa__opt_error("history", argv, "", options)
                                          : usage_error(usage);
                }
        }
        a->first = optind;
        return -1;
}

static int need_db(const struct args *a)
{
        if (a->db && *a->db)
                return -1;
        return pa__fail("no history database: give --history DB or set PARITY_HISTORY");
}

/* Prints a run's alerts; returns the bits of those it raised. */
static unsigned print_alerts(struct pa_history *h, long long id, int *rc)
{
        struct pa_err err = {{0}};
        json_t *alerts = NULL, *al;
        unsigned bits = 0;
        size_t i;

        if (pa__history_alerts(h, id, &alerts, &err)) {
                *rc = pa__fail(err.msg);
                return 0;
        }
        json_array_foreach(alerts, i, al)
        {
                printf("ALERT %s: %s\n", json_string_value(json_object_get(al, "kind")),
                       json_string_value(json_object_get(al, "message")));
                bits |= pa__alert_bit(al);
        }
        json_decref(alerts);
        return bits;
}

/* Worst first: an error, then an incomplete run, then a gate. */
static int worse(int a, int b)
{
        static const int rank[] = {0, 1, 3, 2, 0}; /* by exit code 0..4 */

        return rank[a < 0 || a > 4 ? 0 : a] >= rank[b < 0 || b > 4 ? 0 : b] ? a : b;
}

static int add_one(struct pa_history *h, const char *dir, const struct args *a)
{
        struct pa_err err = {{0}};
        enum pa_hist_added what;
        long long id;
        json_t *run = NULL;
        char ref[32];
        unsigned bits;
        int rc = 0;

        if (pa__history_add(h, dir, a->track, &what, &id, &err))
                return pa__fail(err.msg);
        snprintf(ref, sizeof(ref), "%lld", id);
        if (pa__history_run(h, ref, &run, &err))
                return pa__fail(err.msg);
        printf("%s %s (run %lld, track %s): %s\n",
               what == PA_HIST_NEW ? "added" : "already indexed",
               json_string_value(json_object_get(run, "run_id")), id,
               json_string_value(json_object_get(run, "track")),
               json_string_value(json_object_get(run, "path")));
        json_decref(run);
        bits = print_alerts(h, id, &rc);
        if (rc)
                return rc;
        if (bits & PA_ALERT_BUDGET)
                return PA_EXIT_INCOMPLETE;
        return bits & a->fail_on ? PA_EXIT_GATE : 0;
}

int pa__history_add_dirs(const char *db, const char *track, unsigned fail_on, char **dirs, int n)
{
        struct args a = {.db = db, .track = track, .fail_on = fail_on};
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        int rc = 0;

        if (pa__history_open(db, true, &h, &err))
                return pa__fail(err.msg);
        for (int i = 0; i < n && rc != 2; i++)
                rc = worse(rc, add_one(h, dirs[i], &a));
        pa__history_close(h);
        return rc;
}

static void list_line(const json_t *r, bool json)
{
        char *s;

        if (json) {
                if ((s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS)))
                        puts(s);
                free(s);
                return;
        }
        printf("%-4lld %-32s %-16s %-8s %-20s %-20s %s\n",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "run_id")),
               json_string_value(json_object_get(r, "suite")),
               json_string_value(json_object_get(r, "track")),
               json_string_value(json_object_get(r, "model"))
                   ? json_string_value(json_object_get(r, "model"))
                   : "-",
               json_string_value(json_object_get(r, "started_at"))
                   ? json_string_value(json_object_get(r, "started_at"))
                   : "-",
               json_string_value(json_object_get(r, "status"))
                   ? json_string_value(json_object_get(r, "status"))
                   : "-");
}

static int list(const struct args *a)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *runs = NULL, *r;
        size_t i;
        int rc;

        if ((rc = need_db(a)) >= 0)
                return rc;
        if (pa__history_open(a->db, false, &h, &err) ||
            pa__history_runs(h, a->suite, a->track_given ? a->track : NULL, 0, &runs, &err)) {
                pa__history_close(h);
                return pa__fail(err.msg);
        }
        if (!a->json)
                printf("%-4s %-32s %-16s %-8s %-20s %-20s %s\n", "id", "run_id", "suite", "track",
                       "model", "started_at", "status");
        json_array_foreach(runs, i, r)
        {
                list_line(r, a->json);
        }
        json_decref(runs);
        pa__history_close(h);
        return 0;
}

/* What the folders do not hold, from the old database when it can still
 * be read: the baselines and the runs' tracks, by run key. */
struct kept {
        json_t *baselines, *tracks;
};

static void old_state(const char *db, struct kept *k)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;

        k->baselines = k->tracks = NULL;
        if (access(db, F_OK) || pa__history_open(db, false, &h, &err) ||
            pa__history_sql(h,
                            "SELECT baselines.suite, baselines.track, runs.key FROM baselines"
                            " JOIN runs ON runs.id = baselines.run",
                            NULL, 0, &k->baselines, &err) ||
            pa__history_sql(h, "SELECT key, track FROM runs", NULL, 0, &k->tracks, &err))
                fprintf(stderr, "parity: history rebuild: %s\n",
                        err.msg[0] ? err.msg
                                   : "no earlier database: no baselines or tracks to keep");
        pa__history_close(h);
}

static int carry(struct pa_history *h, const struct kept *k, struct pa_err *err)
{
        const json_t *b;
        size_t i;
        int rc = 0;

        json_array_foreach(k->tracks, i, b)
        {
                const char *args[] = {json_string_value(json_object_get(b, "track")),
                                      json_string_value(json_object_get(b, "key"))};

                if (rc == 0)
                        rc = pa__history_sql(h, "UPDATE runs SET track = ? WHERE key = ?", args, 2,
                                             NULL, err);
        }
        json_array_foreach(k->baselines, i, b)
        {
                const char *args[] = {json_string_value(json_object_get(b, "suite")),
                                      json_string_value(json_object_get(b, "track")),
                                      json_string_value(json_object_get(b, "key"))};

                if (rc == 0)
                        rc = pa__history_sql(h,
                                             "INSERT OR REPLACE INTO baselines(suite, track, run,"
                                             " set_at) SELECT ?, ?, id, datetime('now') FROM runs"
                                             " WHERE key = ?",
                                             args, 3, NULL, err);
        }
        return rc;
}

static int rebuild_into(struct pa_history *h, const char *track, char **dirs, int n,
                        size_t *skipped)
{
        struct pa_err err = {{0}};

        for (int i = 0; i < n; i++) {
                json_t *found = NULL, *d;
                size_t j;

                if (pa__history_scan(dirs[i], &found, &err))
                        return pa__fail(err.msg);
                json_array_foreach(found, j, d)
                {
                        enum pa_hist_added what;
                        long long id;

                        err.msg[0] = 0;
                        if (pa__history_add(h, json_string_value(d), track, &what, &id, &err)) {
                                fprintf(stderr, "parity: history rebuild: skipped: %s\n", err.msg);
                                ++*skipped;
                        }
                }
                json_decref(found);
        }
        return 0;
}

static int rebuild(const struct args *a, int argc, char **argv)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        struct kept keep;
        char *tmp = NULL;
        size_t skipped = 0;
        int rc = 2;

        if (argc - a->first < 2)
                return usage_error(history_usage);
        if (asprintf(&tmp, "%s.rebuild-%ld", argv[a->first], (long)getpid()) < 0)
                return pa__fail("out of memory");
        old_state(argv[a->first], &keep);
        unlink(tmp);
        if (pa__history_open(tmp, true, &h, &err))
                goto fail;
        if ((rc = rebuild_into(h, a->track, argv + a->first + 1, argc - a->first - 1, &skipped)))
                goto out;
        if (carry(h, &keep, &err))
                goto fail;
        pa__history_close(h);
        h = NULL;
        /* The old file's journal must not be replayed into the new one. */
        for (size_t i = 0; i < 2; i++) {
                char *side = NULL;

                if (asprintf(&side, "%s%s", argv[a->first], i ? "-shm" : "-wal") >= 0)
                        unlink(side);
                free(side);
        }
        if (rename(tmp, argv[a->first])) {
                pa_errf(&err, PA_EIO, "history '%s': cannot replace it: %s", argv[a->first],
                        strerror(errno));
                goto fail;
        }
        printf("rebuilt %s: %zu baseline%s kept%s\n", argv[a->first],
               json_array_size(keep.baselines), json_array_size(keep.baselines) == 1 ? "" : "s",
               skipped ? "; folders that did not verify were skipped (above)" : "");
        rc = skipped ? 2 : 0;
        goto out;
fail:
        rc = pa__fail(err.msg);
out:
        pa__history_close(h);
        if (rc && tmp)
                unlink(tmp);
        free(tmp);
        json_decref(keep.baselines);
        json_decref(keep.tracks);
        return rc;
}

int pa__cmd_history(int argc, char **argv)
{
        struct args a;
        const char *sub = argc > 1 ? argv[1] : "";
        int rc;

        static const char *const subs[] = {"add", "rebuild", "list"};

        if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
                fputs(history_usage, stdout);
                return 0;
        }
        if (strcmp(sub, "add") && strcmp(sub, "rebuild") && strcmp(sub, "list"))
                return pa__unknown_word("history", "command", sub, subs, 3);
        if ((rc = parse(argc - 1, argv + 1, history_usage, &a)) >= 0)
                return rc;
        a.first++; /* operands counted in argv */
        if (!strcmp(sub, "add")) {
                if (a.first >= argc)
                        return usage_error(history_usage);
                if ((rc = need_db(&a)) >= 0)
                        return rc;
                return pa__history_add_dirs(a.db, a.track, a.fail_on, argv + a.first,
                                            argc - a.first);
        }
        if (!strcmp(sub, "rebuild"))
                return rebuild(&a, argc, argv);
        if (!strcmp(sub, "list"))
                return a.first == argc ? list(&a) : usage_error(history_usage);
        return usage_error(history_usage);
}
