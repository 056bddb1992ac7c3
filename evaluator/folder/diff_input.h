/* evaluator/folder/: a run folder's records read for parity diff. */
/* Private: the run folders of a diff (parity diff, the history's drift
 * test) read as compact rows (scorers/analysis/diffjoin.h) or, when a
 * record holds what rows do not stand for, as JSON records as before. */
#ifndef PA_CLI_DIFF_INPUT_H
#define PA_CLI_DIFF_INPUT_H

#include <stdbool.h>

#include "run_dir.h"
#include "scorers/analysis/diffjoin.h"

struct pa__diff_input {
        struct pa_run_dir dir;     /* manifest and suite; records only when !regular */
        struct pa__diff_side rows; /* when regular */
        bool regular;
};

/* Opens one folder: its rows and items' ids when regular, else its
 * records that count (dir.records, pa_results_latest). */
int pa__diff_input_open(struct pa__diff_input *in, const char *dir, struct pa_err *err);
/* The folder's records that count as JSON (dir.records), its rows
 * released: for a diff against a folder that is not regular. */
int pa__diff_input_records(struct pa__diff_input *in, struct pa_err *err);
/* Opens both folders; both are regular, or neither (then dir.records
 * holds each run's records that count, pa_results_latest). */
int pa__diff_inputs_open(struct pa__diff_input *b, struct pa__diff_input *c, const char *base,
                         const char *cand, struct pa_err *err);
/* The items' ids of both (regular) folders, which the pairs need: read
 * apart, after the summaries when the suites are the same. */
int pa__diff_inputs_ids(struct pa__diff_input *b, struct pa__diff_input *c, struct pa_err *err);
void pa__diff_input_release(struct pa__diff_input *in);
/* A regular folder's rows released (its ids kept), so that the other
 * folder's summary is analysed while one table is held. */
void pa__diff_input_rows_drop(struct pa__diff_input *in);
/* The rows of a regular folder read again after pa__diff_input_rows_drop:
 * PA_EINVAL when results.jsonl is no longer what was read first. */
int pa__diff_input_rows_again(struct pa__diff_input *in, struct pa_err *err);

/* The (case, sample) pairs both runs hold and those of them a failed
 * answer on either side drops: n[0] shared, n[1] dropped, n[2] failed in
 * the base, n[3] in the candidate. */
void pa__diff_join_dropped(const struct pa__diff_join *j, long long n[4]);

#endif
