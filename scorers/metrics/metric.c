/* The benchmark-metric family (report.h): a suite's "metrics" names rows
 * of this table. */
#include <string.h>

#include "parity/report.h"

extern const struct pa_metric_ops pa_metric_bbq;
extern const struct pa_metric_ops pa_metric_crows;
extern const struct pa_metric_ops pa_metric_discrim;
extern const struct pa_metric_ops pa_metric_crows_ll;
extern const struct pa_metric_ops pa_metric_discrim_ll;
extern const struct pa_metric_ops pa_metric_holistic_ll;

static const struct pa_metric_ops *const metric_table[] = {
    &pa_metric_bbq,
    &pa_metric_crows,
    &pa_metric_discrim,
    &pa_metric_crows_ll,
    &pa_metric_discrim_ll,
    &pa_metric_holistic_ll,
    NULL,
};

const struct pa_metric_ops *pa_metric_find(const char *name)
{
        for (size_t i = 0; name && metric_table[i]; i++)
                if (!strcmp(metric_table[i]->name, name))
                        return metric_table[i];
        return NULL;
}
