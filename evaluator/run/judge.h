/* Private: the pinned judge of a run (docs/engines.md, "Judge"): a second
 * engine at temperature 0 whose yes/no verdicts are read with the choice
 * extractor, calibrated on a labelled set before any case is sent. */
#ifndef PA_RUN_JUDGE_H
#define PA_RUN_JUDGE_H

#include <stdbool.h>

#include <jansson.h>

#include "parity/engine.h"

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

/* Checks the judge's settings, preflights and identifies it, and scores
 * the labelled set: *out (new reference) is judge.json's object (settings,
 * identity, agreement with intervals at level 1 - alpha). PA_EINVAL with
 * one line for a bad file, template or a judge that does not answer. */
int pa__judge_calibrate(const struct pa__judge_conf *j, double alpha, json_t **out,
                        struct pa_err *err);

/* For a run: the calibration when --judge-calibrate is set (one line on
 * stdout unless quiet), *out NULL without a judge; PA_EINVAL for --judge-*
 * options without it (no scorer uses the judge yet). */
int pa__judge_prepare(const struct pa__judge_conf *j, double alpha, bool quiet, json_t **out,
                      struct pa_err *err);
/* judge.json into the run folder dir, before the seal hashes it; nothing
 * when judge is NULL. */
int pa__judge_write(const char *dir, const json_t *judge, struct pa_err *err);

#endif
