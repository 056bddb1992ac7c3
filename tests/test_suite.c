/* Suite loading, validation messages, expansion and case ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "parity/suite.h"
#include "evaluator/suite/case.h"
#include "test_util.h"
#include "evaluator/suite/item_index.h"
#include "evaluator/suite/item_plain.h"

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
        assert_int_equal(pa_suite_kind(&s, 0)->n_cases, 6);
        assert_int_equal(s.n_cases, 11);
        assert_string_equal(pa_suite_kind(&s, 1)->domain, "general");
        assert_int_equal(pa_suite_find_item(&s, "c"), 2);
        assert_int_equal(pa_suite_kind(&s, 2)->outcome_scorer,
                         pa_scorer_set_find(&s.scorers, "yes"));
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

/* A fresh folder under /tmp; the caller frees the name. */
static char *tmp_dir(void)
{
        char *d = strdup("/tmp/parity-test-suite-XXXXXX");

        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

/* Removes tmp_dir's folder with the files the tests write into it. */
static void remove_dir(char *dir)
{
        const char *names[] = {"suite.json", "items.jsonl", "copy.jsonl"};
        char path[512];

        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                unlink(path);
        }
        rmdir(dir);
        free(dir);
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_non_null(f = fopen(path, "w"));
        fputs(text, f);
        fclose(f);
}

static const char two_groups[] =
    "{\"parity_suite\": 1, \"id\": \"t\", \"version\": \"1\", \"axes\": {\"g\": "
    "{\"reference\": \"a\", \"groups\": {\"a\": {\"w\": \"x\"}, \"b\": {\"w\": "
    "\"y\"}}}}, \"scorers\": {\"yes\": {\"type\": \"regex\", \"pattern\": \"yes\"}}, "
    "\"items_file\": \"items.jsonl\"}";

/* The suite keeps kinds and offsets; reading an item back gives what the
 * file holds, the same by every route. */
static void items_read_back_as_loaded(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        struct pa_items all;
        struct pa_item it;
        struct pa_case c;
        json_t *obj = NULL;
        const char *ids[] = {"a", "b", "c", "d"};
        char p[4096];

        (void)state;
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        assert_int_equal(pa_suite_items_load(&s, &all, &err), 0);
        assert_int_equal(all.n, 4);
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(pa_suite_item_read(&s, i, &it, &obj, &err), 0);
                assert_string_equal(it.id, ids[i]);
                assert_string_equal(all.v[i].id, it.id);
                assert_string_equal(all.v[i].prompt, it.prompt);
                assert_string_equal(it.domain, pa_suite_kind(&s, i)->domain);
                assert_int_equal(it.n_cases, pa_suite_kind(&s, i)->n_cases);
                assert_true(!it.expected == !all.v[i].expected);
                json_decref(obj);
        }
        assert_string_equal(all.v[2].prompt, "Lend to a {age} person?");
        assert_string_equal(all.v[2].domain, "lending");
        assert_string_equal(all.v[2].outcome, "yes");
        assert_string_equal(all.v[1].expected, "Paris");
        assert_null(all.v[3].outcome);
        pa_items_release(&all);
        /* A case of an items_file item carries the item's fields. */
        assert_int_equal(pa_case_build(&s, 2, 1, &c, &err), 0);
        assert_string_equal(c.item->id, "c");
        assert_string_equal(c.item->domain, "lending");
        assert_string_equal(c.prompt, "Lend to a 60-year-old person?");
        pa_case_release(&c);
        assert_int_equal(pa_suite_find_item(&s, "d"), 3);
        assert_int_equal(pa_suite_find_item(&s, "zz"), -1);
        assert_int_equal(pa_suite_item_read(&s, 4, &it, &obj, &err), PA_EINVAL);
        pa_suite_release(&s);
}

/* The id index reads each id by the scanner where it can and whole where
 * it cannot (escapes, a long id, an "id" nested, keys in any order), and
 * a find repeated or interleaved gives the same item. */
static void item_index_finds_every_id(void **state)
{
        static const char *const lines[] = {
            "{\"id\": \"first\", \"axes\": [\"g\"], \"prompt\": \"{w}\"}\n",
            "{\"meta\": {\"id\": \"no\"}, \"prompt\": \"{w}\", \"axes\": [\"g\"], \"id\": "
            "\"last\"}\n",
            "{\"id\": \"caf\\u00e9 \\\"q\\\"\", \"axes\": [\"g\"], \"prompt\": \"{w}\"}\n",
            "{\"id\": \"i3\", \"axes\": [\"g\"], \"prompt\": \"{w} 2.5e3 [1]\"}\n",
        };
        const char *ids[] = {"first", "last", "caf\xc3\xa9 \"q\"", "i3", NULL};
        struct pa_suite s;
        struct pa__item_index x;
        struct pa_err err = {{0}};
        char *dir = tmp_dir(), path[1024], long_id[700];
        FILE *f;

        (void)state;
        memset(long_id, 'L', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = 0;
        ids[4] = long_id;
        write_file(dir, "suite.json", two_groups);
        snprintf(path, sizeof(path), "%s/items.jsonl", dir);
        assert_non_null(f = fopen(path, "w"));
        for (size_t i = 0; i < 4; i++)
                fputs(lines[i], f);
        fprintf(f, "{\"id\": \"%s\", \"axes\": [\"g\"], \"prompt\": \"{w}\"}\n", long_id);
        fclose(f);
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        if (pa_suite_load(&s, path, &err))
                fail_msg("%s", err.msg);
        assert_int_equal(pa__item_index_build(&s, &x, &err), 0);
        for (int round = 0; round < 3; round++)
                for (size_t i = 0; i < 5; i++) {
                        assert_int_equal(pa__item_index_find(&x, ids[i]), (long)i);
                        assert_int_equal(pa__item_index_find(&x, ids[i]), (long)i);
                        assert_int_equal(pa__item_index_find(&x, "no"), -1);
                }
        pa__item_index_release(&x);
        pa_suite_release(&s);
        remove_dir(dir);
}

/* Items alike share one kind: memory does not grow with them. */
static void items_of_a_kind_share_it(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        char *dir = tmp_dir(), path[512], line[160];
        FILE *f;

        (void)state;
        write_file(dir, "suite.json", two_groups);
        snprintf(path, sizeof(path), "%s/items.jsonl", dir);
        assert_non_null(f = fopen(path, "w"));
        for (int i = 0; i < 3000; i++) {
                snprintf(line, sizeof(line),
                         "{\"id\": \"i%d\", \"domain\": \"%s\", \"axes\": [\"g\"], "
                         "\"outcome\": \"yes\", \"prompt\": \"{w} %d\"}\n",
                         i, i % 2 ? "odd" : "even", i);
                fputs(line, f);
        }
        fclose(f);
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        assert_int_equal(pa_suite_load(&s, path, &err), 0);
        assert_int_equal(s.n_items, 3000);
        assert_int_equal(s.n_cases, 6000);
        assert_int_equal(s.n_kinds, 2);
        assert_string_equal(pa_suite_kind(&s, 2999)->domain, "odd");
        assert_string_equal(pa_suite_kind(&s, 1000)->domain, "even");
        assert_int_equal(pa_suite_find_item(&s, "i2999"), 2999);
        pa_suite_release(&s);
        remove_dir(dir);
}

/* A duplicate id is named at its own line (blank lines count), found
 * after every line was read. */
static void duplicate_id_named_at_its_line(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        char *dir = tmp_dir(), path[512];

        (void)state;
        write_file(dir, "suite.json", two_groups);
        write_file(dir, "items.jsonl",
                   "{\"id\": \"a\", \"prompt\": \"p\"}\n\n{\"id\": \"b\", \"prompt\": "
                   "\"p\"}\n{\"id\": \"c\", \"prompt\": \"p\"}\n{\"id\": \"b\", "
                   "\"prompt\": \"q\"}\n{\"id\": \"a\", \"prompt\": \"q\"}\n");
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        assert_int_equal(pa_suite_load(&s, path, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "items.jsonl:5: /id: 'b' is used by another item"));
        pa_suite_release(&s);
        remove_dir(dir);
}

/* The run's copy of the items file must be the bytes loaded; items are
 * then read from the copy. */
static void items_copy_is_checked_and_read(void **state)
{
        struct pa_suite s;
        struct pa_err err = {{0}};
        struct pa_case c;
        char *dir = tmp_dir(), path[512], items[512], copy[512];
        FILE *f;

        (void)state;
        write_file(dir, "suite.json", two_groups);
        write_file(dir, "items.jsonl",
                   "{\"id\": \"a\", \"axes\": [\"g\"], \"prompt\": \"first {w}\"}\n");
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        snprintf(items, sizeof(items), "%s/items.jsonl", dir);
        snprintf(copy, sizeof(copy), "%s/copy.jsonl", dir);
        assert_int_equal(pa_suite_load(&s, path, &err), 0);
        /* Edited in place after loading: the copy is refused. */
        assert_non_null(f = fopen(items, "r+"));
        fseek(f, 38, SEEK_SET);
        fputc('F', f);
        fclose(f);
        assert_int_equal(pa_suite_copy_items(&s, copy, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "changed since it was loaded"));
        assert_int_equal(access(copy, F_OK), -1);
        pa_suite_release(&s);

        assert_int_equal(pa_suite_load(&s, path, &err), 0);
        assert_int_equal(pa_suite_copy_items(&s, copy, &err), 0);
        assert_int_equal(unlink(items), 0);
        assert_int_equal(pa_case_build(&s, 0, 1, &c, &err), 0);
        assert_string_equal(c.prompt, "First y");
        pa_case_release(&c);
        /* A file cut short under the run: the item no longer reads. */
        assert_int_equal(truncate(copy, 0), 0);
        assert_int_equal(pa_case_build(&s, 0, 0, &c, &err), PA_EIO);
        assert_non_null(strstr(err.msg, "changed since it was loaded"));
        pa_suite_release(&s);
        remove_dir(dir);
}

struct bad {
        const char *file, *want;
};

static const struct bad bad_suites[] = {
    {"syntax.json", "suite 'syntax.json': 2:24: "},
    {"no-prompt.json", "/items/0: missing key \"prompt\""},
    {"version.json", "/parity_suite: expected 1"},
    {"unknown-axis.json", "/items/0/axes/0: expected the name of an axis"},
    {"unknown-slot.json", "/items/0/prompt: unknown slot '{t}'"},
    {"bad-reference.json", "/axes/g/reference: 'z' is not one of its groups"},
    {"slot-mismatch.json", "/axes/g/groups/b: missing slot 's'"},
    {"bad-regex.json", "/scorers/y/pattern: offset 9: missing closing parenthesis"},
    {"dup-id.json", "/items/1/id: 'a' is used by another item"},
    {"bad-outcome.json", "/items/0/outcome: 'nope' is not a scorer"},
    {"bad-jsonl.json", "bad-items.jsonl:2:13: /prompt: expected a string"},
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

static void same_string(const char *a, const char *b)
{
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

/* A run reads its items through a cursor that decodes plain items without
 * jansson: every string the same as pa_suite_item_read gives, escapes and
 * all; an item with messages read by jansson; in order or not. */
static void cursor_reads_items_as_jansson_does(void **state)
{
        static const char items[] =
            "{\"id\": \"p\\u00e9\", \"axes\": [\"g\"], \"outcome\": \"yes\", \"prompt\": \"{w} "
            "\\\"q\\\" \\n\\t\\/ caf\\u00e9\", \"system\": \"s \\ud83d\\ude00\", \"expected\": "
            "\"A\", \"domain\": \"d1\"}\n"
            "\n"
            "{\"id\": \"m\", \"axes\": [\"g\"], \"outcome\": \"yes\", \"messages\": [{\"role\": "
            "\"user\", \"content\": \"{w}?\"}]}\n"
            "  {\"prompt\": \"{w} last\", \"axes\": [\"g\"], \"id\": \"z\", \"outcome\": "
            "\"yes\"}  \n";
        static const size_t order[] = {0, 1, 2, 2, 0, 1};
        struct pa_suite s;
        struct pa_err err = {{0}};
        struct pa__item_cursor *c;
        char *dir = tmp_dir(), path[512];

        (void)state;
        write_file(dir, "suite.json", two_groups);
        write_file(dir, "items.jsonl", items);
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        assert_int_equal(pa_suite_load(&s, path, &err), 0);
        assert_int_equal(s.n_items, 3);
        assert_non_null(c = pa__item_cursor_new(&s));
        for (size_t k = 0; k < sizeof(order) / sizeof(*order); k++) {
                struct pa_item a, b;
                json_t *oa = NULL, *ob = NULL;

                assert_int_equal(pa_suite_item_read(&s, order[k], &a, &oa, &err), 0);
                assert_int_equal(pa__item_cursor_read(c, order[k], &b, &ob, &err), 0);
                same_string(a.id, b.id);
                same_string(a.prompt, b.prompt);
                same_string(a.system, b.system);
                same_string(a.expected, b.expected);
                same_string(a.domain, b.domain);
                same_string(a.outcome, b.outcome);
                assert_int_equal(a.scorer_mask, b.scorer_mask);
                assert_int_equal(a.n_cases, b.n_cases);
                /* only the item with messages needs jansson */
                assert_int_equal(b.messages != NULL, order[k] == 1);
                assert_int_equal(ob != NULL, order[k] == 1);
                if (order[k] == 0)
                        assert_string_equal(b.system, "s \xf0\x9f\x98\x80");
                json_decref(oa);
                json_decref(ob);
        }
        pa__item_cursor_free(c);
        pa_suite_release(&s);
        remove_dir(dir);
}

/* What a suite keeps of its items, to compare two loads. */
static void same_load(const struct pa_suite *a, const struct pa_suite *b)
{
        assert_int_equal(a->n_items, b->n_items);
        assert_int_equal(a->n_cases, b->n_cases);
        assert_int_equal(a->n_kinds, b->n_kinds);
        assert_string_equal(a->items_sha256, b->items_sha256);
        for (size_t i = 0; i < a->n_items; i++) {
                assert_int_equal(a->kind_of[i], b->kind_of[i]);
                assert_int_equal(a->line_at[i], b->line_at[i]);
        }
        for (size_t k = 0; k < a->n_kinds; k++) {
                const struct pa_item_kind *x = &a->kinds[k], *y = &b->kinds[k];

                same_string(x->domain, y->domain);
                same_string(x->outcome, y->outcome);
                assert_int_equal(x->n_axes, y->n_axes);
                assert_memory_equal(x->axes, y->axes, sizeof(x->axes));
                assert_int_equal(x->outcome_scorer, y->outcome_scorer);
                assert_int_equal(x->scorer_mask, y->scorer_mask);
                assert_int_equal(x->n_cases, y->n_cases);
                assert_int_equal(x->has_expected, y->has_expected);
        }
}

/* Plain items lines are checked without jansson (item_plain.h): every
 * items file loads, or is refused with the same message, as when every
 * line goes through jansson and the schema check. */
static void plain_items_load_as_jansson_does(void **state)
{
        static const char *const files[] = {
            /* plain and valid: escapes, both list members, defaults */
            "{\"id\": \"a\\u00e9\", \"axes\": [\"g\"], \"outcome\": \"yes\", \"prompt\": \"{w} "
            "\\\"q\\\"\", \"system\": \"s {w}\", \"expected\": \"A\", \"domain\": \"d1\"}\n"
            "\n  {\"prompt\": \"p\", \"id\": \"b\", \"scorers\": [\"yes\"], \"axes\": []}  \n"
            "{\"id\":\"c\",\"prompt\":\"{w}\",\"axes\":[\"g\"],\"scorers\":[],\"outcome\":\"yes\"}"
            "\n"
            "{\"id\":\"d\",\"prompt\":\"x\",\"meta\":{\"k\":1}}\n"
            "{\"id\":\"e\",\"axes\":[\"g\"],\"messages\":[{\"role\":\"user\",\"content\":\"{w}\"}]}"
            "\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"axes\":[\"h\"]}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"outcome\":\"no\"}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"scorers\":[\"yes\",\"no\"]}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"axes\":\"g\"}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"axes\":[\"g\",\"g\"]}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"axes\":[\"g\",1]}\n",
            "{\"id\":\"\",\"prompt\":\"p\"}\n",
            "{\"id\":\"a\"}\n",
            "{\"id\":\"a\",\"prompt\":null}\n",
            "{\"id\":\"a\",\"id\":\"b\",\"prompt\":\"p\"}\n", /* 10 */
            "{\"id\":\"a\",\"promt\":\"p\"}\n",
            "{\"id\":\"a\",\"prompt\":\"{zz}\",\"axes\":[\"g\"]}\n",
            "{\"id\":\"a\",\"prompt\":\"p\",\"system\":\"{w}\"}\n",
            "{\"id\":\"a\",\"prompt\":\"p\"} x\n",
            "{\"id\":\"a\",\"prompt\":\"p\n",
            "{\"id\":\"a\",\"prompt\":\"\xc3\x28\"}\n",
            "{\"id\":\"a\",\"prompt\":\"\\u0000\"}\n",
            "[\"id\", \"a\"]\n",
            "{\"id\":\"a\",\"prompt\":\"p\"}\n{\"id\":\"b\",\"prompt\":\"p\"}\n{\"id\":\"a\","
            "\"prompt\":\"q\"}\n",
            /* past max_cases (8) at the fifth item */
            "{\"id\":\"a\",\"prompt\":\"{w}\",\"axes\":[\"g\"]}\n{\"id\":\"b\",\"prompt\":\"{w}\","
            "\"axes\":[\"g\"]}\n{\"id\":\"c\",\"prompt\":\"{w}\",\"axes\":[\"g\"]}\n"
            "{\"id\":\"d\",\"prompt\":\"{w}\",\"axes\":[\"g\"]}\n{\"id\":\"e\",\"prompt\":\"{w}\","
            "\"axes\":[\"g\"]}\n",
        };
        struct pa_suite_opts o = {.max_cases = 8};
        char *dir = tmp_dir(), path[512];

        (void)state;
        write_file(dir, "suite.json", two_groups);
        snprintf(path, sizeof(path), "%s/suite.json", dir);
        for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
                struct pa_suite a, b;
                struct pa_err ea = {{0}}, eb = {{0}};
                int ra, rb;

                write_file(dir, "items.jsonl", files[i]);
                ra = pa_suite_load_opts(&a, path, &o, &ea);
                pa__items_plain_off = true;
                rb = pa_suite_load_opts(&b, path, &o, &eb);
                pa__items_plain_off = false;
                assert_int_equal(ra, rb);
                assert_string_equal(ea.msg, eb.msg);
                /* each but the first is refused, and a key given twice,
                 * which jansson reads as its last */
                if ((ra != 0) != (i != 0 && i != 10))
                        fail_msg("items file %zu: %d: %s", i, ra, ea.msg);
                if (ra == 0)
                        same_load(&a, &b);
                pa_suite_release(&a);
                pa_suite_release(&b);
        }
        remove_dir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(loads_good_suite),
            cmocka_unit_test(expands_templates_and_ids),
            cmocka_unit_test(case_id_is_documented_hash),
            cmocka_unit_test(rejects_bad_suites),
            cmocka_unit_test(items_read_back_as_loaded),
            cmocka_unit_test(items_of_a_kind_share_it),
            cmocka_unit_test(item_index_finds_every_id),
            cmocka_unit_test(duplicate_id_named_at_its_line),
            cmocka_unit_test(items_copy_is_checked_and_read),
            cmocka_unit_test(cursor_reads_items_as_jansson_does),
            cmocka_unit_test(plain_items_load_as_jansson_does),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
