/* pa_results_write (the hot path's direct writer) against the jansson
 * reference, pa_record_new + scores + the chain, byte for byte, on answers
 * with quotes, escapes, control bytes, UTF-8 and invalid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "parity/result.h"
#include "test_util.h"
#include "evaluator/util/util.h"
#include "evaluator/folder/record_load.h"

static const char *const answers[] = {
    "Yes.",
    "He said \"yes\" \\ then\n\tno\r\b\f and \x01\x1f\x7f end",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 na\xc3\xafve",
    "bad \xff\xfe bytes \xc3 cut \xe2\x82 and \xed\xa0\x80 surrogate",
    "mixed caf\xc3\xa9 \xff then \xf0\x9f\x98\x80 and \xc0\xaf overlong",
    "",
};

static char *reference(const struct pa_suite *s, const struct pa_engine *e,
                       const struct pa_job *job, const struct pa_reply *r, const signed char *v,
                       bool cached, uint64_t *n, char head[65])
{
        json_t *rec = pa_record_new(s, e, job, r, 12.3456789);
        char *line;

        json_object_set_new(rec, "scores", pa_scores_json(s, job->c.item, v));
        if (cached)
                json_object_set_new(rec, "cached", json_true());
        line = pa_results_chain(rec, n, head);
        json_decref(rec);
        return line;
}

static void check_engine(const char *engine, bool stream)
{
        struct pa_suite s;
        struct pa_engine e;
        struct pa_err err = {{0}};
        struct pa_engine_conf c = {.name = engine,
                                   .base_url = "http://h:1/v1",
                                   .timeout_s = 1,
                                   .max_tokens = -1,
                                   .stream = stream};
        struct pa_results w;
        char p[4096], path[] = "/tmp/parity-test-record-XXXXXX", head[65], *data = NULL;
        uint64_t n = 0;
        int fd = mkstemp(path);
        void **scratch;

        assert_true(fd >= 0);
        close(fd);
        unlink(path);
        assert_int_equal(pa_suite_load(&s, test_path(p, sizeof(p), "suites/good.json"), &err), 0);
        assert_int_equal(pa_engine_open(&e, &c, &err), 0);
        assert_int_equal(pa_results_open(&w, path, &err), 0);
        memcpy(head, w.head, sizeof(head));
        scratch = pa_scorer_scratch_new(&s.scorers);
        for (size_t i = 0; i < sizeof(answers) / sizeof(*answers) * 2; i++) {
                const char *a = answers[i % (sizeof(answers) / sizeof(*answers))];
                struct pa_job job = {0};
                struct pa_reply r = {.len = strlen(a),
                                     .prompt_tokens = 7,
                                     .completion_tokens = -1,
                                     .http_status = 200,
                                     .ttft_ms = 3.25};
                signed char v[PA_MAX_SCORERS];
                char *want;

                r.text = strdup(a);
                r.finish_reason = i % 3 ? strdup("stop") : NULL;
                r.model = strdup("m\"1");
                if (i % 4 == 1) {
                        free(r.text);
                        r.text = NULL;
                        r.error = strdup("http 500: \"boom\"");
                        r.http_status = 500;
                }
                if (i % 2)
                        r.attempts = strdup("[{\"status\":429,\"error\":null,\"ms\":1.5}]");
                assert_int_equal(pa_case_build(&s, i % 2 ? 0 : 1, 0, &job.c, &err), 0);
                assert_int_equal(pa_job_init(&job, &e, (unsigned)i), 0);
                pa_score_text(&s, job.c.item, scratch, r.text, r.len, v);
                want = reference(&s, &e, &job, &r, v, i % 3 == 2, &n, head);
                assert_int_equal(
                    pa_results_write(&w, &s, &e, &job, &r, 12.3456789, v, i % 3 == 2, &err), 0);
                assert_int_equal(pa_results_flush(&w, &err), 0);
                assert_string_equal(w.head, head);
                free(data);
                assert_int_equal(pa__read_file(path, &data, NULL, &err), 0);
                /* The last line of the file is the reference's, byte for byte. */
                {
                        size_t len = strlen(data);
                        char *last;

                        data[len - 1] = '\0';
                        last = strrchr(data, '\n');
                        assert_string_equal(last ? last + 1 : data, want);
                }
                free(want);
                pa_reply_release(&r);
                pa_job_release(&job);
        }
        free(data);
        pa_scorer_scratch_free(&s.scorers, scratch);
        assert_int_equal(pa_results_close(&w, &err), 0);
        unlink(path);
        pa_engine_close(&e);
        pa_suite_release(&s);
}

static void chat_records_match_reference(void **state)
{
        (void)state;
        check_engine("openai-chat", false);
        check_engine("openai-chat", true);
}

static void completions_records_match_reference(void **state)
{
        (void)state;
        check_engine("openai-completions", false);
}

/* pa__record_load against json_loadb: the named members equal, the others
 * absent; a line the scanner does not take is jansson's whole object, or
 * jansson's NULL with its error. */
static void record_load_matches_jansson(void **state)
{
        static const char *const keys[] = {"seq",    "prev",     "error",  "groups",
                                           "scores", "response", "sample", "latency"};
        static const char *const lines[] = {
            "{\"seq\":3,\"prev\":\"ab\",\"error\":null,\"groups\":{\"g\":\"a\",\"g\":\"b\"},"
            "\"scores\":{\"yes\":true,\"no\":null},\"response\":\"caf\\u00e9 \\\"q\\\"\","
            "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"latency\":0.5}",
            " { \"sample\" : -12 , \"response\" : false, \"other\": [1, 2.5e3, {}] } \n",
            "{\"seq\":1.0,\"error\":{\"kind\":\"timeout\"},\"prev\":[]}",
            "{\"response\":\"" /* long: decoded on the heap */
            "0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789012345678901234567890123456789012345678901234567890123456789\"}",
            "{\"seq\":1,\"seq\":2}",             /* a named key twice: jansson's last */
            "{\"seq\":12345678901234567890123}", /* past json_int_t: jansson's error */
            "{\"seq\":1} trailing",              /* not only an object */
            "[1, 2]",                            /* an array: jansson's array */
            "{\"response\":\"a\\u0000b\"}",      /* NUL: jansson refuses it */
            "{\"response\":\"\xff\"}",           /* not UTF-8 */
            "{\"other\":\"\xc3\"}",              /* nor in an unnamed member */
            "{\"groups\":{\"caf\\u00e9\":{\"a\":[1,{\"b\":null}],\"c\":-0.0},\"x\":{}},\"z\":1}",
            "{\"scores\":{"
            "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":true}}",
            "{}",
            "",
            "{\"response\" :\t \"plain ascii\" , \"prev\":\"\", \"error\": \"\u00e9\"}",
        };
        size_t nk = sizeof(keys) / sizeof(keys[0]);

        (void)state;
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                json_error_t je1, je2;
                json_t *got = pa__record_load(lines[i], strlen(lines[i]), keys, nk, &je1);
                json_t *want = json_loadb(lines[i], strlen(lines[i]), 0, &je2);

                if (!want) {
                        assert_null(got);
                        assert_string_equal(je1.text, je2.text);
                        continue;
                }
                assert_non_null(got);
                if (json_is_object(want) && json_object_size(got) < json_object_size(want)) {
                        /* Scanned: the named members, each equal. */
                        const char *k;
                        json_t *v;

                        json_object_foreach(got, k, v)
                        {
                                bool named = false;

                                for (size_t j = 0; j < nk; j++)
                                        named |= !strcmp(keys[j], k);
                                assert_true(named);
                        }
                        for (size_t j = 0; j < nk; j++) {
                                const json_t *a = json_object_get(got, keys[j]),
                                             *b = json_object_get(want, keys[j]);

                                assert_true(a ? b && json_equal(a, b) : !b);
                        }
                } else {
                        assert_true(json_equal(got, want));
                }
                json_decref(got);
                json_decref(want);
        }
}

/* pa__record_load_raw: the raw members' text reads as jansson's members,
 * the built ones equal them, and a line the scanner does not take is
 * jansson's whole, raw members included. */
static void record_load_raw_matches_jansson(void **state)
{
        static const char *const keys[] = {"error", "response"};
        static const char *const raw[] = {"seq", "prev"};
        static const char *const lines[] = {
            "{\"seq\":3,\"prev\":\"ab\",\"error\":null,\"response\":\"x\"}",
            " { \"seq\" :  -12 , \"prev\" : \"\\u0061b\"\t, \"other\": [1] } \n",
            "{\"seq\":1.5e3,\"prev\":[1, {\"a\":2}],\"response\":\"r\"}",
            "{\"response\":\"only\"}",
            "{\"seq\":1,\"seq\":2}",             /* a raw key twice: jansson's */
            "{\"seq\":12345678901234567890123}", /* past json_int_t: jansson's error */
            "{\"prev\":\"\xff\"}",               /* not UTF-8 */
            "[1]",
        };
        struct pa__raw_member out[2];

        (void)state;
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                size_t len = strlen(lines[i]);
                json_error_t je1, je2;
                bool whole = false;
                json_t *got =
                    pa__record_load_raw(lines[i], len, keys, 2, raw, 2, out, &whole, &je1);
                json_t *want = json_loadb(lines[i], len, 0, &je2);

                if (!want) {
                        assert_null(got);
                        assert_true(whole);
                        assert_string_equal(je1.text, je2.text);
                        continue;
                }
                assert_non_null(got);
                if (whole) {
                        assert_true(json_equal(got, want));
                        assert_null(out[0].p);
                        assert_null(out[1].p);
                        assert_true(i >= 4); /* only those the scanner leaves */
                } else {
                        for (size_t j = 0; j < 2; j++) {
                                const json_t *a = json_object_get(got, keys[j]),
                                             *b = json_object_get(want, keys[j]);
                                const json_t *w = json_object_get(want, raw[j]);
                                json_t *r = out[j].p ? json_loadb(out[j].p, out[j].len,
                                                                  JSON_DECODE_ANY, NULL)
                                                     : NULL;

                                assert_true(a ? b && json_equal(a, b) : !b);
                                assert_null(json_object_get(got, raw[j]));
                                assert_true(r ? w && json_equal(r, w) : !w);
                                json_decref(r);
                        }
                }
                json_decref(got);
                json_decref(want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(chat_records_match_reference),
            cmocka_unit_test(completions_records_match_reference),
            cmocka_unit_test(record_load_matches_jansson),
            cmocka_unit_test(record_load_raw_matches_jansson),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
