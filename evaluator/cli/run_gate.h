/* parity run --fail-on: the run's own gate over the summary it sealed. */
#ifndef PA_CLI_RUN_GATE_H
#define PA_CLI_RUN_GATE_H

#include <stdbool.h>

/* What a finished run's exit code says of its summary. */
enum pa_run_gate {
        PA_GATE_DEFAULT,   /* 5 when nothing could have been flagged, else 0 */
        PA_GATE_DISPARITY, /* --fail-on disparity: also 1 on a flag */
        PA_GATE_NONE,      /* --fail-on none: 0, the records wanted, not a verdict */
};

/* --fail-on's value: disparity or none; else a one-line error and 2 (a
 * single run has no regression to gate). */
int pa__run_gate_parse(const char *v, enum pa_run_gate *g);

/* dir's summary.json, said on stderr: under PA_GATE_DISPARITY, 1
 * (PA_EXIT_GATE) when a comparison is flagged; unless PA_GATE_NONE, 5
 * (PA_EXIT_UNTESTABLE) when no comparison's design could reach alpha
 * (under the gate also when there is none); else 0 (the gate's pass said
 * on stdout unless quiet); 2 when the summary cannot be read. */
int pa__run_gate(const char *dir, enum pa_run_gate g, bool quiet);

#endif
