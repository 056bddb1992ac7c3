/* parity: behavioural bias and regression evaluation for LLMs.
 * main() only dispatches through the command table (git's builtins). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "parity/common.h"
#include "evaluator/cli/cmd.h"
#include "evaluator/cli/opt.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

struct command {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *help;
};

static int cmd_version(int argc, char **argv)
{
        static const char *const names[] = {"help"};

        if (argc > 1 && strcmp(argv[1], "--help"))
                return pa__unknown_word("version", "option", argv[1], names, 1);
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
    {"history", pa__cmd_history, "index sealed runs in a history database; list; alerts"},
    {"baseline", pa__cmd_baseline, "bless a run as the baseline of its suite and track"},
    {"trend", pa__cmd_trend, "metrics of a suite across runs, with an item-level drift test"},
    {"export", pa__cmd_export, "the history as OpenMetrics text or JSON Lines"},
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
         * and server bytes in them cannot break a line. What stdout holds
         * goes first, so a log of both reads in order. */
        fflush(stdout);
        do {
                nl = strchr(msg, '\n');
                pa__esc(msg, nl ? (size_t)(nl - msg) : strlen(msg), line, sizeof(line));
                fprintf(stderr, "parity: %s\n", line);
                msg = nl ? nl + 1 : NULL;
        } while (msg);
        return 2;
}

/* "unknown command 'rn'; did you mean 'run'?" */
static int unknown_command(const char *word)
{
        const char *names[sizeof(commands) / sizeof(commands[0])];
        size_t n = 0;

        for (const struct command *c = commands; c->name; c++)
                names[n++] = c->name;
        return pa__unknown_word(NULL, "command", word, names, n);
}

int main(int argc, char **argv)
{
        int rc;

        pa__memory_setup();
        /* Line by line even into a file or pipe: a stderr line written
         * between two stdout writes never lands inside a stdout line. */
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* The commands say what was wrong with an option, in one line (opt.h). */
        opterr = 0;
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
        return unknown_command(argv[1]);
}
