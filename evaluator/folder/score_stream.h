/* evaluator/folder/: a run folder's records written and read back, and a finished folder's summary.
 */
/* Private: records scored again as they stream past, in batches scored in
 * parallel (OpenMP), for `parity score` (rewrite) and `parity verify`
 * (compare). Memory is one batch of records and the item index, never
 * the whole file. */
#ifndef PA_SCORE_STREAM_H
#define PA_SCORE_STREAM_H

#include <stdint.h>

#include <jansson.h>

#include "parity/report.h"
#include "parity/suite.h"
#include "evaluator/suite/item_index.h"

/* Called for each record in file order, with the item it names and the
 * verdicts of the item's scorers on its response (PA_NA where none
 * applies); rec is borrowed. Negative stops the stream with that code. */
typedef int (*pa__scored_fn)(void *ud, json_t *rec, const struct pa_item *it, const signed char *v,
                             struct pa_err *err);

struct pa__score_stream {
        const struct pa_suite *s;
        struct pa__item_index ids;
        pa__scored_fn done;
        void *ud;
        json_t **rec;                 /* the batch, owned references */
        long *item;                   /* each one's item when the caller found it, else -1 */
        struct pa__score_slot *slots; /* a batch's items and verdicts, kept */
        signed char *v;               /* from batch to batch (score_stream.c) */
        size_t n;
        uint64_t line; /* records passed to done before the current one */
};

int pa__score_stream_init(struct pa__score_stream *st, const struct pa_suite *s, pa__scored_fn done,
                          void *ud, struct pa_err *err);
/* Adds rec (a reference is taken), of item `item` in st->ids when the
 * caller looked it up there, else -1; a full batch is scored and passed
 * on. */
int pa__score_stream_add(struct pa__score_stream *st, json_t *rec, long item, struct pa_err *err);
/* Scores and passes on what is left. */
int pa__score_stream_flush(struct pa__score_stream *st, struct pa_err *err);
void pa__score_stream_release(struct pa__score_stream *st);

/* Item `item` (called id, borrowed by *it) as scoring needs it: read back
 * when its scorers need its expected answer (*obj then owns its strings),
 * else from its kind alone. */
int pa__score_item(const struct pa_suite *s, size_t item, const char *id, struct pa_item *it,
                   json_t **obj, struct pa_err *err);

/* Re-scores results.jsonl at from with s's scorers, one batch at a time,
 * into a new file replaced atomically: every record's "scores" replaced,
 * chained anew; *n and head: the new chain's length and head. Each batch's
 * lines are parsed, scored and written by the OpenMP threads and chained
 * in file order, so the file is the same at any thread count (rescore.c).
 * t (may be NULL; initialised by the caller) gets each new record's row,
 * in file order, as pa_table_add_record would add it read back. */
struct pa__rescore_want {
        const char *head; /* the chain head the records read must end at */
        uint64_t records; /* and their count */
};
/* want (may be NULL): checked once every record is read, before the file
 * is replaced; a mismatch is PA_EINVAL, the file left as it was. The new
 * file is written at path (from itself, or a re-scored copy's). */
int pa__results_rescore(const struct pa_suite *s, const char *from, const char *path,
                        const struct pa__rescore_want *want, struct pa_table *t, uint64_t *n,
                        char head[65], struct pa_err *err);

#endif
