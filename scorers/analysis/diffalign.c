/* Two suites whose items are the same, index for index (diffjoin.h): a
 * suite's version bumped, its items kept. Their runs pair by (item,
 * variant) as one suite's do, which needs neither run's item ids nor its
 * case ids held while pairing. */
#include <stdlib.h>
#include <string.h>

#include "diffjoin.h"
#include "evaluator/util/util.h"

/* The same axes, their groups named alike in the same order: an item's
 * variant then stands for the same groups in both. */
static bool same_axes(const struct pa_suite *b, const struct pa_suite *c)
{
        if (b->n_axes != c->n_axes)
                return false;
        for (size_t k = 0; k < b->n_axes; k++) {
                const struct pa_axis *x = &b->axes[k], *y = &c->axes[k];

                if (strcmp(x->name, y->name) || x->n_groups != y->n_groups)
                        return false;
                for (size_t g = 0; g < x->n_groups; g++)
                        if (strcmp(x->groups[g].name, y->groups[g].name))
                                return false;
        }
        return true;
}

static bool same_item_axes(const struct pa_suite *b, const struct pa_suite *c)
{
        for (size_t i = 0; i < b->n_items; i++) {
                const struct pa_item_kind *x = pa_suite_kind(b, i), *y = pa_suite_kind(c, i);

                if (x->n_axes != y->n_axes ||
                    memcmp(x->axes, y->axes, x->n_axes * sizeof(x->axes[0])))
                        return false;
        }
        return true;
}

static int hash_id(void *ud, size_t i, const struct pa_item *it, const json_t *obj)
{
        (void)i;
        (void)obj;
        pa__sha256_add(ud, it->id, strlen(it->id) + 1);
        return 0;
}

/* The sha256 of every item's id in order, each NUL-terminated. */
static int ids_digest(const struct pa_suite *s, char out[PA_SHA256_HEX], struct pa_err *err)
{
        void *h = pa__sha256_begin();
        int rc;

        if (!h)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc = pa_suite_each_item(s, hash_id, h, err);
        pa__sha256_end(h, out);
        return rc;
}

/* Item ids alike at each index: the same items file (by its sha256) and no
 * inline items, or the same digest of the ids read back. */
static int same_ids(const struct pa_suite *b, const struct pa_suite *c, bool *same,
                    struct pa_err *err)
{
        char db[PA_SHA256_HEX], dc[PA_SHA256_HEX];
        int rc;

        if (!b->n_inline && !c->n_inline && b->items_sha256[0] &&
            !strcmp(b->items_sha256, c->items_sha256)) {
                *same = true;
                return 0;
        }
        if ((rc = ids_digest(b, db, err)) || (rc = ids_digest(c, dc, err)))
                return rc;
        *same = !strcmp(db, dc);
        return 0;
}

int pa__diff_suites_aligned(const struct pa_suite *b, const struct pa_suite *c, bool *aligned,
                            struct pa_err *err)
{
        *aligned = false;
        /* The case id is of the suite's id, the item's id and its groups. */
        if (strcmp(b->id, c->id) || b->n_items != c->n_items || !same_axes(b, c) ||
            !same_item_axes(b, c))
                return 0;
        return same_ids(b, c, aligned, err);
}
