/* Suite loading and validation (docs/formats.md): the header, defaults,
 * axes and scorers, and an item's strings. Every check names the file,
 * the JSON pointer of the field and what was expected. The items are
 * validated as they stream by in suite_stream.c and kept as a kind and a
 * line offset (suite.h); suite_items.c reads them back. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/suite.h"
#include "case.h"
#include "schema.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define BAD(...) pa_errf(err, PA_EINVAL, __VA_ARGS__)

static bool is_ident(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
                      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
                        return false;
        return true;
}

/* Optional string member: NULL when absent, error when not a string. */
static int opt_string(const json_t *obj, const char *key, const char **out, const char *where,
                      struct pa_err *err)
{
        const json_t *v = json_object_get(obj, key);

        *out = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return BAD("%s/%s: expected a string", where, key);
        *out = json_string_value(v);
        return 0;
}

static int load_defaults(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *d = json_object_get(s->root, "defaults");
        const json_t *v;
        char where[512];

        s->defaults.max_tokens = -1;
        if (!d)
                return 0;
        snprintf(where, sizeof(where), "suite '%s': /defaults", file);
        if (!json_is_object(d))
                return BAD("%s: expected an object", where);
        if (opt_string(d, "system", &s->defaults.system, where, err))
                return PA_EINVAL;
        if ((v = json_object_get(d, "temperature"))) {
                if (!json_is_number(v) || json_number_value(v) < 0)
                        return BAD("%s/temperature: expected a number >= 0", where);
                s->defaults.has_temperature = true;
                s->defaults.temperature = json_number_value(v);
        }
        if ((v = json_object_get(d, "top_p"))) {
                if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 1)
                        return BAD("%s/top_p: expected a number in (0, 1]", where);
                s->defaults.has_top_p = true;
                s->defaults.top_p = json_number_value(v);
        }
        if ((v = json_object_get(d, "max_tokens"))) {
                if (!json_is_integer(v) || json_integer_value(v) < 1)
                        return BAD("%s/max_tokens: expected an integer >= 1", where);
                s->defaults.max_tokens = (long)json_integer_value(v);
        }
        if ((v = json_object_get(d, "stop"))) {
                size_t i;
                json_t *x;

                if (!json_is_array(v))
                        return BAD("%s/stop: expected an array of strings", where);
                json_array_foreach(v, i, x) if (!json_is_string(x)) return BAD(
                    "%s/stop/%zu: expected a string", where, i);
                s->defaults.stop = v;
        }
        return 0;
}

/* A slot's name is what a template can name ({name}, {name.member},
 * {name|filter}); its value a text, or a set of texts ({"subj": "she"}). */
static bool slot_name_ok(const char *name)
{
        return *name && !strpbrk(name, ".|{}");
}

static int check_slot(const char *slot, const json_t *v, const char *where, const char *gname,
                      struct pa_err *err)
{
        const char *m;
        json_t *x;

        if (!slot_name_ok(slot))
                return BAD("%s/groups/%s/%s: a slot's name has no '.', '|', '{' or '}'", where,
                           gname, slot);
        if (json_is_string(v))
                return 0;
        if (!json_is_object(v) || json_object_size(v) == 0)
                return BAD("%s/groups/%s/%s: expected a string, or a set: an object of strings",
                           where, gname, slot);
        json_object_foreach((json_t *)v, m, x)
        {
                if (!slot_name_ok(m) || !json_is_string(x))
                        return BAD("%s/groups/%s/%s/%s: expected a string (a member's name has "
                                   "no '.', '|', '{' or '}')",
                                   where, gname, slot, m);
        }
        return 0;
}

/* Whether b has a's slots, and a's sets' members (and no more). */
static int same_slots(const json_t *a, const json_t *b, const char *where, const char *gname,
                      struct pa_err *err)
{
        const char *slot, *m;
        json_t *x, *y, *z;

        json_object_foreach((json_t *)a, slot, x)
        {
                if (!(y = json_object_get(b, slot)))
                        return BAD("%s/groups/%s: missing slot '%s' that other groups define",
                                   where, gname, slot);
                if (json_is_object(x) != json_is_object(y))
                        return BAD("%s/groups/%s/%s: a set in one group, a text in another", where,
                                   gname, slot);
                if (json_is_object(x)) {
                        json_object_foreach(x, m, z) if (!json_object_get(y, m)) return BAD(
                            "%s/groups/%s/%s: missing member '%s' that other groups define", where,
                            gname, slot, m);
                        if (json_object_size(x) != json_object_size(y))
                                return BAD("%s/groups/%s/%s: has members the first group lacks",
                                           where, gname, slot);
                }
        }
        if (json_object_size(a) != json_object_size(b))
                return BAD("%s/groups/%s: defines slots the first group lacks", where, gname);
        return 0;
}

static int load_groups(struct pa_axis *ax, const json_t *groups, const char *where,
                       struct pa_err *err)
{
        const char *gname, *slot;
        json_t *g, *text, *first = NULL;
        size_t n = 0;

        if (!json_is_object(groups) || json_object_size(groups) < 2)
                return BAD("%s/groups: expected an object with at least two groups", where);
        ax->groups = calloc(json_object_size(groups), sizeof(*ax->groups));
        if (!ax->groups)
                return PA_ENOMEM;
        json_object_foreach((json_t *)groups, gname, g)
        {
                if (!is_ident(gname))
                        return BAD("%s/groups/%s: group names are letters, digits, '.', '_', '-'",
                                   where, gname);
                if (!json_is_object(g))
                        return BAD("%s/groups/%s: expected an object of slot texts", where, gname);
                json_object_foreach(g, slot, text)
                {
                        if (check_slot(slot, text, where, gname, err))
                                return PA_EINVAL;
                }
                /* Every group must realise the same slots (and sets the same
                 * members), or some variants of an item could not be written. */
                if (first && same_slots(first, g, where, gname, err))
                        return PA_EINVAL;
                first = first ? first : g;
                ax->groups[n].name = gname;
                ax->groups[n].slots = g;
                n++;
        }
        ax->n_groups = n;
        return 0;
}

static int load_axes(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *axes = json_object_get(s->root, "axes");
        const char *name, *ref;
        json_t *a;
        char where[512];
        int rc;

        if (!axes)
                return 0;
        if (!json_is_object(axes))
                return BAD("suite '%s': /axes: expected an object", file);
        s->axes = calloc(json_object_size(axes) + 1, sizeof(*s->axes));
        if (!s->axes)
                return PA_ENOMEM;
        json_object_foreach((json_t *)axes, name, a)
        {
                struct pa_axis *ax = &s->axes[s->n_axes++];

                snprintf(where, sizeof(where), "suite '%s': /axes/%s", file, name);
                if (!is_ident(name))
                        return BAD("%s: axis names are letters, digits, '.', '_', '-'", where);
                if (!json_is_object(a))
                        return BAD("%s: expected an object with \"reference\" and \"groups\"",
                                   where);
                ax->name = name;
                if ((rc = load_groups(ax, json_object_get(a, "groups"), where, err)))
                        return rc;
                if (opt_string(a, "reference", &ref, where, err))
                        return PA_EINVAL;
                if (!ref)
                        return BAD("%s/reference: expected the name of one of its groups", where);
                for (ax->ref = 0; ax->ref < ax->n_groups; ax->ref++)
                        if (!strcmp(ax->groups[ax->ref].name, ref))
                                break;
                if (ax->ref == ax->n_groups)
                        return BAD("%s/reference: '%s' is not one of its groups", where, ref);
        }
        return 0;
}

/* An item's turns: system (first only), user and assistant, each with
 * its content, ending with a user turn (the model answers next). */
static int check_messages(struct pa_item *it, const char *where, struct pa_err *err)
{
        const json_t *m = it->messages, *t;
        size_t i, n = json_array_size(m);

        if (it->prompt)
                return BAD("%s/messages: an item has \"prompt\" or \"messages\", not both", where);
        if (!json_is_array(m) || n == 0)
                return BAD("%s/messages: expected an array of turns", where);
        json_array_foreach(m, i, t)
        {
                const char *role = json_string_value(json_object_get(t, "role"));

                if (!json_is_string(json_object_get(t, "content")))
                        return BAD("%s/messages/%zu/content: expected a string", where, i);
                if (!role || (strcmp(role, "user") && strcmp(role, "assistant") &&
                              (strcmp(role, "system") || i > 0)))
                        return BAD("%s/messages/%zu/role: expected \"user\" or \"assistant\"%s",
                                   where, i, i ? "" : " or \"system\"");
                if (i == 0 && !strcmp(role, "system") && it->system)
                        return BAD("%s/messages/0: a system turn and \"system\" both; keep one",
                                   where);
                if (i + 1 == n && strcmp(role, "user"))
                        return BAD("%s/messages/%zu/role: the last turn is the user's (the "
                                   "model answers it)",
                                   where, i);
        }
        return 0;
}

/* The item's strings, pointing into obj. */
int pa__item_strings(const json_t *obj, struct pa_item *it, const char *where, struct pa_err *err)
{
        if (!json_is_object(obj))
                return BAD("%s: expected an object", where);
        if (opt_string(obj, "id", &it->id, where, err) ||
            opt_string(obj, "prompt", &it->prompt, where, err) ||
            opt_string(obj, "domain", &it->domain, where, err) ||
            opt_string(obj, "system", &it->system, where, err) ||
            opt_string(obj, "outcome", &it->outcome, where, err) ||
            opt_string(obj, "expected", &it->expected, where, err))
                return PA_EINVAL;
        if (!it->id || !*it->id)
                return BAD("%s/id: expected a non-empty string", where);
        if (!it->domain)
                it->domain = "general";
        if ((it->messages = json_object_get(obj, "messages")))
                return check_messages(it, where, err);
        if (!it->prompt)
                return BAD("%s/prompt: expected a string", where);
        return 0;
}

/* "metrics": benchmark metrics computed in the summary (report.h). */
static int check_metrics(const struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *m = json_object_get(s->root, "metrics"), *name;
        size_t i;

        if (!m)
                return 0;
        if (!json_is_array(m))
                return BAD("suite '%s': /metrics: expected an array of metric names", file);
        json_array_foreach(m, i, name) if (!pa_metric_find(json_string_value(name))) return BAD(
            "suite '%s': /metrics/%zu: expected the name of a metric parity computes", file, i);
        return 0;
}

static int load_header(struct pa_suite *s, const char *file, struct pa_err *err)
{
        const json_t *v = json_object_get(s->root, "parity_suite");

        if (!json_is_object(s->root))
                return BAD("suite '%s': /: expected an object", file);
        if (!json_is_integer(v) || json_integer_value(v) != 1)
                return BAD("suite '%s': /parity_suite: expected 1 (the format version)", file);
        if (opt_string(s->root, "id", &s->id, "", err) || !s->id || !is_ident(s->id))
                return BAD("suite '%s': /id: expected a string of letters, digits, '.', '_', '-'",
                           file);
        if (opt_string(s->root, "version", &s->version, "", err) || !s->version)
                return BAD("suite '%s': /version: expected a string", file);
        return check_metrics(s, file, err);
}

int pa_suite_load(struct pa_suite *s, const char *path, struct pa_err *err)
{
        static const struct pa_suite_opts defaults = {0};

        return pa_suite_load_opts(s, path, &defaults, err);
}

/* The suite's tree, from JSON or (by its extension) YAML. */
static int read_root(struct pa_suite *s, const char *path, const char *file, unsigned flags,
                     struct pa_err *err)
{
        char what[PATH_MAX + 16];

        snprintf(what, sizeof(what), "suite '%s'", file);
        if (pa__suite_is_yaml(path))
                return pa__yaml_load_regular(path, what, flags, PA_SUITE_MAX_BYTES, &s->root,
                                             s->sha256, err);
        return pa__json_load_regular(path, what, flags, PA_SUITE_MAX_BYTES, JSON_REJECT_DUPLICATES,
                                     &s->root, s->sha256, err);
}

/* Everything after the strict key check; fail-first but for the items,
 * whose errors d collects. */
static int load_checked(struct pa_suite *s, const char *file, const struct pa_suite_opts *o,
                        struct pa__diags *d, struct pa_err *err)
{
        const json_t *scorers = json_object_get(s->root, "scorers");
        int rc;

        if ((rc = load_header(s, file, err)) || (rc = load_defaults(s, file, err)) ||
            (rc = load_axes(s, file, err)))
                return rc;
        if (scorers && (rc = pa_scorer_set_compile(&s->scorers, scorers, file, err)))
                return rc;
        if ((rc = pa__suite_load_items(s, file, o, d, err)))
                return rc;
        if (s->n_items == 0 && d->total == 0)
                return BAD("suite '%s': /items: expected at least one item (in items or "
                           "items_file)",
                           file);
        return 0;
}

int pa_suite_load_opts(struct pa_suite *s, const char *path, const struct pa_suite_opts *o,
                       struct pa_err *err)
{
        const char *file = pa__basename(path);
        unsigned flags = o->run_copy ? 0 : PA_OPEN_FOLLOW;
        struct pa_err mine = {{0}};
        struct pa__diags d;
        int rc;

        memset(s, 0, sizeof(*s));
        if (!(s->path = strdup(path)))
                return PA_ENOMEM;
        if ((rc = read_root(s, path, file, flags, err)))
                return rc;
        if (!json_is_object(s->root))
                return BAD("suite '%s': /: expected an object", file);
        pa__diags_init(&d, path, file, flags);
        pa__schema_check(&d, s->root, PA_K_SUITE, "");
        /* The loader's fail-first error, unless the items' kept it. */
        if (d.total == 0 && (rc = load_checked(s, file, o, &d, &mine)) == PA_EINVAL && !d.total)
                pa__diag_msg(&d, mine.msg);
        /* Every error found, each where it is. */
        if (d.total)
                rc = pa__diags_finish(&d, &mine);
        pa__diags_release(&d);
        if (rc && err)
                *err = mine;
        return rc;
}

void pa_suite_release(struct pa_suite *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_axes; i++)
                free(s->axes[i].groups);
        free(s->axes);
        for (size_t k = 0; k < s->n_kinds; k++) {
                free(s->kinds[k].domain);
                free(s->kinds[k].outcome);
        }
        free(s->kinds);
        free(s->kind_of);
        free(s->line_at);
        if (s->items_file)
                fclose(s->items_file);
        pa_scorer_set_release(&s->scorers);
        json_decref(s->root);
        free(s->items_path);
        free(s->path);
        memset(s, 0, sizeof(*s));
}
