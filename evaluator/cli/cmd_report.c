/* parity report RUN_DIR|DIFF_DIR: (re)writes the reports of a run folder
 * or a diff folder from the documents it holds (docs/reports.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/evidence.h"
#include "parity/report.h"
#include "cmd.h"
#include "opt.h"
#include "evaluator/run/run.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"

#define DEFAULT_FORMATS "md,html,junit"

static const char usage_text[] =
    "usage: parity report RUN_DIR|DIFF_DIR [--format md,html,junit,json,text] [-o DIR]\n"
    "                     [--quiet]\n"
    "Writes the reports of a run folder (from its summary.json, manifest.json and\n"
    "audit.json) or of a diff folder (from its diff.json): report.md, report.html,\n"
    "junit.xml (the default), summary.json/diff.json, summary.txt/diff.txt.\n"
    "  --format LIST  the formats, comma-separated\n"
    "  -o, --out DIR  write them there instead of into the folder; a sealed run\n"
    "                 folder written into is sealed again, a signed one is left alone\n"
    "  --quiet        print nothing\n"
    "Exit: 0 written, 2 usage or input error.\n";

struct docs {
        json_t *summary, *manifest, *audit, *diff;
};

static void docs_release(struct docs *d)
{
        json_decref(d->summary);
        json_decref(d->manifest);
        json_decref(d->audit);
        json_decref(d->diff);
}

/* dir/name parsed, NULL when the file does not exist; PA_EINVAL when it
 * exists and is not JSON. */
static int load(const char *dir, const char *name, json_t **out, struct pa_err *err)
{
        char *path = pa__path_join(dir, name), what[PATH_MAX];
        struct stat st;
        int rc = 0;

        *out = NULL;
        if (!path)
                return PA_ENOMEM;
        snprintf(what, sizeof(what), "'%s/%s'", dir, name);
        if (lstat(path, &st) == 0)
                rc = pa__json_load_regular(path, what, 0, (uint64_t)256 << 20, 0, out, NULL, err);
        free(path);
        return rc;
}

/* The run's summary: summary.json, else computed from the records. */
static int run_summary(const char *dir, struct docs *d, struct pa_err *err)
{
        struct pa_run_dir r;
        int rc = load(dir, "summary.json", &d->summary, err);

        if (rc || d->summary)
                return rc;
        if ((rc = pa_run_dir_open(&r, dir, err)) == 0)
                rc = pa_run_dir_summary(&r, 0.05, &d->summary, err);
        pa_run_dir_release(&r);
        return rc;
}

static int open_docs(const char *dir, struct docs *d, struct pa_err *err)
{
        int rc;

        memset(d, 0, sizeof(*d));
        if ((rc = load(dir, "diff.json", &d->diff, err)) || d->diff)
                return rc;
        if ((rc = load(dir, "manifest.json", &d->manifest, err)))
                return rc;
        if (!d->manifest)
                return pa_errf(err, PA_EINVAL,
                               "'%s': neither a run folder (manifest.json) nor a diff "
                               "folder (diff.json)",
                               dir);
        if ((rc = run_summary(dir, d, err)))
                return rc;
        return load(dir, "audit.json", &d->audit, err);
}

/* The reporter of one comma-separated word, or NULL. */
static const struct pa_reporter_ops *find(const char *w, size_t n, bool diff)
{
        char name[32];

        if (n >= sizeof(name))
                return NULL;
        snprintf(name, sizeof(name), "%.*s", (int)n, w);
        return diff ? pa_reporter_find_diff(name) : pa_reporter_find(name);
}

static int write_all(const char *formats, const char *out, const struct docs *d, bool quiet,
                     struct pa_err *err)
{
        const struct pa_report_doc doc = {.summary = d->diff ? NULL : d->summary,
                                          .manifest = d->manifest,
                                          .audit = d->audit,
                                          .diff = d->diff};
        int rc = 0;

        /* Pass 0 checks every name, so a typo writes nothing. */
        for (int pass = 0; pass < 2; pass++) {
                for (const char *w = formats; rc == 0 && *w;) {
                        size_t n = strcspn(w, ",");
                        const struct pa_reporter_ops *ops = find(w, n, d->diff != NULL);

                        if (n && !ops)
                                return pa_errf(
                                    err, PA_EINVAL,
                                    "--format: unknown format '%.*s' (expected md, html, "
                                    "junit, json, text)",
                                    (int)n, w);
                        if (n && pass && (rc = pa_report_write_doc(ops, out, &doc, err)) == 0 &&
                            !quiet)
                                printf("wrote %s/%s\n", out, d->diff ? ops->diff_file : ops->file);
                        w += n + (w[n] == ',');
                }
        }
        return rc;
}

/* A sealed run folder written into is sealed again; a signed one is not
 * written into at all. */
static int check_seal(const char *dir, const struct docs *d, bool into, bool *reseal,
                      struct pa_err *err)
{
        char *sig = pa__path_join(dir, "manifest.json.sig");
        bool signed_ = sig && access(sig, F_OK) == 0;

        free(sig);
        *reseal = into && !d->diff && json_object_get(d->manifest, "seal");
        if (into && !d->diff && signed_)
                return pa_errf(err, PA_EINVAL,
                               "run folder '%s' is signed: write its reports elsewhere with -o DIR",
                               dir);
        return 0;
}

int pa__cmd_report(int argc, char **argv)
{
        static const struct option lo[] = {
            {"format", required_argument, NULL, 'f'},
            {"out", required_argument, NULL, 'o'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *formats = DEFAULT_FORMATS, *out = NULL, *dir;
        struct pa_err err = {{0}};
        struct docs d = {0};
        bool quiet = false, reseal = false;
        int opt, rc;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(usage_text, stdout);
                        return 0;
                } else if (opt == 'f') {
                        formats = optarg;
                } else if (opt == 'o') {
                        out = optarg;
                } else if (opt == 'q') {
                        quiet = true;
                } else {
                        return pa__opt_error("report", argv, "o:", lo);
                }
        }
        if (optind != argc - 1) {
                fputs(usage_text, stderr);
                return 2;
        }
        dir = argv[optind];
        rc = open_docs(dir, &d, &err);
        if (rc == 0)
                rc = check_seal(dir, &d, !out, &reseal, &err);
        if (rc == 0 && out)
                rc = pa__mkdir_p(out, &err);
        if (rc == 0)
                rc = write_all(formats, out ? out : dir, &d, quiet, &err);
        if (rc == 0 && reseal)
                rc = pa_evidence_seal(dir, &err);
        docs_release(&d);
        return rc ? pa__fail(err.msg[0] ? err.msg : pa_strerror(rc)) : 0;
}
