/* Private: the diff of two runs (diff.json, docs/reports.md), built by
 * reports/diff.c for `parity diff` and rendered by every reporter. */
#ifndef PA_REPORTS_DIFF_H
#define PA_REPORTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "parity/report.h"

#define PA_DIFF_VERSION     2
#define PA_DIFF_MAX_FLIPPED 200 /* flipped cases listed in diff.json; all are counted */

/* The gates of --fail-on. */
enum pa_gate {
        PA_GATE_REGRESSION = 1u << 0, /* an accuracy domain dropped (significant, >= max_drop) */
        PA_GATE_DISPARITY = 1u << 1,  /* a disparity is new or worse: a significant change */
};

/* One side of the diff. All borrowed. */
struct pa_diff_run {
        const char *label;            /* the folder as given on the command line */
        const json_t *manifest;       /* manifest.json */
        const struct pa_suite *suite; /* the folder's suite copy */
        const json_t *records;        /* every record that counts, or NULL with join */
        const json_t *summary;        /* the analysed summary of the shared cases */
        /* Both runs' rows paired (scorers/analysis/diffjoin.h), the same in
         * both runs, read instead of records: a few bytes a record. */
        struct pa__diff_join *join;
};

struct pa_diff_conf {
        struct pa_analysis_conf analysis; /* alpha, correction, min_diff, boot_reps, seed */
        double max_drop;                  /* smallest accuracy drop that counts as a regression */
        unsigned fail_on;                 /* enum pa_gate bits */
        size_t max_flipped;               /* 0: PA_DIFF_MAX_FLIPPED */
        const char *source;               /* where the thresholds came from: "defaults", "options",
                                             "file", "candidate run" */
        const json_t *thresholds; /* {"file", "sha256", "content"} of --thresholds, or NULL */
};

/* Builds diff.json's object. Records (or the join's rows) are paired by
 * (case_id, sample); the same object from either; see
 * docs/reports.md for every field. *out is a new reference. */
int pa__diff_build(const struct pa_diff_run *base, const struct pa_diff_run *cand,
                   const struct pa_diff_conf *c, json_t **out, struct pa_err *err);

/* The records of a whose case_id b also has, as a new array (references
 * to a's records); NULL on ENOMEM. */
json_t *pa__diff_shared(const json_t *a, const json_t *b);

/* True when diff.json's verdict failed a gate (the exit code 1). */
bool pa__diff_failed(const json_t *diff);

/* The verdict paragraph and a short table, as `parity diff` prints them. */
int pa__diff_print(const json_t *diff, FILE *f, struct pa_err *err);

#endif
