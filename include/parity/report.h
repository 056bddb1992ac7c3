/* reports/: where a report is written, one file per format; scorers/analysis/ and scorers/metrics/
 * compute what it shows. */
/* parity: the group summary of a run and the reporters that write it.
 *
 * A reporter is one file in reports/ exporting one
 * `const struct pa_reporter_ops` and one row in reports/report.c's table. */
#ifndef PARITY_REPORT_H
#define PARITY_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/suite.h"

#define PA_SUMMARY_VERSION 2

/* What the disparity tests generalise to (docs/analysis.md). */
enum pa_inference {
        PA_INFERENCE_PROMPTS, /* prompts like these: the item is the unit (default) */
        PA_INFERENCE_SUITE,   /* these prompts: only the model's sampling varies */
};

/* How findings are decided (docs/analysis.md justifies the defaults). */
struct pa_analysis_conf {
        double alpha;            /* 0.05: level of tests and intervals */
        int correction;          /* enum pa_p_adjust: PA_ADJ_BH (default) or PA_ADJ_HOLM */
        double min_diff;         /* 0.05: practical threshold on |rate difference| */
        double min_impact_ratio; /* 0.8: the four-fifths rule, reported per group */
        double power;            /* 0.8: for the minimum detectable effect */
        unsigned perm_reps;      /* 10000: permutation test resamples */
        unsigned boot_reps;      /* 2000: bootstrap resamples */
        uint64_t seed;           /* resampling seed, recorded */
        int inference;           /* enum pa_inference: PA_INFERENCE_PROMPTS (default) */
};

/* The defaults above. */
void pa_analysis_conf_init(struct pa_analysis_conf *c);
/* "prompts" or "suite". */
const char *pa_inference_name(int inference);
/* From "prompts" or "suite"; PA_EINVAL otherwise. */
int pa_inference_parse(const char *name, int *inference);
/* Whether the estimand fits the generation parameters (a manifest's
 * "parameters": temperature, seed, samples): "suite" needs temperature > 0,
 * a base seed and at least 2 samples; PA_EINVAL with a one-line reason. */
int pa_inference_check(int inference, const json_t *params, struct pa_err *err);

/* A run's records as the summary needs them, a few bytes each: the item,
 * the variant (which fixes the groups), the sample and each scorer's
 * verdict. Built as records are written, so the end of a run need not
 * read results.jsonl back; or from JSON records. */
struct pa_table {
        size_t n, cap, nsc;
        uint32_t *item, *variant;
        uint32_t *sample; /* NULL while every sample is 0 (one a case): pa_table_sample */
        signed char *v;   /* n x nsc: PA_TRUE, PA_FALSE or PA_NA */
};

void pa_table_init(struct pa_table *t, size_t n_scorers);
int pa_table_add(struct pa_table *t, uint32_t item, uint32_t variant, uint32_t sample,
                 const signed char *verdicts);
/* From results.jsonl records; a record whose item or groups are not in the
 * suite is PA_EINVAL naming it. */
int pa_table_from_records(struct pa_table *t, const struct pa_suite *s, const json_t *records,
                          struct pa_err *err);
void pa_table_release(struct pa_table *t);
/* Adds one results.jsonl record of item (an index into s's items): its
 * variant from its groups, its sample and its scores. PA_EINVAL when its
 * groups are not the item's. */
int pa_table_add_record(struct pa_table *t, const struct pa_suite *s, size_t item,
                        const json_t *rec);
/* One record's row as pa_table_add_record adds it, computed apart from
 * the table (so threads can compute rows that are added in order). */
struct pa_table_row {
        uint32_t item, variant, sample;
        signed char v[PA_MAX_SCORERS];
};
int pa_table_row_of(const struct pa_suite *s, size_t item, const json_t *rec,
                    struct pa_table_row *row);
/* Keeps of each (item, variant, sample) only its last row, the rows in
 * their order: the records that count (pa_results_latest), a few bytes
 * each. */
int pa_table_keep_latest(struct pa_table *t);
/* Keeps the rows r with keep[r] set, in their order; true when some were
 * dropped. */
bool pa_table_keep_rows(struct pa_table *t, const uint8_t *keep);
/* The sample of record r. */
static inline uint32_t pa_table_sample(const struct pa_table *t, size_t r)
{
        return t->sample ? t->sample[r] : 0;
}
/* Group index on the item's k-th axis of record r. */
size_t pa_table_group(const struct pa_suite *s, const struct pa_table *t, size_t r, size_t k);

/* Builds summary.json's object from a run's records (docs/formats.md):
 * per outcome and axis, each group's rate with a Wilson interval and its
 * difference to the reference group with a Newcombe interval; per outcome
 * and domain, the rate. *out is a new reference. */
int pa_summary_build(const struct pa_suite *s, const json_t *records, const char *run_id,
                     double alpha, json_t **out, struct pa_err *err);
/* The same with the paired disparity analysis of scorers/analysis/analysis.c:
 * per-group tests, corrected p-values, flags and minimum detectable
 * effects, intersections of crossed axes, and "findings". */
int pa_summary_analyse(const struct pa_suite *s, const json_t *records, const char *run_id,
                       const struct pa_analysis_conf *c, json_t **out, struct pa_err *err);
/* The same two from a table. */
int pa_summary_build_table(const struct pa_suite *s, const struct pa_table *t, const char *run_id,
                           double alpha, json_t **out, struct pa_err *err);
int pa_summary_analyse_table(const struct pa_suite *s, const struct pa_table *t, const char *run_id,
                             const struct pa_analysis_conf *c, json_t **out, struct pa_err *err);

/* What a suite's design can show under the default estimand, printed to
 * f (parity suite lint): its comparisons, the fewest items of any, the
 * smallest p the item-level test reaches there and the MDE at an item sd
 * of 0.3; a warning line when alpha (or the corrected level) is out of
 * reach, with the items that would do. */
int pa_design_lint(const struct pa_suite *s, double alpha, double power, FILE *f);

/* What every summary version holds alike, for comparing a folder written
 * by an older version with a recomputation: records, per outcome x axis
 * each group's counts (group, n, positive, unscored), and the domains'
 * counts. A new reference; NULL on ENOMEM. */
json_t *pa_summary_counts(const json_t *summary);

/* A run summary's comparisons (each group against its reference, and each
 * interaction) as a gate and the verdicts read them: could not have
 * been flagged by the design (too few items even if every one
 * differed between the groups); not tested on these answers (enough items,
 * but too few whose answers differed to reach alpha: the model barely
 * treated the groups differently there); and all. Flags are summary.json's
 * "findings". */
struct pa_comparison_counts {
        size_t untestable_design, untested_answers, all;
        long long items, needed; /* the largest items and items_needed of the design ones */
};
void pa_comparison_counts(const json_t *summary, struct pa_comparison_counts *c);

/* Regression statistics between two runs of the same suite
 * (scorers/analysis/regression.c): records paired by (case_id, sample); per outcome
 * and domain, the per-item accuracy change (the item is the unit), its mean
 * tested with the sign-flip test over items and its interval inverted from
 * the same test, corrected across domains (docs/formats.md "Regression").
 * *out is a new reference. */
int pa_regression_build(const struct pa_suite *s, const json_t *base, const json_t *cand,
                        const struct pa_analysis_conf *c, json_t **out, struct pa_err *err);

/* A benchmark's own metric (BBQ bias scores, CrowS-Pairs percent
 * stereotyped...), computed from the records when a suite lists it in
 * "metrics". One file in reports/ and one row in scorers/metrics/metric.c. */
struct pa_metric_ops {
        const char *name;
        /* A new JSON object with the metric's figures and their inputs. */
        int (*compute)(const struct pa_suite *s, const json_t *records, double alpha, json_t **out,
                       struct pa_err *err);
};

const struct pa_metric_ops *pa_metric_find(const char *name);

/* What a reporter renders: a run (its summary, with the manifest and
 * audit.json when the folder has them) or a diff of two runs (diff.json,
 * docs/reports.md). All borrowed; exactly one of summary and diff is set. */
struct pa_report_doc {
        const json_t *summary;  /* a run's summary.json, or NULL */
        const json_t *manifest; /* the run's manifest.json, or NULL */
        const json_t *audit;    /* the run's audit.json, or NULL */
        const json_t *diff;     /* a diff.json, or NULL */
};

/* One output format. A format for runs sets file and write (or render); a
 * format for diffs sets diff_file and render. Unused hooks are NULL. */
struct pa_reporter_ops {
        const char *name; /* --format value */
        const char *file; /* name in the run folder; NULL: no run view */
        int (*write)(const json_t *summary, FILE *f, struct pa_err *err);
        const char *diff_file; /* name in a diff folder; NULL: no diff view */
        /* The whole document; when set, used instead of write. */
        int (*render)(const struct pa_report_doc *doc, FILE *f, struct pa_err *err);
};

/* The format called name for runs, or NULL. */
const struct pa_reporter_ops *pa_reporter_find(const char *name);
/* The format called name for diffs, or NULL. */
const struct pa_reporter_ops *pa_reporter_find_diff(const char *name);
/* Writes one format into dir/ops->file atomically. */
int pa_report_write(const struct pa_reporter_ops *ops, const char *dir, const json_t *summary,
                    struct pa_err *err);
/* Writes one format of doc into dir atomically: ops->file for a run,
 * ops->diff_file for a diff; PA_ENOTSUP when the format has no such view. */
int pa_report_write_doc(const struct pa_reporter_ops *ops, const char *dir,
                        const struct pa_report_doc *doc, struct pa_err *err);

#endif
