/* The answer scanner (evaluator/json/jscan.c) against jansson: the OpenAI
 * engines' parse of every input here must give what the jansson parser
 * they had gives (text, finish_reason, model, usage, the error and its
 * wording), and the scanner must never accept what json_loadb() refuses:
 * escapes, surrogates, invalid UTF-8, \u0000, numbers, nesting, duplicate
 * keys, trailing garbage, every truncation of an answer, and random
 * mutations of answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parity/engine.h"
#include "evaluator/json/jscan.h"

#define S(lit) lit, sizeof(lit) - 1

struct input {
        const char *text;
        size_t len;
};

/* Valid answers the scanner must read itself (no fallback). */
static const struct input valid[] = {
    {S("{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion\",\"created\":1700000000,"
       "\"model\":\"stub-model\",\"system_fingerprint\":\"stub\",\"choices\":[{\"index\":0,"
       "\"message\":{\"role\":\"assistant\",\"content\":\"The answer is 42.\"},\"logprobs\":null,"
       "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":6,"
       "\"total_tokens\":22}}")},
    {S("{\"choices\":[{\"text\":\" Paris.\",\"index\":0,\"finish_reason\":\"length\"}],"
       "\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":-0}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t "
       "\\u00e9\\u20AC\\ud83d\\ude00 \\u0001\\u001f \\uFFFF\"},\"text\":\"t\\u00E9\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
       "\xf4\x8f\xbf\xbf \xee\x80\x80\x7f\"},\"text\":\"\"}],\"model\":\"\\u006d\"}")},
    {S(" \r\n\t{ \"model\" : \"m\" ,\r\n \"choices\" :\t[ { \"message\" : { \"content\" : "
       "\"x\" } , \"text\" : \"y\" , \"finish_reason\" : null } , 1 , [ ] , { } ] , \"usage\" "
       ": { \"prompt_tokens\" : 12 , \"completion_tokens\" : 1.0 } } \n\r\t ")},
    {S("{\"x\":[true,false,null,0,-0,1e5,1E+5,2.5e-3,-0.0,123456789012345678,"
       "-123456789012345678,{\"a\":{\"b\":[[[]]]}},\"s\",{}],\"choices\":[{\"message\":"
       "{\"role\":\"a\",\"content\":\"\",\"tool_calls\":[{\"f\":{\"k\":[1,2]}}]},\"logprobs\":"
       "{\"content\":[{\"token\":\"a\",\"logprob\":-0.25,\"bytes\":[97]}]},\"text\":\"\"}],"
       "\"usage\":{\"prompt_tokens\":1e2,\"completion_tokens\":\"7\"},\"timings\":{\"p\":1.5}}")},
    {S("{\"id\":1,\"id\":2,\"choices\":[{\"index\":0,\"index\":1,\"message\":{\"role\":\"a\","
       "\"role\":\"b\",\"content\":\"dup elsewhere\"},\"text\":\"1\",\"text\":\"2\"},"
       "{\"message\":{\"content\":\"second\"},\"finish_reason\":\"x\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"k\"},\"finish_reason\":\"stop\"}],"
       "\"usage\":null,\"model\":7,\"m\\u006fdel\":\"escaped key\",\"a\\\"b\":1,"
       "\"a-very-long-key-that-is-longer-than-the-sixty-four-bytes-of-the-key-buffer\":0}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"e\"}}],\"error\":{\"message\":\"m\"}}")},
    {S("{\"\\u0063hoices\":[{\"m\\u0065ssage\":{\"content\":\"esc\"},\"text\":\"t\"}]}")},
};

/* Answers the scanner leaves to jansson (or jansson refuses). */
static const struct input other[] = {
    {S("")},
    {S("   ")},
    {S("[]")},
    {S("[{\"choices\":[]}]")},
    {S("{}")},
    {S("{\"error\":{\"message\":\"model not found\",\"type\":\"x\"}}")},
    {S("{\"error\":\"plain\"}")},
    {S("{\"error\":null}")},
    {S("{\"error\":{\"message\":7}}")},
    {S("{\"error\":{\"message\":\"a\"},\"choices\":[]}")},
    {S("{\"error\":{\"message\":\"b\"},\"choices\":[1]}")},
    {S("{\"choices\":[]}")},
    {S("{\"\\u0063hoices-with-an-escape-and-longer-than-the-key-buffer-of-sixty-four\":"
       "[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]}")},
    {S("{\"\\u0063hoices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],"
       "\"\\u0063hoices\":[]}")},
    {S("{\"choices\":{}}")},
    {S("{\"choices\":[\"s\"]}")},
    {S("{\"choices\":[{\"message\":{\"content\":null}}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":5}}]}")},
    {S("{\"choices\":[{\"message\":\"c\"}]}")},
    {S("{\"model\":\"a\",\"model\":\"b\",\"choices\":[{\"message\":{\"content\":\"x\"},"
       "\"text\":\"y\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"y\"}],\"choices\":[{\"message\":"
       "{\"content\":\"z\"},\"text\":\"w\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\",\"content\":\"y\"},\"text\":\"a\","
       "\"text\":\"b\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\",\"finish_reason\":\"a\","
       "\"finish_reason\":\"b\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"usage\":"
       "{\"prompt_tokens\":1,\"prompt_tokens\":2}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"usage\":{}"
       ",\"usage\":{\"completion_tokens\":3}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"usage\":"
       "{\"prompt_tokens\":9223372036854775807,\"completion_tokens\":-9223372036854775808}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"usage\":"
       "{\"prompt_tokens\":9223372036854775808}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":-"
       "99999999999999999999}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1e400}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1e309}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":-18e307}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1."
       "7976931348623157e308}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1e-400}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1.5e308}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":17e307}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":0e99999999999}")},
    /* malformed */
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]} x")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]}{}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"},]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\",}]}")},
    {S("{\"choices\" [{\"message\":{\"content\":\"x\"}}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"}} {}]}")},
    {S("{,\"choices\":[{\"message\":{\"content\":\"x\"}}]}")},
    {S("{\"choices\":[,{\"message\":{\"content\":\"x\"}}]}")},
    {S("{'choices':[{\"message\":{\"content\":\"x\"}}]}")},
    {S("{choices:[{\"message\":{\"content\":\"x\"}}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\x\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\u12G4\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\u12\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\ud800\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\udc00b\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\ud800\\u0041\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\ud800\\ud800\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\ud800\\n\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\ud800\\uzzzz\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\\u0000b\"},\"text\":\"t\\u0000\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"k\\u0000\":1}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xff\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xc3\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xc0\xaf\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xe0\x80\xaf\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xed\xa0\x80\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xf4\x90\x80\x80\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xf8\x88\x80\x80\x80\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\xe2\x82\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"k\xff\":1}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\tb\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\nb\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\x7f\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"a\0b\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]}\0")},
    {S("\xef\xbb\xbf{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":01}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":-01}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":-}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1.}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1.e5}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1e}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1e+}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":.5}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":+1}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1.5.2}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":0x10}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":1a}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":tru}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":truex}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":True}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":nul}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":falsey}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":NaN}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":\xc3\xa9}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":[1 2]}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":{\"a\"}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":{1:2}}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}],\"n\":\"a\"\"b\"}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]\f}")},
    {S("{\"choices\":[{\"message\":{\"content\":\"x\"},\"text\":\"t\"}]\v}")},
    {S("data: {\"choices\":[]}")},
    {S("\"just a string\"")},
    {S("42")},
};

/* The engines' parser before the scanner, kept as the reference. */
static long ref_count(const json_t *usage, const char *key)
{
        const json_t *v = json_object_get(usage, key);

        return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static char *ref_dup(const json_t *v)
{
        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int ref_parse(const char *body, size_t len, struct pa_reply *r, bool chat,
                     struct pa_err *err)
{
        json_error_t je;
        json_t *root = json_loadb(body, len, 0, &je), *choice, *text, *usage, *e;
        const char *msg;
        int rc = 0;

        if (!root)
                return pa_errf(err, PA_EPROTO, "malformed JSON in answer: %d:%d: %s", je.line,
                               je.column, je.text);
        choice = json_array_get(json_object_get(root, "choices"), 0);
        text = chat ? json_object_get(json_object_get(choice, "message"), "content")
                    : json_object_get(choice, "text");
        if (!json_is_string(text)) {
                e = json_object_get(root, "error");
                msg = json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);
                rc =
                    e && !choice
                        ? pa_errf(err, PA_EPROTO, "error in answer: %s", msg ? msg : "(no message)")
                        : pa_errf(err, PA_EPROTO, "answer has no %s",
                                  chat ? "choices[0].message.content" : "choices[0].text");
                json_decref(root);
                return rc;
        }
        r->len = json_string_length(text);
        r->text = malloc(r->len + 1);
        memcpy(r->text, json_string_value(text), r->len + 1);
        r->finish_reason = ref_dup(json_object_get(choice, "finish_reason"));
        r->model = ref_dup(json_object_get(root, "model"));
        usage = json_object_get(root, "usage");
        r->prompt_tokens = ref_count(usage, "prompt_tokens");
        r->completion_tokens = ref_count(usage, "completion_tokens");
        json_decref(root);
        return 0;
}

static void same_string(const char *a, const char *b)
{
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

/* Whether the engines' body sniffing hands text to the JSON parser. */
static bool looks_json(const char *t, size_t len)
{
        size_t i = len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) ? 3 : 0;

        while (i < len && strchr(" \t\r\n", t[i]) && t[i])
                i++;
        return i < len && (t[i] == '{' || t[i] == '[');
}

/* The engine's parse of text (an exact-size copy, so ASan sees any read
 * past it) against the reference, on both routes. */
static void check_parse(const char *text, size_t len)
{
        static const char *const names[] = {"openai-chat", "openai-completions"};
        char *copy = malloc(len ? len : 1);

        memcpy(copy, text, len);
        for (int i = 0; i < 2; i++) {
                const struct pa_engine_ops *ops = pa_engine_find(names[i]);
                struct pa_reply got = {0}, want = {0};
                struct pa_err gerr = {{0}}, werr = {{0}};
                int grc, wrc;

                assert_non_null(ops);
                grc = ops->parse(NULL, copy, len, &got, &gerr);
                if (looks_json(copy, len)) {
                        wrc = ref_parse(copy, len, &want, i == 0, &werr);
                        assert_int_equal(grc, wrc);
                        assert_string_equal(gerr.msg, werr.msg);
                        assert_int_equal(got.len, want.len);
                        if (want.text)
                                assert_memory_equal(got.text, want.text, want.len + 1);
                        else
                                assert_null(got.text);
                        same_string(got.finish_reason, want.finish_reason);
                        same_string(got.model, want.model);
                        assert_int_equal(got.prompt_tokens, want.prompt_tokens);
                        assert_int_equal(got.completion_tokens, want.completion_tokens);
                }
                pa_reply_release(&got);
                pa_reply_release(&want);
        }
        free(copy);
}

/* Skipping the whole text: 0 when the scanner accepts it. */
static int scan(const char *text, size_t len)
{
        char *copy = malloc(len ? len : 1);
        struct pa__js s;
        int rc;

        memcpy(copy, text, len);
        pa__js_init(&s, copy, len);
        rc = pa__js_peek(&s) == '{' || pa__js_peek(&s) == '[' ? pa__js_skip(&s) : PA_EPROTO;
        if (rc == 0)
                rc = pa__js_end(&s);
        free(copy);
        return rc;
}

/* The scanner never accepts what jansson refuses. */
static void check_scan(const char *text, size_t len)
{
        json_t *root = json_loadb(text, len, 0, NULL);

        if (scan(text, len) == 0)
                assert_non_null(root);
        json_decref(root);
        check_parse(text, len);
}

static void valid_answers_are_read_without_jansson(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++) {
                assert_int_equal(scan(valid[i].text, valid[i].len), 0);
                check_scan(valid[i].text, valid[i].len);
        }
}

static void other_answers_match_jansson(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++)
                check_scan(other[i].text, other[i].len);
}

/* Nesting: the scanner's own limit, then jansson's (2048). */
static void deep_nesting(void **state)
{
        static const size_t depths[] = {1, 10, 126, 127, 128, 129, 500, 2047, 2048, 2049, 3000};

        (void)state;
        for (size_t d = 0; d < sizeof(depths) / sizeof(*depths); d++) {
                size_t n = depths[d], len = 0;
                char *t = malloc(2 * n + 64);

                len += (size_t)sprintf(t, "{\"choices\":[{\"text\":\"t\",\"x\":");
                for (size_t i = 0; i < n; i++)
                        t[len++] = '[';
                for (size_t i = 0; i < n; i++)
                        t[len++] = ']';
                len += (size_t)sprintf(t + len, "}]}");
                check_scan(t, len);
                if (n + 3 <= PA__JS_MAX_DEPTH)
                        assert_int_equal(scan(t, len), 0);
                free(t);
        }
}

/* Every proper prefix of an answer is refused, read within its bounds. */
static void truncations_are_refused(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++) {
                size_t len = valid[i].len;

                while (len && strchr(" \r\n\t", valid[i].text[len - 1]))
                        len--;
                for (size_t n = 0; n < len; n++) {
                        assert_int_not_equal(scan(valid[i].text, n), 0);
                        check_scan(valid[i].text, n);
                }
        }
}

/* Strings alone: the decoded bytes are jansson's, whatever the escapes. */
static void strings_decode_as_jansson(void **state)
{
        static const char *const bits[] = {"a",
                                           "\\\"",
                                           "\\\\",
                                           "\\/",
                                           "\\b",
                                           "\\f",
                                           "\\n",
                                           "\\r",
                                           "\\t",
                                           "\\u0041",
                                           "\\u00e9",
                                           "\\u07FF",
                                           "\\u0800",
                                           "\\uffff",
                                           "\\ud800\\udc00",
                                           "\\udbff\\udfff",
                                           "\xc3\xa9",
                                           "\xf0\x9f\x98\x80",
                                           "\\u0001",
                                           " "};
        unsigned seed = 1;

        (void)state;
        for (int round = 0; round < 2000; round++) {
                char text[512] = "[\"", dst[512];
                size_t len = 2, n, got;
                struct pa__js s;
                json_t *root;

                for (int k = (int)(seed % 12); k > 0; k--) {
                        const char *bit;

                        seed = seed * 1103515245 + 12345;
                        bit = bits[(seed >> 16) % (sizeof(bits) / sizeof(*bits))];
                        n = strlen(bit);
                        memcpy(text + len, bit, n);
                        len += n;
                }
                seed = seed * 1103515245 + 12345;
                memcpy(text + len, "\"]", 2);
                len += 2;
                root = json_loadb(text, len, 0, NULL);
                assert_non_null(root);
                pa__js_init(&s, text + 1, len - 1);
                assert_int_equal(pa__js_string(&s, dst, sizeof(dst), &got), 0);
                assert_int_equal(got, json_string_length(json_array_get(root, 0)));
                assert_memory_equal(dst, json_string_value(json_array_get(root, 0)), got);
                /* Capped: only what fits is written, the length is whole. */
                pa__js_init(&s, text + 1, len - 1);
                memset(dst, 'Z', sizeof(dst));
                assert_int_equal(pa__js_string(&s, dst, got / 2, &n), 0);
                assert_int_equal(n, got);
                assert_int_equal(dst[got / 2], 'Z');
                json_decref(root);
        }
}

/* Numbers alone: which are integers, and their values. */
static void numbers_read_as_jansson(void **state)
{
        static const char *const nums[] = {"0",
                                           "-0",
                                           "7",
                                           "-7",
                                           "10",
                                           "1.0",
                                           "1e0",
                                           "1E2",
                                           "-1e-2",
                                           "0.5",
                                           "-0.5",
                                           "1e+2",
                                           "123456789012345678",
                                           "-123456789012345678",
                                           "999999999999999999",
                                           "2.5E+10"};

        (void)state;
        for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
                char text[64];
                json_t *root;
                struct pa__js s;
                long long v;
                bool is_int;

                snprintf(text, sizeof(text), "[%s]", nums[i]);
                root = json_loads(text, 0, NULL);
                assert_non_null(root);
                pa__js_init(&s, nums[i], strlen(nums[i]));
                assert_int_equal(pa__js_number(&s, &v, &is_int), 0);
                assert_ptr_equal(s.p, s.end);
                assert_int_equal(is_int, json_is_integer(json_array_get(root, 0)));
                if (is_int)
                        assert_int_equal(v, json_integer_value(json_array_get(root, 0)));
                json_decref(root);
        }
}

/* The word-at-a-time search for the end of a plain run is the byte loop's. */
static void plain_runs(void **state)
{
        static const unsigned char bytes[] = {'a', 'a',  'a',  'a',  ' ',  '~',  0x7f, 0x1f, 0x20,
                                              '"', '\\', 0x80, 0xff, 0x00, 0x21, 0x5b, 0x5d};
        unsigned seed = 11;

        (void)state;
        for (int round = 0; round < 5000; round++) {
                unsigned char buf[40];
                size_t n = (size_t)round % sizeof(buf);

                for (size_t i = 0; i < n; i++) {
                        seed = seed * 1103515245 + 12345;
                        buf[i] = (seed >> 16) % 4 ? 'x' : bytes[(seed >> 8) % sizeof(bytes)];
                }
                for (size_t from = 0; from <= n; from++) {
                        const unsigned char *want = buf + from;

                        while (want < buf + n && *want >= 0x20 && *want < 0x80 && *want != '"' &&
                               *want != '\\')
                                want++;
                        assert_ptr_equal(pa__js_plain(buf + from, buf + n), want);
                }
        }
}

/* Random damage to answers: the engines still answer as jansson does. */
static void mutations_match_jansson(void **state)
{
        static const char bytes[] = "\"\\{}[],:0-9e.Eu+ \n\tanlt/\x80\xc3\xa9\xff\xed\xa0";
        unsigned seed = 7;

        (void)state;
        for (int round = 0; round < 20000; round++) {
                const struct input *in = &valid[round % (sizeof(valid) / sizeof(*valid))];
                char text[1024];
                size_t len = in->len;

                memcpy(text, in->text, len);
                for (int k = 1 + round % 3; k > 0; k--) {
                        size_t at;

                        seed = seed * 1103515245 + 12345;
                        at = (seed >> 8) % len;
                        seed = seed * 1103515245 + 12345;
                        if ((seed >> 20) % 8 == 0 && len > 1) { /* drop a byte */
                                memmove(text + at, text + at + 1, len - at - 1);
                                len--;
                        } else {
                                text[at] = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
                        }
                }
                check_scan(text, len);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid_answers_are_read_without_jansson),
            cmocka_unit_test(other_answers_match_jansson),
            cmocka_unit_test(deep_nesting),
            cmocka_unit_test(truncations_are_refused),
            cmocka_unit_test(strings_decode_as_jansson),
            cmocka_unit_test(numbers_read_as_jansson),
            cmocka_unit_test(plain_runs),
            cmocka_unit_test(mutations_match_jansson),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
