/* openai-loglik: the log-likelihood of a prompt from an OpenAI-compatible
 * /v1/completions route that echoes the prompt with its log-probabilities,
 * as vLLM serves them ({"echo": true, "logprobs": 1, "max_tokens": 1}:
 * choices[0].logprobs.tokens, token_logprobs, text_offset, the prompt's
 * tokens first, the first one's log-probability null when there is no BOS).
 *
 * The answer is not text but a measurement, written as the record's
 * response in JSON (docs/engines.md, "openai-loglik"):
 *     {"loglik": L, "tokens": N, "scored": S}
 * L the sum of the natural-log probabilities of the prompt's tokens that
 * have one, N the prompt's tokens, S those summed (N - 1 without a BOS).
 * The generated token (max_tokens 1: some servers refuse 0) is left out.
 *
 * A server that does not echo prompt log-probabilities (llama.cpp's
 * server ignores "echo" and returns logprobs.content for generated tokens
 * only) fails the parse, so the preflight's canary refuses it before any
 * case is sent (exit 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "evaluator/json/jsonw.h"
#include "evaluator/util/util.h"
#include "openai.h"

#define WHERE "choices[0].logprobs"
#define NEED                                                                                       \
        "; engine 'openai-loglik' needs a /v1/completions route that echoes prompt "               \
        "log-probabilities (echo with logprobs, as vLLM serves; llama.cpp's server does not)"

static int loglik_build(const struct pa_engine *e, const struct pa_job *job, char **body,
                        struct pa_err *err)
{
        const char *model = e->conf.model;
        struct pa_buf b;
        int rc;

        if (!job->prompt)
                return pa_errf(err, PA_ENOMEM, "cannot build request");
        pa__buf_init(&b, SIZE_MAX / 2);
        /* Greedy and one token: the prompt's probabilities do not depend on
         * sampling, and the one generated token is dropped. */
        rc =
            PA__JW_LIT(&b, "{\"prompt\":") || pa__jw_string(&b, job->prompt, strlen(job->prompt)) ||
            (model && (PA__JW_LIT(&b, ",\"model\":") || pa__jw_string(&b, model, strlen(model)))) ||
            PA__JW_LIT(&b, ",\"max_tokens\":1,\"temperature\":0,\"echo\":true,\"logprobs\":1,"
                           "\"stream\":false}");
        if (rc) {
                pa__buf_release(&b);
                return pa_errf(err, PA_ENOMEM, "cannot build request");
        }
        *body = b.p;
        return 0;
}

/* How many leading entries are the prompt's: usage.prompt_tokens when the
 * server says so, else all but the one generated token. */
static size_t prompt_count(const json_t *root, size_t n)
{
        long p = pa__openai_usage_field(json_object_get(root, "usage"), "prompt_tokens");

        if (p >= 0 && (size_t)p <= n)
                return (size_t)p;
        return n ? n - 1 : 0;
}

/* Sums the prompt's log-probabilities; only the first may be null. */
static int sum_logprobs(const json_t *lps, size_t n, double *sum, size_t *scored,
                        struct pa_err *err)
{
        *sum = 0;
        *scored = 0;
        for (size_t i = 0; i < n; i++) {
                const json_t *v = json_array_get(lps, i);
                double x = json_number_value(v);

                if (i == 0 && json_is_null(v))
                        continue;
                if (!json_is_number(v) || !isfinite(x) || x > 1e-9)
                        return pa_errf(err, PA_EPROTO,
                                       "answer's " WHERE ".token_logprobs[%zu]: expected a "
                                       "log-probability (a number <= 0)",
                                       i);
                *sum += x;
                (*scored)++;
        }
        if (!isfinite(*sum))
                return pa_errf(err, PA_EPROTO,
                               "answer's " WHERE ".token_logprobs: the sum is not finite");
        return 0;
}

static int write_measure(struct pa_reply *r, double sum, size_t n, size_t scored)
{
        char buf[128];
        int len = snprintf(buf, sizeof(buf), "{\"loglik\":%.12g,\"tokens\":%zu,\"scored\":%zu}",
                           sum, n, scored);

        if (len < 0 || (size_t)len >= sizeof(buf) || !(r->text = strdup(buf)))
                return PA_ENOMEM;
        r->len = (size_t)len;
        return 0;
}

static int read_answer(const json_t *root, struct pa_reply *r, struct pa_err *err)
{
        const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
        const json_t *lp = json_object_get(choice, "logprobs");
        const json_t *lps = json_object_get(lp, "token_logprobs");
        size_t n, scored;
        double sum;
        int rc;

        if (!choice && json_object_get(root, "error"))
                return pa__openai_answer_error(root, err);
        if (!json_is_array(lps) || !json_is_array(json_object_get(lp, "tokens")))
                return pa_errf(err, PA_EPROTO,
                               "answer has no " WHERE ".token_logprobs and .tokens" NEED);
        n = prompt_count(root, json_array_size(lps));
        if (n == 0)
                return pa_errf(err, PA_EPROTO, "answer's " WHERE " holds no prompt token" NEED);
        if ((rc = sum_logprobs(lps, n, &sum, &scored, err)))
                return rc;
        if (scored == 0)
                return pa_errf(err, PA_EPROTO,
                               "answer's " WHERE ".token_logprobs: no prompt token has one" NEED);
        if (write_measure(r, sum, n, scored))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        r->finish_reason = json_is_string(json_object_get(choice, "finish_reason"))
                               ? strdup(json_string_value(json_object_get(choice, "finish_reason")))
                               : NULL;
        r->model = json_is_string(json_object_get(root, "model"))
                       ? strdup(json_string_value(json_object_get(root, "model")))
                       : NULL;
        r->prompt_tokens = (long)n;
        r->completion_tokens =
            pa__openai_usage_field(json_object_get(root, "usage"), "completion_tokens");
        return 0;
}

static int loglik_parse(const struct pa_engine *e, const char *body, size_t len, struct pa_reply *r,
                        struct pa_err *err)
{
        json_error_t je;
        json_t *root = json_loadb(body, len, 0, &je);
        int rc;

        (void)e;
        if (!root)
                return pa_errf(err, PA_EPROTO, "malformed JSON in answer: %d:%d: %s", je.line,
                               je.column, je.text);
        rc = read_answer(root, r, err);
        json_decref(root);
        return rc;
}

const struct pa_engine_ops pa_engine_openai_loglik = {
    .name = "openai-loglik",
    .summary = "prompt log-likelihood from /v1/completions with echo and logprobs (vLLM)",
    .http = true,
    .flat_prompt = true,
    .path = "/completions",
    .build = loglik_build,
    .parse = loglik_parse,
    .identify = pa__openai_identify,
};
