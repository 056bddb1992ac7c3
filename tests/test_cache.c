/* Run-level bookkeeping: the response cache's keys and entries, the
 * done-index, shards, and resuming a results.jsonl with a torn last line.
 * The runs themselves are exercised by tests/integration/test_resume.py and
 * test_cache.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parity/result.h"
#include "evaluator/run/cache.h"
#include "evaluator/run/resume.h"
#include "evaluator/suite/shard.h"

static char tmpdir[] = "/tmp/parity-test-cache-XXXXXX";

static void engine(struct pa_engine *e, const char *name)
{
        memset(e, 0, sizeof(*e));
        e->ops = pa_engine_find(name);
        e->conf.name = name;
        e->conf.model = "m";
        e->conf.max_tokens = -1;
}

static void job(struct pa_job *j, const char *prompt, unsigned sample, uint64_t seed)
{
        memset(j, 0, sizeof(*j));
        j->sample = sample;
        j->seed = seed;
        j->messages = json_pack("[{s:s, s:s}]", "role", "user", "content", prompt);
        j->prompt = strdup(prompt);
}

static void key_of(const struct pa_engine *e, const char *identity, const struct pa_job *j,
                   char key[65])
{
        struct pa__cache c;
        char dir[256];

        snprintf(dir, sizeof(dir), "%s/keys", tmpdir);
        assert_int_equal(pa__cache_open(&c, dir, e, identity, NULL), 0);
        assert_int_equal(pa__cache_key(&c, e, j, key), 0);
        pa__cache_close(&c);
}

static void keys_separate_what_decides_an_answer(void **state)
{
        struct pa_engine e;
        struct pa_job a, b;
        char k1[65], k2[65];

        (void)state;
        engine(&e, "openai-chat");
        e.conf.has_seed = true;
        job(&a, "Hello?", 0, 7);
        job(&b, "Hello?", 0, 7);
        key_of(&e, NULL, &a, k1);
        key_of(&e, NULL, &b, k2);
        assert_string_equal(k1, k2); /* same job, same key */
        b.sample = 1;
        b.seed = 8;
        key_of(&e, NULL, &b, k2);
        assert_string_not_equal(k1, k2); /* each sample its own entry */
        b.seed = 7;
        key_of(&e, NULL, &b, k2);
        assert_string_not_equal(k1, k2); /* the sample index alone too */
        b.sample = 0;
        b.seed = 9;
        key_of(&e, NULL, &b, k2);
        /* The seed alone: the derived per-sample seed (pa_job_init), so two
         * items' samples k, or two base seeds, never share an entry. */
        assert_string_not_equal(k1, k2);
        key_of(&e, "other-served-model", &a, k2);
        assert_string_not_equal(k1, k2);
        e.conf.has_temperature = true;
        key_of(&e, NULL, &a, k2);
        assert_string_not_equal(k1, k2);
        e.conf.has_temperature = false;
        e.conf.model = "n";
        key_of(&e, NULL, &a, k2);
        assert_string_not_equal(k1, k2);
        e.conf.model = "m";
        engine(&e, "openai-completions");
        e.conf.has_seed = true;
        key_of(&e, NULL, &a, k2);
        assert_string_not_equal(k1, k2); /* the engine and the flat prompt */
        pa_job_release(&a);
        pa_job_release(&b);
}

static void identity_keeps_only_stable_facts(void **state)
{
        json_t *listed = json_pack("[s]", "served-model");
        json_t *two = json_pack("[s, s]", "a", "b");
        json_t *id = json_pack("{s:{s:s, s:i}, s:{s:[s]}}", "props", "model_file", "x.gguf",
                               "n_ctx", 128, "fingerprint", "answers", "Yes.");
        char *a, *b;

        (void)state;
        assert_null(pa__cache_identity(NULL, NULL));
        assert_null(pa__cache_identity(NULL, two)); /* the requested model says it all */
        a = pa__cache_identity(id, listed);
        assert_non_null(a);
        assert_non_null(strstr(a, "served-model"));
        assert_non_null(strstr(a, "x.gguf"));
        assert_null(strstr(a, "Yes.")); /* canary answers need not repeat exactly */
        json_object_set_new(json_object_get(id, "props"), "model_file", json_string("y.gguf"));
        b = pa__cache_identity(id, listed);
        assert_string_not_equal(a, b);
        free(a);
        free(b);
        json_decref(listed);
        json_decref(two);
        json_decref(id);
}

static void entries_round_trip_and_damage_is_a_miss(void **state)
{
        struct pa__cache c;
        struct pa_engine e;
        struct pa_job j;
        struct pa_reply r = {.text = strdup("Yes."),
                             .len = 4,
                             .finish_reason = strdup("stop"),
                             .model = strdup("served"),
                             .prompt_tokens = 12,
                             .completion_tokens = -1,
                             .http_status = 200};
        struct pa_reply got, failed = {.error = strdup("http 500: x")};
        char dir[256], key[65], path[512];
        FILE *f;

        (void)state;
        engine(&e, "openai-chat");
        job(&j, "Q", 0, 0);
        snprintf(dir, sizeof(dir), "%s/entries", tmpdir);
        assert_int_equal(pa__cache_open(&c, dir, &e, NULL, NULL), 0);
        assert_int_equal(pa__cache_key(&c, &e, &j, key), 0);
        assert_int_equal(pa__cache_get(&c, key, &got), 0);
        pa__cache_put(&c, key, &failed); /* failures are never stored */
        assert_int_equal(pa__cache_get(&c, key, &got), 0);
        pa__cache_put(&c, key, &r);
        assert_int_equal(pa__cache_get(&c, key, &got), 1);
        assert_string_equal(got.text, "Yes.");
        assert_int_equal(got.len, 4);
        assert_string_equal(got.finish_reason, "stop");
        assert_string_equal(got.model, "served");
        assert_int_equal(got.prompt_tokens, 12);
        assert_int_equal(got.completion_tokens, -1);
        assert_int_equal(got.http_status, 200);
        assert_null(got.error);
        pa_reply_release(&got);
        assert_int_equal(c.hits, 1);
        assert_int_equal(c.stores, 1);
        snprintf(path, sizeof(path), "%s/%.2s/%s.json", dir, key, key);
        assert_non_null(f = fopen(path, "wb"));
        fputs("{\"parity_cache\": 1, \"key\": \"", f);
        fclose(f);
        assert_int_equal(pa__cache_get(&c, key, &got), 0);
        pa__cache_close(&c);
        pa_reply_release(&r);
        pa_reply_release(&failed);
        pa_job_release(&j);
}

static void done_index_finds_pairs_and_refuses_twins(void **state)
{
        struct pa__done d = {0};
        json_t *a = json_pack("{s:s, s:i}", "case_id", "00000000000000ff", "sample", 2);
        json_t *b = json_pack("{s:s, s:i}", "case_id", "3f2a000000000001", "sample", 0);
        json_t *bad = json_pack("{s:s, s:i}", "case_id", "3F2A", "sample", 0);

        (void)state;
        assert_int_equal(pa__done_add(&d, a, NULL), 0);
        assert_int_equal(pa__done_add(&d, b, NULL), 0);
        assert_int_equal(pa__done_add(&d, bad, NULL), PA_EINVAL);
        assert_int_equal(pa__done_seal(&d, NULL), 0);
        assert_true(pa__done_has(&d, "00000000000000ff", 2));
        assert_false(pa__done_has(&d, "00000000000000ff", 1));
        assert_true(pa__done_has(&d, "3f2a000000000001", 0));
        assert_false(pa__done_has(&d, "3f2a000000000002", 0));
        assert_int_equal(pa__done_add(&d, a, NULL), 0);
        assert_int_equal(pa__done_seal(&d, NULL), PA_EINVAL);
        pa__done_release(&d);
        json_decref(a);
        json_decref(b);
        json_decref(bad);
}

/* auto/N: Slurm's and Kubernetes' index variables through one path. */
static void shard_index_from_the_environment(void **state)
{
        struct pa__shard sh = {0, 0};
        char msg[256];

        (void)state;
        unsetenv("SLURM_ARRAY_TASK_ID");
        unsetenv("JOB_COMPLETION_INDEX");
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_non_null(strstr(msg, "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"));
        setenv("JOB_COMPLETION_INDEX", "3", 1);
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), 0);
        assert_int_equal(sh.index, 3);
        assert_int_equal(sh.count, 4);
        assert_int_equal(pa__shard_parse("auto/3", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_non_null(strstr(msg, "JOB_COMPLETION_INDEX='3': expected an index from 0 to 2"));
        setenv("SLURM_ARRAY_TASK_ID", "2", 1);
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_non_null(strstr(msg, "disagree"));
        unsetenv("JOB_COMPLETION_INDEX");
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), 0);
        assert_int_equal(sh.index, 2);
        setenv("SLURM_ARRAY_TASK_ID", "1x", 1);
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_non_null(strstr(msg, "SLURM_ARRAY_TASK_ID='1x'"));
        setenv("SLURM_ARRAY_TASK_ID", "", 1); /* empty is unset */
        assert_int_equal(pa__shard_parse("auto/4", &sh, msg, sizeof(msg)), PA_EINVAL);
        unsetenv("SLURM_ARRAY_TASK_ID");
}

static void shards_parse_and_partition(void **state)
{
        struct pa__shard sh, all = {0, 0};
        char msg[256];
        unsigned seen[3] = {0, 0, 0};
        char id[17];

        (void)state;
        assert_int_equal(pa__shard_parse("1/3", &sh, msg, sizeof(msg)), 0);
        assert_int_equal(sh.index, 1);
        assert_int_equal(sh.count, 3);
        assert_int_equal(pa__shard_parse("3/3", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_non_null(strstr(msg, "expected I/N"));
        assert_int_equal(pa__shard_parse("-1/3", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_int_equal(pa__shard_parse("1/0", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_int_equal(pa__shard_parse("13", &sh, msg, sizeof(msg)), PA_EINVAL);
        assert_int_equal(pa__shard_parse("0/3x", &sh, msg, sizeof(msg)), PA_EINVAL);
        for (unsigned v = 0; v < 300; v++) {
                unsigned in = 0;

                snprintf(id, sizeof(id), "%016llx", (unsigned long long)v * 0x9e3779b97f4a7c15ull);
                for (unsigned i = 0; i < 3; i++) {
                        struct pa__shard s = {i, 3};

                        if (pa__shard_has(&s, id)) {
                                in++;
                                seen[i]++;
                        }
                }
                assert_int_equal(in, 1); /* exactly one shard */
                assert_true(pa__shard_has(&all, id));
        }
        for (unsigned i = 0; i < 3; i++)
                assert_true(seen[i] > 60);
}

static void append_records(const char *path, int n)
{
        struct pa_results w;

        assert_int_equal(pa_results_resume(&w, path, false, NULL, NULL, NULL, NULL), 0);
        for (int i = 0; i < n; i++) {
                json_t *rec = json_pack("{s:s, s:i}", "case_id", "00000000000000aa", "sample", i);

                assert_int_equal(pa_results_append(&w, rec, NULL), 0);
                json_decref(rec);
        }
        assert_int_equal(pa_results_close(&w, NULL), 0);
}

static int count_record(void *ud, json_t *rec, struct pa_err *err)
{
        (void)rec;
        (void)err;
        ++*(int *)ud;
        return 0;
}

static void resume_drops_a_torn_line_and_continues_the_chain(void **state)
{
        struct pa_results w;
        struct pa_err err = {{0}};
        char path[256];
        uint64_t torn = 0;
        int n = 0;
        FILE *f;

        (void)state;
        snprintf(path, sizeof(path), "%s/results.jsonl", tmpdir);
        append_records(path, 3);
        assert_non_null(f = fopen(path, "ab"));
        fputs("{\"case_id\": \"00000000000000aa\", \"sam", f);
        fclose(f);
        /* Read-only checking refuses the torn line; repairing cuts it off. */
        assert_int_equal(pa_results_resume(NULL, path, false, NULL, NULL, NULL, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "line 4"));
        assert_int_equal(pa_results_resume(&w, path, true, count_record, &n, &torn, NULL), 0);
        assert_int_equal(n, 3);
        assert_int_equal(torn, 36);
        assert_int_equal(w.n, 3);
        assert_int_equal(pa_results_close(&w, NULL), 0);
        append_records(path, 2);
        n = 0;
        assert_int_equal(pa_results_resume(NULL, path, false, count_record, &n, NULL, NULL), 0);
        assert_int_equal(n, 5);
        /* An edited record is a broken chain, not a torn line. */
        assert_non_null(f = fopen(path, "r+b"));
        fseek(f, 20, SEEK_SET);
        fputc('b', f);
        fclose(f);
        assert_int_equal(pa_results_resume(NULL, path, true, NULL, NULL, NULL, &err), PA_EINVAL);
        assert_non_null(strstr(err.msg, "broken chain"));
        unlink(path);
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* An item's turns reach the key through pa_job_init: two items that
 * differ in one assistant turn never share an answer. */
static void keys_hash_an_items_turns(void **state)
{
        char keys[3][65];
        const char *shots[3] = {"Yes.", "No.", "Yes."};
        struct pa_engine e;

        (void)state;
        engine(&e, "openai-chat");
        for (int i = 0; i < 3; i++) {
                struct pa_job j;

                memset(&j, 0, sizeof(j));
                j.c.messages = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "role", "user",
                                         "content", "Q1", "role", "assistant", "content", shots[i],
                                         "role", "user", "content", "Q2");
                j.c.prompt = strdup("Q2");
                assert_int_equal(pa_job_init(&j, &e, 0), 0);
                json_t *m = pa_job_messages(&j);

                assert_true(json_equal(m, j.c.messages));
                json_decref(m);
                key_of(&e, NULL, &j, keys[i]);
                pa_job_release(&j);
        }
        assert_string_not_equal(keys[0], keys[1]);
        assert_string_equal(keys[0], keys[2]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(keys_separate_what_decides_an_answer),
            cmocka_unit_test(identity_keeps_only_stable_facts),
            cmocka_unit_test(entries_round_trip_and_damage_is_a_miss),
            cmocka_unit_test(done_index_finds_pairs_and_refuses_twins),
            cmocka_unit_test(shards_parse_and_partition),
            cmocka_unit_test(shard_index_from_the_environment),
            cmocka_unit_test(keys_hash_an_items_turns),
            cmocka_unit_test(resume_drops_a_torn_line_and_continues_the_chain),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
