/* The scorer family: the table of types and the compiled set of a suite. */
#include <stdlib.h>
#include <string.h>

#include "parity/scorer.h"

extern const struct pa_scorer_ops pa_scorer_regex;
extern const struct pa_scorer_ops pa_scorer_exact;
extern const struct pa_scorer_ops pa_scorer_contains;
extern const struct pa_scorer_ops pa_scorer_choice;
extern const struct pa_scorer_ops pa_scorer_refusal;
extern const struct pa_scorer_ops pa_scorer_judge;

static const struct pa_scorer_ops *const scorer_table[] = {
    &pa_scorer_regex,
    &pa_scorer_exact,
    &pa_scorer_contains,
    &pa_scorer_choice,
    &pa_scorer_refusal,
    &pa_scorer_judge,
    NULL,
};

const struct pa_scorer_ops *pa_scorer_ops_find(const char *type)
{
        for (size_t i = 0; scorer_table[i]; i++)
                if (!strcmp(scorer_table[i]->name, type))
                        return scorer_table[i];
        return NULL;
}

/* "regex, exact, ..." from the table, so messages never drift from it. */
static void type_names(char *buf, size_t n)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; scorer_table[i] && len < n; i++)
                len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                                        scorer_table[i]->name);
}

static int compile_one(struct pa_scorer *sc, const char *name, const json_t *spec, const char *file,
                       struct pa_err *err)
{
        char types[256];
        const char *type = json_string_value(json_object_get(spec, "type"));
        char where[256];

        if (!json_is_object(spec))
                return pa_errf(err, PA_EINVAL, "suite '%s': /scorers/%s: expected an object", file,
                               name);
        type_names(types, sizeof(types));
        if (!type)
                return pa_errf(err, PA_EINVAL,
                               "suite '%s': /scorers/%s/type: expected a string (one of %s)", file,
                               name, types);
        sc->ops = pa_scorer_ops_find(type);
        if (!sc->ops)
                return pa_errf(
                    err, PA_EINVAL,
                    "suite '%s': /scorers/%s/type: unknown scorer type '%s' (expected one "
                    "of %s)",
                    file, name, type, types);
        sc->name = strdup(name);
        if (!sc->name)
                return PA_ENOMEM;
        snprintf(where, sizeof(where), "suite '%s': /scorers/%s", file, name);
        return sc->ops->compile(spec, where, &sc->state, err);
}

int pa_scorer_set_compile(struct pa_scorer_set *set, const json_t *scorers, const char *file,
                          struct pa_err *err)
{
        const char *name;
        json_t *spec;
        int rc;

        memset(set, 0, sizeof(*set));
        if (!json_is_object(scorers))
                return pa_errf(err, PA_EINVAL, "suite '%s': /scorers: expected an object", file);
        if (json_object_size(scorers) > PA_MAX_SCORERS)
                return pa_errf(err, PA_EINVAL, "suite '%s': /scorers: more than %d scorers", file,
                               PA_MAX_SCORERS);
        json_object_foreach((json_t *)scorers, name, spec)
        {
                rc = compile_one(&set->v[set->n], name, spec, file, err);
                set->n++;
                if (rc < 0)
                        return rc;
        }
        return 0;
}

void pa_scorer_set_release(struct pa_scorer_set *set)
{
        for (size_t i = 0; i < set->n; i++) {
                if (set->v[i].ops && set->v[i].state)
                        set->v[i].ops->free(set->v[i].state);
                free(set->v[i].name);
        }
        set->n = 0;
}

int pa_scorer_set_find(const struct pa_scorer_set *set, const char *name)
{
        for (size_t i = 0; i < set->n; i++)
                if (!strcmp(set->v[i].name, name))
                        return (int)i;
        return -1;
}

void **pa_scorer_scratch_new(const struct pa_scorer_set *set)
{
        void **s = calloc(set->n ? set->n : 1, sizeof(*s));

        if (!s)
                return NULL;
        for (size_t i = 0; i < set->n; i++) {
                if (!set->v[i].ops->scratch_new)
                        continue;
                s[i] = set->v[i].ops->scratch_new(set->v[i].state);
                if (!s[i]) {
                        pa_scorer_scratch_free(set, s);
                        return NULL;
                }
        }
        return s;
}

void pa_scorer_scratch_free(const struct pa_scorer_set *set, void **scratch)
{
        if (!scratch)
                return;
        for (size_t i = 0; i < set->n; i++)
                if (scratch[i] && set->v[i].ops->scratch_free)
                        set->v[i].ops->scratch_free(scratch[i]);
        free(scratch);
}
