/* Private: an item's checks against its suite (item_scan.c), on the JSON
 * jansson parsed or on what the scanner read from a plain items-file line
 * (suite_stream.c's fast path). */
#ifndef PA_ITEM_SCAN_H
#define PA_ITEM_SCAN_H

#include <stdbool.h>

#include "parity/suite.h"

#define PA__SCAN_MAX_SCORERS 64

/* What the loader needs of a plain line: the item's strings (pointing into
 * the scan's buffer) and the names its "axes" and "scorers" list, not yet
 * looked up. */
struct pa__plain_item {
        struct pa_item it;
        const char *axes[PA_MAX_AXES];
        const char *scorers[PA__SCAN_MAX_SCORERS];
        size_t n_axes, n_scorers;
        bool has_axes, has_scorers;
};

/* A decoding buffer reused line after line (freed by its owner). */
struct pa__scan_buf {
        char *p;
        size_t cap;
};

/* Scans line[0, n) as an item: 0 when it is one plain JSON object whose
 * members are the item's strings, arrays of strings for "axes" and
 * "scorers", and objects for the metadata keys, each once; 1 for
 * anything else (the caller then reads the line with jansson, which
 * decides and words the error); PA_ENOMEM. A 0 says nothing of the
 * values' meaning: ids, names and templates are the caller's to check. */
int pa__item_scan(const char *line, size_t n, struct pa__plain_item *p, struct pa__scan_buf *b);

/* The item's "axes" into it->axes and it->n_cases, and its "outcome" and
 * "scorers" into it->outcome_scorer and it->scorer_mask, with what each
 * of its scorers asks of it; PA_EINVAL naming where. */
int pa__item_axes(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                  uint64_t max_cases, const char *where, struct pa_err *err);
int pa__item_scorers(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                     const char *where, struct pa_err *err);

/* The loader's checks of a scanned item (add_item() in suite_stream.c),
 * its axes and scorers looked up into p->it: 0 when they pass, 1 where
 * the loader would refuse it (the caller then reads the line with
 * jansson, which words the error). */
int pa__item_plain_check(const struct pa_suite *s, struct pa__plain_item *p, uint64_t max_cases);

#endif
