/* Records scored again as they stream past (score_stream.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/result.h"
#include "score_stream.h"
#include "evaluator/util/util.h"
#include "scorers/judge.h"

/* Records a batch holds: enough for the threads to share out, few enough
 * that a batch of large answers stays small. */
#define BATCH 1024

/* A batch's work below which threads cost more than they save, in bytes
 * of answer with RECORD_COST for each record: a team's idle threads spin
 * for milliseconds after it, so a batch of short answers (1024 "Yes.")
 * run in parallel costs more CPU waiting than scoring. */
#define PARALLEL_WORK (1u << 20)
#define RECORD_COST   256

/* The item of a record as scoring needs it: its kind's scorers, and its
 * expected answer read back from the items when it has one. */
struct pa__score_slot {
        struct pa_item it;
        json_t *obj; /* owns it's strings when read back */
        const char *text;
        size_t len;
};

int pa__score_stream_init(struct pa__score_stream *st, const struct pa_suite *s, pa__scored_fn done,
                          void *ud, struct pa_err *err)
{
        int rc;

        memset(st, 0, sizeof(*st));
        st->s = s;
        st->done = done;
        st->ud = ud;
        /* The batch's arrays once: a block this large allocated and freed
         * each batch costs more than its scoring (mmap, page faults). */
        if (!(st->rec = calloc(BATCH, sizeof(*st->rec))) ||
            !(st->item = calloc(BATCH, sizeof(*st->item))) ||
            !(st->slots = calloc(BATCH, sizeof(*st->slots))) ||
            !(st->v = calloc(BATCH, s->scorers.n ? s->scorers.n : 1))) {
                pa__score_stream_release(st);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if ((rc = pa__item_index_build(s, &st->ids, err)))
                pa__score_stream_release(st);
        return rc;
}

int pa__score_stream_add(struct pa__score_stream *st, json_t *rec, long item, struct pa_err *err)
{
        st->item[st->n] = item;
        st->rec[st->n++] = json_incref(rec);
        return st->n == BATCH ? pa__score_stream_flush(st, err) : 0;
}

int pa__score_item(const struct pa_suite *s, size_t item, const char *id, struct pa_item *it,
                   json_t **obj, struct pa_err *err)
{
        const struct pa_item_kind *k = pa_suite_kind(s, item);

        if (k->has_expected)
                return pa_suite_item_read(s, item, it, obj, err);
        *it = (struct pa_item){.id = id,
                               .domain = k->domain,
                               .outcome = k->outcome,
                               .n_axes = k->n_axes,
                               .outcome_scorer = k->outcome_scorer,
                               .scorer_mask = k->scorer_mask,
                               .n_cases = k->n_cases};
        memcpy(it->axes, k->axes, sizeof(it->axes));
        return 0;
}

static int resolve(struct pa__score_stream *st, size_t i, struct pa__score_slot *b,
                   struct pa_err *err)
{
        const json_t *rec = st->rec[i], *resp = json_object_get(rec, "response");
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        long item = st->item[i]; /* looked up by the caller's table row */

        if (item < 0)
                return pa_errf(err, PA_EINVAL, "record %llu: item '%s' is not in suite '%s'",
                               (unsigned long long)(st->line + i + 1), id ? id : "(none)",
                               st->s->id);
        b->text = json_string_value(resp);
        b->len = json_string_length(resp);
        return pa__score_item(st->s, (size_t)item, id, &b->it, &b->obj, err);
}

/* The verdicts of a batch, in parallel: jansson was read serially in
 * resolve, so the threads see plain strings only. */
static int score_batch(const struct pa_suite *s, const struct pa__score_slot *b, size_t n,
                       signed char *v, size_t nsc)
{
        size_t work = 0;
        int failed = 0;

        for (size_t i = 0; i < n; i++)
                work += RECORD_COST + b[i].len;
#pragma omp parallel if (work >= PARALLEL_WORK)
        {
                void **scratch = pa_scorer_scratch_new(&s->scorers);

                if (!scratch) {
#pragma omp atomic write
                        failed = 1;
                }
#pragma omp for schedule(dynamic, 64)
                for (size_t i = 0; i < n; i++)
                        if (scratch)
                                pa_score_text(s, &b[i].it, scratch, b[i].text, b[i].len,
                                              v + i * nsc);
                pa_scorer_scratch_free(&s->scorers, scratch);
        }
        return failed ? PA_ENOMEM : 0;
}

int pa__score_stream_flush(struct pa__score_stream *st, struct pa_err *err)
{
        size_t nsc = st->s->scorers.n ? st->s->scorers.n : 1, i, got = 0;
        struct pa__score_slot *b = st->slots;
        signed char *v = st->v;
        int rc = 0;

        memset(b, 0, st->n * sizeof(*b));
        memset(v, 0, st->n * nsc);

        for (i = 0; rc == 0 && i < st->n; i++, got++)
                rc = resolve(st, i, &b[i], err);
        if (rc == 0 && score_batch(st->s, b, st->n, v, nsc))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        /* A judge scorer's verdict is the rating the record carries. */
        for (i = 0; rc == 0 && i < st->n; i++)
                pa__judge_stored(st->s, &b[i].it, json_object_get(st->rec[i], "judge"),
                                 v + i * nsc);
        for (i = 0; rc == 0 && i < st->n; i++, st->line++)
                rc = st->done(st->ud, st->rec[i], &b[i].it, v + i * nsc, err);
        for (i = 0; i < got; i++)
                json_decref(b[i].obj);
        for (i = 0; i < st->n; i++)
                json_decref(st->rec[i]);
        st->n = 0;
        return rc;
}

void pa__score_stream_release(struct pa__score_stream *st)
{
        if (!st)
                return;
        for (size_t i = 0; st->rec && i < st->n; i++)
                json_decref(st->rec[i]);
        free(st->rec);
        free(st->item);
        free(st->slots);
        free(st->v);
        pa__item_index_release(&st->ids);
        memset(st, 0, sizeof(*st));
}
