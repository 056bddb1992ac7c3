/* A run folder's records read for parity diff (diff_scan.h): each record
 * becomes a table row (item, variant, sample, verdicts, failed), after a
 * check that the row says all the diff reads of the record, so the diff's
 * figures from the rows are those it computed from the records. */
#include <stdlib.h>
#include <string.h>

#include "parity/result.h"
#include "diff_scan.h"
#include "record_load.h"
#include "evaluator/suite/case.h"
#include "evaluator/suite/item_index.h"
#include "evaluator/util/util.h"

/* Every member scan_record() and its callees read (with the chain's):
 * the rest of a record (messages, response, usage) is never built. */
static const char *const scan_keys[] = {"seq",    "prev",  "item_id", "groups",  "scores",
                                        "sample", "error", "domain",  "outcome", "case_id"};
static const struct pa__members scan_members = {scan_keys,
                                                sizeof(scan_keys) / sizeof(scan_keys[0])};

struct scan {
        struct pa_run_dir *r;
        struct pa__diff_side *side;
        struct pa__item_index ids;
        uint64_t line;
        bool regular;
};

static bool same_string(const json_t *v, const char *s)
{
        return s ? json_is_string(v) && !strcmp(json_string_value(v), s) : !json_is_string(v);
}

/* The record's scores are its item's scorers, each by name. */
static bool regular_scores(const struct pa_suite *s, uint64_t mask, const json_t *scores)
{
        size_t n = 0;

        if (!json_is_object(scores))
                return false;
        for (size_t k = 0; k < s->scorers.n; k++) {
                if (!(mask >> k & 1))
                        continue;
                if (!json_object_get(scores, s->scorers.v[k].name))
                        return false;
                n++;
        }
        return json_object_size(scores) == n;
}

/* Whether the row just added (the last of the table) says what the diff
 * reads of rec: its case id, sample, domain, outcome, groups and scores
 * are those of its item and variant. */
static bool regular(const struct pa_suite *s, const struct pa_table *t, const char *id,
                    const json_t *rec)
{
        size_t r = t->n - 1, groups[PA_MAX_AXES];
        const struct pa_item_kind *k = pa_suite_kind(s, t->item[r]);
        const json_t *sample = json_object_get(rec, "sample"), *g = json_object_get(rec, "groups");
        struct pa_item it = {.id = id, .n_axes = k->n_axes};
        char cid[17];

        if (!json_is_integer(sample) || json_integer_value(sample) < 0 ||
            json_integer_value(sample) > (json_int_t)UINT32_MAX ||
            !same_string(json_object_get(rec, "domain"), k->domain) ||
            !same_string(json_object_get(rec, "outcome"), k->outcome) || !json_is_object(g) ||
            json_object_size(g) != k->n_axes ||
            !regular_scores(s, k->scorer_mask, json_object_get(rec, "scores")))
                return false;
        memcpy(it.axes, k->axes, sizeof(it.axes));
        pa__case_groups(s, &it, t->variant[r], groups);
        return pa__case_id(s, &it, groups, cid) == 0 &&
               same_string(json_object_get(rec, "case_id"), cid);
}

static int scan_record(void *ud, json_t *rec, struct pa_err *err)
{
        struct scan *sc = ud;
        const struct pa_suite *s = sc->side->s;
        struct pa_table *t = &sc->side->t;
        const char *id = json_string_value(json_object_get(rec, "item_id"));
        long item = id ? pa__item_index_find(&sc->ids, id) : -1;
        const json_t *e = json_object_get(rec, "error");
        int rc = item < 0 ? PA_EINVAL : pa_table_add_record(t, s, (size_t)item, rec);

        sc->line++;
        if (rc == PA_EINVAL)
                return pa_errf(err, rc,
                               "results.jsonl: line %llu: item '%s' or its groups are not in "
                               "suite '%s'",
                               (unsigned long long)sc->line, id ? id : "(none)", s->id);
        if (rc)
                return pa_errf(err, rc, "out of memory");
        /* The last column: the record failed. */
        t->v[(t->n - 1) * t->nsc + s->scorers.n] = e && !json_is_null(e);
        if (sc->regular && !regular(s, t, id, rec))
                sc->regular = false;
        return 0;
}

int pa__diff_scan(struct pa_run_dir *r, struct pa__diff_side *side, bool *regular_out,
                  struct pa_err *err)
{
        struct scan sc = {
            .r = r, .side = side, .regular = regular_out && !pa_run_dir_has_metrics(r)};
        char *res = pa__path_join(r->dir, "results.jsonl");
        int rc = res ? 0 : pa_errf(err, PA_ENOMEM, "out of memory");

        side->dir = r->dir;
        side->head = r->head;
        side->s = &r->suite;
        pa_table_init(&side->t, r->suite.scorers.n + 1);
        if (rc == 0 && (rc = pa__item_index_build(&r->suite, &sc.ids, err)) == 0)
                rc = pa__results_scan_named(res, &scan_members, scan_record, &sc, &r->n_records,
                                            r->head, err);
        pa__item_index_release(&sc.ids);
        if (rc == 0 && (rc = pa_table_keep_latest(&side->t)))
                rc = pa_errf(err, rc, "results.jsonl: too many records");
        free(res);
        if (rc) {
                char msg[sizeof(err->msg)];

                snprintf(msg, sizeof(msg), "%s", err->msg);
                return pa_errf(err, rc, "run folder '%s': %s", r->dir, msg);
        }
        if (regular_out)
                *regular_out = sc.regular;
        return 0;
}
