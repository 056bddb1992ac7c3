/* Pre-registered thresholds (evidence.h; docs/formats.md "Thresholds"):
 * parsing with precise errors, and what a run records about them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"

static const char *const top_fields[] = {
    "parity_thresholds", "description", "alpha",    "correction", "min_diff",
    "min_impact_ratio",  "max_drop",    "outcomes", "axes",       NULL};
static const char *const axis_fields[] = {"min_diff", "min_impact_ratio", NULL};

static int bad(const struct pa_thresholds *t, const char *ptr, const char *want, struct pa_err *err)
{
        return pa_errf(err, PA_EINVAL, "thresholds '%s': %s: %s", t->name, ptr, want);
}

static int check_fields(const struct pa_thresholds *t, const json_t *o, const char *base,
                        const char *const *known, const char *list, struct pa_err *err)
{
        const char *key;
        json_t *v;
        char ptr[512];

        json_object_foreach((json_t *)o, key, v)
        {
                size_t i = 0;

                while (known[i] && strcmp(known[i], key))
                        i++;
                if (!known[i]) {
                        snprintf(ptr, sizeof(ptr), "%s/%s", base, key);
                        return pa_errf(err, PA_EINVAL,
                                       "thresholds '%s': %s: unknown field (expected %s)", t->name,
                                       ptr, list);
                }
        }
        return 0;
}

/* An optional number field of o in [lo, hi] (lo_open: lo excluded). */
static int number(const struct pa_thresholds *t, const json_t *o, const char *base, const char *key,
                  double lo, bool lo_open, double hi, double *out, struct pa_err *err)
{
        const json_t *v = json_object_get(o, key);
        char ptr[512], want[128];
        double x;

        if (!v)
                return 0;
        x = json_number_value(v);
        if (!json_is_number(v) || !isfinite(x) || x < lo || (lo_open && x == lo) || x > hi) {
                snprintf(ptr, sizeof(ptr), "%s/%s", base, key);
                snprintf(want, sizeof(want), "expected a number in %c%g, %g]", lo_open ? '(' : '[',
                         lo, hi);
                return bad(t, ptr, want, err);
        }
        *out = x;
        return 0;
}

static int parse_axes(struct pa_thresholds *t, const json_t *axes, struct pa_err *err)
{
        const char *name;
        json_t *o;
        char base[512];
        size_t i = 0;
        int rc;

        if (!axes)
                return 0;
        if (!json_is_object(axes))
                return bad(t, "/axes", "expected an object: axis -> {min_diff, min_impact_ratio}",
                           err);
        t->axes = calloc(json_object_size(axes) + 1, sizeof(*t->axes));
        if (!t->axes)
                return PA_ENOMEM;
        json_object_foreach((json_t *)axes, name, o)
        {
                struct pa_axis_threshold *a = &t->axes[i++];

                snprintf(base, sizeof(base), "/axes/%s", name);
                if (!json_is_object(o))
                        return bad(t, base, "expected an object {min_diff, min_impact_ratio}", err);
                a->axis = name;
                a->min_diff = t->min_diff;
                a->min_impact_ratio = t->min_impact_ratio;
                if ((rc = check_fields(t, o, base, axis_fields, "min_diff, min_impact_ratio",
                                       err)) ||
                    (rc = number(t, o, base, "min_diff", 0, false, 1, &a->min_diff, err)) ||
                    (rc = number(t, o, base, "min_impact_ratio", 0, true, 1, &a->min_impact_ratio,
                                 err)))
                        return rc;
                t->n_axes = i;
        }
        return 0;
}

static int parse_correction(struct pa_thresholds *t, struct pa_err *err)
{
        const json_t *v = json_object_get(t->root, "correction");
        const char *s = json_string_value(v);

        if (!v)
                return 0;
        if (s && !strcmp(s, "bh"))
                t->correction = PA_CORRECTION_BH;
        else if (s && !strcmp(s, "holm"))
                t->correction = PA_CORRECTION_HOLM;
        else if (s && !strcmp(s, "none"))
                t->correction = PA_CORRECTION_NONE;
        else
                return bad(t, "/correction", "expected \"bh\", \"holm\" or \"none\"", err);
        return 0;
}

static int parse_outcomes(struct pa_thresholds *t, struct pa_err *err)
{
        json_t *v = json_object_get(t->root, "outcomes"), *o;
        size_t i;

        if (!v)
                return 0;
        if (!json_is_array(v) || !json_array_size(v))
                return bad(t, "/outcomes", "expected a non-empty array of outcome scorer names",
                           err);
        json_array_foreach(v, i, o)
        {
                if (!json_is_string(o)) {
                        char ptr[64];

                        snprintf(ptr, sizeof(ptr), "/outcomes/%zu", i);
                        return bad(t, ptr, "expected a string", err);
                }
        }
        t->outcomes = v;
        return 0;
}

static int parse_root(struct pa_thresholds *t, struct pa_err *err)
{
        const json_t *r = t->root, *v = json_object_get(r, "parity_thresholds");
        int rc;

        if (!json_is_object(r))
                return bad(t, "/", "expected an object {\"parity_thresholds\": 1, ...}", err);
        if (!json_is_integer(v) || json_integer_value(v) != PA_THRESHOLDS_VERSION)
                return bad(t, "/parity_thresholds", "expected 1 (the format version)", err);
        v = json_object_get(r, "description");
        if (v && !json_is_string(v))
                return bad(t, "/description", "expected a string", err);
        if ((rc = check_fields(t, r, "", top_fields,
                               "parity_thresholds, description, alpha, correction, min_diff, "
                               "min_impact_ratio, max_drop, outcomes, axes",
                               err)) ||
            (rc = number(t, r, "", "alpha", 0, true, 0.5, &t->alpha, err)) ||
            (rc = parse_correction(t, err)) ||
            (rc = number(t, r, "", "min_diff", 0, false, 1, &t->min_diff, err)) ||
            (rc = number(t, r, "", "min_impact_ratio", 0, true, 1, &t->min_impact_ratio, err)) ||
            (rc = number(t, r, "", "max_drop", 0, false, 1, &t->max_drop, err)) ||
            (rc = parse_outcomes(t, err)))
                return rc;
        return parse_axes(t, json_object_get(r, "axes"), err);
}

int pa_thresholds_parse(struct pa_thresholds *t, const char *name, const char *text, size_t len,
                        struct pa_err *err)
{
        json_error_t je;
        int rc = PA_ENOMEM;

        memset(t, 0, sizeof(*t));
        t->alpha = 0.05;
        t->correction = PA_CORRECTION_BH;
        t->min_impact_ratio = 0.8;
        if (!(t->name = strdup(name)) || !(t->text = malloc(len + 1)))
                goto fail;
        memcpy(t->text, text, len);
        t->text[len] = '\0';
        t->len = len;
        pa__sha256_hex(text, len, t->sha256);
        t->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!t->root) {
                rc = pa_errf(err, PA_EINVAL, "thresholds '%s': %d:%d: %s", name, je.line, je.column,
                             je.text);
                goto fail;
        }
        if ((rc = parse_root(t, err)))
                goto fail;
        t->set = true;
        return 0;
fail:
        pa_thresholds_release(t);
        return rc;
}

int pa_thresholds_load(struct pa_thresholds *t, const char *path, struct pa_err *err)
{
        char *text = NULL;
        size_t len = 0;
        int rc;

        memset(t, 0, sizeof(*t));
        if ((rc = pa__read_file(path, &text, &len, NULL)))
                return pa_errf(err, rc, "thresholds '%s': cannot read the file", path);
        rc = pa_thresholds_parse(t, path, text, len, err);
        free(text);
        return rc;
}

static bool suite_has_axis(const struct pa_suite *s, const char *name)
{
        for (size_t a = 0; a < s->n_axes; a++)
                if (!strcmp(s->axes[a].name, name))
                        return true;
        return false;
}

int pa_thresholds_check_suite(const struct pa_thresholds *t, const struct pa_suite *s,
                              struct pa_err *err)
{
        const json_t *o;
        size_t i;

        for (i = 0; t->set && i < t->n_axes; i++)
                if (!suite_has_axis(s, t->axes[i].axis))
                        return pa_errf(err, PA_EINVAL,
                                       "thresholds '%s': /axes/%s: not an axis of suite '%s'",
                                       t->name, t->axes[i].axis, s->id);
        json_array_foreach(t->set ? t->outcomes : NULL, i, o)
        {
                const char *name = json_string_value(o);
                size_t k = 0;

                while (k < s->scorers.n && strcmp(s->scorers.v[k].name, name))
                        k++;
                if (k == s->scorers.n)
                        return pa_errf(
                            err, PA_EINVAL,
                            "thresholds '%s': /outcomes/%zu: '%s' is not a scorer of suite "
                            "'%s'",
                            t->name, i, name, s->id);
        }
        return 0;
}

void pa_thresholds_axis(const struct pa_thresholds *t, const char *axis, double *min_diff,
                        double *min_impact_ratio)
{
        *min_diff = t->min_diff;
        *min_impact_ratio = t->min_impact_ratio;
        for (size_t i = 0; i < t->n_axes; i++) {
                if (!strcmp(t->axes[i].axis, axis)) {
                        *min_diff = t->axes[i].min_diff;
                        *min_impact_ratio = t->axes[i].min_impact_ratio;
                }
        }
}

json_t *pa_thresholds_resolved(const struct pa_thresholds *t)
{
        static const char *const corr[] = {"bh", "holm", "none"};
        json_t *axes = json_object(), *o;

        for (size_t i = 0; axes && i < t->n_axes; i++)
                json_object_set_new(axes, t->axes[i].axis,
                                    json_pack("{s:f, s:f}", "min_diff", t->axes[i].min_diff,
                                              "min_impact_ratio", t->axes[i].min_impact_ratio));
        o = json_pack("{s:f, s:s, s:f, s:f, s:f, s:O?, s:o?}", "alpha", t->alpha, "correction",
                      corr[t->correction], "min_diff", t->min_diff, "min_impact_ratio",
                      t->min_impact_ratio, "max_drop", t->max_drop, "outcomes", t->outcomes, "axes",
                      axes);
        return o;
}

void pa_thresholds_release(struct pa_thresholds *t)
{
        if (!t)
                return;
        free(t->name);
        free(t->text);
        free(t->axes);
        json_decref(t->root);
        memset(t, 0, sizeof(*t));
}
