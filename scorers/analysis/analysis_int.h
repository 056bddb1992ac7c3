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

/* LL144's small-category rule: under 2% of the records, a group does not
 * set the highest rate (audit.c uses the same). */
#define PA__SMALL_SHARE 0.02

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

/* Every set's per-group sums in one table, sets in item order: what the
 * item-level tests need (analysis_items.c). */
struct cells {
        size_t n, k, items; /* sets, groups, distinct items */
        uint32_t *item;     /* n: the set's item */
        double *sum;        /* n x k: positive records */
        unsigned *cnt;      /* n x k: scored records */
        bool multi;         /* several samples a case */
};

int pa__cells_collect(const struct sets *t, struct cells *c);
void pa__cells_release(struct cells *c);
/* Whether every item has a single set (one context). */
bool pa__cells_one_per_item(const struct cells *c);
/* Per item, the mean over its sets (contexts; each the mean over samples)
 * of rate(g) - rate(ref), on sets where both answered: a new array of *n
 * values (caller frees). */
int pa__item_diffs(const struct cells *c, size_t g, size_t ref, double **d, size_t *n);
/* The same of the interaction contrast (cell[0] - cell[1]) - (cell[2] -
 * cell[3]) on sets where all four answered. */
int pa__item_interactions(const struct cells *c, const size_t cell[4], double **d, size_t *n);
/* Group g's positive and scored records per item that has any (new
 * arrays, caller frees both). */
int pa__item_totals(const struct cells *c, size_t g, double **pos, double **cnt, size_t *n);
/* What an effect would add to the items' variance, for the MDE, over the
 * n sets where g and ref both answered: the mean and variance of the sets'
 * differences g - ref, the mean of 1 / m for their m answers a group, and
 * the sum of their weights in the mean over items of an item mean's
 * sampling variance, 1 / (C^2 m items) in an item of C sets. Summed set by
 * set from the cells, no array held (all zero when n < 2). */
struct coupling {
        double mu, minv, wsum, v;
        size_t n;
};
void pa__item_coupling(const struct cells *c, size_t g, size_t ref, struct coupling *out);
/* The sets' true differences g - ref taken as N(mu, tau^2), and their
 * weight in the item sd^2: all the MDE needs of a coupling, fitted once a
 * comparison (analysis_test.c). */
struct sets_fit {
        double mu, tau, wsum;
};
struct sets_fit pa__coupling_fit(const struct coupling *k);
/* One 2x2 table [g pos, g neg, ref pos, ref neg] per set where both
 * answered (a new array of 4 *n counts, caller frees). */
int pa__set_tables(const struct cells *c, size_t g, size_t ref, uint64_t **tables, size_t *n);

enum cmp_test { TEST_SIGNFLIP, TEST_MCNEMAR, TEST_CMH, TEST_FISHER };

/* One comparison (a group against its reference, or an intersection
 * cell's interaction), its inputs kept until the whole run's family is
 * known (the Monte-Carlo resamples depend on its size), then its results
 * (analysis_test.c), then the run-wide correction (analysis.c). */
struct comparison {
        json_t *entry, *group; /* in the summary (borrowed) */
        json_t *out;           /* where results go: group, or its "interaction" */
        bool interaction;
        enum cmp_test test;
        double *d; /* n per-item values (owned; signflip, McNemar) */
        size_t n;
        uint64_t *tables; /* strata 2x2 tables (owned; CMH) */
        size_t strata;
        uint64_t fisher[4]; /* group pos, neg, ref pos, neg (Fisher) */
        uint64_t seed;
        /* results */
        double p, diff, lo, hi; /* p, estimate and its 1 - alpha interval */
        double min_p;           /* the smallest p-value the test could give on this design */
        double sd, se;          /* per-item sd (item tests); standard error (CMH) */
        struct sets_fit fit;    /* group vs reference (zero: interactions) */
        size_t reps;            /* Monte-Carlo patterns used; 0 exact */
};

struct run_tests {
        struct comparison *v;
        size_t n, cap;
        size_t reps; /* Monte-Carlo patterns for the family (analysis_test.c) */
};

void pa__run_tests_release(struct run_tests *rt);
/* Runs every comparison's test and interval; PA_ENOMEM or 0. */
int pa__run_tests(struct run_tests *rt, const struct pa_analysis_conf *c);
/* Minimum detectable difference of comparison cmp at level: the smallest
 * effect flagged (significant and at least min_diff) with the given power;
 * a negative number when none (too few units, beyond 1). */
double pa__mde(const struct comparison *cmp, double level, double power, double min_diff);
/* The fewest items with which the item-level test can reach level. */
size_t pa__items_needed(size_t reps, double level);

/* Tests every group of entry (a summary entry of spec sp) against its
 * reference, adds the omnibus test, flips and impact ratios to it, and
 * pushes its comparisons onto rt. PA_EINVAL when its outcome is unknown. */
int pa__analyse_entry(const struct pa_suite *s, const struct pa_table *tb, const struct spec *sp,
                      json_t *entry, const struct pa_analysis_conf *c, struct run_tests *rt);

#endif
