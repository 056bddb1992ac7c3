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

int pa__score_stream_init(struct pa__score_stream *st, const struct pa_suite *s, pa__scored_fn done,
                          void *ud, struct pa_err *err)
{
        int rc;

        memset(st, 0, sizeof(*st));
        st->s = s;
        st->done = done;
        st->ud = ud;
        if (!(st->rec = calloc(BATCH, sizeof(*st->rec))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = pa__item_index_build(s, &st->ids, err)))
                pa__score_stream_release(st);
        return rc;
}

int pa__score_stream_add(struct pa__score_stream *st, json_t *rec, struct pa_err *err)
{
        st->rec[st->n++] = json_incref(rec);
        return st->n == BATCH ? pa__score_stream_flush(st, err) : 0;
}

/* The item of a record as scoring needs it: its kind's scorers, and its
 * expected answer read back from the items when it has one. */
struct batch_item {
        struct pa_item it;
        json_t *obj; /* owns it's strings when read back */
        const char *text;
        size_t len;
};

static int resolve(struct pa__score_stream *st, size_t i, struct batch_item *b, struct pa_err *err)
{
        const json_t *rec = st->rec[i], *resp = json_object_get(rec, "response");
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        long item = id ? pa__item_index_find(&st->ids, id) : -1;
        const struct pa_item_kind *k;

        if (item < 0)
                return pa_errf(err, PA_EINVAL, "record %llu: item '%s' is not in suite '%s'",
                               (unsigned long long)(st->line + i + 1), id ? id : "(none)",
                               st->s->id);
        k = pa_suite_kind(st->s, (size_t)item);
        b->text = json_string_value(resp);
        b->len = json_string_length(resp);
        if (k->has_expected)
                return pa_suite_item_read(st->s, (size_t)item, &b->it, &b->obj, err);
        b->it = (struct pa_item){.id = id,
                                 .domain = k->domain,
                                 .outcome = k->outcome,
                                 .n_axes = k->n_axes,
                                 .outcome_scorer = k->outcome_scorer,
                                 .scorer_mask = k->scorer_mask,
                                 .n_cases = k->n_cases};
        memcpy(b->it.axes, k->axes, sizeof(b->it.axes));
        return 0;
}

/* The verdicts of a batch, in parallel: jansson was read serially in
 * resolve, so the threads see plain strings only. */
static int score_batch(const struct pa_suite *s, const struct batch_item *b, size_t n,
                       signed char *v, size_t nsc)
{
        int failed = 0;

#pragma omp parallel
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
        struct batch_item *b = calloc(st->n ? st->n : 1, sizeof(*b));
        signed char *v = calloc(st->n ? st->n : 1, nsc);
        int rc = b && v ? 0 : pa_errf(err, PA_ENOMEM, "out of memory");

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
        for (i = 0; b && i < got; i++)
                json_decref(b[i].obj);
        for (i = 0; i < st->n; i++)
                json_decref(st->rec[i]);
        st->n = 0;
        free(b);
        free(v);
        return rc;
}

void pa__score_stream_release(struct pa__score_stream *st)
{
        if (!st)
                return;
        for (size_t i = 0; st->rec && i < st->n; i++)
                json_decref(st->rec[i]);
        free(st->rec);
        pa__item_index_release(&st->ids);
        memset(st, 0, sizeof(*st));
}

/* ---- parity score: the file rewritten ---- */

struct rescore {
        struct pa__score_stream st;
        FILE *out;
        uint64_t n;
        char head[65];
};

static int rescored(void *ud, json_t *rec, const struct pa_item *it, const signed char *v,
                    struct pa_err *err)
{
        struct rescore *rs = ud;
        char *line;
        int rc = 0;

        if (json_object_set_new(rec, "scores", pa_scores_json(rs->st.s, it, v)) ||
            !(line = pa_results_chain(rec, &rs->n, rs->head)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (fputs(line, rs->out) == EOF || fputc('\n', rs->out) == EOF)
                rc =
                    pa_errf(err, PA_EIO, "cannot write the re-scored results: %s", strerror(errno));
        free(line);
        return rc;
}

static int add_record(void *ud, json_t *rec, struct pa_err *err)
{
        return pa__score_stream_add(&((struct rescore *)ud)->st, rec, err);
}

int pa__results_rescore(const struct pa_suite *s, const char *path, uint64_t *n, char head[65],
                        struct pa_err *err)
{
        struct rescore rs = {0};
        char *tmp = NULL, old_head[65];
        uint64_t old_n = 0;
        int rc, fd = -1;

        memcpy(rs.head, "0000000000000000000000000000000000000000000000000000000000000000", 65);
        if ((rc = pa__score_stream_init(&rs.st, s, rescored, &rs, err)))
                return rc;
        rc = PA_ENOMEM;
        if (!(tmp = malloc(strlen(path) + 5)))
                goto out;
        snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
        /* Written beside and renamed over, never through a symlink. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 || !(rs.out = fdopen(fd, "wb"))) {
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
                goto out;
        }
        fd = -1;
        if ((rc = pa_results_scan(path, add_record, &rs, &old_n, old_head, err)) ||
            (rc = pa__score_stream_flush(&rs.st, err)))
                goto out;
        if (fflush(rs.out) != 0 || fsync(fileno(rs.out)) != 0) {
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
                goto out;
        }
        if (rename(tmp, path) != 0) {
                rc = pa_errf(err, PA_EIO, "cannot replace '%s': %s", path, strerror(errno));
                goto out;
        }
        *n = rs.n;
        memcpy(head, rs.head, sizeof(rs.head));
out:
        if (rs.out)
                fclose(rs.out);
        if (fd >= 0)
                close(fd);
        if (rc && tmp)
                unlink(tmp);
        free(tmp);
        pa__score_stream_release(&rs.st);
        return rc;
}
