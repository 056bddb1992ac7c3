/* results.jsonl read as a chain (evidence_int.h): each line's seq and
 * prev against the line before it, its sha256 the next line's prev, the
 * records that parse passed on in file order, and the file's own sha256
 * from the same read (check_files then need not read it again).
 *
 * Lines go in batches from a reader, which reads and parses them, to the
 * checker, which hashes them, checks the chain, makes every finding and
 * passes the records on. With two threads or more (OpenMP's count), on a
 * file of 16 MiB or more, the reader runs on a thread of its own, a few batches ahead through a
 * ring (memory stays flat), and the caller's thread checks: the two halves cost about the same.
 * Findings come in the same order either way. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence_int.h"
#include "evaluator/folder/record_load.h"
#include "evaluator/json/jscan.h"
#include "evaluator/util/safe_file.h"

/* A batch: at most BATCH lines, closed once it holds TEXT_CAP bytes; the
 * ring holds DEPTH batches. Small: what the reader's thread holds beyond
 * the caller's (its batches, its allocator's arena) is about 1 MiB; with
 * batches of 256 it was 2-3 MiB (100,000 records: 21.5 against 19.2). */
#define BATCH    64
#define TEXT_CAP (64u << 10)
#define DEPTH    4

/* The file size from which the reader gets a thread of its own: below it
 * the thread costs more than it saves (10,000 records, 5 MB: 93 against
 * 78 ms of CPU, and no shorter). */
#define THREAD_BYTES ((off_t)16 << 20)

/* The members verify reads of a record, the only ones built (the line is
 * still validated whole, and hashed as it is): the chain's error; the
 * cover's case_id and sample; the table's and the audit's item_id, groups,
 * outcome and scores; re-scoring's response and judge ratings. A check
 * that reads another member must add it here. The chain's seq and prev are
 * read from their text (chain_keys), never built. */
static const char *const record_keys[] = {"error",   "case_id", "sample",   "item_id", "groups",
                                          "outcome", "scores",  "response", "judge"};
static const char *const chain_keys[] = {"seq", "prev"};
#define N_RECORD_KEYS (sizeof(record_keys) / sizeof(record_keys[0]))

static const char genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

/* A line as read: its bytes in the batch's text (its newline after them
 * unless torn), and what it parsed to. */
struct line {
        size_t off, len;
        bool torn;   /* no final newline */
        json_t *rec; /* owned; NULL when it did not parse, then why */
        /* its seq, when an integer, and prev, when a string (over 64
         * bytes: long), as jansson reads them */
        bool seq_int, has_prev, prev_long;
        long long seq;
        char prev[65];
        char why[JSON_ERROR_TEXT_LENGTH];
};

struct batch {
        struct line v[BATCH];
        size_t n;
        char *text; /* owned */
        size_t used, cap;
};

struct reader {
        FILE *fp;
        char *line; /* getline's */
        size_t cap;
        bool oom;
};

/* What the checker carries from line to line. */
struct checker {
        struct pa__chain *c;
        struct pa__findings *f;
        void (*each)(void *ud, json_t *rec);
        void *ud;
        void *file_hash; /* the whole file's sha256 so far */
        uint64_t bytes;
        size_t lineno, shown;
};

static bool reserve(struct batch *b, size_t n)
{
        size_t cap = b->cap ? b->cap : TEXT_CAP + 4096;
        char *t;

        if (b->used + n <= b->cap)
                return true;
        while (cap < b->used + n)
                cap *= 2;
        if (!(t = realloc(b->text, cap)))
                return false;
        b->text = t;
        b->cap = cap;
        return true;
}

/* seq and prev as json_loadb reads them, from a record it read. */
static void chain_members(struct line *l)
{
        const json_t *seq = json_object_get(l->rec, "seq");
        const char *prev = json_string_value(json_object_get(l->rec, "prev"));

        if ((l->seq_int = json_is_integer(seq)))
                l->seq = (long long)json_integer_value(seq);
        if ((l->has_prev = prev != NULL) && !(l->prev_long = strlen(prev) > 64))
                memcpy(l->prev, prev, strlen(prev) + 1);
}

/* seq and prev from their text (raw[0], raw[1]); false when the scanner
 * leaves a value to jansson. */
static bool chain_text(struct line *l, const struct pa__raw_member *raw)
{
        struct pa__js js;
        size_t len;

        if (raw[0].p) {
                pa__js_init(&js, raw[0].p, raw[0].len);
                if (pa__js_peek(&js) == '-' || (pa__js_peek(&js) >= '0' && pa__js_peek(&js) <= '9'))
                        if (pa__js_number(&js, &l->seq, &l->seq_int))
                                return false; /* jansson's limits: it decides */
        }
        if (raw[1].p) {
                pa__js_init(&js, raw[1].p, raw[1].len);
                if ((l->has_prev = pa__js_peek(&js) == '"')) {
                        if (pa__js_string(&js, l->prev, 64, &len))
                                return false;
                        l->prev_long = len > 64;
                        l->prev[len > 64 ? 0 : len] = '\0';
                }
        }
        return true;
}

/* Parses a line: the members verify reads built, seq and prev read. */
static void parse(struct line *l, const char *text)
{
        struct pa__raw_member raw[2];
        json_error_t je;
        bool whole;

        l->seq_int = l->has_prev = l->prev_long = false;
        l->rec = pa__record_load_raw(text, l->len, record_keys, N_RECORD_KEYS, chain_keys, 2, raw,
                                     &whole, &je);
        if (!whole && !chain_text(l, raw)) {
                json_decref(l->rec);
                l->seq_int = l->has_prev = l->prev_long = false;
                l->rec = json_loadb(text, l->len, 0, &je);
                whole = true;
        }
        if (!l->rec)
                memcpy(l->why, je.text, sizeof(l->why));
        else if (whole)
                chain_members(l);
}

/* Reads and parses the next lines into b; false when none was left. */
static bool fill(struct reader *r, struct batch *b)
{
        ssize_t got;

        b->n = b->used = 0;
        while (b->n < BATCH && b->used < TEXT_CAP && !r->oom &&
               (got = getline(&r->line, &r->cap, r->fp)) >= 0) {
                struct line *l = &b->v[b->n];
                size_t len = (size_t)got;

                if (!(r->oom = !reserve(b, len))) {
                        memcpy(b->text + b->used, r->line, len);
                        l->torn = !len || r->line[len - 1] != '\n';
                        l->len = len - !l->torn;
                        l->off = b->used;
                        b->used += len;
                        parse(l, r->line);
                        b->n++;
                }
        }
        return b->n > 0;
}

/* One line against the chain state: rec (taken) when it is a record. */
static json_t *chain_line(struct checker *k, const struct line *l, const char *line, json_t *rec)
{
        struct pa__chain *c = k->c;
        bool ok = false, show = k->f && k->shown < MAX_CHAIN_FINDINGS;

        if (!json_is_object(rec)) {
                if (show)
                        pa__finding(k->f, "results.jsonl: line %zu: not a JSON object (%s)",
                                    k->lineno, rec ? "wrong type" : l->why);
        } else if (!l->seq_int || (uint64_t)l->seq != c->records) {
                if (show)
                        pa__finding(k->f,
                                    "results.jsonl: line %zu: \"seq\" is %lld, expected %llu "
                                    "(records removed, inserted or reordered)",
                                    k->lineno, l->seq_int ? l->seq : -1LL,
                                    (unsigned long long)c->records);
        } else if (!l->has_prev || l->prev_long || strcmp(l->prev, c->head)) {
                if (show)
                        pa__finding(
                            k->f,
                            "results.jsonl: line %zu: \"prev\" is not the sha256 of line %zu "
                            "(a record was edited, removed or reordered)",
                            k->lineno, k->lineno - 1);
        } else {
                ok = true;
        }
        k->shown += !ok;
        c->intact &= ok;
        c->errors += json_is_object(rec) && !json_is_null(json_object_get(rec, "error"));
        c->records++;
        pa__sha256_hex(line, l->len, c->head);
        if (!json_is_object(rec)) {
                json_decref(rec);
                return NULL;
        }
        return rec;
}

/* Checks b's lines in order and passes their records on; takes them. */
static void check(struct checker *k, struct batch *b)
{
        for (size_t i = 0; i < b->n; i++) {
                const struct line *l = &b->v[i];
                const char *text = b->text + l->off;
                json_t *rec;

                k->lineno++;
                if (l->torn && k->f && k->shown++ < MAX_CHAIN_FINDINGS)
                        pa__finding(k->f, "results.jsonl: line %zu: no final newline (torn write)",
                                    k->lineno);
                rec = chain_line(k, l, text, l->rec);
                pa__sha256_add(k->file_hash, text, l->len + !l->torn);
                k->bytes += l->len + !l->torn;
                if (rec && k->each)
                        k->each(k->ud, rec);
                json_decref(rec);
        }
        b->n = 0;
}

/* The ring from the reader's thread to the checker's. */
struct ring {
        struct reader *r;
        pthread_mutex_t mu;
        pthread_cond_t cv; /* a batch was filled or checked, or the reader ended */
        struct batch b[DEPTH];
        size_t head, count; /* b[head] is the next to check; count filled */
        bool done;
};

static void *read_ahead(void *arg)
{
        struct ring *q = arg;
        bool more = true;

        while (more) {
                size_t slot;

                pthread_mutex_lock(&q->mu);
                while (q->count == DEPTH)
                        pthread_cond_wait(&q->cv, &q->mu);
                slot = (q->head + q->count) % DEPTH; /* not the one being checked */
                pthread_mutex_unlock(&q->mu);
                more = fill(q->r, &q->b[slot]);
                pthread_mutex_lock(&q->mu);
                q->count += more;
                q->done = !more;
                pthread_cond_signal(&q->cv);
                pthread_mutex_unlock(&q->mu);
        }
        return NULL;
}

/* The reader on a thread of its own; false when it could not start (then
 * nothing was read). */
static bool scan_beside(struct reader *r, struct checker *k)
{
        struct ring *q = calloc(1, sizeof(*q));
        pthread_t t;
        bool mu = false, cv = false, started = false;

        if (!q || !(mu = pthread_mutex_init(&q->mu, NULL) == 0) ||
            !(cv = pthread_cond_init(&q->cv, NULL) == 0))
                goto out;
        q->r = r;
        if (!(started = pthread_create(&t, NULL, read_ahead, q) == 0))
                goto out;
        for (;;) {
                size_t filled;

                pthread_mutex_lock(&q->mu);
                while (q->count == 0 && !q->done)
                        pthread_cond_wait(&q->cv, &q->mu);
                filled = q->count;
                pthread_mutex_unlock(&q->mu);
                if (filled == 0) /* done, and nothing left */
                        break;
                check(k, &q->b[q->head]);
                pthread_mutex_lock(&q->mu);
                q->head = (q->head + 1) % DEPTH;
                q->count--;
                pthread_cond_signal(&q->cv);
                pthread_mutex_unlock(&q->mu);
        }
        pthread_join(t, NULL);
out:
        for (size_t i = 0; q && i < DEPTH; i++)
                free(q->b[i].text);
        if (cv)
                pthread_cond_destroy(&q->cv);
        if (mu)
                pthread_mutex_destroy(&q->mu);
        free(q);
        return started;
}

static void scan_here(struct reader *r, struct checker *k)
{
        struct batch *b = calloc(1, sizeof(*b));

        if (!b) {
                r->oom = true;
                return;
        }
        while (fill(r, b))
                check(k, b);
        free(b->text);
        free(b);
}

/* The file's sha256 when the scan read it whole, as it still is. */
static void note_file(struct pa__chain *c, const struct checker *k, const struct reader *r, int fd,
                      const struct stat *was)
{
        struct stat st;
        char hex[PA_SHA256_HEX];

        pa__sha256_end(k->file_hash, hex);
        if (r->oom || ferror(r->fp) || was->st_size < 0 || fstat(fd, &st) != 0 ||
            (uint64_t)st.st_size != k->bytes || st.st_size != was->st_size ||
            st.st_mtim.tv_sec != was->st_mtim.tv_sec || st.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
                return;
        c->file.known = true;
        c->file.dev = st.st_dev;
        c->file.ino = st.st_ino;
        c->file.size = k->bytes;
        c->file.mtim = st.st_mtim;
        memcpy(c->file.sha256, hex, sizeof(hex));
}

int pa__chain_scan(const char *path, uint64_t max, struct pa__chain *c, struct pa__findings *f,
                   void (*each)(void *ud, json_t *rec), void *ud, struct pa_err *err)
{
        struct reader r = {0};
        struct checker k = {.c = c, .f = f, .each = each, .ud = ud};
        struct stat st;
        int fd, rc;

        memset(c, 0, sizeof(*c));
        memcpy(c->head, genesis, sizeof(genesis));
        c->intact = true;
        /* A FIFO, device or symlink is refused before a byte is read; past
         * the sealed size nothing is read (its chain is checked up to it). */
        if ((rc = pa__open_regular(path, "results.jsonl", 0, 0, &fd, err)))
                return rc;
        if (fstat(fd, &st) != 0)
                st.st_size = -1; /* the file's hash is then not kept */
        if (max && st.st_size >= 0 && (uint64_t)st.st_size > max && f)
                pa__finding(f,
                            "results.jsonl: %lld bytes, manifest.files records %llu: records "
                            "past them were added after sealing and are not read",
                            (long long)st.st_size, (unsigned long long)max);
        if (!(k.file_hash = pa__sha256_begin())) {
                close(fd);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (!(r.fp = pa__fdopen_capped(fd, max))) {
                pa__sha256_end(k.file_hash, c->file.sha256);
                close(fd);
                return pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (st.st_size < THREAD_BYTES || omp_get_max_threads() < 2 || !scan_beside(&r, &k))
                scan_here(&r, &k);
        if (f && k.shown > MAX_CHAIN_FINDINGS)
                pa__finding(f, "results.jsonl: %zu more chain breaks",
                            k.shown - MAX_CHAIN_FINDINGS);
        note_file(c, &k, &r, fd, &st); /* the cookie stream has no fileno */
        free(r.line);
        fclose(r.fp);
        return r.oom ? pa_errf(err, PA_ENOMEM, "results.jsonl: out of memory") : 0;
}
