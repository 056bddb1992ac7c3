/* evaluator/history/: the SQLite index of sealed run folders: history, baselines, trends, alerts
 * and exports for continuous monitoring; the folders stay the evidence (docs/history.md). */
/* Private. The database indexes what a run folder's manifest.json and
 * summary.json say, once the folder verified; everything in it can be
 * rebuilt from the folders. One writer at a time (WAL, busy timeout):
 * two CI jobs adding at once both land. */
#ifndef PA_HISTORY_H
#define PA_HISTORY_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"

/* PRAGMA user_version of a database this parity writes. */
#define PA_HISTORY_SCHEMA 1
/* The track of a run added without --track. */
#define PA_HISTORY_TRACK "main"

struct pa_history;

/* Opens the database at path, creating it when create (else PA_EIO when
 * missing), in WAL mode with a busy timeout, migrated to
 * PA_HISTORY_SCHEMA. A file that is not a parity history, is corrupt, or
 * comes from a newer parity is PA_EINVAL with err naming the file and
 * what to do. *out is released with pa__history_close. */
int pa__history_open(const char *path, bool create, struct pa_history **out, struct pa_err *err);
void pa__history_close(struct pa_history *h);
const char *pa__history_path(const struct pa_history *h);

/* Runs sql with the NULL-terminated text parameters args (a NULL entry
 * before the end binds SQL NULL: pass nargs) and, when rows is not NULL,
 * returns every row as an object of its columns (*rows a new array). */
int pa__history_sql(struct pa_history *h, const char *sql, const char *const *args, size_t nargs,
                    json_t **rows, struct pa_err *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int pa__history_begin(struct pa_history *h, struct pa_err *err);
int pa__history_commit(struct pa_history *h, struct pa_err *err);
void pa__history_rollback(struct pa_history *h);
/* The rowid of the last insert. */
long long pa__history_last_id(struct pa_history *h);

/* ---- indexing (history_add.c) ---- */

/* What adding one folder did. */
enum pa_hist_added { PA_HIST_NEW, PA_HIST_KNOWN };

/* Verifies the sealed folder run_dir (integrity, as `parity diff` does:
 * a folder with findings is PA_EINVAL) and indexes it under track. A
 * folder whose records (chain head) are already indexed is one entry:
 * *what says PA_HIST_KNOWN and *id is that entry. */
int pa__history_add(struct pa_history *h, const char *run_dir, const char *track,
                    enum pa_hist_added *what, long long *id, struct pa_err *err);
/* The run folders under dir: dir itself when it holds manifest.json, else
 * its subfolders that do (one level), sorted; *out a new array of paths. */
int pa__history_scan(const char *dir, json_t **out, struct pa_err *err);

/* ---- queries (history_query.c) ---- */

/* A run by its manifest run_id or its database id; *run a new object. */
int pa__history_run(struct pa_history *h, const char *ref, json_t **run, struct pa_err *err);
/* The runs of suite (NULL: all) and track (NULL: all), oldest first, at
 * most the last `last` (0: all); *out a new array. */
int pa__history_runs(struct pa_history *h, const char *suite, const char *track, long last,
                     json_t **out, struct pa_err *err);
/* Blesses run (an id or run_id) as the baseline of its suite and track. */
int pa__history_baseline_set(struct pa_history *h, const char *suite, const char *ref,
                             const char *track, json_t **run, struct pa_err *err);
/* The baseline run of suite and track; PA_EINVAL with err when none. */
int pa__history_baseline_get(struct pa_history *h, const char *suite, const char *track,
                             json_t **run, struct pa_err *err);
/* The domains and comparisons rows of run id; new arrays. */
int pa__history_metrics(struct pa_history *h, long long id, json_t **domains, json_t **comparisons,
                        struct pa_err *err);

/* ---- alerts (history_alert.c) ---- */

enum pa_alert_kind {
        PA_ALERT_MODEL = 1u << 0,     /* the model behind a requested name changed */
        PA_ALERT_THRESHOLD = 1u << 1, /* a comparison newly crosses its pre-registered threshold */
        PA_ALERT_BUDGET = 1u << 2,    /* the run is incomplete: error budget breached */
};

/* The alerts of run id against the run before it (same requested model
 * for the model, same suite and track for the thresholds); *out a new
 * array of {kind, run, previous, message}. */
int pa__history_alerts(struct pa_history *h, long long id, json_t **out, struct pa_err *err);
/* "model-change,threshold,budget,all,none" into bits; PA_EINVAL on a bad word. */
int pa__alert_kinds(const char *list, unsigned *bits, struct pa_err *err);
unsigned pa__alert_bit(const json_t *alert);

/* ---- exports (history_export.c) ---- */

/* The latest run of each (suite, track, model) as OpenMetrics text. */
int pa__history_openmetrics(struct pa_history *h, FILE *f, struct pa_err *err);
/* Every run, one JSON object a line, with its domains and comparisons. */
int pa__history_jsonl(struct pa_history *h, FILE *f, struct pa_err *err);

#endif
