/* The checks of `parity verify` that read every record, done as the
 * records stream past (evidence_int.h): the compact table the summary is
 * recomputed from, the scores recomputed from the responses (in parallel
 * batches), and duplicated (case, sample) pairs from the cover index.
 * Nothing here keeps a record's JSON, so memory is flat in the records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "evidence_int.h"
#include "evaluator/folder/score_stream.h"

#define MAX_RECORD_FINDINGS 10

struct pa__ev_scan {
        struct pa__score_stream st;
        struct pa_table *table;
        uint64_t line;
        char table_err[sizeof(
            ((struct pa_err *)0)->msg)]; /* the first record the table could not take */
        char score_err[sizeof(((struct pa_err *)0)->msg)]; /* why re-scoring stopped */
        char diffs[MAX_RECORD_FINDINGS][512];
        size_t n_diffs;
};

static const char *verdict_name(const json_t *v)
{
        return !v ? "missing" : json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false";
}

/* A record's scores against those its response gets now. */
static int compare_scores(void *ud, json_t *rec, const struct pa_item *it, const signed char *v,
                          struct pa_err *err)
{
        struct pa__ev_scan *sc = ud;
        const struct pa_suite *s = sc->st.s;
        const json_t *scores = json_object_get(rec, "scores");
        uint64_t line = sc->st.line + 1;

        (void)err;
        for (size_t k = 0; k < s->scorers.n; k++) {
                const json_t *was = json_object_get(scores, s->scorers.v[k].name);
                bool same;

                if (!(it->scorer_mask >> k & 1))
                        continue;
                same = was && (v[k] == PA_NA ? json_is_null(was)
                                             : json_is_boolean(was) &&
                                                   json_is_true(was) == (v[k] == PA_TRUE));
                if (same)
                        continue;
                if (sc->n_diffs < MAX_RECORD_FINDINGS)
                        snprintf(sc->diffs[sc->n_diffs], sizeof(sc->diffs[0]),
                                 "results.jsonl: line %llu: scores.%s is %s in the record, "
                                 "re-scoring the response gives %s",
                                 (unsigned long long)line, s->scorers.v[k].name, verdict_name(was),
                                 v[k] == PA_NA     ? "null"
                                 : v[k] == PA_TRUE ? "true"
                                                   : "false");
                sc->n_diffs++;
        }
        return 0;
}

int pa__ev_scan_begin(struct pa__ev *e)
{
        struct pa_err err = {{0}};

        if (!(e->scan = calloc(1, sizeof(*e->scan))))
                return PA_ENOMEM;
        e->scan->table = &e->table;
        pa_table_init(&e->table, e->suite.scorers.n);
        if (pa__score_stream_init(&e->scan->st, &e->suite, compare_scores, e->scan, &err))
                snprintf(e->scan->score_err, sizeof(e->scan->score_err), "%s",
                         err.msg[0] ? err.msg : "no memory");
        return 0;
}

/* The record's row in the table (the first that does not fit is kept);
 * its item, or -1. */
static long table_row(struct pa__ev_scan *sc, const struct pa_suite *s, const json_t *rec)
{
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        long item = id && sc->st.ids.v ? pa__item_index_find(&sc->st.ids, id) : -1;
        int rc = item < 0 ? PA_EINVAL : pa_table_add_record(sc->table, s, (size_t)item, rec);

        if (rc && !sc->table_err[0])
                snprintf(sc->table_err, sizeof(sc->table_err),
                         rc == PA_EINVAL ? "record %llu: item '%s' or its groups are not in suite "
                                           "'%s'"
                                         : "record %llu: out of memory",
                         (unsigned long long)(sc->line + 1), id ? id : "(none)", s->id);
        sc->line++;
        return item;
}

void pa__ev_scan_record(struct pa__ev *e, json_t *rec)
{
        struct pa__ev_scan *sc = e->scan;
        struct pa_err err = {{0}};

        long item = table_row(sc, &e->suite, rec);

        if (sc->score_err[0] || !pa__score_stream_add(&sc->st, rec, item, &err))
                return;
        snprintf(sc->score_err, sizeof(sc->score_err), "%s", err.msg[0] ? err.msg : "no memory");
}

void pa__ev_scan_end(struct pa__ev *e)
{
        struct pa__ev_scan *sc = e->scan;
        struct pa_err err = {{0}};

        if (!sc)
                return;
        if (!sc->score_err[0] && pa__score_stream_flush(&sc->st, &err))
                snprintf(sc->score_err, sizeof(sc->score_err), "%s",
                         err.msg[0] ? err.msg : "no memory");
        pa__score_stream_release(&sc->st);
        if (!sc->table_err[0] && pa_table_keep_latest(&e->table))
                snprintf(sc->table_err, sizeof(sc->table_err), "out of memory");
}

const char *pa__ev_table_error(const struct pa__ev *e)
{
        return e->scan && e->scan->table_err[0] ? e->scan->table_err : NULL;
}

void pa__ev_scan_free(struct pa__ev *e)
{
        if (!e->scan)
                return;
        pa__score_stream_release(&e->scan->st);
        free(e->scan);
        e->scan = NULL;
}

void pa__ev_check_scores(struct pa__ev *e, struct pa__findings *f)
{
        struct pa__ev_scan *sc = e->scan;

        if (!sc)
                return;
        if (sc->score_err[0]) {
                pa__finding(f, "results.jsonl: cannot re-score: %s", sc->score_err);
                return;
        }
        for (size_t i = 0; i < sc->n_diffs && i < MAX_RECORD_FINDINGS; i++)
                pa__finding(f, "%s", sc->diffs[i]);
        if (sc->n_diffs > MAX_RECORD_FINDINGS)
                pa__finding(f, "results.jsonl: %zu more re-scoring differences",
                            sc->n_diffs - MAX_RECORD_FINDINGS);
}
