/* parity: behavioural bias and regression evaluation for LLMs.
 * main() only dispatches through the command table (git's builtins). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "parity/common.h"
#include "evaluator/cli/cmd.h"
#include "evaluator/util/safe_file.h"

struct command {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *help;
};

static int cmd_version(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        printf("parity %s\n", PA_VERSION);
        return 0;
}

static const struct command commands[] = {
    {"run", pa__cmd_run, "run a suite against an engine into a new run folder"},
    {"demo", pa__cmd_demo, "run the bundled demo suite on the sim engine as two model versions"},
    {"suite", pa__cmd_suite, "lint, expand or list suites"},
    {"import", pa__cmd_import, "turn BBQ, CrowS-Pairs, discrim-eval or HolisticBias into a suite"},
    {"score", pa__cmd_score, "re-score a run folder without calling the model"},
    {"summary", pa__cmd_summary, "recompute and print a run folder's group summary"},
    {"analyze", pa__cmd_analyze, "recompute the paired disparity analysis with other thresholds"},
    {"report", pa__cmd_report, "write report.md, report.html, junit.xml of a run or diff folder"},
    {"diff", pa__cmd_diff, "compare two runs: regressions, disparity changes, flips; CI gate"},
    {"verify", pa__cmd_verify, "re-check a run folder's hashes, chain, summary and signatures"},
    {"sign", pa__cmd_sign, "sign a run folder's manifest with an OpenSSH Ed25519 key"},
    {"attest", pa__cmd_attest, "write a signed in-toto attestation of a run folder"},
    {"audit", pa__cmd_audit, "print and write the audit view (LL144 table, checklist)"},
    {"merge", pa__cmd_merge, "join the run folders of a suite's shards into one"},
    {"engines", pa__cmd_engines, "list the engines"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
        fprintf(f, "usage: parity <command> [options]\n\ncommands:\n");
        for (const struct command *c = commands; c->name; c++)
                fprintf(f, "  %-9s %s\n", c->name, c->help);
        fprintf(f, "\n'parity <command> --help' describes one command; man parity(1) all.\n");
}

int pa__fail(const char *msg)
{
        char line[4 * sizeof(((struct pa_err *)0)->msg)];
        const char *nl;

        /* A message of several errors (a suite's) is a line each; names
         * and server bytes in them cannot break a line. */
        do {
                nl = strchr(msg, '\n');
                pa__esc(msg, nl ? (size_t)(nl - msg) : strlen(msg), line, sizeof(line));
                fprintf(stderr, "parity: %s\n", line);
                msg = nl ? nl + 1 : NULL;
        } while (msg);
        return 2;
}

int main(int argc, char **argv)
{
        int rc;

        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--version"))
                return cmd_version(0, NULL);
        for (const struct command *c = commands; c->name; c++) {
                if (strcmp(c->name, argv[1]))
                        continue;
                /* Run folders, caches and reports are the operator's and
                 * their group's only (run --mode widens it). */
                umask(027);
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return pa__fail("cannot initialise libcurl");
                rc = c->fn(argc - 1, argv + 1);
                curl_global_cleanup();
                fflush(stdout);
                return rc;
        }
        fprintf(stderr, "parity: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
}
