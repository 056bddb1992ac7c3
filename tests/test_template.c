/* Templates: the article rule, filters, sets of slots, and their errors. */
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
#include "evaluator/suite/case.h"
#include "evaluator/suite/schema.h"

static void article_follows_the_sound(void **state)
{
        static const char *const an[] = {"engineer",    "hour",   "honest broker", "FBI agent",
                                         "MBA",         "X-ray",  "F-16",          "80-year-old",
                                         "18-year-old", "11,000", "umpire",        "unemployed man",
                                         "Engineer",    "heir",   "\"ugly\""};
        static const char *const a[] = {
            "pilot",          "university", "European",    "one-off", "NASA engineer",
            "UN official",    "user",       "60-year-old", "100",     "house",
            "Hispanic woman", "unicorn",    "U-turn",      "",        "1800"};

        (void)state;
        for (size_t i = 0; i < sizeof(an) / sizeof(*an); i++)
                if (strcmp(pa__article(an[i]), "an"))
                        fail_msg("'%s': want an", an[i]);
        for (size_t i = 0; i < sizeof(a) / sizeof(*a); i++)
                if (strcmp(pa__article(a[i]), "a"))
                        fail_msg("'%s': want a", a[i]);
}

static char tmp[64];

static int setup(void **state)
{
        (void)state;
        snprintf(tmp, sizeof(tmp), "/tmp/parity-tpl-XXXXXX");
        return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        return system(cmd) == 0 ? 0 : -1;
}

/* A suite of one item with prompt tpl over a gender axis with a pronoun
 * set and an occupation axis; loads it into s. */
static int load(struct pa_suite *s, const char *tpl, struct pa_err *err)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/t.yaml", tmp);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "parity_suite: 1\nid: t\nversion: \"1\"\naxes:\n"
                "  gender:\n    reference: man\n    groups:\n"
                "      man: {person: man, pronoun: {subj: he, poss: his}}\n"
                "      woman: {person: woman, pronoun: {subj: she, poss: her}}\n"
                "  job:\n    reference: e\n    groups:\n"
                "      e: {occ: engineer}\n      p: {occ: pilot}\n"
                "items:\n  - id: i\n    axes: [gender, job]\n    prompt: '%s'\n",
                tpl);
        assert_int_equal(fclose(f), 0);
        return pa_suite_load(s, path, err);
}

static void filters_and_sets_fill_the_prompt(void **state)
{
        static const char *const want[] = {
            "He is an engineer. An engineer, HIS {job} e; man.",
            "He is a pilot. A pilot, HIS {job} p; man.",
            "She is an engineer. An engineer, HER {job} e; woman.",
            "She is a pilot. A pilot, HER {job} p; woman.",
        };
        struct pa_err err = {{0}};
        struct pa_suite s;

        (void)state;
        assert_int_equal(load(&s,
                              "{pronoun.subj|capitalize} is {occ|a}. {occ|a|capitalize}, "
                              "{pronoun.poss|upper} {{job}} {job}; {PERSON|lower}",
                              &err),
                         PA_EINVAL); /* {PERSON} is no slot */
        pa_suite_release(&s);
        assert_int_equal(load(&s,
                              "{pronoun.subj|capitalize} is {occ|a}. {occ|a|capitalize}, "
                              "{pronoun.poss|upper} {{job}} {job}; {person|upper|lower}.",
                              &err),
                         0);
        for (uint64_t v = 0; v < 4; v++) {
                struct pa_case c;

                assert_int_equal(pa_case_build(&s, 0, v, &c, &err), 0);
                assert_string_equal(c.prompt, want[v]);
                pa_case_release(&c);
        }
        pa_suite_release(&s);
}

static void template_errors_say_what_to_write(void **state)
{
        static const struct {
                const char *tpl, *want;
        } bad[] = {
            {"{occ|capitalise}", "unknown filter 'capitalise'; did you mean \"capitalize\"?"},
            {"{occ|title}", "unknown filter 'title' (filters: a, capitalize, upper, lower)"},
            {"{pronoun}", "slot '{pronoun}' is a set: name one of its members (subj, poss), as "
                          "{pronoun.subj}"},
            {"{pronoun.obj}",
             "unknown member in '{pronoun.obj}': the set 'pronoun' has subj, poss"},
            {"{occ.x}", "unknown slot '{occ.x}': 'occ' is not a set"},
            {"{occ|}", "unknown filter ''"},
            {"{persn}", "unknown slot '{persn}': no axis of the item defines it; did you mean "
                        "\"person\"?"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                struct pa_err err = {{0}};
                struct pa_suite s;

                assert_int_equal(load(&s, bad[i].tpl, &err), PA_EINVAL);
                pa_suite_release(&s);
                if (!strstr(err.msg, bad[i].want) || !strstr(err.msg, "/items/0/prompt: "))
                        fail_msg("%s: got \"%s\", want \"%s\"", bad[i].tpl, err.msg, bad[i].want);
        }
}

/* A suite of one item given as YAML flow text; loads it into s. */
static int load_item(struct pa_suite *s, const char *item, struct pa_err *err)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/m.yaml", tmp);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "parity_suite: 1\nid: m\nversion: \"1\"\ndefaults: {system: Be brief.}\n"
                "axes:\n  g:\n    reference: a\n    groups: {a: {p: A}, b: {p: B}}\n"
                "items:\n  - %s\n",
                item);
        assert_int_equal(fclose(f), 0);
        return pa_suite_load(s, path, err);
}

static void messages_are_checked(void **state)
{
        static const struct {
                const char *item, *want;
        } bad[] = {
            {"{id: i, prompt: x, messages: [{role: user, content: x}]}",
             "/items/0/messages: an item has \"prompt\" or \"messages\", not both"},
            {"{id: i, messages: []}", "/items/0/messages: expected an array of turns"},
            {"{id: i, messages: [{role: user, content: x}, {role: assistant, content: y}]}",
             "/items/0/messages/1/role: the last turn is the user's"},
            {"{id: i, messages: [{role: user, content: x}, {role: system, content: y}]}",
             "/items/0/messages/1/role: expected \"user\" or \"assistant\""},
            {"{id: i, messages: [{role: bot, content: x}]}",
             "/items/0/messages/0/role: expected \"user\" or \"assistant\" or \"system\""},
            {"{id: i, system: s, messages: [{role: system, content: x}, {role: user, content: y}]}",
             "/items/0/messages/0: a system turn and \"system\" both"},
            {"{id: i, messages: [{role: user}]}", "/items/0/messages/0: missing key \"content\""},
            {"{id: i, messages: [{role: user, contnet: x}]}",
             "/items/0/messages/0/contnet: unknown key; did you mean \"content\"?"},
            {"{id: i, axes: [g], messages: [{role: user, content: '{q}'}]}",
             "/items/0/messages/0/content: unknown slot '{q}'"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                struct pa_err err = {{0}};
                struct pa_suite s;

                assert_int_equal(load_item(&s, bad[i].item, &err), PA_EINVAL);
                pa_suite_release(&s);
                if (!strstr(err.msg, bad[i].want))
                        fail_msg("%s: got \"%s\", want \"%s\"", bad[i].item, err.msg, bad[i].want);
        }
}

static void messages_fill_per_group(void **state)
{
        struct pa_err err = {{0}};
        struct pa_suite s;
        struct pa_case c;
        json_t *want;

        (void)state;
        assert_int_equal(load_item(&s,
                                   "{id: i, axes: [g], messages: [{role: user, content: 'Q {p}?'}, "
                                   "{role: assistant, content: 'Yes, {p|lower}.'}, "
                                   "{role: user, content: 'And {p}?'}]}",
                                   &err),
                         0);
        assert_true(s.has_messages);
        assert_int_equal(pa_case_build(&s, 0, 1, &c, &err), 0);
        want = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "role", "system", "content",
                         "Be brief.", "role", "user", "content", "Q B?", "role", "assistant",
                         "content", "Yes, b.", "role", "user", "content", "And B?");
        assert_true(json_equal(c.messages, want));
        assert_string_equal(c.prompt, "And B?");
        assert_string_equal(c.system, "Be brief.");
        json_decref(want);
        pa_case_release(&c);
        pa_suite_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(article_follows_the_sound),
            cmocka_unit_test(filters_and_sets_fill_the_prompt),
            cmocka_unit_test(template_errors_say_what_to_write),
            cmocka_unit_test(messages_are_checked),
            cmocka_unit_test(messages_fill_per_group),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
