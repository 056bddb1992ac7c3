/* Items found by id through 64 bits of the id's sha256 (item_index.h). */
#include <stdlib.h>
#include <string.h>

#include "item_index.h"
#include "evaluator/util/util.h"

static uint64_t id_key(const char *id)
{
        char hex[PA_SHA256_HEX];
        uint64_t k = 0;

        pa__sha256_hex(id, strlen(id), hex);
        for (int i = 0; i < 16; i++) {
                char c = hex[i];

                k = k << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return k;
}

static int add_id(void *ud, size_t i, const char *id)
{
        struct pa__item_index *x = ud;

        x->v[i] = (struct pa__item_key){id_key(id), (uint32_t)i};
        return 0;
}

static int by_key(const void *pa, const void *pb)
{
        const struct pa__item_key *a = pa, *b = pb;

        return a->key < b->key ? -1 : a->key > b->key;
}

static int key_order(const void *a, const void *b, void *ud)
{
        (void)ud;
        return by_key(a, b);
}

int pa__item_index_build(const struct pa_suite *s, struct pa__item_index *x, struct pa_err *err)
{
        int rc;

        memset(x, 0, sizeof(*x));
        if (s->n_items > UINT32_MAX)
                return pa_errf(err, PA_EINVAL, "suite '%s': more than 2^32 items", s->id);
        if (!(x->v = calloc(s->n_items ? s->n_items : 1, sizeof(*x->v))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        x->n = s->n_items;
        if ((rc = pa__suite_each_id(s, add_id, x, err)))
                goto fail;
        pa__sort_r(x->v, x->n, sizeof(*x->v), key_order, NULL);
        for (size_t i = 0; i + 1 < x->n; i++)
                if (x->v[i].key == x->v[i + 1].key) {
                        rc = pa_errf(err, PA_EINVAL,
                                     "suite '%s': items %u and %u: ids share 64 bits of sha256",
                                     s->id, x->v[i].item, x->v[i + 1].item);
                        goto fail;
                }
        return 0;
fail:
        pa__item_index_release(x);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

long pa__item_index_lookup(const struct pa__item_index *x, const char *id)
{
        struct pa__item_key k = {.key = id_key(id)};
        const struct pa__item_key *hit = x->n ? bsearch(&k, x->v, x->n, sizeof(k), by_key) : NULL;

        return hit ? (long)hit->item : -1;
}

long pa__item_index_find(struct pa__item_index *x, const char *id)
{
        size_t len = strlen(id);
        long item;

        if (x->last_id[0] && !strcmp(x->last_id, id))
                return x->last_item;
        item = pa__item_index_lookup(x, id);
        x->last_id[0] = 0;
        if (len < sizeof(x->last_id)) {
                memcpy(x->last_id, id, len + 1);
                x->last_item = item;
        }
        return item;
}

void pa__item_index_release(struct pa__item_index *x)
{
        if (!x)
                return;
        free(x->v);
        memset(x, 0, sizeof(*x));
}
