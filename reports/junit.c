/* junit.xml: one testcase per gate and per finding, for the test report
 * views of GitLab, Jenkins and GitHub (docs/reports.md "junit.xml").
 *
 * testsuites > testsuite(name, tests, failures, errors, skipped, time) >
 * testcase(classname, name, time) > failure(message, type) | error | skipped.
 * A run's failed cases are errors (testsuite parity.answers).
 * Times are 0: the figures are statistics, not timings, and a stable file
 * diffs cleanly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "verdict.h"

/* One testsuite being written into its own buffer, counted. */
struct suite {
        char *buf;
        size_t len;
        FILE *f;
        unsigned tests, failures, errors, skipped;
};

/* s escaped for XML text and attributes; characters XML 1.0 forbids are
 * dropped. */
static void xml(FILE *f, const char *s)
{
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '&')
                        fputs("&amp;", f);
                else if (c == '<')
                        fputs("&lt;", f);
                else if (c == '>')
                        fputs("&gt;", f);
                else if (c == '"')
                        fputs("&quot;", f);
                else if (c == '\'')
                        fputs("&apos;", f);
                else if (c == '\n' || c == '\t')
                        fprintf(f, "&#%u;", c);
                else if (c >= 0x20 || c == '\r')
                        fputc(c, f);
        }
}

static int suite_open(struct suite *s)
{
        memset(s, 0, sizeof(*s));
        s->f = open_memstream(&s->buf, &s->len);
        return s->f ? 0 : PA_ENOMEM;
}

/* <testcase classname name time="0">, then failure/skipped when given. */
static void testcase(struct suite *s, const char *classname, const char *name, const char *failure,
                     const char *type, const char *skipped, const char *detail)
{
        s->tests++;
        fputs("  <testcase classname=\"", s->f);
        xml(s->f, classname);
        fputs("\" name=\"", s->f);
        xml(s->f, name);
        fputs("\" time=\"0\"", s->f);
        if (!failure && !skipped) {
                fputs("/>\n", s->f);
                return;
        }
        fputs(">\n", s->f);
        if (failure) {
                s->failures++;
                fputs("   <failure message=\"", s->f);
                xml(s->f, failure);
                fputs("\" type=\"", s->f);
                xml(s->f, type);
                fputs("\">", s->f);
                xml(s->f, detail ? detail : failure);
                fputs("</failure>\n", s->f);
        } else {
                s->skipped++;
                fputs("   <skipped message=\"", s->f);
                xml(s->f, skipped);
                fputs("\"/>\n", s->f);
        }
        fputs("  </testcase>\n", s->f);
}

/* <testcase> with an <error>: something that should have been measured
 * was not. */
static void error_case(struct suite *s, const char *classname, const char *name, const char *msg)
{
        s->tests++;
        s->errors++;
        fputs("  <testcase classname=\"", s->f);
        xml(s->f, classname);
        fputs("\" name=\"", s->f);
        xml(s->f, name);
        fputs("\" time=\"0\">\n   <error message=\"", s->f);
        xml(s->f, msg);
        fputs("\" type=\"missing answer\"/>\n  </testcase>\n", s->f);
}

/* Closes the suite's buffer and writes it with its counts. */
static int suite_emit(FILE *f, struct suite *s, const char *name, const char *out,
                      unsigned totals[4])
{
        if (fclose(s->f)) {
                free(s->buf);
                return PA_ENOMEM;
        }
        fputs(" <testsuite name=\"", f);
        xml(f, name);
        fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"0\">\n",
                s->tests, s->failures, s->errors, s->skipped);
        fwrite(s->buf, 1, s->len, f);
        if (out) {
                fputs("  <system-out>", f);
                xml(f, out);
                fputs("</system-out>\n", f);
        }
        fputs(" </testsuite>\n", f);
        totals[0] += s->tests;
        totals[1] += s->failures;
        totals[2] += s->skipped;
        totals[3] += s->errors;
        free(s->buf);
        return 0;
}

/* "flagged: approve rate of woman 0.44 vs 0.61 for man (diff −0.17, CI …, p adj …)" */
static void finding_text(char *buf, size_t n, const char *what, const json_t *e, const char *group,
                         const json_t *g)
{
        double rate = pa__num(json_object_get(g, "rate")),
               diff = pa__num(json_object_get(g, "diff"));
        char r[PA_FMT], rr[PA_FMT], d[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];

        snprintf(buf, n, "%s: %s rate of %s %s vs %s for %s (diff %s, CI %s, p adj %s)", what,
                 pa__str(e, "outcome"), group, pa__fmt_rate(rate, r),
                 pa__fmt_rate(pa__ref_rate(g), rr), pa__str(e, "reference"),
                 pa__fmt_signed(diff, d), pa__fmt_ci(json_object_get(g, "diff_ci"), true, ci),
                 pa__fmt_p(pa__num(json_object_get(g, "p_adjusted")), p));
}

/* One comparison c (group g's, or its interaction): a failure when
 * flagged, skipped when it could not have been flagged (never a pass). */
static void comparison_case(struct suite *s, const char *cls, const char *name, const json_t *e,
                            const json_t *g, const json_t *c)
{
        char msg[1024];

        if (json_is_false(json_object_get(c, "testable"))) {
                testcase(s, cls, name, NULL, NULL,
                         json_is_string(json_object_get(c, "note"))
                             ? pa__str(c, "note")
                             : "untestable: too few items to reach alpha",
                         NULL);
                return;
        }
        finding_text(msg, sizeof(msg), "flagged", e, pa__str(g, "group"), c == g ? g : c);
        testcase(s, cls, name, json_is_true(json_object_get(c, "flag")) ? msg : NULL, "disparity",
                 NULL, NULL);
}

static void classname(char *buf, size_t n, const json_t *e)
{
        snprintf(buf, n, "parity.disparity.%s.%s", pa__str(e, "outcome"), pa__str(e, "axis"));
}

/* Every failed case the manifest lists as an <error>, and one for the
 * rest: a run short of answers is never green. */
static int run_answers(const json_t *manifest, struct suite *s, FILE *f, unsigned totals[4])
{
        const json_t *b = json_object_get(manifest, "error_budget"), *c;
        const json_t *listed = json_object_get(b, "failed_cases");
        long long missing = pa__int(b, "unanswered"), rest;
        char name[128], msg[600];
        size_t i;

        if (missing <= 0)
                return 0;
        if (suite_open(s))
                return PA_ENOMEM;
        json_array_foreach(listed, i, c)
        {
                snprintf(name, sizeof(name), "case %s sample %lld", pa__str(c, "case_id"),
                         pa__int(c, "sample"));
                error_case(s, "parity.answers", name, pa__str(c, "error"));
        }
        rest = missing - (long long)json_array_size(listed);
        if (rest > 0) {
                snprintf(msg, sizeof(msg), "%lld more cases without an answer%s%s", rest,
                         json_is_string(json_object_get(b, "stopped_by")) ? ": the run stopped: "
                                                                          : "",
                         pa__str(b, "stopped_by"));
                error_case(s, "parity.answers", "cases not listed", msg);
        }
        return suite_emit(f, s, "parity.answers", NULL, totals);
}

static int run_junit(const struct pa_report_doc *doc, struct suite *s, FILE *f, unsigned totals[4])
{
        const json_t *e, *g;
        char cls[512], name[512], *text = pa__verdict_run(doc->summary, doc->manifest);
        size_t i, j;
        int rc;

        if (!text || suite_open(s)) {
                free(text);
                return PA_ENOMEM;
        }
        json_array_foreach(json_object_get(doc->summary, "outcomes"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *x = json_object_get(g, "interaction");

                        classname(cls, sizeof(cls), e);
                        snprintf(name, sizeof(name), "%s vs %s", pa__str(g, "group"),
                                 pa__str(e, "reference"));
                        if (pa__compared(g))
                                comparison_case(s, cls, name, e, g, g);
                        snprintf(name, sizeof(name), "%s interaction", pa__str(g, "group"));
                        if (pa__compared(x))
                                comparison_case(s, cls, name, e, g, x);
                }
        }
        snprintf(name, sizeof(name), "parity.%s.disparities", pa__str(doc->summary, "suite"));
        rc = suite_emit(f, s, name, text, totals);
        free(text);
        return rc;
}

static int diff_gates(const json_t *diff, struct suite *s, FILE *f, unsigned totals[4])
{
        const json_t *g;
        size_t i;
        char skip[600];

        if (suite_open(s))
                return PA_ENOMEM;
        /* Pairs a failed answer dropped from every comparison: never green. */
        if (pa__int(json_object_get(diff, "dropped"), "dropped") > 0)
                error_case(s, "parity.answers", "dropped pairs",
                           pa__str(json_object_get(diff, "verdict"), "text"));
        json_array_foreach(json_object_get(diff, "gates"), i, g)
        {
                const char *st = pa__str(g, "status");

                snprintf(skip, sizeof(skip), "not gated (--fail-on): %s", pa__str(g, "reason"));
                testcase(s, "parity.gate", pa__str(g, "gate"),
                         !strcmp(st, "fail") || !strcmp(st, "untestable") ? pa__str(g, "reason")
                                                                          : NULL,
                         "gate", !strcmp(st, "not gated") ? skip : NULL, NULL);
        }
        return suite_emit(f, s, "parity.gates", pa__str(json_object_get(diff, "verdict"), "text"),
                          totals);
}

static int diff_domains(const json_t *diff, struct suite *s, FILE *f, unsigned totals[4])
{
        const json_t *d;
        char cls[512], msg[1024], a[PA_FMT], b[PA_FMT], c[PA_FMT], p[PA_FMT], ci[2 * PA_FMT];
        size_t i;

        if (suite_open(s))
                return PA_ENOMEM;
        json_array_foreach(json_object_get(json_object_get(diff, "regression"), "domains"), i, d)
        {
                snprintf(cls, sizeof(cls), "parity.regression.%s", pa__str(d, "outcome"));
                snprintf(msg, sizeof(msg), "%s %s %s -> %s (delta %s, CI %s, p adj %s)",
                         pa__str(d, "domain"), pa__str(d, "kind"),
                         pa__fmt_rate(pa__num(json_object_get(d, "acc_base")), a),
                         pa__fmt_rate(pa__num(json_object_get(d, "acc_cand")), b),
                         pa__fmt_signed(pa__num(json_object_get(d, "delta")), c),
                         pa__fmt_ci(json_object_get(d, "delta_ci"), true, ci),
                         pa__fmt_p(pa__num(json_object_get(d, "p_adjusted")), p));
                testcase(s, cls, pa__str(d, "domain"),
                         json_is_true(json_object_get(d, "gate_failed")) ? msg : NULL, "regression",
                         NULL, NULL);
        }
        return suite_emit(f, s, "parity.regression", NULL, totals);
}

static int diff_disparities(const json_t *diff, struct suite *s, FILE *f, unsigned totals[4])
{
        const json_t *e, *g;
        char cls[512], name[512], msg[1024];
        size_t i, j;

        if (suite_open(s))
                return PA_ENOMEM;
        json_array_foreach(json_object_get(json_object_get(diff, "disparities"), "entries"), i, e)
        {
                json_array_foreach(json_object_get(e, "groups"), j, g)
                {
                        const json_t *gc = json_object_get(g, "candidate");
                        const char *ch = pa__str(g, "change");

                        if (!ch[0] || !json_is_object(gc) ||
                            !json_is_number(json_object_get(gc, "p_adjusted")))
                                continue;
                        classname(cls, sizeof(cls), e);
                        snprintf(name, sizeof(name), "%s vs %s", pa__str(g, "group"),
                                 pa__str(e, "reference"));
                        finding_text(msg, sizeof(msg), ch, e, pa__str(g, "group"), gc);
                        testcase(s, cls, name,
                                 json_is_true(json_object_get(gc, "flag")) ? msg : NULL, ch, NULL,
                                 NULL);
                }
        }
        return suite_emit(f, s, "parity.disparities", NULL, totals);
}

static int junit_render(const struct pa_report_doc *doc, FILE *f, struct pa_err *err)
{
        struct suite s;
        unsigned totals[4] = {0};
        char *body = NULL;
        size_t len = 0;
        FILE *inner = open_memstream(&body, &len);
        int rc = inner ? 0 : PA_ENOMEM;

        if (rc == 0 && doc->diff) {
                if ((rc = diff_gates(doc->diff, &s, inner, totals)) == 0 &&
                    (rc = diff_domains(doc->diff, &s, inner, totals)) == 0)
                        rc = diff_disparities(doc->diff, &s, inner, totals);
        } else if (rc == 0) {
                if ((rc = run_answers(doc->manifest, &s, inner, totals)) == 0)
                        rc = run_junit(doc, &s, inner, totals);
        }
        if (inner && fclose(inner) && rc == 0)
                rc = PA_ENOMEM;
        if (rc == 0) {
                fprintf(f,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"parity\" "
                        "tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"0\">\n",
                        totals[0], totals[1], totals[3], totals[2]);
                fwrite(body, 1, len, f);
                fputs("</testsuites>\n", f);
        }
        free(body);
        if (rc)
                return pa_errf(err, rc, "junit.xml: out of memory");
        return ferror(f) ? pa_errf(err, PA_EIO, "cannot write junit.xml") : 0;
}

const struct pa_reporter_ops pa_reporter_junit = {
    .name = "junit",
    .file = "junit.xml",
    .diff_file = "junit.xml",
    .render = junit_render,
};
