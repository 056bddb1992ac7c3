/* Private to reports/html*.c: the pieces of report.html — one
 * self-contained page: inline CSS, inline SVG charts, a few lines of
 * inline JS, no request of any kind (docs/reports.md "report.html"). */
#ifndef PA_REPORTS_HTML_H
#define PA_REPORTS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "verdict.h"

/* Tones of marks and badges. */
enum pa_tone {
        PA_TONE_NEUTRAL,
        PA_TONE_BAD,  /* flagged, regression, new or worse */
        PA_TONE_GOOD, /* improvement, resolved or better */
};

/* One row of a forest plot: an estimate with its interval, and optionally
 * the base run's (base_est NAN when none). */
struct pa_forest_row {
        char label[160];
        double est, lo, hi;
        double base_est, base_lo, base_hi;
        enum pa_tone tone;
};

/* One bar of a group-rates chart. */
struct pa_rate_row {
        const char *label;
        bool ref;
        double rate, lo, hi;
        double base_rate, base_lo, base_hi; /* NAN when no base */
        long long n;
        enum pa_tone tone;
};

/* s escaped for HTML text and attribute values. */
void pa__html_esc(FILE *f, const char *s);
/* <!DOCTYPE html> ... <body>, with the CSS. */
void pa__html_head(FILE *f, const char *title);
/* The script and </body></html>. */
void pa__html_foot(FILE *f);
/* A filter box (and a "flagged only" style checkbox when check is set)
 * for the table with id. */
void pa__html_controls(FILE *f, const char *id, const char *check);
/* A <td> with a sort key: the number as data-v, the text shown. */
void pa__html_num(FILE *f, double v, const char *text);
/* A <td> with s escaped. */
void pa__html_cell(FILE *f, const char *s);
/* The outcome, axis, group and reference cells of group g of entry e. */
void pa__html_group(FILE *f, const json_t *e, const json_t *g);
/* pa__html_num of o[key] as an integer. */
void pa__html_int(FILE *f, const json_t *o, const char *key);
/* pa__html_num of o[key]'s number, the text as fmt writes it. */
void pa__html_stat(FILE *f, const json_t *o, const char *key, pa__fmt_fn fmt);

/* A forest plot: differences with intervals around 0, the practical band
 * [-band, band] shaded. Rows past max are left out (the caller says so). */
void pa__svg_forest(FILE *f, const char *title, const struct pa_forest_row *rows, size_t n,
                    double band, const char *band_label);
/* A chart of group rates on [0, 1] with interval bars. */
void pa__svg_rates(FILE *f, const char *title, const struct pa_rate_row *rows, size_t n);

/* Keeps the max most telling rows (flagged or changed first, then the
 * largest differences) at the front of rows, in their order; returns how
 * many to draw. */
size_t pa__html_keep(struct pa_forest_row *rows, size_t n, size_t max);
/* Rows a forest plot draws at most: beyond, it stops being readable. */
#define PA__MAX_FOREST 80
/* Opens a <figure> with the forest plot of the most telling of the n rows
 * and a band of +-band (0 when not finite) labelled "<before> +-band<after>";
 * the caller writes the caption and closes the figure. Returns whether
 * rows were left out. */
bool pa__html_forest(FILE *f, const char *title, struct pa_forest_row *rows, size_t n, double band,
                     const char *before, const char *after);

/* The audit section of a run page (audit.json). */
void pa__html_audit(FILE *f, const json_t *audit);
/* The diff page's body. 0 or PA_ENOMEM. */
int pa__html_diff(FILE *f, const json_t *diff);

#endif
