/* Expansion of items into counterfactual cases: template filling and the
 * stable case ids (docs/formats.md, "Expansion"). */
#include <stdlib.h>
#include <string.h>

#include "parity/suite.h"
#include "case.h"
#include "evaluator/util/util.h"

/* Two axes of one item must not both define a slot: which text would win? */
static int check_slot_clash(const struct pa_suite *s, const struct pa_item *it, const char *where,
                            struct pa_err *err)
{
        for (size_t a = 0; a < it->n_axes; a++) {
                const json_t *slots = s->axes[it->axes[a]].groups[0].slots;
                const char *slot;
                json_t *v;

                json_object_foreach((json_t *)slots, slot, v)
                {
                        for (size_t b = a + 1; b < it->n_axes; b++)
                                if (json_object_get(s->axes[it->axes[b]].groups[0].slots, slot))
                                        return pa_errf(
                                            err, PA_EINVAL,
                                            "%s/axes: axes '%s' and '%s' both define slot "
                                            "'%s'",
                                            where, s->axes[it->axes[a]].name,
                                            s->axes[it->axes[b]].name, slot);
                }
        }
        return 0;
}

int pa__case_check_templates(const struct pa_suite *s, const struct pa_item *it, const char *where,
                             struct pa_err *err)
{
        size_t groups[PA_MAX_AXES] = {0};
        const char *system = it->system ? it->system : s->defaults.system;
        char w[768];
        struct pa_buf b;
        int rc;

        if ((rc = check_slot_clash(s, it, where, err)))
                return rc;
        pa__buf_init(&b, SIZE_MAX / 2);
        if (it->messages) {
                const json_t *t;
                size_t k;

                json_array_foreach(it->messages, k, t)
                {
                        snprintf(w, sizeof(w), "%s/messages/%zu/content", where, k);
                        pa__buf_reset(&b);
                        if ((rc = pa__template_render(
                                 s, it, groups, json_string_value(json_object_get(t, "content")),
                                 &b, w, err)))
                                break;
                }
        } else {
                snprintf(w, sizeof(w), "%s/prompt", where);
                rc = pa__template_render(s, it, groups, it->prompt, &b, w, err);
        }
        if (rc == 0 && system) {
                snprintf(w, sizeof(w), "%s/system", where);
                pa__buf_reset(&b);
                rc = pa__template_render(s, it, groups, system, &b, w, err);
        }
        pa__buf_release(&b);
        return rc;
}

/* key[0, *n) += p[0, len) when it fits in cap; false when it does not. */
static bool put(char *key, size_t cap, size_t *n, const void *p, size_t len)
{
        if (len > cap - *n)
                return false;
        memcpy(key + *n, p, len);
        *n += len;
        return true;
}

/* The case id's key (docs/formats.md) into key[0, *n): false when longer
 * than cap. */
static bool case_key(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                     char *key, size_t cap, size_t *n)
{
        bool ok = put(key, cap, n, s->id, strlen(s->id) + 1) &&
                  put(key, cap, n, it->id, strlen(it->id) + 1);

        for (size_t k = 0; ok && k < it->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[it->axes[k]];
                const char *g = ax->groups[groups[k]].name;

                ok = put(key, cap, n, ax->name, strlen(ax->name)) && put(key, cap, n, "=", 1) &&
                     put(key, cap, n, g, strlen(g) + 1);
        }
        return ok;
}

int pa__case_id(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                char out[17])
{
        char hash[PA_SHA256_HEX], small[512], *key = small;
        size_t n = 0, cap = sizeof(small);

        /* Most keys fit on the stack; a long one is measured, then built. */
        if (!case_key(s, it, groups, key, cap, &n)) {
                cap = strlen(s->id) + strlen(it->id) + 2;
                for (size_t k = 0; k < it->n_axes; k++) {
                        const struct pa_axis *ax = &s->axes[it->axes[k]];

                        cap += strlen(ax->name) + strlen(ax->groups[groups[k]].name) + 2;
                }
                n = 0;
                if (!(key = malloc(cap)))
                        return PA_ENOMEM;
                if (!case_key(s, it, groups, key, cap, &n)) {
                        free(key);
                        return PA_ENOMEM;
                }
        }
        pa__sha256_hex(key, n, hash);
        if (key != small)
                free(key);
        memcpy(out, hash, 16);
        out[16] = '\0';
        return 0;
}

void pa__case_groups(const struct pa_suite *s, const struct pa_item *it, uint64_t v,
                     size_t groups[PA_MAX_AXES])
{
        /* Mixed radix, the item's last axis varying fastest. */
        for (size_t k = it->n_axes; k-- > 0;) {
                size_t n = s->axes[it->axes[k]].n_groups;

                groups[k] = (size_t)(v % n);
                v /= n;
        }
}

static size_t size_of(const char *str)
{
        return str ? strlen(str) + 1 : 0;
}

/* str copied to *p, which moves past it; NULL stays NULL. */
static const char *put_str(char **p, const char *str)
{
        char *at = *p;

        if (!str)
                return NULL;
        *p += size_of(str);
        return memcpy(at, str, size_of(str));
}

/* The case's own copy of an item read back: one malloc'ed block (the
 * caller frees it), the strings after the struct; domain and outcome stay
 * the suite's (its kinds). */
static struct pa_item *own_item(const struct pa_item *it)
{
        struct pa_item *copy = malloc(sizeof(*it) + size_of(it->id) + size_of(it->prompt) +
                                      size_of(it->system) + size_of(it->expected));
        char *p;

        if (!copy)
                return NULL;
        *copy = *it;
        p = (char *)(copy + 1);
        copy->id = put_str(&p, it->id);
        copy->prompt = put_str(&p, it->prompt);
        copy->system = put_str(&p, it->system);
        copy->expected = put_str(&p, it->expected);
        copy->messages = NULL; /* the read item's: the case keeps them filled */
        return copy;
}

/* One turn, filled for c's groups, onto out; the text into *keep (a user
 * or system turn's: the last wins) when keep is not NULL. */
static int add_turn(const struct pa_suite *s, const struct pa_item *it, struct pa_case *c,
                    const char *role, const char *tpl, json_t *out, char **keep, struct pa_err *err)
{
        struct pa_buf b;
        int rc;

        pa__buf_init(&b, SIZE_MAX / 2);
        if ((rc = pa__template_render(s, it, c->groups, tpl, &b, it->id, err)) == 0 &&
            json_array_append_new(out, json_pack("{s:s, s:s}", "role", role, "content", b.p)))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        if (rc == 0 && keep) {
                free(*keep);
                *keep = b.p;
                return 0;
        }
        pa__buf_release(&b);
        return rc;
}

/* c->messages from the item's turns, the system text first unless they
 * start with their own; c->prompt the last user turn, c->system the
 * system text. */
static int build_messages(const struct pa_suite *s, const struct pa_item *it, const json_t *turns,
                          const char *system, struct pa_case *c, struct pa_err *err)
{
        const char *first = json_string_value(json_object_get(json_array_get(turns, 0), "role"));
        const json_t *t;
        size_t k;
        int rc = 0;

        if (!(c->messages = json_array()))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (system && strcmp(first, "system"))
                rc = add_turn(s, it, c, "system", system, c->messages, &c->system, err);
        json_array_foreach(turns, k, t)
        {
                const char *role = json_string_value(json_object_get(t, "role"));
                char **keep = !strcmp(role, "user")     ? &c->prompt
                              : !strcmp(role, "system") ? &c->system
                                                        : NULL;

                if (rc == 0)
                        rc = add_turn(s, it, c, role,
                                      json_string_value(json_object_get(t, "content")), c->messages,
                                      keep, err);
        }
        return rc;
}

int pa_case_build_item(const struct pa_suite *s, size_t i, const struct pa_item *read, uint64_t v,
                       struct pa_case *c, struct pa_err *err)
{
        const struct pa_item *it;
        const char *system;
        struct pa_buf b;
        int rc;

        memset(c, 0, sizeof(*c));
        if (v >= read->n_cases)
                return pa_errf(err, PA_EINVAL, "item '%s' has no variant %llu", read->id,
                               (unsigned long long)v);
        if (!(c->item = it = own_item(read)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        system = it->system ? it->system : s->defaults.system;
        c->item_index = i;
        c->variant = v;
        pa__case_groups(s, it, v, c->groups);
        pa__buf_init(&b, SIZE_MAX / 2);
        if (pa__case_id(s, it, c->groups, c->id)) {
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                goto fail;
        }
        if (read->messages) {
                if ((rc = build_messages(s, it, read->messages, system, c, err)))
                        goto fail;
                return 0;
        }
        if ((rc = pa__template_render(s, it, c->groups, it->prompt, &b, it->id, err)))
                goto fail;
        c->prompt = b.p;
        if (system) {
                pa__buf_init(&b, SIZE_MAX / 2);
                if ((rc = pa__template_render(s, it, c->groups, system, &b, it->id, err)))
                        goto fail;
                c->system = b.p;
        }
        return 0;
fail:
        pa__buf_release(&b);
        pa_case_release(c);
        return rc;
}

int pa_case_build(const struct pa_suite *s, size_t i, uint64_t v, struct pa_case *c,
                  struct pa_err *err)
{
        struct pa_item it;
        json_t *obj = NULL;
        int rc;

        memset(c, 0, sizeof(*c));
        if ((rc = pa_suite_item_read(s, i, &it, &obj, err)) == 0)
                rc = pa_case_build_item(s, i, &it, v, c, err);
        json_decref(obj);
        return rc;
}

void pa_case_release(struct pa_case *c)
{
        if (!c)
                return;
        free(c->prompt);
        free(c->system);
        free((void *)c->item);
        json_decref(c->messages);
        c->messages = NULL;
        c->prompt = c->system = NULL;
        c->item = NULL;
}

json_t *pa_case_groups_json(const struct pa_suite *s, const struct pa_case *c)
{
        json_t *o = json_object();

        for (size_t k = 0; o && k < c->item->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[c->item->axes[k]];

                if (json_object_set_new(o, ax->name, json_string(ax->groups[c->groups[k]].name))) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}
