/* The reporters (report.md, report.html, junit.xml, diff.json, diff.txt)
 * against golden files, on fixed run folders made once with the sim engine
 * (tests/data/report/README.md), and their rules: the Markdown size budget,
 * escaping, the disparity change classes, the wording of verdicts.
 *
 * A golden that differs prints `diff -u` and leaves NAME.actual in the
 * working directory. PARITY_UPDATE_GOLDEN=1 rewrites the goldens. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/common.h"
#include "parity/report.h"
#include "reports/diff.h"
#include "reports/diff_int.h"
#include "scorers/analysis/diffstat.h"
#include "evaluator/run/run.h"
#include "test_util.h"
#include "reports/verdict.h"

static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        char *buf = NULL;
        long n;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
                buf[n] = '\0';
                *len = (size_t)n;
        } else {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

static void spill(const char *path, const char *data, size_t len)
{
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

/* data must equal tests/data/report/golden/name byte for byte. */
static void golden(const char *name, const char *data, size_t len)
{
        char path[1024], rel[256], actual[300], cmd[2600];
        size_t glen = 0;
        char *want;

        snprintf(rel, sizeof(rel), "report/golden/%s", name);
        test_path(path, sizeof(path), rel);
        if (getenv("PARITY_UPDATE_GOLDEN")) {
                spill(path, data, len);
                return;
        }
        want = slurp(path, &glen);
        if (want && glen == len && !memcmp(want, data, len)) {
                free(want);
                return;
        }
        free(want);
        snprintf(actual, sizeof(actual), "%s.actual", name);
        spill(actual, data, len);
        print_error("%s differs from %s (PARITY_UPDATE_GOLDEN=1 rewrites it):\n", actual, path);
        snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | head -60 1>&2", path, actual);
        if (system(cmd) < 0)
                print_error("cannot run diff\n");
        fail();
}

static json_t *load(const char *rel)
{
        char path[1024];
        json_error_t je;
        json_t *v = json_load_file(test_path(path, sizeof(path), rel), 0, &je);

        if (!v)
                print_error("%s: %s\n", path, je.text);
        assert_non_null(v);
        return v;
}

/* A format's output for doc, in memory; *len its size. */
static char *render(const char *format, const struct pa_report_doc *doc, size_t *len)
{
        const struct pa_reporter_ops *ops =
            doc->diff ? pa_reporter_find_diff(format) : pa_reporter_find(format);
        struct pa_err err = {{0}};
        char *data = NULL;
        FILE *f = open_memstream(&data, len);

        assert_non_null(ops);
        assert_non_null(f);
        assert_int_equal(
            ops->render ? ops->render(doc, f, &err) : ops->write(doc->summary, f, &err), 0);
        assert_int_equal(fclose(f), 0);
        return data;
}

static void check_golden(const char *format, const struct pa_report_doc *doc, const char *name)
{
        size_t len = 0;
        char *out = render(format, doc, &len);

        golden(name, out, len);
        free(out);
}

static void run_goldens(void **state)
{
        json_t *s = load("report/cand/summary.json"), *m = load("report/cand/manifest.json");
        json_t *a = load("report/cand/audit.json"), *bs = load("report/base/summary.json");
        json_t *bm = load("report/base/manifest.json");
        struct pa_report_doc cand = {.summary = s, .manifest = m, .audit = a};
        struct pa_report_doc base = {.summary = bs, .manifest = bm};

        (void)state;
        check_golden("md", &cand, "run-cand.md");
        check_golden("html", &cand, "run-cand.html");
        check_golden("junit", &cand, "run-cand.junit.xml");
        check_golden("md", &base, "run-base.md");
        json_decref(s);
        json_decref(m);
        json_decref(a);
        json_decref(bs);
        json_decref(bm);
}

/* The served model and fingerprint of a manifest, changed (NULL: kept). */
static json_t *edited(const json_t *m, const char *model, const char *fp)
{
        json_t *copy = json_deep_copy(m), *e = json_object_get(copy, "engine");

        if (model)
                json_object_set_new(e, "model_reported", json_string(model));
        if (fp)
                json_object_set_new(e, "identity",
                                    json_pack("{s:{s:s}}", "fingerprint", "sha256", fp));
        return copy;
}

/* The fixture diff: records and suites from the folders, the committed
 * summaries; the candidate's model and both fingerprints as given. */
static json_t *fixture_diff_as(const char *model, const char *fp_base, const char *fp_cand)
{
        struct pa_run_dir b, c;
        struct pa_err err = {{0}};
        struct pa_diff_conf conf = {.max_drop = 0.05,
                                    .fail_on = PA_GATE_REGRESSION | PA_GATE_DISPARITY,
                                    .source = "defaults"};
        char pb[1024], pc[1024];
        json_t *sb = load("report/base/summary.json"), *sc = load("report/cand/summary.json");
        json_t *diff = NULL;
        struct pa_diff_run rb = {.label = "base", .summary = sb};
        struct pa_diff_run rc = {.label = "cand", .summary = sc};

        pa_analysis_conf_init(&conf.analysis);
        if (pa_run_dir_open(&b, test_path(pb, sizeof(pb), "report/base"), &err) ||
            pa_run_dir_open(&c, test_path(pc, sizeof(pc), "report/cand"), &err) ||
            pa_run_dir_load_records(&b, &err) || pa_run_dir_load_records(&c, &err))
                print_error("%s\n", err.msg);
        rb.manifest = edited(b.manifest, NULL, fp_base);
        rb.suite = &b.suite;
        rb.records = b.records;
        rc.manifest = edited(c.manifest, model, fp_cand);
        rc.suite = &c.suite;
        rc.records = c.records;
        if (pa__diff_build(&rb, &rc, &conf, &diff, &err))
                print_error("%s\n", err.msg);
        assert_non_null(diff);
        json_decref((json_t *)rb.manifest);
        json_decref((json_t *)rc.manifest);
        pa_run_dir_release(&b);
        pa_run_dir_release(&c);
        json_decref(sb);
        json_decref(sc);
        return diff;
}

static json_t *fixture_diff(void)
{
        return fixture_diff_as(NULL, NULL, NULL);
}

static void fingerprints(void **state)
{
        json_t *d = fixture_diff_as("sim-fixture-base", "aaaa", "bbbb");
        const json_t *cmp = json_object_get(d, "comparability");

        (void)state;
        assert_true(json_is_true(json_object_get(cmp, "same_model")));
        assert_true(json_is_false(json_object_get(cmp, "same_fingerprint")));
        assert_non_null(strstr(json_string_value(json_array_get(json_object_get(cmp, "notes"), 0)),
                               "behaviour fingerprint changed (aaaa \u2192 bbbb)"));
        assert_non_null(strstr(pa__str(json_object_get(d, "verdict"), "text"),
                               "The server reported the same model"));
        json_decref(d);
        d = fixture_diff_as("other-name", "aaaa", "aaaa");
        cmp = json_object_get(d, "comparability");
        assert_true(json_is_false(json_object_get(cmp, "same_model")));
        assert_non_null(
            strstr(json_string_value(json_array_get(json_object_get(cmp, "notes"), 0)),
                   "and the same behaviour fingerprint for both runs, yet results moved"));
        json_decref(d);
        d = fixture_diff();
        cmp = json_object_get(d, "comparability");
        assert_true(json_is_null(json_object_get(cmp, "same_fingerprint")));
        assert_int_equal(json_array_size(json_object_get(cmp, "notes")), 0);
        json_decref(d);
}

static void diff_goldens(void **state)
{
        json_t *diff = fixture_diff();
        struct pa_report_doc doc = {.diff = diff};

        (void)state;
        /* The fixture plants all of it (tests/data/report/README.md). */
        assert_true(pa__diff_failed(diff));
        check_golden("json", &doc, "diff.json");
        check_golden("md", &doc, "diff.md");
        check_golden("html", &doc, "diff.html");
        check_golden("junit", &doc, "diff.junit.xml");
        check_golden("text", &doc, "diff.txt");
        json_decref(diff);
}

static void fixture_changes(void **state)
{
        json_t *diff = fixture_diff(), *d = json_object_get(diff, "disparities"), *e, *g;
        const char *seen[3] = {0};
        size_t i, j;

        (void)state;
        json_array_foreach(json_object_get(d, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const char *gr = pa__str(g, "group");

                        if (!strcmp(pa__str(e, "axis"), "gender") && !strcmp(gr, "woman"))
                                seen[0] = pa__str(g, "change");
                        if (!strcmp(pa__str(e, "axis"), "race") && !strcmp(gr, "black"))
                                seen[1] = pa__str(g, "change");
                        if (!strcmp(pa__str(e, "axis"), "gender") && !strcmp(gr, "nonbinary"))
                                seen[2] = pa__str(g, "change");
                }
        }
        assert_string_equal(seen[0], "new");
        assert_string_equal(seen[1], "new");
        assert_string_equal(seen[2], "resolved");
        json_decref(diff);
}

static void words(void **state)
{
        char buf[256], f[PA_FMT];

        (void)state;
        assert_string_equal(pa__group_words("gender", "woman", buf, sizeof(buf)), "women");
        assert_string_equal(pa__group_words("gender", "nonbinary", buf, sizeof(buf)),
                            "the nonbinary group");
        assert_string_equal(pa__group_words("age", "60", buf, sizeof(buf)), "age 60");
        assert_string_equal(pa__group_words("gender+age", "woman+60", buf, sizeof(buf)),
                            "women (age 60)");
        assert_string_equal(pa__group_words("race+age", "black+30", buf, sizeof(buf)),
                            "the black group (age 30)");
        assert_string_equal(pa__fmt_signed(-0.234, f), "\u22120.23");
        assert_string_equal(pa__fmt_signed(0.001, f), "+0.00");
        assert_string_equal(pa__fmt_signed(-0.001, f), "+0.00");
        assert_string_equal(pa__fmt_p(0.00001, f), "< 0.0001");
        assert_string_equal(pa__fmt_p(0.01449, f), "0.014");
        assert_string_equal(pa__fmt_rate(NAN, f), "\u2013");
}

/* A summary with n comparisons of hostile or long names, all flagged. */
static json_t *big_summary(size_t axes, size_t groups, const char *name)
{
        json_t *outcomes = json_array(), *findings = json_array();

        for (size_t a = 0; a < axes; a++) {
                json_t *gs = json_array();
                char axis[128];

                snprintf(axis, sizeof(axis), "%s-axis-%03zu", name, a);
                json_array_append_new(gs, json_pack("{s:s, s:i, s:f, s:[f,f]}", "group", "ref", "n",
                                                    100, "rate", 0.6, "ci", 0.5, 0.7));
                for (size_t g = 1; g < groups; g++) {
                        char gname[128];

                        snprintf(gname, sizeof(gname), "%s-group-%03zu", name, g);
                        json_array_append_new(
                            gs,
                            json_pack("{s:s, s:i, s:f, s:[f,f], s:f, s:[f,f], s:f, s:f, s:b, "
                                      "s:f, s:f}",
                                      "group", gname, "n", 100, "rate", 0.4, "ci", 0.3, 0.5, "diff",
                                      -0.2, "diff_ci", -0.3, -0.1, "p", 0.001, "p_adjusted", 0.002,
                                      "flag", 1, "mde", 0.15, "impact_ratio", 0.66));
                        json_array_append_new(findings,
                                              json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, "
                                                        "s:[f,f], s:f, s:f}",
                                                        "outcome", name, "axis", axis, "group",
                                                        gname, "reference", "ref", "rate", 0.4,
                                                        "diff", -0.2, "diff_ci", -0.3, -0.1, "p",
                                                        0.001, "p_adjusted", 0.002));
                }
                json_array_append_new(outcomes,
                                      json_pack("{s:s, s:s, s:s, s:o, s:f, s:i, s:[]}", "outcome",
                                                name, "axis", axis, "reference", "ref", "groups",
                                                gs, "flip_rate", 0.5, "sets", 10, "flipped"));
        }
        return json_pack("{s:i, s:s, s:s, s:s, s:i, s:f, s:o, s:[], s:{s:f, s:s, s:f, s:i}, s:o}",
                         "parity_summary", 1, "run_id", "r", "suite", name, "suite_version", "1",
                         "records", 1000, "alpha", 0.05, "outcomes", outcomes, "domains",
                         "analysis", "alpha", 0.05, "correction", "bh", "min_diff", 0.05,
                         "comparisons", (int)(axes * (groups - 1)), "findings", findings);
}

static void markdown_budget(void **state)
{
        json_t *s = big_summary(60, 12, "a-rather-long-outcome-name");
        json_t *b = big_summary(60, 12, "a-rather-long-outcome-name"), *e, *g, *dis = NULL, *diff;
        json_t *none = json_array();
        struct pa_report_doc doc = {.summary = s};
        struct pa_analysis_conf conf;
        struct pa__family fam;
        size_t len = 0, i, j, n = 0;
        char *md = render("md", &doc, &len);

        (void)state;
        assert_true(len < 65536);
        assert_non_null(strstr(md, "not shown here"));
        free(md);
        /* A diff of the same size: every group new. */
        json_array_foreach(json_object_get(b, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        json_object_set_new(g, "flag", json_false());
                }
        }
        pa_analysis_conf_init(&conf);
        pa__family_init(&fam, &conf, 60 * 11);
        assert_int_equal(pa__changes_build(none, none, b, s, &conf, &fam, &dis), 0);
        assert_int_equal(pa__diff_decide(&fam, NULL, dis, &conf, 0.05), 0);
        pa__family_release(&fam);
        /* No records to test on: label every comparison "new" by hand, the
         * worst case of the page's length. */
        json_array_foreach(json_object_get(dis, "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        if (json_object_get(g, "change"))
                                json_object_set_new(g, "change", json_string("new"));
                        n += json_object_get(g, "change") != NULL;
                }
        }
        assert_int_equal(n, 60 * 11);
        json_object_set_new(json_object_get(dis, "counts"), "new", json_integer((json_int_t)n));
        diff = json_pack("{s:i, s:o, s:{s:s}}", "parity_diff", 1, "disparities", dis, "verdict",
                         "text", "Candidate x.");
        doc = (struct pa_report_doc){.diff = diff};
        md = render("md", &doc, &len);
        assert_true(len < 65536);
        assert_non_null(strstr(md, "not shown here"));
        free(md);
        json_decref(diff);
        json_decref(s);
        json_decref(b);
        json_decref(none);
}

static void escaping(void **state)
{
        json_t *s = big_summary(1, 2, "<script>x|y&`*</script>");
        struct pa_report_doc doc = {.summary = s};
        const char *fmts[] = {"md", "html", "junit"};

        (void)state;
        for (size_t i = 0; i < 3; i++) {
                size_t len = 0;
                char *out = render(fmts[i], &doc, &len);

                assert_null(strstr(out, "<script>x"));
                assert_non_null(strstr(out, "&lt;script&gt;"));
                free(out);
        }
        json_decref(s);
}

static void table_and_views(void **state)
{
        const struct pa_reporter_ops *json = pa_reporter_find("json");
        struct pa_report_doc doc = {.diff = json_object()};
        struct pa_err err = {{0}};

        (void)state;
        assert_string_equal(json->file, "summary.json");
        assert_string_equal(pa_reporter_find_diff("json")->diff_file, "diff.json");
        assert_string_equal(pa_reporter_find_diff("text")->diff_file, "diff.txt");
        assert_string_equal(pa_reporter_find("md")->file, "report.md");
        assert_string_equal(pa_reporter_find("html")->file, "report.html");
        assert_string_equal(pa_reporter_find("junit")->file, "junit.xml");
        assert_null(pa_reporter_find("pdf"));
        assert_int_equal(pa_report_write_doc(json, ".", &doc, &err), PA_ENOTSUP);
        assert_non_null(strstr(err.msg, "no diff view"));
        json_decref((json_t *)doc.diff);
}

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p++)
                n++;
        return n;
}

static size_t untestable(const json_t *s)
{
        const json_t *o, *g;
        size_t i, j, n = 0;

        json_array_foreach(json_object_get(s, "outcomes"), i, o)
        {
                json_array_foreach(json_object_get(o, "groups"), j, g)
                {
                        n += json_is_false(json_object_get(g, "testable"));
                        n += json_is_false(
                            json_object_get(json_object_get(g, "interaction"), "testable"));
                }
        }
        return n;
}

static void junit_counts(void **state)
{
        json_t *s = load("report/cand/summary.json");
        struct pa_report_doc doc = {.summary = s};
        size_t len = 0;
        char *x = render("junit", &doc, &len);
        char want[64];

        (void)state;
        /* Every comparison: the testable ones pass or fail, the untestable
         * ones are skipped (never a pass). */
        assert_int_equal(
            count(x, "<testcase "),
            json_integer_value(json_object_get(json_object_get(s, "analysis"), "comparisons")) +
                untestable(s));
        assert_true(untestable(s) > 0);
        assert_int_equal(count(x, "<skipped "), untestable(s));
        assert_int_equal(count(x, "<failure "), json_array_size(json_object_get(s, "findings")));
        snprintf(want, sizeof(want), "failures=\"%zu\"",
                 json_array_size(json_object_get(s, "findings")));
        assert_non_null(strstr(x, want));
        free(x);
        json_decref(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(run_goldens),     cmocka_unit_test(diff_goldens),
            cmocka_unit_test(fixture_changes), cmocka_unit_test(words),
            cmocka_unit_test(markdown_budget), cmocka_unit_test(escaping),
            cmocka_unit_test(table_and_views), cmocka_unit_test(junit_counts),
            cmocka_unit_test(fingerprints),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
