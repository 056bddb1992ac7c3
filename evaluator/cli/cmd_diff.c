/* parity diff BASE_RUN CAND_RUN: what changed between two run folders of a
 * suite, the reports of the diff, and the CI gate (docs/reports.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/evidence.h"
#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "cmd.h"
#include "opt.h"
#include "evaluator/evidence/evidence_int.h"
#include "evaluator/folder/diff_input.h"
#include "reports/diff.h"
#include "reports/verdict.h"
#include "evaluator/run/resume.h"
#include "evaluator/run/run.h"
#include "evaluator/util/util.h"

#define DEFAULT_FORMATS "md,html,junit"

static const char usage_text[] =
    "usage: parity diff BASE_RUN CAND_RUN [-o DIFF_DIR] [--fail-on regression,disparity]\n"
    "                   [--max-drop D] [--alpha A] [--min-diff D] [--correction bh|holm]\n"
    "                   [--thresholds FILE] [--format md,html,junit,json,text] [--seed N]\n"
    "                   [--quiet]\n"
    "Compares two run folders of a suite, case by case: per domain the accuracy change\n"
    "with a paired interval and McNemar's test (corrected across domains); per group\n"
    "the disparity in each run and its change (new, resolved, worse, better,\n"
    "unchanged); the answers that flipped. Writes diff.json and the formats\n"
    "(default " DEFAULT_FORMATS ") into DIFF_DIR (default diffs/BASE-ID__CAND-ID)\n"
    "and prints the verdict.\n"
    "  -o, --out DIR        the diff folder\n"
    "  --fail-on LIST       gates: regression (an accuracy domain dropped),\n"
    "                       disparity (a new or worse flagged disparity), all, none\n"
    "  --max-drop D         smallest significant accuracy drop that is a regression\n"
    "                       (default 0.05)\n"
    "  --alpha A            level of tests and intervals (default 0.05)\n"
    "  --min-diff D         practical threshold on |rate difference| (default 0.05)\n"
    "  --correction C       bh (default) or holm\n"
    "  --thresholds FILE    a thresholds file (parity run --thresholds); recorded with\n"
    "                       its sha256; options given as well override it\n"
    "  --format LIST        formats besides diff.json: md, html, junit, json, text\n"
    "  --seed N             seed of the permutation and sign-flip tests\n"
    "  --allow-incomplete   compare a run that is incomplete (answers missing); the\n"
    "                       verdict says so first\n"
    "  --quiet              print only the diff folder\n"
    "  --baseline           parity diff --baseline [--track NAME] [--history DB] CAND_RUN:\n"
    "                       the base is the baseline of CAND_RUN's suite and track in the\n"
    "                       history (parity baseline set; docs/history.md)\n"
    "  --track NAME         the baseline's track (default main)\n"
    "  --history DB         the history database (default: $PARITY_HISTORY)\n"
    "Both runs must verify (parity verify) and be complete.\n"
    "Exit: 0 pass, 1 a gate failed, 2 usage or input error (an input that does not\n"
    "verify), 3 an input is incomplete (without --allow-incomplete) or nothing was\n"
    "compared, 5 a gate could not have failed (every comparison it covers untestable).\n";

enum {
        O_FAIL = 256,
        O_DROP,
        O_ALPHA,
        O_MIN,
        O_CORR,
        O_THR,
        O_FMT,
        O_QUIET,
        O_HELP,
        O_SEED,
        O_INCOMPLETE,
        O_BASELINE, /* docs/history.md */
        O_TRACK,
        O_HISTORY
};

struct opts {
        const char *base, *cand, *out, *thresholds, *formats;
        unsigned fail_on;
        double alpha, min_diff, max_drop;
        int correction; /* -1: not given */
        long seed;      /* -1: not given */
        bool has_alpha, has_min, has_drop, quiet, allow_incomplete;
        bool baseline; /* base from the history: --baseline, --track, --history */
        const char *track, *history;
};

static int usage_error(const char *msg)
{
        if (msg)
                fprintf(stderr, "parity: %s\n", msg);
        fputs(usage_text, stderr);
        return 2;
}

/* Each comma-separated word of list passed to fn; fn returns 0 or the exit code. */
static int each_word(const char *list, int (*fn)(const char *w, size_t n, void *ud), void *ud)
{
        while (*list) {
                size_t n = strcspn(list, ",");
                int rc = n ? fn(list, n, ud) : 0;

                if (rc)
                        return rc;
                list += n + (list[n] == ',');
        }
        return 0;
}

static int gate_word(const char *w, size_t n, void *ud)
{
        unsigned *g = ud;

        if (n == 10 && !strncmp(w, "regression", n))
                *g |= PA_GATE_REGRESSION;
        else if (n == 9 && !strncmp(w, "disparity", n))
                *g |= PA_GATE_DISPARITY;
        else if (n == 3 && !strncmp(w, "all", n))
                *g |= PA_GATE_REGRESSION | PA_GATE_DISPARITY;
        else if (!(n == 4 && !strncmp(w, "none", n)))
                return usage_error("--fail-on: expected regression, disparity, all or none");
        return 0;
}

static int format_word(const char *w, size_t n, void *ud)
{
        char name[32];

        (void)ud;
        snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), w);
        if (n >= sizeof(name) || !pa_reporter_find_diff(name)) {
                fprintf(stderr,
                        "parity: --format: unknown format '%.*s' (expected md, html, junit, "
                        "json, text)\n",
                        (int)n, w);
                return 2;
        }
        return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
        static const struct option lo[] = {
            {"out", required_argument, NULL, 'o'},
            {"fail-on", required_argument, NULL, O_FAIL},
            {"max-drop", required_argument, NULL, O_DROP},
            {"alpha", required_argument, NULL, O_ALPHA},
            {"min-diff", required_argument, NULL, O_MIN},
            {"correction", required_argument, NULL, O_CORR},
            {"thresholds", required_argument, NULL, O_THR},
            {"format", required_argument, NULL, O_FMT},
            {"seed", required_argument, NULL, O_SEED},
            {"quiet", no_argument, NULL, O_QUIET},
            {"allow-incomplete", no_argument, NULL, O_INCOMPLETE},
            {"baseline", no_argument, NULL, O_BASELINE},
            {"track", required_argument, NULL, O_TRACK},
            {"history", required_argument, NULL, O_HISTORY},
            {"help", no_argument, NULL, O_HELP},
            {NULL, 0, NULL, 0},
        };
        int opt, rc;

        *o = (struct opts){.formats = DEFAULT_FORMATS,
                           .correction = -1,
                           .seed = -1,
                           .track = "main",
                           .history = getenv("PARITY_HISTORY")};
        optind = 1;
        while ((opt = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
                switch (opt) {
                case 'o':
                        o->out = optarg;
                        break;
                case O_FAIL:
                        if ((rc = each_word(optarg, gate_word, &o->fail_on)))
                                return rc;
                        break;
                case O_DROP:
                        if (pa__parse_double(optarg, 0, 1, &o->max_drop))
                                return usage_error("--max-drop: expected a number in [0, 1]");
                        o->has_drop = true;
                        break;
                case O_ALPHA:
                        if (pa__parse_double(optarg, 1e-9, 0.5, &o->alpha))
                                return usage_error("--alpha: expected a number in (0, 0.5]");
                        o->has_alpha = true;
                        break;
                case O_MIN:
                        if (pa__parse_double(optarg, 0, 1, &o->min_diff))
                                return usage_error("--min-diff: expected a number in [0, 1]");
                        o->has_min = true;
                        break;
                case O_CORR:
                        if (strcmp(optarg, "bh") && strcmp(optarg, "holm"))
                                return usage_error("--correction: expected bh or holm");
                        o->correction = strcmp(optarg, "bh") ? PA_ADJ_HOLM : PA_ADJ_BH;
                        break;
                case O_THR:
                        o->thresholds = optarg;
                        break;
                case O_FMT:
                        if ((rc = each_word(optarg, format_word, NULL)))
                                return rc;
                        o->formats = optarg;
                        break;
                case O_SEED:
                        if (pa__parse_long(optarg, 0, LONG_MAX, &o->seed))
                                return usage_error("--seed: expected an integer >= 0");
                        break;
                case O_QUIET:
                        o->quiet = true;
                        break;
                case O_INCOMPLETE:
                        o->allow_incomplete = true;
                        break;
                case O_BASELINE:
                        o->baseline = true;
                        break;
                case O_TRACK:
                        o->track = optarg;
                        break;
                case O_HISTORY:
                        o->history = optarg;
                        break;
                case O_HELP:
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return pa__opt_error("diff", argv, "o:", lo);
                }
        }
        if (o->baseline) {
                if (optind != argc - 1)
                        return usage_error("--baseline: expected one run folder: CAND_RUN");
                o->cand = argv[optind];
                return -1;
        }
        if (optind != argc - 2)
                return usage_error("expected two run folders: BASE_RUN CAND_RUN");
        o->base = argv[optind];
        o->cand = argv[optind + 1];
        return -1;
}

/* --baseline: the base folder is the blessed run of the candidate's suite
 * and track (*dir malloc'ed); then the diff runs as with two folders. */
static int baseline_dir(const struct opts *o, char **dir)
{
        struct pa_err err = {{0}};
        json_t *m = pa__manifest_load(o->cand, &err);
        const char *suite = json_string_value(json_object_get(json_object_get(m, "suite"), "id"));
        int rc = m && suite ? pa__history_baseline_dir(o->history, suite, o->track, dir)
                            : pa__fail(err.msg[0] ? err.msg : "candidate manifest: no suite id");

        json_decref(m);
        return rc ? rc : -1;
}

/* The thresholds of a file or of a manifest's pre-registration into c; a
 * key the source does not set keeps its value. */
static int apply_thresholds(const json_t *t, const char *name, struct pa_diff_conf *c)
{
        const char *corr = json_string_value(json_object_get(t, "correction"));

        pa_json_number(json_object_get(t, "alpha"), &c->analysis.alpha);
        pa_json_number(json_object_get(t, "min_diff"), &c->analysis.min_diff);
        pa_json_number(json_object_get(t, "min_impact_ratio"), &c->analysis.min_impact_ratio);
        pa_json_number(json_object_get(t, "max_drop"), &c->max_drop);
        if (corr && strcmp(corr, "bh") && strcmp(corr, "holm")) {
                fprintf(stderr,
                        "parity: thresholds '%s': /correction: parity diff corrects its "
                        "tests together: expected \"bh\" or \"holm\"\n",
                        name);
                return 2;
        }
        if (corr)
                c->analysis.correction = strcmp(corr, "holm") ? PA_ADJ_BH : PA_ADJ_HOLM;
        return 0;
}

/* defaults < the candidate's pre-registered thresholds, or the file < options. */
static int make_conf(const struct opts *o, const json_t *cand_manifest, struct pa_diff_conf *c,
                     json_t **record)
{
        struct pa_thresholds t;
        struct pa_err err = {{0}};
        const json_t *pre =
            json_object_get(json_object_get(cand_manifest, "thresholds"), "content");
        bool opts = o->has_alpha || o->has_min || o->has_drop || o->correction >= 0;
        int rc = 0;

        memset(c, 0, sizeof(*c));
        pa_analysis_conf_init(&c->analysis);
        c->max_drop = 0.05;
        c->fail_on = o->fail_on;
        c->source = "defaults";
        if (o->thresholds) {
                if (pa_thresholds_load(&t, o->thresholds, &err))
                        return pa__fail(err.msg);
                rc = apply_thresholds(t.root, o->thresholds, c);
                *record = json_pack("{s:s, s:s, s:O}", "file", o->thresholds, "sha256", t.sha256,
                                    "content", t.root);
                pa_thresholds_release(&t);
                if (rc)
                        return rc;
                if (!*record)
                        return pa__fail("out of memory");
                c->source = opts ? "file and options" : "file";
        } else if (json_is_object(pre)) {
                if ((rc = apply_thresholds(pre, "candidate run", c)))
                        return rc;
                c->source = opts ? "candidate run and options" : "candidate run";
        } else if (opts) {
                c->source = "options";
        }
        if (o->has_alpha)
                c->analysis.alpha = o->alpha;
        if (o->has_min)
                c->analysis.min_diff = o->min_diff;
        if (o->has_drop)
                c->max_drop = o->max_drop;
        if (o->correction >= 0)
                c->analysis.correction = o->correction;
        if (o->seed >= 0)
                c->analysis.seed = (uint64_t)o->seed;
        c->thresholds = *record;
        return -1;
}

/* The analysed summary of a run's records (only those shared with the
 * other run when the suites differ: the pairs j): from its rows when
 * given, the same. */
static int summarise(const struct pa_run_dir *r, const struct pa_run_dir *other, bool shared_only,
                     const struct pa_table *rows, const struct pa__diff_join *j, int side,
                     const struct pa_analysis_conf *c, json_t **out, struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(r->manifest, "run_id"));
        struct pa_table t;
        json_t *recs;
        int rc;

        if (rows && !shared_only)
                return pa_summary_analyse_table(&r->suite, rows, id, c, out, err);
        if (rows) {
                if (pa__diff_join_shared(j, side, &t))
                        return pa_errf(err, PA_ENOMEM, "out of memory");
                rc = pa_summary_analyse_table(&r->suite, &t, id, c, out, err);
                pa_table_release(&t);
                return rc;
        }
        recs = shared_only ? pa__diff_shared(r->records, other->records) : json_incref(r->records);
        if (!recs)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc = pa_summary_analyse(&r->suite, recs, id, c, out, err);
        json_decref(recs);
        return rc;
}

/* Both summaries of two folders of one suite, each analysed while only
 * its own rows are held: the other's are read again after it (a scan of
 * results.jsonl costs less than holding two tables beside an analysis). */
static int summarise_alone(struct pa__diff_input *ib, struct pa__diff_input *ic,
                           const struct pa_analysis_conf *c, json_t **sb, json_t **sc,
                           struct pa_err *err)
{
        pa__diff_input_rows_drop(ic);
        if (summarise(&ib->dir, &ic->dir, false, &ib->rows.t, NULL, 0, c, sb, err))
                return 2;
        pa__diff_input_rows_drop(ib);
        if (pa__diff_input_rows_again(ic, err) ||
            summarise(&ic->dir, &ib->dir, false, &ic->rows.t, NULL, 1, c, sc, err) ||
            pa__diff_input_rows_again(ib, err))
                return 2;
        return 0;
}

/* Both summaries of two suites whose items are the same (a version
 * bumped): as summarise_alone(), each of the rows whose case the other
 * run has, those marked by the pairs (dropped before the summaries). */
static int summarise_shared(struct pa__diff_input *ib, struct pa__diff_input *ic,
                            struct pa__diff_join *j, const struct pa_analysis_conf *c, json_t **sb,
                            json_t **sc, struct pa_err *err)
{
        bool cut;

        if (pa__diff_join_build_aligned(&ib->rows, &ic->rows, j, err))
                return 2;
        pa__diff_join_drop_pairs(j);
        pa__diff_input_rows_drop(ic);
        pa_table_keep_rows(&ib->rows.t, j->b_shared);
        if (summarise(&ib->dir, &ic->dir, false, &ib->rows.t, NULL, 0, c, sb, err))
                return 2;
        pa__diff_input_rows_drop(ib);
        if (pa__diff_input_rows_again(ic, err))
                return 2;
        cut = pa_table_keep_rows(&ic->rows.t, j->c_shared);
        pa__diff_join_release(j);
        if (summarise(&ic->dir, &ib->dir, false, &ic->rows.t, NULL, 1, c, sc, err) ||
            (cut && pa__diff_input_rows_again(ic, err)) || pa__diff_input_rows_again(ib, err))
                return 2;
        return 0;
}

static char *default_dir(const struct pa_run_dir *b, const struct pa_run_dir *c)
{
        const char *ib = json_string_value(json_object_get(b->manifest, "run_id"));
        const char *ic = json_string_value(json_object_get(c->manifest, "run_id"));
        char name[512];

        snprintf(name, sizeof(name), "%s__%s", ib ? ib : pa__basename(b->dir),
                 ic ? ic : pa__basename(c->dir));
        return pa__path_join("diffs", name);
}

struct writer {
        const char *dir;
        const json_t *diff;
        struct pa_err *err;
        int rc;
};

static int write_word(const char *w, size_t n, void *ud)
{
        struct writer *wr = ud;
        const struct pa_report_doc doc = {.diff = wr->diff};
        char name[32];

        snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), w);
        wr->rc = pa_report_write_doc(pa_reporter_find_diff(name), wr->dir, &doc, wr->err);
        return wr->rc ? 2 : 0;
}

static bool is_complete(const struct pa_run_dir *r)
{
        const char *status = json_string_value(json_object_get(r->manifest, "status"));

        return status && !strcmp(status, "complete");
}

/* diff.json's "inputs": each run by its manifest's sha256 and chain head
 * (parity verify DIFF_DIR checks them); an incomplete one allowed in is
 * named first in the verdict. */
static int add_inputs(const struct opts *o, const struct pa_run_dir *b, const struct pa_run_dir *c,
                      json_t *diff, struct pa_err *err)
{
        json_t *ib = NULL, *ic = NULL, *verdict = json_object_get(diff, "verdict");
        const char *text = json_string_value(json_object_get(verdict, "text"));
        bool short_b = !is_complete(b), short_c = !is_complete(c);
        char *lead = NULL;
        int rc;

        if ((rc = pa__diff_input(b->dir, b->manifest, &ib, err)) ||
            (rc = pa__diff_input(c->dir, c->manifest, &ic, err)))
                goto out;
        rc = PA_ENOMEM;
        if (json_object_set_new(diff, "inputs",
                                json_pack("{s:O, s:O, s:b}", "base", ib, "candidate", ic,
                                          "allow_incomplete", o->allow_incomplete)))
                goto out;
        rc = 0;
        if (!(short_b || short_c) || !text)
                goto out;
        rc = PA_ENOMEM;
        if (asprintf(&lead,
                     "INCOMPLETE INPUT, NOT A PASS: the %s run is incomplete and was compared "
                     "only because --allow-incomplete asked; its missing answers are not in "
                     "these figures. %s",
                     short_b && short_c ? "base and the candidate"
                     : short_b          ? "base"
                                        : "candidate",
                     text) < 0)
                goto out;
        rc = json_object_set_new(verdict, "text", json_string(lead)) ? PA_ENOMEM : 0;
out:
        free(lead);
        json_decref(ib);
        json_decref(ic);
        return rc ? pa_errf(err, rc, "diff.json: cannot record the inputs") : 0;
}

static const char *case_of(const json_t *rec)
{
        const char *id = json_string_value(json_object_get(rec, "case_id"));

        return id ? id : "";
}

static bool failed(const json_t *rec)
{
        const json_t *e = json_object_get(rec, "error");

        return e && !json_is_null(e);
}

/* The (case, sample) pairs both runs hold, and those of them a failed
 * answer on either side drops from every comparison. */
static int count_dropped(const json_t *base, const json_t *cand, long long n[4])
{
        json_t *seen = json_object(), *rec;
        char key[64];
        size_t i;

        if (!seen)
                return PA_ENOMEM;
        n[0] = n[1] = n[2] = n[3] = 0; /* shared, dropped, failed in base, in candidate */
        json_array_foreach(base, i, rec)
        {
                snprintf(key, sizeof(key), "%s/%lld", case_of(rec),
                         (long long)json_integer_value(json_object_get(rec, "sample")));
                if (json_object_set_new(seen, key, json_boolean(failed(rec)))) {
                        json_decref(seen);
                        return PA_ENOMEM;
                }
        }
        json_array_foreach(cand, i, rec)
        {
                const json_t *b;

                snprintf(key, sizeof(key), "%s/%lld", case_of(rec),
                         (long long)json_integer_value(json_object_get(rec, "sample")));
                if (!(b = json_object_get(seen, key)))
                        continue;
                n[0]++;
                n[1] += json_is_true(b) || failed(rec);
                n[2] += json_is_true(b);
                n[3] += failed(rec);
        }
        json_decref(seen);
        return 0;
}

/* diff.json's "dropped", said first in the verdict when any pair was
 * dropped: a comparison over fewer pairs is never silent. 1: nothing was
 * left to compare. */
static int add_dropped(const struct pa_run_dir *b, const struct pa_run_dir *c,
                       const struct pa__diff_join *j, json_t *diff, struct pa_err *err)
{
        json_t *verdict = json_object_get(diff, "verdict");
        const char *text = json_string_value(json_object_get(verdict, "text"));
        long long n[4];
        char *lead = NULL, *redone = NULL;
        bool nothing;
        int rc = 0;

        if (j)
                pa__diff_join_dropped(j, n);
        if ((!j && (rc = count_dropped(b->records, c->records, n))) ||
            json_object_set_new(diff, "dropped",
                                json_pack("{s:I, s:I, s:I, s:I}", "shared_pairs", (json_int_t)n[0],
                                          "dropped", (json_int_t)n[1], "failed_in_base",
                                          (json_int_t)n[2], "failed_in_candidate",
                                          (json_int_t)n[3])))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        nothing = n[1] == n[0]; /* no shared pair, or every one dropped */
        if ((!n[1] && !nothing) || !text)
                return 0;
        /* Incomplete first, then the words again: none may read as a pass. */
        if (nothing &&
            (json_object_set_new(verdict, "status", json_string("incomplete")) ||
             json_object_set_new(verdict, "exit_code", json_integer(PA_EXIT_INCOMPLETE)) ||
             !(text = redone = pa__verdict_diff(diff))))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((n[0] ? asprintf(&lead,
                             "%s%lld of %lld shared pairs were dropped from every comparison: "
                             "%lld answers failed in the base, %lld in the candidate. %s",
                             nothing ? "NOTHING COMPARED, NOT A PASS: " : "", (long long)n[1],
                             (long long)n[0], (long long)n[2], (long long)n[3], text)
                  : asprintf(&lead,
                             "NOTHING COMPARED, NOT A PASS: the runs share no (case, sample) "
                             "pair. %s",
                             text)) < 0 ||
            json_object_set_new(verdict, "text", json_string(lead)))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        free(lead);
        free(redone);
        return rc ? rc : nothing;
}

static int run_diff(const struct opts *o, struct pa__diff_input *ib, struct pa__diff_input *ic)
{
        struct pa_run_dir *b = &ib->dir, *c = &ic->dir;
        struct pa_err err = {{0}};
        struct pa_diff_conf conf;
        struct pa__diff_join join = {0}, *j = ib->regular ? &join : NULL;
        json_t *record = NULL, *sb = NULL, *sc = NULL, *diff = NULL;
        struct pa_diff_run rb = {
            .label = o->base, .manifest = b->manifest, .suite = &b->suite, .records = b->records};
        struct pa_diff_run rc_ = {
            .label = o->cand, .manifest = c->manifest, .suite = &c->suite, .records = c->records};
        struct writer wr = {.err = &err};
        char *dir = NULL;
        int nothing = 0;
        bool differ = strcmp(b->suite.sha256, c->suite.sha256) ||
                      strcmp(b->suite.items_sha256, c->suite.items_sha256);
        bool aligned = false;
        int rc = make_conf(o, c->manifest, &conf, &record);

        if (rc >= 0)
                goto out;
        rc = 2;
        /* The summaries of two suites need the pairs; of one, not: then the
         * pairs come after them, not held while they are analysed, and the
         * items' ids come last, with the flips (pa__diff_join_ids). Two
         * suites with the same items pair as one does. */
        if (j && differ && pa__diff_suites_aligned(&b->suite, &c->suite, &aligned, &err))
                goto fail;
        if (j && differ && !aligned &&
            (pa__diff_inputs_ids(ib, ic, &err) ||
             pa__diff_join_build(&ib->rows, &ic->rows, false, j, &err)))
                goto fail;
        if (aligned) {
                if (summarise_shared(ib, ic, j, &conf.analysis, &sb, &sc, &err))
                        goto fail;
        } else if (j && !differ) {
                if (summarise_alone(ib, ic, &conf.analysis, &sb, &sc, &err))
                        goto fail;
        } else if (summarise(b, c, differ, j ? &ib->rows.t : NULL, j, 0, &conf.analysis, &sb,
                             &err) ||
                   summarise(c, b, differ, j ? &ic->rows.t : NULL, j, 1, &conf.analysis, &sc,
                             &err)) {
                goto fail;
        }
        if (j && !differ && pa__diff_join_build(&ib->rows, &ic->rows, true, j, &err))
                goto fail;
        if (aligned && pa__diff_join_build_aligned(&ib->rows, &ic->rows, j, &err))
                goto fail;
        rb.join = rc_.join = j;
        rb.summary = sb;
        rc_.summary = sc;
        /* Each prepends to the verdict: the incomplete input is said first. */
        if (pa__diff_build(&rb, &rc_, &conf, &diff, &err) ||
            (nothing = add_dropped(b, c, j, diff, &err)) < 0 || add_inputs(o, b, c, diff, &err))
                goto fail;
        if (!(dir = o->out ? strdup(o->out) : default_dir(b, c))) {
                pa_errf(&err, PA_ENOMEM, "out of memory");
                goto fail;
        }
        wr.dir = dir;
        wr.diff = diff;
        if (pa__mkdir_p(dir, &err) || write_word("json", 4, &wr) ||
            each_word(o->formats, write_word, &wr))
                goto fail;
        if (!o->quiet && pa__diff_print(diff, stdout, &err))
                goto fail;
        printf("%sdiff folder: %s\n", o->quiet ? "" : "\n", dir);
        /* The verdict's: add_dropped made it incomplete when nothing was compared. */
        rc =
            (int)json_integer_value(json_object_get(json_object_get(diff, "verdict"), "exit_code"));
        if (nothing)
                fprintf(stderr, "parity: diff: no pair of answers to compare: the runs share no "
                                "case, or every shared case failed in one of them (diff.json's "
                                "\"dropped\")\n");
        goto out;
fail:
        rc = pa__fail(err.msg[0] ? err.msg : "diff failed");
out:
        pa__diff_join_release(&join);
        free(dir);
        json_decref(diff);
        json_decref(sb);
        json_decref(sc);
        json_decref(record);
        return rc;
}

/* An input must verify (integrity; signatures are verify's business):
 * a diff of a folder edited since its run would report the edit. */
static int check_intact(const char *which, const char *dir)
{
        struct pa_verify_opts vo = {.no_signatures = true};
        struct pa_err err = {{0}};
        size_t n = 0;

        if (pa_evidence_verify(dir, &vo, NULL, &n, &err))
                return pa__fail(err.msg[0] ? err.msg : "cannot verify the run folders");
        if (n == 0)
                return -1;
        fprintf(stderr,
                "parity: diff: the %s run '%s' does not verify (%zu finding%s; parity verify %s "
                "lists them): refusing to compare it\n",
                which, dir, n, n == 1 ? "" : "s", dir);
        return 2;
}

/* A run that is not complete is refused unless --allow-incomplete. */
static int check_complete(const struct opts *o, const char *which, const struct pa_run_dir *r)
{
        const char *status = json_string_value(json_object_get(r->manifest, "status"));
        long long missing = (long long)json_integer_value(
            json_object_get(json_object_get(r->manifest, "error_budget"), "unanswered"));

        if (is_complete(r))
                return -1;
        if (o->allow_incomplete) {
                fprintf(stderr,
                        "parity: diff: warning: the %s run '%s' is %s (%lld answers missing); "
                        "compared as --allow-incomplete asks\n",
                        which, r->dir, status ? status : "of unknown status", missing);
                return -1;
        }
        fprintf(stderr,
                "parity: diff: the %s run '%s' is %s (%lld answers missing): a diff of it is "
                "no pass; complete it with parity run --resume %s, or compare what came with "
                "--allow-incomplete\n",
                which, r->dir, status ? status : "of unknown status", missing, r->dir);
        return PA_EXIT_INCOMPLETE;
}

int pa__cmd_diff(int argc, char **argv)
{
        struct opts o;
        struct pa__diff_input b = {0}, c = {0};
        struct pa_err err = {{0}};
        char *base = NULL;
        int rc = parse(argc, argv, &o);

        if (rc >= 0)
                return rc;
        if (o.baseline && (rc = baseline_dir(&o, &base)) >= 0)
                return rc;
        if (base)
                o.base = base;
        if ((rc = check_intact("base", o.base)) >= 0 ||
            (rc = check_intact("candidate", o.cand)) >= 0)
                goto out;
        pa__memory_trim();
        if (pa__diff_inputs_open(&b, &c, o.base, o.cand, &err))
                rc = pa__fail(err.msg[0] ? err.msg : "cannot open the run folders");
        else if ((rc = check_complete(&o, "base", &b.dir)) < 0 &&
                 (rc = check_complete(&o, "candidate", &c.dir)) < 0)
                rc = run_diff(&o, &b, &c);
        pa__diff_input_release(&b);
        pa__diff_input_release(&c);
out:
        free(base);
        return rc;
}
