/* parity score|summary RUN_DIR, and parity engines. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/engine.h"
#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "cmd.h"
#include "opt.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/run/run.h"
#include "evaluator/folder/lock.h"
#include "evaluator/folder/score_stream.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

static const char score_usage[] =
    "usage: parity score RUN_DIR [-o NEW_DIR] [--quiet]\n"
    "Scores every answer of RUN_DIR again with its suite copy's scorers (edit the copy to\n"
    "re-score with other rules), without calling the model, and writes the records, the\n"
    "summary and the reports. A sealed folder is evidence and is never rewritten: -o writes\n"
    "a re-scored copy into NEW_DIR (new or empty), sealed, naming the folder it came from.\n"
    "  -o, --out NEW_DIR  the re-scored copy\n"
    "  --quiet            print nothing but errors\n";

static const char summary_usage[] =
    "usage: parity summary RUN_DIR [-o DIR] [--quiet]\n"
    "Recomputes RUN_DIR's group summary and disparity analysis from its records and prints\n"
    "the table. A folder that is not sealed gets summary.json, summary.txt and the reports\n"
    "again and is sealed; a sealed one is evidence and is not written into: -o writes them\n"
    "into DIR instead.\n"
    "  -o, --out DIR  write summary.json, summary.txt and the reports there\n"
    "  --quiet        do not print the table\n";

static int edited(const struct pa_run_dir *r, struct pa_err *err)
{
        return pa_errf(err, PA_EINVAL,
                       "run folder '%s': results.jsonl: its chain does not end at "
                       "manifest.results.chain_head (records edited, added or removed since the "
                       "run wrote them)",
                       r->dir);
}

/* The records read are the ones the run wrote: their chain ends where
 * manifest.results.chain_head says (pa_results_load checked the links), so
 * an edited record is never re-chained and resealed as if it were sound. */
static int check_head(const struct pa_run_dir *r, struct pa_err *err)
{
        const json_t *res = json_object_get(r->manifest, "results");
        const char *want = json_string_value(json_object_get(res, "chain_head"));

        if (!want || strcmp(want, r->head) ||
            json_integer_value(json_object_get(res, "records")) != (json_int_t)r->n_records)
                return edited(r, err);
        return 0;
}

/* What score's records must chain to, checked as they are re-scored
 * (pa__results_rescore) rather than in a reading of their own. */
static int want_head(const struct pa_run_dir *r, struct pa__rescore_want *w, struct pa_err *err)
{
        const json_t *res = json_object_get(r->manifest, "results");
        const json_t *n = json_object_get(res, "records");

        w->head = json_string_value(json_object_get(res, "chain_head"));
        w->records = json_is_integer(n) ? (uint64_t)json_integer_value(n) : 0;
        if (!w->head || !json_is_integer(n) || json_integer_value(n) < 0)
                return edited(r, err);
        return 0;
}

static bool is_sealed(const json_t *manifest)
{
        return json_object_get(manifest, "seal") != NULL;
}

/* Copies what a re-score needs of a sealed folder into the new folder to:
 * the suite copy (the records are written there as they are re-scored), the pre-registered
 * thresholds, the judge's calibration (the ratings are kept, so their error rate is), and the
 * manifest without its seal (and so without its signature), naming
 * the folder it came from, so the original evidence is never rewritten. */
static int copy_for_rescore(const struct pa_run_dir *r, const char *to, struct pa_err *err)
{
        json_t *files = NULL, *m = json_deep_copy(r->manifest), *from;
        char *text = NULL, *src = NULL, *dst = NULL, *ddir = NULL, hex[PA_SHA256_HEX];
        const char *rel;
        json_t *v;
        size_t len;
        int rc = PA_ENOMEM;

        if (!pa__dir_is_vacant(to))
                return pa_errf(err, PA_EEXIST, "-o '%s': exists and is not empty", to);
        if (!m || (rc = pa__mkdir_p(to, err)) || (rc = pa__evidence_files(r->dir, &files, err)))
                goto out;
        json_object_foreach(files, rel, v)
        {
                /* results.jsonl is written there as it is re-scored */
                if (strcmp(rel, PA_THRESHOLDS_FILE) && strcmp(rel, "judge.json") &&
                    strncmp(rel, "suite/", 6))
                        continue;
                rc = PA_ENOMEM;
                if (!(src = pa__path_join(r->dir, rel)) || !(dst = pa__path_join(to, rel)) ||
                    !(ddir = pa__dirname(dst)))
                        goto out;
                if ((rc = pa__mkdir_p(ddir, err)) || (rc = pa__copy_file(src, dst, err)))
                        goto out;
                free(src);
                free(dst);
                free(ddir);
                src = dst = ddir = NULL;
        }
        rc = PA_ENOMEM;
        if (!(src = pa__path_join(r->dir, "manifest.json")) ||
            pa__read_regular(src, "manifest.json", 0, PA_EV_MAX_BYTES, &text, &len, err))
                goto out;
        pa__sha256_hex(text, len, hex);
        from = json_pack("{s:s, s:O?, s:s}", "run_dir", r->dir, "run_id",
                         json_object_get(r->manifest, "run_id"), "manifest_sha256", hex);
        json_object_del(m, "seal");
        json_object_del(m, "files");
        json_object_del(m, "sealed_at");
        free(text);
        text = NULL;
        if (!from || json_object_set_new(m, "rescored_from", from) ||
            !(text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS)) ||
            !(dst = pa__path_join(to, "manifest.json")))
                goto out;
        rc = pa__write_file_atomic(dst, text, strlen(text), err);
out:
        json_decref(files);
        json_decref(m);
        free(text);
        free(src);
        free(dst);
        free(ddir);
        return rc;
}

/* Undoes copy_for_rescore when the re-score failed: the files it wrote
 * (the copy was new or empty), their folders, and to itself when it did
 * not exist before, so a failed score leaves no unsealed half copy. */
static void uncopy(const char *to, bool existed)
{
        json_t *files = NULL, *v;
        struct pa_err err = {{0}};
        const char *rel;
        char *p;

        if (pa__evidence_files(to, &files, &err) == 0) {
                json_object_foreach(files, rel, v)
                {
                        char *d;

                        p = pa__path_join(to, rel);
                        d = p ? pa__dirname(p) : NULL;

                        if (p)
                                unlink(p);
                        /* suite/ and what else the copy nests, deepest first */
                        while (d && strcmp(d, to) && strlen(d) > strlen(to) && rmdir(d) == 0) {
                                char *up = pa__dirname(d);

                                free(d);
                                d = up;
                        }
                        free(d);
                        free(p);
                }
        }
        json_decref(files);
        if ((p = pa__path_join(to, "manifest.json"))) /* the one file never listed */
                unlink(p);
        free(p);
        if (!existed)
                rmdir(to);
}

/* score: the scores again with the suite copy's scorers, into results.jsonl,
 * streamed, the summary's table built as the records are written; then the
 * folder is opened again with that table and the suite already loaded
 * (moved into *kept, the caller's to release; validating every item again
 * cost a tenth of the command, reading the records again a few percent). */
static int rescore(struct pa_run_dir *r, const char *from_dir, const struct pa__rescore_want *want,
                   struct pa_suite *kept, struct pa_err *err)
{
        char *path = pa__path_join(r->dir, "results.jsonl"), *dir = strdup(r->dir), head[65];
        char *from = pa__path_join(from_dir, "results.jsonl");
        struct pa_table t;
        uint64_t n;
        int rc = PA_ENOMEM;

        pa_table_init(&t, r->suite.scorers.n);
        if (path && dir && from)
                rc = pa__results_rescore(&r->suite, from, path, want, &t, &n, head, err);
        if (rc == 0 && !r->suite_borrowed) {
                *kept = r->suite;
                r->suite_borrowed = true;
                pa_run_dir_release(r);
                rc = pa_run_dir_open_table(r, dir, kept, &t, n, head, err);
        } else if (rc == 0) {
                pa_run_dir_release(r);
                rc = pa_run_dir_open(r, dir, err);
        }
        pa_table_release(&t);
        free(from);
        free(path);
        free(dir);
        return rc;
}

/* Both commands take RUN_DIR, -o DIR and --quiet; score also rewrites
 * scores. A sealed folder is evidence and is never written into: score
 * writes a re-scored copy (-o), summary only prints. */
static int on_run_dir(int argc, char **argv, bool rescoring)
{
        static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        struct pa_run_dir r = {0};
        struct pa_suite kept = {0}; /* the suite, once rescore() moved it out of r */
        struct pa__rescore_want want = {0};
        struct pa_err err = {{0}};
        const char *out = NULL, *usage = rescoring ? score_usage : summary_usage;
        bool quiet = false, sealed, out_existed = false, copied = false;
        struct pa__lock lock = PA__LOCK_INIT;
        int opt, rc;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return 0;
                }
                if (opt == '?')
                        return pa__opt_error(rescoring ? "score" : "summary", argv, "o:q", opts);
                if (opt == 'o')
                        out = optarg;
                else
                        quiet = true;
        }
        if (optind != argc - 1 || (out && !*out)) {
                fputs(usage, stderr);
                return 2;
        }
        /* score reads the records once, as it re-scores them (want). */
        if ((rc = pa__run_dir_lock(argv[optind], &lock, &err)) ||
            (rc = rescoring ? pa_run_dir_open_bare(&r, argv[optind], NULL, &err)
                            : pa_run_dir_open(&r, argv[optind], &err)) ||
            (rc = rescoring ? want_head(&r, &want, &err) : check_head(&r, &err)))
                goto done;
        sealed = is_sealed(r.manifest);
        if (rescoring && sealed && !out) {
                /* Refused: but a broken folder is named as such first. */
                pa_run_dir_release(&r);
                if ((rc = pa_run_dir_open(&r, argv[optind], &err)) || (rc = check_head(&r, &err)))
                        goto done;
                rc = pa_errf(&err, PA_EINVAL,
                             "run folder '%s' is sealed evidence and is not rewritten: parity "
                             "score %s -o NEW_DIR writes a re-scored copy",
                             r.dir, r.dir);
                goto done;
        }
        if (rescoring && out) {
                /* The copy holds the same suite: rescore() reads the copy's
                 * records through it and opens the copy once re-scored. */
                out_existed = access(out, F_OK) == 0;
                if ((rc = copy_for_rescore(&r, out, &err)))
                        goto done;
                copied = true;
                free(r.dir);
                if (!(r.dir = strdup(out))) {
                        rc = pa_errf(&err, PA_ENOMEM, "out of memory");
                        goto done;
                }
                sealed = false;
        }
        if (rescoring && (rc = rescore(&r, argv[optind], &want, &kept, &err)) == PA_EINVAL &&
            (!strncmp(err.msg, "results.jsonl: ", 15) || !strncmp(err.msg, "results '", 9))) {
                char msg[sizeof(err.msg)];

                snprintf(msg, sizeof(msg), "%s", err.msg);
                pa_errf(&err, rc, "run folder '%s': %s", argv[optind], msg);
        }
        if (rc && copied)
                uncopy(out, out_existed);
        if (rc == 0 && sealed && !out) {
                /* summary of a sealed folder: printed, nothing written */
                json_t *summary = NULL;

                rc = pa_run_dir_summary(&r, 0.05, &summary, &err);
                if (rc == 0 && !quiet)
                        rc = pa_reporter_find("text")->write(summary, stdout, &err);
                json_decref(summary);
                goto done;
        }
        if (rc == 0 && out && !rescoring) {
                /* summary -o DIR: the summary and reports there */
                rc = pa__mkdir_p(out, &err);
                free(r.dir);
                if (rc == 0 && !(r.dir = strdup(out)))
                        rc = PA_ENOMEM;
                if (rc == 0)
                        rc = pa_run_dir_summarise(&r, 0.05, quiet, &err);
                goto done;
        }
        if (rc == 0)
                rc = pa_run_dir_summarise(&r, 0.05, quiet, &err);
        /* The folder changed: seal it again (docs/evidence.md). */
        if (rc == 0)
                rc = rescoring ? pa_evidence_reseal(r.dir, &err) : pa_evidence_seal(r.dir, &err);
        if (rc == 0 && rescoring && out)
                printf("run folder: %s\n", out);
done:
        pa_run_dir_release(&r);
        pa_suite_release(&kept);
        pa__dir_unlock(&lock);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}

int pa__cmd_score(int argc, char **argv)
{
        return on_run_dir(argc, argv, true);
}

int pa__cmd_summary(int argc, char **argv)
{
        return on_run_dir(argc, argv, false);
}

static const char analyze_usage[] =
    "usage: parity analyze RUN_DIR [--alpha A] [--min-diff D] [--correction bh|holm]\n"
    "                              [--inference prompts|suite] [--seed N] [-o FILE] [--quiet]\n"
    "Prints the paired disparity analysis of a run with other thresholds (and\n"
    "writes its JSON to FILE). The run folder is not changed: its summary.json\n"
    "stays computed with the thresholds registered before the run (defaults:\n"
    "alpha 0.05, min-diff 0.05, bh), so a sealed folder still verifies.\n"
    "--inference: prompts (default; the item is the unit) or suite (these prompts\n"
    "only; needs temperature > 0, a seed and several samples).\n";

static int analyze_options(int argc, char **argv, struct pa_analysis_conf *c, bool *quiet,
                           const char **out)
{
        static const struct option opts[] = {
            {"alpha", required_argument, NULL, 'a'},
            {"min-diff", required_argument, NULL, 'd'},
            {"correction", required_argument, NULL, 'c'},
            {"seed", required_argument, NULL, 's'},
            {"inference", required_argument, NULL, 'i'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {"output", required_argument, NULL, 'o'},
            {NULL, 0, NULL, 0},
        };
        long seed;
        int opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(analyze_usage, stdout);
                        return 0;
                } else if (opt == 'a' && pa__parse_double(optarg, 1e-9, 0.5, &c->alpha)) {
                        return pa__fail("--alpha: expected a number in (0, 0.5]");
                } else if (opt == 'd' && pa__parse_double(optarg, 0, 1, &c->min_diff)) {
                        return pa__fail("--min-diff: expected a number in [0, 1]");
                } else if (opt == 'c') {
                        if (strcmp(optarg, "bh") && strcmp(optarg, "holm"))
                                return pa__fail("--correction: expected bh or holm");
                        c->correction = strcmp(optarg, "bh") ? PA_ADJ_HOLM : PA_ADJ_BH;
                } else if (opt == 's') {
                        if (pa__parse_long(optarg, 0, LONG_MAX, &seed))
                                return pa__fail("--seed: expected an integer >= 0");
                        c->seed = (uint64_t)seed;
                } else if (opt == 'i' && pa_inference_parse(optarg, &c->inference)) {
                        return pa__fail("--inference: expected prompts or suite");
                } else if (opt == 'q') {
                        *quiet = true;
                } else if (opt == 'o') {
                        *out = optarg;
                } else if (opt == '?') {
                        return pa__opt_error("analyze", argv, "o:", opts);
                }
        }
        if (optind != argc - 1) {
                fputs(analyze_usage, stderr);
                return 2;
        }
        return -1;
}

int pa__cmd_analyze(int argc, char **argv)
{
        struct pa_analysis_conf c;
        struct pa_run_dir r;
        struct pa_err err = {{0}};
        const struct pa_reporter_ops *text = pa_reporter_find("text");
        const char *out = NULL;
        bool quiet = false;
        json_t *summary = NULL;
        int rc;

        pa_analysis_conf_init(&c);
        if ((rc = analyze_options(argc, argv, &c, &quiet, &out)) >= 0)
                return rc;
        rc = pa_run_dir_open(&r, argv[optind], &err);
        if (rc == 0)
                rc = pa_inference_check(c.inference, json_object_get(r.manifest, "parameters"),
                                        &err);
        if (rc == 0)
                rc = pa_run_dir_analyse(&r, &c, &summary, &err);
        if (rc == 0 && out &&
            json_dump_file(summary, out, JSON_INDENT(1) | JSON_REAL_PRECISION(10)))
                rc = pa_errf(&err, PA_EIO, "cannot write '%s'", out);
        if (rc == 0 && !quiet)
                rc = text->write(summary, stdout, &err);
        json_decref(summary);
        pa_run_dir_release(&r);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}

int pa__cmd_engines(int argc, char **argv)
{
        static const char *const names[] = {"help"};
        const struct pa_engine_ops *const *e = pa_engine_list();

        if (argc > 1 && strcmp(argv[1], "--help"))
                return pa__unknown_word("engines", "option", argv[1], names, 1);
        for (; *e; e++)
                printf("%-20s %s\n", (*e)->name, (*e)->summary);
        return 0;
}
