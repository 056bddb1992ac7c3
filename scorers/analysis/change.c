/* diff.json's "disparities" (diffstat.h, docs/reports.md "Disparity
 * changes"): every group of the two summaries' entries side by side, and
 * the change of its difference to the reference tested on the records.
 *
 * Per item (the unit; its cases, variants and samples together) and run:
 * the group's outcome rate minus the reference's. The change of an item is
 * the candidate's difference minus the base's, over the items where both
 * runs have both groups; its mean over those items is the estimand, tested
 * with the sign-flip test over items and given with the interval that
 * inverts it. pa__diff_decide then corrects and labels it. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "diffjoin.h"
#include "change_tally.h"
#include "diffstat.h"

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

/* The change of group g on the items both runs have, tested into o. */
static int test_group(const struct tally *t, const char *name, json_t *o,
                      const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *ref = json_object_get(t->groups, str(t->entry, "reference"));
        const char *names[] = {str(t->entry, "outcome"), str(t->entry, "axis"), name, NULL};
        size_t g = (size_t)json_integer_value(json_object_get(t->groups, name)), n = 0;
        double *x = malloc((t->n ? t->n : 1) * sizeof(*x)), sb = 0, sc = 0, db, dc;
        int rc = x ? 0 : PA_ENOMEM;

        for (size_t i = 0; rc == 0 && ref && i < t->n; i++) {
                size_t r = (size_t)json_integer_value(ref);

                if (!pa__tally_item_diff(t, i, g, r, 0, &db) ||
                    !pa__tally_item_diff(t, i, g, r, 1, &dc))
                        continue;
                x[n++] = dc - db;
                sb += db;
                sc += dc;
        }
        if (rc == 0)
                rc = pa__item_test(f, o, "diff_change", x, n, pa__seed_of(c->seed, names));
        if (rc == 0 && n &&
            json_object_set_new(
                o, "item_diff",
                json_pack("{s:f, s:f}", "base", sb / (double)n, "candidate", sc / (double)n)))
                rc = PA_ENOMEM;
        free(x);
        return rc;
}

/* ---- the entries ---- */

static const char *const block_keys[] = {"n",       "positive",   "rate", "ci",  "diff",
                                         "diff_ci", "p_adjusted", "flag", "mde", "impact_ratio"};

/* One group's figures in one run's summary. */
static json_t *block(const json_t *g)
{
        json_t *o = json_object(), *v;

        for (size_t i = 0; o && i < sizeof(block_keys) / sizeof(*block_keys); i++)
                if ((v = json_object_get(g, block_keys[i])) &&
                    json_object_set(o, block_keys[i], v)) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

static const json_t *find_group(const json_t *entry, const char *name)
{
        const json_t *g;
        size_t i;

        json_array_foreach(json_object_get(entry, "groups"), i, g)
        {
                if (!strcmp(str(g, "group"), name))
                        return g;
        }
        return NULL;
}

/* A group of the entry; "change" is set to "unmatched" or "pending" here
 * and decided by pa__diff_decide. */
static int add_group(json_t *groups, const struct tally *t, const json_t *eb, const json_t *ec,
                     const char *name, const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *gb = find_group(eb, name), *gc = find_group(ec, name);
        bool is_ref = !strcmp(str(t->entry, "reference"), name);
        json_t *g =
            json_pack("{s:s, s:b, s:o, s:o}", "group", name, "reference", is_ref, "base",
                      gb ? block(gb) : json_null(), "candidate", gc ? block(gc) : json_null());
        int rc = g ? 0 : PA_ENOMEM;

        if (rc == 0 && !is_ref) {
                rc = json_object_set_new(g, "change",
                                         json_string(gb && gc ? "pending" : "unmatched"))
                         ? PA_ENOMEM
                         : 0;
                if (rc == 0 && gb && gc)
                        rc = test_group(t, name, g, c, f);
        }
        if (rc == 0 && json_array_append_new(groups, g))
                return PA_ENOMEM;
        if (rc)
                json_decref(g);
        return rc;
}

/* Where the tallies come from: both runs' records, or a join's rows. */
struct src {
        const json_t *base, *cand;
        const struct pa__diff_join *j;
};

static int add_entry(json_t *entries, const struct src *from, const json_t *eb, const json_t *ec,
                     const struct pa_analysis_conf *c, struct pa__family *f)
{
        const json_t *src = eb ? eb : ec, *g;
        json_t *groups = json_array(), *e;
        struct tally t;
        size_t i;
        int rc = pa__tally_init(&t, eb, ec);

        e = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o}", "outcome",
                      json_object_get(src, "outcome"), "axis", json_object_get(src, "axis"), "axes",
                      json_object_get(src, "axes"), "reference", json_object_get(src, "reference"),
                      "base_flip_rate", json_object_get(eb, "flip_rate"), "candidate_flip_rate",
                      json_object_get(ec, "flip_rate"), "base_sets", json_object_get(eb, "sets"),
                      "candidate_sets", json_object_get(ec, "sets"), "groups", groups);
        if (!e || json_array_append_new(entries, e))
                rc = PA_ENOMEM;
        if (rc == 0 && eb && ec && from->j)
                rc = pa__tally_join(&t, from->j);
        if (rc == 0 && eb && ec && !from->j)
                rc = pa__tally_run(&t, from->base, 0);
        if (rc == 0 && eb && ec && !from->j)
                rc = pa__tally_run(&t, from->cand, 1);
        json_array_foreach(json_object_get(eb, "groups"), i, g)
        {
                if (rc == 0)
                        rc = add_group(groups, &t, eb, ec, str(g, "group"), c, f);
        }
        json_array_foreach(json_object_get(ec, "groups"), i, g)
        {
                if (rc == 0 && !find_group(eb, str(g, "group")))
                        rc = add_group(groups, &t, eb, ec, str(g, "group"), c, f);
        }
        pa__tally_release(&t);
        return rc;
}

static const json_t *find_entry(const json_t *summary, const json_t *like)
{
        const json_t *e;
        size_t i;

        json_array_foreach(json_object_get(summary, "outcomes"), i, e)
        {
                if (!strcmp(str(e, "outcome"), str(like, "outcome")) &&
                    !strcmp(str(e, "axis"), str(like, "axis")))
                        return e;
        }
        return NULL;
}

size_t pa__changes_count(const json_t *base_summary, const json_t *cand_summary)
{
        const json_t *e, *g;
        size_t i, j, n = 0;

        json_array_foreach(json_object_get(base_summary, "outcomes"), i, e)
        {
                const json_t *ec = find_entry(cand_summary, e);

                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        n += ec && find_group(ec, str(g, "group")) &&
                             strcmp(str(e, "reference"), str(g, "group"));
                }
        }
        return n;
}

static int changes_build(const struct src *src, const json_t *base_summary,
                         const json_t *cand_summary, const struct pa_analysis_conf *c,
                         struct pa__family *f, json_t **out)
{
        json_t *entries = json_array(), *d;
        const json_t *e;
        size_t i;
        int rc = 0;

        d = json_pack("{s:f, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
                      "min_diff", c->min_diff, "unit", "item", "counts", "compared", 0, "new", 0,
                      "resolved", 0, "worse", 0, "better", 0, "unchanged", 0, "untestable", 0,
                      "unmatched", 0, "still_flagged", 0, "entries", entries);
        if (!d)
                return PA_ENOMEM;
        json_array_foreach(json_object_get(base_summary, "outcomes"), i, e)
        {
                if (rc == 0)
                        rc = add_entry(entries, src, e, find_entry(cand_summary, e), c, f);
        }
        json_array_foreach(json_object_get(cand_summary, "outcomes"), i, e)
        {
                if (rc == 0 && !find_entry(base_summary, e))
                        rc = add_entry(entries, src, NULL, e, c, f);
        }
        if (rc) {
                json_decref(d);
                return rc;
        }
        *out = d;
        return 0;
}

int pa__changes_build(const json_t *base_records, const json_t *cand_records,
                      const json_t *base_summary, const json_t *cand_summary,
                      const struct pa_analysis_conf *c, struct pa__family *f, json_t **out)
{
        const struct src src = {.base = base_records, .cand = cand_records};

        return changes_build(&src, base_summary, cand_summary, c, f, out);
}

int pa__changes_build_join(const struct pa__diff_join *j, const json_t *base_summary,
                           const json_t *cand_summary, const struct pa_analysis_conf *c,
                           struct pa__family *f, json_t **out)
{
        const struct src src = {.j = j};

        return changes_build(&src, base_summary, cand_summary, c, f, out);
}
