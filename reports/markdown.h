/* Private to reports/markdown*.c: the Markdown writer shared by the run,
 * diff and audit sections of report.md. */
#ifndef PA_REPORTS_MARKDOWN_H
#define PA_REPORTS_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* A Markdown document being written: bytes so far, for the size budget. */
struct pa_md {
        FILE *f;
        size_t n;
};

void pa__md_out(struct pa_md *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True once the document passed its budget: callers stop adding rows. */
bool pa__md_full(const struct pa_md *m);
/* s escaped for a table cell (HTML, Markdown and line breaks neutralised). */
void pa__md_cell(struct pa_md *m, const char *s);
/* "| a | b": a row's first two cells, escaped. */
void pa__md_lead(struct pa_md *m, const char *a, const char *b);
/* "| outcome | axis | group vs reference" of group g of entry e. */
void pa__md_group(struct pa_md *m, const json_t *e, const json_t *g);
/* "_N more rows not shown here; WHERE has them all._" when n > 0. */
void pa__md_omitted(struct pa_md *m, size_t n, const char *where);

/* The diff document (diff.json). 0 or PA_ENOMEM. */
int pa__md_diff(const json_t *diff, struct pa_md *m);
/* The audit section of a run (audit.json). */
void pa__md_audit(struct pa_md *m, const json_t *audit);

#endif
