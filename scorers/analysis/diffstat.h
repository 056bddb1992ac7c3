/* Private to scorers/analysis/regression.c and change.c, and used by
 * reports/diff.c: the statistics of a diff between two runs, every test
 * item-level and all of them corrected together (docs/reports.md). */
#ifndef PA_ANALYSIS_DIFFSTAT_H
#define PA_ANALYSIS_DIFFSTAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/report.h"

/* Monte-Carlo sign-flip patterns are capped here: a family so large that
 * its smallest level needs more is reported with its min_p. */
#define PA_DIFF_MAX_REPS 2000000

/* The tests of one diff, a family corrected together. Each test's p is
 * computed when it is added; its interval waits for the correction, whose
 * decision level it uses (pa__diff_decide). */
struct pa__family {
        double alpha;
        int correction; /* enum pa_p_adjust */
        size_t reps;    /* Monte-Carlo patterns of every test */
        struct pa__job *jobs;
        size_t n, cap;
        double level; /* set by pa__diff_decide */
};

/* A family of about `tests` tests at c's alpha and correction. Release with
 * pa__family_release. */
void pa__family_init(struct pa__family *f, const struct pa_analysis_conf *c, size_t tests);
void pa__family_release(struct pa__family *f);

/* The regression groups of two runs, collected but not yet tested. */
struct pa__reg;

/* Pairs base and cand records (regression.c's header says how). *out is
 * released with pa__reg_free. */
int pa__reg_collect(const struct pa_suite *s, const json_t *base, const json_t *cand,
                    struct pa__reg **out, struct pa_err *err);
/* The same from the rows of a join (diffjoin.h), with the same result. */
struct pa__diff_join;
int pa__reg_collect_join(const struct pa__diff_join *j, struct pa__reg **out, struct pa_err *err);
/* How many tests the groups make. */
size_t pa__reg_tests(const struct pa__reg *r);
/* Tests each group into f and returns "regression" with each domain's
 * "p"; intervals and verdicts come with pa__diff_decide. */
int pa__reg_json(struct pa__reg *r, const struct pa_analysis_conf *c, struct pa__family *f,
                 json_t **out);
void pa__reg_free(struct pa__reg *r);

/* Sign-flip test of per-item values x (copied) into o: "items", "test",
 * "reps", "min_p", "reachable", "p", "<key>" (their mean); "<key>_ci"
 * comes with pa__diff_decide. */
int pa__item_test(struct pa__family *f, json_t *o, const char *key, const double *x, size_t n,
                  uint64_t seed);
/* FNV-1a of the strings (NULL-terminated list) mixed into seed, so a
 * test's patterns do not depend on which other tests the runs have. */
uint64_t pa__seed_of(uint64_t seed, const char *const *names);

/* Decides what the family's tests mean: corrects every reachable "p" of
 * the regression domains and the disparity comparisons together into
 * "p_adjusted"; gives every test its interval at the family's decision
 * level (so that it excludes 0 exactly when p_adjusted < alpha); sets each
 * domain's "verdict" (practical threshold max_drop) and each comparison's
 * "change" and the counts (practical threshold c->min_diff).
 * disparities may be NULL. */
int pa__diff_decide(struct pa__family *f, json_t *regression, json_t *disparities,
                    const struct pa_analysis_conf *c, double max_drop);

/* diff.json's "disparities": each group of the two summaries' entries
 * with its change tested on the records at the item level, into f. */
int pa__changes_build(const json_t *base_records, const json_t *cand_records,
                      const json_t *base_summary, const json_t *cand_summary,
                      const struct pa_analysis_conf *c, struct pa__family *f, json_t **out);
/* The same from the rows of a join (diffjoin.h), with the same result. */
int pa__changes_build_join(const struct pa__diff_join *j, const json_t *base_summary,
                           const json_t *cand_summary, const struct pa_analysis_conf *c,
                           struct pa__family *f, json_t **out);
/* How many comparisons pa__changes_build will test. */
size_t pa__changes_count(const json_t *base_summary, const json_t *cand_summary);

#endif
