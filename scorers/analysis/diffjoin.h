/* Private: the two runs of a diff as compact tables, a few bytes a record,
 * and their records paired by (case, sample) (diffjoin.c); the diff's
 * statistics (regression.c, change.c) and its flipped cases
 * (reports/diff_cases.c) read them instead of JSON records, so a diff's
 * memory grows with bytes a record, not with the records (docs/reports.md). */
#ifndef PA_ANALYSIS_DIFFJOIN_H
#define PA_ANALYSIS_DIFFJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parity/report.h"

#define PA_DIFF_NONE UINT32_MAX /* no row, no item */

/* One run: the records that count (a pair's last, in file order) and its
 * items' ids. Read by evaluator/folder/diff_scan.c only when every record
 * is one the table stands for exactly (else the diff reads JSON). */
struct pa__diff_side {
        const char *dir;          /* the run folder (borrowed) */
        const char *head;         /* results.jsonl's chain head when read (borrowed) */
        const struct pa_suite *s; /* borrowed */
        struct pa_table t;        /* nsc = scorers + 1: the last column is 1 when the
                                     record failed ("error" not null) */
        char *ids;                /* owned: every item's id, NUL-terminated, in item order */
        uint32_t *id_at;          /* owned: offset of item i's id in ids */
        bool ids_borrowed;        /* ids and id_at are another side's */
};

/* Loads every item's id of side->s into ids / id_at. */
int pa__diff_side_ids(struct pa__diff_side *side, struct pa_err *err);
/* The ids of another side of the same suite (borrowed: it must outlive
 * side). */
int pa__diff_side_ids_of(struct pa__diff_side *side, const struct pa__diff_side *of);
void pa__diff_side_release(struct pa__diff_side *side);

static inline const char *pa__diff_item_id(const struct pa__diff_side *d, size_t item)
{
        return d->ids + d->id_at[item];
}
static inline bool pa__diff_failed_row(const struct pa__diff_side *d, size_t r)
{
        return d->t.v[r * d->t.nsc + d->t.nsc - 1] != 0;
}
/* The verdict of row r on the scorer called name, PA_NA when the side's
 * suite has none of that name. */
signed char pa__diff_verdict(const struct pa__diff_side *d, size_t r, const char *name);
/* Row r's case id (16 hex digits) into out. */
int pa__diff_case_id(const struct pa__diff_side *d, size_t r, char out[17]);

/* The rows of both runs paired by (case id, sample), as the JSON records
 * were: same_suite pairs by (item, variant), else by case id. */
struct pa__diff_join {
        struct pa__diff_side *b, *c; /* borrowed; their ids loaded by pa__diff_join_ids */
        bool same_suite;             /* the candidate's items are the base's, index for index */
        uint32_t *match;             /* per base row: the candidate's row of its (case, sample) */
        /* Two suites only (NULL for one: every item is its own): */
        uint8_t *b_shared;   /* per base row: 1 when the candidate has its case */
        uint8_t *c_shared;   /* per candidate row: 1 when the base has its case */
        uint32_t *base_item; /* per candidate item: the base's item of that id, or NONE */
        uint64_t cases_b, cases_c, cases_shared; /* distinct case ids */
        uint64_t pairs, only_b, only_c;          /* (case, sample) keys */
};

/* The base's item of the candidate's item of that id, or NONE. */
static inline uint32_t pa__diff_base_item(const struct pa__diff_join *j, uint32_t item)
{
        return j->base_item ? j->base_item[item] : item;
}

int pa__diff_join_build(struct pa__diff_side *b, struct pa__diff_side *c, bool same_suite,
                        struct pa__diff_join *j, struct pa_err *err);
/* The same pairs when the candidate's suite is another whose items are
 * the base's, index for index (pa__diff_suites_aligned): by (item,
 * variant), as one suite's, with b_shared and c_shared marked as two
 * suites' (each run's summary is of its shared rows). */
int pa__diff_join_build_aligned(struct pa__diff_side *b, struct pa__diff_side *c,
                                struct pa__diff_join *j, struct pa_err *err);
/* The pairs (match) freed, b_shared and c_shared kept: what the summaries
 * need of the join. */
void pa__diff_join_drop_pairs(struct pa__diff_join *j);
/* Whether c's items are b's, index for index, so that an item's variant
 * has the same case id in both: the same suite id, axes and groups in the
 * same order, and per item the same id and axes (diffalign.c). */
int pa__diff_suites_aligned(const struct pa_suite *b, const struct pa_suite *c, bool *aligned,
                            struct pa_err *err);
/* The items' ids of both sides, loaded when not yet (one list for one
 * suite, j->same_suite): the pairs of one suite need none, so the flips
 * load them last, after the tallies are gone. */
int pa__diff_join_ids(struct pa__diff_join *j, struct pa_err *err);
void pa__diff_join_release(struct pa__diff_join *j);
/* The rows of side (0 base, 1 candidate) whose case the other run has, as
 * a new table (the summary of a diff of two suites; PA_EINVAL for one). */
int pa__diff_join_shared(const struct pa__diff_join *j, int side, struct pa_table *out);

#endif
