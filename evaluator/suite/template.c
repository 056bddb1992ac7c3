/* Templates (docs/formats.md, "Templates"): {slot}, {set.member} and
 * filters, {slot|a|capitalize}, filled from the case's groups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "schema.h"

/* Words whose first letter is not the sound of the article's choice:
 * silent h ("an hour"), a "yoo" or "w" sound ("a university", "a
 * one-off"), and acronyms said as words ("a NASA engineer"). */
static const char *const an_words[] = {"hour", "honest", "honor", "honour", "heir", "herb", NULL};
static const char *const a_prefixes[] = {"uni",  "use", "usu", "usa", "uti",  "ure", "uri",
                                         "uro",  "ubi", "uga", "uku", "ukr",  "ura", "utop",
                                         "unan", "eu",  "ewe", "one", "once", NULL};
static const char *const a_acronyms[] = {"NASA", "NATO", "NAFTA", "FEMA", "UNESCO", "UNICEF", NULL};

static bool starts_with_any(const char *w, size_t n, const char *const *list, bool whole)
{
        for (; *list; list++) {
                size_t l = strlen(*list);

                if (n >= l && !strncmp(w, *list, l) && (!whole || n == l || w[l] == 's'))
                        return true;
        }
        return false;
}

static bool is_upper(char c)
{
        return c >= 'A' && c <= 'Z';
}

static char lower(char c)
{
        return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

/* A number: "an" for one said with a vowel first: 8..., 11 and 18, and
 * their thousands (11,000, 18000). */
static const char *number_article(const char *w)
{
        size_t n = 0;

        if (*w == '8')
                return "an";
        while (w[n] >= '0' && w[n] <= '9')
                n++;
        if ((n == 2 || n == 5) && w[0] == '1' && (w[1] == '1' || w[1] == '8'))
                return "an";
        return "a";
}

const char *pa__article(const char *text)
{
        static const char letters_an[] = "AEFHILMNORSX"; /* letter names said with a vowel */
        char w[16];
        size_t n = 0, caps = 0;

        while (*text == ' ' || *text == '"' || *text == '\'' || *text == '(')
                text++;
        if (*text >= '0' && *text <= '9')
                return number_article(text);
        for (const char *p = text; n + 1 < sizeof(w) && *p && *p != ' ' && *p != '-'; p++) {
                caps += is_upper(*p);
                w[n++] = lower(*p);
        }
        w[n] = '\0';
        if (n == 0)
                return "a";
        /* FBI, MBA, X-ray, F-16: said letter by letter. */
        if ((caps >= 2 && caps == n) || (n == 1 && is_upper(text[0]))) {
                char up[16];

                for (size_t i = 0; i <= n; i++)
                        up[i] = (char)(w[i] >= 'a' && w[i] <= 'z' ? w[i] - 'a' + 'A' : w[i]);
                if (starts_with_any(up, n, a_acronyms, true))
                        return "a";
                return strchr(letters_an, up[0]) ? "an" : "a";
        }
        if (starts_with_any(w, n, an_words, false))
                return "an";
        if (starts_with_any(w, n, a_prefixes, false))
                return "a";
        return strchr("aeiou", w[0]) ? "an" : "a";
}

/* ASCII letters and the Latin-1 letters of UTF-8 (U+00C0-U+00FE but the
 * signs x and /) change case; anything else is kept. */
static void case_at(char *p, bool up)
{
        unsigned char *u = (unsigned char *)p;

        if (up && *u >= 'a' && *u <= 'z')
                *u = (unsigned char)(*u - 32);
        else if (!up && *u >= 'A' && *u <= 'Z')
                *u = (unsigned char)(*u + 32);
        else if (u[0] == 0xC3 && up && u[1] >= 0xA0 && u[1] <= 0xBE && u[1] != 0xB7)
                u[1] = (unsigned char)(u[1] - 32);
        else if (u[0] == 0xC3 && !up && u[1] >= 0x80 && u[1] <= 0x9E && u[1] != 0x97)
                u[1] = (unsigned char)(u[1] + 32);
}

static int f_capitalize(struct pa_buf *b)
{
        if (b->len)
                case_at(b->p, true);
        return 0;
}

static int each_char(struct pa_buf *b, bool up)
{
        for (size_t i = 0; i < b->len; i++)
                if ((unsigned char)b->p[i] < 0x80 || (unsigned char)b->p[i] == 0xC3)
                        case_at(b->p + i, up);
        return 0;
}

static int f_upper(struct pa_buf *b)
{
        return each_char(b, true);
}

static int f_lower(struct pa_buf *b)
{
        return each_char(b, false);
}

static int f_article(struct pa_buf *b)
{
        const char *a = pa__article(b->p);
        size_t n = strlen(a) + 1;

        if (pa__buf_reserve(b, n + 1))
                return PA_ENOMEM;
        memmove(b->p + n, b->p, b->len + 1);
        memcpy(b->p, a, n - 1);
        b->p[n - 1] = ' ';
        b->len += n;
        return 0;
}

/* The filters a slot may name: {slot|NAME}. A new filter is a row. */
static const struct filter {
        const char *name;
        int (*fn)(struct pa_buf *b);
} filters[] = {
    {"a", f_article},
    {"capitalize", f_capitalize},
    {"upper", f_upper},
    {"lower", f_lower},
};

#define N_FILTERS (sizeof(filters) / sizeof(*filters))

static int apply_filter(struct pa_buf *b, const char *name, size_t n, const char *where,
                        struct pa_err *err)
{
        const char *names[N_FILTERS], *near;
        char word[64];

        for (size_t i = 0; i < N_FILTERS; i++) {
                if (strlen(filters[i].name) == n && !memcmp(filters[i].name, name, n))
                        return filters[i].fn(b);
                names[i] = filters[i].name;
        }
        snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), name);
        near = pa__did_you_mean(word, names, N_FILTERS);
        return pa_errf(err, PA_EINVAL,
                       "%s: unknown filter '%s'%s%s%s (filters: a, capitalize, upper, "
                       "lower)",
                       where, word, near ? "; did you mean \"" : "", near ? near : "",
                       near ? "\"?" : "");
}

/* The value of slot name for one assignment of groups (a string, or an
 * object: a set), or NULL; *group_name set instead for {axis}. */
static const json_t *lookup_slot(const struct pa_suite *s, const struct pa_item *it,
                                 const size_t *groups, const char *name, size_t n,
                                 const char **group_name)
{
        *group_name = NULL;
        for (size_t k = 0; k < it->n_axes; k++) {
                const struct pa_axis *ax = &s->axes[it->axes[k]];
                const struct pa_group *g = &ax->groups[groups[k]];
                const json_t *v = json_object_getn(g->slots, name, n);

                if (v)
                        return v;
                if (strlen(ax->name) == n && !memcmp(ax->name, name, n)) {
                        *group_name = g->name;
                        return NULL;
                }
        }
        return NULL;
}

/* A set's members for a message: "subj, obj, poss". */
static const char *members(const json_t *set)
{
        static _Thread_local char out[256];
        size_t len = 0;
        const char *m;
        json_t *x;

        out[0] = '\0';
        json_object_foreach((json_t *)set, m, x)
        {
                if (len < sizeof(out))
                        len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
                                                len ? ", " : "", m);
        }
        return out;
}

static const char *first_member(const json_t *set)
{
        void *it = json_object_iter((json_t *)set);

        return it ? json_object_iter_key(it) : "";
}

/* An unknown slot, with the closest of the slots and axis names the
 * item has. */
static int unknown_slot(const struct pa_suite *s, const struct pa_item *it, const char *ref,
                        size_t n, size_t name_n, const char *where, struct pa_err *err)
{
        const char *names[64], *near = NULL, *slot;
        char word[64];
        size_t k = 0;
        json_t *x;

        for (size_t a = 0; a < it->n_axes && k < 64; a++) {
                const struct pa_axis *ax = &s->axes[it->axes[a]];

                names[k++] = ax->name;
                json_object_foreach((json_t *)ax->groups[0].slots, slot, x) if (k < 64) names[k++] =
                    slot;
        }
        snprintf(word, sizeof(word), "%.*s", (int)(name_n < 63 ? name_n : 63), ref);
        near = pa__did_you_mean(word, names, k);
        return pa_errf(err, PA_EINVAL,
                       "%s: unknown slot '{%.*s}': no axis of the item defines it%s%s%s", where,
                       (int)n, ref, near ? "; did you mean \"" : "", near ? near : "",
                       near ? "\"?" : "");
}

/* The text of "name" or "name.member" into b. */
static int slot_text(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                     const char *ref, size_t n, struct pa_buf *b, const char *where,
                     struct pa_err *err)
{
        const char *dot = memchr(ref, '.', n), *gname, *text;
        size_t name_n = dot ? (size_t)(dot - ref) : n;
        const json_t *v = lookup_slot(s, it, groups, ref, name_n, &gname);

        if (!v && !gname)
                return unknown_slot(s, it, ref, n, name_n, where, err);
        if (json_is_object(v) && !dot)
                return pa_errf(err, PA_EINVAL,
                               "%s: slot '{%.*s}' is a set: name one of its members (%s), as "
                               "{%.*s.%s}",
                               where, (int)n, ref, members(v), (int)n, ref, first_member(v));
        if (dot) {
                const json_t *m =
                    json_is_object(v) ? json_object_getn(v, dot + 1, n - name_n - 1) : NULL;

                if (!m && json_is_object(v))
                        return pa_errf(err, PA_EINVAL,
                                       "%s: unknown member in '{%.*s}': the set '%.*s' has %s",
                                       where, (int)n, ref, (int)name_n, ref, members(v));
                if (!m)
                        return pa_errf(err, PA_EINVAL,
                                       "%s: unknown slot '{%.*s}': '%.*s' is not a set", where,
                                       (int)n, ref, (int)name_n, ref);
                v = m;
        }
        text = v ? json_string_value(v) : gname;
        return pa__buf_add(b, "", 0) || pa__buf_add(b, text, strlen(text)) ? PA_ENOMEM : 0;
}

/* One {...}: its slot's text with its filters applied, onto out. */
static int fill(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                const char *ref, size_t n, struct pa_buf *out, const char *where,
                struct pa_err *err)
{
        const char *bar = memchr(ref, '|', n);
        struct pa_buf piece;
        int rc;

        pa__buf_init(&piece, SIZE_MAX / 2);
        rc = slot_text(s, it, groups, ref, bar ? (size_t)(bar - ref) : n, &piece, where, err);
        while (rc == 0 && bar) {
                const char *f = bar + 1, *end = ref + n;

                bar = memchr(f, '|', (size_t)(end - f));
                rc = apply_filter(&piece, f, (size_t)((bar ? bar : end) - f), where, err);
        }
        if (rc == 0 && pa__buf_add(out, piece.p, piece.len))
                rc = PA_ENOMEM;
        pa__buf_release(&piece);
        return rc;
}

int pa__template_render(const struct pa_suite *s, const struct pa_item *it, const size_t *groups,
                        const char *tpl, struct pa_buf *out, const char *where, struct pa_err *err)
{
        const char *p = tpl;
        int rc;

        if (pa__buf_add(out, "", 0))
                return PA_ENOMEM;
        while (*p) {
                const char *open = strpbrk(p, "{}"), *close;

                if (!open)
                        return pa__buf_add(out, p, strlen(p));
                if (pa__buf_add(out, p, (size_t)(open - p)))
                        return PA_ENOMEM;
                if (open[0] == open[1] || *open == '}') {
                        /* "{{" and "}}" are literal braces; so is a lone "}". */
                        if (pa__buf_add(out, open, 1))
                                return PA_ENOMEM;
                        p = open + (open[0] == open[1] ? 2 : 1);
                        continue;
                }
                close = strchr(open, '}');
                if (!close)
                        return pa_errf(err, PA_EINVAL,
                                       "%s: unterminated '{' (write '{{' for a brace)", where);
                if ((rc = fill(s, it, groups, open + 1, (size_t)(close - open - 1), out, where,
                               err)))
                        return rc;
                p = close + 1;
        }
        return 0;
}
