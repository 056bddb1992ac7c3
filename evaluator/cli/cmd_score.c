/* parity score|summary RUN_DIR, and parity engines. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "cmd.h"
#include "evaluator/run/run.h"
#include "evaluator/util/util.h"

/* Both commands take RUN_DIR and --quiet; score also rewrites scores. */
static int on_run_dir(int argc, char **argv, bool rescore)
{
        struct pa_run_dir r;
        struct pa_err err = {{0}};
        char *path = NULL;
        bool quiet = argc == 3 && !strcmp(argv[2], "--quiet");
        int rc;

        if (argc == 2 && !strcmp(argv[1], "--help")) {
                printf("usage: parity %s RUN_DIR [--quiet]\n", argv[0]);
                return 0;
        }
        if (argc != 2 && !quiet) {
                fprintf(stderr, "usage: parity %s RUN_DIR [--quiet]\n", argv[0]);
                return 2;
        }
        rc = pa_run_dir_open(&r, argv[1], &err);
        if (rc == 0 && rescore) {
                rc = pa_score_records(&r.suite, r.records, &err);
                if (rc == 0 && !(path = pa__path_join(r.dir, "results.jsonl")))
                        rc = PA_ENOMEM;
                if (rc == 0)
                        rc = pa_results_save(path, r.records, NULL, &err);
                free(path);
        }
        if (rc == 0)
                rc = pa_run_dir_summarise(&r, 0.05, quiet, &err);
        /* The folder changed: seal it again (docs/evidence.md). */
        if (rc == 0)
                rc = rescore ? pa_evidence_reseal(r.dir, &err) : pa_evidence_seal(r.dir, &err);
        pa_run_dir_release(&r);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}

int pa__cmd_score(int argc, char **argv)
{
        return on_run_dir(argc, argv, true);
}

int pa__cmd_summary(int argc, char **argv)
{
        return on_run_dir(argc, argv, false);
}

static const char analyze_usage[] =
    "usage: parity analyze RUN_DIR [--alpha A] [--min-diff D] [--correction bh|holm]\n"
    "                              [--inference prompts|suite] [--seed N] [-o FILE] [--quiet]\n"
    "Prints the paired disparity analysis of a run with other thresholds (and\n"
    "writes its JSON to FILE). The run folder is not changed: its summary.json\n"
    "stays computed with the thresholds registered before the run (defaults:\n"
    "alpha 0.05, min-diff 0.05, bh), so a sealed folder still verifies.\n"
    "--inference: prompts (default; the item is the unit) or suite (these prompts\n"
    "only; needs temperature > 0, a seed and several samples).\n";

static int analyze_options(int argc, char **argv, struct pa_analysis_conf *c, bool *quiet,
                           const char **out)
{
        static const struct option opts[] = {
            {"alpha", required_argument, NULL, 'a'},
            {"min-diff", required_argument, NULL, 'd'},
            {"correction", required_argument, NULL, 'c'},
            {"seed", required_argument, NULL, 's'},
            {"inference", required_argument, NULL, 'i'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {"output", required_argument, NULL, 'o'},
            {NULL, 0, NULL, 0},
        };
        long seed;
        int opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(analyze_usage, stdout);
                        return 0;
                } else if (opt == 'a' && pa__parse_double(optarg, 1e-9, 0.5, &c->alpha)) {
                        return pa__fail("--alpha: expected a number in (0, 0.5]");
                } else if (opt == 'd' && pa__parse_double(optarg, 0, 1, &c->min_diff)) {
                        return pa__fail("--min-diff: expected a number in [0, 1]");
                } else if (opt == 'c') {
                        if (strcmp(optarg, "bh") && strcmp(optarg, "holm"))
                                return pa__fail("--correction: expected bh or holm");
                        c->correction = strcmp(optarg, "bh") ? PA_ADJ_HOLM : PA_ADJ_BH;
                } else if (opt == 's') {
                        if (pa__parse_long(optarg, 0, LONG_MAX, &seed))
                                return pa__fail("--seed: expected an integer >= 0");
                        c->seed = (uint64_t)seed;
                } else if (opt == 'i' && pa_inference_parse(optarg, &c->inference)) {
                        return pa__fail("--inference: expected prompts or suite");
                } else if (opt == 'q') {
                        *quiet = true;
                } else if (opt == 'o') {
                        *out = optarg;
                } else if (opt == '?') {
                        fputs(analyze_usage, stderr);
                        return 2;
                }
        }
        if (optind != argc - 1) {
                fputs(analyze_usage, stderr);
                return 2;
        }
        return -1;
}

int pa__cmd_analyze(int argc, char **argv)
{
        struct pa_analysis_conf c;
        struct pa_run_dir r;
        struct pa_err err = {{0}};
        const struct pa_reporter_ops *text = pa_reporter_find("text");
        const char *out = NULL;
        bool quiet = false;
        json_t *summary = NULL;
        int rc;

        pa_analysis_conf_init(&c);
        if ((rc = analyze_options(argc, argv, &c, &quiet, &out)) >= 0)
                return rc;
        rc = pa_run_dir_open(&r, argv[optind], &err);
        if (rc == 0)
                rc = pa_inference_check(c.inference, json_object_get(r.manifest, "parameters"),
                                        &err);
        if (rc == 0)
                rc = pa_summary_analyse(&r.suite, r.records,
                                        json_string_value(json_object_get(r.manifest, "run_id")),
                                        &c, &summary, &err);
        if (rc == 0 && out &&
            json_dump_file(summary, out, JSON_INDENT(1) | JSON_REAL_PRECISION(10)))
                rc = pa_errf(&err, PA_EIO, "cannot write '%s'", out);
        if (rc == 0 && !quiet)
                rc = text->write(summary, stdout, &err);
        json_decref(summary);
        pa_run_dir_release(&r);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}

int pa__cmd_engines(int argc, char **argv)
{
        const struct pa_engine_ops *const *e = pa_engine_list();

        (void)argc;
        (void)argv;
        for (; *e; e++)
                printf("%-20s %s\n", (*e)->name, (*e)->summary);
        return 0;
}
