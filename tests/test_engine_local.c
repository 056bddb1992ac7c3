/* Local engines: exec against small shell commands (stdin and argument
 * modes, quoting, exit status, signals, timeout, output cap) and replay on
 * a hand-made run folder (answers, replayed errors, a torn last line,
 * another suite's folder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "test_util.h"
#include "evaluator/util/util.h"

struct exec_fixture {
        struct pa_suite s;
        struct pa_engine e;
        struct pa_job job;
        struct pa_reply r;
        struct pa_err err;
};

static int exec_run(struct exec_fixture *f, const char *cmd, bool arg, double timeout)
{
        char p[4096];
        struct pa_engine_conf c = {.name = "exec",
                                   .exec_command = cmd,
                                   .exec_prompt_arg = arg,
                                   .timeout_s = timeout,
                                   .max_tokens = 5};
        int rc;

        memset(f, 0, sizeof(*f));
        assert_int_equal(pa_suite_load(&f->s, test_path(p, sizeof(p), "suites/good.json"), &f->err),
                         0);
        c.suite = &f->s;
        if ((rc = pa_engine_open(&f->e, &c, &f->err)))
                return rc;
        assert_int_equal(pa_case_build(&f->s, 1, 0, &f->job.c, &f->err), 0);
        assert_int_equal(pa_job_init(&f->job, &f->e, 2), 0);
        return f->e.ops->answer(&f->e, &f->job, &f->r, &f->err);
}

static void exec_done(struct exec_fixture *f)
{
        pa_reply_release(&f->r);
        pa_job_release(&f->job);
        pa_engine_close(&f->e);
        pa_suite_release(&f->s);
}

/* Attempt k of the reply's attempts text; a new reference. */
static json_t *attempt(const struct pa_reply *r, size_t k)
{
        json_t *all = json_loads(r->attempts, 0, NULL), *a = json_incref(json_array_get(all, k));

        json_decref(all);
        return a;
}

static void exec_engine(void **state)
{
        struct exec_fixture f;
        json_t *a;
        double t0;

        (void)state;
        /* The prompt on stdin: system, blank line, user. */
        assert_int_equal(exec_run(&f, "tr a-z A-Z", false, 10), 0);
        assert_string_equal(f.r.text, "BE BRIEF.\n\nCAPITAL OF FRANCE?");
        assert_string_equal(f.r.finish_reason, "stop");
        assert_string_equal(f.r.model, "tr");
        a = attempt(&f.r, 0);
        assert_int_equal(json_integer_value(json_object_get(a, "exit_status")), 0);
        json_decref(a);
        exec_done(&f);
        /* Quotes and escapes make words; the prompt is the last one. */
        assert_int_equal(exec_run(&f, "printf '%s|' \"a b\" 'c \"d' e\\ f", true, 10), 0);
        assert_string_equal(f.r.text, "a b|c \"d|e f|Be brief.\n\nCapital of France?|");
        exec_done(&f);
        assert_int_equal(exec_run(&f,
                                  "sh -c 'echo $PARITY_CASE_ID $PARITY_SAMPLE $PARITY_MAX_TOKENS'",
                                  false, 10),
                         0);
        assert_int_equal(strlen(f.r.text), 16 + 4);
        assert_string_equal(f.r.text + 16, " 2 5");
        exec_done(&f);
        /* Failures: exit status with stderr, signal, timeout, too much output. */
        assert_int_equal(
            exec_run(&f, "sh -c 'cat >/dev/null; echo oops >&2; echo more >&2; exit 3'", false, 10),
            PA_EIO);
        assert_string_equal(f.err.msg, "exit status 3: oops");
        assert_null(f.r.text);
        a = attempt(&f.r, 0);
        assert_int_equal(json_integer_value(json_object_get(a, "exit_status")), 3);
        assert_string_equal(json_string_value(json_object_get(a, "stderr")), "oops\nmore\n");
        json_decref(a);
        exec_done(&f);
        assert_int_equal(exec_run(&f, "sh -c 'kill -9 $$'", false, 10), PA_EIO);
        assert_string_equal(f.err.msg, "killed by signal 9");
        exec_done(&f);
        t0 = pa__mono_ms();
        assert_int_equal(exec_run(&f, "sh -c 'sleep 5; echo late'", false, 0.3), PA_EIO);
        assert_non_null(strstr(f.err.msg, "timed out after 0.3 s"));
        assert_true(pa__mono_ms() - t0 < 3000);
        exec_done(&f);
        assert_int_equal(exec_run(&f, "head -c 9000000 /dev/zero", false, 10), PA_EIO);
        assert_string_equal(f.err.msg, "output over 8388608 bytes");
        exec_done(&f);
        /* A command that ignores its stdin is fine (no SIGPIPE). */
        assert_int_equal(exec_run(&f, "echo fixed", false, 10), 0);
        assert_string_equal(f.r.text, "fixed");
        exec_done(&f);
}

static void exec_bad_commands(void **state)
{
        struct exec_fixture f;

        (void)state;
        assert_int_equal(exec_run(&f, "no-such-program-xyz --flag", false, 1), PA_EINVAL);
        assert_non_null(strstr(f.err.msg, "'no-such-program-xyz': command not found"));
        exec_done(&f);
        assert_int_equal(exec_run(&f, "sh -c 'echo", false, 1), PA_EINVAL);
        assert_non_null(strstr(f.err.msg, "unterminated ' quote"));
        exec_done(&f);
        assert_int_equal(exec_run(&f, "  ", false, 1), PA_EINVAL);
        assert_non_null(strstr(f.err.msg, "empty command"));
        exec_done(&f);
}

/* --- replay ----------------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text)
{
        char *path = pa__path_join(dir, name);
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        free(path);
}

static void replay_engine(void **state)
{
        char tmpl[] = "/tmp/parity-replay-XXXXXX", p[4096], line[1024];
        char *dir = mkdtemp(tmpl), *results;
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_job job = {0};
        struct pa_reply r = {0};
        struct pa_engine_conf c = {.name = "replay", .timeout_s = 1};

        (void)state;
        assert_non_null(dir);
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        assert_int_equal(pa_case_build(&s, 1, 0, &job.c, &err), 0);
        snprintf(
            line, sizeof(line),
            "{\"case_id\":\"%s\",\"sample\":0,\"response\":\"Paris.\",\"finish_reason\":\"stop\","
            "\"model\":\"m0\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":1},\"error\":"
            "null}\n"
            "{\"case_id\":\"%s\",\"sample\":1,\"response\":null,\"error\":\"http 500: boom\"}\n"
            "{\"case_id\":\"%s\",\"sample\":3,\"respo",
            job.c.id, job.c.id, job.c.id);
        write_text(dir, "results.jsonl", line);
        write_text(dir, "manifest.json", "{\"suite\": {\"id\": \"unit\"}}");
        c.suite = &s;
        c.replay_from = dir;
        assert_int_equal(pa_engine_open(&e, &c, &err), 0);
        assert_int_equal(pa_job_init(&job, &e, 0), 0);
        assert_int_equal(e.ops->answer(&e, &job, &r, &err), 0);
        assert_string_equal(r.text, "Paris.");
        assert_string_equal(r.model, "m0");
        assert_int_equal(r.prompt_tokens, 7);
        pa_reply_release(&r);
        job.sample = 1;
        assert_int_equal(e.ops->answer(&e, &job, &r, &err), PA_EPROTO);
        assert_string_equal(err.msg, "replayed: http 500: boom");
        pa_reply_release(&r);
        job.sample = 3; /* the torn last line was skipped */
        assert_int_equal(e.ops->answer(&e, &job, &r, &err), PA_EINVAL);
        snprintf(line, sizeof(line), "no answer in %s for case %s sample 3", dir, job.c.id);
        assert_string_equal(err.msg, line);
        pa_reply_release(&r);
        pa_engine_close(&e);

        /* Another suite's run folder, and a bad line in the middle. */
        write_text(dir, "manifest.json", "{\"suite\": {\"id\": \"other\"}}");
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "a run of suite 'other', not 'unit'"));
        pa_engine_close(&e);
        write_text(dir, "manifest.json", "{}");
        write_text(dir, "results.jsonl", "{\"case_id\":\"x\",\"sample\":0}\nnot json\n{}\n");
        assert_int_equal(pa_engine_open(&e, &c, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "line 2: not a record"));
        pa_engine_close(&e);

        results = pa__path_join(dir, "results.jsonl");
        unlink(results);
        free(results);
        results = pa__path_join(dir, "manifest.json");
        unlink(results);
        free(results);
        rmdir(dir);
        pa_job_release(&job);
        pa_suite_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exec_engine),
            cmocka_unit_test(exec_bad_commands),
            cmocka_unit_test(replay_engine),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
