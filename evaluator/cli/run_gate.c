/* parity run --fail-on disparity: the run's own gate (run_gate.h), decided
 * from the summary.json the run just sealed, as diff's disparity gate is
 * from its diff: fail (exit 1) when a comparison is flagged, untestable
 * (exit 5, never a pass) when none could have been, else pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "parity/report.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "cmd.h"
#include "run_gate.h"

int pa__run_gate_parse(const char *v, enum pa_run_gate *g)
{
        char msg[600];

        if (!strcmp(v, "disparity") || !strcmp(v, "none")) {
                *g = !strcmp(v, "disparity") ? PA_GATE_DISPARITY : PA_GATE_NONE;
                return 0;
        }
        if (!strcmp(v, "regression") || !strcmp(v, "all"))
                snprintf(msg, sizeof(msg),
                         "--fail-on '%.200s': a single run has no version to regress from: run "
                         "gates disparity only (parity diff BASE_RUN RUN --fail-on regression "
                         "gates a regression)",
                         v);
        else
                snprintf(msg, sizeof(msg), "--fail-on '%.200s': expected disparity or none", v);
        return pa__fail(msg);
}

int pa__run_gate(const char *dir, enum pa_run_gate g, bool quiet)
{
        char *path = pa__path_join(dir, "summary.json");
        struct pa_err err = {{0}};
        json_t *summary = NULL;
        struct pa_comparison_counts n;
        bool gate = g == PA_GATE_DISPARITY;
        size_t flagged;
        int rc;

        if (g == PA_GATE_NONE) {
                free(path);
                return 0;
        }
        if (!path)
                return pa__fail("out of memory");
        rc = pa__json_load_regular(path, "summary.json", 0, PA_EV_MAX_BYTES, 0, &summary, NULL,
                                   &err);
        free(path);
        if (rc)
                return pa__fail(err.msg);
        pa_comparison_counts(summary, &n);
        flagged = json_array_size(json_object_get(summary, "findings"));
        json_decref(summary);
        if (gate && flagged) {
                fprintf(stderr,
                        "GATE FAILED: the disparity gate: %zu of %zu comparisons flagged "
                        "(summary.txt and report.md in %s list them)\n",
                        flagged, n.all, dir);
                return PA_EXIT_GATE;
        }
        /* Where no comparison's design could reach alpha, no flag is no
         * evidence: never exit 0 unless --fail-on none asked for the
         * records alone. A suite without groups has no disparity to test
         * and is untestable only under the gate. */
        if (n.untestable_design == n.all && (n.all || gate)) {
                if (gate)
                        fprintf(stderr,
                                "GATE UNTESTABLE, NOT A PASS: the disparity gate could not have "
                                "failed (%s): suite lint says how many items would reach alpha\n",
                                n.all ? "each comparison has too few items to reach alpha"
                                      : "the suite has no group comparison");
                else
                        fprintf(stderr,
                                "NOTHING TESTABLE, NOT A PASS: none of the %zu comparisons could "
                                "have been flagged (each has too few items to reach alpha): suite "
                                "lint says how many items would; --fail-on none keeps the "
                                "records without a verdict\n",
                                n.all);
                return PA_EXIT_UNTESTABLE;
        }
        if (gate && !quiet)
                printf("Gate passed: disparity (no flag in %zu comparisons that could have "
                       "been flagged%s)\n",
                       n.all - n.untestable_design,
                       n.untestable_design ? "; the others had too few items to reach alpha" : "");
        return 0;
}
