/* The wording and number formats every report shares (verdict.h): two
 * decimals for rates, a real minus sign, p-values to two significant
 * digits, groups named in plain words. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

double pa__num(const json_t *v)
{
        return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *pa__str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

long long pa__int(const json_t *o, const char *key)
{
        return (long long)json_integer_value(json_object_get(o, key));
}

const char *pa__fmt_rate(double x, char buf[PA_FMT])
{
        if (!isfinite(x))
                snprintf(buf, PA_FMT, "\u2013");
        else
                snprintf(buf, PA_FMT, "%.2f", x);
        return buf;
}

const char *pa__fmt_signed(double x, char buf[PA_FMT])
{
        if (!isfinite(x))
                snprintf(buf, PA_FMT, "\u2013");
        else if (x < 0 && x <= -0.005)
                snprintf(buf, PA_FMT, "\u2212%.2f", -x);
        else
                snprintf(buf, PA_FMT, "+%.2f", fabs(x));
        return buf;
}

const char *pa__fmt_p(double p, char buf[PA_FMT])
{
        if (!isfinite(p))
                snprintf(buf, PA_FMT, "\u2013");
        else if (p < 0.0001)
                snprintf(buf, PA_FMT, "< 0.0001");
        else
                snprintf(buf, PA_FMT, "%.2g", p);
        return buf;
}

const char *pa__fmt_key(const json_t *o, const char *key, pa__fmt_fn fmt, char buf[PA_FMT])
{
        return fmt(pa__num(json_object_get(o, key)), buf);
}

const char *pa__fmt_ci(const json_t *ci, bool is_signed, char buf[2 * PA_FMT])
{
        char a[PA_FMT], b[PA_FMT];
        double lo = pa__num(json_array_get(ci, 0)), hi = pa__num(json_array_get(ci, 1));

        if (!isfinite(lo) || !isfinite(hi)) {
                snprintf(buf, 2 * PA_FMT, "\u2013");
                return buf;
        }
        if (is_signed)
                snprintf(buf, 2 * PA_FMT, "%s to %s", pa__fmt_signed(lo, a), pa__fmt_signed(hi, b));
        else
                snprintf(buf, 2 * PA_FMT, "%s to %s", pa__fmt_rate(lo, a), pa__fmt_rate(hi, b));
        return buf;
}

const char *pa__kv(const json_t *o, char *buf, size_t n)
{
        const char *k;
        json_t *v;
        size_t used = 0;

        buf[0] = '\0';
        json_object_foreach((json_t *)o, k, v)
        {
                int w = snprintf(buf + used, n - used, "%s%s=%s", used ? ", " : "", k,
                                 json_is_string(v) ? json_string_value(v) : "?");

                if (w < 0 || (size_t)w >= n - used)
                        break;
                used += (size_t)w;
        }
        return buf;
}

const char *pa__join(const json_t *a, const char *sep, char *buf, size_t n)
{
        const json_t *v;
        size_t i, used = 0;

        buf[0] = '\0';
        json_array_foreach(a, i, v)
        {
                int w = snprintf(buf + used, n - used, "%s%s", i ? sep : "",
                                 json_is_string(v) ? json_string_value(v) : "?");

                if (w < 0 || (size_t)w >= n - used)
                        break;
                used += (size_t)w;
        }
        return buf;
}

const char *pa__fmt_dec(const json_t *v, char buf[PA_FMT])
{
        const char *s = json_string_value(v);
        char *end = NULL;
        double x = s ? strtod(s, &end) : pa__num(v);

        if (s && (end == s || *end))
                x = NAN;
        if (!isfinite(x))
                snprintf(buf, PA_FMT, "\u2013");
        else
                snprintf(buf, PA_FMT, "%.3f", x);
        return buf;
}

/* Nouns that read as a group of people once pluralised. */
static const char *const nouns[][2] = {
    {"man", "men"},  {"woman", "women"}, {"men", "men"},       {"women", "women"},
    {"boy", "boys"}, {"girl", "girls"},  {"person", "people"},
};

static bool numeric(const char *s)
{
        return isdigit((unsigned char)s[0]);
}

/* One axis's group: "women", "the black group", "age 60". */
static void part_words(const char *axis, size_t alen, const char *group, size_t glen, char *buf,
                       size_t n)
{
        for (size_t i = 0; i < sizeof(nouns) / sizeof(*nouns); i++)
                if (strlen(nouns[i][0]) == glen && !strncasecmp(nouns[i][0], group, glen)) {
                        snprintf(buf, n, "%s", nouns[i][1]);
                        return;
                }
        if (numeric(group))
                snprintf(buf, n, "%.*s %.*s", (int)alen, axis, (int)glen, group);
        else
                snprintf(buf, n, "the %.*s group", (int)glen, group);
}

const char *pa__group_words(const char *axis, const char *group, char *buf, size_t n)
{
        const char *ap = strchr(axis, '+'), *gp = strchr(group, '+');
        char first[256], rest[256];
        size_t used = 0;

        if (!ap || !gp) {
                part_words(axis, strlen(axis), group, strlen(group), buf, n);
                return buf;
        }
        part_words(axis, (size_t)(ap - axis), group, (size_t)(gp - group), first, sizeof(first));
        rest[0] = '\0';
        /* The other parts qualify the first: "women (age 60)". */
        while (ap && gp && used < sizeof(rest)) {
                const char *a = ap + 1, *g = gp + 1;
                const char *an = strchr(a, '+'), *gn = strchr(g, '+');
                size_t al = an ? (size_t)(an - a) : strlen(a),
                       gl = gn ? (size_t)(gn - g) : strlen(g);
                int w = snprintf(rest + used, sizeof(rest) - used, "%s%.*s %.*s", used ? ", " : "",
                                 (int)al, a, (int)gl, g);

                if (w < 0)
                        break;
                used += (size_t)w;
                ap = an;
                gp = gn;
        }
        snprintf(buf, n, "%s (%s)", first, rest);
        return buf;
}

const char *pa__model_of(const json_t *manifest, char buf[PA_MODEL_NAME])
{
        const json_t *e = json_object_get(manifest, "engine");
        const char *served = json_string_value(json_object_get(e, "model_reported"));
        const char *asked = json_string_value(json_object_get(e, "model"));

        /* A gateway may serve another model than the one asked for. */
        if (served && asked && strcmp(served, asked))
                snprintf(buf, PA_MODEL_NAME, "%s (served as %s)", asked, served);
        else
                snprintf(buf, PA_MODEL_NAME, "%s",
                         served  ? served
                         : asked ? asked
                         : json_string_value(json_object_get(e, "name"))
                             ? json_string_value(json_object_get(e, "name"))
                             : "the model");
        /* Fail closed: an answer over unverified TLS may not be the model's. */
        if (json_is_true(json_object_get(json_object_get(e, "tls"), "insecure"))) {
                size_t n = strlen(buf);

                snprintf(buf + n, PA_MODEL_NAME - n, " [TLS NOT VERIFIED: --insecure]");
        }
        return buf;
}

const char *pa__domain_verdict(const json_t *d)
{
        const char *v = pa__str(d, "verdict");
        bool acc = !strcmp(pa__str(d, "kind"), "accuracy");

        if (!strcmp(v, "regression"))
                return acc ? "regression" : "rate fell";
        if (!strcmp(v, "improvement"))
                return acc ? "improvement" : "rate rose";
        /* Never read as "unchanged": too few items to reach alpha. */
        if (!strcmp(v, "untestable"))
                return "untestable";
        return "unchanged";
}

double pa__ref_rate(const json_t *g)
{
        const json_t *rd = json_object_get(g, "rate_diff");

        return pa__num(json_object_get(g, "rate")) -
               pa__num(json_is_number(rd) ? rd : json_object_get(g, "diff"));
}

bool pa__compared(const json_t *c)
{
        return json_is_boolean(json_object_get(c, "testable")) ||
               json_is_number(json_object_get(c, "p_adjusted"));
}

const char *pa__diff_word(const json_t *diff)
{
        const char *st = pa__str(json_object_get(diff, "verdict"), "status");

        return !strcmp(st, "fail")         ? "FAIL"
               : !strcmp(st, "incomplete") ? "INCOMPLETE"
               : !strcmp(st, "untestable") ? "UNTESTABLE"
                                           : "PASS";
}
