/* The run folders of parity diff read (diff_input.h). */
#include <string.h>

#include "parity/result.h"
#include "diff_input.h"
#include "evaluator/folder/diff_scan.h"

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

/* A record the rows do not stand for: read as JSON, whose memory grows
 * with the records (docs/reports.md). */
int pa__diff_input_records(struct pa__diff_input *in, struct pa_err *err)
{
        if (!in->regular && in->dir.records)
                return 0; /* read already */
        pa__diff_side_release(&in->rows);
        in->regular = false;
        return keep_latest(&in->dir, err);
}

static int open_rows(struct pa__diff_input *in, const char *dir, struct pa_err *err)
{
        int rc;

        memset(in, 0, sizeof(*in));
        if ((rc = pa_run_dir_open_bare(&in->dir, dir, NULL, err)))
                return rc;
        return pa__diff_scan(&in->dir, &in->rows, &in->regular, err);
}

int pa__diff_input_open(struct pa__diff_input *in, const char *dir, struct pa_err *err)
{
        int rc = open_rows(in, dir, err);

        if (rc)
                return rc;
        return in->regular ? pa__diff_side_ids(&in->rows, err) : pa__diff_input_records(in, err);
}

int pa__diff_inputs_open(struct pa__diff_input *b, struct pa__diff_input *c, const char *base,
                         const char *cand, struct pa_err *err)
{
        int rc;

        if ((rc = open_rows(b, base, err)) || (rc = open_rows(c, cand, err)))
                return rc;
        if (!b->regular || !c->regular) {
                if ((rc = pa__diff_input_records(b, err)) == 0)
                        rc = pa__diff_input_records(c, err);
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
