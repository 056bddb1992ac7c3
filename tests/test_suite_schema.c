/* Strict suite validation (unknown and missing keys, every error in one
 * pass, placed at line and column) and YAML suites. */
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
#include "evaluator/suite/schema.h"

static char tmpdir[64];

static int setup(void **state)
{
        (void)state;
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/parity-schema-XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name; the path in buf. */
static const char *put(char *buf, size_t n, const char *name, const char *text)
{
        FILE *f;

        snprintf(buf, n, "%s/%s", tmpdir, name);
        f = fopen(buf, "w");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static size_t count_lines(const char *s)
{
        size_t n = 1;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void did_you_mean_finds_slips(void **state)
{
        static const char *const keys[] = {"system",     "temperature", "top_p",
                                           "max_tokens", "prompt",      "stop"};
        const size_t n = sizeof(keys) / sizeof(*keys);

        (void)state;
        assert_string_equal(pa__did_you_mean("temprature", keys, n), "temperature");
        assert_string_equal(pa__did_you_mean("promt", keys, n), "prompt");
        assert_string_equal(pa__did_you_mean("pormpt", keys, n), "prompt"); /* a swap is one */
        assert_string_equal(pa__did_you_mean("max_token", keys, n), "max_tokens");
        assert_null(pa__did_you_mean("colour", keys, n));
        assert_null(pa__did_you_mean("st", keys, n)); /* 2 edits of 4 letters: a guess */
}

static const char many_errors[] =
    "{\"parity_suite\": 1, \"id\": \"x\", \"version\": \"1\",\n"
    " \"defaults\": {\"temprature\": 0, \"max_tokens\": \"8\"},\n"
    " \"axes\": {\"g\": {\"reference\": \"a\", \"groups\": {\"a\": {\"p\": \"A\"}, \"b\": "
    "{\"p\": \"B\"}}}},\n"
    " \"items\": [{\"id\": \"i1\", \"promt\": \"hi {p}\", \"axes\": [\"g\"]},\n"
    "           {\"id\": \"i2\", \"axes\": [\"g\"]},\n"
    "           {\"id\": \"i3\", \"prompt\": \"x\", \"colour\": 1}]}\n";

static void every_error_in_one_pass(void **state)
{
        char p[256], want[512];
        struct pa_suite s;
        struct pa_err err = {{0}};

        (void)state;
        put(p, sizeof(p), "many.json", many_errors);
        assert_int_equal(pa_suite_load(&s, p, &err), PA_EINVAL);
        pa_suite_release(&s);
        assert_int_equal(count_lines(err.msg), 5);
        snprintf(want, sizeof(want),
                 "%s:2:15: /defaults/temprature: unknown key; did you mean \"temperature\"?", p);
        assert_non_null(strstr(err.msg, want));
        snprintf(want, sizeof(want), "%s:2:32: /defaults/max_tokens: expected an integer", p);
        assert_non_null(strstr(err.msg, want));
        /* "promt" is explained as a slip, not also as a missing "prompt". */
        snprintf(want, sizeof(want),
                 "%s:4:25: /items/0/promt: unknown key; did you mean \"prompt\"?", p);
        assert_non_null(strstr(err.msg, want));
        assert_null(strstr(err.msg, "/items/0: missing"));
        snprintf(want, sizeof(want), "%s:5:12: /items/1: missing key \"prompt\"", p);
        assert_non_null(strstr(err.msg, want));
        assert_non_null(strstr(err.msg, "/items/2/colour: unknown key; the keys here are \"id\""));
}

static void item_errors_are_all_reported(void **state)
{
        char p[256];
        struct pa_suite s;
        struct pa_err err = {{0}};

        (void)state;
        put(p, sizeof(p), "items.json",
            "{\"parity_suite\": 1, \"id\": \"x\", \"version\": \"1\",\n"
            " \"axes\": {\"g\": {\"reference\": \"a\", \"groups\": {\"a\": {\"p\": \"A\"}, \"b\": "
            "{\"p\": \"B\"}}}},\n"
            " \"items\": [{\"id\": \"i1\", \"prompt\": \"{q}\", \"axes\": [\"g\"]},\n"
            "           {\"id\": \"i2\", \"prompt\": \"x\", \"axes\": [\"h\"]},\n"
            "           {\"id\": \"i3\", \"prompt\": \"ok {p}\", \"axes\": [\"g\"]}]}\n");
        assert_int_equal(pa_suite_load(&s, p, &err), PA_EINVAL);
        pa_suite_release(&s);
        assert_int_equal(count_lines(err.msg), 2);
        assert_non_null(strstr(err.msg, ":3:25: /items/0/prompt: unknown slot '{q}'"));
        assert_non_null(strstr(err.msg, ":4:49: /items/1/axes/0: expected the name of an axis"));
}

static void errors_past_the_cap_are_counted(void **state)
{
        char p[256];
        struct pa_buf b;
        struct pa_suite s;
        struct pa_err err = {{0}};

        (void)state;
        pa__buf_init(&b, 1 << 20);
        static const char head[] = "{\"parity_suite\": 1, \"id\": \"x\", \"version\": \"1\", "
                                   "\"items\": [";

        assert_int_equal(pa__buf_add(&b, head, strlen(head)), 0);
        for (int i = 0; i < 30; i++) {
                char item[64];
                int n = snprintf(item, sizeof(item), "%s{\"id\": \"i%d\", \"promptt\": \"x\"}",
                                 i ? "," : "", i);

                assert_int_equal(pa__buf_add(&b, item, (size_t)n), 0);
        }
        assert_int_equal(pa__buf_add(&b, "]}", 3), 0);
        put(p, sizeof(p), "cap.json", b.p);
        pa__buf_release(&b);
        assert_int_equal(pa_suite_load(&s, p, &err), PA_EINVAL);
        pa_suite_release(&s);
        assert_int_equal(count_lines(err.msg), PA_SUITE_MAX_ERRORS + 1);
        assert_non_null(strstr(err.msg, "10 more errors not shown"));
}

static void json_pointers_are_located(void **state)
{
        static const char text[] = "{\"a\": [1, {\"b~c\": 2, \"d/e\": [true, \"x\\\"y\"]}],\n"
                                   "  \"f\\u0067\": {}}";
        int line, col;

        (void)state;
        assert_int_equal(pa__json_locate(text, strlen(text), "", &line, &col), 0);
        assert_int_equal(line * 100 + col, 101);
        assert_int_equal(pa__json_locate(text, strlen(text), "/a/1/b~0c", &line, &col), 0);
        assert_int_equal(col, 12);
        assert_int_equal(pa__json_locate(text, strlen(text), "/a/1/d~1e/1", &line, &col), 0);
        assert_int_equal(col, 36);
        assert_int_equal(pa__json_locate(text, strlen(text), "/fg", &line, &col), 0);
        assert_int_equal(line * 100 + col, 203);
        assert_int_equal(pa__json_locate(text, strlen(text), "/a/2", &line, &col), -1);
        assert_int_equal(pa__json_locate(text, strlen(text), "/z", &line, &col), -1);
}

static void yaml_reads_as_json_would(void **state)
{
        static const char y[] = "a: 1\n"
                                "b: -2.5e1\n"
                                "c: [true, false, null, ~, '', \"7\", 1.0.0, yes, 0x1f]\n"
                                "d: |\n"
                                "  two\n"
                                "  lines\n"
                                "e: {f: ^\\W*yes\\b}\n";
        json_t *got = NULL,
               *want = json_loads(
                   "{\"a\": 1, \"b\": -25.0, \"c\": [true, false, null, null, "
                   "\"\", \"7\", \"1.0.0\", \"yes\", \"0x1f\"], \"d\": \"two\\nlines\\n\", "
                   "\"e\": {\"f\": \"^\\\\W*yes\\\\b\"}}",
                   0, NULL);
        struct pa_err err = {{0}};

        (void)state;
        assert_int_equal(pa__yaml_parse(y, strlen(y), "t", &got, &err), 0);
        assert_true(json_equal(got, want));
        json_decref(got);
        json_decref(want);
}

static void yaml_refuses_what_json_cannot_say(void **state)
{
        static const struct {
                const char *text, *want;
        } bad[] = {
            {"a: &x [1]\nb: *x\n", "1:4: anchors (&name) are not supported"},
            {"a: *x\n", "aliases"},
            {"a: !!str 1\n", "1:4: tags (!name) are not supported"},
            {"a: 1\nb: 2\na: 3\n", "3:1: duplicate key \"a\""},
            {"a: 1\n---\nb: 2\n", "expected one document"},
            {"a: .inf\n", "infinity and NaN"},
            {"a: 99999999999999999999\n", "an integer out of range"},
            {"? [1]\n: 2\n", "a key must be a string"},
            {"a: [1\n", "2:1: "},
            {"", "expected a YAML document"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                struct pa_err err = {{0}};
                json_t *got = NULL;

                assert_int_equal(pa__yaml_parse(bad[i].text, strlen(bad[i].text), "t", &got, &err),
                                 PA_EINVAL);
                assert_null(got);
                if (!strstr(err.msg, bad[i].want))
                        fail_msg("%zu: got \"%s\", want \"%s\"", i, err.msg, bad[i].want);
        }
}

static void yaml_suites_errors_are_located(void **state)
{
        char p[256], want[512];
        struct pa_suite s;
        struct pa_err err = {{0}};

        (void)state;
        put(p, sizeof(p), "s.yaml",
            "parity_suite: 1\n"
            "id: y\n"
            "version: 1.0\n"
            "defaults:\n"
            "  temprature: 0\n"
            "items:\n"
            "  - id: a\n"
            "    promt: hi\n"
            "  - {id: b, prompt: x}\n"
            "  - id: c\n");
        assert_int_equal(pa_suite_load(&s, p, &err), PA_EINVAL);
        pa_suite_release(&s);
        assert_int_equal(count_lines(err.msg), 4);
        snprintf(want, sizeof(want), "%s:3:1: /version: expected a string (in YAML, quote", p);
        assert_non_null(strstr(err.msg, want));
        snprintf(want, sizeof(want), "%s:5:3: /defaults/temprature: unknown key; did you mean", p);
        assert_non_null(strstr(err.msg, want));
        snprintf(want, sizeof(want), "%s:8:5: /items/0/promt: unknown key", p);
        assert_non_null(strstr(err.msg, want));
        snprintf(want, sizeof(want), "%s:10:5: /items/2: missing key \"prompt\"", p);
        assert_non_null(strstr(err.msg, want));
}

static void yaml_suite_expands_like_its_json(void **state)
{
        char pj[256], py[256];
        struct pa_suite a, b;
        struct pa_err err = {{0}};

        (void)state;
        put(pj, sizeof(pj), "j.json",
            "{\"parity_suite\": 1, \"id\": \"j\", \"version\": \"1\",\n"
            " \"axes\": {\"g\": {\"reference\": \"a\", \"groups\": {\"a\": {\"p\": \"A\"}, \"b\": "
            "{\"p\": \"B\"}}}},\n"
            " \"scorers\": {\"y\": {\"type\": \"regex\", \"pattern\": \"^\\\\W*yes\\\\b\"}},\n"
            " \"items\": [{\"id\": \"i\", \"prompt\": \"Is {p} ok?\\nSay.\", \"axes\": [\"g\"], "
            "\"outcome\": \"y\"}]}\n");
        assert_int_equal(pa_suite_load(&a, pj, &err), 0);
        snprintf(py, sizeof(py), "%s/j.yaml", tmpdir);
        assert_int_equal(pa__suite_convert(a.root, py, &err), 0);
        assert_int_equal(pa_suite_load(&b, py, &err), 0);
        assert_true(json_equal(a.root, b.root));
        for (uint64_t v = 0; v < 2; v++) {
                struct pa_case ca, cb;

                assert_int_equal(pa_case_build(&a, 0, v, &ca, &err), 0);
                assert_int_equal(pa_case_build(&b, 0, v, &cb, &err), 0);
                assert_string_equal(ca.prompt, cb.prompt);
                assert_string_equal(ca.id, cb.id);
                pa_case_release(&ca);
                pa_case_release(&cb);
        }
        pa_suite_release(&a);
        pa_suite_release(&b);
}

static void yaml_pointers_are_located(void **state)
{
        static const char y[] = "a:\n  - 1\n  - b: 2\n    c~d: [x, {e: 3}]\nf: {g: 1}\n";
        int line, col;

        (void)state;
        assert_int_equal(pa__yaml_locate(y, strlen(y), "/a/1/c~0d", &line, &col), 0);
        assert_int_equal(line * 100 + col, 405);
        assert_int_equal(pa__yaml_locate(y, strlen(y), "/a/1/c~0d/1/e", &line, &col), 0);
        assert_int_equal(line * 100 + col, 415);
        assert_int_equal(pa__yaml_locate(y, strlen(y), "/a/0", &line, &col), 0);
        assert_int_equal(line * 100 + col, 205);
        assert_int_equal(pa__yaml_locate(y, strlen(y), "/f/g", &line, &col), 0);
        assert_int_equal(line * 100 + col, 505);
        assert_int_equal(pa__yaml_locate(y, strlen(y), "/a/2", &line, &col), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(did_you_mean_finds_slips),
            cmocka_unit_test(every_error_in_one_pass),
            cmocka_unit_test(item_errors_are_all_reported),
            cmocka_unit_test(errors_past_the_cap_are_counted),
            cmocka_unit_test(json_pointers_are_located),
            cmocka_unit_test(yaml_reads_as_json_would),
            cmocka_unit_test(yaml_refuses_what_json_cannot_say),
            cmocka_unit_test(yaml_suites_errors_are_located),
            cmocka_unit_test(yaml_suite_expands_like_its_json),
            cmocka_unit_test(yaml_pointers_are_located),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
