/* Whether a folder's records cover its plan (evidence_int.h): every
 * planned (case, sample) pair has a record, and a folder that says
 * "complete" is within its error budget. Without this, records of one
 * outcome dropped, re-chained and re-signed verified as a whole run. */
#include <stdlib.h>
#include <string.h>

#include "evaluator/suite/shard.h"
#include "evidence_int.h"
#include "scorers/judge.h"

void pa__cover_add(struct pa__cover *c, const json_t *rec)
{
        const json_t *s = json_object_get(rec, "sample"), *error = json_object_get(rec, "error");
        /* An answer the judge did not rate is no answer: --resume asks it again. */
        bool ok = (!error || json_is_null(error)) && !pa__judge_record_missing(rec);
        struct pa__cover_pair p = {.seq_ok = (uint32_t)c->seen << 1 | ok};

        c->scanned = true;
        if (c->seen++ >= UINT32_MAX >> 1) {
                c->oom = true; /* two billion records: past what the index holds */
                return;
        }
        if (!pa__case_id_u64(json_string_value(json_object_get(rec, "case_id")), &p.id) ||
            !json_is_integer(s) || json_integer_value(s) < 0 ||
            json_integer_value(s) > (json_int_t)UINT32_MAX) {
                c->malformed++;
                return;
        }
        p.sample = (uint32_t)json_integer_value(s);
        if (pa__grow(&c->v, &c->cap, c->n, sizeof(*c->v), 1024)) {
                c->oom = true;
                return;
        }
        c->v[c->n++] = p;
}

static int by_pair_then_seq(const void *pa, const void *pb, void *ud)
{
        const struct pa__cover_pair *a = pa, *b = pb;

        (void)ud;
        if (a->id != b->id)
                return a->id < b->id ? -1 : 1;
        if (a->sample != b->sample)
                return a->sample < b->sample ? -1 : 1;
        return a->seq_ok < b->seq_ok ? -1 : a->seq_ok > b->seq_ok;
}

/* Distinct pairs, and those whose last record is an answer (a resumed run
 * asks a failed pair again; the later record supersedes it). */
static void count_pairs(struct pa__cover *c)
{
        c->pairs = c->answered = 0;
        for (size_t i = 0; i < c->n; i++) {
                bool last = i + 1 == c->n || c->v[i + 1].id != c->v[i].id ||
                            c->v[i + 1].sample != c->v[i].sample;

                if (!last)
                        continue;
                c->pairs++;
                c->answered += c->v[i].seq_ok & 1;
        }
}

void pa__cover_check(struct pa__ev *e, struct pa__findings *f)
{
        const json_t *m = e->manifest, *budget = json_object_get(m, "error_budget");
        const json_t *planned_v = json_object_get(json_object_get(m, "counts"), "planned");
        const char *status = json_string_value(json_object_get(m, "status"));
        double rate = 0;
        uint64_t pairs, answered, planned, unanswered;

        if (e->cover.oom)
                pa__finding(f, "results.jsonl: out of memory indexing the records");
        if (!e->cover.scanned || e->cover.oom || !json_is_integer(planned_v) ||
            json_integer_value(planned_v) < 0)
                return;
        planned = (uint64_t)json_integer_value(planned_v);
        pa__cover_index(&e->cover);
        pairs = e->cover.pairs;
        answered = e->cover.answered;
        unanswered = planned > answered ? planned - answered : 0;
        if (e->cover.malformed)
                pa__finding(f, "results.jsonl: %zu records without a case_id and sample",
                            e->cover.malformed);
        if (pairs > planned)
                pa__finding(f,
                            "results.jsonl: %llu (case, sample) pairs, more than the %llu planned",
                            (unsigned long long)pairs, (unsigned long long)planned);
        if (!status || strcmp(status, "complete"))
                return;
        if (pairs < planned)
                pa__finding(f,
                            "results.jsonl: status is complete but %llu of the %llu planned "
                            "(case, sample) pairs have no record (records removed?)",
                            (unsigned long long)(planned - pairs), (unsigned long long)planned);
        /* Folders written before the error budget existed have none. */
        if (json_is_object(budget) &&
            pa_json_number(json_object_get(budget, "max_error_rate"), &rate) &&
            (double)unanswered > rate * (double)planned)
                pa__finding(f,
                            "manifest.json: status is complete but %llu of %llu answers are "
                            "missing, over the error budget of %g",
                            (unsigned long long)unanswered, (unsigned long long)planned, rate);
}

static int by_line(const void *pa, const void *pb)
{
        const struct pa__dup *a = pa, *b = pb;

        return a->line < b->line ? -1 : a->line > b->line;
}

/* A pair's records in chain order: one that follows an answer repeats
 * it; after a failure the pair may be asked again (a resumed run). */
static void find_duplicates(struct pa__cover *c)
{
        struct pa__dup *d = c->dups;
        const size_t max = sizeof(c->dups) / sizeof(*c->dups);

        for (size_t i = 0, answered = SIZE_MAX; i < c->n; i++) {
                const struct pa__cover_pair *p = &c->v[i];
                bool same = i && p->id == c->v[i - 1].id && p->sample == c->v[i - 1].sample;
                struct pa__dup x = {(p->seq_ok >> 1) + 1, 0, p->id, p->sample};

                if (!same)
                        answered = SIZE_MAX;
                if (answered == SIZE_MAX) {
                        if (p->seq_ok & 1)
                                answered = i;
                        continue;
                }
                x.first = (c->v[answered].seq_ok >> 1) + 1;
                /* the first ten in file order */
                if (c->n_dups < max) {
                        d[c->n_dups++] = x;
                        qsort(d, c->n_dups, sizeof(*d), by_line);
                } else if (x.line < d[max - 1].line) {
                        d[max - 1] = x;
                        qsort(d, max, sizeof(*d), by_line);
                }
        }
}

void pa__cover_index(struct pa__cover *c)
{
        if (c->indexed || !c->scanned || c->oom)
                return;
        if (c->n)
                pa__sort_r(c->v, c->n, sizeof(*c->v), by_pair_then_seq, NULL);
        count_pairs(c);
        find_duplicates(c);
        free(c->v);
        c->v = NULL;
        c->n = c->cap = 0;
        c->indexed = true;
}

void pa__cover_duplicates(const struct pa__cover *c, struct pa__findings *f)
{
        for (size_t i = 0; i < c->n_dups; i++)
                pa__finding(f,
                            "results.jsonl: line %u: case %016llx/%u appears again (first "
                            "answered at line %u)",
                            c->dups[i].line, (unsigned long long)c->dups[i].id, c->dups[i].sample,
                            c->dups[i].first);
}

void pa__cover_release(struct pa__cover *c)
{
        free(c->v);
        memset(c, 0, sizeof(*c));
}
