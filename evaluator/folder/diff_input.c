/* The run folders of parity diff read (diff_input.h). */
#include <string.h>

#include "parity/result.h"
#include "diff_input.h"
#include "evaluator/folder/diff_scan.h"

static int open_one(struct pa__diff_input *in, const char *dir, struct pa_err *err)
{
        int rc;

        memset(in, 0, sizeof(*in));
        if ((rc = pa_run_dir_open_bare(&in->dir, dir, NULL, err)))
                return rc;
        return pa__diff_scan(&in->dir, &in->rows, &in->regular, err);
}

/* Pairs are compared by their last record: a resumed run's failed pair was
 * asked again (pa_results_latest). */
static int keep_latest(struct pa_run_dir *r, struct pa_err *err)
{
        json_t *latest;
        int rc;

        if (!r->records && (rc = pa_run_dir_load_records(r, err)))
                return rc;
        if (!(latest = pa_results_latest(r->records)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        json_decref(r->records);
        r->records = latest;
        return 0;
}

/* A record the rows do not stand for: both runs are read as JSON, whose
 * memory grows with the records (docs/reports.md). */
static int as_records(struct pa__diff_input *in, struct pa_err *err)
{
        pa__diff_side_release(&in->rows);
        in->regular = false;
        return keep_latest(&in->dir, err);
}

int pa__diff_inputs_open(struct pa__diff_input *b, struct pa__diff_input *c, const char *base,
                         const char *cand, struct pa_err *err)
{
        int rc;

        if ((rc = open_one(b, base, err)) || (rc = open_one(c, cand, err)))
                return rc;
        if (!b->regular || !c->regular) {
                if ((rc = as_records(b, err)) == 0)
                        rc = as_records(c, err);
                return rc;
        }
        if ((rc = pa__diff_side_ids(&b->rows, err)) || (rc = pa__diff_side_ids(&c->rows, err)))
                return rc;
        return 0;
}

void pa__diff_input_release(struct pa__diff_input *in)
{
        if (!in)
                return;
        pa__diff_side_release(&in->rows);
        pa_run_dir_release(&in->dir);
}

void pa__diff_join_dropped(const struct pa__diff_join *j, long long n[4])
{
        n[0] = n[1] = n[2] = n[3] = 0;
        for (size_t r = 0; r < j->b->t.n; r++) {
                bool fb, fc;

                if (j->match[r] == PA_DIFF_NONE)
                        continue;
                fb = pa__diff_failed_row(j->b, r);
                fc = pa__diff_failed_row(j->c, j->match[r]);
                n[0]++;
                n[1] += fb || fc;
                n[2] += fb;
                n[3] += fc;
        }
}
