/* report.html's charts as inline SVG (html.h): a forest plot of
 * differences with the practical-threshold band shaded, and group rates
 * with interval bars. Sizes are in the viewBox; the page scales them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "verdict.h"

static const char *const tone_color[] = {"#1f5fbf", "#b3261e", "#1b7a3a"};

#define BASE_COLOR "#8f97a3"

/* A "nice" step for an axis spanning [-m, m] with about 4 ticks a side. */
static double nice_step(double m)
{
        static const double steps[] = {0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1};

        for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
                if (m / steps[i] <= 4)
                        return steps[i];
        return 1;
}

static double clampd(double x, double lo, double hi)
{
        return x < lo ? lo : x > hi ? hi : x;
}

static void text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *s)
{
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor,
                cls);
        pa__html_esc(f, s);
        fputs("</text>", f);
}

/* An interval line with caps and a marker; hollow draws an open circle. */
static void interval(FILE *f, double xl, double xe, double xh, double y, const char *color,
                     bool hollow)
{
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\"/>",
                xl, y, xh, y, color);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1.5\"/>",
                xl, y - 4, xl, y + 4, color);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1.5\"/>",
                xh, y - 4, xh, y + 4, color);
        if (hollow)
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"%s\" "
                        "stroke-width=\"2\"/>",
                        xe, y, color);
        else
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\"/>",
                        xe - 4.5, y - 4.5, color);
}

#define FW  900.0 /* forest: width, label column, plot area, value column */
#define FL  250.0
#define FX0 262.0
#define FX1 690.0
#define FV  700.0

void pa__svg_forest(FILE *f, const char *title, const struct pa_forest_row *rows, size_t n,
                    double band, const char *band_label)
{
        bool two = false;
        double m = band * 1.5, step, top = 34, rh, h;
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], val[3 * PA_FMT + 8];

        for (size_t i = 0; i < n; i++) {
                const double v[] = {rows[i].lo, rows[i].hi, rows[i].base_lo, rows[i].base_hi};

                for (size_t k = 0; k < 4; k++)
                        if (isfinite(v[k]))
                                m = fmax(m, fabs(v[k]));
                two |= isfinite(rows[i].base_est);
        }
        m = fmin(fmax(m, 0.05), 1);
        step = nice_step(m);
        m = ceil(m / step - 1e-9) * step;
        rh = two ? 34 : 24;
        h = top + rh * (double)n + 36;
#define X(v) (FX0 + (clampd((v), -m, m) + m) / (2 * m) * (FX1 - FX0))
        fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", FW, h);
        pa__html_esc(f, title);
        fprintf(f, "\" xmlns=\"http://www.w3.org/2000/svg\">");
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e9eef5\"/>",
                X(-band), top - 8, X(band) - X(-band), rh * (double)n + 8);
        text(f, (X(-band) + X(band)) / 2, top - 14, "middle", "tick", band_label);
        for (double t = -m; t <= m + 1e-9; t += step) {
                snprintf(a, sizeof(a), "%+.2f", fabs(t) < 1e-9 ? 0 : t);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                        X(t), top - 8, X(t), top + rh * (double)n,
                        fabs(t) < 1e-9 ? "#5b6573" : "#d8dde5");
                text(f, X(t), top + rh * (double)n + 16, "middle", "tick", a);
        }
        for (size_t i = 0; i < n; i++) {
                const struct pa_forest_row *r = &rows[i];
                double y = top + rh * (double)i + rh / 2;
                const char *col = tone_color[r->tone];

                fprintf(f, "<g><title>");
                pa__html_esc(f, r->label);
                fprintf(f, "</title>");
                text(f, FL, y + 4, "end", "lab", r->label);
                if (isfinite(r->base_est))
                        interval(f, X(isfinite(r->base_lo) ? r->base_lo : r->base_est),
                                 X(r->base_est), X(isfinite(r->base_hi) ? r->base_hi : r->base_est),
                                 y - 7, BASE_COLOR, true);
                if (isfinite(r->est))
                        interval(f, X(isfinite(r->lo) ? r->lo : r->est), X(r->est),
                                 X(isfinite(r->hi) ? r->hi : r->est), two ? y + 7 : y, col, false);
                snprintf(val, sizeof(val), "%s [%s, %s]", pa__fmt_signed(r->est, a),
                         pa__fmt_signed(r->lo, b), pa__fmt_signed(r->hi, c));
                text(f, FV, y + 4, "start", "val", val);
                fputs("</g>", f);
        }
        if (two) {
                double y = top + rh * (double)n + 30;

                interval(f, FX0, FX0 + 10, FX0 + 20, y - 4, BASE_COLOR, true);
                text(f, FX0 + 28, y, "start", "tick", "base");
                interval(f, FX0 + 70, FX0 + 80, FX0 + 90, y - 4, tone_color[0], false);
                text(f, FX0 + 98, y, "start", "tick", "candidate");
        }
#undef X
        fputs("</svg>\n", f);
}

#define RW  540.0 /* rates: width, label column, plot area, value column */
#define RL  118.0
#define RX0 126.0
#define RX1 352.0
#define RV  362.0

void pa__svg_rates(FILE *f, const char *title, const struct pa_rate_row *rows, size_t n)
{
        bool two = false;
        double top = 26, rh, h;
        char a[PA_FMT], b[PA_FMT], c[PA_FMT], val[3 * PA_FMT + 32];

        for (size_t i = 0; i < n; i++)
                two |= isfinite(rows[i].base_rate);
        rh = two ? 30 : 22;
        h = top + rh * (double)n + 24;
#define X(v) (RX0 + clampd((v), 0, 1) * (RX1 - RX0))
        fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", RW, h);
        pa__html_esc(f, title);
        fprintf(f, "\" xmlns=\"http://www.w3.org/2000/svg\">");
        text(f, 0, 14, "start", "lab", title);
        for (int t = 0; t <= 4; t++) {
                snprintf(a, sizeof(a), "%.2f", t / 4.0);
                fprintf(
                    f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d8dde5\"/>",
                    X(t / 4.0), top - 4, X(t / 4.0), top + rh * (double)n);
                text(f, X(t / 4.0), top + rh * (double)n + 14, "middle", "tick", a);
        }
        for (size_t i = 0; i < n; i++) {
                const struct pa_rate_row *r = &rows[i];
                double y = top + rh * (double)i + rh / 2, yc = two ? y + 6 : y;
                const char *col = r->ref ? "#5b6573" : tone_color[r->tone];

                fputs("<g><title>", f);
                pa__html_esc(f, r->label);
                fputs("</title>", f);
                text(f, RL, y + 4, "end", "lab", r->label);
                if (two && isfinite(r->base_rate)) {
                        fprintf(
                            f,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"7\" fill=\"%s\" "
                            "opacity=\"0.45\"/>",
                            RX0, y - 10, X(r->base_rate) - RX0, BASE_COLOR);
                        interval(f, X(r->base_lo), X(r->base_rate), X(r->base_hi), y - 6.5,
                                 BASE_COLOR, true);
                }
                if (isfinite(r->rate)) {
                        fprintf(
                            f,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"9\" fill=\"%s\" "
                            "opacity=\"0.3\"/>",
                            RX0, yc - 4.5, X(r->rate) - RX0, col);
                        interval(f, X(r->lo), X(r->rate), X(r->hi), yc, col, false);
                }
                snprintf(val, sizeof(val), "%s [%s, %s] n=%lld%s", pa__fmt_rate(r->rate, a),
                         pa__fmt_rate(r->lo, b), pa__fmt_rate(r->hi, c), r->n,
                         r->ref ? " ref" : "");
                text(f, RV, yc + 4, "start", "val", val);
                fputs("</g>", f);
        }
#undef X
        fputs("</svg>\n", f);
}
