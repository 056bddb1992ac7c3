/* The diff of two runs (diff.h; docs/reports.md "diff.json"): the runs,
 * whether they can be compared, the regression statistics and disparity
 * changes decided in scorers/analysis/ (diffstat.h), the flipped cases of
 * reports/diff_cases.c, the gates and the verdict paragraph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/stats.h"
#include "diff.h"
#include "diff_int.h"
#include "evaluator/util/util.h"
#include "scorers/analysis/diffjoin.h"
#include "scorers/analysis/diffstat.h"
#include "verdict.h"

/* The records that count of run r (0 base, 1 candidate). */
static size_t records_of(const struct pa_diff_run *r, int side)
{
        if (r->join)
                return side ? r->join->c->t.n : r->join->b->t.n;
        return json_array_size(r->records);
}

static json_t *run_json(const struct pa_diff_run *r, int side)
{
        char model[PA_MODEL_NAME];
        const json_t *m = r->manifest, *s = json_object_get(m, "suite");
        const json_t *p = json_object_get(m, "parameters"),
                     *a = json_object_get(r->summary, "analysis");

        return json_pack(
            "{s:s, s:O?, s:{s:O?, s:O?, s:O?, s:O?}, s:O?, s:s, s:I, s:O?, s:O?, s:I}", "dir",
            r->label, "run_id", json_object_get(m, "run_id"), "suite", "id",
            json_object_get(s, "id"), "version", json_object_get(s, "version"), "sha256",
            json_object_get(s, "sha256"), "items_sha256", json_object_get(s, "items_sha256"),
            "engine", json_object_get(json_object_get(m, "engine"), "name"), "model",
            pa__model_of(m, model), "records", (json_int_t)records_of(r, side), "samples",
            json_object_get(p, "samples"), "comparisons", json_object_get(a, "comparisons"),
            "findings", (json_int_t)json_array_size(json_object_get(r->summary, "findings")));
}

/* Settings that change answers; the rest (concurrency, retries) do not. */
static const char *const answer_params[] = {"temperature", "top_p",  "max_tokens", "seed",
                                            "stop",        "system", "samples",    "sim_profile"};

static int changed_settings(const json_t *mb, const json_t *mc, json_t *out)
{
        const json_t *pb = json_object_get(mb, "parameters"),
                     *pc = json_object_get(mc, "parameters");
        const json_t *eb = json_object_get(mb, "engine"), *ec = json_object_get(mc, "engine");
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < sizeof(answer_params) / sizeof(*answer_params); i++) {
                const json_t *b = json_object_get(pb, answer_params[i]);
                const json_t *c = json_object_get(pc, answer_params[i]);

                if ((b || c) && !(b && c && json_equal((json_t *)b, (json_t *)c)))
                        rc = json_array_append_new(out, json_pack("{s:s, s:O?, s:O?}", "name",
                                                                  answer_params[i], "base", b,
                                                                  "candidate", c));
        }
        for (size_t i = 0; rc == 0 && i < 2; i++) {
                const char *k = i ? "base_url" : "name";
                const json_t *b = json_object_get(eb, k), *c = json_object_get(ec, k);

                if ((b || c) && !(b && c && json_equal((json_t *)b, (json_t *)c)))
                        rc = json_array_append_new(out, json_pack("{s:s, s:O?, s:O?}", "name",
                                                                  i ? "engine.base_url" : "engine",
                                                                  "base", b, "candidate", c));
        }
        return rc ? PA_ENOMEM : 0;
}

/* Distinct case ids of one run, as an object used as a set. */
static json_t *case_set(const json_t *records)
{
        json_t *set = json_object(), *rec;
        size_t i;

        json_array_foreach(records, i, rec)
        {
                const char *id = json_string_value(json_object_get(rec, "case_id"));

                if (set && id && json_object_set_new(set, id, json_true())) {
                        json_decref(set);
                        return NULL;
                }
        }
        return set;
}

json_t *pa__diff_shared(const json_t *a, const json_t *b)
{
        json_t *ids = case_set(b), *out = json_array(), *rec;
        size_t i;

        if (!ids || !out)
                goto fail;
        json_array_foreach(a, i, rec)
        {
                const char *id = json_string_value(json_object_get(rec, "case_id"));

                if (id && json_object_get(ids, id) && json_array_append(out, rec))
                        goto fail;
        }
        json_decref(ids);
        return out;
fail:
        json_decref(ids);
        json_decref(out);
        return NULL;
}

/* The behaviour fingerprint of the served model (docs/engines.md), or NULL. */
static const char *fingerprint(const json_t *manifest)
{
        const json_t *id = json_object_get(json_object_get(manifest, "engine"), "identity");

        return json_string_value(json_object_get(json_object_get(id, "fingerprint"), "sha256"));
}

/* Distinct case ids: of each run and shared. */
static int case_counts(const struct pa_diff_run *b, const struct pa_diff_run *c, json_int_t n[3])
{
        json_t *ib, *ic, *v;
        const char *key;

        if (b->join) {
                n[0] = (json_int_t)b->join->cases_b;
                n[1] = (json_int_t)b->join->cases_c;
                n[2] = (json_int_t)b->join->cases_shared;
                return 0;
        }
        ib = case_set(b->records);
        ic = case_set(c->records);
        n[2] = 0;
        json_object_foreach(ib, key, v)
        {
                n[2] += json_object_get(ic, key) != NULL;
        }
        n[0] = (json_int_t)json_object_size(ib);
        n[1] = (json_int_t)json_object_size(ic);
        json_decref(ib);
        json_decref(ic);
        return ib && ic ? 0 : PA_ENOMEM;
}

static json_t *comparability(const struct pa_diff_run *b, const struct pa_diff_run *c)
{
        char mb[PA_MODEL_NAME], mc[PA_MODEL_NAME];
        const char *fb = fingerprint(b->manifest), *fc = fingerprint(c->manifest);
        const json_t *sb = json_object_get(b->manifest, "suite"),
                     *sc = json_object_get(c->manifest, "suite");
        json_t *settings = json_array(), *out = NULL;
        json_int_t n[3];
        bool same_suite =
            json_equal(json_object_get(sb, "sha256"), json_object_get(sc, "sha256")) &&
            json_equal(json_object_get(sb, "items_sha256") ? json_object_get(sb, "items_sha256")
                                                           : json_null(),
                       json_object_get(sc, "items_sha256") ? json_object_get(sc, "items_sha256")
                                                           : json_null());

        if (!settings || case_counts(b, c, n) ||
            changed_settings(b->manifest, c->manifest, settings))
                goto out;
        out = json_pack("{s:b, s:{s:I, s:I, s:I}, s:b, s:{s:s?, s:s?}, s:o, s:O, s:[]}",
                        "same_suite", same_suite, "cases", "base", n[0], "candidate", n[1],
                        "shared", n[2], "same_model",
                        !strcmp(pa__model_of(b->manifest, mb), pa__model_of(c->manifest, mc)),
                        "fingerprint", "base", fb, "candidate", fc, "same_fingerprint",
                        fb && fc ? json_boolean(!strcmp(fb, fc)) : json_null(), "settings_changed",
                        settings, "notes");
out:
        json_decref(settings);
        return out;
}

static const char *short_value(const json_t *v, char *buf, size_t n)
{
        const char *s = json_string_value(v);

        if (s)
                snprintf(buf, n, "%s", pa__basename(s));
        else if (json_is_integer(v))
                snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
                snprintf(buf, n, "%g", json_real_value(v));
        else
                snprintf(buf, n, "%s", json_is_null(v) || !v ? "none" : "(set)");
        return buf;
}

/* The sentences about what the two runs have in common. */
static int add_notes(json_t *diff, bool moved)
{
        json_t *cmp = json_object_get(diff, "comparability"),
               *notes = json_object_get(cmp, "notes");
        const json_t *b = json_object_get(diff, "base"), *c = json_object_get(diff, "candidate");
        const json_t *cases = json_object_get(cmp, "cases"), *s, *sb = json_object_get(b, "suite"),
                     *sc = json_object_get(c, "suite"), *fp = json_object_get(cmp, "fingerprint");
        char buf[1024], v1[128], v2[128];
        size_t i, used = 0;
        bool same_fp;
        int rc = 0;

        if (!json_is_true(json_object_get(cmp, "same_suite"))) {
                snprintf(buf, sizeof(buf),
                         "the two runs used different suites (base %s %s, sha256 %.12s; candidate "
                         "%s %s, sha256 %.12s): only the %lld cases both have are compared "
                         "(%lld only in the base, %lld only in the candidate).",
                         pa__str(sb, "id"), pa__str(sb, "version"), pa__str(sb, "sha256"),
                         pa__str(sc, "id"), pa__str(sc, "version"), pa__str(sc, "sha256"),
                         pa__int(cases, "shared"),
                         pa__int(cases, "base") - pa__int(cases, "shared"),
                         pa__int(cases, "candidate") - pa__int(cases, "shared"));
                rc |= json_array_append_new(notes, json_string(buf));
        } else if (pa__int(cases, "shared") != pa__int(cases, "base") ||
                   pa__int(cases, "shared") != pa__int(cases, "candidate")) {
                snprintf(buf, sizeof(buf),
                         "same suite, but only %lld cases are in both runs (%lld in the base, "
                         "%lld in the candidate); only those are compared.",
                         pa__int(cases, "shared"), pa__int(cases, "base"),
                         pa__int(cases, "candidate"));
                rc |= json_array_append_new(notes, json_string(buf));
        }
        same_fp = json_is_true(json_object_get(cmp, "same_fingerprint"));
        if (json_is_true(json_object_get(cmp, "same_model")) &&
            json_is_false(json_object_get(cmp, "same_fingerprint"))) {
                snprintf(buf, sizeof(buf),
                         "the server reported the same model (%s) for both runs, but its behaviour "
                         "fingerprint changed (%.12s \u2192 %.12s): the model behind the name, or "
                         "the server's settings, may have changed.",
                         pa__str(c, "model"), pa__str(fp, "base"), pa__str(fp, "candidate"));
                rc |= json_array_append_new(notes, json_string(buf));
        } else if ((json_is_true(json_object_get(cmp, "same_model")) || same_fp) && moved) {
                used = (size_t)snprintf(buf, sizeof(buf),
                                        "the server reported the same model (%s)%s for both runs, "
                                        "yet results moved",
                                        pa__str(c, "model"),
                                        same_fp ? " and the same behaviour fingerprint" : "");
                json_array_foreach(json_object_get(cmp, "settings_changed"), i, s)
                {
                        if (used >= sizeof(buf) - 1)
                                break;
                        used += (size_t)snprintf(
                            buf + used, sizeof(buf) - used, "%s %s %s \u2192 %s",
                            i ? "," : "; settings that differ:", pa__str(s, "name"),
                            short_value(json_object_get(s, "base"), v1, sizeof(v1)),
                            short_value(json_object_get(s, "candidate"), v2, sizeof(v2)));
                }
                if (used < sizeof(buf) - 1)
                        snprintf(buf + used, sizeof(buf) - used, ".");
                rc |= json_array_append_new(notes, json_string(buf));
        }
        return rc ? PA_ENOMEM : 0;
}

/* A decision rate rather than an accuracy: the scorer is the outcome of
 * an item with axes, and of no item with an expected answer. */
static bool is_rate(const struct pa_suite *s, const char *scorer)
{
        bool decision = false;

        for (size_t i = 0; s && i < s->n_kinds; i++) {
                const struct pa_item_kind *it = &s->kinds[i];

                if (it->outcome_scorer < 0 || strcmp(s->scorers.v[it->outcome_scorer].name, scorer))
                        continue;
                if (it->has_expected)
                        return false;
                decision |= it->n_axes > 0;
        }
        return decision;
}

/* The diff's tests: the regression domains and the disparity changes,
 * one family (scorers/analysis/diffstat.h), then the gate's view of each
 * domain. */
static int diff_stats(const struct pa_diff_run *b, const struct pa_diff_run *c,
                      const struct pa_diff_conf *conf, json_t *diff, struct pa_err *err)
{
        struct pa_analysis_conf rc = conf->analysis;
        struct pa__reg *reg = NULL;
        struct pa__family fam;
        json_t *regj = NULL, *dis = NULL, *d;
        size_t i, tests;
        int r;

        if ((r = b->join ? pa__reg_collect_join(b->join, &reg, err)
                         : pa__reg_collect(b->suite, b->records, c->records, &reg, err)))
                return r;
        tests = pa__reg_tests(reg) + pa__changes_count(b->summary, c->summary);
        pa__family_init(&fam, &rc, tests);
        /* The practical threshold of a regression is max_drop. */
        rc.min_diff = conf->max_drop;
        r = pa__reg_json(reg, &rc, &fam, &regj);
        pa__reg_free(reg);
        if (r == 0 && b->join)
                r = pa__changes_build_join(b->join, b->summary, c->summary, &conf->analysis, &fam,
                                           &dis);
        else if (r == 0)
                r = pa__changes_build(b->records, c->records, b->summary, c->summary,
                                      &conf->analysis, &fam, &dis);
        if (r == 0)
                r = pa__diff_decide(&fam, regj, dis, &conf->analysis, conf->max_drop);
        pa__family_release(&fam);
        json_array_foreach(json_object_get(regj, "domains"), i, d)
        {
                const char *o = pa__str(d, "outcome");
                bool acc = !is_rate(b->suite, o) && !is_rate(c->suite, o);
                bool drop = acc && !strcmp(pa__str(d, "verdict"), "regression");

                if (r == 0 &&
                    (json_object_set_new(d, "kind", json_string(acc ? "accuracy" : "rate")) ||
                     json_object_set_new(d, "gate_failed", json_boolean(drop))))
                        r = PA_ENOMEM;
        }
        if (r == 0 && (json_object_set_new(regj, "max_drop", json_real(conf->max_drop)) ||
                       json_object_set_new(json_object_get(diff, "thresholds"), "tests",
                                           json_integer((json_int_t)tests)) ||
                       json_object_set_new(json_object_get(diff, "thresholds"), "reps",
                                           json_integer((json_int_t)fam.reps)) ||
                       json_object_set_new(json_object_get(diff, "thresholds"), "ci_level",
                                           json_real(1 - fam.level)) ||
                       json_object_set_new(diff, "regression", regj)))
                r = PA_ENOMEM;
        else if (r == 0)
                regj = NULL;
        if (r == 0 && json_object_set_new(diff, "disparities", dis))
                r = PA_ENOMEM;
        else if (r == 0)
                dis = NULL;
        json_decref(regj);
        json_decref(dis);
        if (r == PA_ENOMEM)
                return pa_errf(err, r, "diff: out of memory");
        return r;
}

/* A gate that did not fail but had no testable comparison passed on
 * nothing: its status is "untestable", never "pass". */
static json_t *gate(const char *name, bool enabled, bool failed, bool untestable,
                    const char *reason)
{
        return json_pack("{s:s, s:b, s:b, s:s, s:s}", "gate", name, "enabled", enabled, "failed",
                         failed, "status",
                         !enabled     ? "not gated"
                         : failed     ? "fail"
                         : untestable ? "untestable"
                                      : "pass",
                         "reason", reason);
}

/* Whether no regression domain could have been flagged (none, or every
 * one untestable), with the reason then in why. */
static bool regression_untestable(const json_t *domains, char *why, size_t cap)
{
        const json_t *d;
        size_t i, out = 0, n = json_array_size(domains);

        json_array_foreach(domains, i, d) out += !strcmp(pa__str(d, "verdict"), "untestable");
        if (out < n)
                return false;
        if (n)
                snprintf(why, cap,
                         "untestable: each of the %zu accuracy domains has too few items to reach "
                         "alpha, so no drop could have been flagged",
                         n);
        else
                snprintf(why, cap,
                         "untestable: no accuracy domain to compare (no item has an "
                         "expected answer scored in both runs)");
        return true;
}

/* Whether no disparity change could have been flagged, likewise. */
static bool disparity_untestable(const json_t *counts, char *why, size_t cap)
{
        static const char *const keys[] = {"new",    "resolved",  "worse",
                                           "better", "unchanged", "untestable"};
        long long n = 0, out = pa__int(counts, "untestable");

        for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
                n += pa__int(counts, keys[i]);
        if (out < n)
                return false;
        if (n)
                snprintf(why, cap,
                         "untestable: each of the %lld disparity comparisons has too few items "
                         "to reach alpha, so no change could have been flagged",
                         n);
        else
                snprintf(why, cap, "untestable: no disparity comparison in both runs");
        return true;
}

static json_t *gates(const json_t *diff, const struct pa_diff_conf *c)
{
        const json_t *d, *counts = json_object_get(json_object_get(diff, "disparities"), "counts");
        char why[512] = "", a[PA_FMT], b[PA_FMT], dl[PA_FMT], p[PA_FMT];
        size_t i, used = 0, n = 0;
        long long bad = pa__int(counts, "new") + pa__int(counts, "worse");
        bool untestable = false;
        json_t *out = json_array();

        json_array_foreach(json_object_get(json_object_get(diff, "regression"), "domains"), i, d)
        {
                if (!json_is_true(json_object_get(d, "gate_failed")) || used >= sizeof(why) - 1)
                        continue;
                used += (size_t)snprintf(why + used, sizeof(why) - used,
                                         "%s%s accuracy %s \u2192 %s (%s, p adj %s)",
                                         n++ ? "; " : "", pa__str(d, "domain"),
                                         pa__fmt_rate(pa__num(json_object_get(d, "acc_base")), a),
                                         pa__fmt_rate(pa__num(json_object_get(d, "acc_cand")), b),
                                         pa__fmt_signed(pa__num(json_object_get(d, "delta")), dl),
                                         pa__fmt_p(pa__num(json_object_get(d, "p_adjusted")), p));
        }
        if (!n && !(untestable = regression_untestable(
                        json_object_get(json_object_get(diff, "regression"), "domains"), why,
                        sizeof(why))))
                snprintf(why, sizeof(why),
                         "no accuracy domain dropped by at least %g with corrected p < %g",
                         c->max_drop, c->analysis.alpha);
        if (!out || json_array_append_new(out, gate("regression", c->fail_on & PA_GATE_REGRESSION,
                                                    n > 0, untestable, why))) {
                json_decref(out);
                return NULL;
        }
        if (bad)
                snprintf(why, sizeof(why),
                         "%lld new and %lld worse disparities (a significant change, corrected "
                         "p < %g, of at least %g)",
                         pa__int(counts, "new"), pa__int(counts, "worse"), c->analysis.alpha,
                         c->analysis.min_diff);
        else if (!(untestable = disparity_untestable(counts, why, sizeof(why))))
                snprintf(why, sizeof(why),
                         "no disparity changed significantly for the worse (%lld could not reach "
                         "alpha)",
                         pa__int(counts, "untestable"));
        if (json_array_append_new(out, gate("disparity", c->fail_on & PA_GATE_DISPARITY, bad > 0,
                                            !bad && untestable, why))) {
                json_decref(out);
                return NULL;
        }
        return out;
}

static bool moved(const json_t *diff)
{
        const json_t *d, *counts = json_object_get(json_object_get(diff, "disparities"), "counts");
        size_t i;

        json_array_foreach(json_object_get(json_object_get(diff, "regression"), "domains"), i, d)
        {
                if (strcmp(pa__str(d, "verdict"), "unchanged"))
                        return true;
        }
        return pa__int(counts, "new") + pa__int(counts, "resolved") + pa__int(counts, "worse") +
               pa__int(counts, "better");
}

static json_t *thresholds_json(const struct pa_diff_conf *c)
{
        const struct pa_analysis_conf *a = &c->analysis;
        const json_t *t = c->thresholds;

        return json_pack("{s:f, s:s, s:f, s:f, s:s, s:O?, s:O?, s:O?}", "alpha", a->alpha,
                         "correction", a->correction == PA_ADJ_HOLM ? "holm" : "bh", "min_diff",
                         a->min_diff, "max_drop", c->max_drop, "source",
                         c->source ? c->source : "defaults", "file", json_object_get(t, "file"),
                         "sha256", json_object_get(t, "sha256"), "content",
                         json_object_get(t, "content"));
}

static int finish(json_t *diff, const struct pa_diff_conf *c)
{
        json_t *g = gates(diff, c), *x;
        char *text;
        bool failed = false, untestable = false;
        size_t i;

        if (!g || json_object_set_new(diff, "gates", g) || add_notes(diff, moved(diff)))
                return PA_ENOMEM;
        json_array_foreach(g, i, x)
        {
                failed |= json_is_true(json_object_get(x, "enabled")) &&
                          json_is_true(json_object_get(x, "failed"));
                untestable |= !strcmp(pa__str(x, "status"), "untestable");
        }
        if (!(text = pa__verdict_diff(diff)))
                return PA_ENOMEM;
        x = json_pack("{s:s, s:i, s:s}", "status",
                      failed       ? "fail"
                      : untestable ? "untestable"
                                   : "pass",
                      "exit_code",
                      failed       ? PA_EXIT_GATE
                      : untestable ? PA_EXIT_UNTESTABLE
                                   : PA_EXIT_OK,
                      "text", text);
        free(text);
        return !x || json_object_set_new(diff, "verdict", x) ? PA_ENOMEM : 0;
}

int pa__diff_build(const struct pa_diff_run *base, const struct pa_diff_run *cand,
                   const struct pa_diff_conf *c, json_t **out, struct pa_err *err)
{
        json_t *diff = NULL, *part = NULL;
        size_t max_flipped = c->max_flipped ? c->max_flipped : PA_DIFF_MAX_FLIPPED;
        int rc = PA_ENOMEM;

        *out = NULL;
        diff = json_pack("{s:i, s:{s:s, s:s}, s:o, s:o, s:o, s:o}", "parity_diff", PA_DIFF_VERSION,
                         "tool", "name", "parity", "version", PA_VERSION, "base", run_json(base, 0),
                         "candidate", run_json(cand, 1), "thresholds", thresholds_json(c),
                         "comparability", comparability(base, cand));
        if (!diff)
                goto fail;
        if ((rc = diff_stats(base, cand, c, diff, err)))
                goto fail;
        if ((rc = base->join
                      ? pa__diff_flipped_join(base->join, max_flipped, &part, err)
                      : pa__diff_flipped(base->records, cand->records, max_flipped, &part)) ||
            (rc = json_object_set_new(diff, "flipped", part) ? PA_ENOMEM : 0) ||
            (rc = finish(diff, c)))
                goto fail;
        *out = diff;
        return 0;
fail:
        json_decref(diff);
        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "diff: out of memory");
        return rc;
}

bool pa__diff_failed(const json_t *diff)
{
        return !strcmp(pa__str(json_object_get(diff, "verdict"), "status"), "fail");
}
