/* parity run. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parity/engine.h"
#include "cmd.h"
#include "opt.h"
#include "run_gate.h"
#include "evaluator/history/history.h"
#include "evaluator/run/run.h"
#include "evaluator/suite/shard.h"
#include "evaluator/util/util.h"

static const char run_usage[] =
    "usage: parity run SUITE [options]\n"
    "  --engine NAME         openai-chat, openai-completions, ollama-chat, ollama-generate,\n"
    "                        exec, replay, sim or openai-loglik (default: openai-chat when\n"
    "                        --base-url is given; exec with --exec-command; replay with\n"
    "                        --replay-from)\n"
    "  --base-url URL        server base URL including /v1, e.g. http://127.0.0.1:8080/v1;\n"
    "                        Ollama's native engines without /v1 (http://127.0.0.1:11434);\n"
    "                        repeat to balance over several servers\n"
    "  --model NAME          model id sent with each request\n"
    "  --api-key-env VAR     environment variable holding the API key (never written)\n"
    "  --temperature F       sampling temperature (default: the suite's, else the server's)\n"
    "  --top-p F             nucleus sampling mass\n"
    "  --max-tokens N        answer length limit\n"
    "  --seed N              base seed; a sample's seed is derived from N, its item\n"
    "                        and k (docs/formats.md, Seeds)\n"
    "  --stop TEXT           stop sequence (repeatable)\n"
    "  --system TEXT         system prompt replacing the suite's default\n"
    "  --samples K           answers per case (default 1)\n"
    "  --concurrency N       requests (or exec commands) in flight (default 8)\n"
    "  --timeout SECONDS     per attempt (default 120)\n"
    "  --retries N           retries of 429, 5xx, timeouts, resets (default 4)\n"
    "  --retry-max-time S    no retry after S seconds since the first attempt (default 600)\n"
    "  --rpm N, --tpm N      requests / tokens per minute (default: unlimited)\n"
    "  --no-adaptive         keep --concurrency even when the server signals overload\n"
    "  --stream              ask for streamed answers (records time to first byte)\n"
    "  --sim-profile FILE    sim engine: planted rates (docs/formats.md)\n"
    "  --exec-command CMD    exec engine: the command run per case (split like a shell's\n"
    "                        words, not run by one; docs/engines.md)\n"
    "  --exec-prompt WHERE   exec engine: the prompt on 'stdin' (default) or as the last 'arg'\n"
    "  --replay-from DIR     replay engine: answer from the run folder DIR's records\n"
    "  --no-fingerprint      skip the canary prompts of the served-model identity\n"
    "  --allow-unlisted-model  run a model the server's model list does not name\n"
    "  --cacert FILE         trust the CA certificates in FILE (PEM) for https:// base URLs\n"
    "                        (default: $CURL_CA_BUNDLE, $SSL_CERT_FILE, else the system's)\n"
    "  --capath DIR          trust the CA certificates in DIR (default: $SSL_CERT_DIR)\n"
    "  --insecure            do not verify the server's certificate: warned, and recorded\n"
    "                        in the manifest and every report\n"
    "  --max-error-rate R    share of cases that may end without an answer before the run\n"
    "                        is incomplete (exit 3; default 0.02)\n"
    "  --allow-outside-paths let the suite's items_file lie outside the suite's folder\n"
    "  --max-cases N         refuse a suite that expands to more than N cases\n"
    "                        (default 10000000)\n"
    "  --mode MODE           octal permissions of the run folder and cache folders\n"
    "                        (default 750; files get it without x, 640)\n"
    "  --out DIR             parent of the new run folder (default runs)\n"
    "  --run-dir DIR         exact run folder; must be new or empty\n"
    "  --resume DIR          continue the interrupted run in DIR: same SUITE, engine, model\n"
    "                        and generation settings; runs only what DIR lacks\n"
    "  --cache DIR           reuse answers from the response cache in DIR, store new ones\n"
    "  --no-cache            no response cache (the default; the last of the two wins)\n"
    "  --shard I/N           run only shard I of N (0 <= I < N); parity merge joins them\n"
    "                        (I auto: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)\n"
    "  --progress-interval S progress line every S seconds when stderr is not a terminal\n"
    "                        (default 10; 0: none)\n"
    "  --verbose             one line per failed case on stderr\n"
    "  --alpha A             1 - confidence of the intervals (default 0.05)\n"
    "  --inference E         prompts (default: the item is the unit) or suite (these\n"
    "                        prompts only; needs temperature > 0, --seed, --samples >= 2)\n"
    "  --thresholds FILE     pre-registered thresholds (docs/formats.md), copied and\n"
    "                        hashed into the manifest before the first request\n"
    "  --operator NAME       the person responsible for the run (manifest \"operator\")\n"
    "  --operator-org ORG    their organisation\n"
    "  --operator-role ROLE  their role\n"
    "  --purpose TEXT        why the run was made (manifest \"purpose\")\n"
    "  --data-source TEXT    a note on the data used (manifest \"data_source\")\n"
    "  --quiet               print only errors and the run folder\n"
    "  --history DB          index the sealed run in this history database at the end and\n"
    "                        print its alerts (parity history add; docs/history.md)\n"
    "  --history-track NAME  the run's track in the history (default main)\n"
    "  --history-fail-on L   exit 1 on these alerts: model-change, threshold, all, none\n"
    "  --fail-on disparity   exit 1 when the run flags a disparity; 5 when no comparison\n"
    "                        could have been flagged (too few items) is the default;\n"
    "                        none: exit 0 whatever the summary says\n"
    "  --judge-calibrate FILE score the labelled answers of FILE (JSONL: answer, label) with\n"
    "                        the judge before any case; agreement into judge.json\n"
    "  --judge-engine NAME   the judge's engine (default openai-chat)\n"
    "  --judge-base-url URL  the judge's server; needed by a suite scorer of type judge,\n"
    "                        which rates each answer with the judge (docs/engines.md)\n"
    "  --judge-model M       the judge's model\n"
    "  --judge-api-key-env VAR  the variable holding the judge's API key\n"
    "  --judge-prompt FILE   the judge's template, with {answer} (and {prompt}, the prompt\n"
    "                        sent); a judge scorer's own prompt wins; the reply is read as\n"
    "                        (A) Yes or (B) No (default: does the answer refuse?)\n"
    "  --judge-max-tokens N  the judge's answer length (default 16); temperature is 0\n"
    "  --judge-seed N        the seed sent to the judge\n";

enum {
        O_ENGINE = 256,
        O_BASE,
        O_MODEL,
        O_KEYENV,
        O_TEMP,
        O_TOPP,
        O_MAXTOK,
        O_SEED,
        O_STOP,
        O_SYSTEM,
        O_SAMPLES,
        O_CONC,
        O_TIMEOUT,
        O_SIM,
        O_OUT,
        O_RUNDIR,
        O_ALPHA,
        O_INFERENCE,
        O_QUIET,
        O_HELP,
        O_RETRIES,
        O_RETRY_MAX,
        O_RPM,
        O_TPM,
        O_NO_ADAPTIVE,
        O_STREAM,
        O_RESUME,
        O_CACHE,
        O_NO_CACHE,
        O_SHARD,
        O_PROGRESS,
        O_VERBOSE,
        O_EXEC_CMD,
        O_EXEC_PROMPT,
        O_REPLAY,
        O_NO_FP,
        O_UNLISTED,
        O_MAX_ERR,
        O_ALLOW_OUTSIDE,
        O_MAX_CASES,
        O_MODE
};

/* Evidence (docs/evidence.md). */
enum { O_THRESHOLDS = 512, O_OPERATOR, O_OPERATOR_ORG, O_OPERATOR_ROLE, O_PURPOSE, O_DATA_SOURCE };

/* The history (docs/history.md): where the sealed run is indexed at the end. */
enum { O_HISTORY = 768, O_HISTORY_TRACK, O_HISTORY_FAIL };
static struct {
        const char *db, *track;
        unsigned fail_on;
} history = {NULL, PA_HISTORY_TRACK, 0};
/* TLS (docs/engines.md). */
enum { O_CACERT = 784, O_CAPATH, O_INSECURE };
/* The run's own gate (run_gate.h). */
enum { O_FAIL_ON = 816 };
static enum pa_run_gate gate = PA_GATE_DEFAULT;

static const struct option run_options[] = {
    {"engine", required_argument, NULL, O_ENGINE},
    {"base-url", required_argument, NULL, O_BASE},
    {"model", required_argument, NULL, O_MODEL},
    {"api-key-env", required_argument, NULL, O_KEYENV},
    {"temperature", required_argument, NULL, O_TEMP},
    {"top-p", required_argument, NULL, O_TOPP},
    {"max-tokens", required_argument, NULL, O_MAXTOK},
    {"seed", required_argument, NULL, O_SEED},
    {"stop", required_argument, NULL, O_STOP},
    {"system", required_argument, NULL, O_SYSTEM},
    {"samples", required_argument, NULL, O_SAMPLES},
    {"concurrency", required_argument, NULL, O_CONC},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"sim-profile", required_argument, NULL, O_SIM},
    {"out", required_argument, NULL, O_OUT},
    {"run-dir", required_argument, NULL, O_RUNDIR},
    {"alpha", required_argument, NULL, O_ALPHA},
    {"inference", required_argument, NULL, O_INFERENCE},
    {"thresholds", required_argument, NULL, O_THRESHOLDS},
    {"operator", required_argument, NULL, O_OPERATOR},
    {"operator-org", required_argument, NULL, O_OPERATOR_ORG},
    {"operator-role", required_argument, NULL, O_OPERATOR_ROLE},
    {"purpose", required_argument, NULL, O_PURPOSE},
    {"data-source", required_argument, NULL, O_DATA_SOURCE},
    {"quiet", no_argument, NULL, O_QUIET},
    {"retries", required_argument, NULL, O_RETRIES},
    {"retry-max-time", required_argument, NULL, O_RETRY_MAX},
    {"rpm", required_argument, NULL, O_RPM},
    {"tpm", required_argument, NULL, O_TPM},
    {"no-adaptive", no_argument, NULL, O_NO_ADAPTIVE},
    {"stream", no_argument, NULL, O_STREAM},
    {"resume", required_argument, NULL, O_RESUME},
    {"cache", required_argument, NULL, O_CACHE},
    {"no-cache", no_argument, NULL, O_NO_CACHE},
    {"shard", required_argument, NULL, O_SHARD},
    {"progress-interval", required_argument, NULL, O_PROGRESS},
    {"verbose", no_argument, NULL, O_VERBOSE},
    {"exec-command", required_argument, NULL, O_EXEC_CMD},
    {"exec-prompt", required_argument, NULL, O_EXEC_PROMPT},
    {"replay-from", required_argument, NULL, O_REPLAY},
    {"no-fingerprint", no_argument, NULL, O_NO_FP},
    {"allow-unlisted-model", no_argument, NULL, O_UNLISTED},
    {"max-error-rate", required_argument, NULL, O_MAX_ERR},
    {"allow-outside-paths", no_argument, NULL, O_ALLOW_OUTSIDE},
    {"max-cases", required_argument, NULL, O_MAX_CASES},
    {"mode", required_argument, NULL, O_MODE},
    {"help", no_argument, NULL, O_HELP},
    {"history", required_argument, NULL, O_HISTORY},
    {"history-track", required_argument, NULL, O_HISTORY_TRACK},
    {"history-fail-on", required_argument, NULL, O_HISTORY_FAIL},
    {"fail-on", required_argument, NULL, O_FAIL_ON},
    {"cacert", required_argument, NULL, O_CACERT},
    {"capath", required_argument, NULL, O_CAPATH},
    {"insecure", no_argument, NULL, O_INSECURE},
    {"judge-engine", required_argument, NULL, PA_O_JUDGE_ENGINE},
    {"judge-base-url", required_argument, NULL, PA_O_JUDGE_BASE},
    {"judge-model", required_argument, NULL, PA_O_JUDGE_MODEL},
    {"judge-api-key-env", required_argument, NULL, PA_O_JUDGE_KEYENV},
    {"judge-prompt", required_argument, NULL, PA_O_JUDGE_PROMPT},
    {"judge-max-tokens", required_argument, NULL, PA_O_JUDGE_MAXTOK},
    {"judge-seed", required_argument, NULL, PA_O_JUDGE_SEED},
    {"judge-calibrate", required_argument, NULL, PA_O_JUDGE_CALIBRATE},
    {NULL, 0, NULL, 0},
};

static int bad_value(const char *opt, const char *val, const char *want)
{
        fprintf(stderr, "parity: --%s '%s': expected %s\n", opt, val, want);
        return 2;
}

/* The first --base-url is the engine's; later ones are balanced with it. */
static int add_base_url(struct pa_engine_conf *e, const char *v)
{
        static const char *more[64];

        if (!e->base_url) {
                e->base_url = v;
                return 0;
        }
        if (e->n_more_urls == sizeof(more) / sizeof(*more))
                return bad_value("base-url", v, "at most 65 base URLs");
        more[e->n_more_urls++] = v;
        e->more_urls = more;
        return 0;
}

/* --mode: what umask(027) (main.c) allows, widened; the owner keeps rwx. */
static int set_mode(const char *v)
{
        char *end = NULL;
        long m = strtol(v, &end, 8);

        if (!*v || *end || m < 0700 || m > 0777)
                return bad_value("mode", v, "octal permissions from 700 to 777, e.g. 750");
        umask((mode_t)(0777 & ~m));
        return 0;
}

static int set_shard(struct pa_run_conf *c, const char *v)
{
        struct pa__shard sh;
        char msg[256];

        if (pa__shard_parse(v, &sh, msg, sizeof(msg))) {
                fprintf(stderr, "parity: --shard '%s': %s\n", v, msg);
                return 2;
        }
        c->shard_index = sh.index;
        c->shard_count = sh.count;
        return 0;
}

/* One option into conf; returns 0, or the exit code to stop with. */
static int set_option(struct pa_run_conf *c, json_t *stop, int opt, const char *v)
{
        struct pa_engine_conf *e = &c->engine;
        long n;

        switch (opt) {
        case O_ENGINE:
                e->name = v;
                break;
        case O_HISTORY:
                history.db = v;
                break;
        case O_HISTORY_TRACK:
                history.track = v;
                break;
        case O_HISTORY_FAIL: {
                struct pa_err err = {{0}};

                if (pa__alert_kinds(v, &history.fail_on, &err))
                        return pa__fail(err.msg);
                break;
        }
        case O_FAIL_ON:
                return pa__run_gate_parse(v, &gate);
        case O_THRESHOLDS:
                c->prov.thresholds = v;
                break;
        case O_OPERATOR:
                c->prov.operator_person = v;
                break;
        case O_OPERATOR_ORG:
                c->prov.operator_org = v;
                break;
        case O_OPERATOR_ROLE:
                c->prov.operator_role = v;
                break;
        case O_PURPOSE:
                c->prov.purpose = v;
                break;
        case O_DATA_SOURCE:
                c->prov.data_source = v;
                break;
        case O_BASE:
                return add_base_url(e, v);
        case O_NO_ADAPTIVE:
                c->adaptive = false;
                break;
        case O_STREAM:
                e->stream = true;
                break;
        case O_RETRIES:
                if (pa__parse_long(v, 0, 100, &n))
                        return bad_value("retries", v, "an integer from 0 to 100");
                c->retries = (unsigned)n;
                break;
        case O_RETRY_MAX:
                if (pa__parse_double(v, 0, 7 * 86400, &c->retry_max_s))
                        return bad_value("retry-max-time", v, "seconds, >= 0");
                break;
        case O_RPM:
                if (pa__parse_double(v, 0.001, 1e9, &c->rpm))
                        return bad_value("rpm", v, "requests per minute, > 0");
                break;
        case O_TPM:
                if (pa__parse_double(v, 1, 1e12, &c->tpm))
                        return bad_value("tpm", v, "tokens per minute, >= 1");
                break;
        case O_MODEL:
                e->model = v;
                break;
        case O_KEYENV:
                e->api_key_env = v;
                break;
        case O_SYSTEM:
                c->system = v;
                break;
        case O_SIM:
                e->sim_profile = v;
                break;
        case O_EXEC_CMD:
                e->exec_command = v;
                break;
        case O_REPLAY:
                e->replay_from = v;
                break;
        case O_NO_FP:
                e->no_fingerprint = true;
                break;
        case O_UNLISTED:
                e->allow_unlisted = true;
                break;
        case O_MAX_ERR:
                if (pa__parse_double(v, 0, 1, &c->max_error_rate))
                        return bad_value("max-error-rate", v, "a share from 0 to 1");
                break;
        case O_EXEC_PROMPT:
                if (strcmp(v, "stdin") && strcmp(v, "arg"))
                        return bad_value("exec-prompt", v, "stdin or arg");
                e->exec_prompt_arg = !strcmp(v, "arg");
                break;
        case O_ALLOW_OUTSIDE:
                c->allow_outside_paths = true;
                break;
        case O_MODE:
                return set_mode(v);
        case O_CACERT:
                e->cacert = v;
                break;
        case O_CAPATH:
                e->capath = v;
                break;
        case O_INSECURE:
                e->insecure = true;
                break;
        case O_MAX_CASES:
                if (pa__parse_long(v, 1, 1000000000000L, &n))
                        return bad_value("max-cases", v, "a whole number from 1 to 10^12");
                c->max_cases = (uint64_t)n;
                break;
        case O_OUT:
                if (!*v) /* not "the current directory" */
                        return bad_value("out", v, "a folder name");
                c->out_dir = v;
                break;
        case O_RUNDIR:
                if (!*v)
                        return bad_value("run-dir", v, "a folder name");
                c->run_dir = v;
                break;
        case O_QUIET:
                c->quiet = true;
                break;
        case O_VERBOSE:
                c->verbose = true;
                break;
        case O_RESUME:
                c->resume_dir = v;
                break;
        case O_CACHE:
                c->cache_dir = v;
                break;
        case O_NO_CACHE:
                c->cache_dir = NULL;
                break;
        case O_SHARD:
                return set_shard(c, v);
        case O_PROGRESS:
                if (pa__parse_double(v, 0, 86400, &c->progress_s))
                        return bad_value("progress-interval", v, "seconds, >= 0");
                break;
        case O_STOP:
                json_array_append_new(stop, json_string(v));
                break;
        case O_TEMP:
                e->has_temperature = true;
                if (pa__parse_double(v, 0, 100, &e->temperature))
                        return bad_value("temperature", v, "a number >= 0");
                break;
        case O_TOPP:
                e->has_top_p = true;
                if (pa__parse_double(v, 1e-9, 1, &e->top_p))
                        return bad_value("top-p", v, "a number in (0, 1]");
                break;
        case O_MAXTOK:
                if (pa__parse_long(v, 1, 10000000, &e->max_tokens))
                        return bad_value("max-tokens", v, "an integer >= 1");
                break;
        case O_SEED:
                e->has_seed = true;
                if (pa__parse_long(v, 0, LONG_MAX, &n))
                        return bad_value("seed", v, "an integer >= 0");
                e->seed = (uint64_t)n;
                break;
        case O_SAMPLES:
                if (pa__parse_long(v, 1, 100000, &n))
                        return bad_value("samples", v, "an integer from 1 to 100000");
                c->samples = (unsigned)n;
                break;
        case O_CONC:
                if (pa__parse_long(v, 1, 4096, &n))
                        return bad_value("concurrency", v, "an integer from 1 to 4096");
                c->concurrency = (unsigned)n;
                break;
        case O_TIMEOUT:
                if (pa__parse_double(v, 0.001, 86400, &e->timeout_s))
                        return bad_value("timeout", v, "seconds, > 0");
                break;
        case O_INFERENCE:
                if (pa_inference_parse(v, &c->inference))
                        return bad_value("inference", v, "prompts or suite");
                break;
        case O_ALPHA:
                if (pa__parse_double(v, 1e-9, 0.5, &c->alpha))
                        return bad_value("alpha", v, "a number in (0, 0.5]");
                break;
        default:
                if (opt >= PA_O_JUDGE_ENGINE && opt <= PA_O_JUDGE_CALIBRATE)
                        return pa__judge_option(&c->judge, opt, v);
                fputs(run_usage, stderr);
                return 2;
        }
        return 0;
}

/* The defaults of parity run, which parity demo uses too (cmd.h). */
void pa__run_conf_init(struct pa_run_conf *c)
{
        memset(c, 0, sizeof(*c));
        c->engine.max_tokens = -1;
        c->engine.timeout_s = 120;
        c->samples = 1;
        c->concurrency = 8;
        c->alpha = 0.05;
        c->retries = 4;
        c->retry_max_s = 600;
        c->adaptive = true;
        c->progress_s = 10;
        c->max_error_rate = 0.02;
}

static int run_status(int rc, const struct pa_err *err)
{
        if (rc >= 0)
                return rc; /* 0, PA_RUN_INCOMPLETE, or 130/143 after SIGINT/SIGTERM */
        return pa__fail(err->msg[0] ? err->msg : pa_strerror(rc));
}

int pa__cmd_run(int argc, char **argv)
{
        struct pa_run_conf c;
        struct pa_err err = {{0}};
        json_t *stop = json_array();
        char *dir = NULL;
        int opt, rc = 0;

        pa__run_conf_init(&c);
        optind = 1;
        while (rc == 0 && (opt = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
                if (opt == O_HELP) {
                        fputs(run_usage, stdout);
                        json_decref(stop);
                        return 0;
                }
                rc = opt == '?' ? pa__opt_error("run", argv, "", run_options)
                                : set_option(&c, stop, opt, optarg);
        }
        if (rc == 0 && optind != argc - 1) {
                fputs(run_usage, stderr);
                rc = 2;
        }
        if (rc == 0 && c.resume_dir && (c.run_dir || c.out_dir))
                rc = pa__fail("--resume names the run folder: no --run-dir or --out with it");
        if (rc == 0 && !c.engine.name)
                c.engine.name = c.engine.exec_command  ? "exec"
                                : c.engine.replay_from ? "replay"
                                                       : NULL;
        if (rc == 0 && !c.engine.name && !c.engine.base_url)
                rc = pa__fail("choose an engine: --engine NAME (parity engines lists them), "
                              "or --base-url URL");
        if (rc == 0) {
                c.suite_path = argv[optind];
                if (!c.engine.name)
                        c.engine.name = "openai-chat";
                if (json_array_size(stop))
                        c.engine.stop = stop;
                rc = run_status(pa_run(&c, &dir, &err), &err);
        }
        /* Only a complete run is gated: an incomplete one already fails (3). */
        if (dir && rc == 0)
                rc = pa__run_gate(dir, gate, c.quiet);
        /* A finished run, complete or not (its budget is an alert), goes into the history. */
        if (dir && history.db &&
            (rc == 0 || rc == PA_EXIT_INCOMPLETE || rc == PA_EXIT_GATE ||
             rc == PA_EXIT_UNTESTABLE)) {
                int hrc = pa__history_add_dirs(history.db, history.track, history.fail_on, &dir, 1);

                rc = hrc == PA_EXIT_USAGE || (hrc && !rc) ? hrc : rc;
        }
        free(dir);
        json_decref(stop);
        return rc;
}
