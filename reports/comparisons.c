/* A run summary's comparisons counted the one way every reader needs
 * (include/parity/report.h): the verdicts, summary.txt and run --fail-on.
 * A comparison with enough items whose answers barely differed is not
 * "too few items": its design could have flagged it. */
#include "parity/report.h"
#include "verdict.h"

static void count_one(const json_t *c, struct pa_comparison_counts *n)
{
        const json_t *need = json_object_get(c, "items_needed");

        if (!json_is_boolean(json_object_get(c, "testable")))
                return;
        n->all++;
        if (json_is_true(json_object_get(c, "testable")))
                return;
        if (json_is_integer(need) && pa__int(c, "items") >= json_integer_value(need)) {
                n->untested_answers++;
                return;
        }
        n->untestable_design++;
        if (pa__int(c, "items") > n->items)
                n->items = pa__int(c, "items");
        if (pa__int(c, "items_needed") > n->needed)
                n->needed = pa__int(c, "items_needed");
}

void pa_comparison_counts(const json_t *summary, struct pa_comparison_counts *n)
{
        const json_t *o, *g;
        size_t i, j;

        *n = (struct pa_comparison_counts){0};
        json_array_foreach(json_object_get(summary, "outcomes"), i, o)
        {
                json_array_foreach(json_object_get(o, "groups"), j, g)
                {
                        count_one(g, n);
                        count_one(json_object_get(g, "interaction"), n);
                }
        }
}
