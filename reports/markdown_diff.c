/* report.md of a diff, and the audit section of a run's report.md
 * (markdown.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "markdown.h"
#include "verdict.h"

#define MAX_ROWS  150
#define MAX_FLIPS 20
#define MAX_AUDIT 60

static void code(struct pa_md *m, const char *s)
{
        pa__md_out(m, "`");
        for (; *s; s++)
                if (*s != '`' && *s != '\n' && *s != '|')
                        pa__md_out(m, "%c", *s);
        pa__md_out(m, "`");
}

static void runs_table(struct pa_md *m, const json_t *diff)
{
        const json_t *b = json_object_get(diff, "base"), *c = json_object_get(diff, "candidate");
        const json_t *side[2] = {b, c};

        pa__md_out(m, "| | base | candidate |\n| --- | --- | --- |\n| run |");
        for (int i = 0; i < 2; i++) {
                pa__md_out(m, " ");
                code(m, pa__str(side[i], "run_id"));
                pa__md_out(m, " |");
        }
        pa__md_out(m, "\n| model |");
        for (int i = 0; i < 2; i++) {
                pa__md_out(m, " ");
                pa__md_cell(m, pa__str(side[i], "model"));
                pa__md_out(m, " |");
        }
        pa__md_out(m, "\n| suite |");
        for (int i = 0; i < 2; i++) {
                const json_t *s = json_object_get(side[i], "suite");

                pa__md_out(m, " ");
                pa__md_cell(m, pa__str(s, "id"));
                pa__md_out(m, " ");
                pa__md_cell(m, pa__str(s, "version"));
                pa__md_out(m, " (sha256 %.12s) |", pa__str(s, "sha256"));
        }
        pa__md_out(m, "\n| records |");
        for (int i = 0; i < 2; i++)
                pa__md_out(m, " %lld |", pa__int(side[i], "records"));
        pa__md_out(m, "\n\n");
}

static void gates(struct pa_md *m, const json_t *diff)
{
        const json_t *g;
        size_t i;

        pa__md_out(m, "| gate | result | why |\n| --- | --- | --- |\n");
        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                const char *st = pa__str(g, "status");

                pa__md_out(m, "| %s | %s | ", pa__str(g, "gate"),
                           !strcmp(st, "fail")         ? "**FAIL**"
                           : !strcmp(st, "untestable") ? "**UNTESTABLE**"
                           : !strcmp(st, "pass")       ? "pass"
                                                       : "not gated");
                pa__md_cell(m, pa__str(g, "reason"));
                pa__md_out(m, " |\n");
        }
        pa__md_out(m, "\n");
}

static void regression(struct pa_md *m, const json_t *diff)
{
        const json_t *reg = json_object_get(diff, "regression"), *d;
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        size_t i, n = json_array_size(json_object_get(reg, "domains"));

        pa__md_out(
            m,
            "### Regression by domain\n\nPaired by case and sample: %lld pairs; the item is the "
            "unit (base and candidate are item means, \u0394 their mean per-item change, tested "
            "over items). Intervals are at %.3g%%, the corrected level: one excludes 0 exactly "
            "when p adj < alpha. Accuracy domains gate; rate domains (decision outcomes) are "
            "shown.\n\n"
            "| outcome | domain | kind | pairs | base | candidate | \u0394 [CI] | p adj | |\n"
            "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n",
            pa__int(reg, "pairs"),
            100 * pa__num(json_object_get(json_object_get(diff, "thresholds"), "ci_level")));
        json_array_foreach(json_object_get(reg, "domains"), i, d)
        {
                if (i >= MAX_ROWS || pa__md_full(m))
                        break;
                pa__md_lead(m, pa__str(d, "outcome"), pa__str(d, "domain"));
                pa__md_out(m, " | %s | %lld | %s | %s | %s [%s] | %s | %s |\n", pa__str(d, "kind"),
                           pa__int(d, "n"), pa__fmt_key(d, "acc_base", pa__fmt_rate, a),
                           pa__fmt_key(d, "acc_cand", pa__fmt_rate, b),
                           pa__fmt_key(d, "delta", pa__fmt_signed, c),
                           pa__fmt_ci(json_object_get(d, "delta_ci"), true, ci),
                           pa__fmt_key(d, "p_adjusted", pa__fmt_p, p),
                           json_is_true(json_object_get(d, "gate_failed")) ? "**regression**"
                                                                           : pa__domain_verdict(d));
        }
        pa__md_omitted(m, n > i ? n - i : 0, "diff.json");
        pa__md_out(m, "\n");
}

static void change_row(struct pa_md *m, const json_t *e, const json_t *g)
{
        const json_t *gb = json_object_get(g, "base"), *gc = json_object_get(g, "candidate");
        const char *ch = pa__str(g, "change");
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        bool bad = !strcmp(ch, "new") || !strcmp(ch, "worse");

        pa__md_group(m, e, g);
        pa__md_out(m, " | %s%s | %s%s | %s [%s] | %lld | %s | %s%s%s |\n",
                   pa__fmt_key(gb, "diff", pa__fmt_signed, a),
                   json_is_true(json_object_get(gb, "flag")) ? " \u2691" : "",
                   pa__fmt_key(gc, "diff", pa__fmt_signed, b),
                   json_is_true(json_object_get(gc, "flag")) ? " \u2691" : "",
                   pa__fmt_key(g, "diff_change", pa__fmt_signed, c),
                   pa__fmt_ci(json_object_get(g, "diff_change_ci"), true, ci), pa__int(g, "items"),
                   pa__fmt_key(g, "p_adjusted", pa__fmt_p, p), bad ? "**" : "", ch,
                   bad ? "**" : "");
}

static const char change_head[] =
    "| outcome | axis | group | base diff | candidate diff | change [CI] | items | "
    "p adj | change |\n| --- | --- | --- | --- | --- | --- | ---: | ---: | --- |\n";

static void disparities(struct pa_md *m, const json_t *diff)
{
        const json_t *dis = json_object_get(diff, "disparities"), *e, *g;
        const json_t *counts = json_object_get(dis, "counts");
        size_t i, j, rows = 0, all = 0;

        pa__md_out(m,
                   "### Disparities\n\n%lld group comparisons: %lld new, %lld worse, %lld "
                   "resolved, %lld better, %lld unchanged, %lld untestable (\u2691 flagged). "
                   "The change is the candidate's difference to the reference minus the base's, "
                   "per item, averaged over the items both runs have, and tested over items; "
                   "unchanged means no significant change, untestable too few items to reach "
                   "alpha.\n\n",
                   pa__int(counts, "compared"), pa__int(counts, "new"), pa__int(counts, "worse"),
                   pa__int(counts, "resolved"), pa__int(counts, "better"),
                   pa__int(counts, "unchanged"), pa__int(counts, "untestable"));
        for (int pass = 0; pass < 2; pass++) {
                if (pass)
                        pa__md_out(m, "<details><summary>All group comparisons</summary>\n\n");
                pa__md_out(m, change_head);
                json_array_foreach(json_object_get(dis, "entries"), i, e)
                {
                        json_array_foreach(json_object_get(e, "groups"), j, g)
                        {
                                const char *ch = pa__str(g, "change");
                                bool flagged =
                                    json_is_true(
                                        json_object_get(json_object_get(g, "candidate"), "flag")) ||
                                    json_is_true(
                                        json_object_get(json_object_get(g, "base"), "flag"));
                                bool shown =
                                    (strcmp(ch, "unchanged") && strcmp(ch, "untestable")) ||
                                    flagged;

                                if (!ch[0] || !strcmp(ch, "unmatched") || (!pass && !shown))
                                        continue;
                                if (pass)
                                        all++;
                                if ((pass ? all : ++rows) <= MAX_ROWS && !pa__md_full(m))
                                        change_row(m, e, g);
                        }
                }
                if (!pass && !rows)
                        pa__md_out(m, "| | | no significant change, none flagged | | | | | | |\n");
                pa__md_omitted(m, pass && all > MAX_ROWS ? all - MAX_ROWS : 0, "diff.json");
                pa__md_out(m, pass ? "\n</details>\n\n" : "\n");
        }
}

static void answer(struct pa_md *m, const json_t *side)
{
        const json_t *err = json_object_get(side, "error");

        if (json_is_string(err)) {
                pa__md_out(m, "error: ");
                pa__md_cell(m, json_string_value(err));
                return;
        }
        pa__md_out(m, "%s ", json_is_true(json_object_get(side, "score")) ? "\u2714" : "\u2718");
        pa__md_cell(m, pa__str(side, "response"));
}

static void flipped(struct pa_md *m, const json_t *diff)
{
        const json_t *fl = json_object_get(diff, "flipped"), *x, *v;
        const char *k;
        bool first = true;
        size_t i;

        pa__md_out(m, "### Flipped answers\n\n%lld paired answers changed outcome",
                   pa__int(fl, "total"));
        json_object_foreach(json_object_get(fl, "by_domain"), k, v)
        {
                pa__md_out(m, "%s", first ? " (" : ", ");
                first = false;
                pa__md_cell(m, k);
                pa__md_out(m, " %lld", (long long)json_integer_value(v));
        }
        pa__md_out(m, "%s.\n\n", json_object_size(json_object_get(fl, "by_domain")) ? ")" : "");
        if (!pa__int(fl, "total"))
                return;
        pa__md_out(
            m,
            "<details><summary>The first %lld, side by side</summary>\n\n"
            "| item | groups | sample | base answer | candidate answer |\n| --- | --- | ---: | --- "
            "| --- |\n",
            (long long)(pa__int(fl, "total") < MAX_FLIPS ? pa__int(fl, "total") : MAX_FLIPS));
        json_array_foreach(json_object_get(fl, "cases"), i, x)
        {
                char groups[512];

                if (i >= MAX_FLIPS || pa__md_full(m))
                        break;
                pa__md_lead(m, pa__str(x, "item_id"),
                            pa__kv(json_object_get(x, "groups"), groups, sizeof(groups))[0]
                                ? groups
                                : "\u2013");
                pa__md_out(m, " | %lld | ", pa__int(x, "sample"));
                answer(m, json_object_get(x, "base"));
                pa__md_out(m, " | ");
                answer(m, json_object_get(x, "candidate"));
                pa__md_out(m, " |\n");
        }
        pa__md_omitted(m, (size_t)pa__int(fl, "total") > i ? (size_t)pa__int(fl, "total") - i : 0,
                       "diff.json (the first 200) and report.html");
        pa__md_out(m, "\n</details>\n\n");
}

int pa__md_diff(const json_t *diff, struct pa_md *m)
{
        const json_t *v = json_object_get(diff, "verdict"),
                     *t = json_object_get(diff, "thresholds");
        const char *word = pa__diff_word(diff);

        pa__md_out(m, "## parity diff: %s %s \u2014 ", strcmp(word, "PASS") ? "\u274c" : "\u2705",
                   word);
        pa__md_cell(m, pa__str(json_object_get(diff, "candidate"), "model"));
        pa__md_out(m, " vs ");
        pa__md_cell(m, pa__str(json_object_get(diff, "base"), "model"));
        pa__md_out(m, "\n\n> **Verdict.** ");
        pa__md_cell(m, pa__str(v, "text"));
        pa__md_out(m, "\n\n");
        gates(m, diff);
        runs_table(m, diff);
        regression(m, diff);
        disparities(m, diff);
        flipped(m, diff);
        pa__md_out(m,
                   "<sub>parity %s \u00b7 diff.json schema %lld \u00b7 thresholds: %s "
                   "(alpha %g, %s, min diff %g, max drop %g)",
                   PA_VERSION, pa__int(diff, "parity_diff"), pa__str(t, "source"),
                   pa__num(json_object_get(t, "alpha")), pa__str(t, "correction"),
                   pa__num(json_object_get(t, "min_diff")),
                   pa__num(json_object_get(t, "max_drop")));
        if (json_is_string(json_object_get(t, "sha256")))
                pa__md_out(m, ", file sha256 %.16s", pa__str(t, "sha256"));
        pa__md_out(m, "</sub>\n");
        return 0;
}

static void ll144(struct pa_md *m, const json_t *tb)
{
        const json_t *c;
        char axes[256], r[PA_FMT];
        size_t i;

        pa__md_out(m, "<details><summary>");
        pa__md_cell(m, pa__str(tb, "outcome"));
        pa__md_out(m, " by ");
        pa__md_cell(m, pa__join(json_object_get(tb, "axes"), " \u00d7 ", axes, sizeof(axes)));
        pa__md_out(m,
                   " (%s, %lld records)</summary>\n\n| category | records | scored | selected | "
                   "selection rate | impact ratio |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
                   pa__str(tb, "kind"), pa__int(tb, "records"));
        json_array_foreach(json_object_get(tb, "categories"), i, c)
        {
                if (i >= MAX_AUDIT || pa__md_full(m))
                        break;
                pa__md_out(m, "| ");
                pa__md_cell(m, pa__str(c, "category"));
                pa__md_out(m, "%s | %lld | %lld | %lld | ",
                           json_is_true(json_object_get(c, "small")) ? " (small)" : "",
                           pa__int(c, "records"), pa__int(c, "n"), pa__int(c, "selected"));
                pa__md_out(m, "%s | ", pa__fmt_dec(json_object_get(c, "selection_rate"), r));
                pa__md_out(m, "%s |\n", pa__fmt_dec(json_object_get(c, "impact_ratio"), r));
        }
        pa__md_out(m, "\n</details>\n\n");
}

void pa__md_audit(struct pa_md *m, const json_t *audit)
{
        const json_t *tb, *it;
        size_t i;

        pa__md_out(m, "### Audit: selection rates and impact ratios (Local Law 144 style)\n\n");
        if (json_is_true(json_object_get(json_object_get(audit, "data_source"), "synthetic")))
                pa__md_out(m, "_Test data: the prompts are synthetic counterfactuals, not "
                              "historical decisions._\n\n");
        json_array_foreach(json_object_get(json_object_get(audit, "ll144"), "tables"), i, tb)
        {
                if (pa__md_full(m))
                        break;
                ll144(m, tb);
        }
        pa__md_out(m, "| check | framework | requirement | status |\n| --- | --- | --- | --- |\n");
        json_array_foreach(json_object_get(audit, "checklist"), i, it)
        {
                if (i >= MAX_AUDIT || pa__md_full(m))
                        break;
                pa__md_lead(m, pa__str(it, "id"), pa__str(it, "framework"));
                pa__md_out(m, " | ");
                pa__md_cell(m, pa__str(it, "requirement"));
                pa__md_out(m, " | %s |\n",
                           !strcmp(pa__str(it, "status"), "present") ? "present" : "**missing**");
        }
        pa__md_out(m, "\n");
}
