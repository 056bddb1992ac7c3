/* The suite item behind a record (record_item.h). */
#include "record_item.h"

int pa__record_items_init(struct pa_record_items *ri, const struct pa_suite *s)
{
        ri->s = s;
        if (!(ri->index = json_object()))
                return PA_ENOMEM;
        for (size_t i = 0; i < s->n_items; i++)
                if (json_object_set_new(ri->index, s->items[i].id, json_integer((json_int_t)i)))
                        return PA_ENOMEM;
        return 0;
}

void pa__record_items_release(struct pa_record_items *ri)
{
        json_decref(ri->index);
        ri->index = NULL;
}

const json_t *pa__suite_item_json(const struct pa_suite *s, size_t i)
{
        /* The loader reads the inline items first, then the items_file. */
        size_t inline_n = json_array_size(json_object_get(s->root, "items"));

        if (i < inline_n)
                return json_array_get(json_object_get(s->root, "items"), i);
        return json_array_get(s->jsonl_items, i - inline_n);
}

const json_t *pa__record_item(const struct pa_record_items *ri, const json_t *rec,
                              const struct pa_item **item)
{
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        const json_t *k = id ? json_object_get(ri->index, id) : NULL;
        size_t i;

        if (!k)
                return NULL;
        i = (size_t)json_integer_value(k);
        if (item)
                *item = &ri->s->items[i];
        return pa__suite_item_json(ri->s, i);
}

const char *pa__record_response(const json_t *rec, size_t *len)
{
        const json_t *r = json_object_get(rec, "response");

        if (!json_is_string(r))
                return NULL;
        *len = json_string_length(r);
        return json_string_value(r);
}
