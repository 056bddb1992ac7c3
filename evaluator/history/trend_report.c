/* A trend rendered (trend.h): a line a metric on the terminal, report.md
 * with a table a metric, report.html with an SVG line chart a metric (its
 * intervals as a band, the run it moved from marked); numbers come from
 * trend.c and are never recomputed here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trend.h"
#include "evaluator/util/util.h"
#include "reports/html.h"

/* What differs between the two kinds of metric. */
static const struct kind {
        const char *list, *title, *value, *test, *verdict, *unit;
} kinds[] = {
    {"domains", "Domain rates (accuracy for a correctness outcome)", "rate", "delta", "verdict",
     "rate"},
    {"comparisons", "Disparities (group rate minus the reference group's)", "diff", "diff_change",
     "change", "difference"},
};

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static double num(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);

        return json_is_number(v) ? json_number_value(v) : NAN;
}

static void label(const json_t *m, const struct kind *k, char *buf, size_t len)
{
        if (k == &kinds[0])
                snprintf(buf, len, "%s / %s", str(m, "outcome"), str(m, "domain"));
        else
                snprintf(buf, len, "%s / %s: %s vs %s", str(m, "outcome"), str(m, "axis"),
                         str(m, "group"), str(m, "reference"));
}

static const json_t *run_at(const json_t *t, size_t i)
{
        return json_array_get(json_object_get(t, "runs"), i);
}

/* The test of the run metric m moved from (its "since"), or NULL. */
static const json_t *since_test(const json_t *t, const json_t *m)
{
        const json_t *run;
        size_t i;

        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                if (json_is_string(json_object_get(m, "since")) &&
                    !strcmp(str(run, "run_id"), str(m, "since")))
                        return json_array_get(json_object_get(m, "tests"), i);
        }
        return NULL;
}

static void ends(const json_t *m, const struct kind *k, double *first, double *last, size_t *n)
{
        const json_t *p;
        size_t i;

        *first = *last = NAN;
        *n = 0;
        json_array_foreach(json_object_get(m, "points"), i, p)
        {
                if (json_is_null(p))
                        continue;
                if (!*n)
                        *first = num(p, k->value);
                *last = num(p, k->value);
                ++*n;
        }
}

static void summary_line(FILE *f, const json_t *t, const json_t *m, const struct kind *k)
{
        const json_t *x = since_test(t, m), *ci = json_object_get(x, "delta_ci");
        char name[512], cikey[32];
        double first, last;
        size_t n;

        snprintf(cikey, sizeof(cikey), "%s_ci", k->test);
        ci = json_object_get(x, cikey);
        label(m, k, name, sizeof(name));
        ends(m, k, &first, &last, &n);
        fprintf(f, "%s: %.3f -> %.3f over %zu run%s; ", name, first, last, n, n == 1 ? "" : "s");
        if (x)
                fprintf(f,
                        "MOVED since run %s: %s %+.3f [%.3f, %.3f] vs the reference, Holm p %.3g\n",
                        str(m, "since"), str(x, k->verdict), num(x, k->test),
                        json_number_value(json_array_get(ci, 0)),
                        json_number_value(json_array_get(ci, 1)), num(x, "p_adjusted"));
        else
                fputs("no significant move against the reference\n", f);
}

static void method(FILE *f, const json_t *t)
{
        const json_t *run;
        size_t i, tested = 0;
        const char *ref = "none";

        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                tested += json_is_true(json_object_get(run, "tested"));
                if (!strcmp(str(run, "note"), "reference of the drift tests"))
                        ref = str(run, "run_id");
        }
        fprintf(f,
                "Estimand: %s. Drift test: each later run against the reference run %s, item "
                "by item (sign-flip test over items, as parity diff), %lld tests over %zu runs "
                "corrected together with Holm's method at alpha %.3g; a metric moved when its "
                "corrected p < alpha, the change is at least %.3g and its interval (the same "
                "test inverted) excludes 0. No move is not proof of no drift.\n",
                str(t, "estimand"), ref, (long long)json_integer_value(json_object_get(t, "tests")),
                tested, num(t, "alpha"), num(t, "min_diff"));
}

void pa__trend_print(const json_t *t, FILE *f)
{
        const json_t *m;
        size_t i;

        fprintf(f, "trend of suite '%s'%s%s: %zu runs\n", str(t, "suite"),
                json_is_string(json_object_get(t, "track")) ? " on track " : "", str(t, "track"),
                json_array_size(json_object_get(t, "runs")));
        method(f, t);
        for (size_t k = 0; k < 2; k++) {
                fprintf(f, "\n%s:\n", kinds[k].title);
                json_array_foreach(json_object_get(t, kinds[k].list), i, m)
                {
                        fputs("  ", f);
                        summary_line(f, t, m, &kinds[k]);
                }
        }
}

static void fmt_ci(char *buf, size_t len, const json_t *ci)
{
        if (json_is_array(ci) && json_is_number(json_array_get(ci, 0)))
                snprintf(buf, len, "[%.3f, %.3f]", json_number_value(json_array_get(ci, 0)),
                         json_number_value(json_array_get(ci, 1)));
        else
                snprintf(buf, len, "-");
}

/* One row of cells, as Markdown or as HTML. */
static void row(FILE *f, bool html, const char *const *cells, size_t n, bool head)
{
        for (size_t i = 0; i < n; i++) {
                if (!html) {
                        fprintf(f, "| %s ", cells[i]);
                        continue;
                }
                fputs(head ? "<th>" : "<td>", f);
                pa__html_esc(f, cells[i]);
                fputs(head ? "</th>" : "</td>", f);
        }
        fputs(html ? "</tr>\n" : "|\n", f);
        if (head && !html)
                fputs("|---|---|---|---|---|---|---|---|\n", f);
}

/* One row a run: the value and interval, then the test against the reference. */
static void rows(FILE *f, bool html, const json_t *t, const json_t *m, const struct kind *k)
{
        const char *head[] = {"run",          "started", k->unit,  "95% CI", "change vs reference",
                              "its interval", "Holm p",  "verdict"};
        const json_t *p;
        size_t i;
        char cikey[32];

        snprintf(cikey, sizeof(cikey), "%s_ci", k->test);
        fputs(html ? "<table><tr>" : "", f);
        row(f, html, head, 8, true);
        json_array_foreach(json_object_get(m, "points"), i, p)
        {
                const json_t *run = run_at(t, i),
                             *x = json_array_get(json_object_get(m, "tests"), i);
                char v[32] = "-", ci[64], d[32] = "-", tci[64], adj[32] = "-";
                const char *cells[] = {
                    str(run, "run_id"), str(run, "started_at"), v, ci, d, tci, adj, NULL};
                json_t *pci =
                    json_pack("[O?, O?]", json_object_get(p, "ci_lo"), json_object_get(p, "ci_hi"));

                fmt_ci(ci, sizeof(ci), pci);
                json_decref(pci);
                fmt_ci(tci, sizeof(tci), json_object_get(x, cikey));
                if (!json_is_null(p))
                        snprintf(v, sizeof(v), "%.3f", num(p, k->value));
                if (x && !json_is_null(x)) {
                        snprintf(d, sizeof(d), "%+.3f", num(x, k->test));
                        snprintf(adj, sizeof(adj), "%.3g", num(x, "p_adjusted"));
                        cells[7] = str(x, k->verdict);
                } else {
                        cells[7] = str(run, "note")[0] ? str(run, "note") : "not tested";
                }
                fputs(html ? "<tr>" : "", f);
                row(f, html, cells, 8, false);
        }
        fputs(html ? "</table>\n" : "", f);
}

static int write_md(const json_t *t, FILE *f)
{
        const json_t *m;
        size_t i;
        char name[512];

        fprintf(f, "# Trend of suite %s\n\n", str(t, "suite"));
        method(f, t);
        for (size_t k = 0; k < 2; k++) {
                fprintf(f, "\n## %s\n", kinds[k].title);
                json_array_foreach(json_object_get(t, kinds[k].list), i, m)
                {
                        label(m, &kinds[k], name, sizeof(name));
                        fprintf(f, "\n### %s\n\n", name);
                        summary_line(f, t, m, &kinds[k]);
                        fputs("\n", f);
                        rows(f, false, t, m, &kinds[k]);
                }
        }
        return ferror(f) ? PA_EIO : 0;
}

/* ---- report.html ---- */

#define W  640.0
#define H  200.0
#define ML 56.0
#define MR 12.0
#define MT 14.0
#define MB 28.0

struct scale {
        double lo, hi;
        size_t n;
};

static double sx(const struct scale *s, size_t i)
{
        return ML + (s->n > 1 ? (double)i * (W - ML - MR) / (double)(s->n - 1) : (W - ML - MR) / 2);
}

static double sy(const struct scale *s, double v)
{
        return MT + (s->hi - v) / (s->hi - s->lo) * (H - MT - MB);
}

static void scale_of(const json_t *m, const struct kind *k, struct scale *s)
{
        const json_t *p;
        size_t i;

        s->n = json_array_size(json_object_get(m, "points"));
        s->lo = k == &kinds[0] ? 0 : -0.1;
        s->hi = k == &kinds[0] ? 1 : 0.1;
        json_array_foreach(json_object_get(m, "points"), i, p)
        {
                double v[3] = {num(p, k->value), num(p, "ci_lo"), num(p, "ci_hi")};

                for (size_t j = 0; j < 3; j++) {
                        if (isfinite(v[j]) && v[j] < s->lo)
                                s->lo = v[j];
                        if (isfinite(v[j]) && v[j] > s->hi)
                                s->hi = v[j];
                }
        }
}

static void band(FILE *f, const json_t *m, const struct scale *s)
{
        const json_t *pts = json_object_get(m, "points"), *p;

        fputs("<polygon class=\"band\" fill=\"#9ecae1\" fill-opacity=\"0.45\" points=\"", f);
        for (size_t i = 0; i < s->n; i++)
                if (isfinite(num(p = json_array_get(pts, i), "ci_hi")))
                        fprintf(f, "%.1f,%.1f ", sx(s, i), sy(s, num(p, "ci_hi")));
        for (size_t i = s->n; i-- > 0;)
                if (isfinite(num(p = json_array_get(pts, i), "ci_lo")))
                        fprintf(f, "%.1f,%.1f ", sx(s, i), sy(s, num(p, "ci_lo")));
        fputs("\"/>\n", f);
}

static void line(FILE *f, const json_t *t, const json_t *m, const struct kind *k,
                 const struct scale *s)
{
        const json_t *pts = json_object_get(m, "points"), *p;
        size_t i;

        fputs("<polyline fill=\"none\" stroke=\"#08519c\" stroke-width=\"2\" points=\"", f);
        json_array_foreach(pts, i, p)
        {
                if (isfinite(num(p, k->value)))
                        fprintf(f, "%.1f,%.1f ", sx(s, i), sy(s, num(p, k->value)));
        }
        fputs("\"/>\n", f);
        json_array_foreach(pts, i, p)
        {
                const json_t *x = json_array_get(json_object_get(m, "tests"), i);
                bool moved = json_is_string(json_object_get(m, "since")) && !json_is_null(x) && x &&
                             strcmp(str(x, k->verdict), "unchanged") &&
                             strcmp(str(x, k->verdict), "untestable");

                if (!isfinite(num(p, k->value)))
                        continue;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>", sx(s, i),
                        sy(s, num(p, k->value)), moved ? "#cb181d" : "#08519c");
                pa__html_esc(f, str(run_at(t, i), "run_id"));
                fprintf(f, ": %.3f [%.3f, %.3f]%s%s</title></circle>\n", num(p, k->value),
                        num(p, "ci_lo"), num(p, "ci_hi"), x && !json_is_null(x) ? "; " : "",
                        x && !json_is_null(x) ? str(x, k->verdict) : "");
        }
}

static void chart(FILE *f, const json_t *t, const json_t *m, const struct kind *k, const char *name)
{
        struct scale s;
        const json_t *run;
        size_t i;

        scale_of(m, k, &s);
        fprintf(f,
                "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">"
                "<title>",
                W, H, W, H);
        pa__html_esc(f, name);
        fprintf(f,
                "</title>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#999\"/>\n",
                ML, H - MB, W - MR, H - MB);
        fprintf(f,
                "<text x=\"4\" y=\"%.1f\" font-size=\"11\">%.2f</text><text x=\"4\" "
                "y=\"%.1f\" font-size=\"11\">%.2f</text>\n",
                sy(&s, s.hi) + 4, s.hi, sy(&s, s.lo), s.lo);
        if (s.lo < 0 && s.hi > 0)
                fprintf(f,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\" "
                        "stroke-dasharray=\"2 3\"/>\n",
                        ML, sy(&s, 0), W - MR, sy(&s, 0));
        band(f, m, &s);
        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                bool from = !strcmp(str(run, "run_id"), str(m, "since"));

                fprintf(f,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%zu"
                        "</text>\n",
                        sx(&s, i), H - 10, i + 1);
                if (from)
                        fprintf(f,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "stroke=\"#cb181d\" stroke-dasharray=\"4 3\"/>\n",
                                sx(&s, i), MT, sx(&s, i), H - MB);
        }
        line(f, t, m, k, &s);
        fputs("</svg>\n", f);
}

static int write_html(const json_t *t, FILE *f)
{
        const json_t *m;
        size_t i;
        char name[512];
        char *md = NULL;
        size_t len = 0;

        pa__html_head(f, "parity trend");
        fprintf(f, "<h1>Trend of suite ");
        pa__html_esc(f, str(t, "suite"));
        fputs("</h1>\n<p>", f);
        {
                FILE *mem = open_memstream(&md, &len);

                if (!mem)
                        return PA_ENOMEM;
                method(mem, t);
                fclose(mem);
        }
        pa__html_esc(f, md ? md : "");
        free(md);
        fputs("</p>\n<p>Runs are numbered 1, 2, ... in time order on the x axis; the band is "
              "each run's 95% interval; a red point moved against the reference, the dashed "
              "red line marks the run it moved from.</p>\n",
              f);
        for (size_t k = 0; k < 2; k++) {
                fprintf(f, "<h2>%s</h2>\n", kinds[k].title);
                json_array_foreach(json_object_get(t, kinds[k].list), i, m)
                {
                        char *line_ = NULL;
                        size_t n = 0;
                        FILE *mem = open_memstream(&line_, &n);

                        label(m, &kinds[k], name, sizeof(name));
                        fputs("<h3>", f);
                        pa__html_esc(f, name);
                        fputs("</h3>\n<p>", f);
                        if (mem) {
                                summary_line(mem, t, m, &kinds[k]);
                                fclose(mem);
                                pa__html_esc(f, line_ ? line_ : "");
                        }
                        free(line_);
                        fputs("</p>\n", f);
                        chart(f, t, m, &kinds[k], name);
                        rows(f, true, t, m, &kinds[k]);
                }
        }
        pa__html_foot(f);
        return ferror(f) ? PA_EIO : 0;
}

static int write_one(const char *dir, const char *name, int (*fn)(const json_t *, FILE *),
                     const json_t *t, struct pa_err *err)
{
        char *text = NULL, *path = pa__path_join(dir, name);
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        int rc = path && mem ? fn(t, mem) : PA_ENOMEM;

        if (mem && fclose(mem) && rc == 0)
                rc = PA_ENOMEM;
        if (rc == 0)
                rc = pa__write_file_atomic(path, text, len, err);
        else
                pa_errf(err, rc, "trend '%s': cannot write %s", dir, name);
        free(text);
        free(path);
        return rc;
}

static int write_json(const json_t *t, FILE *f)
{
        return json_dumpf(t, f, JSON_INDENT(1) | JSON_SORT_KEYS) ? PA_ENOMEM : 0;
}

int pa__trend_write(const json_t *t, const char *dir, struct pa_err *err)
{
        int rc = pa__mkdir_p(dir, err);

        if (rc == 0)
                rc = write_one(dir, "trend.json", write_json, t, err);
        if (rc == 0)
                rc = write_one(dir, "report.md", write_md, t, err);
        if (rc == 0)
                rc = write_one(dir, "report.html", write_html, t, err);
        return rc;
}
