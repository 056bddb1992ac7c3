/* Private to scorers/analysis/change.c: the per-item tallies of one
 * summary entry, from both runs' records or from a join's rows
 * (change_tally.c). */
#ifndef PA_ANALYSIS_CHANGE_TALLY_H
#define PA_ANALYSIS_CHANGE_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct pa__diff_join;

/* One entry's tallies: per item, group and run, positives and records,
 * each count in `width` bytes: from rows, the fewest that hold the most
 * rows an item has in one run (a count of 1 or 2 bytes is 16 or 8 bytes
 * an item for two groups, not 32); from records, 4. */
struct tally {
        const json_t *entry;
        json_t *groups;  /* group name -> index */
        json_t *items;   /* item id -> index (records) */
        uint32_t *local; /* unified item (diffjoin.h) -> index, or NONE (rows) */
        size_t k, n, cap;
        unsigned width; /* bytes a count: 1, 2 or 4 */
        void *cell;     /* [item][group][run][positive, records] */
};

/* The group names of both runs' entries (eb or ec may be NULL), the
 * reference among them. Release with pa__tally_release whatever it
 * returns. */
int pa__tally_init(struct tally *t, const json_t *eb, const json_t *ec);
/* Run run's (0 base, 1 candidate) records into t. */
int pa__tally_run(struct tally *t, const json_t *records, int run);
/* Both runs' rows of a join into t. */
int pa__tally_join(struct tally *t, const struct pa__diff_join *j);
void pa__tally_release(struct tally *t);
/* The item's group-minus-reference difference in run r; false when the
 * item lacks either group there. */
bool pa__tally_item_diff(const struct tally *t, size_t item, size_t g, size_t ref, int r,
                         double *d);

#endif
