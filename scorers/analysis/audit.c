/* audit.json (evidence.h; docs/evidence.md): a Local Law 144 style table
 * of selection rates and impact ratios per category and intersection, the
 * verdicts against the pre-registered thresholds, the provenance block and
 * the compliance checklist. Rates are decimal strings, counts integers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/evidence.h"
#include "analysis_int.h"

#define SMALL_SHARE       PA__SMALL_SHARE
#define PA_MAX_AXES_SUITE 256

struct tally {
        uint64_t records, n, pos;
};

/* Categories of one table: one axis, or two axes crossed (a x b). */
struct table {
        const struct pa_axis *a, *b;
        size_t na, nb;
        struct tally *t; /* [ga * nb + gb] */
};

static json_t *decimal(double x)
{
        char buf[32];

        if (!isfinite(x))
                return json_null();
        pa_decimal(x == 0 ? 0 : x, buf);
        return json_string(buf);
}

static int group_of(const struct pa_axis *ax, const json_t *groups)
{
        const char *g = json_string_value(json_object_get(groups, ax->name));

        for (size_t i = 0; g && i < ax->n_groups; i++)
                if (!strcmp(ax->groups[i].name, g))
                        return (int)i;
        return -1;
}

static void tally_record(struct table *tb, const json_t *groups, const json_t *v)
{
        int ga = group_of(tb->a, groups), gb = tb->b ? group_of(tb->b, groups) : 0;
        struct tally *t;

        if (ga < 0 || gb < 0)
                return;
        t = &tb->t[(size_t)ga * tb->nb + (size_t)gb];
        t->records++;
        if (json_is_boolean(v)) {
                t->n++;
                t->pos += json_is_true(v);
        }
}

static const char *label(const struct table *tb, size_t c, char *buf, size_t n)
{
        if (!tb->b)
                return tb->a->groups[c].name;
        snprintf(buf, n, "%s x %s", tb->a->groups[c / tb->nb].name, tb->b->groups[c % tb->nb].name);
        return buf;
}

/* a's rate above b's: pos_a * n_b > pos_b * n_a, exact in doubles while
 * the products stay below 2^53 (counts of up to 90 million records). */
static bool rate_above(const struct tally *a, const struct tally *b)
{
        return (double)a->pos * (double)b->n > (double)b->pos * (double)a->n;
}

/* The category with the highest selection rate among those of at least 2%
 * of the records (among all when none is that large); NULL when none was
 * scored. */
static const struct tally *highest(const struct table *tb, uint64_t total)
{
        const struct tally *hi = NULL, *any = NULL;

        for (size_t c = 0; c < tb->na * tb->nb; c++) {
                const struct tally *t = &tb->t[c];

                if (!t->n)
                        continue;
                if (!any || rate_above(t, any))
                        any = t;
                if ((double)t->records >= SMALL_SHARE * (double)total && (!hi || rate_above(t, hi)))
                        hi = t;
        }
        return hi ? hi : any;
}

/* rate / highest rate as one division of counts, so 7/12 against 10/12
 * is exactly "0.7"; 1 when the highest rate is 0. */
static json_t *impact_ratio(const struct tally *t, const struct tally *hi)
{
        if (!t->n || !hi)
                return json_null();
        if (!hi->pos)
                return decimal(1);
        return decimal((double)t->pos * (double)hi->n / ((double)t->n * (double)hi->pos));
}

static json_t *category_json(const struct table *tb, size_t c, uint64_t total,
                             const struct tally *hi)
{
        const struct tally *t = &tb->t[c];
        double rate = t->n ? (double)t->pos / (double)t->n : NAN;
        char buf[256];
        json_t *groups = json_pack("{s:s}", tb->a->name, tb->a->groups[c / tb->nb].name);

        if (tb->b && groups)
                json_object_set_new(groups, tb->b->name,
                                    json_string(tb->b->groups[c % tb->nb].name));
        return json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:b}", "category",
                         label(tb, c, buf, sizeof(buf)), "groups", groups, "records",
                         (json_int_t)t->records, "n", (json_int_t)t->n, "selected",
                         (json_int_t)t->pos, "unscored", (json_int_t)(t->records - t->n),
                         "selection_rate", decimal(rate), "impact_ratio", impact_ratio(t, hi),
                         "share", total ? decimal((double)t->records / (double)total) : json_null(),
                         "small", (double)t->records < SMALL_SHARE * (double)total);
}

static json_t *table_json(const char *outcome, const struct table *tb)
{
        uint64_t total = 0;
        const struct tally *hi;
        json_t *cats = json_array(), *axes;

        for (size_t c = 0; c < tb->na * tb->nb; c++)
                total += tb->t[c].records;
        if (!total || !cats) {
                json_decref(cats);
                return NULL;
        }
        hi = highest(tb, total);
        for (size_t c = 0; c < tb->na * tb->nb; c++)
                if (tb->t[c].records)
                        json_array_append_new(cats, category_json(tb, c, total, hi));
        axes =
            tb->b ? json_pack("[s, s]", tb->a->name, tb->b->name) : json_pack("[s]", tb->a->name);
        return json_pack("{s:s, s:s, s:o, s:I, s:o}", "outcome", outcome, "kind",
                         tb->b ? "intersection" : "category", "axes", axes, "records",
                         (json_int_t)total, "categories", cats);
}

static int table_init(struct table *t, const struct pa_axis *a, const struct pa_axis *b)
{
        t->a = a;
        t->b = b;
        t->na = a->n_groups;
        t->nb = b ? b->n_groups : 1;
        t->t = calloc(t->na * t->nb, sizeof(*t->t));
        return t->t ? 0 : PA_ENOMEM;
}

/* Per outcome scorer in use: each axis, then each pair of axes. */
struct pa_audit_tables {
        const struct pa_suite *s;
        size_t per;       /* tables per outcome */
        int *slot;        /* scorer index -> outcome slot, or -1 */
        struct table *tb; /* [slot * per + k] */
        size_t n_slots;
};

int pa_audit_tables_new(const struct pa_suite *s, struct pa_audit_tables **out)
{
        size_t na = s->n_axes;
        struct pa_audit_tables *t = calloc(1, sizeof(*t));
        int rc = PA_ENOMEM;

        *out = NULL;
        if (!t || !(t->slot = calloc(s->scorers.n + 1, sizeof(*t->slot))))
                goto fail;
        t->s = s;
        t->per = na + na * (na ? na - 1 : 0) / 2;
        for (size_t k = 0; k < s->scorers.n; k++)
                t->slot[k] = -1;
        /* Kinds are in the order they first appear among the items. */
        for (size_t i = 0; i < s->n_kinds; i++) {
                int o = s->kinds[i].outcome_scorer;

                if (o >= 0 && t->slot[o] < 0)
                        t->slot[o] = (int)t->n_slots++;
        }
        if (!(t->tb = calloc(t->n_slots * t->per + 1, sizeof(*t->tb))))
                goto fail;
        rc = 0;
        for (size_t o = 0, k = 0; rc == 0 && o < t->n_slots; o++) {
                for (size_t a = 0; rc == 0 && a < na; a++)
                        rc = table_init(&t->tb[k++], &s->axes[a], NULL);
                for (size_t a = 0; rc == 0 && a < na; a++)
                        for (size_t b = a + 1; rc == 0 && b < na; b++)
                                rc = table_init(&t->tb[k++], &s->axes[a], &s->axes[b]);
        }
        if (rc == 0) {
                *out = t;
                return 0;
        }
fail:
        pa_audit_tables_free(t);
        return rc;
}

void pa_audit_tables_add(struct pa_audit_tables *t, const json_t *rec)
{
        const char *o = json_string_value(json_object_get(rec, "outcome"));
        const struct pa_scorer_set *sc = &t->s->scorers;
        size_t k = 0;

        while (o && k < sc->n && strcmp(sc->v[k].name, o))
                k++;
        if (!o || k == sc->n || t->slot[k] < 0)
                return;
        for (size_t i = 0; i < t->per; i++)
                tally_record(&t->tb[(size_t)t->slot[k] * t->per + i],
                             json_object_get(rec, "groups"),
                             json_object_get(json_object_get(rec, "scores"), o));
}

void pa_audit_tables_add_table(struct pa_audit_tables *t, const struct pa_table *tb)
{
        const struct pa_suite *s = t->s;
        int g[PA_MAX_AXES_SUITE];

        for (size_t r = 0; r < tb->n; r++) {
                const struct pa_item_kind *it = pa_suite_kind(s, tb->item[r]);
                int k = it->outcome_scorer;
                signed char v = k >= 0 ? tb->v[r * tb->nsc + (size_t)k] : PA_NA;

                if (k < 0 || t->slot[k] < 0 || s->n_axes > PA_MAX_AXES_SUITE)
                        continue;
                for (size_t a = 0; a < s->n_axes; a++)
                        g[a] = -1;
                for (size_t j = 0; j < it->n_axes; j++)
                        g[it->axes[j]] = (int)pa_table_group(s, tb, r, j);
                for (size_t i = 0; i < t->per; i++) {
                        struct table *x = &t->tb[(size_t)t->slot[k] * t->per + i];
                        int ga = g[x->a - s->axes], gb = x->b ? g[x->b - s->axes] : 0;
                        struct tally *c;

                        if (ga < 0 || gb < 0)
                                continue;
                        c = &x->t[(size_t)ga * x->nb + (size_t)gb];
                        c->records++;
                        c->n += v != PA_NA;
                        c->pos += v == PA_TRUE;
                }
        }
}

void pa_audit_tables_free(struct pa_audit_tables *t)
{
        if (!t)
                return;
        for (size_t i = 0; t->tb && i < t->n_slots * t->per; i++)
                free(t->tb[i].t);
        free(t->tb);
        free(t->slot);
        free(t);
}

/* Every outcome scorer some item uses, in the suite's scorer order. */
static int ll144_json(const struct pa_audit_tables *t, json_t **out)
{
        json_t *tables = json_array();
        int rc = tables ? 0 : PA_ENOMEM;

        for (size_t k = 0; rc == 0 && k < t->s->scorers.n; k++) {
                if (t->slot[k] < 0)
                        continue;
                for (size_t i = 0; rc == 0 && i < t->per; i++) {
                        json_t *j = table_json(t->s->scorers.v[k].name,
                                               &t->tb[(size_t)t->slot[k] * t->per + i]);

                        if (j && json_array_append_new(tables, j))
                                rc = PA_ENOMEM;
                }
        }
        *out = rc ? NULL
                  : json_pack("{s:o, s:o}", "small_share", decimal(SMALL_SHARE), "tables", tables);
        if (rc)
                json_decref(tables);
        return rc ? rc : *out ? 0 : PA_ENOMEM;
}

/* ---- verdicts against the thresholds ---- */

static struct tally group_tally(const json_t *g)
{
        struct tally t = {0, 0, 0};
        const json_t *n = json_object_get(g, "n"), *pos = json_object_get(g, "positive");

        if (json_is_integer(n) && json_is_integer(pos) && json_integer_value(n) > 0 &&
            json_integer_value(pos) >= 0 && json_integer_value(pos) <= json_integer_value(n)) {
                t.n = (uint64_t)json_integer_value(n);
                t.pos = (uint64_t)json_integer_value(pos);
        }
        return t;
}

/* The highest rate of a summary entry's groups among those with at least
 * 2% of its records (among all when none is), as highest() and the
 * summary's impact_ratio: 29 CFR 1607.4(D) with LL144's small-category rule. */
static struct tally summary_highest(const json_t *groups)
{
        struct tally hi = {0, 0, 0}, any = {0, 0, 0}, k;
        double total = 0;
        const json_t *g;
        size_t j;

        json_array_foreach(groups, j, g) total +=
            (double)json_integer_value(json_object_get(g, "n")) +
            (double)json_integer_value(json_object_get(g, "unscored"));
        json_array_foreach(groups, j, g)
        {
                double recs = (double)json_integer_value(json_object_get(g, "n")) +
                              (double)json_integer_value(json_object_get(g, "unscored"));

                if (!(k = group_tally(g)).n)
                        continue;
                if (!any.n || rate_above(&k, &any))
                        any = k;
                if (recs >= SMALL_SHARE * total && (!hi.n || rate_above(&k, &hi)))
                        hi = k;
        }
        return hi.n ? hi : any;
}

static json_t *group_verdict(const char *outcome, const char *axis, const char *ref,
                             const json_t *g, const struct tally *hi, const struct pa_thresholds *t)
{
        const char *name = json_string_value(json_object_get(g, "group"));
        const json_t *diff = json_object_get(g, "diff");
        struct tally k = group_tally(g);
        json_t *ratio = impact_ratio(&k, hi);
        double md, mr, r = 0;
        bool is_ref = ref && name && !strcmp(ref, name), big = false, low = false;

        pa_thresholds_axis(t, axis, &md, &mr);
        if (!is_ref && json_is_number(diff))
                big = fabs(json_number_value(diff)) >= md;
        if (pa_json_number(ratio, &r))
                low = r < mr;
        return json_pack("{s:s, s:s, s:s?, s:b, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b}",
                         "outcome", outcome, "axis", axis, "group", name, "reference", is_ref, "n",
                         (json_int_t)k.n, "positive", (json_int_t)k.pos, "rate",
                         k.n ? decimal((double)k.pos / (double)k.n) : json_null(), "diff",
                         json_is_number(diff) ? decimal(json_number_value(diff)) : json_null(),
                         "impact_ratio", ratio, "min_diff", decimal(md), "min_impact_ratio",
                         decimal(mr), "diff_exceeds", big, "ratio_below", low, "flagged",
                         big || low);
}

static bool registered(const struct pa_thresholds *t, const char *outcome)
{
        const json_t *o;
        size_t i;

        if (!t->outcomes)
                return true;
        json_array_foreach(t->outcomes, i,
                           o) if (outcome && !strcmp(json_string_value(o), outcome)) return true;
        return false;
}

int pa_audit_verdicts(const json_t *summary, const struct pa_thresholds *t, json_t **out,
                      struct pa_err *err)
{
        const json_t *o, *g;
        json_t *groups;
        size_t i, j, flagged = 0;

        (void)err;
        if (!t || !t->set)
                return (*out = json_null()) ? 0 : PA_ENOMEM;
        if (!(groups = json_array()))
                return PA_ENOMEM;
        json_array_foreach(json_object_get(summary, "outcomes"), i, o)
        {
                const char *outcome = json_string_value(json_object_get(o, "outcome"));
                const char *axis = json_string_value(json_object_get(o, "axis"));
                const char *ref = json_string_value(json_object_get(o, "reference"));
                struct tally hi;

                if (!axis || !registered(t, outcome))
                        continue;
                hi = summary_highest(json_object_get(o, "groups"));
                json_array_foreach(json_object_get(o, "groups"), j, g)
                {
                        json_t *v = group_verdict(outcome ? outcome : "", axis, ref, g,
                                                  hi.n ? &hi : NULL, t);

                        flagged += json_is_true(json_object_get(v, "flagged"));
                        json_array_append_new(groups, v);
                }
        }
        *out = json_pack("{s:s, s:s, s:I, s:o}", "thresholds_sha256", t->sha256, "rule",
                         "flagged when |diff to the reference| >= min_diff or impact ratio (rate / "
                         "highest rate of the axis) < min_impact_ratio; practical thresholds only, "
                         "no significance test yet",
                         "flagged", (json_int_t)flagged, "groups", groups);
        return *out ? 0 : PA_ENOMEM;
}

/* ---- provenance, data source and checklist ---- */

static json_t *pick(const json_t *o, const char *const *keys, size_t n)
{
        json_t *out = json_object();

        for (size_t i = 0; out && i < n; i++) {
                json_t *v = json_object_get(o, keys[i]);

                json_object_set_new(out, keys[i], v ? pa_canonical_copy(v) : json_null());
        }
        return out;
}

static json_t *provenance_json(const json_t *m, const struct pa_audit_facts *f)
{
        static const char *const top[] = {"run_id",     "tool",     "operator", "purpose",
                                          "started_at", "ended_at", "host"};
        static const char *const suite[] = {"id", "version", "sha256", "items_sha256"};
        static const char *const engine[] = {"name", "base_url", "model", "model_reported"};
        const json_t *th = json_object_get(m, "thresholds");
        json_t *p = pick(m, top, sizeof(top) / sizeof(*top));

        if (!p)
                return NULL;
        json_object_set_new(p, "suite", pick(json_object_get(m, "suite"), suite, 4));
        json_object_set_new(p, "engine", pick(json_object_get(m, "engine"), engine, 4));
        json_object_set_new(
            p, "chain_head",
            json_copy(json_object_get(json_object_get(m, "results"), "chain_head")));
        json_object_set_new(p, "thresholds_sha256", json_copy(json_object_get(th, "sha256")));
        json_object_set_new(p, "signer", f->signer ? json_string(f->signer) : json_null());
        return p;
}

static json_t *data_source_json(const struct pa_suite *s, const json_t *m)
{
        char note[512];
        const json_t *op = json_object_get(m, "data_source");

        snprintf(note, sizeof(note),
                 "prompts are synthetic test data: counterfactual variants of the %zu items of "
                 "suite '%s' %s, differing only in the demographic group; no real applicants' or "
                 "users' data",
                 s->n_items, s->id, s->version);
        return json_pack("{s:b, s:s, s:O?}", "synthetic", 1, "note", note, "operator_note",
                         json_is_string(op) ? op : NULL);
}

struct item {
        const char *id, *framework, *requirement;
};

static const struct item items[] = {
    {"eu-ai-act-art-9-8", "EU AI Act Art. 9(8)",
     "testing against metrics and probabilistic thresholds defined before testing"},
    {"eu-ai-act-art-10-2-f", "EU AI Act Art. 10(2)(f)", "examination in view of possible biases"},
    {"eu-ai-act-art-10-2-g", "EU AI Act Art. 10(2)(g)",
     "measures to detect possible biases (prevention and mitigation are outside a test run)"},
    {"eu-ai-act-art-12", "EU AI Act Art. 12", "automatic recording of events (logs)"},
    {"eu-ai-act-art-15", "EU AI Act Art. 15", "accuracy and robustness levels measured"},
    {"eu-ai-act-annex-iv-2-g", "EU AI Act Annex IV 2(g)",
     "test logs and reports dated and signed by the responsible persons"},
    {"nist-ai-rmf-measure-2-11", "NIST AI RMF MEASURE 2.11",
     "fairness and bias evaluated and results documented"},
    {"nyc-ll144", "NYC Local Law 144",
     "selection rates and impact ratios per category and intersection"},
};

/* Adds what is missing for one item: each check that fails names a file
 * or field. */
static json_t *check_item(const struct item *it, const json_t *m, const json_t *summary,
                          const json_t *ll144, const struct pa_audit_facts *f)
{
        const json_t *op = json_object_get(m, "operator");
        size_t tables = json_array_size(json_object_get(ll144, "tables"));
        json_t *ev = json_array(), *miss = json_array();
#define NEED(cond, evidence, missing)                                                              \
        json_array_append_new((cond) ? ev : miss, json_string((cond) ? (evidence) : (missing)))

        if (!strcmp(it->id, "eu-ai-act-art-9-8")) {
                NEED(f->thresholds, "thresholds.json", "thresholds.json (parity run --thresholds)");
                NEED(f->thresholds, "manifest.json#/thresholds/sha256", "manifest.thresholds");
        } else if (!strcmp(it->id, "eu-ai-act-art-10-2-f") ||
                   !strcmp(it->id, "nist-ai-rmf-measure-2-11")) {
                NEED(json_array_size(json_object_get(summary, "outcomes")),
                     "summary.json#/outcomes", "group comparisons in summary.json");
                NEED(tables, "audit.json#/ll144", "selection-rate tables");
        } else if (!strcmp(it->id, "eu-ai-act-art-10-2-g")) {
                NEED(f->thresholds, "audit.json#/verdicts", "verdicts (needs --thresholds)");
        } else if (!strcmp(it->id, "eu-ai-act-art-12")) {
                NEED(f->chain_ok, "results.jsonl (hash chain)", "an intact results.jsonl chain");
                NEED(f->sealed, "manifest.json#/files", "a sealed manifest");
        } else if (!strcmp(it->id, "eu-ai-act-art-15")) {
                NEED(json_array_size(json_object_get(summary, "domains")), "summary.json#/domains",
                     "per-domain rates in summary.json");
                NEED(json_object_get(m, "counts"), "manifest.json#/counts", "manifest.counts");
        } else if (!strcmp(it->id, "eu-ai-act-annex-iv-2-g")) {
                NEED(json_is_string(json_object_get(m, "ended_at")), "manifest.json#/ended_at",
                     "manifest.ended_at");
                NEED(json_is_string(json_object_get(op, "person")),
                     "manifest.json#/operator/person",
                     "manifest.operator.person (parity run --operator)");
                NEED(f->signature, "manifest.json.sig", "manifest.json.sig (parity sign)");
        } else {
                NEED(tables, "audit.json#/ll144", "selection-rate tables");
        }
#undef NEED
        return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", it->id, "framework", it->framework,
                         "requirement", it->requirement, "status",
                         json_array_size(miss) ? "missing" : "present", "evidence", ev, "missing",
                         miss);
}

int pa_audit_build(const struct pa_suite *s, const struct pa_audit_tables *tables,
                   const json_t *manifest, const json_t *summary, const struct pa_thresholds *t,
                   const struct pa_audit_facts *facts, json_t **out, struct pa_err *err)
{
        json_t *ll144 = NULL, *verdicts = NULL, *check = json_array();
        int rc = check ? 0 : PA_ENOMEM;

        *out = NULL;
        if (rc == 0)
                rc = ll144_json(tables, &ll144);
        if (rc == 0)
                rc = pa_audit_verdicts(summary, t, &verdicts, err);
        for (size_t i = 0; rc == 0 && i < sizeof(items) / sizeof(*items); i++)
                if (json_array_append_new(check,
                                          check_item(&items[i], manifest, summary, ll144, facts)))
                        rc = PA_ENOMEM;
        if (rc == 0)
                *out = json_pack("{s:i, s:O?, s:o, s:o, s:o, s:o, s:o}", "parity_audit",
                                 PA_AUDIT_VERSION, "run_id", json_object_get(manifest, "run_id"),
                                 "data_source", data_source_json(s, manifest), "ll144", ll144,
                                 "verdicts", verdicts, "provenance",
                                 provenance_json(manifest, facts), "checklist", check);
        else {
                json_decref(ll144);
                json_decref(verdicts);
                json_decref(check);
        }
        if (rc == 0 && !*out)
                rc = PA_ENOMEM;
        return rc ? pa_errf(err, rc, "audit: %s", pa_strerror(rc)) : 0;
}
