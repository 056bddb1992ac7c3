/* report.md: GitHub-flavoured Markdown that fits a pull-request comment
 * (docs/reports.md "report.md"). The verdict and the tables that decide it
 * come first; the long lists sit in <details> blocks, are capped, and the
 * whole document stays under BUDGET bytes whatever the suite's size. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "markdown.h"
#include "verdict.h"

#define BUDGET       60000 /* GitHub's comment limit is 65536 characters */
#define MAX_FINDINGS 50
#define MAX_ROWS     150
#define MAX_FLIPS    5 /* per axis in a run */

void pa__md_out(struct pa_md *m, const char *fmt, ...)
{
        va_list ap;
        int w;

        va_start(ap, fmt);
        w = vfprintf(m->f, fmt, ap);
        va_end(ap);
        if (w > 0)
                m->n += (size_t)w;
}

bool pa__md_full(const struct pa_md *m)
{
        return m->n > BUDGET;
}

/* Text safe in a table cell: no line breaks, no HTML, no Markdown. */
void pa__md_cell(struct pa_md *m, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '\n':
                case '\r':
                case '\t':
                        pa__md_out(m, " ");
                        break;
                case '<':
                        pa__md_out(m, "&lt;");
                        break;
                case '>':
                        pa__md_out(m, "&gt;");
                        break;
                case '&':
                        pa__md_out(m, "&amp;");
                        break;
                case '|':
                case '\\':
                case '`':
                case '*':
                case '_':
                case '[':
                case ']':
                case '#':
                case '~':
                        pa__md_out(m, "\\%c", *s);
                        break;
                default:
                        pa__md_out(m, "%c", *s);
                }
        }
}

void pa__md_lead(struct pa_md *m, const char *a, const char *b)
{
        pa__md_out(m, "| ");
        pa__md_cell(m, a);
        pa__md_out(m, " | ");
        pa__md_cell(m, b);
}

void pa__md_group(struct pa_md *m, const json_t *e, const json_t *g)
{
        pa__md_lead(m, pa__str(e, "outcome"), pa__str(e, "axis"));
        pa__md_out(m, " | ");
        pa__md_cell(m, pa__str(g, "group"));
        pa__md_out(m, " vs ");
        pa__md_cell(m, pa__str(e, "reference"));
}

void pa__md_omitted(struct pa_md *m, size_t n, const char *where)
{
        if (n)
                pa__md_out(m, "\n_%zu more rows not shown here; %s has them all._\n", n, where);
}

static void verdict(struct pa_md *m, const char *text)
{
        pa__md_out(m, "> **Verdict.** ");
        pa__md_cell(m, text);
        pa__md_out(m, "\n\n");
}

static void facts(struct pa_md *m, const json_t *summary, const json_t *manifest)
{
        char model[PA_MODEL_NAME];
        const json_t *a = json_object_get(summary, "analysis");
        const json_t *p = json_object_get(manifest, "parameters");

        pa__md_out(m, "| run | model | engine | records | samples | flagged when |\n"
                      "| --- | --- | --- | ---: | ---: | --- |\n| `");
        pa__md_cell(m, pa__str(summary, "run_id"));
        pa__md_out(m, "` | ");
        pa__md_cell(m, pa__model_of(manifest, model));
        pa__md_out(m, " | ");
        pa__md_cell(m, pa__str(json_object_get(manifest, "engine"), "name"));
        pa__md_out(m, " | %lld | %lld | %s p < %g, \\|diff\\| \u2265 %g |\n\n",
                   pa__int(summary, "records"),
                   json_is_integer(json_object_get(p, "samples")) ? pa__int(p, "samples") : 1,
                   !strcmp(pa__str(a, "correction"), "holm") ? "Holm" : "BH",
                   pa__num(json_object_get(a, "alpha")), pa__num(json_object_get(a, "min_diff")));
}

/* | outcome | axis | group | ... of one group of one entry. */
static void group_row(struct pa_md *m, const json_t *e, const json_t *g, bool full)
{
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], ci[2 * PA_FMT];

        pa__md_group(m, e, g);
        if (full)
                pa__md_out(m, " | %lld", pa__int(g, "n"));
        pa__md_out(m, " | %s [%s]", pa__fmt_key(g, "rate", pa__fmt_rate, a),
                   pa__fmt_ci(json_object_get(g, "ci"), false, ci));
        pa__md_out(m, " | %s [%s]", pa__fmt_key(g, "diff", pa__fmt_signed, b),
                   pa__fmt_ci(json_object_get(g, "diff_ci"), true, ci));
        pa__md_out(m, " | %s", pa__fmt_key(g, "p_adjusted", pa__fmt_p, c));
        if (full)
                pa__md_out(m, " | %s | %s", pa__fmt_key(g, "mde", pa__fmt_rate, a),
                           pa__fmt_key(g, "impact_ratio", pa__fmt_rate, b));
        if (json_is_true(json_object_get(g, "flag")))
                pa__md_out(m, " | **flagged** |\n");
        else if (json_is_string(json_object_get(g, "note"))) {
                /* untestable, or an interval excluding 0 beside no flag: say why */
                pa__md_out(m, " | _");
                pa__md_cell(m, pa__str(g, "note"));
                pa__md_out(m, "_ |\n");
        } else
                pa__md_out(m, " |  |\n");
}

/* An intersection cell's interaction as its own row: the group column
 * reads "woman+old: interaction". */
static void interaction_row(struct pa_md *m, const json_t *e, const json_t *g, bool full)
{
        const json_t *x = json_object_get(g, "interaction");
        json_t *row;
        char label[300];

        if (!json_is_object(x) || !(row = json_deep_copy(x)))
                return;
        snprintf(label, sizeof(label), "%s: interaction", pa__str(g, "group"));
        json_object_set_new(row, "group", json_string(label));
        json_object_set_new(row, "n", json_integer(pa__int(g, "n")));
        group_row(m, e, row, full);
        json_decref(row);
}

/* Beside the findings: each outcome scored by the judge, flagged or not,
 * with what is known of the judge's error rate (summary.json "judge"). */
static void judge_notes(struct pa_md *m, const json_t *summary)
{
        const char *name;
        json_t *o;
        bool any = false;

        json_object_foreach(json_object_get(json_object_get(summary, "judge"), "outcomes"), name, o)
        {
                pa__md_out(m, "- Outcome **");
                pa__md_cell(m, name);
                pa__md_out(m, "** rests on the judge: ");
                pa__md_cell(m, json_string_value(json_object_get(o, "note")));
                pa__md_out(m, ".\n");
                any = true;
        }
        if (any)
                pa__md_out(m, "\n");
}

static void findings(struct pa_md *m, const json_t *summary)
{
        const json_t *e, *g;
        size_t i, j, n = 0, total = 0, rows = 0;

        json_array_foreach(json_object_get(summary, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *x = json_object_get(g, "interaction");

                        total += pa__compared(g) + pa__compared(x);
                        n += json_is_true(json_object_get(g, "flag")) +
                             json_is_true(json_object_get(x, "flag"));
                }
        }
        pa__md_out(m, "### Findings: %zu of %zu comparisons flagged\n\n", n, total);
        if (n) {
                pa__md_out(
                    m, "| outcome | axis | group | rate [95%% CI] | diff [95%% CI] | p adj | |\n"
                       "| --- | --- | --- | --- | --- | ---: | --- |\n");
                json_array_foreach(json_object_get(summary, "outcomes"), i, e)
                {
                        json_array_foreach(json_object_get(e, "groups"), j, g)
                        {
                                const json_t *x = json_object_get(g, "interaction");

                                if (json_is_true(json_object_get(g, "flag")) &&
                                    rows++ < MAX_FINDINGS)
                                        group_row(m, e, g, false);
                                if (json_is_true(json_object_get(x, "flag")) &&
                                    rows++ < MAX_FINDINGS)
                                        interaction_row(m, e, g, false);
                        }
                }
                pa__md_omitted(m, rows > MAX_FINDINGS ? rows - MAX_FINDINGS : 0, "summary.json");
                pa__md_out(m, "\n");
        }
        judge_notes(m, summary);
        pa__md_out(
            m,
            "<details><summary>All %zu group comparisons (rates, intervals, minimum "
            "detectable differences)</summary>\n\n"
            "| outcome | axis | group | n | rate [95%% CI] | diff [95%% CI] | p adj | MDE | "
            "impact ratio | |\n| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | --- |\n",
            total);
        rows = 0;
        json_array_foreach(json_object_get(summary, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        if (!pa__compared(g))
                                continue;
                        if (rows++ < MAX_ROWS && !pa__md_full(m))
                                group_row(m, e, g, true);
                        if (pa__compared(json_object_get(g, "interaction")) && rows++ < MAX_ROWS &&
                            !pa__md_full(m))
                                interaction_row(m, e, g, true);
                }
        }
        pa__md_omitted(m, rows > MAX_ROWS ? rows - MAX_ROWS : 0, "report.html");
        pa__md_out(m, "\n</details>\n\n");
}

static void domains(struct pa_md *m, const json_t *summary)
{
        const json_t *d;
        char a[PA_FMT], ci[2 * PA_FMT];
        size_t i, n = json_array_size(json_object_get(summary, "domains"));

        if (!n)
                return;
        pa__md_out(m,
                   "<details><summary>Rates by domain (%zu)</summary>\n\n"
                   "| outcome | domain | n | rate [95%% CI] |\n| --- | --- | ---: | --- |\n",
                   n);
        json_array_foreach(json_object_get(summary, "domains"), i, d)
        {
                if (i >= MAX_ROWS || pa__md_full(m))
                        break;
                pa__md_lead(m, pa__str(d, "outcome"), pa__str(d, "domain"));
                pa__md_out(m, " | %lld | %s [%s] |\n", pa__int(d, "n"),
                           pa__fmt_key(d, "rate", pa__fmt_rate, a),
                           pa__fmt_ci(json_object_get(d, "ci"), false, ci));
        }
        pa__md_omitted(m, n > i ? n - i : 0, "summary.json");
        pa__md_out(m, "\n</details>\n\n");
}

static void outcomes_of(struct pa_md *m, const json_t *outcomes)
{
        const char *g;
        json_t *v;
        bool first = true;

        json_object_foreach((json_t *)outcomes, g, v)
        {
                pa__md_out(m, "%s", first ? "" : ", ");
                pa__md_cell(m, g);
                pa__md_out(m, " %s", json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "\u2013");
                first = false;
        }
}

static void flips(struct pa_md *m, const json_t *summary)
{
        const json_t *e, *x;
        char a[PA_FMT];
        size_t i, j;

        pa__md_out(m, "<details><summary>Counterfactual sets whose outcome changed with the "
                      "group</summary>\n\n| outcome | axis | flip rate | sets | examples |\n"
                      "| --- | --- | ---: | ---: | --- |\n");
        json_array_foreach(json_object_get(summary, "outcomes"), i, e)
        {
                if (pa__md_full(m))
                        break;
                pa__md_lead(m, pa__str(e, "outcome"), pa__str(e, "axis"));
                pa__md_out(m, " | %s | %lld | ", pa__fmt_key(e, "flip_rate", pa__fmt_rate, a),
                           pa__int(e, "sets"));
                json_array_foreach(json_object_get(e, "flipped"), j, x)
                {
                        if (j == MAX_FLIPS)
                                break;
                        pa__md_out(m, "%s", j ? "; " : "");
                        pa__md_cell(m, pa__str(x, "item_id"));
                        pa__md_out(m, " (");
                        outcomes_of(m, json_object_get(x, "outcomes"));
                        pa__md_out(m, ")");
                }
                pa__md_out(m, " |\n");
        }
        pa__md_out(m, "\n</details>\n\n");
}

static int run_md(const struct pa_report_doc *doc, struct pa_md *m)
{
        char model[PA_MODEL_NAME];
        const json_t *s = doc->summary;
        char *text = pa__verdict_run(s, doc->manifest);

        if (!text)
                return PA_ENOMEM;
        pa__md_out(m, "## parity: ");
        pa__md_cell(m, pa__str(s, "suite"));
        pa__md_out(m, " ");
        pa__md_cell(m, pa__str(s, "suite_version"));
        pa__md_out(m, " on ");
        pa__md_cell(m, pa__model_of(doc->manifest, model));
        pa__md_out(m, "\n\n");
        verdict(m, text);
        free(text);
        facts(m, s, doc->manifest);
        findings(m, s);
        domains(m, s);
        flips(m, s);
        if (doc->audit)
                pa__md_audit(m, doc->audit);
        pa__md_out(m,
                   "<sub>parity %s \u00b7 summary.json schema %lld \u00b7 details: report.html, "
                   "summary.json</sub>\n",
                   PA_VERSION, pa__int(s, "parity_summary"));
        return 0;
}

static int md_render(const struct pa_report_doc *doc, FILE *f, struct pa_err *err)
{
        struct pa_md m = {.f = f};
        int rc = doc->diff ? pa__md_diff(doc->diff, &m) : run_md(doc, &m);

        if (rc == PA_ENOMEM)
                return pa_errf(err, rc, "report.md: out of memory");
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write report.md") : rc;
}

const struct pa_reporter_ops pa_reporter_markdown = {
    .name = "md",
    .file = "report.md",
    .diff_file = "report.md",
    .render = md_render,
};
