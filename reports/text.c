/* summary.txt: the aligned table parity prints at the end of a run. */
#include <math.h>
#include <string.h>

#include "parity/report.h"

static double num(const json_t *v)
{
        return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static void print_group(FILE *f, const json_t *g, bool is_ref)
{
        const json_t *ci = json_object_get(g, "ci"), *dci = json_object_get(g, "diff_ci");

        fprintf(f, "  %-18s %6lld %6lld", str(g, "group"),
                (long long)json_integer_value(json_object_get(g, "n")),
                (long long)json_integer_value(json_object_get(g, "positive")));
        if (json_is_null(json_object_get(g, "rate"))) {
                fprintf(f, "  %5s\n", "-");
                return;
        }
        fprintf(f, "  %5.3f [%.3f, %.3f]", num(json_object_get(g, "rate")),
                num(json_array_get(ci, 0)), num(json_array_get(ci, 1)));
        if (is_ref || !json_is_array(dci)) {
                fprintf(f, "  %s\n", is_ref ? "(reference)" : "");
                return;
        }
        fprintf(f, "  %+6.3f [%+.3f, %+.3f]", num(json_object_get(g, "diff")),
                num(json_array_get(dci, 0)), num(json_array_get(dci, 1)));
        if (json_is_number(json_object_get(g, "p_adjusted")))
                fprintf(f, "  %8.2g", num(json_object_get(g, "p_adjusted")));
        else if (json_is_false(json_object_get(g, "testable")))
                fprintf(f, "  %8s", "-");
        if (json_is_number(json_object_get(g, "mde")))
                fprintf(f, "  %5.3f", num(json_object_get(g, "mde")));
        fprintf(f, "%s\n", json_is_true(json_object_get(g, "flag")) ? "  FLAG" : "");
        if (json_is_string(json_object_get(g, "note")))
                fprintf(f, "  %-18s %s\n", "", str(g, "note"));
}

/* An intersection cell's interaction, under its group's line. */
static void print_interaction(FILE *f, const json_t *x)
{
        const json_t *dci = json_object_get(x, "diff_ci");

        if (!json_is_object(x))
                return;
        fprintf(f, "  %-18s %+6.3f [%+.3f, %+.3f]", "  interaction",
                num(json_object_get(x, "diff")), num(json_array_get(dci, 0)),
                num(json_array_get(dci, 1)));
        if (json_is_number(json_object_get(x, "p_adjusted")))
                fprintf(f, "  p adj %.2g", num(json_object_get(x, "p_adjusted")));
        fprintf(f, "%s\n", json_is_true(json_object_get(x, "flag")) ? "  FLAG" : "");
        if (json_is_string(json_object_get(x, "note")))
                fprintf(f, "  %-18s %s\n", "", str(x, "note"));
}

static void print_entry(FILE *f, const json_t *o)
{
        const char *ref = str(o, "reference");
        const json_t *g, *om = json_object_get(o, "omnibus");
        size_t j;

        fprintf(f, "\n%s by %s (reference: %s)\n", str(o, "outcome"), str(o, "axis"), ref);
        fprintf(f, "  %-18s %6s %6s  %-20s  %-22s  %8s  %5s\n", "group", "n", "yes",
                "rate [95% CI]", "diff [95% CI]", "p (adj)", "MDE");
        json_array_foreach(json_object_get(o, "groups"), j, g)
        {
                print_group(f, g, !strcmp(str(g, "group"), ref));
                print_interaction(f, json_object_get(g, "interaction"));
        }
        if (json_is_object(om))
                fprintf(f,
                        "  %lld counterfactual sets, flip rate %.3f, all groups: %s p = %.2g "
                        "(descriptive, not a flag)\n",
                        (long long)json_integer_value(json_object_get(o, "sets")),
                        num(json_object_get(o, "flip_rate")), str(om, "test"),
                        num(json_object_get(om, "p")));
}

static void print_domains(FILE *f, const json_t *domains)
{
        const json_t *d, *ci;
        size_t i;

        if (!json_array_size(domains))
                return;
        fprintf(f, "\n%-12s %-16s %6s %6s  %s\n", "outcome", "domain", "n", "yes", "rate [95% CI]");
        json_array_foreach(domains, i, d)
        {
                ci = json_object_get(d, "ci");
                fprintf(f, "%-12s %-16s %6lld %6lld  %5.3f [%.3f, %.3f]\n", str(d, "outcome"),
                        str(d, "domain"), (long long)json_integer_value(json_object_get(d, "n")),
                        (long long)json_integer_value(json_object_get(d, "positive")),
                        num(json_object_get(d, "rate")), num(json_array_get(ci, 0)),
                        num(json_array_get(ci, 1)));
        }
}

/* Every outcome scored by the judge, flagged or not, with what is known
 * of the judge's error rate (summary.json "judge"). */
static void print_judge(FILE *f, const json_t *summary)
{
        const char *name;
        json_t *o;

        json_object_foreach(json_object_get(json_object_get(summary, "judge"), "outcomes"), name, o)
        {
                fprintf(f, "outcome %s is scored by the judge: %s\n", name, str(o, "note"));
        }
}

static void print_findings(FILE *f, const json_t *summary)
{
        const json_t *a = json_object_get(summary, "analysis");
        const json_t *findings = json_object_get(summary, "findings"), *x;
        size_t i;

        if (!json_is_object(a))
                return;
        fprintf(f,
                "\nestimand: %s\nfindings (%s-corrected p < %g over %lld comparisons, and "
                "|diff| >= %g): %zu\n",
                json_is_string(json_object_get(a, "estimand")) ? str(a, "estimand") : "records",
                str(a, "correction"), num(json_object_get(a, "alpha")),
                (long long)json_integer_value(json_object_get(a, "comparisons")),
                num(json_object_get(a, "min_diff")), json_array_size(findings));
        json_array_foreach(findings, i, x)
        {
                fprintf(f, "  %s: %s %s vs %s: %+.3f (p adj %.2g)\n", str(x, "outcome"),
                        str(x, "axis"), str(x, "group"), str(x, "reference"),
                        num(json_object_get(x, "diff")), num(json_object_get(x, "p_adjusted")));
                /* Beside a finding that rests on the judge: its error rate. */
                if (json_is_object(json_object_get(x, "judge")))
                        fprintf(f, "    rests on the judge: %s\n",
                                str(json_object_get(x, "judge"), "note"));
        }
        if (!json_array_size(findings))
                fprintf(f, "  none; the MDE column is the smallest difference this run could "
                           "detect with 80%% power\n");
        print_judge(f, summary);
}

/* Said first: comparisons that could not have been flagged, so that no
 * flag there never reads as no disparity; and those whose answers differed
 * too little to test, which is not the same. */
static void print_untestable(FILE *f, const json_t *summary)
{
        struct pa_comparison_counts n;

        pa_comparison_counts(summary, &n);
        if (n.untestable_design)
                fprintf(f,
                        "%s: %zu of %zu comparisons could not have been flagged (too few items "
                        "to reach alpha; each one's note says how many would): no flag there is "
                        "no evidence of no disparity\n",
                        n.untestable_design == n.all ? "NOTHING TESTABLE" : "UNTESTABLE",
                        n.untestable_design, n.all);
        if (n.untested_answers)
                fprintf(f,
                        "%zu of %zu comparisons were not tested: the groups' answers differed on "
                        "too few items to reach alpha (each one's note says how many did), so "
                        "their intervals, not a test, bound the difference\n",
                        n.untested_answers, n.all);
}

static int text_write(const json_t *summary, FILE *f, struct pa_err *err)
{
        const json_t *o;
        size_t i;

        print_untestable(f, summary);
        fprintf(f, "suite %s %s, %lld records\n", str(summary, "suite"),
                str(summary, "suite_version"),
                (long long)json_integer_value(json_object_get(summary, "records")));
        json_array_foreach(json_object_get(summary, "outcomes"), i, o) print_entry(f, o);
        print_domains(f, json_object_get(summary, "domains"));
        print_findings(f, summary);
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write the summary table") : 0;
}

const struct pa_reporter_ops pa_reporter_text = {
    .name = "text",
    .file = "summary.txt",
    .write = text_write,
};
