/* evaluator/folder/: a run folder's records read for parity diff. */
/* Private: results.jsonl into the compact table of a diff's side
 * (scorers/analysis/diffjoin.h), a few bytes a record. */
#ifndef PA_DIFF_SCAN_H
#define PA_DIFF_SCAN_H

#include <stdbool.h>

#include "run_dir.h"
#include "scorers/analysis/diffjoin.h"

/* Streams r's results.jsonl (r from pa_run_dir_open_bare: r->head and
 * r->n_records are set) into side->t, a pair's last record kept. *regular
 * is false when some record holds what the table does not stand for
 * exactly (a case id, domain, outcome, groups or scores other than its
 * item's in the suite, or a suite with benchmark metrics): the diff then
 * reads the records as JSON, as it always did. A record whose item or
 * groups are not in the suite is PA_EINVAL naming its line. regular may
 * be NULL (a re-read of records already checked): nothing is checked. */
int pa__diff_scan(struct pa_run_dir *r, struct pa__diff_side *side, bool *regular,
                  struct pa_err *err);

#endif
