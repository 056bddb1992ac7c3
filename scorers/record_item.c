/* The suite item behind a record (record_item.h). */
#include <string.h>

#include "record_item.h"

int pa__record_items_init(struct pa_record_items *ri, const struct pa_suite *s, struct pa_err *err)
{
        int rc;

        memset(ri, 0, sizeof(*ri));
        ri->s = s;
        if ((rc = pa_suite_items_load(s, &ri->all, err)))
                return rc;
        if (!(ri->index = json_object()))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        for (size_t i = 0; i < ri->all.n; i++)
                if (json_object_set_new(ri->index, ri->all.v[i].id, json_integer((json_int_t)i)))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
        return 0;
}

void pa__record_items_release(struct pa_record_items *ri)
{
        json_decref(ri->index);
        json_decref(ri->obj);
        pa_items_release(&ri->all);
        memset(ri, 0, sizeof(*ri));
}

const json_t *pa__record_item(struct pa_record_items *ri, const json_t *rec,
                              const struct pa_item **item)
{
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        const json_t *k = id ? json_object_get(ri->index, id) : NULL;
        struct pa_item it;
        size_t i;

        if (!k)
                return NULL;
        i = (size_t)json_integer_value(k);
        if (item)
                *item = &ri->all.v[i];
        /* Records of one item usually come together: read it back once. */
        if (!ri->obj || ri->at != i) {
                json_decref(ri->obj);
                ri->obj = NULL;
                if (pa_suite_item_read(ri->s, i, &it, &ri->obj, NULL))
                        return NULL;
                ri->at = i;
        }
        return ri->obj;
}

const char *pa__record_response(const json_t *rec, size_t *len)
{
        const json_t *r = json_object_get(rec, "response");

        if (!json_is_string(r))
                return NULL;
        *len = json_string_length(r);
        return json_string_value(r);
}
