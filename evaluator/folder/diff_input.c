/* The run folders of parity diff read (diff_input.h). */
#include <string.h>

#include "parity/result.h"
#include "diff_input.h"
#include "suite_copy.h"
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

/* s (may be NULL) stands for the folder's suite copy. */
static int open_rows(struct pa__diff_input *in, const char *dir, const struct pa_suite *s,
                     struct pa_err *err)
{
        int rc;

        memset(in, 0, sizeof(*in));
        if ((rc = pa_run_dir_open_bare(&in->dir, dir, s, err)))
                return rc;
        return pa__diff_scan(&in->dir, &in->rows, &in->regular, err);
}

/* b's suite when the manifest of the folder dir names the same suite
 * file and items (the folders verified: their copies are those bytes), so
 * one copy is held; else NULL. */
static const struct pa_suite *same_suite(const struct pa__diff_input *b, const char *dir)
{
        struct pa_err err = {{0}};
        json_t *m = NULL;
        const json_t *ms;
        const char *sha, *items;
        bool same;

        if (pa__manifest_read(dir, &m, &err))
                return NULL; /* said again when the folder is opened */
        ms = json_object_get(m, "suite");
        sha = json_string_value(json_object_get(ms, "sha256"));
        items = json_string_value(json_object_get(ms, "items_sha256"));
        same = sha && !strcmp(sha, b->dir.suite.sha256) &&
               !strcmp(items ? items : "", b->dir.suite.items_sha256);
        json_decref(m);
        return same ? &b->dir.suite : NULL;
}

int pa__diff_input_open(struct pa__diff_input *in, const char *dir, struct pa_err *err)
{
        int rc = open_rows(in, dir, NULL, err);

        if (rc)
                return rc;
        return in->regular ? pa__diff_side_ids(&in->rows, err) : pa__diff_input_records(in, err);
}

int pa__diff_inputs_open(struct pa__diff_input *b, struct pa__diff_input *c, const char *base,
                         const char *cand, struct pa_err *err)
{
        int rc;

        if ((rc = open_rows(b, base, NULL, err)) ||
            (rc = open_rows(c, cand, same_suite(b, cand), err)))
                return rc;
        if (!b->regular || !c->regular) {
                if ((rc = pa__diff_input_records(b, err)) == 0)
                        rc = pa__diff_input_records(c, err);
                return rc;
        }
        return 0;
}

int pa__diff_inputs_ids(struct pa__diff_input *b, struct pa__diff_input *c, struct pa_err *err)
{
        int rc;

        if (!b->regular || b->rows.ids)
                return 0;
        if ((rc = pa__diff_side_ids(&b->rows, err)))
                return rc;
        /* One suite: one list of ids. */
        if (c->dir.suite_borrowed)
                return pa__diff_side_ids_of(&c->rows, &b->rows);
        return pa__diff_side_ids(&c->rows, err);
}

void pa__diff_input_release(struct pa__diff_input *in)
{
        if (!in)
                return;
        pa__diff_side_release(&in->rows);
        pa_run_dir_release(&in->dir);
}

void pa__diff_input_rows_drop(struct pa__diff_input *in)
{
        pa_table_release(&in->rows.t);
}

int pa__diff_input_rows_again(struct pa__diff_input *in, struct pa_err *err)
{
        char head[sizeof(in->dir.head)];
        uint64_t n = in->dir.n_records;
        int rc;

        /* The same chain head is the same records: no need to check them
         * against the suite (a case id's hash each) again. */
        memcpy(head, in->dir.head, sizeof(head));
        pa_table_release(&in->rows.t);
        if ((rc = pa__diff_scan(&in->dir, &in->rows, NULL, err)))
                return rc;
        if (n != in->dir.n_records || strcmp(head, in->dir.head))
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s': results.jsonl changed while it was read",
                               in->dir.dir);
        return 0;
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
