/* parity trend: a suite's metrics across the runs of the history, with the
 * item-level drift test (docs/history.md "Trends"). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"
#include "evaluator/history/trend.h"
#include "evaluator/util/util.h"

static const char trend_usage[] =
    "usage: parity trend --suite S [--track NAME] [--last N] [--history DB] [-o DIR]\n"
    "                    [--alpha A] [--min-diff D] [--fail-on-drift]\n"
    "Prints each domain's rate and each comparison's disparity of suite S across its\n"
    "indexed runs in time order, with their intervals, and writes trend.json,\n"
    "report.md and report.html (SVG line charts with interval bands) into DIR.\n"
    "Drift test: each complete run is compared with the first complete run of the\n"
    "window item by item (sign-flip tests over items, as parity diff), every test\n"
    "of every run corrected together (Holm); a metric moved since the first run\n"
    "where its corrected p < alpha and the change is at least D. The run folders\n"
    "are read for the tests.\n"
    "  --suite S        the suite id (required)\n"
    "  --track NAME     only this track's runs (default: every track)\n"
    "  --last N         only the last N runs\n"
    "  --history DB     the database (default: $PARITY_HISTORY)\n"
    "  -o, --out DIR    where the reports go (default trends/S)\n"
    "  --alpha A        family-wise level of the drift tests (default 0.05)\n"
    "  --min-diff D     practical threshold of a move (default 0.05)\n"
    "  --fail-on-drift  exit 1 when a metric moved\n";

enum { O_SUITE = 256, O_TRACK, O_LAST, O_HISTORY, O_ALPHA, O_MIN, O_FAIL, O_HELP };

struct args {
        struct pa_trend_conf c;
        const char *db, *out;
        long last;
        bool fail;
};

static int usage_error(const char *msg)
{
        if (msg)
                fprintf(stderr, "parity: %s\n", msg);
        fputs(trend_usage, stderr);
        return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
        static const struct option lo[] = {
            {"suite", required_argument, NULL, O_SUITE},
            {"track", required_argument, NULL, O_TRACK},
            {"last", required_argument, NULL, O_LAST},
            {"history", required_argument, NULL, O_HISTORY},
            {"alpha", required_argument, NULL, O_ALPHA},
            {"min-diff", required_argument, NULL, O_MIN},
            {"fail-on-drift", no_argument, NULL, O_FAIL},
            {"out", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, O_HELP},
            {NULL, 0, NULL, 0},
        };
        int opt;

        *a = (struct args){.c = {.alpha = 0.05, .min_diff = 0.05}, .db = getenv("PARITY_HISTORY")};
        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
                if (opt == O_HELP) {
                        fputs(trend_usage, stdout);
                        return 0;
                } else if (opt == O_SUITE) {
                        a->c.suite = optarg;
                } else if (opt == O_TRACK) {
                        a->c.track = optarg;
                } else if (opt == O_LAST) {
                        if (pa__parse_long(optarg, 2, LONG_MAX, &a->last))
                                return usage_error("--last: expected an integer >= 2");
                } else if (opt == O_HISTORY) {
                        a->db = optarg;
                } else if (opt == O_ALPHA) {
                        if (pa__parse_double(optarg, 1e-9, 0.5, &a->c.alpha))
                                return usage_error("--alpha: expected a number in (0, 0.5]");
                } else if (opt == O_MIN) {
                        if (pa__parse_double(optarg, 0, 1, &a->c.min_diff))
                                return usage_error("--min-diff: expected a number in [0, 1]");
                } else if (opt == O_FAIL) {
                        a->fail = true;
                } else if (opt == 'o') {
                        a->out = optarg;
                } else {
                        return opt == '?' ? pa__opt_error("trend", argv, "o:", lo)
                                          : usage_error(NULL);
                }
        }
        if (optind != argc || !a->c.suite)
                return usage_error("--suite S is required and no operand is taken");
        if (!a->db || !*a->db)
                return pa__fail("no history database: give --history DB or set PARITY_HISTORY");
        return -1;
}

static bool any_moved(const json_t *t)
{
        const char *lists[] = {"domains", "comparisons"};
        const json_t *m;
        size_t i;

        for (size_t l = 0; l < 2; l++)
                json_array_foreach(json_object_get(t, lists[l]), i, m)
                {
                        if (json_is_string(json_object_get(m, "since")))
                                return true;
                }
        return false;
}

int pa__cmd_trend(int argc, char **argv)
{
        struct pa_err err = {{0}};
        struct pa_history *h = NULL;
        json_t *runs = NULL, *t = NULL;
        char *dir = NULL;
        struct args a;
        int rc = parse(argc, argv, &a);

        if (rc >= 0)
                return rc;
        if (pa__history_open(a.db, false, &h, &err) ||
            pa__history_runs(h, a.c.suite, a.c.track, a.last, &runs, &err))
                goto fail;
        if (json_array_size(runs) == 0) {
                pa_errf(&err, PA_EINVAL, "history '%s': no run of suite '%s'%s%s", a.db, a.c.suite,
                        a.c.track ? " on track " : "", a.c.track ? a.c.track : "");
                goto fail;
        }
        if (pa__trend_build(h, runs, &a.c, &t, &err))
                goto fail;
        if (!(dir = a.out ? strdup(a.out) : pa__path_join("trends", a.c.suite))) {
                pa_errf(&err, PA_ENOMEM, "out of memory");
                goto fail;
        }
        if (pa__trend_write(t, dir, &err))
                goto fail;
        pa__trend_print(t, stdout);
        printf("\ntrend folder: %s\n", dir);
        rc = a.fail && any_moved(t) ? PA_EXIT_GATE : 0;
        goto out;
fail:
        rc = pa__fail(err.msg[0] ? err.msg : "trend failed");
out:
        free(dir);
        json_decref(t);
        json_decref(runs);
        pa__history_close(h);
        return rc;
}
