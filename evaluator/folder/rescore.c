/* parity score's rewrite of results.jsonl (score_stream.h), in parallel.
 *
 * A batch of lines is read in file order; the OpenMP threads each take
 * lines and do everything a line needs alone: parse it, hash it for the
 * input chain, find its item, score its response, and write the new line
 * with its "seq" and a placeholder "prev". Then, in file order again, the
 * input chain is checked, the placeholder is filled with the hash of the
 * line before, and the line is hashed and written. A line's bytes depend
 * only on its record and its place, so the file is the same byte for byte
 * at any thread count (tests/integration/test_score_threads.py).
 *
 * Two batches are in hand: while one thread chains and writes batch k,
 * the others (and it, once done) prepare batch k+1, so the serial part
 * overlaps the parallel one. The new records' table rows for the summary
 * are computed with the line and added as it is written, in file order,
 * so the re-scored file is not read again for them. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/result.h"
#include "parity/scorer.h"
#include "score_stream.h"
#include "scorers/judge.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

/* A batch: enough lines for the threads to share out, few enough bytes
 * that a batch of long answers stays small. */
#define BATCH_LINES 2048
#define BATCH_BYTES (8u << 20)

/* Stands for "prev" until the line before is hashed; a line holding it
 * more than once is written the slow way, serially. */
static const char placeholder[] =
    "\"prev\":\"pppppppppppppppppppppppppppppppppppppppppppppppppppppp"
    "pppppppppp\"";
#define PREV_AT 8 /* the hash's offset in placeholder */

enum state {
        LINE_OK,
        LINE_BLANK,
        LINE_TORN,
        LINE_NOT_OBJECT,
        LINE_NO_MEMORY,
        LINE_ITEM,
        LINE_GROUPS
};

struct line {
        char *in; /* owned, without its newline */
        size_t len, cap, lineno;
        uint64_t index; /* records before it */
        enum state state;
        int item_rc; /* LINE_ITEM: its code and message (owned) */
        char *item_msg;
        json_t *rec; /* kept only when out is NULL */
        json_int_t seq;
        char prev[PA_SHA256_HEX]; /* "" unless a string of 64 bytes */
        char *out;                /* owned: the new line, "prev" a placeholder */
        size_t out_len, prev_at;
        char in_hash[PA_SHA256_HEX];
        struct pa_table_row row; /* the new record's, when the table is kept */
};

struct rescore {
        const struct pa_suite *s;
        struct pa__item_index ids;
        const char *path;
        FILE *in, *out;
        struct pa_table *table;     /* the caller's; NULL: not kept */
        struct line *lines, *ahead; /* the batch being written, the next one */
        size_t n, n_ahead;          /* lines in each */
        uint64_t lineno, records, records_in, out_n;
        char in_head[PA_SHA256_HEX], out_head[PA_SHA256_HEX];
        bool eof;
};

static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Fills the next batch; lines keep their buffers from one batch to the
 * next but one. */
static int read_batch(struct rescore *rs, struct pa_err *err)
{
        size_t bytes = 0;

        rs->n_ahead = 0;
        while (!rs->eof && rs->n_ahead < BATCH_LINES && bytes < BATCH_BYTES) {
                struct line *l = &rs->ahead[rs->n_ahead];
                ssize_t got = getline(&l->in, &l->cap, rs->in);

                if (got <= 0) {
                        if (ferror(rs->in))
                                return pa_errf(err, PA_EIO, "cannot read '%s': %s", rs->path,
                                               strerror(errno));
                        rs->eof = true;
                        break;
                }
                l->lineno = ++rs->lineno;
                l->state = l->in[got - 1] != '\n' ? LINE_TORN : got == 1 ? LINE_BLANK : LINE_OK;
                l->len = (size_t)got - (l->state != LINE_TORN);
                l->index = rs->records;
                rs->records += l->state == LINE_OK;
                bytes += (size_t)got;
                rs->n_ahead++;
        }
        return 0;
}

/* The record's item as scoring needs it (as score_stream.c resolves it);
 * *obj owns its strings when they were read back. */
static int item_of(const struct rescore *rs, const struct line *l, long *item, struct pa_item *it,
                   json_t **obj, struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(l->rec, "item_id"));

        *item = id ? pa__item_index_lookup(&rs->ids, id) : -1;
        if (*item < 0)
                return pa_errf(err, PA_EINVAL,
                               "results.jsonl: line %llu: item '%s' or its groups are not in "
                               "suite '%s'",
                               (unsigned long long)(l->index + 1), id ? id : "(none)", rs->s->id);
        return pa__score_item(rs->s, (size_t)*item, id, it, obj, err);
}

/* The new line with a placeholder "prev"; NULL out (rec kept) when the
 * placeholder cannot be told apart. */
static int write_line(struct line *l)
{
        char *at;

        if (json_object_set_new(l->rec, "seq", json_integer((json_int_t)l->index)) ||
            json_object_set_new(l->rec, "prev", json_stringn(placeholder + PREV_AT, 64)))
                return PA_ENOMEM;
        /* As pa_results_chain writes it. */
        if (!(l->out = json_dumps(l->rec, JSON_COMPACT | JSON_REAL_PRECISION(10))))
                return PA_ENOMEM;
        l->out_len = strlen(l->out);
        at = strstr(l->out, placeholder);
        if (!at || strstr(at + 1, placeholder)) {
                free(l->out);
                l->out = NULL;
                return 0;
        }
        l->prev_at = (size_t)(at - l->out) + PREV_AT;
        json_decref(l->rec);
        l->rec = NULL;
        return 0;
}

/* Everything one line needs that depends on no other line. */
static void prepare_line(const struct rescore *rs, struct line *l, void **scratch)
{
        signed char v[PA_MAX_SCORERS];
        struct pa_item it;
        json_t *obj = NULL, *resp, *seq;
        long item = -1;
        const char *prev;
        struct pa_err err = {{0}};

        if (l->state != LINE_OK)
                return;
        l->rec = json_loadb(l->in, l->len, 0, NULL);
        if (!json_is_object(l->rec)) {
                l->state = LINE_NOT_OBJECT;
                return;
        }
        pa__sha256_hex(l->in, l->len, l->in_hash);
        seq = json_object_get(l->rec, "seq");
        l->seq = json_is_integer(seq) ? json_integer_value(seq) : -1;
        prev = json_string_value(json_object_get(l->rec, "prev"));
        if (prev && strlen(prev) == 64)
                memcpy(l->prev, prev, sizeof(l->prev));
        else
                l->prev[0] = '\0';
        if ((l->item_rc = item_of(rs, l, &item, &it, &obj, &err))) {
                l->state = LINE_ITEM;
                l->item_msg = strdup(err.msg);
                return;
        }
        resp = json_object_get(l->rec, "response");
        if (!scratch)
                l->state = LINE_NO_MEMORY;
        else
                pa_score_text(rs->s, &it, scratch, json_string_value(resp),
                              json_string_length(resp), v);
        /* A judge scorer's verdict is the rating the record carries. */
        if (l->state == LINE_OK)
                pa__judge_stored(rs->s, &it, json_object_get(l->rec, "judge"), v);
        if (l->state == LINE_OK &&
            json_object_set_new(l->rec, "scores", pa_scores_json(rs->s, &it, v)))
                l->state = LINE_NO_MEMORY;
        if (l->state == LINE_OK && rs->table &&
            pa_table_row_of(rs->s, (size_t)item, l->rec, &l->row))
                l->state = LINE_GROUPS;
        if (l->state == LINE_OK && write_line(l))
                l->state = LINE_NO_MEMORY;
        json_decref(obj);
}

static int emit_batch(struct rescore *rs, struct pa_err *err);

/* Batch k (lines) written by one thread while every thread prepares batch
 * k+1 (ahead); the writer joins in once done. Each touches only its own
 * batch; rs's chain heads and counts only the writer. */
static int emit_and_prepare(struct rescore *rs, struct pa_err *err)
{
        int rc = 0;

#pragma omp parallel
        {
                void **scratch = pa_scorer_scratch_new(&rs->s->scorers);

#pragma omp single nowait
                rc = emit_batch(rs, err);
#pragma omp for schedule(dynamic, 16)
                for (size_t i = 0; i < rs->n_ahead; i++)
                        prepare_line(rs, &rs->ahead[i], scratch);
                pa_scorer_scratch_free(&rs->s->scorers, scratch);
        }
        return rc;
}

/* A failed line as pa_results_scan words it. */
static int line_error(const struct rescore *rs, const struct line *l, uint64_t n,
                      struct pa_err *err)
{
        switch (l->state) {
        case LINE_TORN:
        case LINE_NOT_OBJECT:
                return pa_errf(err, PA_EINVAL, "results '%s': line %zu: %s", rs->path, l->lineno,
                               l->state == LINE_TORN ? "no newline at the end"
                                                     : "not a JSON object");
        case LINE_ITEM:
                return pa_errf(err, l->item_rc, "%s", l->item_msg ? l->item_msg : "out of memory");
        case LINE_GROUPS: /* as pa_run_dir_open words it */
                return pa_errf(err, PA_EINVAL,
                               "results.jsonl: line %llu: item '%s' or its groups are not in "
                               "suite '%s'",
                               (unsigned long long)(l->index + 1),
                               json_string_value(json_object_get(l->rec, "item_id")), rs->s->id);
        case LINE_NO_MEMORY:
                return pa_errf(err, PA_ENOMEM, "out of memory");
        default:
                return pa_errf(
                    err, PA_EINVAL,
                    "results '%s': line %zu: broken chain: expected seq %llu after %.12s", rs->path,
                    l->lineno, (unsigned long long)n, rs->in_head);
        }
}

/* One line chained and written, in file order. */
static int emit_line(struct rescore *rs, struct line *l, struct pa_err *err)
{
        char *slow = NULL, *text;
        size_t len;
        int rc = 0;

        if (l->state == LINE_BLANK)
                return 0;
        if (l->state != LINE_OK || l->seq != (json_int_t)rs->records_in ||
            strcmp(l->prev, rs->in_head))
                return line_error(rs, l, rs->records_in, err);
        memcpy(rs->in_head, l->in_hash, sizeof(rs->in_head));
        rs->records_in++;
        if (rs->table &&
            pa_table_add(rs->table, l->row.item, l->row.variant, l->row.sample, l->row.v))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (l->out) {
                memcpy(l->out + l->prev_at, rs->out_head, 64);
                pa__sha256_hex(l->out, l->out_len, rs->out_head);
                rs->out_n++;
                text = l->out;
                len = l->out_len;
        } else {
                if (!(slow = pa_results_chain(l->rec, &rs->out_n, rs->out_head)))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                text = slow;
                len = strlen(slow);
        }
        if (fwrite(text, 1, len, rs->out) != len || fputc('\n', rs->out) == EOF)
                rc =
                    pa_errf(err, PA_EIO, "cannot write the re-scored results: %s", strerror(errno));
        free(slow);
        return rc;
}

/* The batch's lines written in order; what they hold is dropped. */
static int emit_batch(struct rescore *rs, struct pa_err *err)
{
        int rc = 0;

        for (size_t i = 0; i < rs->n; i++) {
                struct line *l = &rs->lines[i];

                if (rc == 0)
                        rc = emit_line(rs, l, err);
                json_decref(l->rec);
                l->rec = NULL;
                free(l->out);
                l->out = NULL;
                free(l->item_msg);
                l->item_msg = NULL;
        }
        return rc;
}

/* Read k+1, then write k while preparing k+1, then k+1 becomes k. */
static int rescore_all(struct rescore *rs, struct pa_err *err)
{
        int rc = 0;

        while (rc == 0 && (rs->n || !rs->eof)) {
                struct line *t = rs->lines;

                if ((rc = read_batch(rs, err)) || (rc = emit_and_prepare(rs, err)))
                        break;
                rs->lines = rs->ahead;
                rs->n = rs->n_ahead;
                rs->ahead = t;
                rs->n_ahead = 0;
        }
        return rc;
}

/* The output file beside path, never through a symlink. */
static int open_out(struct rescore *rs, const char *tmp, struct pa_err *err)
{
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);

        if (fd < 0 || !(rs->out = fdopen(fd, "wb"))) {
                if (fd >= 0)
                        close(fd);
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        }
        return 0;
}

static int open_in(struct rescore *rs, struct pa_err *err)
{
        int fd, rc;

        if ((rc = pa__open_regular(rs->path, "results.jsonl", 0, 0, &fd, err)))
                return rc;
        if (!(rs->in = fdopen(fd, "rb"))) {
                close(fd);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        return 0;
}

static void lines_free(struct line *lines)
{
        for (size_t i = 0; lines && i < BATCH_LINES; i++) {
                free(lines[i].in);
                json_decref(lines[i].rec);
                free(lines[i].out);
                free(lines[i].item_msg);
        }
        free(lines);
}

static void rescore_release(struct rescore *rs)
{
        lines_free(rs->lines);
        lines_free(rs->ahead);
        if (rs->in)
                fclose(rs->in);
        pa__item_index_release(&rs->ids);
}

/* The records read are the ones the run wrote: their chain ends where the
 * caller says (manifest.results), so an edited record is never re-chained
 * and resealed as if it were sound. */
static int check_in_head(const struct rescore *rs, const struct pa__rescore_want *want,
                         struct pa_err *err)
{
        if (!want || (rs->records_in == want->records && !strcmp(rs->in_head, want->head)))
                return 0;
        return pa_errf(err, PA_EINVAL,
                       "results.jsonl: its chain does not end at manifest.results.chain_head "
                       "(records edited, added or removed since the run wrote them)");
}

int pa__results_rescore(const struct pa_suite *s, const char *from, const char *path,
                        const struct pa__rescore_want *want, struct pa_table *t, uint64_t *n,
                        char head[65], struct pa_err *err)
{
        struct rescore rs = {.s = s, .path = from, .table = t};
        char *tmp = NULL;
        int rc;

        memcpy(rs.in_head, genesis, sizeof(genesis));
        memcpy(rs.out_head, genesis, sizeof(genesis));
        if ((rc = pa__item_index_build(s, &rs.ids, err)))
                return rc;
        if (!(rs.lines = calloc(BATCH_LINES, sizeof(*rs.lines))) ||
            !(rs.ahead = calloc(BATCH_LINES, sizeof(*rs.ahead))) ||
            !(tmp = malloc(strlen(path) + 5))) {
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                goto out;
        }
        snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
        if ((rc = open_in(&rs, err)) || (rc = open_out(&rs, tmp, err)) ||
            (rc = rescore_all(&rs, err)) || (rc = check_in_head(&rs, want, err)))
                goto out;
        if (fflush(rs.out) != 0 || fsync(fileno(rs.out)) != 0) {
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
                goto out;
        }
        if (rename(tmp, path) != 0) {
                rc = pa_errf(err, PA_EIO, "cannot replace '%s': %s", path, strerror(errno));
                goto out;
        }
        *n = rs.out_n;
        memcpy(head, rs.out_head, sizeof(rs.out_head));
out:
        if (rs.out && fclose(rs.out) != 0 && rc == 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        if (rc && tmp)
                unlink(tmp);
        free(tmp);
        rescore_release(&rs);
        return rc;
}
