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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(did_you_mean_finds_slips),
            cmocka_unit_test(every_error_in_one_pass),
            cmocka_unit_test(item_errors_are_all_reported),
            cmocka_unit_test(errors_past_the_cap_are_counted),
            cmocka_unit_test(json_pointers_are_located),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
