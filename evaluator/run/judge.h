/* Private: the pinned judge of a run (docs/engines.md, "Judge"): a second
 * engine at temperature 0 whose yes/no verdicts are read with the choice
 * extractor, calibrated on a labelled set before any case is sent. */
#ifndef PA_RUN_JUDGE_H
#define PA_RUN_JUDGE_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/engine.h"
#include "parity/scorer.h"
#include "parity/suite.h"
#include "scorers/choice.h"

struct pa__judge_conf {
        struct pa_engine_conf engine; /* name NULL: no judge */
        const char *prompt_path;      /* --judge-prompt: template with {answer}, or NULL */
        const char *calibrate_path;   /* --judge-calibrate: JSONL {"answer", "label"} */
};

/* The --judge-* options, after the run's own (cmd_run.c's table). */
enum {
        PA_O_JUDGE_ENGINE = 800, /* above cmd_run.c's own option values */
        PA_O_JUDGE_BASE,
        PA_O_JUDGE_MODEL,
        PA_O_JUDGE_KEYENV,
        PA_O_JUDGE_PROMPT,
        PA_O_JUDGE_MAXTOK,
        PA_O_JUDGE_SEED,
        PA_O_JUDGE_CALIBRATE,
};

/* One --judge-* option into j; 0, or the exit status 2 after one line. */
int pa__judge_option(struct pa__judge_conf *j, int opt, const char *v);

/* The judge of a run: open when a suite's scorer of type "judge" or
 * --judge-calibrate needs it (engine.ops not NULL). */
struct pa__judge {
        struct pa_engine e;
        struct pa_choices ch;      /* "(A) Yes (B) No": A is a true verdict */
        char *run_tpl;             /* --judge-prompt's text or the built-in one, owned */
        char *tpl[PA_MAX_SCORERS]; /* each judge scorer's template, borrowed */
        json_t *settings;          /* the manifest's "judge" (owned) */
        json_t *calibration;       /* judge.json's object (owned), or NULL */
        bool scoring;              /* a suite scorer of type judge uses it */
        uint64_t asked, missing;   /* ratings asked and missing, this invocation */
};

/* For a run of suite s: opens, preflights and identifies the judge when a
 * judge scorer or --judge-calibrate needs it, and scores the labelled set
 * (one line on stdout unless quiet). A judge scorer without --judge-base-url,
 * or --judge-* options nothing uses, is PA_EINVAL with one line naming the
 * suite field and the option; a judge that does not answer too. Release jr
 * with pa__judge_release() even on failure. */
int pa__judge_prepare(const struct pa__judge_conf *j, const struct pa_suite *s, double alpha,
                      bool quiet, struct pa__judge *jr, struct pa_err *err);
void pa__judge_release(struct pa__judge *jr);

/* The judge's verdict of one answer, one request (retried on a transport
 * error, 429 or 5xx): 1 yes, 0 no, -1 no option read, -2 no reply; < -2
 * out of memory. *reply (may be NULL) gets the judge's text (owned, or NULL)
 * and *why (may be NULL) what failed (static, or NULL). */
int pa__judge_ask(const struct pa_engine *e, const struct pa_choices *ch, const char *prompt,
                  char **reply, const char **why);
/* tpl with {answer} and {prompt} filled in one pass; owned by the caller. */
char *pa__judge_fill(const char *tpl, const char *answer, const char *prompt);

/* Rates an answer for each judge scorer of the job's item (judge_rate.c):
 * sets v[k] (PA_NA when the judge gave no verdict) and reply->judge, the
 * record's "judge" field. Nothing for a failed answer. *missing: ratings
 * without a verdict, *why (static) the first one's cause. 0 or PA_ENOMEM. */
int pa__judge_rate(struct pa__judge *jr, const struct pa_suite *s, const struct pa_job *job,
                   struct pa_reply *reply, signed char *v, unsigned *missing, const char **why);

/* judge.json into the run folder dir, before the summary reads it and the
 * seal hashes it; nothing when judge is NULL. */
int pa__judge_write(const char *dir, const json_t *judge, struct pa_err *err);

#endif
