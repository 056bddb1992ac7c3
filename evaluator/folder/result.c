/* results.jsonl: building, scoring, writing and reading records. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/result.h"
#include "record_load.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "scorers/judge.h"

static json_t *nullable_string(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *nullable_count(long n)
{
        return n >= 0 ? json_integer(n) : json_null();
}

static json_t *response_json(const struct pa_reply *r)
{
        /* Answers may hold invalid UTF-8; JSON cannot, so invalid bytes become
         * U+FFFD in the record (as in record.c), never silently dropped. */
        json_t *v = r->text ? json_stringn(r->text, r->len) : json_null();

        if (!v && r->text) {
                struct pa_buf b;

                pa__buf_init(&b, SIZE_MAX / 2);
                for (size_t i = 0; i < r->len;) {
                        const unsigned char *c = (const unsigned char *)r->text + i;
                        size_t u = *c < 0x80 ? 1 : pa__utf8_len(c, r->len - i);

                        if (u)
                                pa__buf_add(&b, c, u);
                        else
                                pa__buf_add(&b, "\xef\xbf\xbd", 3);
                        i += u ? u : 1;
                }
                v = json_stringn(b.p ? b.p : "", b.len);
                pa__buf_release(&b);
        }
        return v;
}

json_t *pa_record_new(const struct pa_suite *s, const struct pa_engine *e, const struct pa_job *job,
                      const struct pa_reply *r, double latency_ms)
{
        const struct pa_item *it = job->c.item;
        json_t *rec = json_object();
        int rc = 0;

        if (!rec)
                return NULL;
        rc |= json_object_set_new(rec, "case_id", json_string(job->c.id));
        rc |= json_object_set_new(rec, "sample", json_integer(job->sample));
        if (e->conf.has_seed)
                rc |= json_object_set_new(rec, "seed", json_integer((json_int_t)job->seed));
        rc |= json_object_set_new(rec, "item_id", json_string(it->id));
        rc |= json_object_set_new(rec, "domain", json_string(it->domain));
        rc |= json_object_set_new(rec, "groups", pa_case_groups_json(s, &job->c));
        rc |= json_object_set_new(rec, "outcome", nullable_string(it->outcome));
        if (e->ops->flat_prompt)
                rc |= json_object_set_new(rec, "prompt", json_string(job->prompt));
        else
                rc |= json_object_set_new(rec, "messages", pa_job_messages(job));
        rc |= json_object_set_new(rec, "response", response_json(r));
        rc |= json_object_set_new(rec, "finish_reason", nullable_string(r->finish_reason));
        rc |= json_object_set_new(rec, "usage",
                                  json_pack("{s:o, s:o}", "prompt_tokens",
                                            nullable_count(r->prompt_tokens), "completion_tokens",
                                            nullable_count(r->completion_tokens)));
        rc |= json_object_set_new(rec, "model", nullable_string(r->model));
        rc |= json_object_set_new(rec, "latency_ms", json_real(round(latency_ms * 1000) / 1000));
        if (r->ttft_ms >= 0 && e->conf.stream)
                rc |=
                    json_object_set_new(rec, "ttft_ms", json_real(round(r->ttft_ms * 1000) / 1000));
        rc |= json_object_set_new(rec, "http_status", json_integer(r->http_status));
        rc |= json_object_set_new(rec, "error", nullable_string(r->error));
        if (r->attempts)
                rc |= json_object_set_new(rec, "attempts", json_loads(r->attempts, 0, NULL));
        if (r->judge)
                rc |= json_object_set_new(rec, "judge", json_loads(r->judge, 0, NULL));
        if (rc) {
                json_decref(rec);
                return NULL;
        }
        return rec;
}

void pa_score_text(const struct pa_suite *s, const struct pa_item *it, void **scratch,
                   const char *text, size_t len, signed char *out)
{
        for (size_t k = 0; k < s->scorers.n; k++) {
                const struct pa_scorer *sc = &s->scorers.v[k];

                out[k] = PA_NA;
                if (text && (it->scorer_mask >> k & 1))
                        out[k] = (signed char)sc->ops->score(sc->state, scratch[k], text, len,
                                                             it->expected);
        }
}

json_t *pa_scores_json(const struct pa_suite *s, const struct pa_item *it, const signed char *v)
{
        json_t *o = json_object();

        for (size_t k = 0; o && k < s->scorers.n; k++) {
                if (!(it->scorer_mask >> k & 1))
                        continue;
                json_object_set_new(o, s->scorers.v[k].name,
                                    v[k] == PA_NA ? json_null() : json_boolean(v[k] == PA_TRUE));
        }
        return o;
}

/* Item index of every record, through a map built once. */
static int index_items(const struct pa_suite *s, const struct pa_items *all, const json_t *records,
                       long *item, struct pa_err *err)
{
        json_t *map = json_object(), *rec;
        size_t i;
        int rc = 0;

        if (!map)
                return PA_ENOMEM;
        for (i = 0; i < s->n_items; i++)
                json_object_set_new(map, all->v[i].id, json_integer((json_int_t)i));
        json_array_foreach(records, i, rec)
        {
                const char *id = json_string_value(json_object_get(rec, "item_id"));
                json_t *k = id ? json_object_get(map, id) : NULL;

                if (!k) {
                        rc = pa_errf(err, PA_EINVAL, "record %zu: item '%s' is not in suite '%s'",
                                     i + 1, id ? id : "(none)", s->id);
                        break;
                }
                item[i] = (long)json_integer_value(k);
        }
        json_decref(map);
        return rc;
}

int pa_score_records(const struct pa_suite *s, json_t *records, struct pa_err *err)
{
        size_t n = json_array_size(records), nsc = s->scorers.n ? s->scorers.n : 1;
        long *item = calloc(n ? n : 1, sizeof(*item));
        signed char *v = calloc(n ? n : 1, nsc);
        const char **text = calloc(n ? n : 1, sizeof(*text));
        size_t *len = calloc(n ? n : 1, sizeof(*len));
        int rc = PA_ENOMEM, failed = 0;
        struct pa_items all = {0};

        if (!item || !v || !text || !len)
                goto out;
        if ((rc = pa_suite_items_load(s, &all, err)) ||
            (rc = index_items(s, &all, records, item, err)))
                goto out;
        /* jansson is read serially; the threads see only plain arrays. */
        for (size_t i = 0; i < n; i++) {
                json_t *resp = json_object_get(json_array_get(records, i), "response");

                text[i] = json_string_value(resp);
                len[i] = json_string_length(resp);
        }
#pragma omp parallel
        {
                void **scratch = pa_scorer_scratch_new(&s->scorers);

                if (!scratch) {
#pragma omp atomic write
                        failed = 1;
                }
#pragma omp for schedule(dynamic, 256)
                for (size_t i = 0; i < n; i++)
                        if (scratch)
                                pa_score_text(s, &all.v[item[i]], scratch, text[i], len[i],
                                              v + i * nsc);
                pa_scorer_scratch_free(&s->scorers, scratch);
        }
        rc = failed ? pa_errf(err, PA_ENOMEM, "out of memory") : 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                /* A judge scorer's verdict is the rating the record carries. */
                pa__judge_stored(s, &all.v[item[i]],
                                 json_object_get(json_array_get(records, i), "judge"), v + i * nsc);
                if (json_object_set_new(json_array_get(records, i), "scores",
                                        pa_scores_json(s, &all.v[item[i]], v + i * nsc)))
                        rc = pa_errf(err, PA_ENOMEM, "out of memory");
        }
out:
        pa_items_release(&all);
        free(item);
        free(v);
        free(text);
        free(len);
        return rc;
}

static const char genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

char *pa_results_chain(json_t *rec, uint64_t *n, char head[65])
{
        char *line;

        if (json_object_set_new(rec, "seq", json_integer((json_int_t)*n)) ||
            json_object_set_new(rec, "prev", json_string(head)))
                return NULL;
        /* Ten digits: latencies are rounded to the microsecond. */
        line = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(10));
        if (line) {
                pa__sha256_hex(line, strlen(line), head);
                (*n)++;
        }
        return line;
}

/* results.jsonl for appending: never through a symlink, a regular file. */
static FILE *open_append(const char *path)
{
        int fd =
            open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
        struct stat st;
        FILE *f = NULL;

        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
                errno = EINVAL;
        else if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) == 0)
                f = fdopen(fd, "ab");
        if (!f)
                close(fd);
        return f;
}

int pa_results_open(struct pa_results *w, const char *path, struct pa_err *err)
{
        memset(w, 0, sizeof(*w));
        memcpy(w->head, genesis, sizeof(genesis));
        if (!(w->path = strdup(path)))
                return PA_ENOMEM;
        if (!(w->f = open_append(path)))
                return pa_errf(err, PA_EIO, "cannot open '%s': %s", path, strerror(errno));
        /* Room for a pass of records between flushes (pa_results_write). */
        setvbuf(w->f, NULL, _IOFBF, 1 << 18);
        return 0;
}

int pa_results_append(struct pa_results *w, json_t *rec, struct pa_err *err)
{
        /* One write per record, flushed, so a crash can tear at most the last line. */
        char *line = pa_results_chain(rec, &w->n, w->head);
        size_t n;
        int rc = 0;

        if (!line)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        n = strlen(line);
        line[n] = '\n';
        if (fwrite(line, 1, n + 1, w->f) != n + 1 || fflush(w->f) != 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        free(line);
        return rc;
}

int pa_results_close(struct pa_results *w, struct pa_err *err)
{
        int rc = 0;

        if (w->f && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        if (w->f && fclose(w->f) != 0 && rc == 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", w->path, strerror(errno));
        free(w->path);
        if (w->line)
                pa__buf_release(w->line);
        free(w->line);
        /* n and head stay: the manifest records them. */
        w->f = NULL;
        w->path = NULL;
        w->line = NULL;
        return rc;
}

int pa_results_save(const char *path, const json_t *records, char head[65], struct pa_err *err)
{
        struct pa_buf b;
        json_t *rec;
        size_t i;
        uint64_t n = 0;
        char h[65];
        int rc = 0;

        memcpy(h, genesis, sizeof(genesis));
        pa__buf_init(&b, SIZE_MAX / 2);
        json_array_foreach(records, i, rec)
        {
                char *line = pa_results_chain(rec, &n, h);

                if (!line || pa__buf_add(&b, line, strlen(line)) || pa__buf_add(&b, "\n", 1))
                        rc = PA_ENOMEM;
                free(line);
                if (rc)
                        break;
        }
        if (rc == 0)
                rc = pa__write_file_atomic(path, b.p ? b.p : "", b.len, err);
        if (rc == 0 && head)
                memcpy(head, h, sizeof(h));
        pa__buf_release(&b);
        return rc;
}

/* One newline-terminated line of an existing file, checked against the
 * chain; advances *n and head. 1 when it is not a JSON object. */
static int resume_line(const char *path, size_t lineno, const char *line, size_t len, uint64_t *n,
                       char head[65], const struct pa__members *want, json_t **rec,
                       struct pa_err *err)
{
        json_t *seq, *prev;

        *rec = want ? pa__record_load(line, len, want->keys, want->n, NULL)
                    : json_loadb(line, len, 0, NULL);
        if (!json_is_object(*rec)) {
                json_decref(*rec);
                *rec = NULL;
                return 1;
        }
        seq = json_object_get(*rec, "seq");
        prev = json_object_get(*rec, "prev");
        if (!json_is_integer(seq) || json_integer_value(seq) != (json_int_t)*n ||
            !json_is_string(prev) || strcmp(json_string_value(prev), head))
                return pa_errf(
                    err, PA_EINVAL,
                    "results '%s': line %zu: broken chain: expected seq %llu after %.12s", path,
                    lineno, (unsigned long long)*n, head);
        pa__sha256_hex(line, len, head);
        (*n)++;
        return 0;
}

/* Reads and checks every line; *good is the length of the sound part. */
static int resume_scan(FILE *f, const char *path, bool repair, const struct pa__members *want,
                       pa_results_each_fn each, void *ud, uint64_t *n, char head[65], off_t *good,
                       struct pa_err *err)
{
        char *line = NULL;
        size_t cap = 0, lineno = 0;
        ssize_t got;
        struct stat st;
        int rc = 0;

        if (fstat(fileno(f), &st) != 0)
                return pa_errf(err, PA_EIO, "cannot read '%s': %s", path, strerror(errno));
        while (rc == 0 && (got = getline(&line, &cap, f)) > 0) {
                bool complete = line[got - 1] == '\n', last = *good + got >= st.st_size;
                json_t *rec = NULL;

                lineno++;
                if (!complete)
                        rc = 1;
                else if (got > 1) /* blank lines are passed over */
                        rc = resume_line(path, lineno, line, (size_t)got - 1, n, head, want, &rec,
                                         err);
                if (rc == 1 && repair && last) {
                        rc = 0; /* the torn tail: everything from *good on */
                        break;
                }
                if (rc == 1)
                        rc = pa_errf(err, PA_EINVAL, "results '%s': line %zu: %s", path, lineno,
                                     complete ? "not a JSON object" : "no newline at the end");
                if (rc == 0 && rec && each)
                        rc = each(ud, rec, err);
                json_decref(rec);
                *good += got;
        }
        if (rc == 0 && ferror(f))
                rc = pa_errf(err, PA_EIO, "cannot read '%s': %s", path, strerror(errno));
        free(line);
        return rc;
}

int pa_results_resume(struct pa_results *w, const char *path, bool repair, pa_results_each_fn each,
                      void *ud, uint64_t *torn, struct pa_err *err)
{
        FILE *f = NULL;
        char head[65];
        uint64_t n = 0;
        off_t good = 0, size = 0;
        struct stat st;
        int rc = 0, fd;

        memcpy(head, genesis, sizeof(genesis));
        if (lstat(path, &st) == 0 || errno != ENOENT) {
                if ((rc = pa__open_regular(path, "results.jsonl", 0, 0, &fd, err)))
                        return rc;
                if (!(f = fdopen(fd, "rb"))) {
                        close(fd);
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                }
        }
        if (f) {
                rc = resume_scan(f, path, repair, NULL, each, ud, &n, head, &good, err);
                if (fseeko(f, 0, SEEK_END) == 0)
                        size = ftello(f);
                fclose(f);
        }
        if (rc == 0 && size > good && truncate(path, good) != 0)
                rc = pa_errf(err, PA_EIO, "cannot truncate '%s': %s", path, strerror(errno));
        if (torn)
                *torn = rc == 0 && size > good ? (uint64_t)(size - good) : 0;
        if (rc == 0 && w && (rc = pa_results_open(w, path, err)) == 0) {
                w->n = n;
                memcpy(w->head, head, sizeof(head));
        }
        return rc;
}

struct latest_key {
        const char *id;
        json_int_t sample;
        size_t at;
};

static int by_case_then_place(const void *pa, const void *pb)
{
        const struct latest_key *a = pa, *b = pb;
        int c = strcmp(a->id, b->id);

        if (c)
                return c;
        if (a->sample != b->sample)
                return a->sample < b->sample ? -1 : 1;
        return a->at < b->at ? -1 : a->at > b->at;
}

json_t *pa_results_latest(json_t *records)
{
        size_t n = json_array_size(records), i;
        struct latest_key *k = n ? calloc(n, sizeof(*k)) : NULL;
        bool *superseded = n ? calloc(n, sizeof(*superseded)) : NULL;
        json_t *out = NULL, *rec;

        if (n && (!k || !superseded))
                goto out;
        json_array_foreach(records, i, rec)
        {
                const char *id = json_string_value(json_object_get(rec, "case_id"));

                k[i] = (struct latest_key){id ? id : "",
                                           json_integer_value(json_object_get(rec, "sample")), i};
        }
        if (n)
                qsort(k, n, sizeof(*k), by_case_then_place);
        for (i = 0; i + 1 < n; i++)
                if (!strcmp(k[i].id, k[i + 1].id) && k[i].sample == k[i + 1].sample)
                        superseded[k[i].at] = true;
        if (!(out = json_array()))
                goto out;
        json_array_foreach(records, i, rec)
        {
                if (!superseded[i] && json_array_append(out, rec)) {
                        json_decref(out);
                        out = NULL;
                        break;
                }
        }
out:
        free(k);
        free(superseded);
        return out;
}

static int keep_record(void *ud, json_t *rec, struct pa_err *err)
{
        (void)err;
        return json_array_append(ud, rec) ? PA_ENOMEM : 0;
}

int pa_results_scan(const char *path, int (*each)(void *ud, json_t *rec, struct pa_err *err),
                    void *ud, uint64_t *n, char head[65], struct pa_err *err)
{
        return pa__results_scan_named(path, NULL, each, ud, n, head, err);
}

int pa__results_scan_named(const char *path, const struct pa__members *want,
                           int (*each)(void *ud, json_t *rec, struct pa_err *err), void *ud,
                           uint64_t *n, char head[65], struct pa_err *err)
{
        FILE *f = NULL;
        off_t good = 0;
        int fd, rc;

        *n = 0;
        memcpy(head, genesis, sizeof(genesis));
        if ((rc = pa__open_regular(path, "results.jsonl", 0, 0, &fd, err)))
                return rc;
        if (!(f = fdopen(fd, "rb"))) {
                close(fd);
                return PA_ENOMEM;
        }
        rc = resume_scan(f, path, false, want, each, ud, n, head, &good, err);
        fclose(f);
        return rc;
}

int pa_results_load_head(const char *path, json_t **records, char head[65], struct pa_err *err)
{
        uint64_t n;
        int rc;

        *records = json_array();
        if (!*records) {
                memcpy(head, genesis, sizeof(genesis));
                return PA_ENOMEM;
        }
        rc = pa_results_scan(path, keep_record, *records, &n, head, err);
        if (rc) {
                json_decref(*records);
                *records = NULL;
        }
        return rc;
}

int pa_results_load(const char *path, json_t **records, struct pa_err *err)
{
        char head[65];

        return pa_results_load_head(path, records, head, err);
}
