/* What a suite's design can show before it is run (report.h): the
 * comparisons the analysis will make, the fewest items any of them has,
 * the smallest p its item-level test can reach, and the MDE at a stated
 * spread of the items' differences. parity suite lint prints it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "analysis_int.h"

/* The spread assumed for the MDE: the sd of per-item differences. 0.3 is
 * what a difference of 0.2 to 0.3 between groups with item-to-item
 * variation gives (the demo suite's items: 0.28 to 0.35). */
#define ITEM_SD 0.3

/* Items whose outcome is scorer k and that carry axes a (and b, unless
 * b == a). */
static size_t items_with(const struct pa_suite *s, size_t k, size_t a, size_t b)
{
        size_t n = 0;

        for (size_t i = 0; i < s->n_items; i++) {
                const struct pa_item_kind *it = pa_suite_kind(s, i);
                bool ha = false, hb = false;

                if (it->outcome_scorer != (int)k)
                        continue;
                for (size_t j = 0; j < it->n_axes; j++) {
                        ha |= it->axes[j] == a;
                        hb |= it->axes[j] == b;
                }
                n += ha && hb;
        }
        return n;
}

/* Adds the comparisons of one entry: count and fewest items. */
static void tally(size_t items, size_t comparisons, size_t *m, size_t *fewest)
{
        if (!items || !comparisons)
                return;
        *m += comparisons;
        *fewest = items < *fewest ? items : *fewest;
}

int pa_design_lint(const struct pa_suite *s, double alpha, double power, FILE *f)
{
        size_t m = 0, fewest = SIZE_MAX, reps;
        double level, min_p, es = NAN;

        for (size_t k = 0; k < s->scorers.n; k++)
                for (size_t a = 0; a < s->n_axes; a++) {
                        size_t ka = s->axes[a].n_groups;

                        tally(items_with(s, k, a, a), ka - 1, &m, &fewest);
                        for (size_t b = a + 1; b < s->n_axes; b++) {
                                size_t kb = s->axes[b].n_groups;

                                /* cells against the double reference, and
                                 * each non-reference cell's interaction */
                                tally(items_with(s, k, a, b), ka * kb - 1 + (ka - 1) * (kb - 1), &m,
                                      &fewest);
                        }
                }
        if (!m) {
                fprintf(f, "design: no group comparison (no item has an outcome and an axis)\n");
                return 0;
        }
        level = alpha / (double)m;
        reps = pa_signflip_reps_for(level);
        min_p = pa_signflip_min_p(fewest, reps);
        if (fewest >= 2 && min_p < level)
                pa_mde_one_sample_t((double)fewest, level, power, &es);
        fprintf(f,
                "design (estimand prompts: the item is the unit): %zu comparisons, the fewest "
                "items %zu; smallest reachable p %.3g (alpha %g, %.3g after correcting for %zu); "
                "MDE at an item sd of %.2f: ",
                m, fewest, min_p, alpha, level, m, ITEM_SD);
        if (isnan(es))
                fprintf(f, "none (the corrected level is out of reach)\n");
        else
                fprintf(f, "%.3f\n", es * ITEM_SD);
        if (!(min_p < alpha))
                fprintf(f, "warning: %zu items cannot reach alpha %g; about %zu would\n", fewest,
                        alpha, pa__items_needed(reps, alpha));
        else if (!(min_p < level))
                fprintf(f,
                        "warning: %zu items cannot reach the corrected level %.3g; about %zu "
                        "would\n",
                        fewest, level, pa__items_needed(reps, level));
        return 0;
}
