/* evaluator/suite/: an item's index from its id, a few bytes an item. */
/* Private: records name their item by id; a reader of a million records
 * needs the item's index without keeping every id (a jansson map costs
 * about 100 bytes an item). The index keeps 64 bits of each id's sha256,
 * sorted: 16 bytes an item, and no id can be made to stand for another
 * without a second preimage of sha256's first 64 bits. */
#ifndef PA_ITEM_INDEX_H
#define PA_ITEM_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "parity/suite.h"

struct pa__item_key {
        uint64_t key; /* the first 64 bits of sha256(id) */
        uint32_t item;
};

struct pa__item_index {
        struct pa__item_key *v; /* owned, sorted by key */
        size_t n;
        /* The last id found and its item: the variants and samples of an
         * item are written one after another, so most finds repeat it. */
        char last_id[64];
        long last_item;
};

/* Every item's id in order (suite_items.c): fn(ud, i, id), id valid
 * during the call; a nonzero return stops the walk and is returned. */
typedef int (*pa__id_fn)(void *ud, size_t i, const char *id);
int pa__suite_each_id(const struct pa_suite *s, pa__id_fn fn, void *ud, struct pa_err *err);

/* Reads every item's id once. PA_EINVAL when two ids share a key (never
 * seen; refused rather than confused). */
int pa__item_index_build(const struct pa_suite *s, struct pa__item_index *x, struct pa_err *err);
/* The index of the item called id, or -1; remembers the last find, so
 * one thread at a time. */
long pa__item_index_find(struct pa__item_index *x, const char *id);
/* The same without the memory: for threads sharing the index. */
long pa__item_index_lookup(const struct pa__item_index *x, const char *id);
void pa__item_index_release(struct pa__item_index *x);

#endif
