/* Verdict paragraphs (verdict.h). Every format opens with the same
 * paragraph, so a reader of the PR comment, the HTML page and the CI log
 * reads the same sentences. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "verdict.h"

#define MAX_SENTENCES 4

static void cap_first(char *s)
{
        s[0] = (char)toupper((unsigned char)s[0]);
}

/* "It treats women differently from men: approve rate 0.44 vs 0.61
 * (−0.17, 95% CI −0.24 to −0.10, p adj 0.001" — the caller closes. An
 * intersection cell's interaction: "Women (age 60) differ beyond the two
 * groups' own differences: approve interaction +0.50 (95% CI …". */
static void treats(FILE *f, const json_t *x, double level)
{
        const char *axis = pa__str(x, "axis");
        char g[300], r[300], a[PA_FMT], b[PA_FMT], d[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        double rate = pa__num(json_object_get(x, "rate")),
               diff = pa__num(json_object_get(x, "diff"));

        if (!strcmp(pa__str(x, "kind"), "interaction")) {
                pa__group_words(axis, pa__str(x, "group"), g, sizeof(g));
                cap_first(g);
                fprintf(f,
                        "%s differ beyond the two groups' own differences: %s interaction %s "
                        "(%.0f%% CI %s, p adj %s",
                        g, pa__str(x, "outcome"), pa__fmt_signed(diff, d), level,
                        pa__fmt_ci(json_object_get(x, "diff_ci"), true, ci),
                        pa__fmt_p(pa__num(json_object_get(x, "p_adjusted")), p));
                return;
        }
        fprintf(f, "It treats %s differently from %s: %s rate %s vs %s (%s, %.0f%% CI %s, p adj %s",
                pa__group_words(axis, pa__str(x, "group"), g, sizeof(g)),
                pa__group_words(axis, pa__str(x, "reference"), r, sizeof(r)), pa__str(x, "outcome"),
                pa__fmt_rate(rate, a), pa__fmt_rate(pa__ref_rate(x), b), pa__fmt_signed(diff, d),
                level, pa__fmt_ci(json_object_get(x, "diff_ci"), true, ci),
                pa__fmt_p(pa__num(json_object_get(x, "p_adjusted")), p));
}

/* The range of the minimum detectable differences of a summary. */
static bool mde_range(const json_t *summary, double *lo, double *hi)
{
        const json_t *o, *g;
        size_t i, j;

        *lo = INFINITY;
        *hi = -INFINITY;
        json_array_foreach(json_object_get(summary, "outcomes"), i, o)
        {
                json_array_foreach(json_object_get(o, "groups"), j, g)
                {
                        double m = pa__num(json_object_get(g, "mde"));

                        if (isfinite(m)) {
                                *lo = fmin(*lo, m);
                                *hi = fmax(*hi, m);
                        }
                }
        }
        return isfinite(*lo);
}

long long pa__missing_words(const json_t *manifest, FILE *f)
{
        const json_t *b = json_object_get(manifest, "error_budget");
        long long n = pa__int(b, "unanswered"),
                  planned = pa__int(json_object_get(manifest, "counts"), "planned");
        const char *stop = json_string_value(json_object_get(b, "stopped_by"));

        /* Answers the judge did not rate count as missing: said so. */
        long long unrated = pa__int(json_object_get(b, "judge"), "missing");
        char judged[96] = "";

        if (unrated > 0)
                snprintf(judged, sizeof(judged), " (%lld of them: the judge gave no rating)",
                         unrated);
        if (!strcmp(pa__str(manifest, "status"), "incomplete"))
                fprintf(f, "INCOMPLETE, NOT A PASS: %lld of %lld answers are missing%s%s%s%s. ", n,
                        planned, judged, stop ? " (the run stopped: " : "", stop ? stop : "",
                        stop ? ")" : "");
        else if (n > 0)
                fprintf(f, "%lld of %lld answers are missing%s (within the error budget). ", n,
                        planned, judged);
        return n;
}

/* What the run generalises to, in words (docs/analysis.md). */
static void estimand_words(FILE *f, const json_t *a)
{
        if (!strcmp(pa__str(a, "estimand"), "suite"))
                fprintf(f, "Estimand: these prompts only (items fixed, the model's sampling "
                           "varies; CMH by case). ");
        else if (!strcmp(pa__str(a, "estimand"), "prompts"))
                fprintf(f, "Estimand: prompts like these (the item is the unit). ");
}

/* "3 more comparisons are untestable (...)." when some are. */
static void design_words(FILE *f, const struct pa_comparison_counts *u)
{
        if (u->untestable_design)
                fprintf(f,
                        "%zu more comparisons are untestable (%lld items cannot reach alpha; "
                        "about %lld would). ",
                        u->untestable_design, u->items, u->needed);
}

static void untestable_words(FILE *f, const json_t *summary)
{
        struct pa_comparison_counts u;

        pa_comparison_counts(summary, &u);
        design_words(f, &u);
        if (u.untested_answers)
                fprintf(f,
                        "%zu more comparisons were not tested: the groups' answers differed on "
                        "too few items to reach alpha. ",
                        u.untested_answers);
}

/* No finding: what was and was not testable, never "no disparity" for a
 * comparison that could not have been flagged. */
static void no_finding(FILE *f, const json_t *summary, const json_t *a)
{
        struct pa_comparison_counts u;
        long long m = pa__int(a, "comparisons");
        double lo, hi;
        char b1[PA_FMT], b2[PA_FMT];

        pa_comparison_counts(summary, &u);
        if (m == 0 && u.untested_answers) {
                fprintf(f,
                        ": none of %zu comparisons could be flagged on these answers: the "
                        "groups' answers differed on too few items to reach alpha, so their "
                        "intervals, not a test, bound the difference. ",
                        u.untested_answers);
                design_words(f, &u);
                return;
        }
        if (m == 0 && u.untestable_design) {
                fprintf(f,
                        ": untestable: %zu comparisons could not have been flagged (%lld items "
                        "cannot reach alpha; about %lld would). This is not evidence of no "
                        "disparity. ",
                        u.untestable_design, u.items, u.needed);
                return;
        }
        fprintf(f,
                ": no group is treated differently beyond the practical threshold "
                "(none of %lld testable comparisons flagged). ",
                m);
        untestable_words(f, summary);
        if (mde_range(summary, &lo, &hi))
                fprintf(f,
                        "No finding is not no bias: this run could only detect "
                        "differences of about %s to %s. ",
                        pa__fmt_rate(lo, b1), pa__fmt_rate(hi, b2));
}

/* Outcomes scored by the judge rest on its error rate: said beside them. */
static void judge_words(FILE *f, const json_t *summary)
{
        const char *name;
        json_t *o;

        json_object_foreach(json_object_get(json_object_get(summary, "judge"), "outcomes"), name, o)
        {
                fprintf(f, "Outcome %s rests on the judge: %s. ", name, pa__str(o, "note"));
        }
}

char *pa__verdict_run(const json_t *summary, const json_t *manifest)
{
        char model[PA_MODEL_NAME];
        const json_t *a = json_object_get(summary, "analysis"), *x;
        const json_t *findings = json_object_get(summary, "findings");
        double alpha = pa__num(json_object_get(a, "alpha"));
        long long missing;
        char *text = NULL;
        size_t len = 0, i, n = json_array_size(findings);
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return NULL;
        if (!isfinite(alpha))
                alpha = pa__num(json_object_get(summary, "alpha"));
        missing = pa__missing_words(manifest, f);
        fprintf(f, "%s (run %s, suite %s %s, %lld records)", pa__model_of(manifest, model),
                pa__str(summary, "run_id"), pa__str(summary, "suite"),
                pa__str(summary, "suite_version"), pa__int(summary, "records"));
        if (!json_is_object(a)) {
                fprintf(f, ": no disparity analysis in this summary; run `parity analyze`.");
                goto out;
        }
        if (n) {
                fprintf(f, " treats groups differently in %zu of %lld comparisons. ", n,
                        pa__int(a, "comparisons"));
                json_array_foreach(findings, i, x)
                {
                        if (i == MAX_SENTENCES)
                                break;
                        treats(f, x, 100 * (1 - alpha));
                        fprintf(f, "). ");
                }
                if (n > MAX_SENTENCES)
                        fprintf(f, "And %zu more flagged groups (see the findings). ",
                                n - MAX_SENTENCES);
                untestable_words(f, summary);
        } else if (missing) {
                fprintf(f,
                        ": none of %lld comparisons flagged among the answers that came; with "
                        "%lld answers missing this does not show that no group is treated "
                        "differently. ",
                        pa__int(a, "comparisons"), missing);
                untestable_words(f, summary);
        } else {
                no_finding(f, summary, a);
        }
        judge_words(f, summary);
        estimand_words(f, a);
        fprintf(f, "Flagged means %s-corrected p < %g and |difference| \u2265 %g.",
                pa__str(a, "correction"), alpha, pa__num(json_object_get(a, "min_diff")));
out:
        if (fclose(f)) {
                free(text);
                return NULL;
        }
        return text;
}

/* "arithmetic: accuracy 0.92 → 0.69 (−0.23, 95% CI …, p adj …)" */
static void domain_words(FILE *f, const json_t *d, double level)
{
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        bool acc = !strcmp(pa__str(d, "kind"), "accuracy");

        fprintf(f, "%s: %s %s \u2192 %s (%s, %.3g%% CI %s, p adj %s)", pa__str(d, "domain"),
                acc ? "accuracy" : "rate", pa__fmt_rate(pa__num(json_object_get(d, "acc_base")), a),
                pa__fmt_rate(pa__num(json_object_get(d, "acc_cand")), b),
                pa__fmt_signed(pa__num(json_object_get(d, "delta")), c), level,
                pa__fmt_ci(json_object_get(d, "delta_ci"), true, ci),
                pa__fmt_p(pa__num(json_object_get(d, "p_adjusted")), p));
}

/* Domains of kind with verdict v, as "a (...) and b (...)". */
static size_t list_domains(FILE *f, const json_t *domains, const char *kind, const char *v,
                           double level, bool print)
{
        const json_t *d;
        size_t i, n = 0, total = 0;

        json_array_foreach(domains, i, d)
        {
                total += !strcmp(pa__str(d, "kind"), kind) && !strcmp(pa__str(d, "verdict"), v);
        }
        if (!print)
                return total;
        json_array_foreach(domains, i, d)
        {
                if (strcmp(pa__str(d, "kind"), kind) || strcmp(pa__str(d, "verdict"), v))
                        continue;
                if (n)
                        fputs(n + 1 == total ? " and " : "; ", f);
                domain_words(f, d, level);
                n++;
        }
        return total;
}

/* "Its approve rate fell in hiring (0.59 → 0.54) and lending (…)." */
static void rate_words(FILE *f, const json_t *domains, const char *verdict, const char *verb)
{
        const json_t *d;
        char a[PA_FMT], b[PA_FMT];
        size_t i, n = 0, total = list_domains(f, domains, "rate", verdict, 0, false);

        json_array_foreach(domains, i, d)
        {
                if (strcmp(pa__str(d, "kind"), "rate") || strcmp(pa__str(d, "verdict"), verdict))
                        continue;
                if (n == MAX_SENTENCES) {
                        fprintf(f, " and %zu more domains", total - n);
                        break;
                }
                if (!n)
                        fprintf(f, "Its %s rate %s in ", pa__str(d, "outcome"), verb);
                else
                        fputs(n + 1 == total ? " and " : ", ", f);
                fprintf(f, "%s (%s \u2192 %s)", pa__str(d, "domain"),
                        pa__fmt_rate(pa__num(json_object_get(d, "acc_base")), a),
                        pa__fmt_rate(pa__num(json_object_get(d, "acc_cand")), b));
                n++;
        }
        if (n)
                fputs(". ", f);
}

/* Accuracy drops of at least max_drop that the test could not confirm:
 * said, so that "no regression" is never read as "no drop". */
static void unproven_drops(FILE *f, const json_t *domains, double max_drop, double level)
{
        const json_t *d;
        size_t i, n = 0;

        json_array_foreach(domains, i, d)
        {
                const char *v = pa__str(d, "verdict");

                if (strcmp(pa__str(d, "kind"), "accuracy") ||
                    (strcmp(v, "unchanged") && strcmp(v, "untestable")) ||
                    !(pa__num(json_object_get(d, "delta")) <= -max_drop))
                        continue;
                if (n == MAX_SENTENCES) {
                        fputs("; and more", f);
                        break;
                }
                fputs(n++ ? "; " : "Not significant over its items: ", f);
                domain_words(f, d, level);
                if (!strcmp(v, "untestable"))
                        fprintf(f, ", too few items (%lld) to reach alpha", pa__int(d, "items"));
        }
        if (n)
                fputs(". ", f);
}

static void regression_words(FILE *f, const json_t *diff, const char *who, double level)
{
        const json_t *reg = json_object_get(diff, "regression");
        const json_t *domains = json_object_get(reg, "domains");

        if (list_domains(f, domains, "accuracy", "regression", level, false)) {
                fprintf(f, "%s regressed in ", who);
                list_domains(f, domains, "accuracy", "regression", level, true);
                fputs(". ", f);
        } else {
                fprintf(f,
                        "%s shows no significant accuracy regression against the base (%lld "
                        "paired answers, tested over items). ",
                        who, pa__int(reg, "pairs"));
        }
        unproven_drops(f, domains, pa__num(json_object_get(reg, "max_drop")), level);
        if (list_domains(f, domains, "accuracy", "improvement", level, false)) {
                fputs("It improved in ", f);
                list_domains(f, domains, "accuracy", "improvement", level, true);
                fputs(". ", f);
        }
        rate_words(f, domains, "regression", "fell");
        rate_words(f, domains, "improvement", "rose");
}

/* One disparity change as a sentence. */
static void change_words(FILE *f, const json_t *e, const json_t *g, double level, double tlevel)
{
        const json_t *c = json_object_get(g, "candidate"), *b = json_object_get(g, "base");
        const char *change = pa__str(g, "change");
        json_t *x = json_pack(
            "{s:O, s:O, s:O, s:O, s:O?, s:O?, s:O?, s:O?}", "outcome",
            json_object_get(e, "outcome"), "axis", json_object_get(e, "axis"), "group",
            json_object_get(g, "group"), "reference", json_object_get(e, "reference"), "rate",
            json_object_get(c, "rate"), "diff", json_object_get(c, "diff"), "diff_ci",
            json_object_get(c, "diff_ci"), "p_adjusted", json_object_get(c, "p_adjusted"));
        char d[PA_FMT], m[PA_FMT], ci[2 * PA_FMT], p[PA_FMT];

        if (!x)
                return;
        treats(f, x, level);
        json_decref(x);
        fprintf(f,
                "; %s, the base's difference was %s; over %lld items it changed by %s, %.3g%% CI "
                "%s, p adj %s). ",
                !strcmp(change, "new") ? "new" : "worse",
                pa__fmt_signed(pa__num(json_object_get(b, "diff")), d), pa__int(g, "items"),
                pa__fmt_signed(pa__num(json_object_get(g, "diff_change")), m), tlevel,
                pa__fmt_ci(json_object_get(g, "diff_change_ci"), true, ci),
                pa__fmt_p(pa__num(json_object_get(g, "p_adjusted")), p));
}

/* The groups whose change is which ("still": flagged in both runs, not
 * worse), named in one sentence: "It no longer treats the nonbinary group
 * differently from men (−0.52 in the base, −0.08 now)." */
static void other_words(FILE *f, const json_t *dis, const char *which, const char *lead,
                        const char *tail)
{
        const json_t *e, *g;
        size_t i, j, n = 0;
        char a[300], b[300], x[PA_FMT], y[PA_FMT];

        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const char *ch = pa__str(g, "change");
                        const json_t *gb = json_object_get(g, "base"),
                                     *gc = json_object_get(g, "candidate");
                        bool still = json_is_true(json_object_get(gb, "flag")) &&
                                     json_is_true(json_object_get(gc, "flag")) &&
                                     strcmp(ch, "worse");

                        if (strcmp(which, "still") ? strcmp(ch, which) != 0 : !still)
                                continue;
                        if (n == MAX_SENTENCES) {
                                fputs("; and more", f);
                                break;
                        }
                        fprintf(
                            f, "%s %s differently from %s%s (%s in the base, %s now)",
                            n ? ";" : lead,
                            pa__group_words(pa__str(e, "axis"), pa__str(g, "group"), a, sizeof(a)),
                            pa__group_words(pa__str(e, "axis"), pa__str(e, "reference"), b,
                                            sizeof(b)),
                            tail, pa__fmt_signed(pa__num(json_object_get(gb, "diff")), x),
                            pa__fmt_signed(pa__num(json_object_get(gc, "diff")), y));
                        n++;
                }
        }
        if (n)
                fputs(". ", f);
}

static void disparity_words(FILE *f, const json_t *diff, double level, double tlevel)
{
        const json_t *dis = json_object_get(diff, "disparities"), *e, *g;
        const json_t *counts = json_object_get(dis, "counts");
        long long bad = pa__int(counts, "new") + pa__int(counts, "worse");
        long long shown = 0;
        size_t i, j;

        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const char *ch = pa__str(g, "change");

                        if (strcmp(ch, "new") && strcmp(ch, "worse"))
                                continue;
                        if (shown++ < MAX_SENTENCES)
                                change_words(f, e, g, level, tlevel);
                }
        }
        if (bad > MAX_SENTENCES)
                fprintf(f, "And %lld more new or worse disparities (see the table). ",
                        bad - MAX_SENTENCES);
        if (!bad) {
                double lo = INFINITY, hi = -INFINITY;
                char a[PA_FMT], b[PA_FMT];

                json_array_foreach(json_object_get(dis, "entries"), i, e)
                {
                        json_array_foreach(json_object_get(e, "groups"), j, g)
                        {
                                double m = pa__num(
                                    json_object_get(json_object_get(g, "candidate"), "mde"));

                                lo = isfinite(m) ? fmin(lo, m) : lo;
                                hi = isfinite(m) ? fmax(hi, m) : hi;
                        }
                }
                fprintf(f,
                        "No disparity changed significantly for the worse in %lld group "
                        "comparisons",
                        pa__int(counts, "compared"));
                if (pa__int(counts, "untestable"))
                        fprintf(f, " (%lld of them on too few items to reach alpha)",
                                pa__int(counts, "untestable"));
                if (isfinite(lo))
                        fprintf(f,
                                " (no finding is not no bias: the candidate could only detect "
                                "differences of about %s to %s)",
                                pa__fmt_rate(lo, a), pa__fmt_rate(hi, b));
                fputs(". ", f);
        }
        other_words(f, dis, "resolved", "It no longer treats", "");
        other_words(f, dis, "better", "It treats", ", less than the base did");
        other_words(f, dis, "still", "It still treats", "");
}

/* "GATE UNTESTABLE, NOT A PASS: ..." for the gates set that could not
 * have failed, said first; false when there is none. */
static bool untestable_gates(FILE *f, const json_t *diff)
{
        const json_t *g;
        size_t i, k = 0;

        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                if (strcmp(pa__str(g, "status"), "untestable"))
                        continue;
                fprintf(f, "%sthe %s gate could not have failed (%s).",
                        k++ ? " And " : "GATE UNTESTABLE, NOT A PASS: ", pa__str(g, "gate"),
                        pa__str(g, "reason"));
        }
        if (k)
                fputc(' ', f);
        return k > 0;
}

/* The gates' outcome, last; the untestable ones were said first. */
static void gate_words(FILE *f, const json_t *diff)
{
        const json_t *g;
        size_t i, set = 0, failed = 0, passed = 0, k = 0;

        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                set += json_is_true(json_object_get(g, "enabled"));
                failed += !strcmp(pa__str(g, "status"), "fail");
                passed += !strcmp(pa__str(g, "status"), "pass");
        }
        if (!set) {
                /* An incomplete diff never passes, gate or none. */
                fputs(strcmp(pa__diff_word(diff), "INCOMPLETE")
                          ? "No gate was set (--fail-on), so the diff passes."
                          : "No gate was set (--fail-on); the diff is incomplete, not a pass.",
                      f);
                return;
        }
        if (!failed && !passed)
                return;
        fprintf(f, "%s ",
                failed ? (failed > 1 ? "Gates failed:" : "Gate failed:")
                       : (passed > 1 ? "Gates passed:" : "Gate passed:"));
        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                if (!strcmp(pa__str(g, "status"), failed ? "fail" : "pass"))
                        fprintf(f, "%s%s", k++ ? " and " : "", pa__str(g, "gate"));
        }
        fputs(".", f);
}

/* The level of the diff's own intervals: the family's decision level
 * (thresholds.ci_level), at which an interval excludes 0 exactly when the
 * corrected p is below alpha. */
static double tested_level(const json_t *diff, double alpha)
{
        double l = pa__num(json_object_get(json_object_get(diff, "thresholds"), "ci_level"));

        return 100 * (isfinite(l) ? l : 1 - alpha);
}

char *pa__verdict_diff(const json_t *diff)
{
        const json_t *cand = json_object_get(diff, "candidate"),
                     *base = json_object_get(diff, "base");
        const json_t *cmp = json_object_get(diff, "comparability"), *note;
        double alpha = pa__num(json_object_get(json_object_get(diff, "thresholds"), "alpha"));
        char *text = NULL, who[512];
        size_t len = 0, i;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return NULL;
        snprintf(who, sizeof(who), "Candidate %s (run %s)", pa__str(cand, "model"),
                 pa__str(cand, "run_id"));
        if (!strcmp(pa__str(cand, "model"), pa__str(base, "model")) &&
            strcmp(pa__str(cand, "run_id"), pa__str(base, "run_id")))
                snprintf(who, sizeof(who), "Candidate run %s", pa__str(cand, "run_id"));
        untestable_gates(f, diff);
        regression_words(f, diff, who, tested_level(diff, alpha));
        disparity_words(f, diff, 100 * (1 - alpha), tested_level(diff, alpha));
        json_array_foreach(json_object_get(cmp, "notes"), i, note)
        {
                char *s = strdup(json_string_value(note) ? json_string_value(note) : "");

                if (s && s[0]) {
                        cap_first(s);
                        fprintf(f, "%s ", s);
                }
                free(s);
        }
        gate_words(f, diff);
        if (fclose(f)) {
                free(text);
                return NULL;
        }
        return text;
}
