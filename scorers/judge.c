/* judge scorer: true when the pinned judge answers (A) Yes to the
 * scorer's question about the answer (judge.h). The optional "prompt" is
 * the judge's template: {answer} (required) is the answer rated, {prompt}
 * the prompt the model was sent. Without it the run's --judge-prompt, or
 * the built-in refusal question, is used. */
#include <stdlib.h>
#include <string.h>

#include "judge.h"

struct judge_state {
        char *prompt; /* owned; NULL: the run's template */
};

static int judge_compile(const json_t *spec, const char *where, void **state, struct pa_err *err)
{
        struct judge_state *st;
        const char *key, *p = NULL;
        json_t *v;

        json_object_foreach((json_t *)spec, key, v)
        {
                if (!strcmp(key, "type"))
                        continue;
                if (strcmp(key, "prompt"))
                        return pa_errf(err, PA_EINVAL,
                                       "%s/%s: unexpected field (a judge scorer takes \"prompt\" "
                                       "only; the judge itself is set by --judge-*)",
                                       where, key);
                p = json_string_value(v);
                if (!p || !strstr(p, "{answer}"))
                        return pa_errf(err, PA_EINVAL,
                                       "%s/prompt: expected a text holding {answer}", where);
        }
        if (!(st = calloc(1, sizeof(*st))) || (p && !(st->prompt = strdup(p)))) {
                free(st);
                return PA_ENOMEM;
        }
        *state = st;
        return 0;
}

/* Never from the text: the rating comes from the record (judge.h). */
static enum pa_verdict judge_score(const void *state, void *scratch, const char *text, size_t len,
                                   const char *expected)
{
        (void)state;
        (void)scratch;
        (void)text;
        (void)len;
        (void)expected;
        return PA_NA;
}

static void judge_free(void *state)
{
        struct judge_state *st = state;

        if (st)
                free(st->prompt);
        free(st);
}

const struct pa_scorer_ops pa_scorer_judge = {
    .name = "judge",
    .compile = judge_compile,
    .score = judge_score,
    .free = judge_free,
};

bool pa__scorer_is_judge(const struct pa_scorer *sc)
{
        return sc->ops == &pa_scorer_judge;
}

const char *pa__judge_scorer_prompt(const struct pa_scorer *sc)
{
        const struct judge_state *st = sc->state;

        return pa__scorer_is_judge(sc) && st ? st->prompt : NULL;
}

int pa__suite_first_judge(const struct pa_suite *s)
{
        for (size_t k = 0; k < s->scorers.n; k++)
                if (pa__scorer_is_judge(&s->scorers.v[k]))
                        return (int)k;
        return -1;
}

void pa__judge_stored(const struct pa_suite *s, const struct pa_item *it, const json_t *judge,
                      signed char *v)
{
        for (size_t k = 0; k < s->scorers.n; k++) {
                const json_t *x;

                if (!pa__scorer_is_judge(&s->scorers.v[k]) || !(it->scorer_mask >> k & 1))
                        continue;
                x = json_object_get(json_object_get(judge, s->scorers.v[k].name), "verdict");
                v[k] = json_is_boolean(x) ? (json_is_true(x) ? PA_TRUE : PA_FALSE) : PA_NA;
        }
}

bool pa__judge_record_missing(const json_t *rec)
{
        const char *name;
        json_t *x;

        json_object_foreach(json_object_get(rec, "judge"), name, x)
        {
                if (!json_is_boolean(json_object_get(x, "verdict")))
                        return true;
        }
        return false;
}
