/* report.html of a diff (html.h): verdict and gates, the two runs, the
 * per-domain deltas, the disparities of both runs side by side, group
 * rates, and the flipped answers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "html.h"
#include "verdict.h"

static void gates(FILE *f, const json_t *diff)
{
        const json_t *g;
        size_t i;

        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                const char *st = pa__str(g, "status");

                fprintf(f, " <span class=\"badge %s\">",
                        !strcmp(st, "fail") || !strcmp(st, "untestable") ? "bad"
                        : !strcmp(st, "pass")                            ? "good"
                                                                         : "");
                pa__html_esc(f, pa__str(g, "gate"));
                fprintf(f, ": %s</span>", st);
        }
}

static void runs(FILE *f, const json_t *diff)
{
        const json_t *side[2] = {json_object_get(diff, "base"), json_object_get(diff, "candidate")};
        const json_t *t = json_object_get(diff, "thresholds"), *note;
        static const char *const rows[] = {"run",     "model",   "engine", "suite",
                                           "records", "samples", "flagged"};
        size_t i;

        fputs("<section><h2>Runs</h2>\n<table><thead><tr><th></th><th>base</th><th>candidate</th>"
              "</tr></thead><tbody>\n",
              f);
        for (size_t r = 0; r < sizeof(rows) / sizeof(*rows); r++) {
                fprintf(f, "<tr><th>%s</th>", rows[r]);
                for (int k = 0; k < 2; k++) {
                        const json_t *s = json_object_get(side[k], "suite");

                        fputs("<td>", f);
                        if (r == 0) {
                                fputs("<code>", f);
                                pa__html_esc(f, pa__str(side[k], "run_id"));
                                fputs("</code>", f);
                        } else if (r == 1 || r == 2) {
                                pa__html_esc(f, pa__str(side[k], r == 1 ? "model" : "engine"));
                        } else if (r == 3) {
                                pa__html_esc(f, pa__str(s, "id"));
                                fputs(" ", f);
                                pa__html_esc(f, pa__str(s, "version"));
                                fprintf(f, " <code>%.12s</code>", pa__str(s, "sha256"));
                        } else {
                                fprintf(f, "%lld",
                                        pa__int(side[k], r == 4   ? "records"
                                                         : r == 5 ? "samples"
                                                                  : "findings"));
                        }
                        fputs("</td>", f);
                }
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n<ul>\n", f);
        json_array_foreach(json_object_get(json_object_get(diff, "comparability"), "notes"), i,
                           note)
        {
                fputs("<li>", f);
                pa__html_esc(f, json_string_value(note));
                fputs("</li>\n", f);
        }
        fprintf(f,
                "<li>Thresholds (%s): alpha %g, %s correction, practical threshold %g, maximum "
                "accuracy drop %g",
                pa__str(t, "source"), pa__num(json_object_get(t, "alpha")),
                pa__str(t, "correction"), pa__num(json_object_get(t, "min_diff")),
                pa__num(json_object_get(t, "max_drop")));
        if (json_is_string(json_object_get(t, "file"))) {
                fputs("; file <code>", f);
                pa__html_esc(f, pa__str(t, "file"));
                fprintf(f, "</code> sha256 <code>%.16s</code>", pa__str(t, "sha256"));
        }
        fputs(".</li>\n</ul></section>\n", f);
}

static void regression(FILE *f, const json_t *diff)
{
        const json_t *reg = json_object_get(diff, "regression"), *d;
        size_t i, n = json_array_size(json_object_get(reg, "domains"));
        struct pa_forest_row *rows = calloc(n + 1, sizeof(*rows));
        double band = pa__num(json_object_get(reg, "max_drop"));
        char ci[2 * PA_FMT];

        fputs("<section id=\"regression\"><h2>Accuracy and rates by domain</h2>\n", f);
        json_array_foreach(json_object_get(reg, "domains"), i, d)
        {
                const json_t *c = json_object_get(d, "delta_ci");
                const char *v = pa__str(d, "verdict");
                bool acc = !strcmp(pa__str(d, "kind"), "accuracy");

                if (!rows)
                        break;
                snprintf(rows[i].label, sizeof(rows[i].label), "%s \u00b7 %s",
                         pa__str(d, "outcome"), pa__str(d, "domain"));
                rows[i].est = pa__num(json_object_get(d, "delta"));
                rows[i].lo = pa__num(json_array_get(c, 0));
                rows[i].hi = pa__num(json_array_get(c, 1));
                rows[i].base_est = rows[i].base_lo = rows[i].base_hi = NAN;
                rows[i].tone = json_is_true(json_object_get(d, "gate_failed")) ? PA_TONE_BAD
                               : acc && !strcmp(v, "improvement")              ? PA_TONE_GOOD
                                                                               : PA_TONE_NEUTRAL;
        }
        if (rows && n) {
                pa__html_forest(f, "change of accuracy per domain", rows, n, band, "within",
                                " (max drop)");
                fprintf(f,
                        "<figcaption>Candidate minus base per item (its cases and samples "
                        "paired), averaged over items, with the %.3g%% interval of the sign-flip "
                        "test over items (the corrected level: it excludes 0 exactly when p adj < "
                        "alpha). Red: a regression that fails the gate; green: an "
                        "improvement.</figcaption></figure>\n",
                        100 * pa__num(json_object_get(json_object_get(diff, "thresholds"),
                                                      "ci_level")));
        }
        free(rows);
        fputs("<table class=\"sortable\"><thead><tr><th>outcome</th><th>domain</th><th>kind</th>"
              "<th>pairs</th><th>base</th><th>candidate</th><th>delta</th><th>CI</th>"
              "<th>p adj</th><th>verdict</th></tr></thead><tbody>\n",
              f);
        json_array_foreach(json_object_get(reg, "domains"), i, d)
        {
                bool bad = json_is_true(json_object_get(d, "gate_failed"));

                fprintf(f, "<tr class=\"%s\">", bad ? "bad" : "");
                pa__html_cell(f, pa__str(d, "outcome"));
                pa__html_cell(f, pa__str(d, "domain"));
                pa__html_cell(f, pa__str(d, "kind"));
                pa__html_int(f, d, "n");
                pa__html_stat(f, d, "acc_base", pa__fmt_rate);
                pa__html_stat(f, d, "acc_cand", pa__fmt_rate);
                pa__html_stat(f, d, "delta", pa__fmt_signed);
                pa__html_cell(f, pa__fmt_ci(json_object_get(d, "delta_ci"), true, ci));
                pa__html_stat(f, d, "p_adjusted", pa__fmt_p);
                fprintf(f, "<td>%s%s%s</td></tr>\n", bad ? "<span class=\"badge bad\">" : "",
                        pa__domain_verdict(d), bad ? "</span>" : "");
        }
        fputs("</tbody></table></section>\n", f);
}

static enum pa_tone change_tone(const char *ch)
{
        if (!strcmp(ch, "new") || !strcmp(ch, "worse"))
                return PA_TONE_BAD;
        if (!strcmp(ch, "resolved") || !strcmp(ch, "better"))
                return PA_TONE_GOOD;
        return PA_TONE_NEUTRAL;
}

static void forest(FILE *f, const json_t *dis, size_t total)
{
        const json_t *e, *g;
        struct pa_forest_row *rows = calloc(total + 1, sizeof(*rows));
        double band = pa__num(json_object_get(dis, "min_diff"));
        size_t i, j, n = 0;
        bool cut;

        if (!rows)
                return;
        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *b = json_object_get(g, "base"),
                                     *c = json_object_get(g, "candidate");
                        struct pa_forest_row *r = &rows[n];

                        if (n == total || json_is_true(json_object_get(g, "reference")))
                                continue;
                        snprintf(r->label, sizeof(r->label), "%s: %s vs %s", pa__str(e, "axis"),
                                 pa__str(g, "group"), pa__str(e, "reference"));
                        r->est = pa__num(json_object_get(c, "diff"));
                        r->lo = pa__num(json_array_get(json_object_get(c, "diff_ci"), 0));
                        r->hi = pa__num(json_array_get(json_object_get(c, "diff_ci"), 1));
                        r->base_est = pa__num(json_object_get(b, "diff"));
                        r->base_lo = pa__num(json_array_get(json_object_get(b, "diff_ci"), 0));
                        r->base_hi = pa__num(json_array_get(json_object_get(b, "diff_ci"), 1));
                        r->tone = change_tone(pa__str(g, "change"));
                        if (r->tone == PA_TONE_NEUTRAL && json_is_true(json_object_get(c, "flag")))
                                r->tone = PA_TONE_BAD;
                        n++;
                }
        }
        cut = pa__html_forest(f, "disparities in the base and the candidate", rows, n, band,
                              "practical threshold", "");
        fprintf(f,
                "<figcaption>Each group's rate minus its reference group's, base (open circle) "
                "and candidate (square), with intervals. Red: new, worse or still flagged; green: "
                "resolved or better.%s</figcaption></figure>\n",
                cut ? " Only the changed and largest are drawn; the table has them all." : "");
        free(rows);
}

static void disparities(FILE *f, const json_t *diff)
{
        const json_t *dis = json_object_get(diff, "disparities"), *e, *g;
        const json_t *counts = json_object_get(dis, "counts");
        size_t i, j, total = 0;
        char ci[2 * PA_FMT];

        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                total += json_array_size(json_object_get(e, "groups"));
        }
        fprintf(
            f,
            "<section id=\"disparities\"><h2>Disparities: base vs candidate</h2>\n<p>%lld "
            "comparisons: %lld new, %lld worse, %lld resolved, %lld better, %lld unchanged, %lld "
            "untestable. The change is the candidate's difference to the reference minus the "
            "base's, per item, averaged over the items both runs have and tested over items; "
            "unchanged means no significant change, untestable too few items to reach "
            "alpha.</p>\n",
            pa__int(counts, "compared"), pa__int(counts, "new"), pa__int(counts, "worse"),
            pa__int(counts, "resolved"), pa__int(counts, "better"), pa__int(counts, "unchanged"),
            pa__int(counts, "untestable"));
        forest(f, dis, total);
        pa__html_controls(f, "changes", "changed or flagged only");
        fputs(
            "<div class=\"scroll\"><table class=\"sortable\" "
            "id=\"changes\"><thead><tr><th>outcome</th>"
            "<th>axis</th><th>group</th><th>reference</th><th>base diff</th><th>candidate diff</th>"
            "<th>change</th><th>CI</th><th>items</th><th>p adj</th><th>change</th></tr>"
            "</thead><tbody>\n",
            f);
        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *b = json_object_get(g, "base"),
                                     *c = json_object_get(g, "candidate");
                        const char *ch = pa__str(g, "change");
                        enum pa_tone tone = change_tone(ch);
                        bool flag = json_is_true(json_object_get(c, "flag"));

                        if (!ch[0])
                                continue;
                        fprintf(f, "<tr class=\"%s%s\">",
                                tone == PA_TONE_BAD    ? "bad"
                                : tone == PA_TONE_GOOD ? "good"
                                                       : "",
                                tone != PA_TONE_NEUTRAL || flag ? " hit" : "");
                        pa__html_group(f, e, g);
                        pa__html_stat(f, b, "diff", pa__fmt_signed);
                        pa__html_stat(f, c, "diff", pa__fmt_signed);
                        pa__html_stat(f, g, "diff_change", pa__fmt_signed);
                        pa__html_cell(f,
                                      pa__fmt_ci(json_object_get(g, "diff_change_ci"), true, ci));
                        pa__html_int(f, g, "items");
                        pa__html_stat(f, g, "p_adjusted", pa__fmt_p);
                        fprintf(f, "<td><span class=\"badge %s\">%s%s</span></td></tr>\n",
                                tone == PA_TONE_BAD    ? "bad"
                                : tone == PA_TONE_GOOD ? "good"
                                                       : "",
                                ch, flag && tone == PA_TONE_NEUTRAL ? ", flagged" : "");
                }
        }
        fputs("</tbody></table></div></section>\n", f);
}

static void rates(FILE *f, const json_t *diff)
{
        const json_t *e, *g;
        size_t i, j;

        fputs("<section id=\"rates\"><h2>Group rates: base and candidate</h2>\n<div "
              "class=\"grid\">\n",
              f);
        json_array_foreach(json_object_get(json_object_get(diff, "disparities"), "entries"), i, e)
        {
                size_t n = json_array_size(json_object_get(e, "groups"));
                struct pa_rate_row *rows = calloc(n + 1, sizeof(*rows));
                char title[256];

                if (!rows)
                        break;
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *b = json_object_get(g, "base"),
                                     *c = json_object_get(g, "candidate");

                        rows[j] = (struct pa_rate_row){
                            .label = pa__str(g, "group"),
                            .ref = json_is_true(json_object_get(g, "reference")),
                            .rate = pa__num(json_object_get(c, "rate")),
                            .lo = pa__num(json_array_get(json_object_get(c, "ci"), 0)),
                            .hi = pa__num(json_array_get(json_object_get(c, "ci"), 1)),
                            .base_rate = pa__num(json_object_get(b, "rate")),
                            .base_lo = pa__num(json_array_get(json_object_get(b, "ci"), 0)),
                            .base_hi = pa__num(json_array_get(json_object_get(b, "ci"), 1)),
                            .n = pa__int(c, "n"),
                            .tone = json_is_true(json_object_get(c, "flag")) ? PA_TONE_BAD
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
        fputs("</div>\n<p class=\"note\">Upper grey bar: the base; lower bar: the candidate (red "
              "when "
              "flagged), with Wilson intervals.</p></section>\n",
              f);
}

static void answer(FILE *f, const json_t *side)
{
        const json_t *err = json_object_get(side, "error");

        fputs("<td class=\"answer\">", f);
        if (json_is_string(err)) {
                fputs("<em>error:</em> ", f);
                pa__html_esc(f, json_string_value(err));
        } else {
                fputs(json_is_true(json_object_get(side, "score")) ? "\u2714 " : "\u2718 ", f);
                pa__html_esc(f, pa__str(side, "response"));
        }
        fputs("</td>", f);
}

static void flipped(FILE *f, const json_t *diff)
{
        const json_t *fl = json_object_get(diff, "flipped"), *x;
        size_t i;

        fprintf(f,
                "<section id=\"flipped\"><h2>Flipped answers</h2>\n<p>%lld paired answers changed "
                "outcome; the first %lld are listed, sorted by domain and item.</p>\n",
                pa__int(fl, "total"), pa__int(fl, "listed"));
        if (!pa__int(fl, "listed")) {
                fputs("</section>\n", f);
                return;
        }
        pa__html_controls(f, "flips", NULL);
        fputs("<div class=\"scroll\"><table class=\"sortable\" "
              "id=\"flips\"><thead><tr><th>domain</th>"
              "<th>item</th><th>groups</th><th>sample</th><th "
              "class=\"noprint\">prompt</th><th>base answer</th>"
              "<th>candidate answer</th></tr></thead><tbody>\n",
              f);
        json_array_foreach(json_object_get(fl, "cases"), i, x)
        {
                char groups[512];

                fputs("<tr>", f);
                pa__html_cell(f, pa__str(x, "domain"));
                pa__html_cell(f, pa__str(x, "item_id"));
                pa__html_cell(f, pa__kv(json_object_get(x, "groups"), groups, sizeof(groups)));
                pa__html_int(f, x, "sample");
                fputs("<td class=\"answer note noprint\">", f);
                pa__html_esc(f, pa__str(x, "prompt"));
                fputs("</td>", f);
                answer(f, json_object_get(x, "base"));
                answer(f, json_object_get(x, "candidate"));
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table></div></section>\n", f);
}

int pa__html_diff(FILE *f, const json_t *diff)
{
        const json_t *v = json_object_get(diff, "verdict");
        const json_t *b = json_object_get(diff, "base"), *c = json_object_get(diff, "candidate");
        bool fail = strcmp(pa__diff_word(diff), "PASS") != 0;
        char title[512];

        snprintf(title, sizeof(title), "parity diff: %s vs %s", pa__str(c, "model"),
                 pa__str(b, "model"));
        pa__html_head(f, title);
        fprintf(f, "<header><h1>parity diff: %s</h1><p class=\"sub\">candidate ",
                pa__diff_word(diff));
        pa__html_esc(f, pa__str(c, "model"));
        fputs(" (<code>", f);
        pa__html_esc(f, pa__str(c, "run_id"));
        fputs("</code>) against base ", f);
        pa__html_esc(f, pa__str(b, "model"));
        fputs(" (<code>", f);
        pa__html_esc(f, pa__str(b, "run_id"));
        fprintf(f, "</code>)</p></header>\n<section class=\"verdict%s\"><h2>Verdict",
                fail ? " fail" : "");
        gates(f, diff);
        fputs("</h2><p>", f);
        pa__html_esc(f, pa__str(v, "text"));
        fputs("</p></section>\n", f);
        runs(f, diff);
        regression(f, diff);
        disparities(f, diff);
        rates(f, diff);
        flipped(f, diff);
        fprintf(f,
                "<footer>parity %s \u00b7 diff.json schema %lld \u00b7 this page is self-contained "
                "and makes no network requests</footer>\n",
                PA_VERSION, pa__int(diff, "parity_diff"));
        pa__html_foot(f);
        return 0;
}
