/* Private: the suite item behind a record, for the benchmark metrics
 * (reports/bbq.c, reports/crows.c, reports/discrim.c), which read fields
 * that importers add to items ("bbq", "crows", "discrim") and that the
 * suite loader ignores. */
#ifndef PA_RECORD_ITEM_H
#define PA_RECORD_ITEM_H

#include <jansson.h>

#include "parity/suite.h"

struct pa_record_items {
        const struct pa_suite *s;
        json_t *index; /* item id -> item index; owned */
};

/* Indexes s's items by id; 0 or PA_ENOMEM. Release in both cases. */
int pa__record_items_init(struct pa_record_items *ri, const struct pa_suite *s);
void pa__record_items_release(struct pa_record_items *ri);

/* The JSON object of item i as written in the suite or its items_file
 * (borrowed from s), or NULL. */
const json_t *pa__suite_item_json(const struct pa_suite *s, size_t i);

/* The item of a record: its struct through *item (may be NULL) and its
 * JSON object (borrowed), or NULL when the record names no item of s. */
const json_t *pa__record_item(const struct pa_record_items *ri, const json_t *rec,
                              const struct pa_item **item);

/* The record's response text, or NULL when its request failed. */
const char *pa__record_response(const json_t *rec, size_t *len);

#endif
