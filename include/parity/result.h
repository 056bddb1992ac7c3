/* parity: results.jsonl records (docs/formats.md), their writer, reader
 * and scoring. */
#ifndef PARITY_RESULT_H
#define PARITY_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/engine.h"
#include "parity/suite.h"

/* The record of a finished job as a jansson object (new reference), without
 * scores: for tools, and the reference pa_results_write() must equal byte
 * for byte (tests/test_record.c); runs write with pa_results_write(). */
json_t *pa_record_new(const struct pa_suite *s, const struct pa_engine *e, const struct pa_job *job,
                      const struct pa_reply *r, double latency_ms);

/* Verdicts of the item's scorers on text (NULL: the request failed) into
 * out[0 .. s->scorers.n); scorers that do not apply get PA_NA. scratch
 * comes from pa_scorer_scratch_new() and belongs to the calling thread. */
void pa_score_text(const struct pa_suite *s, const struct pa_item *it, void **scratch,
                   const char *text, size_t len, signed char *out);
/* {"name": true|false|null} for the item's scorers; new reference. */
json_t *pa_scores_json(const struct pa_suite *s, const struct pa_item *it, const signed char *v);

/* Re-scores every record of an array in parallel (OpenMP) and replaces
 * each record's "scores". */
int pa_score_records(const struct pa_suite *s, json_t *records, struct pa_err *err);

/* Appends records to a results.jsonl, one line each, flushed at once.
 * Records are chained: each carries "seq" (0, 1, ...) and "prev", the
 * sha256 of the previous line's bytes (without its newline; 64 zeros for
 * the first), so a removed, reordered or edited record breaks the chain.
 * head is the sha256 of the last line written. */
struct pa_buf;

struct pa_results {
        FILE *f;
        char *path;
        uint64_t n;
        char head[65];
        struct pa_buf *line; /* pa_results_write's buffer, owned */
};

/* Writes the record of a finished job (pa_record_new's fields, its scores
 * v from pa_score_text, "cached" when it came from the response cache)
 * straight to a chained line, without jansson objects, into w's buffer:
 * pa_results_flush() hands the lines written since to the kernel. The
 * scheduler flushes after each pass of its loop, so the records of the
 * answers that arrived together cost one write(2), and a crash loses only
 * those of the current pass (a resume asks them again) and tears at most
 * the last line. */
int pa_results_write(struct pa_results *w, const struct pa_suite *s, const struct pa_engine *e,
                     const struct pa_job *job, const struct pa_reply *r, double latency_ms,
                     const signed char *v, bool cached, struct pa_err *err);
int pa_results_flush(struct pa_results *w, struct pa_err *err);

/* Sets rec's "seq" and "prev" from the chain state and returns its line
 * (without newline, owned by the caller); advances *n and head. */
char *pa_results_chain(json_t *rec, uint64_t *n, char head[65]);

int pa_results_open(struct pa_results *w, const char *path, struct pa_err *err);
int pa_results_append(struct pa_results *w, json_t *rec, struct pa_err *err);
/* Closes and syncs, keeping n and head; PA_EIO when data could not be written. */
int pa_results_close(struct pa_results *w, struct pa_err *err);

/* Reads a results.jsonl into a new array (*records owned by the caller),
 * checking the chain as pa_results_resume does (PA_EINVAL at the first
 * break: no record past it is used); a regular file, never followed
 * through a symlink. _head: the chain's head into head. */
int pa_results_load(const char *path, json_t **records, struct pa_err *err);
/* The records that count: the last of each (case_id, sample), in file
 * order. A resumed run asks a failed pair again and appends the new record
 * after the old, which the chain keeps. New array sharing the records, or
 * NULL when out of memory. */
json_t *pa_results_latest(json_t *records);
int pa_results_load_head(const char *path, json_t **records, char head[65], struct pa_err *err);
/* Reads a results.jsonl record by record, without keeping them: each
 * (may be NULL) gets every record as pa_results_load would hold it, the
 * chain checked the same way; *n the records read, head the chain's head.
 * Memory does not grow with the file. */
int pa_results_scan(const char *path, int (*each)(void *ud, json_t *rec, struct pa_err *err),
                    void *ud, uint64_t *n, char head[65], struct pa_err *err);
/* Replaces a results.jsonl atomically with records, chaining them anew;
 * head (may be NULL) receives the new chain head. */
int pa_results_save(const char *path, const json_t *records, char head[65], struct pa_err *err);

/* Called by pa_results_resume with each record read (borrowed); negative
 * stops the reading with that code. */
typedef int (*pa_results_each_fn)(void *ud, json_t *rec, struct pa_err *err);

/* Reads an existing results.jsonl (a missing file is an empty one): checks
 * the chain ("seq" is the line's index, "prev" the sha256 of the line
 * before), passes every record to each (may be NULL) and, when w is not
 * NULL, opens the file for appending with w->n and w->head continuing the
 * chain (release with pa_results_close). A last line without its newline,
 * or one that is not a JSON object, is what a kill in the middle of a write
 * leaves: with repair it is cut off the file and *torn (may be NULL) gets
 * its length in bytes; without repair it is an error like a bad line
 * elsewhere or a broken chain (PA_EINVAL). */
int pa_results_resume(struct pa_results *w, const char *path, bool repair, pa_results_each_fn each,
                      void *ud, uint64_t *torn, struct pa_err *err);

#endif
