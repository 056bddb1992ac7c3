/* Private: template checks used while loading a suite. */
#ifndef PA_CASE_H
#define PA_CASE_H

#include "parity/suite.h"

/* Checks the item's prompt and system templates against its axes. */
int pa__case_check_templates(const struct pa_suite *s, const struct pa_item *it, const char *where,
                             struct pa_err *err);

#endif
