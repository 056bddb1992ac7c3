/* report.html: one self-contained page per run or diff (html.h,
 * docs/reports.md "report.html"). This file: the reporter and the run
 * page; reports/html_diff.c the diff page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "html.h"
#include "verdict.h"

static bool several_outcomes(const json_t *outcomes)
{
        const json_t *e;
        size_t i;

        json_array_foreach(outcomes, i, e)
        {
                if (strcmp(pa__str(e, "outcome"), pa__str(json_array_get(outcomes, 0), "outcome")))
                        return true;
        }
        return false;
}

static double weight(const struct pa_forest_row *r)
{
        return (r->tone != PA_TONE_NEUTRAL) * 10 + (isfinite(r->est) ? fabs(r->est) : 0);
}

static int by_weight(const void *x, const void *y)
{
        double wa = weight(*(struct pa_forest_row *const *)x);
        double wb = weight(*(struct pa_forest_row *const *)y);

        return (wa < wb) - (wa > wb);
}

size_t pa__html_keep(struct pa_forest_row *rows, size_t n, size_t max)
{
        struct pa_forest_row **order;
        double cut;
        size_t kept = 0, at_cut = 0;

        if (n <= max || !(order = malloc(n * sizeof(*order))))
                return n < max ? n : max;
        for (size_t i = 0; i < n; i++)
                order[i] = &rows[i];
        qsort(order, n, sizeof(*order), by_weight);
        cut = weight(order[max - 1]);
        for (size_t i = 0; i < max; i++)
                at_cut += weight(order[i]) == cut;
        free(order);
        /* The rows above the cut, and as many at it as fit, in their order. */
        for (size_t i = 0; i < n; i++) {
                double w = weight(&rows[i]);

                if (w > cut || (w == cut && at_cut && at_cut--))
                        rows[kept++] = rows[i];
        }
        return kept;
}

bool pa__html_forest(FILE *f, const char *title, struct pa_forest_row *rows, size_t n, double band,
                     const char *before, const char *after)
{
        char lab[96];

        if (!isfinite(band))
                band = 0;
        snprintf(lab, sizeof(lab), "%s \u00b1%g%s", before, band, after);
        fputs("<figure>", f);
        pa__svg_forest(f, title, rows, pa__html_keep(rows, n, PA__MAX_FOREST), band, lab);
        return n > PA__MAX_FOREST;
}

static void forest(FILE *f, const json_t *s)
{
        const json_t *outcomes = json_object_get(s, "outcomes"), *e, *g;
        double band = pa__num(json_object_get(json_object_get(s, "analysis"), "min_diff"));
        struct pa_forest_row *rows = NULL;
        bool prefix = several_outcomes(outcomes);
        size_t i, j, n = 0, total = 0;
        bool cut;

        json_array_foreach(outcomes, i, e)
        {
                total += json_array_size(json_object_get(e, "groups"));
        }
        if (!total || !(rows = calloc(total, sizeof(*rows))))
                return;
        json_array_foreach(outcomes, i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        struct pa_forest_row *r = &rows[n];
                        const json_t *ci = json_object_get(g, "diff_ci");

                        if (!json_is_number(json_object_get(g, "p_adjusted")))
                                continue;
                        snprintf(r->label, sizeof(r->label), "%s%s%s: %s vs %s",
                                 prefix ? pa__str(e, "outcome") : "", prefix ? " \u00b7 " : "",
                                 pa__str(e, "axis"), pa__str(g, "group"), pa__str(e, "reference"));
                        r->est = pa__num(json_object_get(g, "diff"));
                        r->lo = pa__num(json_array_get(ci, 0));
                        r->hi = pa__num(json_array_get(ci, 1));
                        r->base_est = r->base_lo = r->base_hi = NAN;
                        r->tone = json_is_true(json_object_get(g, "flag")) ? PA_TONE_BAD
                                                                           : PA_TONE_NEUTRAL;
                        n++;
                }
        }
        cut = pa__html_forest(f, "disparities: difference to the reference group", rows, n, band,
                              "practical threshold", "");
        fprintf(
            f,
            "<figcaption>Difference to the reference group (the mean over items of "
            "each item's difference), with %.0f%% intervals that invert the test that "
            "decides the flag. Shaded: within the practical threshold. Red: flagged (corrected p "
            "below alpha and outside the band).%s</figcaption></figure>\n",
            100 * (1 - pa__num(json_object_get(s, "alpha"))),
            cut ? " Only the flagged and largest differences are drawn; the table "
                  "has them all."
                : "");
        free(rows);
}

static void rates(FILE *f, const json_t *s)
{
        const json_t *e, *g;
        size_t i, j;

        fputs("<section id=\"rates\"><h2>Group rates</h2>\n<div class=\"grid\">\n", f);
        json_array_foreach(json_object_get(s, "outcomes"), i, e)
        {
                size_t n = json_array_size(json_object_get(e, "groups"));
                struct pa_rate_row *rows = calloc(n + 1, sizeof(*rows));
                char title[256];

                if (!rows)
                        break;
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *ci = json_object_get(g, "ci");

                        rows[j] = (struct pa_rate_row){
                            .label = pa__str(g, "group"),
                            .ref = !strcmp(pa__str(g, "group"), pa__str(e, "reference")),
                            .rate = pa__num(json_object_get(g, "rate")),
                            .lo = pa__num(json_array_get(ci, 0)),
                            .hi = pa__num(json_array_get(ci, 1)),
                            .base_rate = NAN,
                            .n = pa__int(g, "n"),
                            .tone = json_is_true(json_object_get(g, "flag")) ? PA_TONE_BAD
                                                                             : PA_TONE_NEUTRAL,
                        };
                }
                snprintf(title, sizeof(title), "%s by %s", pa__str(e, "outcome"),
                         pa__str(e, "axis"));
                fputs("<figure>", f);
                pa__svg_rates(f, title, rows, n);
                fputs("</figure>\n", f);
                free(rows);
        }
        fputs("</div>\n<p class=\"note\">Rate of the outcome per group with its Wilson interval; "
              "grey: the reference group; red: flagged.</p></section>\n",
              f);
}

/* An intersection cell's interaction as a row of the comparisons table. */
static void interaction_html(FILE *f, const json_t *e, const json_t *g)
{
        const json_t *x = json_object_get(g, "interaction");
        bool flag = json_is_true(json_object_get(x, "flag"));
        char ci[2 * PA_FMT], label[300];

        if (!json_is_object(x))
                return;
        snprintf(label, sizeof(label), "%s: interaction", pa__str(g, "group"));
        fprintf(f, "<tr class=\"%s\">", flag ? "bad hit" : "");
        pa__html_cell(f, pa__str(e, "outcome"));
        pa__html_cell(f, pa__str(e, "axis"));
        pa__html_cell(f, label);
        pa__html_cell(f, pa__str(e, "reference"));
        pa__html_int(f, x, "items");
        pa__html_cell(f, "");
        pa__html_stat(f, x, "diff", pa__fmt_signed);
        pa__html_cell(f, pa__fmt_ci(json_object_get(x, "diff_ci"), true, ci));
        pa__html_stat(f, x, "p", pa__fmt_p);
        pa__html_stat(f, x, "p_adjusted", pa__fmt_p);
        pa__html_stat(f, x, "mde", pa__fmt_rate);
        pa__html_cell(f, "");
        pa__html_cell(f, flag ? "flagged" : pa__str(x, "note"));
        fputs("</tr>\n", f);
}

/* Beside the comparisons: each outcome scored by the judge, with what is
 * known of the judge's error rate (summary.json "judge"). */
static void judge_notes(FILE *f, const json_t *s)
{
        const char *name;
        json_t *o;

        json_object_foreach(json_object_get(json_object_get(s, "judge"), "outcomes"), name, o)
        {
                fputs("\n<p class=\"note judge\">Outcome <b>", f);
                pa__html_esc(f, name);
                fputs("</b> rests on the judge: ", f);
                pa__html_esc(f, pa__str(o, "note"));
                fputs(".</p>", f);
        }
}

static void comparisons(FILE *f, const json_t *s)
{
        const json_t *e, *g;
        size_t i, j, flagged = 0;
        char ci[2 * PA_FMT];

        json_array_foreach(s ? json_object_get(s, "findings") : NULL, i, g)
        {
                flagged++;
        }
        fprintf(f,
                "<section id=\"findings\"><h2>Group comparisons <span class=\"badge%s\">%zu "
                "flagged</span></h2>\n",
                flagged ? " bad" : "", flagged);
        pa__html_controls(f, "cmp", flagged ? "flagged only" : NULL);
        fputs(
            "<div class=\"scroll\"><table class=\"sortable\" id=\"cmp\"><thead><tr><th>outcome</th>"
            "<th>axis</th><th>group</th><th>reference</th><th>n</th><th>rate</th><th>diff</th>"
            "<th>diff CI</th><th>p</th><th>p adj</th><th>MDE</th><th>impact ratio</th>"
            "<th>flag</th></tr></thead><tbody>\n",
            f);
        json_array_foreach(json_object_get(s, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        bool flag = json_is_true(json_object_get(g, "flag"));

                        if (!pa__compared(g))
                                continue;
                        fprintf(f, "<tr class=\"%s\">", flag ? "bad hit" : "");
                        pa__html_group(f, e, g);
                        pa__html_int(f, g, "n");
                        pa__html_stat(f, g, "rate", pa__fmt_rate);
                        pa__html_stat(f, g, "diff", pa__fmt_signed);
                        pa__html_cell(f, pa__fmt_ci(json_object_get(g, "diff_ci"), true, ci));
                        pa__html_stat(f, g, "p", pa__fmt_p);
                        pa__html_stat(f, g, "p_adjusted", pa__fmt_p);
                        pa__html_stat(f, g, "mde", pa__fmt_rate);
                        pa__html_stat(f, g, "impact_ratio", pa__fmt_rate);
                        if (flag)
                                fputs("<td><span class=\"badge bad\">flagged</span></td></tr>\n",
                                      f);
                        else {
                                /* untestable, or an interval excluding 0 without a flag */
                                pa__html_cell(f, pa__str(g, "note"));
                                fputs("</tr>\n", f);
                        }
                        interaction_html(f, e, g);
                }
        }
        fputs(
            "</tbody></table></div>\n<p class=\"note\">MDE: the smallest difference this run could "
            "detect with 80% power; no finding is not no bias.</p>",
            f);
        judge_notes(f, s);
        fputs("</section>\n", f);
}

static void domains(FILE *f, const json_t *s)
{
        const json_t *d;
        size_t i;
        char ci[2 * PA_FMT];

        if (!json_array_size(json_object_get(s, "domains")))
                return;
        fputs("<section id=\"domains\"><h2>Rates by domain</h2>\n<table "
              "class=\"sortable\"><thead><tr>"
              "<th>outcome</th><th>domain</th><th>n</th><th>rate</th><th>95% CI</th></tr></thead>"
              "<tbody>\n",
              f);
        json_array_foreach(json_object_get(s, "domains"), i, d)
        {
                fputs("<tr>", f);
                pa__html_cell(f, pa__str(d, "outcome"));
                pa__html_cell(f, pa__str(d, "domain"));
                pa__html_int(f, d, "n");
                pa__html_stat(f, d, "rate", pa__fmt_rate);
                pa__html_cell(f, pa__fmt_ci(json_object_get(d, "ci"), false, ci));
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table></section>\n", f);
}

static void flips(FILE *f, const json_t *s)
{
        const json_t *e, *x, *v;
        const char *k;
        size_t i, j;

        fputs("<section id=\"flips\"><h2>Counterfactual sets whose outcome changed with the "
              "group</h2>\n",
              f);
        pa__html_controls(f, "flipped", NULL);
        fputs("<div class=\"scroll\"><table class=\"sortable\" "
              "id=\"flipped\"><thead><tr><th>outcome</th>"
              "<th>axis</th><th>flip rate</th><th>item</th><th>sample</th><th>other groups</th>"
              "<th>outcome per group</th></tr></thead><tbody>\n",
              f);
        json_array_foreach(json_object_get(s, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "flipped"), j, x)
                {
                        char ctx[512];

                        fputs("<tr>", f);
                        pa__html_cell(f, pa__str(e, "outcome"));
                        pa__html_cell(f, pa__str(e, "axis"));
                        pa__html_stat(f, e, "flip_rate", pa__fmt_rate);
                        pa__html_cell(f, pa__str(x, "item_id"));
                        pa__html_int(f, x, "sample");
                        pa__html_cell(f, pa__kv(json_object_get(x, "context"), ctx, sizeof(ctx)));
                        fputs("<td>", f);
                        json_object_foreach(json_object_get(x, "outcomes"), k, v)
                        {
                                pa__html_esc(f, k);
                                fprintf(f, " %s ",
                                        json_is_true(v)    ? "\u2714"
                                        : json_is_false(v) ? "\u2718"
                                                           : "\u2013");
                        }
                        fputs("</td></tr>\n", f);
                }
        }
        fputs("</tbody></table></div>\n<p class=\"note\">Up to 20 sets per axis, as summary.json "
              "lists "
              "them.</p></section>\n",
              f);
}

static void facts(FILE *f, const json_t *s, const json_t *m)
{
        char model[PA_MODEL_NAME];
        const json_t *a = json_object_get(s, "analysis"), *su = json_object_get(m, "suite");
        const json_t *p = json_object_get(m, "parameters");

        fputs("<dl class=\"facts\"><dt>run</dt><dd><code>", f);
        pa__html_esc(f, pa__str(s, "run_id"));
        fputs("</code></dd><dt>model</dt><dd>", f);
        pa__html_esc(f, pa__model_of(m, model));
        fputs("</dd><dt>engine</dt><dd>", f);
        pa__html_esc(f, pa__str(json_object_get(m, "engine"), "name"));
        fputs("</dd><dt>suite</dt><dd>", f);
        pa__html_esc(f, pa__str(s, "suite"));
        fputs(" ", f);
        pa__html_esc(f, pa__str(s, "suite_version"));
        if (json_is_string(json_object_get(su, "sha256")))
                fprintf(f, " <code>sha256 %.16s</code>", pa__str(su, "sha256"));
        fprintf(f, "</dd><dt>records</dt><dd>%lld", pa__int(s, "records"));
        if (json_is_integer(json_object_get(p, "samples")))
                fprintf(f, " (%lld samples a case)", pa__int(p, "samples"));
        fprintf(f,
                "</dd><dt>flagged when</dt><dd>%s-corrected p &lt; %g and |diff| &ge; %g "
                "(%lld comparisons)</dd></dl>\n",
                pa__str(a, "correction"), pa__num(json_object_get(a, "alpha")),
                pa__num(json_object_get(a, "min_diff")), pa__int(a, "comparisons"));
}

static int run_page(const struct pa_report_doc *doc, FILE *f)
{
        char model[PA_MODEL_NAME];
        const json_t *s = doc->summary;
        size_t flagged = json_array_size(json_object_get(s, "findings"));
        char *text = pa__verdict_run(s, doc->manifest), title[512];

        if (!text)
                return PA_ENOMEM;
        snprintf(title, sizeof(title), "parity report: %s %s on %s", pa__str(s, "suite"),
                 pa__str(s, "suite_version"), pa__model_of(doc->manifest, model));
        pa__html_head(f, title);
        fputs("<header><h1>", f);
        pa__html_esc(f, title);
        fputs("</h1></header>\n", f);
        fprintf(f,
                "<section class=\"verdict%s\"><h2>Verdict <span class=\"badge %s\">%zu flagged"
                "</span></h2><p>",
                flagged ? " fail" : "", flagged ? "bad" : "good", flagged);
        pa__html_esc(f, text);
        free(text);
        fputs("</p></section>\n<section><h2>Run</h2>\n", f);
        facts(f, s, doc->manifest);
        fputs("</section>\n<section id=\"disparities\"><h2>Disparities</h2>\n", f);
        forest(f, s);
        fputs("</section>\n", f);
        rates(f, s);
        comparisons(f, s);
        domains(f, s);
        flips(f, s);
        if (doc->audit)
                pa__html_audit(f, doc->audit);
        fprintf(
            f,
            "<footer>parity %s \u00b7 summary.json schema %lld \u00b7 this page is self-contained "
            "and makes no network requests</footer>\n",
            PA_VERSION, pa__int(s, "parity_summary"));
        pa__html_foot(f);
        return 0;
}

static int html_render(const struct pa_report_doc *doc, FILE *f, struct pa_err *err)
{
        int rc = doc->diff ? pa__html_diff(f, doc->diff) : run_page(doc, f);

        if (rc)
                return pa_errf(err, rc, "report.html: out of memory");
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write report.html") : 0;
}

const struct pa_reporter_ops pa_reporter_html = {
    .name = "html",
    .file = "report.html",
    .diff_file = "report.html",
    .render = html_render,
};
