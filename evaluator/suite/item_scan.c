/* An item's checks against its suite (item_scan.h), by two routes. The
 * JSON route checks what jansson parsed and words every error. The
 * scanned route serves the items file's plain lines: at load, a jansson
 * parse and the schema walk of a short line cost more than the request
 * the item becomes. The scanner (evaluator/json/jscan.c) accepts only what
 * json_loadb() accepts and fails on a wanted key given twice; this file
 * takes only the keys whose value it can read whole, so a line it takes
 * is one the schema check passes (every key known, of its type, "id" and
 * "prompt" present), and the same checks then run on the names, where a
 * refusal sends the line to the JSON route for its message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "item_scan.h"
#include "evaluator/json/jscan.h"
#include "evaluator/util/util.h"

/* ---- the scanner ---- */

enum { K_ID, K_PROMPT, K_DOMAIN, K_SYSTEM, K_OUTCOME, K_EXPECTED, K_AXES, K_SCORERS };

/* The strings first (their order is dst's in scan_member), then the lists,
 * then the metadata objects the schema leaves open. */
static const char *const keys[] = {"id",       "prompt",  "domain",  "system", "outcome",
                                   "expected", "axes",    "scorers", "meta",   "bbq",
                                   "crows",    "discrim", "hb"};

#define N_KEYS (sizeof(keys) / sizeof(*keys))

/* The string at the cursor decoded into b at *used, NUL-terminated. */
static int take_string(struct pa__js *js, struct pa__scan_buf *b, size_t *used, const char **out)
{
        size_t len;

        if (pa__js_peek(js) != '"' || pa__js_string(js, b->p + *used, b->cap - *used, &len) ||
            len >= b->cap - *used)
                return 1;
        b->p[*used + len] = '\0';
        *out = b->p + *used;
        *used += len + 1;
        return 0;
}

/* An array of at most cap strings into names. */
static int take_strings(struct pa__js *js, struct pa__scan_buf *b, size_t *used, const char **names,
                        size_t cap, size_t *n)
{
        struct pa__js_iter iter = {0, 0};
        int rc;

        if (pa__js_peek(js) != '[')
                return 1;
        while ((rc = pa__js_element(js, &iter)) > 0)
                if (*n == cap || take_string(js, b, used, &names[(*n)++]))
                        return 1;
        return rc != 0;
}

static int scan_member(struct pa__js *js, size_t k, struct pa__plain_item *p,
                       struct pa__scan_buf *b, size_t *used)
{
        const char **dst[] = {&p->it.id,     &p->it.prompt,  &p->it.domain,
                              &p->it.system, &p->it.outcome, &p->it.expected};

        if (k < K_AXES)
                return take_string(js, b, used, dst[k]);
        if (k == K_AXES) {
                p->has_axes = true;
                return take_strings(js, b, used, p->axes, PA_MAX_AXES, &p->n_axes);
        }
        if (k == K_SCORERS) {
                p->has_scorers = true;
                return take_strings(js, b, used, p->scorers, PA__SCAN_MAX_SCORERS, &p->n_scorers);
        }
        /* Metadata: any object (validated by the skip); other keys are
         * jansson's to read and the schema's to refuse. */
        return k == N_KEYS || pa__js_peek(js) != '{' || pa__js_skip(js) != 0;
}

int pa__item_scan(const char *line, size_t n, struct pa__plain_item *p, struct pa__scan_buf *b)
{
        struct pa__js js;
        struct pa__js_iter iter = {0, 0};
        size_t k, used = 0;
        int rc;

        /* Decoded strings are never longer than their quoted text. */
        if (n + 8 > b->cap) {
                char *q = realloc(b->p, n + 8);

                if (!q)
                        return PA_ENOMEM;
                b->p = q;
                b->cap = n + 8;
        }
        memset(p, 0, sizeof(*p));
        pa__js_init(&js, line, n);
        if (pa__js_peek(&js) != '{')
                return 1;
        while ((rc = pa__js_member(&js, &iter, keys, N_KEYS, &k)) > 0)
                if (scan_member(&js, k, p, b, &used))
                        return 1;
        return rc != 0 || pa__js_end(&js) != 0 || !p->it.id || !p->it.prompt;
}

/* ---- the JSON route: an item parsed by jansson ---- */

#define BAD(...) pa_errf(err, PA_EINVAL, __VA_ARGS__)

static int find_axis(const struct pa_suite *s, const char *name)
{
        for (size_t i = 0; i < s->n_axes; i++)
                if (!strcmp(s->axes[i].name, name))
                        return (int)i;
        return -1;
}

int pa__item_axes(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                  uint64_t max_cases, const char *where, struct pa_err *err)
{
        const json_t *axes = json_object_get(obj, "axes");
        json_t *a;
        size_t i;
        int k;

        it->n_cases = 1;
        if (!axes)
                return 0;
        if (!json_is_array(axes) || json_array_size(axes) > PA_MAX_AXES)
                return BAD("%s/axes: expected an array of at most %d axis names", where,
                           PA_MAX_AXES);
        json_array_foreach(axes, i, a)
        {
                if (!json_is_string(a) || (k = find_axis(s, json_string_value(a))) < 0)
                        return BAD("%s/axes/%zu: expected the name of an axis in /axes", where, i);
                for (size_t j = 0; j < i; j++)
                        if (it->axes[j] == (size_t)k)
                                return BAD("%s/axes/%zu: axis '%s' listed twice", where, i,
                                           json_string_value(a));
                it->axes[it->n_axes++] = (size_t)k;
                if (__builtin_mul_overflow(it->n_cases, (uint64_t)s->axes[k].n_groups,
                                           &it->n_cases) ||
                    it->n_cases > max_cases)
                        return BAD("%s/axes: the item expands to more than %llu cases "
                                   "(--max-cases)",
                                   where, (unsigned long long)max_cases);
        }
        return 0;
}

/* What each scorer of the item asks of it (a regex scorer without a
 * pattern: an expected that is one). */
static int check_items_scorers(const struct pa_suite *s, const struct pa_item *it,
                               const char *where, struct pa_err *err)
{
        for (size_t k = 0; k < s->scorers.n; k++) {
                const struct pa_scorer *sc = &s->scorers.v[k];

                if ((it->scorer_mask >> k & 1) && sc->ops->check_item &&
                    sc->ops->check_item(sc->state, it->expected, where, err))
                        return PA_EINVAL;
        }
        return 0;
}

int pa__item_scorers(const struct pa_suite *s, struct pa_item *it, const json_t *obj,
                     const char *where, struct pa_err *err)
{
        const json_t *list = json_object_get(obj, "scorers");
        json_t *x;
        size_t i;
        int k;

        it->outcome_scorer = -1;
        if (it->outcome && (it->outcome_scorer = pa_scorer_set_find(&s->scorers, it->outcome)) < 0)
                return BAD("%s/outcome: '%s' is not a scorer in /scorers", where, it->outcome);
        if (!list) {
                it->scorer_mask = s->scorers.n == 64 ? ~0ull : (1ull << s->scorers.n) - 1;
                return check_items_scorers(s, it, where, err);
        }
        if (!json_is_array(list))
                return BAD("%s/scorers: expected an array of scorer names", where);
        json_array_foreach(list, i, x)
        {
                if (!json_is_string(x) ||
                    (k = pa_scorer_set_find(&s->scorers, json_string_value(x))) < 0)
                        return BAD("%s/scorers/%zu: expected the name of a scorer in /scorers",
                                   where, i);
                it->scorer_mask |= 1ull << k;
        }
        if (it->outcome_scorer >= 0)
                it->scorer_mask |= 1ull << it->outcome_scorer;
        return check_items_scorers(s, it, where, err);
}

/* ---- the scanned route: the same checks on the names ---- */

/* pa__item_axes() on the names: 1 where it would refuse. */
static int resolve_axes(const struct pa_suite *s, struct pa__plain_item *p, uint64_t max_cases)
{
        struct pa_item *it = &p->it;
        int k;

        it->n_cases = 1;
        for (size_t i = 0; i < p->n_axes; i++) {
                if ((k = find_axis(s, p->axes[i])) < 0)
                        return 1;
                for (size_t j = 0; j < i; j++)
                        if (it->axes[j] == (size_t)k)
                                return 1;
                it->axes[it->n_axes++] = (size_t)k;
                if (__builtin_mul_overflow(it->n_cases, (uint64_t)s->axes[k].n_groups,
                                           &it->n_cases) ||
                    it->n_cases > max_cases)
                        return 1;
        }
        return 0;
}

/* pa__item_scorers() on the names: 1 where it would refuse. */
static int resolve_scorers(const struct pa_suite *s, struct pa__plain_item *p)
{
        struct pa_item *it = &p->it;
        struct pa_err scratch;
        int k;

        it->outcome_scorer = -1;
        if (it->outcome && (it->outcome_scorer = pa_scorer_set_find(&s->scorers, it->outcome)) < 0)
                return 1;
        if (!p->has_scorers) {
                it->scorer_mask = s->scorers.n == 64 ? ~0ull : (1ull << s->scorers.n) - 1;
        } else {
                for (size_t i = 0; i < p->n_scorers; i++) {
                        if ((k = pa_scorer_set_find(&s->scorers, p->scorers[i])) < 0)
                                return 1;
                        it->scorer_mask |= 1ull << k;
                }
                if (it->outcome_scorer >= 0)
                        it->scorer_mask |= 1ull << it->outcome_scorer;
        }
        return check_items_scorers(s, it, "", &scratch) != 0;
}

int pa__item_plain_check(const struct pa_suite *s, struct pa__plain_item *p, uint64_t max_cases)
{
        struct pa_err scratch;

        if (!*p->it.id)
                return 1;
        if (!p->it.domain)
                p->it.domain = "general";
        return resolve_axes(s, p, max_cases) || resolve_scorers(s, p) ||
               pa__case_check_templates(s, &p->it, "", &scratch) != 0;
}
