/* scorers/analysis/: where a flag is decided: group rates, disparity and regression tests, audit
 * table. */
/* Private to scorers/analysis/analysis*.c: the counterfactual sets
 * (analysis_sets.c), the tests of one summary entry (analysis_entry.c)
 * and what they hand to the run-wide correction (analysis.c). */
#ifndef PA_REPORTS_ANALYSIS_INT_H
#define PA_REPORTS_ANALYSIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/report.h"

/* The axes under test: one axis, or two crossed ones (an intersection). */
struct spec {
        size_t n_axes, axes[2], k, ref;
};

/* The counterfactual sets of one outcome and spec: the table rows that
 * enter them, in set order (item, context, row), four bytes and a bit a
 * record; a set's sums are made as it is walked (struct set). */
struct sets {
        const struct pa_suite *s;
        const struct spec *sp;
        const struct pa_table *tb;
        int scorer;
        size_t n, m, k;  /* sets, records in them, groups */
        uint32_t *order; /* m table rows */
        uint8_t *starts; /* bit p: order[p] begins a set */
        bool multi;      /* several samples a case */
};

/* One set while walking them: each group's positive and scored records. */
struct set {
        size_t pos, first; /* next position in order; the set's first row */
        double *sum;
        unsigned *cnt;
};

/* The group of record r in the spec's (possibly crossed) axis, or -1. */
long pa__spec_group(const struct pa_suite *s, const struct spec *sp, const struct pa_table *t,
                    size_t r);
/* The sets of one outcome (scorer) and spec from table tb into t; release
 * t with pa__sets_release() whatever this returns. */
int pa__sets_collect(const struct pa_suite *s, const struct spec *sp, const struct pa_table *tb,
                     int scorer, struct sets *t);
void pa__sets_release(struct sets *t);
/* Ready to walk t's sets; release with pa__set_end() unless this fails. */
int pa__set_begin(const struct sets *t, struct set *st);
/* The next set of t into st; false past the last. */
bool pa__set_next(const struct sets *t, struct set *st);
void pa__set_end(struct set *st);

/* One group-vs-reference comparison, kept for the run-wide correction. */
struct comparison {
        json_t *entry, *group; /* in the summary (borrowed) */
        double p, diff;
        double min_p;    /* the smallest p-value the test could give on this design */
        double sets, sd; /* paired differences per set: count and standard deviation */
};

struct run_tests {
        struct comparison *v;
        size_t n, cap;
};

/* Tests every group of entry (a summary entry of spec sp) against its
 * reference, adds the omnibus test, flips and impact ratios to it, and
 * pushes its comparisons onto rt. PA_EINVAL when its outcome is unknown. */
int pa__analyse_entry(const struct pa_suite *s, const struct pa_table *tb, const struct spec *sp,
                      json_t *entry, const struct pa_analysis_conf *c, struct run_tests *rt);

#endif
