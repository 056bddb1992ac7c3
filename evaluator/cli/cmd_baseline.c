/* parity baseline set|show and parity export: the blessed run of a suite
 * and track, and the history in other tools' formats (docs/history.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"
#include "evaluator/history/history.h"
#include "evaluator/util/util.h"

static const char baseline_usage[] =
    "usage: parity baseline set SUITE RUN_ID [--track NAME] [--history DB]\n"
    "       parity baseline show SUITE [--track NAME] [--history DB]\n"
    "Blesses an indexed, complete run of SUITE as the baseline of its track, which\n"
    "parity diff --baseline judges candidates against. RUN_ID is the run's id in the\n"
    "manifest or its number in parity history list.\n"
    "  --history DB     the database (default: $PARITY_HISTORY)\n"
    "  --track NAME     the track (default main)\n";

static const char export_usage[] =
    "usage: parity export (--openmetrics | --jsonl) [--history DB] [-o FILE]\n"
    "Writes the history for other tools: --openmetrics the latest run of each suite,\n"
    "track and model in the OpenMetrics text format (node_exporter's textfile\n"
    "collector, a Pushgateway); --jsonl every run a line with its metrics. FILE is\n"
    "replaced atomically.\n"
    "  --history DB     the database (default: $PARITY_HISTORY)\n"
    "  -o, --out FILE   write there instead of stdout\n";

enum { O_HISTORY = 256, O_TRACK, O_OM, O_JSONL, O_HELP };

static const struct option options[] = {
    {"history", required_argument, NULL, O_HISTORY},
    {"track", required_argument, NULL, O_TRACK},
    {"openmetrics", no_argument, NULL, O_OM},
    {"jsonl", no_argument, NULL, O_JSONL},
    {"out", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

struct args {
        const char *db, *track, *out;
        bool om, jsonl;
};

static int usage_error(const char *usage)
{
        fputs(usage, stderr);
        return 2;
}

static int parse(int argc, char **argv, const char *usage, struct args *a)
{
        int opt;

        *a = (struct args){.db = getenv("PARITY_HISTORY"), .track = PA_HISTORY_TRACK};
        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
                if (opt == O_HELP) {
                        fputs(usage, stdout);
                        return 0;
                } else if (opt == O_HISTORY) {
                        a->db = optarg;
                } else if (opt == O_TRACK) {
                        a->track = optarg;
                } else if (opt == O_OM && usage == export_usage) {
                        a->om = true;
                } else if (opt == O_JSONL && usage == export_usage) {
                        a->jsonl = true;
                } else if (opt == 'o' && usage == export_usage) {
                        a->out = optarg;
                } else {
                        return opt == '?'
                                   ? pa__opt_error(usage == export_usage ? "export" : "baseline",
                                                   argv, "o:", options)
                                   : usage_error(usage);
                }
        }
        if (!a->db || !*a->db)
                return pa__fail("no history database: give --history DB or set PARITY_HISTORY");
        return -1;
}

static int open_db(const struct args *a, struct pa_history **h)
{
        struct pa_err err = {{0}};

        return pa__history_open(a->db, false, h, &err) ? pa__fail(err.msg) : -1;
}

static void print_baseline(const char *verb, const json_t *run, const char *track)
{
        printf("%s %s %s (run %lld, %s, %s): %s\n", verb,
               json_string_value(json_object_get(run, "suite")),
               json_string_value(json_object_get(run, "run_id")),
               (long long)json_integer_value(json_object_get(run, "id")), track,
               json_string_value(json_object_get(run, "model"))
                   ? json_string_value(json_object_get(run, "model"))
                   : "-",
               json_string_value(json_object_get(run, "path")));
}

int pa__cmd_baseline(int argc, char **argv)
{
        const char *sub = argc > 1 ? argv[1] : "";
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *run = NULL;
        struct args a;
        bool set = !strcmp(sub, "set");
        int rc, n;

        if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
                fputs(baseline_usage, stdout);
                return 0;
        }
        if (!set && strcmp(sub, "show"))
                return pa__unknown_word("baseline", "command", sub,
                                        (const char *const[]){"set", "show"}, 2);
        if ((rc = parse(argc - 1, argv + 1, baseline_usage, &a)) >= 0)
                return rc;
        n = argc - 1 - optind; /* operands after SUITE */
        if ((!set && strcmp(sub, "show")) || n != (set ? 2 : 1))
                return usage_error(baseline_usage);
        if ((rc = open_db(&a, &h)) >= 0)
                return rc;
        rc = set ? pa__history_baseline_set(h, argv[1 + optind], argv[2 + optind], a.track, &run,
                                            &err)
                 : pa__history_baseline_get(h, argv[1 + optind], a.track, &run, &err);
        if (rc)
                rc = pa__fail(err.msg);
        else
                print_baseline(set ? "baseline of" : "baseline of", run, a.track);
        json_decref(run);
        pa__history_close(h);
        return rc;
}

/* Resolves `diff --baseline`: the baseline folder of the candidate's
 * suite and track (docs/history.md). *dir is malloc'ed. */
int pa__history_baseline_dir(const char *db, const char *suite, const char *track, char **dir)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *run = NULL;
        int rc = 0;

        *dir = NULL;
        if (!db || !*db)
                return pa__fail("--baseline needs --history DB (or PARITY_HISTORY)");
        if (pa__history_open(db, false, &h, &err) ||
            pa__history_baseline_get(h, suite, track, &run, &err))
                rc = pa__fail(err.msg);
        else if (!(*dir = strdup(json_string_value(json_object_get(run, "path")))))
                rc = pa__fail("out of memory");
        else
                fprintf(stderr, "parity: diff: baseline of '%s' on track '%s': run %s (%s)\n",
                        suite, track, json_string_value(json_object_get(run, "run_id")), *dir);
        json_decref(run);
        pa__history_close(h);
        return rc;
}

static int export_to(struct pa_history *h, const struct args *a, FILE *f, struct pa_err *err)
{
        return a->om ? pa__history_openmetrics(h, f, err) : pa__history_jsonl(h, f, err);
}

int pa__cmd_export(int argc, char **argv)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        char *text = NULL;
        size_t len = 0;
        FILE *mem = NULL;
        struct args a;
        int rc = parse(argc, argv, export_usage, &a);

        if (rc >= 0)
                return rc;
        if (a.om == a.jsonl || optind != argc)
                return usage_error(export_usage);
        if ((rc = open_db(&a, &h)) >= 0)
                return rc;
        /* Built whole first, so a scraper never reads half a file. */
        if (!(mem = open_memstream(&text, &len))) {
                rc = pa__fail("out of memory");
                goto out;
        }
        rc = export_to(h, &a, mem, &err);
        if (fclose(mem) && rc == 0)
                rc = pa_errf(&err, PA_ENOMEM, "out of memory");
        if (rc == 0 && a.out)
                rc = pa__write_file_atomic(a.out, text, len, &err);
        else if (rc == 0 && fwrite(text, 1, len, stdout) != len)
                rc = pa_errf(&err, PA_EIO, "stdout: write failed");
        rc = rc ? pa__fail(err.msg) : 0;
out:
        free(text);
        pa__history_close(h);
        return rc;
}
