/* An items-file line read without jansson when it is plain (item_plain.h):
 * a jansson parse and the strict schema check of a short line cost more
 * than the rest of its validation. The checks both paths make of an item's
 * axes and scorers live here too (case.h). */
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "item_plain.h"
#include "evaluator/json/jscan.h"

bool pa__items_plain_off;

enum { K_ID, K_PROMPT, K_DOMAIN, K_SYSTEM, K_OUTCOME, K_EXPECTED, K_AXES, K_SCORERS, N_KEYS };

static const char *const keys[N_KEYS] = {"id",      "prompt",   "domain", "system",
                                         "outcome", "expected", "axes",   "scorers"};

/* The string at the cursor, decoded into p->buf at *used. */
static int take_string(struct pa__plain_item *p, struct pa__js *js, size_t *used, const char **out)
{
        size_t len;

        if (pa__js_peek(js) != '"' || pa__js_string(js, p->buf + *used, p->cap - *used, &len))
                return 1;
        p->buf[*used + len] = '\0';
        *out = p->buf + *used;
        *used += len + 1;
        return 0;
}

/* An array of at most cap strings at the cursor. */
static int take_names(struct pa__plain_item *p, struct pa__js *js, size_t *used, const char **v,
                      size_t cap, size_t *n)
{
        struct pa__js_iter iter = {0, 0};
        int rc;

        if (pa__js_peek(js) != '[')
                return 1;
        *n = 0;
        while ((rc = pa__js_element(js, &iter)) > 0)
                if (*n == cap || take_string(p, js, used, &v[(*n)++]))
                        return 1;
        return rc < 0;
}

static int take_member(struct pa__plain_item *p, struct pa__js *js, size_t k, size_t *used)
{
        const char **str[] = {&p->it.id,     &p->it.prompt,  &p->it.domain,
                              &p->it.system, &p->it.outcome, &p->it.expected};

        switch (k) {
        case K_AXES:
                return take_names(p, js, used, p->axes, PA_MAX_AXES, &p->n_axes);
        case K_SCORERS:
                p->has_scorers = true;
                return take_names(p, js, used, p->scorers, PA__PLAIN_MAX_SCORERS, &p->n_scorers);
        case N_KEYS: /* "messages", metadata or an unknown key: not plain */
                return 1;
        default:
                return take_string(p, js, used, str[k]);
        }
}

int pa__plain_item_scan(struct pa__plain_item *p, const char *line, size_t n)
{
        struct pa__js js;
        struct pa__js_iter iter = {0, 0};
        size_t k, used = 0;
        int rc;

        /* Each string takes at least its two quotes in the line, so the
         * decoded strings and their NULs fit in n + 1 bytes. */
        if (n + 8 > p->cap) {
                char *b = realloc(p->buf, n + 8);

                if (!b)
                        return 1;
                p->buf = b;
                p->cap = n + 8;
        }
        memset(&p->it, 0, sizeof(p->it));
        p->n_axes = p->n_scorers = 0;
        p->has_scorers = false;
        pa__js_init(&js, line, n);
        if (pa__js_peek(&js) != '{')
                return 1;
        while ((rc = pa__js_member(&js, &iter, keys, N_KEYS, &k)) > 0)
                if (take_member(p, &js, k, &used))
                        return 1;
        if (rc < 0 || pa__js_end(&js) || !p->it.id || !*p->it.id || !p->it.prompt)
                return 1;
        if (!p->it.domain)
                p->it.domain = "general";
        return 0;
}

/* What each scorer of the item asks of it (a regex scorer without a
 * pattern: an expected that is one). */
int pa__check_items_scorers(const struct pa_suite *s, const struct pa_item *it, const char *where,
                            struct pa_err *err)
{
        for (size_t k = 0; k < s->scorers.n; k++) {
                const struct pa_scorer *sc = &s->scorers.v[k];

                if ((it->scorer_mask >> k & 1) && sc->ops->check_item &&
                    sc->ops->check_item(sc->state, it->expected, where, err))
                        return PA_EINVAL;
        }
        return 0;
}

int pa__find_axis(const struct pa_suite *s, const char *name)
{
        for (size_t i = 0; i < s->n_axes; i++)
                if (!strcmp(s->axes[i].name, name))
                        return (int)i;
        return -1;
}

int pa__plain_item_check(const struct pa_suite *s, const struct pa__plain_item *p,
                         uint64_t max_cases, uint64_t n_cases, struct pa_item *it)
{
        struct pa_err quiet = {{0}};
        int k;

        *it = p->it;
        it->n_cases = 1;
        for (size_t i = 0; i < p->n_axes; i++) {
                if ((k = pa__find_axis(s, p->axes[i])) < 0)
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
        it->outcome_scorer = -1;
        if (it->outcome && (it->outcome_scorer = pa_scorer_set_find(&s->scorers, it->outcome)) < 0)
                return 1;
        if (!p->has_scorers)
                it->scorer_mask = s->scorers.n == 64 ? ~0ull : (1ull << s->scorers.n) - 1;
        for (size_t i = 0; i < p->n_scorers; i++) {
                if ((k = pa_scorer_set_find(&s->scorers, p->scorers[i])) < 0)
                        return 1;
                it->scorer_mask |= 1ull << k;
        }
        if (p->has_scorers && it->outcome_scorer >= 0)
                it->scorer_mask |= 1ull << it->outcome_scorer;
        /* Both at most max_cases: the sum cannot wrap. */
        return pa__check_items_scorers(s, it, "", &quiet) ||
               pa__case_check_templates(s, it, "", &quiet) || n_cases + it->n_cases > max_cases;
}

void pa__plain_item_release(struct pa__plain_item *p)
{
        if (!p)
                return;
        free(p->buf);
        memset(p, 0, sizeof(*p));
}
