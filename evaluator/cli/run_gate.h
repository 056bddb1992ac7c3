/* parity run --fail-on: the run's own gate over the summary it sealed. */
#ifndef PA_CLI_RUN_GATE_H
#define PA_CLI_RUN_GATE_H

#include <stdbool.h>

/* --fail-on's value: disparity (*on true) or none; else a one-line error
 * and 2 (a single run has no regression to gate). */
int pa__run_gate_parse(const char *v, bool *on);

/* dir's summary.json against the disparity gate: 1 (PA_EXIT_GATE) when a
 * comparison is flagged, 5 (PA_EXIT_UNTESTABLE) when none was testable,
 * each said on stderr, else 0 (said on stdout unless quiet); 2 when the
 * summary cannot be read. */
int pa__run_gate(const char *dir, bool quiet);

#endif
