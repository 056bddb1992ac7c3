/* diff.json and diff.txt: the diff's JSON document and the verdict with a
 * short table that `parity diff` prints (diff.h). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "verdict.h"

#define WIDTH    78
#define MAX_ROWS 30

/* Columns of a UTF-8 string: bytes that are not continuation bytes. */
static size_t columns(const char *s, size_t n)
{
        size_t w = 0;

        for (size_t i = 0; i < n; i++)
                w += ((unsigned char)s[i] & 0xc0) != 0x80;
        return w;
}

/* The paragraph wrapped at WIDTH columns. */
static void wrap(FILE *f, const char *text)
{
        size_t col = 0;

        while (*text) {
                size_t n = strcspn(text, " "), w = columns(text, n);

                if (col && col + 1 + w > WIDTH) {
                        fputc('\n', f);
                        col = 0;
                } else if (col) {
                        fputc(' ', f);
                        col++;
                }
                fwrite(text, 1, n, f);
                col += w;
                text += n;
                while (*text == ' ')
                        text++;
        }
        fputc('\n', f);
}

/* s left-aligned in width columns. */
static void pad(FILE *f, const char *s, size_t width)
{
        size_t w = columns(s, strlen(s));

        fputs(s, f);
        while (w++ < width)
                fputc(' ', f);
}

static void print_domains(FILE *f, const json_t *diff)
{
        const json_t *reg = json_object_get(diff, "regression"), *d;
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT], cell[256];
        size_t i, n = json_array_size(json_object_get(reg, "domains")), hidden = 0;

        fprintf(f,
                "\nper item, tested over items; intervals at %.3g%%, the corrected level\n"
                "(an interval excludes 0 exactly when p adj < alpha)\n",
                100 * pa__num(json_object_get(json_object_get(diff, "thresholds"), "ci_level")));
        pad(f, "outcome / domain", 25);
        pad(f, "kind", 9);
        pad(f, " pairs", 8);
        pad(f, "base \u2192 cand", 14);
        pad(f, "delta [CI]", 27);
        pad(f, "p adj", 10);
        fputs("verdict\n", f);
        json_array_foreach(json_object_get(reg, "domains"), i, d)
        {
                /* A long list keeps the domains that moved. */
                if (n > MAX_ROWS && !strcmp(pa__str(d, "verdict"), "unchanged")) {
                        hidden++;
                        continue;
                }
                snprintf(cell, sizeof(cell), "%s / %s", pa__str(d, "outcome"),
                         pa__str(d, "domain"));
                pad(f, cell, 25);
                pad(f, pa__str(d, "kind"), 9);
                fprintf(f, "%6lld  ", pa__int(d, "n"));
                snprintf(cell, sizeof(cell), "%s \u2192 %s",
                         pa__fmt_rate(pa__num(json_object_get(d, "acc_base")), a),
                         pa__fmt_rate(pa__num(json_object_get(d, "acc_cand")), b));
                pad(f, cell, 14);
                snprintf(cell, sizeof(cell), "%s [%s]",
                         pa__fmt_signed(pa__num(json_object_get(d, "delta")), c),
                         pa__fmt_ci(json_object_get(d, "delta_ci"), true, ci));
                pad(f, cell, 27);
                pad(f, pa__fmt_p(pa__num(json_object_get(d, "p_adjusted")), p), 10);
                fprintf(f, "%s\n",
                        json_is_true(json_object_get(d, "gate_failed")) ? "REGRESSION"
                                                                        : pa__domain_verdict(d));
        }
        if (hidden)
                fprintf(f, "(%zu unchanged domains not shown; report.md and diff.json have them)\n",
                        hidden);
}

/* A comparison worth a row: it changed, or either run flags it. */
static bool worth_a_row(const json_t *g)
{
        const char *ch = pa__str(g, "change");

        if (!ch[0] || !strcmp(ch, "unmatched"))
                return false;
        return (strcmp(ch, "unchanged") && strcmp(ch, "untestable")) ||
               json_is_true(json_object_get(json_object_get(g, "base"), "flag")) ||
               json_is_true(json_object_get(json_object_get(g, "candidate"), "flag"));
}

/* What the change column says beyond its label. */
static const char *change_note(const json_t *g)
{
        const char *ch = pa__str(g, "change");
        bool fb = json_is_true(json_object_get(json_object_get(g, "base"), "flag")),
             fc = json_is_true(json_object_get(json_object_get(g, "candidate"), "flag"));

        if (!strcmp(ch, "untestable"))
                return " (too few items to reach alpha)";
        if (strcmp(ch, "unchanged"))
                return "";
        if (fb != fc)
                return fc ? " (flag appeared; change not significant)"
                          : " (flag gone; change not significant)";
        return fc ? " (still flagged)" : "";
}

static void print_disparities(FILE *f, const json_t *diff)
{
        const json_t *dis = json_object_get(diff, "disparities"), *e, *g;
        const json_t *counts = json_object_get(dis, "counts");
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        size_t i, j, shown = 0;

        fprintf(f,
                "\ndisparities: %lld compared: %lld new, %lld worse, %lld resolved, %lld better,\n"
                "  %lld unchanged (no significant change), %lld untestable (too few items)\n",
                pa__int(counts, "compared"), pa__int(counts, "new"), pa__int(counts, "worse"),
                pa__int(counts, "resolved"), pa__int(counts, "better"),
                pa__int(counts, "unchanged"), pa__int(counts, "untestable"));
        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *gb = json_object_get(g, "base"),
                                     *gc = json_object_get(g, "candidate");
                        char what[512];

                        if (!worth_a_row(g))
                                continue;
                        snprintf(what, sizeof(what), "%s %s: %s vs %s", pa__str(e, "outcome"),
                                 pa__str(e, "axis"), pa__str(g, "group"), pa__str(e, "reference"));
                        if (++shown > MAX_ROWS)
                                continue;
                        fprintf(f, "  %-40s diff %s \u2192 %s  change %s [%s]  p adj %-8s %s%s\n",
                                what, pa__fmt_signed(pa__num(json_object_get(gb, "diff")), a),
                                pa__fmt_signed(pa__num(json_object_get(gc, "diff")), b),
                                pa__fmt_signed(pa__num(json_object_get(g, "diff_change")), c),
                                pa__fmt_ci(json_object_get(g, "diff_change_ci"), true, ci),
                                pa__fmt_p(pa__num(json_object_get(g, "p_adjusted")), p),
                                pa__str(g, "change"), change_note(g));
                }
        }
        if (shown > MAX_ROWS)
                fprintf(f, "  (%zu more; report.md and diff.json have them all)\n",
                        shown - MAX_ROWS);
        if (!shown)
                fprintf(f, "  no significant change, none flagged in either run\n");
}

int pa__diff_print(const json_t *diff, FILE *f, struct pa_err *err)
{
        const json_t *v = json_object_get(diff, "verdict"), *fl = json_object_get(diff, "flipped");
        const json_t *g;
        size_t i;

        fprintf(f, "parity diff: %s \u2192 %s: %s\n\n",
                pa__str(json_object_get(diff, "base"), "run_id"),
                pa__str(json_object_get(diff, "candidate"), "run_id"), pa__diff_word(diff));
        wrap(f, pa__str(v, "text"));
        print_domains(f, diff);
        print_disparities(f, diff);
        fprintf(f, "\nflipped: %lld paired answers changed outcome (%lld listed in diff.json)\n",
                pa__int(fl, "total"), pa__int(fl, "listed"));
        fputs("gates:", f);
        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                fprintf(f, " %s %s;", pa__str(g, "gate"), pa__str(g, "status"));
        }
        fputc('\n', f);
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write the diff table") : 0;
}

static int text_render(const struct pa_report_doc *doc, FILE *f, struct pa_err *err)
{
        return pa__diff_print(doc->diff, f, err);
}

static int json_render(const struct pa_report_doc *doc, FILE *f, struct pa_err *err)
{
        if (json_dumpf(doc->diff, f, JSON_INDENT(1) | JSON_REAL_PRECISION(15)) ||
            fputc('\n', f) == EOF)
                return pa_errf(err, PA_EIO, "cannot write diff.json");
        return 0;
}

/* The diff views of the json and text formats; their run views are
 * reports/json.c and reports/text.c. */
const struct pa_reporter_ops pa_reporter_diff_json = {
    .name = "json",
    .diff_file = "diff.json",
    .render = json_render,
};

const struct pa_reporter_ops pa_reporter_diff_text = {
    .name = "text",
    .diff_file = "diff.txt",
    .render = text_render,
};
