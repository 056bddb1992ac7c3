/* The group summary (report.h): counts per outcome x axis x group and per
 * outcome x domain, then rates and intervals from scorers/stats. */
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "summary.h"

struct tally {
        unsigned long long n, pos, unscored;
};

/* Counts for one outcome scorer over every axis of the suite. */
struct outcome_counts {
        int scorer;
        struct tally **by_group; /* [axis][group] */
        json_t *domains;         /* domain -> [n, pos, unscored] */
};

static void count(struct tally *t, signed char v)
{
        if (v == PA_NA) {
                t->unscored++;
                return;
        }
        t->n++;
        t->pos += v == PA_TRUE;
}

static void count_domain(json_t *domains, const char *domain, signed char v)
{
        json_t *d = json_object_get(domains, domain);

        if (!d) {
                d = json_pack("[i,i,i]", 0, 0, 0);
                json_object_set_new(domains, domain, d);
        }
        for (int i = 0; i < 3; i++) {
                bool hit = i == 0 ? v != PA_NA : i == 1 ? v == PA_TRUE : v == PA_NA;
                json_t *c = json_array_get(d, (size_t)i);

                json_integer_set(c, json_integer_value(c) + hit);
        }
}

static void tally_record(const struct pa_suite *s, struct outcome_counts *oc,
                         const struct pa_table *t, size_t r)
{
        const struct pa_item_kind *it = pa_suite_kind(s, t->item[r]);
        signed char v = t->v[r * t->nsc + (size_t)oc->scorer];

        count_domain(oc->domains, it->domain, v);
        for (size_t k = 0; k < it->n_axes; k++)
                count(&oc->by_group[it->axes[k]][pa_table_group(s, t, r, k)], v);
}

static json_t *interval(double lo, double hi)
{
        return json_pack("[f,f]", lo, hi);
}

json_t *pa__group_json(const char *name, uint64_t pos, uint64_t n, uint64_t unscored,
                       uint64_t ref_pos, uint64_t ref_n, double alpha)
{
        double lo, hi, dlo = 0, dhi = 0;
        double rate = n ? (double)pos / (double)n : 0;
        double rref = ref_n ? (double)ref_pos / (double)ref_n : 0;
        json_t *o;

        pa_wilson(pos, n, alpha, &lo, &hi);
        o = json_pack("{s:s, s:I, s:I, s:I}", "group", name, "n", (json_int_t)n, "positive",
                      (json_int_t)pos, "unscored", (json_int_t)unscored);
        if (!o)
                return NULL;
        json_object_set_new(o, "rate", n ? json_real(rate) : json_null());
        json_object_set_new(o, "ci", interval(lo, hi));
        if (n && ref_n) {
                pa_newcombe_diff(pos, n, ref_pos, ref_n, alpha, &dlo, &dhi);
                json_object_set_new(o, "diff", json_real(rate - rref));
                json_object_set_new(o, "diff_ci", interval(dlo, dhi));
        } else {
                json_object_set_new(o, "diff", json_null());
                json_object_set_new(o, "diff_ci", json_null());
        }
        return o;
}

static json_t *group_json(const struct pa_axis *ax, size_t g, const struct tally *t, double alpha)
{
        return pa__group_json(ax->groups[g].name, t[g].pos, t[g].n, t[g].unscored, t[ax->ref].pos,
                              t[ax->ref].n, alpha);
}

static int emit_axes(const struct pa_suite *s, const struct outcome_counts *oc, double alpha,
                     json_t *out)
{
        for (size_t a = 0; a < s->n_axes; a++) {
                const struct pa_axis *ax = &s->axes[a];
                unsigned long long seen = 0;
                json_t *groups, *entry;

                for (size_t g = 0; g < ax->n_groups; g++)
                        seen += oc->by_group[a][g].n + oc->by_group[a][g].unscored;
                if (!seen)
                        continue;
                groups = json_array();
                for (size_t g = 0; groups && g < ax->n_groups; g++)
                        json_array_append_new(groups, group_json(ax, g, oc->by_group[a], alpha));
                entry = json_pack("{s:s, s:s, s:s, s:o}", "outcome", s->scorers.v[oc->scorer].name,
                                  "axis", ax->name, "reference", ax->groups[ax->ref].name, "groups",
                                  groups);
                if (!entry || json_array_append_new(out, entry))
                        return PA_ENOMEM;
        }
        return 0;
}

static int emit_domains(const struct pa_suite *s, const struct outcome_counts *oc, double alpha,
                        json_t *out)
{
        const char *d;
        json_t *c;

        json_object_foreach(oc->domains, d, c)
        {
                json_int_t n = json_integer_value(json_array_get(c, 0));
                json_int_t pos = json_integer_value(json_array_get(c, 1));
                double lo, hi;

                pa_wilson((uint64_t)pos, (uint64_t)n, alpha, &lo, &hi);
                if (json_array_append_new(
                        out,
                        json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "outcome",
                                  s->scorers.v[oc->scorer].name, "domain", d, "n", n, "positive",
                                  pos, "unscored", json_integer_value(json_array_get(c, 2)), "rate",
                                  n ? json_real((double)pos / (double)n) : json_null(), "ci",
                                  interval(lo, hi))))
                        return PA_ENOMEM;
        }
        return 0;
}

static void counts_release(const struct pa_suite *s, struct outcome_counts *oc)
{
        for (size_t a = 0; oc->by_group && a < s->n_axes; a++)
                free(oc->by_group[a]);
        free(oc->by_group);
        json_decref(oc->domains);
}

static int counts_init(const struct pa_suite *s, struct outcome_counts *oc, int scorer)
{
        oc->scorer = scorer;
        oc->domains = json_object();
        oc->by_group = calloc(s->n_axes + 1, sizeof(*oc->by_group));
        if (!oc->domains || !oc->by_group)
                return PA_ENOMEM;
        for (size_t a = 0; a < s->n_axes; a++)
                if (!(oc->by_group[a] = calloc(s->axes[a].n_groups, sizeof(struct tally))))
                        return PA_ENOMEM;
        return 0;
}

/* Summarises one outcome scorer: only records of items whose outcome it is. */
static int summarise_outcome(const struct pa_suite *s, const struct pa_table *t, int scorer,
                             double alpha, json_t *axes, json_t *domains)
{
        struct outcome_counts oc = {0};
        int rc = counts_init(s, &oc, scorer);

        for (size_t r = 0; rc == 0 && r < t->n; r++)
                if (pa_suite_kind(s, t->item[r])->outcome_scorer == scorer)
                        tally_record(s, &oc, t, r);
        if (rc == 0)
                rc = emit_axes(s, &oc, alpha, axes);
        if (rc == 0)
                rc = emit_domains(s, &oc, alpha, domains);
        counts_release(s, &oc);
        return rc;
}

/* {"name": figures} for each metric the suite lists. */
static int compute_metrics(const struct pa_suite *s, const json_t *records, double alpha,
                           json_t **out, struct pa_err *err)
{
        const json_t *names = json_object_get(s->root, "metrics"), *name;
        size_t i;
        int rc = 0;

        if (!(*out = json_object()))
                return PA_ENOMEM;
        json_array_foreach(names, i, name)
        {
                const struct pa_metric_ops *m = pa_metric_find(json_string_value(name));
                json_t *v = NULL;

                if (!m)
                        return pa_errf(err, PA_EINVAL, "suite '%s': /metrics/%zu: unknown metric",
                                       s->id, i);
                if ((rc = m->compute(s, records, alpha, &v, err)) ||
                    (rc = json_object_set_new(*out, m->name, v) ? PA_ENOMEM : 0))
                        return rc;
        }
        return 0;
}

int pa_summary_build(const struct pa_suite *s, const json_t *records, const char *run_id,
                     double alpha, json_t **out, struct pa_err *err)
{
        struct pa_table t;
        int rc = pa_table_from_records(&t, s, records, err);

        if (rc == 0)
                rc = pa__summary_build(s, &t, records, run_id, alpha, out, err);
        pa_table_release(&t);
        return rc;
}

int pa_summary_build_table(const struct pa_suite *s, const struct pa_table *t, const char *run_id,
                           double alpha, json_t **out, struct pa_err *err)
{
        return pa__summary_build(s, t, NULL, run_id, alpha, out, err);
}

int pa__summary_build(const struct pa_suite *s, const struct pa_table *t, const json_t *records,
                      const char *run_id, double alpha, json_t **out, struct pa_err *err)
{
        json_t *axes = json_array(), *domains = json_array(), *metrics = NULL;
        uint64_t used = 0;
        int rc = (axes && domains) ? 0 : PA_ENOMEM;

        for (size_t i = 0; i < s->n_kinds; i++)
                if (s->kinds[i].outcome_scorer >= 0)
                        used |= 1ull << s->kinds[i].outcome_scorer;
        for (size_t k = 0; rc == 0 && k < s->scorers.n; k++)
                if (used >> k & 1)
                        rc = summarise_outcome(s, t, (int)k, alpha, axes, domains);
        if (rc == 0)
                rc = compute_metrics(s, records, alpha, &metrics, err);
        if (rc == 0)
                *out = json_pack("{s:i, s:s, s:s, s:s, s:f, s:I, s:o, s:o, s:o}", "parity_summary",
                                 PA_SUMMARY_VERSION, "run_id", run_id ? run_id : "", "suite", s->id,
                                 "suite_version", s->version, "alpha", alpha, "records",
                                 (json_int_t)t->n, "outcomes", axes, "domains", domains, "metrics",
                                 metrics);
        else {
                json_decref(axes);
                json_decref(domains);
                json_decref(metrics);
                return rc == PA_EINVAL ? rc : pa_errf(err, rc, "summary: out of memory");
        }
        if (rc == 0 && !*out)
                rc = PA_ENOMEM;
        return rc ? pa_errf(err, rc, "summary: out of memory") : 0;
}

/* Keeps only the listed members of each object of array a. */
static json_t *project(const json_t *a, const char *const *keys)
{
        json_t *out = json_array(), *o;
        const json_t *x;
        size_t i;

        json_array_foreach(a, i, x)
        {
                if (!out || !(o = json_object()) || json_array_append_new(out, o)) {
                        json_decref(out);
                        return NULL;
                }
                for (const char *const *k = keys; *k; k++)
                        if (json_object_get(x, *k))
                                json_object_set(o, *k, json_object_get(x, *k));
                if (json_object_get(x, "groups"))
                        json_object_set_new(o, "groups",
                                            project(json_object_get(x, "groups"),
                                                    (const char *const[]){"group", "n", "positive",
                                                                          "unscored", NULL}));
        }
        return out;
}

json_t *pa_summary_counts(const json_t *summary)
{
        static const char *const entry[] = {"outcome", "axis", "reference", NULL};
        static const char *const domain[] = {"outcome",  "domain",   "n",
                                             "positive", "unscored", NULL};
        json_t *o = json_object();
        const json_t *outcomes = json_object_get(summary, "outcomes");
        json_t *plain = json_array(), *x;
        size_t i;

        /* Single axes only: version 1 wrote intersections from the same
         * counts, but their entries are compared by their groups anyway. */
        json_array_foreach(outcomes, i, x) if (plain && !json_object_get(x, "axes"))
            json_array_append(plain, x);
        if (o && plain) {
                json_object_set(o, "records", json_object_get(summary, "records"));
                json_object_set_new(o, "outcomes", project(plain, entry));
                json_object_set_new(o, "domains",
                                    project(json_object_get(summary, "domains"), domain));
        }
        json_decref(plain);
        return o;
}
