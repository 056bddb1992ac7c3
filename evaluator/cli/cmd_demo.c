/* parity demo: the shipped demo suite on the sim engine as two model
 * versions, then the diff of the second against the first, which is what
 * a user of parity does most (docs/reports.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "datadir.h"
#include "opt.h"
#include "evaluator/run/run.h"
#include "evaluator/util/util.h"

static const char demo_usage[] =
    "usage: parity demo [--out DIR]\n"
    "Runs the shipped demo suite (suites/demo/demo.json in the data directory) on the\n"
    "sim engine twice: as model version 1 (no planted disparity) and version 2 (planted\n"
    "gender and race disparities and an arithmetic regression); prints both summaries,\n"
    "then the diff of version 2 against version 1, and names the reports to open.\n"
    "It samples 20 answers a case at temperature 0.7 (the suite says 0): at\n"
    "temperature 0 a real model gives one answer a case, so 20 samples would be one.\n"
    "  --out DIR  the two run folders and the diff folder go there (default: runs/\n"
    "             and diffs/)\n"
    "The data directory is $PARITY_DATA_DIR, else ../share/parity beside the\n"
    "executable's folder, else the executable's folder (the build tree).\n";

/* Runs model version v (0 or 1) into *dir (malloc'ed, the caller's). */
static int run_version(struct pa_run_conf *c, int v, char **dir)
{
        static const char *const profiles[] = {"suites/demo/sim-v1.json",
                                               "suites/demo/sim-v2.json"};
        struct pa_err err = {{0}};
        char *profile;
        int rc;

        if (pa__data_path(profiles[v], &profile, &err))
                return pa__fail(err.msg);
        c->engine.sim_profile = profile;
        printf("== model version %d (%s) ==\n", v + 1, profile);
        rc = pa_run(c, dir, &err);
        printf("\n");
        free(profile);
        c->engine.sim_profile = NULL;
        if (rc < 0)
                return pa__fail(err.msg[0] ? err.msg : pa_strerror(rc));
        return rc; /* 0, incomplete, or 130/143 after a signal */
}

/* parity diff V1 V2 -o DIFF (no gate: the demo shows, it does not judge). */
static int diff_versions(char *const dirs[2], const char *diff_dir)
{
        char cmd[] = "diff", out[] = "-o";
        char *argv[] = {cmd, dirs[0], dirs[1], out, (char *)diff_dir, NULL};

        printf("== the diff: model version 2 against version 1 ==\n");
        return pa__cmd_diff(5, argv);
}

/* The diff folder: OUT/V1-ID__V2-ID, or diffs/V1-ID__V2-ID; malloc'ed. */
static char *diff_folder(const char *out, char *const dirs[2])
{
        const char *a = strrchr(dirs[0], '/'), *b = strrchr(dirs[1], '/');
        char *name = NULL, *path;

        if (asprintf(&name, "%s__%s", a ? a + 1 : dirs[0], b ? b + 1 : dirs[1]) < 0)
                return NULL;
        path = pa__path_join(out ? out : "diffs", name);
        free(name);
        return path;
}

static void name_reports(char *const dirs[2], const char *diff_dir)
{
        printf("\nopen the reports:\n"
               "  the diff:          %s/report.html (report.md, junit.xml beside it)\n"
               "  model version 1:   %s/report.html\n"
               "  model version 2:   %s/report.html\n"
               "gate a CI job on the diff (exit 1 here, for the planted changes):\n"
               "  parity diff %s %s --fail-on all\n",
               diff_dir, dirs[0], dirs[1], dirs[0], dirs[1]);
}

static int parse(int argc, char **argv, const char **out)
{
        static const struct option lo[] = {{"out", required_argument, NULL, 'o'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
        int opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(demo_usage, stdout);
                        return 0;
                }
                if (opt == '?')
                        return pa__opt_error("demo", argv, "", lo);
                *out = optarg;
        }
        if (optind != argc) {
                char msg[512];

                snprintf(msg, sizeof(msg), "demo takes no argument: '%s' (parity demo --help)",
                         argv[optind]);
                return pa__fail(msg);
        }
        if (*out && !**out)
                return pa__fail("--out: expected a folder, not ''");
        return -1;
}

int pa__cmd_demo(int argc, char **argv)
{
        struct pa_run_conf c;
        struct pa_err err = {{0}};
        char *dirs[2] = {NULL, NULL}, *suite = NULL, *diff_dir = NULL;
        const char *out = NULL;
        int rc = parse(argc, argv, &out);

        if (rc >= 0)
                return rc;
        pa__run_conf_init(&c);
        if (pa__data_path("suites/demo/demo.json", &suite, &err))
                return pa__fail(err.msg);
        c.suite_path = suite;
        c.out_dir = out;
        c.engine.name = "sim";
        c.engine.has_seed = true;
        c.engine.seed = 1;
        /* Enough answers per group for the planted 15-20 point gaps to show;
         * sampled, since at temperature 0 (the suite's) 20 samples of a
         * real model are one answer. */
        c.samples = 20;
        c.engine.has_temperature = true;
        c.engine.temperature = 0.7;
        rc = 0;
        for (int v = 0; rc == 0 && v < 2; v++)
                rc = run_version(&c, v, &dirs[v]);
        if (rc == 0 && !(diff_dir = diff_folder(out, dirs)))
                rc = pa__fail("out of memory");
        if (rc == 0 && (rc = diff_versions(dirs, diff_dir)) == 0)
                name_reports(dirs, diff_dir);
        free(diff_dir);
        free(dirs[0]);
        free(dirs[1]);
        free(suite);
        return rc;
}
