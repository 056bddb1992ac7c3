/* The loader's fast path for plain items-file lines (evaluator/suite/
 * item_plain.c) against jansson's: each line loaded from an items file
 * (where the fast path may take it) and inline in the suite (always
 * jansson and the schema walk) must give the same verdict and the same
 * item kind; the scanner must take the plain lines, or the fast path
 * would be tested by nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "parity/suite.h"
#include "evaluator/suite/item_plain.h"

#define HEAD                                                                                       \
        "{\"parity_suite\": 1, \"id\": \"t\", \"version\": \"1\", \"axes\": {\"g\": "              \
        "{\"reference\": \"a\", \"groups\": {\"a\": {\"w\": \"x\"}, \"b\": {\"w\": \"y\"}}}, "     \
        "\"h\": {\"reference\": \"c\", \"groups\": {\"c\": {\"v\": \"1\"}, \"d\": {\"v\": "        \
        "\"2\"}, \"e\": {\"v\": \"3\"}}}}, \"scorers\": {\"yes\": {\"type\": \"regex\", "          \
        "\"pattern\": \"yes\"}, \"byexp\": {\"type\": \"regex\"}}, "

struct line_case {
        const char *line; /* one items-file line, without its newline */
        int scan;         /* pa__plain_item_scan's answer: 0 plain, 1 jansson's */
        bool loads;
        bool dup; /* a key twice: the suite's own JSON refuses it, a line keeps the last */
};

static const struct line_case cases[] = {
    {"{\"id\": \"a\", \"axes\": [\"g\"], \"outcome\": \"yes\", \"prompt\": \"{w}\", \"expected\": "
     "\"y\"}",
     0, true, false},
    {"{\"id\": \"b\", \"domain\": \"d\", \"system\": \"s {v}\", \"scorers\": [\"yes\"], \"axes\": "
     "[\"g\", \"h\"], \"prompt\": \"{w} {v}\"}",
     0, true, false},
    {"{\"id\": \"c\", \"prompt\": \"p\", \"scorers\": [], \"meta\": {\"x\": [1, 2.5, {\"y\": "
     "null}]}, \"bbq\": {}}",
     1, true, false}, /* metadata objects: jansson's (item_plain.c takes strings only) */
    {"{\"\\u0069d\": \"e\\u0301\", \"prompt\": \"caf\\u00e9 \\ud83d\\ude00\", \"scorers\": "
     "[\"yes\"]}",
     0, true, false},
    {" {\"id\":\"d\",\"prompt\":\"p\",\"expected\":\"a|b\"}\t\r", 0, true, false},
    /* Valid, but jansson's to read. */
    {"{\"id\": \"dup\", \"prompt\": \"p\", \"prompt\": \"q\", \"scorers\": [\"yes\"]}", 1, true,
     true},
    {"{\"id\": \"m\", \"scorers\": [\"yes\"], \"messages\": [{\"role\": \"user\", \"content\": "
     "\"hi\"}]}",
     1, true, false},
    /* Refused: each must fall through to jansson's path and fail there. */
    {"{\"id\": \"e\", \"promt\": \"p\", \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"f\", \"prompt\": \"p\", \"axes\": [1], \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"g\", \"prompt\": \"p\", \"axes\": [\"nope\"], \"scorers\": [\"yes\"]}", 0, false,
     false},
    {"{\"id\": \"h\", \"prompt\": \"p\", \"scorers\": [\"nope\"]}", 0, false, false},
    {"{\"id\": \"\", \"prompt\": \"p\", \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"j\", \"prompt\": \"{nope}\", \"scorers\": [\"yes\"]}", 0, false, false},
    {"{\"id\": \"k\", \"prompt\": \"{w}\", \"axes\": [\"g\", \"g\"], \"scorers\": [\"yes\"]}", 0,
     false, false},
    {"{\"id\": \"l\", \"prompt\": \"p\", \"meta\": 1, \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"n\", \"prompt\": \"p\", \"outcome\": \"nope\", \"scorers\": [\"yes\"]}", 0, false,
     false},
    {"{\"id\": \"o\", \"prompt\": \"p\", \"expected\": \"(\"}", 0, false, false},
    {"{\"id\": \"q\", \"prompt\": \"p\"}", 0, false, false}, /* byexp wants an expected */
    {"{\"id\": \"r\", \"prompt\": \"p\", \"scorers\": [\"yes\"]} x", 1, false, false},
    {"{\"id\": \"s\", \"prompt\": 7, \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"t\", \"scorers\": [\"yes\"]}", 1, false, false},
    {"{\"id\": \"u\", \"prompt\": \"{w}\", \"system\": \"{zz}\", \"scorers\": [\"yes\"]}", 0, false,
     false},
    {"[\"id\", \"v\"]", 1, false, false},
};

static char *tmp_dir(void)
{
        char *d = strdup("/tmp/parity-test-scan-XXXXXX");

        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

/* The folder tmp_dir made, with the two files the tests write (dir freed). */
static void remove_dir(char *dir)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/items.jsonl", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        unlink(path);
        rmdir(dir);
        free(dir);
}

static void write_file(const char *dir, const char *name, const char *a, const char *b,
                       const char *c)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_non_null(f = fopen(path, "w"));
        fputs(a, f);
        fputs(b, f);
        fputs(c, f);
        fclose(f);
}

static int load(const char *dir, struct pa_suite *s, struct pa_err *err)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/suite.json", dir);
        return pa_suite_load(s, path, err);
}

static void same_kind(const struct pa_item_kind *a, const struct pa_item_kind *b)
{
        assert_string_equal(a->domain, b->domain);
        assert_int_equal(a->outcome != NULL, b->outcome != NULL);
        if (a->outcome)
                assert_string_equal(a->outcome, b->outcome);
        assert_int_equal(a->n_axes, b->n_axes);
        assert_memory_equal(a->axes, b->axes, a->n_axes * sizeof(*a->axes));
        assert_int_equal(a->outcome_scorer, b->outcome_scorer);
        assert_int_equal(a->scorer_mask, b->scorer_mask);
        assert_int_equal(a->n_cases, b->n_cases);
        assert_int_equal(a->has_expected, b->has_expected);
}

static void each_line_as_jansson_reads_it(void **state)
{
        struct pa__plain_item p = {0};
        char *dir = tmp_dir();

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                const struct line_case *c = &cases[i];
                struct pa_suite f, in;
                struct pa_err ef = {{0}}, ei = {{0}};
                int rf, ri;

                print_message("line %zu: %s\n", i, c->line);
                assert_int_equal(pa__plain_item_scan(&p, c->line, strlen(c->line)), c->scan);
                write_file(dir, "items.jsonl", c->line, "\n", "");
                write_file(dir, "suite.json", HEAD, "\"items_file\": \"items.jsonl\"}", "");
                rf = load(dir, &f, &ef);
                write_file(dir, "suite.json", HEAD "\"items\": [", c->line, "]}");
                ri = load(dir, &in, &ei);
                assert_int_equal(rf == 0, c->loads);
                assert_int_equal(ri == 0, c->loads && !c->dup);
                if (rf == 0 && ri == 0) {
                        assert_int_equal(f.n_items, 1);
                        assert_int_equal(in.n_items, 1);
                        assert_int_equal(f.n_cases, in.n_cases);
                        assert_int_equal(f.has_messages, in.has_messages);
                        same_kind(pa_suite_kind(&f, 0), pa_suite_kind(&in, 0));
                }
                /* A failed load is released too (pa_suite_load leaves it to the caller). */
                pa_suite_release(&f);
                pa_suite_release(&in);
        }
        pa__plain_item_release(&p);
        remove_dir(dir);
}

/* A refused line is named at its line with jansson's words, and the lines
 * around it, taken by the fast path, count as they would. */
static void refusal_names_the_line(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        char *dir = tmp_dir();

        (void)state;
        write_file(
            dir, "items.jsonl",
            "{\"id\": \"a\", \"prompt\": \"{w}\", \"axes\": [\"g\"], \"scorers\": [\"yes\"]}\n",
            "{\"id\": \"b\", \"prompt\": \"p\", \"axes\": [\"nope\"], \"scorers\": [\"yes\"]}\n",
            "{\"id\": \"a\", \"prompt\": \"p\", \"scorers\": [\"yes\"]}\n");
        write_file(dir, "suite.json", HEAD, "\"items_file\": \"items.jsonl\"}", "");
        assert_int_not_equal(load(dir, &s, &err), 0);
        assert_non_null(strstr(err.msg, "items.jsonl:2: /axes/0: expected the name of an axis"));
        pa_suite_release(&s);
        write_file(
            dir, "items.jsonl",
            "{\"id\": \"a\", \"prompt\": \"{w}\", \"axes\": [\"g\"], \"scorers\": [\"yes\"]}\n",
            "\n{\"id\": \"b\", \"prompt\": \"{v}\", \"axes\": [\"h\"], \"scorers\": [\"yes\"]}\n",
            "{\"id\": \"a\", \"prompt\": \"p\", \"scorers\": [\"yes\"]}\n");
        assert_int_not_equal(load(dir, &s, &err), 0);
        assert_non_null(strstr(err.msg, "items.jsonl:4: /id: 'a' is used by another item"));
        pa_suite_release(&s);
        write_file(
            dir, "items.jsonl",
            "{\"id\": \"a\", \"prompt\": \"{w}\", \"axes\": [\"g\"], \"scorers\": [\"yes\"]}\n",
            "\n{\"id\": \"b\", \"prompt\": \"{v}\", \"axes\": [\"h\"], \"scorers\": [\"yes\"]}\n",
            "");
        assert_int_equal(load(dir, &s, &err), 0);
        assert_int_equal(s.n_items, 2);
        assert_int_equal(s.n_cases, 5);
        assert_int_equal(s.line_at[1], 65);
        pa_suite_release(&s);
        remove_dir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(each_line_as_jansson_reads_it),
            cmocka_unit_test(refusal_names_the_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
