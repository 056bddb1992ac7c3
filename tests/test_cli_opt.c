/* The did-you-mean of mistyped options and commands (evaluator/cli/opt.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "evaluator/cli/cmd.h"
#include "evaluator/cli/opt.h"

/* main.c's pa__fail, which opt.c prints through: kept here to be read. */
static char said[1024];

int pa__fail(const char *msg)
{
        snprintf(said, sizeof(said), "%s", msg);
        return 2;
}

static const char *const run_names[] = {"engine", "base-url", "model",       "samples", "seed",
                                        "stop",   "system",   "concurrency", "timeout", "out"};
#define N_RUN (sizeof(run_names) / sizeof(run_names[0]))

static void closest_finds_typos(void **state)
{
        (void)state;
        /* a swapped pair is one edit */
        assert_string_equal(pa__closest("enigne", run_names, N_RUN), "engine");
        assert_string_equal(pa__closest("base-lur", run_names, N_RUN), "base-url");
        assert_string_equal(pa__closest("concurency", run_names, N_RUN), "concurrency");
        assert_string_equal(pa__closest("samplez", run_names, N_RUN), "samples");
        /* case does not count */
        assert_string_equal(pa__closest("MODEL", run_names, N_RUN), "model");
        /* a short word allows one edit only */
        assert_string_equal(pa__closest("ot", run_names, N_RUN), "out");
        assert_null(pa__closest("xy", run_names, N_RUN));
}

static void closest_refuses_strangers(void **state)
{
        (void)state;
        assert_null(pa__closest("temperature", run_names, N_RUN));
        assert_null(pa__closest("zzzzzz", run_names, N_RUN));
        assert_null(pa__closest("", run_names, N_RUN));
        assert_null(pa__closest("engine", run_names, 0));
        /* longer than any name it compares: never close, never a crash */
        char longword[200];
        memset(longword, 'e', sizeof(longword) - 1);
        longword[sizeof(longword) - 1] = '\0';
        assert_null(pa__closest(longword, run_names, N_RUN));
}

static void closest_takes_a_beginning(void **state)
{
        (void)state;
        /* "conc" is 7 edits from "concurrency" but begins it */
        assert_string_equal(pa__closest("conc", run_names, N_RUN), "concurrency");
        assert_string_equal(pa__closest("time", run_names, N_RUN), "timeout");
}

static void unknown_word_is_one_message(void **state)
{
        static const char *const cmds[] = {"lint", "expand", "list"};

        (void)state;
        assert_int_equal(pa__unknown_word("run", "option", "--enigne", run_names, N_RUN), 2);
        assert_string_equal(said, "unknown option '--enigne'; did you mean '--engine'? (parity "
                                  "run --help)");
        assert_int_equal(pa__unknown_word("suite", "command", "lnit", cmds, 3), 2);
        assert_string_equal(said, "unknown command 'lnit'; did you mean 'lint'? (parity suite "
                                  "--help)");
        assert_int_equal(pa__unknown_word(NULL, "command", "xyzzy", cmds, 3), 2);
        assert_string_equal(said, "unknown command 'xyzzy' (parity --help)");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(closest_finds_typos),
            cmocka_unit_test(closest_refuses_strangers),
            cmocka_unit_test(closest_takes_a_beginning),
            cmocka_unit_test(unknown_word_is_one_message),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
