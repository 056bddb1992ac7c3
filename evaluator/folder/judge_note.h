/* Private: the judge's error rate beside the findings that rest on it
 * (NIST AI 600-1 MS-2.13; docs/engines.md, "Judge"). */
#ifndef PA_FOLDER_JUDGE_NOTE_H
#define PA_FOLDER_JUDGE_NOTE_H

#include <jansson.h>

#include "parity/suite.h"

/* For each outcome of s scored by the judge: summary's "judge"."outcomes"
 * gets what is known of the judge's error rate there (the calibration in
 * dir/judge.json when it used the outcome's template, as the manifest's
 * "judge" records it; else "calibrated": false and why), and each finding
 * on such an outcome a copy as its "judge". Nothing without judge
 * outcomes. PA_EINVAL naming judge.json when it is not a calibration. */
int pa__judge_note(json_t *summary, const struct pa_suite *s, const json_t *manifest,
                   const char *dir, struct pa_err *err);
/* dir/judge.json into *cal (a new reference), NULL when there is none;
 * PA_EINVAL naming it when it is not a calibration. */
int pa__judge_calibration_read(const char *dir, json_t **cal, struct pa_err *err);

#endif
