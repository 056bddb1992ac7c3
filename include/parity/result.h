/* parity: results.jsonl records (docs/formats.md), their writer, reader
 * and scoring. */
#ifndef PARITY_RESULT_H
#define PARITY_RESULT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/engine.h"
#include "parity/suite.h"

/* The record of a finished job (new reference), without scores. */
json_t *pa_record_new(const struct pa_suite *s, const struct pa_engine *e,
		      const struct pa_job *job, const struct pa_reply *r, double latency_ms);

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

/* Appends records to a results.jsonl, one line each, flushed at once. */
struct pa_results {
	FILE *f;
	char *path;
	uint64_t n;
};

int pa_results_open(struct pa_results *w, const char *path, struct pa_err *err);
int pa_results_append(struct pa_results *w, const json_t *rec, struct pa_err *err);
/* Closes and syncs; returns PA_EIO when buffered data could not be written. */
int pa_results_close(struct pa_results *w, struct pa_err *err);

/* Reads a results.jsonl into a new array (*records owned by the caller). */
int pa_results_load(const char *path, json_t **records, struct pa_err *err);
/* Replaces a results.jsonl atomically with records. */
int pa_results_save(const char *path, const json_t *records, struct pa_err *err);

#endif
