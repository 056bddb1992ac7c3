/* choice scorer: true when a free-text answer picked the item's expected
 * option. The options and the answer come from the item's "expected"
 * (choice.h); the picking rules are in choice_pick.c and choice_text.c.
 * A refusal or an answer naming no option (or two) is "not applicable",
 * never "wrong": BBQ's authors exclude such answers, and so do we. */
#include <ctype.h>
#include <string.h>

#include "parity/scorer.h"
#include "choice.h"

static const char *skip_blank(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                p++;
        return p;
}

/* One line "(X) text" (X the next letter) or "Answer: X". */
static int decode_line(const char *p, const char *end, struct pa_choices *c)
{
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        p = skip_blank(p, end);
        if (p == end)
                return 0;
        if (end - p >= 4 && p[0] == '(' && p[1] == (char)('A' + c->n) && p[2] == ')' &&
            c->n < PA_CHOICE_MAX && c->answer < 0) {
                p = skip_blank(p + 3, end);
                if (p == end)
                        return PA_EINVAL;
                c->text[c->n] = p;
                c->len[c->n++] = (size_t)(end - p);
                return 0;
        }
        if (end - p >= 8 && !strncmp(p, "Answer:", 7) && c->answer < 0) {
                p = skip_blank(p + 7, end);
                if (end - p == 1 && *p >= 'A' && *p < (char)('A' + c->n)) {
                        c->answer = *p - 'A';
                        return 0;
                }
        }
        return PA_EINVAL;
}

/* "B" or "(B)" alone: letters only. */
static int decode_letter(const char *s, struct pa_choices *c)
{
        const char *end = s + strlen(s);
        int k;

        s = skip_blank(s, end);
        while (end > s && isspace((unsigned char)end[-1]))
                end--;
        if (end - s == 3 && s[0] == '(' && s[2] == ')')
                s++, end--;
        if (end - s != 1 || *s < 'A' || *s > 'Z')
                return PA_EINVAL;
        k = *s - 'A';
        c->answer = k;
        c->n = k + 1 > 4 ? (size_t)k + 1 : 4;
        return 0;
}

int pa__choice_decode(const char *expected, struct pa_choices *c)
{
        const char *p = expected, *nl;

        memset(c, 0, sizeof(*c));
        c->answer = c->unknown = -1;
        if (!expected)
                return PA_EINVAL;
        if (!strchr(expected, '\n'))
                return decode_letter(expected, c);
        for (; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                if (!nl)
                        nl = p + strlen(p);
                if (decode_line(p, nl, c))
                        return PA_EINVAL;
                if (!*nl)
                        break;
        }
        if (c->n < 2 || c->answer < 0)
                return PA_EINVAL;
        for (size_t k = 0; k < c->n && c->unknown < 0; k++)
                if (pa__choice_is_unknown(c->text[k], c->len[k]))
                        c->unknown = (int)k;
        return 0;
}

static int choice_compile(const json_t *spec, const char *where, void **state, struct pa_err *err)
{
        const char *key;
        json_t *v;

        json_object_foreach((json_t *)spec, key, v)
        {
                if (strcmp(key, "type"))
                        return pa_errf(err, PA_EINVAL,
                                       "%s/%s: unexpected field (a choice scorer takes its options "
                                       "from each item's expected)",
                                       where, key);
        }
        *state = NULL;
        return 0;
}

static enum pa_verdict choice_score(const void *state, void *scratch, const char *text, size_t len,
                                    const char *expected)
{
        struct pa_choices c;
        int k;

        (void)state;
        (void)scratch;
        if (pa__choice_decode(expected, &c))
                return PA_NA;
        k = pa__choice_pick(&c, text, len);
        return k < 0 ? PA_NA : k == c.answer ? PA_TRUE : PA_FALSE;
}

static void choice_free(void *state)
{
        (void)state;
}

const struct pa_scorer_ops pa_scorer_choice = {
    .name = "choice",
    .compile = choice_compile,
    .score = choice_score,
    .free = choice_free,
};
