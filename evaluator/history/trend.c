/* A suite's metrics across runs and the drift test (trend.h,
 * docs/analysis.md "Drift across runs"): each later run is compared with
 * the first run of the window item by item, with the same tests as a diff
 * (scorers/analysis/ diffstat.h), and every test of every run is corrected
 * together with Holm's method, so "since run k" is a family-wise claim. */
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/result.h"
#include "parity/stats.h"
#include "trend.h"
#include "evaluator/folder/diff_input.h"
#include "evaluator/folder/run_dir.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "scorers/analysis/diffstat.h"

#define SUMMARY_MAX ((uint64_t)64 << 20)

static const char *str(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static bool complete(const json_t *run)
{
        return !strcmp(str(run, "status"), "complete");
}

/* The metric of key in map (created with n null points and tests). */
static json_t *metric(json_t *map, json_t *list, const char *key, json_t *init, size_t n)
{
        json_t *m = json_object_get(map, key), *pts, *tests;

        if (m) {
                json_decref(init);
                return m;
        }
        pts = json_array();
        tests = json_array();
        for (size_t i = 0; pts && tests && i < n; i++)
                if (json_array_append_new(pts, json_null()) ||
                    json_array_append_new(tests, json_null()))
                        break;
        if (!init || !pts || !tests || json_object_set_new(init, "points", pts) ||
            json_object_set_new(init, "tests", tests) || json_object_set(map, key, init) ||
            json_array_append_new(list, init)) {
                json_decref(pts);
                json_decref(tests);
                json_decref(init);
                return NULL;
        }
        return init;
}

static json_t *domain_of(json_t *t, const char *outcome, const char *domain)
{
        char key[1024];

        snprintf(key, sizeof(key), "%s\x1f%s", outcome, domain);
        return metric(json_object_get(t, "_dmap"), json_object_get(t, "domains"), key,
                      json_pack("{s:s, s:s, s:n}", "outcome", outcome, "domain", domain, "since"),
                      json_array_size(json_object_get(t, "runs")));
}

static json_t *comparison_of(json_t *t, const char *outcome, const char *axis, const char *group,
                             const char *reference)
{
        char key[1024];

        snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", outcome, axis, group);
        return metric(json_object_get(t, "_cmap"), json_object_get(t, "comparisons"), key,
                      json_pack("{s:s, s:s, s:s, s:s, s:n}", "outcome", outcome, "axis", axis,
                                "group", group, "reference", reference, "since"),
                      json_array_size(json_object_get(t, "runs")));
}

/* Each complete run's figures, as indexed, into the metrics' points. */
static int points(struct pa_history *h, json_t *t, struct pa_err *err)
{
        const json_t *run, *d, *c;
        size_t i, j;
        int rc = 0;

        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                json_t *ds = NULL, *cs = NULL, *m;

                if (rc || !complete(run))
                        continue;
                rc = pa__history_metrics(h, json_integer_value(json_object_get(run, "id")), &ds,
                                         &cs, err);
                json_array_foreach(ds, j, d)
                {
                        if (rc == 0 &&
                            (!(m = domain_of(t, str(d, "outcome"), str(d, "domain"))) ||
                             json_array_set(json_object_get(m, "points"), i, (json_t *)d)))
                                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                }
                json_array_foreach(cs, j, c)
                {
                        if (rc == 0 &&
                            (!(m = comparison_of(t, str(c, "outcome"), str(c, "axis"),
                                                 str(c, "grp"), str(c, "reference"))) ||
                             json_array_set(json_object_get(m, "points"), i, (json_t *)c)))
                                rc = pa_errf(err, PA_ENOMEM, "out of memory");
                }
                json_decref(ds);
                json_decref(cs);
        }
        return rc;
}

/* One run folder as the tests read it: its records that count, as rows
 * (a few bytes each) or as JSON (diff_input.h), and summary.json. */
struct side {
        struct pa__diff_input in;
        json_t *summary;
};

static void side_release(struct side *s)
{
        pa__diff_input_release(&s->in);
        json_decref(s->summary);
        memset(s, 0, sizeof(*s));
}

static int side_open(struct side *s, const char *path, struct pa_err *err)
{
        char *p = pa__path_join(path, "summary.json");
        int rc;

        memset(s, 0, sizeof(*s));
        if (!p)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = pa__diff_input_open(&s->in, path, err))) {
                char why[sizeof(err->msg)];

                /* The index points at folders; a moved one is re-indexed. */
                snprintf(why, sizeof(why), "%s", err->msg);
                pa_errf(err, rc,
                        "%s (the drift test reads the indexed run folders: put it back, or "
                        "index where it went with parity history rebuild)",
                        why);
        }
        if (rc == 0)
                rc = pa__json_load_regular(p, "summary.json", 0, SUMMARY_MAX, 0, &s->summary, NULL,
                                           err);
        free(p);
        if (rc)
                side_release(s);
        return rc;
}

/* The regression groups and disparity changes of cand against ref, from
 * their rows when both have them, else from their records. */
static int collect(struct side *ref, struct side *cand, const struct pa_analysis_conf *c,
                   struct pa__family *f, json_t **reg, json_t **ch, struct pa_err *err)
{
        const struct pa_suite *sr = &ref->in.dir.suite, *sc = &cand->in.dir.suite;
        struct pa__diff_join j = {0};
        struct pa__reg *r = NULL;
        bool rows = ref->in.regular && cand->in.regular;
        int rc = 0;

        if (!rows && ((rc = pa__diff_input_records(&ref->in, err)) ||
                      (rc = pa__diff_input_records(&cand->in, err))))
                return rc;
        if (rows)
                rc = pa__diff_join_build(&ref->in.rows, &cand->in.rows,
                                         !strcmp(sr->sha256, sc->sha256) &&
                                             !strcmp(sr->items_sha256, sc->items_sha256),
                                         &j, err);
        if (rc == 0)
                rc = rows ? pa__reg_collect_join(&j, &r, err)
                          : pa__reg_collect(sr, ref->in.dir.records, cand->in.dir.records, &r, err);
        if (rc == 0 && (rc = pa__reg_json(r, c, f, reg)) == 0)
                rc = rows ? pa__changes_build_join(&j, ref->summary, cand->summary, c, f, ch)
                          : pa__changes_build(ref->in.dir.records, cand->in.dir.records,
                                              ref->summary, cand->summary, c, f, ch);
        pa__reg_free(r);
        pa__diff_join_release(&j);
        return rc;
}

/* The tests of run k against the reference, into f, their objects
 * recorded in the metrics' tests[k] and in the family's lists. */
static int test_run(json_t *t, struct side *ref, struct side *cand, size_t k,
                    const struct pa_analysis_conf *c, struct pa__family *f, json_t *regs,
                    json_t *dis, struct pa_err *err)
{
        json_t *reg = NULL, *ch = NULL, *o, *e, *g, *m;
        size_t i, j;
        int rc = collect(ref, cand, c, f, &reg, &ch, err);

        json_array_foreach(json_object_get(reg, "domains"), i, o)
        {
                if (rc == 0 && (!(m = domain_of(t, str(o, "outcome"), str(o, "domain"))) ||
                                json_array_set(json_object_get(m, "tests"), k, o) ||
                                json_array_append(json_object_get(regs, "domains"), o)))
                        rc = PA_ENOMEM;
        }
        json_array_foreach(json_object_get(ch, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        if (rc || !json_object_get(g, "change") ||
                            !strcmp(str(g, "change"), "unmatched"))
                                continue;
                        if (!(m = comparison_of(t, str(e, "outcome"), str(e, "axis"),
                                                str(g, "group"), str(e, "reference"))) ||
                            json_array_set(json_object_get(m, "tests"), k, g))
                                rc = PA_ENOMEM;
                }
                if (rc == 0 && json_array_append(json_object_get(dis, "entries"), e))
                        rc = PA_ENOMEM;
        }
        json_decref(reg);
        json_decref(ch);
        return rc == PA_ENOMEM ? pa_errf(err, rc, "out of memory") : rc;
}

static bool moved(const json_t *test)
{
        static const char *const yes[] = {"regression", "improvement", "new",
                                          "resolved",   "worse",       "better"};
        const char *v = json_string_value(json_object_get(test, "verdict"));

        if (!v)
                v = str(test, "change");
        for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
                if (!strcmp(v, yes[i]))
                        return true;
        return false;
}

/* Each metric's first run whose test says it moved. */
static int since(json_t *t)
{
        const char *lists[] = {"domains", "comparisons"};
        const json_t *m, *x;
        size_t i, k;

        for (size_t l = 0; l < 2; l++)
                json_array_foreach(json_object_get(t, lists[l]), i, m)
                {
                        json_array_foreach(json_object_get(m, "tests"), k, x)
                        {
                                if (!moved(x))
                                        continue;
                                if (json_object_set(
                                        (json_t *)m, "since",
                                        json_object_get(
                                            json_array_get(json_object_get(t, "runs"), k),
                                            "run_id")))
                                        return PA_ENOMEM;
                                break;
                        }
                }
        return 0;
}

/* Marks why a run is not tested; the reference is the first complete
 * run, and only runs of its suite file are compared with it. */
static size_t plan(json_t *t, const json_t **ref_run)
{
        const json_t *run;
        size_t i, n = 0;

        *ref_run = NULL;
        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                const char *note = NULL;

                if (!complete(run))
                        note = "incomplete: neither charted nor tested";
                else if (!*ref_run)
                        *ref_run = run, note = "reference of the drift tests";
                else if (strcmp(str(run, "suite_sha256"), str(*ref_run, "suite_sha256")))
                        note = "another version of the suite: not tested against the reference";
                else
                        n++;
                json_object_set_new((json_t *)run, "note", note ? json_string(note) : json_null());
                json_object_set_new((json_t *)run, "tested", json_boolean(!note));
        }
        return n;
}

static int drift(json_t *t, const struct pa_analysis_conf *c, struct pa_err *err)
{
        const json_t *ref_run, *run;
        struct side ref = {0};
        struct pa__family f;
        json_t *regs = json_pack("{s:[]}", "domains");
        json_t *dis = json_pack("{s:{}, s:[]}", "counts", "entries");
        size_t tested = plan(t, &ref_run), i;
        size_t per = json_array_size(json_object_get(t, "domains")) +
                     json_array_size(json_object_get(t, "comparisons"));
        int rc = regs && dis ? 0 : pa_errf(err, PA_ENOMEM, "out of memory");

        pa__family_init(&f, c, tested * (per ? per : 1));
        if (rc == 0 && tested && (rc = side_open(&ref, str(ref_run, "path"), err)))
                goto out;
        json_array_foreach(json_object_get(t, "runs"), i, run)
        {
                struct side cand;

                if (rc || !json_is_true(json_object_get(run, "tested")))
                        continue;
                if ((rc = side_open(&cand, str(run, "path"), err)))
                        break;
                rc = test_run(t, &ref, &cand, i, c, &f, regs, dis, err);
                side_release(&cand);
        }
        if (rc == 0 && (rc = pa__diff_decide(&f, regs, dis, c, c->min_diff)))
                pa_errf(err, rc, "out of memory");
        if (rc == 0 &&
            (json_object_set_new(t, "tests", json_integer((json_int_t)f.n)) ||
             json_object_set_new(t, "decision_level", json_real(f.level)) ||
             json_object_set_new(t, "reps", json_integer((json_int_t)f.reps)) || since(t)))
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
out:
        side_release(&ref);
        pa__family_release(&f);
        json_decref(regs);
        json_decref(dis);
        return rc;
}

int pa__trend_build(struct pa_history *h, const json_t *runs, const struct pa_trend_conf *tc,
                    json_t **out, struct pa_err *err)
{
        struct pa_analysis_conf c;
        json_t *t;
        int rc;

        pa_analysis_conf_init(&c);
        c.alpha = tc->alpha;
        c.min_diff = tc->min_diff;
        c.correction = PA_ADJ_HOLM;
        *out = NULL;
        t = json_pack("{s:i, s:s?, s:s?, s:O, s:f, s:f, s:s, s:s, s:[], s:[], s:{}, s:{}}",
                      "parity_trend", 1, "suite", tc->suite, "track", tc->track, "runs", runs,
                      "alpha", c.alpha, "min_diff", c.min_diff, "correction", "holm", "estimand",
                      "prompts like these: the item is the unit", "domains", "comparisons", "_dmap",
                      "_cmap");
        if (!t)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if ((rc = points(h, t, err)) == 0 && (rc = drift(t, &c, err)) == 0) {
                json_object_del(t, "_dmap");
                json_object_del(t, "_cmap");
                *out = t;
                return 0;
        }
        json_decref(t);
        return rc;
}
