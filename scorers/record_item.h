/* Private: the suite item behind a record, for the benchmark metrics
 * (scorers/metrics/bbq.c, scorers/metrics/crows.c, scorers/metrics/discrim.c), which read fields
 * that importers add to items ("bbq", "crows", "discrim") and that the
 * suite loader ignores. */
#ifndef PA_RECORD_ITEM_H
#define PA_RECORD_ITEM_H

#include <jansson.h>

#include "parity/suite.h"

struct pa_record_items {
        const struct pa_suite *s;
        struct pa_items all; /* every item in full */
        json_t *index;       /* item id -> item index; owned */
        json_t *obj;         /* the JSON of item `at`, the last one asked for; owned */
        size_t at;
};

/* Reads and indexes s's items by id; 0 or PA_E* with err set. Release in
 * both cases. */
int pa__record_items_init(struct pa_record_items *ri, const struct pa_suite *s, struct pa_err *err);
void pa__record_items_release(struct pa_record_items *ri);

/* The item of a record: its struct through *item (may be NULL) and its
 * JSON object as written in the suite or its items_file (borrowed from ri
 * until the next call), or NULL when the record names no item of s or it
 * cannot be read back. */
const json_t *pa__record_item(struct pa_record_items *ri, const json_t *rec,
                              const struct pa_item **item);

/* The record's response text, or NULL when its request failed. */
const char *pa__record_response(const json_t *rec, size_t *len);

#endif
