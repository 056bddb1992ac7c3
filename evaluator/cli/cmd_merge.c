/* parity merge OUT_DIR SHARD_DIR...: the run folders of one suite's shards
 * (parity run --shard i/n) joined into one run folder (docs/shards.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/evidence.h"
#include "parity/result.h"
#include "cmd.h"
#include "opt.h"
#include "evaluator/run/resume.h"
#include "evaluator/run/run.h"
#include "evaluator/folder/judge_note.h"
#include "evaluator/folder/lock.h"
#include "evaluator/util/util.h"

static const char merge_usage[] =
    "usage: parity merge [--quiet] OUT_DIR SHARD_DIR...\n"
    "Joins the run folders of shards 0/n .. n-1/n of one suite, run with the same\n"
    "settings and complete, into OUT_DIR (new or empty): records re-chained, counts\n"
    "summed, summary recomputed.\n";

struct shard_in {
        const char *dir;
        struct pa__lock lock; /* its lock (lock.h) while it is read */
        json_t *manifest;
        struct pa__shard sh;
        uint64_t records;
};

struct merge {
        struct shard_in *in;
        size_t n;
        FILE *out;      /* OUT_DIR/results.jsonl.tmp: records chained as they are read */
        char *out_path; /* its name */
        uint64_t n_out; /* records written */
        char head[65];  /* their chain's head */
        struct pa__done done;
        struct pa__lock out_lock;
};

static int load_shard(struct shard_in *in, struct pa_err *err)
{
        const char *status;

        if (!(in->manifest = pa__manifest_load(in->dir, err)))
                return PA_EINVAL;
        status = json_string_value(json_object_get(in->manifest, "status"));
        if (!json_object_get(in->manifest, "shard"))
                return pa_errf(err, PA_EINVAL, "'%s' is not a shard (run without --shard)",
                               in->dir);
        if (pa__shard_from_json(json_object_get(in->manifest, "shard"), &in->sh))
                return pa_errf(err, PA_EINVAL,
                               "'%s': manifest.json: /shard: expected {index, count}", in->dir);
        if (!status || strcmp(status, "complete"))
                return pa_errf(err, PA_EINVAL,
                               "shard '%s' is %s, not complete: finish it with parity run "
                               "--resume",
                               in->dir, status ? status : "of unknown status");
        return 0;
}

/* Same suite and settings, one split, each shard once, none missing. */
static int check_shards(struct merge *g, struct pa_err *err)
{
        const struct shard_in *a = &g->in[0];
        char wa[4200], wb[4200];
        unsigned i;
        int rc;

        snprintf(wa, sizeof(wa), "shard '%s'", a->dir);
        for (size_t k = 1; k < g->n; k++) {
                const struct shard_in *b = &g->in[k];

                snprintf(wb, sizeof(wb), "shard '%s'", b->dir);
                if ((rc = pa__settings_match(a->manifest, b->manifest, wa, wb, err)))
                        return rc;
                if (b->sh.count != a->sh.count)
                        return pa_errf(err, PA_EINVAL,
                                       "%s and %s split the suite differently: "
                                       "%u/%u vs %u/%u",
                                       wa, wb, a->sh.index, a->sh.count, b->sh.index, b->sh.count);
                for (size_t j = 0; j < k; j++)
                        if (g->in[j].sh.index == b->sh.index)
                                return pa_errf(err, PA_EINVAL, "'%s' and '%s' are both shard %u/%u",
                                               g->in[j].dir, b->dir, b->sh.index, b->sh.count);
        }
        for (i = 0; i < a->sh.count; i++) {
                size_t k = 0;

                while (k < g->n && g->in[k].sh.index != i)
                        k++;
                if (k == g->n)
                        return pa_errf(err, PA_EINVAL, "shard %u/%u is missing (%zu of %u given)",
                                       i, a->sh.count, g->n, a->sh.count);
        }
        return 0;
}

struct collect {
        struct merge *g;
        struct shard_in *in;
};

/* One record re-chained into the merged results, never held. */
static int write_record(struct merge *g, json_t *rec, struct pa_err *err)
{
        char *line = pa_results_chain(rec, &g->n_out, g->head);
        int rc = 0;

        if (!line)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (fputs(line, g->out) == EOF || fputc('\n', g->out) == EOF)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", g->out_path, strerror(errno));
        free(line);
        return rc;
}

static int collect(void *ud, json_t *rec, struct pa_err *err)
{
        struct collect *c = ud;
        const char *id = json_string_value(json_object_get(rec, "case_id"));

        if (!pa__shard_has(&c->in->sh, id))
                return pa_errf(err, PA_EINVAL, "shard '%s': case %s is not in shard %u/%u",
                               c->in->dir, id ? id : "(none)", c->in->sh.index, c->in->sh.count);
        if (c->g->out)
                return write_record(c->g, rec, err);
        c->g->n_out++;
        return pa__done_add(&c->g->done, rec, err);
}

/* Every shard's records, chains checked, in shard order: counted and
 * checked for overlaps first (g->out NULL), so a refused merge leaves no
 * folder; then, with g->out open, re-chained into it as they stream past,
 * none held. */
static int read_records(struct merge *g, struct pa_err *err)
{
        int rc = 0;

        g->n_out = 0;
        for (unsigned i = 0; rc == 0 && i < g->in[0].sh.count; i++) {
                struct collect c = {g, NULL};
                uint64_t before = g->n_out;
                char *path;

                for (size_t k = 0; k < g->n; k++)
                        if (g->in[k].sh.index == i)
                                c.in = &g->in[k];
                if (!(path = pa__path_join(c.in->dir, "results.jsonl")))
                        return PA_ENOMEM;
                rc = pa_results_resume(NULL, path, false, collect, &c, NULL, err);
                free(path);
                c.in->records = g->n_out - before;
                json_int_t want = json_integer_value(
                    json_object_get(json_object_get(c.in->manifest, "counts"), "records"));
                if (rc == 0 && (json_int_t)c.in->records != want)
                        rc = pa_errf(err, PA_EINVAL,
                                     "shard '%s': results.jsonl holds %llu records, its "
                                     "manifest %lld",
                                     c.in->dir, (unsigned long long)c.in->records, (long long)want);
        }
        return rc || g->out ? rc : pa__done_seal(&g->done, err);
}

/* Copies folder `from` into `to` (regular files and folders). */
static int copy_tree(const char *from, const char *to, struct pa_err *err)
{
        DIR *d = opendir(from);
        struct dirent *de;
        int rc = d ? pa__mkdir_p(to, err) : pa_errf(err, PA_EIO, "cannot read '%s'", from);

        while (rc == 0 && (de = readdir(d))) {
                char *a = pa__path_join(from, de->d_name), *b = pa__path_join(to, de->d_name);
                struct stat st;

                if (!a || !b)
                        rc = PA_ENOMEM;
                else if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        ;
                else if (lstat(a, &st) != 0)
                        rc = pa_errf(err, PA_EIO, "cannot read '%s': %s", a, strerror(errno));
                else if (S_ISDIR(st.st_mode))
                        rc = copy_tree(a, b, err);
                else if (S_ISREG(st.st_mode))
                        rc = pa__copy_file(a, b, err);
                else /* a symlink could bring in any file of the machine */
                        rc = pa_errf(err, PA_EINVAL, "'%s': not a regular file", a);
                free(a);
                free(b);
        }
        if (d)
                closedir(d);
        return rc;
}

static void count_of(const json_t *m, const char *name, json_int_t *sum)
{
        *sum += json_integer_value(json_object_get(json_object_get(m, "counts"), name));
}

/* Shard 0's manifest with the shard-only fields dropped, counts summed and
 * "merged_from" listing the shards. */
static json_t *merged_manifest(const struct merge *g, const char *run_id, const char head[65])
{
        static const char *const drop[] = {"shard",     "resumes",     "interrupted_by",
                                           "cache",     "files",       "seal",
                                           "sealed_at", "rescored_at", "endpoints"};
        json_t *m = json_deep_copy(g->in[0].manifest), *from = json_array();
        json_int_t planned = 0, errors = 0, cached = 0;
        const char *first = NULL, *last = NULL;
        char host[256] = "";

        for (size_t i = 0; m && i < sizeof(drop) / sizeof(*drop); i++)
                json_object_del(m, drop[i]);
        for (size_t k = 0; m && from && k < g->n; k++) {
                const struct shard_in *in = &g->in[k];
                const char *s = json_string_value(json_object_get(in->manifest, "started_at"));
                const char *e = json_string_value(json_object_get(in->manifest, "ended_at"));

                count_of(in->manifest, "planned", &planned);
                count_of(in->manifest, "errors", &errors);
                count_of(in->manifest, "cached", &cached);
                first = s && (!first || strcmp(s, first) < 0) ? s : first;
                last = e && (!last || strcmp(e, last) > 0) ? e : last;
                json_array_append_new(from,
                                      json_pack("{s:s, s:O?, s:O?, s:I}", "dir", in->dir, "run_id",
                                                json_object_get(in->manifest, "run_id"), "shard",
                                                json_object_get(in->manifest, "shard"), "records",
                                                (json_int_t)in->records));
        }
        gethostname(host, sizeof(host) - 1);
        if (!m || !from) {
                json_decref(m);
                json_decref(from);
                return NULL;
        }
        if (json_object_update_new(
                m, json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:o, s:{s:I, s:I, "
                             "s:I, s:I}, s:{s:s, s:I, s:s}}",
                             "run_id", run_id, "status", "complete", "started_at", first,
                             "ended_at", last, "host", host, "merged_from", from, "counts",
                             "planned", planned, "records", (json_int_t)g->n_out, "errors", errors,
                             "cached", cached, "results", "file", "results.jsonl", "records",
                             (json_int_t)g->n_out, "chain_head", head))) {
                json_decref(m);
                return NULL;
        }
        return m;
}

/* Two calibrations that measured the same: the labelled set, the prompt
 * and the agreement (the judge's model, seed and max tokens are settings
 * check_shards has matched already; where the judge was reached and when
 * it answered may differ between shards). */
static bool same_calibration(const json_t *a, const json_t *b)
{
        static const char *const keys[] = {"labelled_set", "agreement"};

        if (!a || !b)
                return a == b;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
                        return false;
        return json_equal(json_object_get(json_object_get(a, "judge"), "prompt_sha256"),
                          json_object_get(json_object_get(b, "judge"), "prompt_sha256"));
}

/* The judge's calibration, when every shard measured the same one:
 * findings on a judge outcome then keep its error rate. Shards that
 * calibrated differently (or not all) leave the merged judge uncalibrated,
 * which its findings say. */
static int copy_judge(const struct merge *g, const char *out, struct pa_err *err)
{
        json_t *first = NULL, *other = NULL;
        char *from = NULL, *to = NULL;
        bool same = true;
        int rc = pa__judge_calibration_read(g->in[0].dir, &first, err);

        for (size_t k = 1; rc == 0 && same && k < g->n; k++) {
                if ((rc = pa__judge_calibration_read(g->in[k].dir, &other, err)) == 0)
                        same = same_calibration(first, other);
                json_decref(other);
                other = NULL;
        }
        if (rc == 0 && !same)
                fprintf(stderr, "parity merge: the shards calibrated the judge differently "
                                "(judge.json): the merged folder keeps no calibration, and its "
                                "findings on judge outcomes say the judge's error rate is "
                                "unknown\n");
        if (rc == 0 && same && first) {
                if (!(from = pa__path_join(g->in[0].dir, "judge.json")) ||
                    !(to = pa__path_join(out, "judge.json")))
                        rc = PA_ENOMEM;
                else
                        rc = pa__copy_file(from, to, err);
        }
        json_decref(first);
        free(from);
        free(to);
        return rc;
}

static int copy_inputs(const struct merge *g, const char *out, struct pa_err *err)
{
        char *from = pa__path_join(g->in[0].dir, "suite"), *to = pa__path_join(out, "suite");
        char *tfrom = pa__path_join(g->in[0].dir, "thresholds.json");
        char *tto = pa__path_join(out, "thresholds.json");
        struct stat st;
        int rc = PA_ENOMEM;

        if (from && to && tfrom && tto && (rc = copy_tree(from, to, err)) == 0 &&
            lstat(tfrom, &st) == 0)
                rc = pa__copy_file(tfrom, tto, err);
        if (rc == 0)
                rc = copy_judge(g, out, err);
        free(from);
        free(to);
        free(tfrom);
        free(tto);
        return rc;
}

/* OUT_DIR made, with the suite copy, and its results opened for
 * read_records to stream the shards' records into. */
static int open_out(struct merge *g, const char *out, struct pa_err *err)
{
        int rc, fd;

        if (!pa__dir_is_vacant(out))
                return pa_errf(err, PA_EEXIST, "run folder '%s' exists and is not empty", out);
        if ((rc = pa__mkdir_p(out, err)) || (rc = pa__dir_lock(out, &g->out_lock, err)))
                return rc;
        if (!pa__dir_is_only_lock(out))
                return pa_errf(err, PA_EEXIST, "run folder '%s' exists and is not empty", out);
        if ((rc = copy_inputs(g, out, err)))
                return rc;
        if (!(g->out_path = pa__path_join(out, "results.jsonl.tmp")))
                return PA_ENOMEM;
        memcpy(g->head, "0000000000000000000000000000000000000000000000000000000000000000", 65);
        fd = open(g->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 || !(g->out = fdopen(fd, "wb"))) {
                if (fd >= 0)
                        close(fd);
                return pa_errf(err, PA_EIO, "cannot write '%s': %s", g->out_path, strerror(errno));
        }
        return 0;
}

/* The records in place, then the manifest. */
static int finish_out(struct merge *g, const char *out, struct pa_err *err)
{
        const char *id0 = json_string_value(json_object_get(g->in[0].manifest, "run_id"));
        char run_id[160], *path = NULL, *text = NULL;
        json_t *m = NULL;
        int rc = 0;

        if (fflush(g->out) != 0 || fsync(fileno(g->out)) != 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", g->out_path, strerror(errno));
        fclose(g->out);
        g->out = NULL;
        if (rc == 0 && !(path = pa__path_join(out, "results.jsonl")))
                rc = PA_ENOMEM;
        if (rc == 0 && rename(g->out_path, path) != 0)
                rc = pa_errf(err, PA_EIO, "cannot write '%s': %s", path, strerror(errno));
        free(path);
        path = NULL;
        snprintf(run_id, sizeof(run_id), "%.140s-merged", id0 ? id0 : "run");
        if (rc == 0 && (!(m = merged_manifest(g, run_id, g->head)) ||
                        !(path = pa__path_join(out, "manifest.json")) ||
                        !(text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS))))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        if (rc == 0)
                rc = pa__write_file_atomic(path, text, strlen(text), err);
        free(text);
        free(path);
        json_decref(m);
        return rc;
}

/* Shard k's lock, unless an earlier argument is the same folder (a
 * repeated shard is refused later, as such). */
static int lock_shard(struct merge *g, size_t k, struct pa_err *err)
{
        struct stat a, b;

        for (size_t j = 0; j < k; j++)
                if (stat(g->in[k].dir, &a) == 0 && stat(g->in[j].dir, &b) == 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        return 0;
        return pa__run_dir_lock(g->in[k].dir, &g->in[k].lock, err);
}

static int merge(struct merge *g, const char *out, bool quiet, struct pa_err *err)
{
        struct pa_run_dir r = {0};
        int rc = 0;

        for (size_t k = 0; rc == 0 && k < g->n; k++)
                if ((rc = lock_shard(g, k, err)) == 0)
                        rc = load_shard(&g->in[k], err);
        if (rc == 0 && (rc = check_shards(g, err)) == 0)
                rc = read_records(g, err);
        /* The index only finds overlaps: not held while the merged folder
         * is written, summarised and sealed. */
        pa__done_release(&g->done);
        if (rc || (rc = open_out(g, out, err)) || (rc = read_records(g, err)) ||
            (rc = finish_out(g, out, err)) || (rc = pa_run_dir_open(&r, out, err)) ||
            (rc = pa_run_dir_summarise(&r, 0.05, quiet, err)))
                goto out;
        /* Sealed shards give a sealed merge (docs/evidence.md). */
        if (json_object_get(g->in[0].manifest, "seal"))
                rc = pa_evidence_seal(out, err);
out:
        pa_run_dir_release(&r);
        return rc;
}

int pa__cmd_merge(int argc, char **argv)
{
        struct merge g = {0};
        struct pa_err err = {{0}};
        bool quiet = argc > 1 && !strcmp(argv[1], "--quiet");
        int first = quiet ? 2 : 1, rc;

        if (argc == 2 && !strcmp(argv[1], "--help")) {
                fputs(merge_usage, stdout);
                return 0;
        }
        if (argc > first && argv[first][0] == '-') {
                static const char *const names[] = {"quiet", "help"};

                return pa__unknown_word("merge", "option", argv[first], names, 2);
        }
        if (argc - first < 2) {
                fputs(merge_usage, stderr);
                return 2;
        }
        g.n = (size_t)(argc - first - 1);
        if (!(g.in = calloc(g.n, sizeof(*g.in))))
                return pa__fail("out of memory");
        g.out_lock = (struct pa__lock)PA__LOCK_INIT;
        for (size_t k = 0; k < g.n; k++) {
                g.in[k].dir = argv[first + 1 + (int)k];
                g.in[k].lock = (struct pa__lock)PA__LOCK_INIT;
        }
        rc = merge(&g, argv[first], quiet, &err);
        if (rc == 0)
                printf("run folder: %s\n", argv[first]);
        for (size_t k = 0; k < g.n; k++) {
                json_decref(g.in[k].manifest);
                pa__dir_unlock(&g.in[k].lock);
        }
        pa__dir_unlock(&g.out_lock);
        free(g.in);
        if (g.out) {
                fclose(g.out);
                unlink(g.out_path);
        }
        free(g.out_path);
        pa__done_release(&g.done);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}
