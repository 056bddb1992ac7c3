/* results.jsonl read as a chain (evidence_int.h): each line's seq and
 * prev against the line before it, its sha256 the next line's prev, and
 * the records that parse passed on in file order. With two threads or
 * more (OpenMP's count), a reader thread reads, hashes and parses the
 * lines while the caller's thread takes the records (verify's checks
 * over them cost about as much), in batches through a short queue, so
 * memory stays flat; the reader alone makes findings, so they come in the
 * same order either way. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence_int.h"
#include "evaluator/folder/record_load.h"
#include "evaluator/util/safe_file.h"

#define MAX_CHAIN_FINDINGS 10

/* The members verify reads of a record, the only ones built (the line is
 * still validated whole, and hashed as it is): the chain's seq, prev and
 * error; the cover's case_id and sample; the table's and the audit's
 * item_id, groups, outcome and scores; re-scoring's response and judge
 * ratings. A check that reads another member must add it here. */
static const char *const record_keys[] = {"seq",      "prev",    "error",  "case_id",
                                          "sample",   "item_id", "groups", "outcome",
                                          "response", "scores",  "judge"};

static const char genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

/* One line of results.jsonl against the chain state. */
static json_t *chain_line(struct pa__chain *c, const char *line, size_t len, size_t lineno,
                          struct pa__findings *f, size_t *shown)
{
        json_error_t je;
        json_t *rec = pa__record_load(line, len, record_keys,
                                      sizeof(record_keys) / sizeof(record_keys[0]), &je);
        const json_t *seq = json_object_get(rec, "seq");
        const char *prev = json_string_value(json_object_get(rec, "prev"));
        bool ok = true;

        if (!json_is_object(rec)) {
                ok = false;
                if (f && (*shown)++ < MAX_CHAIN_FINDINGS)
                        pa__finding(f, "results.jsonl: line %zu: not a JSON object (%s)", lineno,
                                    rec ? "wrong type" : je.text);
        } else if (!json_is_integer(seq) || (uint64_t)json_integer_value(seq) != c->records) {
                ok = false;
                if (f && (*shown)++ < MAX_CHAIN_FINDINGS)
                        pa__finding(f,
                                    "results.jsonl: line %zu: \"seq\" is %lld, expected %llu "
                                    "(records removed, inserted or reordered)",
                                    lineno,
                                    json_is_integer(seq) ? (long long)json_integer_value(seq)
                                                         : -1LL,
                                    (unsigned long long)c->records);
        } else if (!prev || strcmp(prev, c->head)) {
                ok = false;
                if (f && (*shown)++ < MAX_CHAIN_FINDINGS)
                        pa__finding(
                            f,
                            "results.jsonl: line %zu: \"prev\" is not the sha256 of line %zu "
                            "(a record was edited, removed or reordered)",
                            lineno, lineno - 1);
        }
        c->intact &= ok;
        c->errors += json_is_object(rec) && !json_is_null(json_object_get(rec, "error"));
        c->records++;
        pa__sha256_hex(line, len, c->head);
        if (!json_is_object(rec)) {
                json_decref(rec);
                return NULL;
        }
        return rec;
}

/* Where the chain's reading is. */
struct reader {
        FILE *fp;
        struct pa__chain *c;
        struct pa__findings *f;
        size_t lineno, shown;
        char *line; /* getline's */
        size_t cap;
};

/* The next record that parses (a new reference), or NULL at the end. */
static json_t *next_record(struct reader *r)
{
        ssize_t got;

        while ((got = getline(&r->line, &r->cap, r->fp)) >= 0) {
                size_t len = (size_t)got;
                json_t *rec;

                r->lineno++;
                if (len && r->line[len - 1] == '\n')
                        len--;
                else if (r->f && r->shown++ < MAX_CHAIN_FINDINGS)
                        pa__finding(r->f, "results.jsonl: line %zu: no final newline (torn write)",
                                    r->lineno);
                if ((rec = chain_line(r->c, r->line, len, r->lineno, r->f, &r->shown)))
                        return rec;
        }
        return NULL;
}

static void scan_here(struct reader *r, void (*each)(void *ud, json_t *rec), void *ud)
{
        json_t *rec;

        while ((rec = next_record(r))) {
                if (each)
                        each(ud, rec);
                json_decref(rec);
        }
}

/* Records a batch holds, and batches the queue holds: a few hundred
 * records in flight at most. */
#define BATCH 256
#define DEPTH 4

/* The queue from the reader thread to the caller's. */
struct pipe {
        struct reader *r;
        pthread_mutex_t mu;
        pthread_cond_t cv; /* a batch was queued or taken, or the reader ended */
        json_t *q[DEPTH][BATCH];
        size_t len[DEPTH], head, count;
        bool done;
};

static void put(struct pipe *p, json_t *const *b, size_t n)
{
        size_t slot;

        pthread_mutex_lock(&p->mu);
        while (p->count == DEPTH)
                pthread_cond_wait(&p->cv, &p->mu);
        slot = (p->head + p->count) % DEPTH;
        memcpy(p->q[slot], b, n * sizeof(*b));
        p->len[slot] = n;
        p->count++;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
}

/* The next batch into b: its length, 0 once the reader ended. */
static size_t take(struct pipe *p, json_t **b)
{
        size_t n = 0;

        pthread_mutex_lock(&p->mu);
        while (p->count == 0 && !p->done)
                pthread_cond_wait(&p->cv, &p->mu);
        if (p->count) {
                n = p->len[p->head];
                memcpy(b, p->q[p->head], n * sizeof(*b));
                p->head = (p->head + 1) % DEPTH;
                p->count--;
                pthread_cond_signal(&p->cv);
        }
        pthread_mutex_unlock(&p->mu);
        return n;
}

static void *read_ahead(void *arg)
{
        struct pipe *p = arg;
        json_t *b[BATCH], *rec;
        size_t n = 0;

        do {
                if ((rec = next_record(p->r)))
                        b[n++] = rec;
                if (n == BATCH || (!rec && n)) {
                        put(p, b, n);
                        n = 0;
                }
        } while (rec);
        pthread_mutex_lock(&p->mu);
        p->done = true;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return NULL;
}

/* The reader on a thread of its own; false when it could not start (then
 * nothing was read). */
static bool scan_beside(struct reader *r, void (*each)(void *ud, json_t *rec), void *ud)
{
        struct pipe *p = calloc(1, sizeof(*p));
        json_t *b[BATCH];
        pthread_t t;
        size_t n;
        bool mu = false, cv = false, started = false;

        if (!p || !(mu = pthread_mutex_init(&p->mu, NULL) == 0) ||
            !(cv = pthread_cond_init(&p->cv, NULL) == 0))
                goto out;
        p->r = r;
        if (!(started = pthread_create(&t, NULL, read_ahead, p) == 0))
                goto out;
        while ((n = take(p, b)) > 0)
                for (size_t i = 0; i < n; i++) {
                        each(ud, b[i]);
                        json_decref(b[i]);
                }
        pthread_join(t, NULL);
out:
        if (cv)
                pthread_cond_destroy(&p->cv);
        if (mu)
                pthread_mutex_destroy(&p->mu);
        free(p);
        return started;
}

int pa__chain_scan(const char *path, uint64_t max, struct pa__chain *c, struct pa__findings *f,
                   void (*each)(void *ud, json_t *rec), void *ud, struct pa_err *err)
{
        struct reader r = {.c = c, .f = f};
        struct stat st;
        int fd, rc;

        memset(c, 0, sizeof(*c));
        memcpy(c->head, genesis, sizeof(genesis));
        c->intact = true;
        /* A FIFO, device or symlink is refused before a byte is read; past
         * the sealed size nothing is read (its chain is checked up to it). */
        if ((rc = pa__open_regular(path, "results.jsonl", 0, 0, &fd, err)))
                return rc;
        if (max && fstat(fd, &st) == 0 && (uint64_t)st.st_size > max && f)
                pa__finding(f,
                            "results.jsonl: %lld bytes, manifest.files records %llu: records "
                            "past them were added after sealing and are not read",
                            (long long)st.st_size, (unsigned long long)max);
        if (!(r.fp = pa__fdopen_capped(fd, max))) {
                close(fd);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (!each || omp_get_max_threads() < 2 || !scan_beside(&r, each, ud))
                scan_here(&r, each, ud);
        if (f && r.shown > MAX_CHAIN_FINDINGS)
                pa__finding(f, "results.jsonl: %zu more chain breaks",
                            r.shown - MAX_CHAIN_FINDINGS);
        free(r.line);
        fclose(r.fp);
        return 0;
}
