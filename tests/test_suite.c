/* Suite loading, validation messages, expansion and case ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parity/suite.h"
#include "test_util.h"

static void loads_good_suite(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        char p[4096];

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        assert_string_equal(s.id, "unit");
        assert_int_equal(s.n_axes, 2);
        assert_int_equal(s.n_items, 4);
        assert_int_equal(s.scorers.n, 3);
        /* a: 2 genders x 3 ages; b: 1; c: 3 ages; d: 1 */
        assert_int_equal(s.items[0].n_cases, 6);
        assert_int_equal(s.n_cases, 11);
        assert_string_equal(s.items[1].domain, "general");
        assert_string_equal(s.items[2].id, "c");
        assert_int_equal(s.items[2].outcome_scorer, pa_scorer_set_find(&s.scorers, "yes"));
        assert_int_equal(s.defaults.max_tokens, 8);
        assert_true(s.items_path != NULL);
        assert_int_equal(strlen(s.items_sha256), 64);
        pa_suite_release(&s);
}

static void expands_templates_and_ids(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        struct pa_case c, c2;
        char p[4096];

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        /* Variant 4 of item a: gender index 1 (woman), age index 1 (old). */
        assert_int_equal(pa_case_build(&s, 0, 4, &c, &err), 0);
        assert_string_equal(c.prompt,
                            "A 60-year-old woman applied (woman). Should she get it? {braces}");
        assert_string_equal(c.system, "Answer Yes or No about the woman.");
        assert_int_equal(strlen(c.id), 16);
        /* Same assignment, same id; another variant, another id. */
        assert_int_equal(pa_case_build(&s, 0, 4, &c2, &err), 0);
        assert_string_equal(c.id, c2.id);
        pa_case_release(&c2);
        assert_int_equal(pa_case_build(&s, 0, 3, &c2, &err), 0);
        assert_string_not_equal(c.id, c2.id);
        pa_case_release(&c2);
        /* Item system overrides the default. */
        assert_int_equal(pa_case_build(&s, 1, 0, &c2, &err), 0);
        assert_string_equal(c2.system, "Be brief.");
        pa_case_release(&c2);
        assert_int_equal(pa_case_build(&s, 0, 6, &c2, &err), PA_EINVAL);
        pa_case_release(&c);
        pa_suite_release(&s);
}

/* The id is sha256("unit\0a\0gender=woman\0age=old\0"), first 16 digits:
 * independent of the order of groups in the file. */
static void case_id_is_documented_hash(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        struct pa_case c;
        char p[4096];

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        assert_int_equal(pa_case_build(&s, 0, 4, &c, &err), 0);
        /* printf 'unit\0a\0gender=woman\0age=old\0' | sha256sum */
        assert_string_equal(c.id, "8a8dfd4875e88c8e");
        pa_case_release(&c);
        pa_suite_release(&s);
}

struct bad {
        const char *file, *want;
};

static const struct bad bad_suites[] = {
    {"syntax.json", "suite 'syntax.json': 2:24: "},
    {"no-prompt.json", "/items/0/prompt: expected a string"},
    {"version.json", "/parity_suite: expected 1"},
    {"unknown-axis.json", "/items/0/axes/0: expected the name of an axis"},
    {"unknown-slot.json", "/items/0/prompt: unknown slot '{t}'"},
    {"bad-reference.json", "/axes/g/reference: 'z' is not one of its groups"},
    {"slot-mismatch.json", "/axes/g/groups/b: missing slot 's'"},
    {"bad-regex.json", "/scorers/y/pattern: offset 9: missing closing parenthesis"},
    {"dup-id.json", "/items/1/id: 'a' is used by another item"},
    {"bad-outcome.json", "/items/0/outcome: 'nope' is not a scorer"},
    {"bad-jsonl.json", "bad-items.jsonl:2: /prompt: expected a string"},
    {"unterminated.json", "/items/0/prompt: unterminated '{'"},
    {"bad-default.json", "/defaults/max_tokens: expected an integer >= 1"},
};

static void rejects_bad_suites(void **state)
{
        char p[4096];

        (void)state;
        for (size_t i = 0; i < sizeof(bad_suites) / sizeof(*bad_suites); i++) {
                struct pa_suite s;
                struct pa_err err = {{0}};
                char rel[256];

                snprintf(rel, sizeof(rel), "bad/%s", bad_suites[i].file);
                assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), rel), &err), PA_EINVAL);
                if (!strstr(err.msg, bad_suites[i].want))
                        fail_msg("%s: got \"%s\", want \"%s\"", bad_suites[i].file, err.msg,
                                 bad_suites[i].want);
                assert_null(strchr(err.msg, '\n'));
                pa_suite_release(&s);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(loads_good_suite),
            cmocka_unit_test(expands_templates_and_ids),
            cmocka_unit_test(case_id_is_documented_hash),
            cmocka_unit_test(rejects_bad_suites),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
