/* OpenAI-compatible engines: /v1/chat/completions and /v1/completions, as
 * served by vLLM, SGLang, llama.cpp's server, LM Studio, LiteLLM,
 * OpenRouter and TGI's Messages API. */
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"

/* Generation parameters shared by both routes; unset ones are left out so
 * the server's defaults apply, as with the OpenAI SDK. */
static int add_params(const struct pa_engine *e, json_t *req)
{
	const struct pa_engine_conf *c = &e->conf;
	int rc = 0;

	if (c->model)
		rc |= json_object_set_new(req, "model", json_string(c->model));
	if (c->has_temperature)
		rc |= json_object_set_new(req, "temperature", json_real(c->temperature));
	if (c->has_top_p)
		rc |= json_object_set_new(req, "top_p", json_real(c->top_p));
	if (c->max_tokens > 0)
		rc |= json_object_set_new(req, "max_tokens", json_integer(c->max_tokens));
	if (c->stop && json_array_size(c->stop))
		rc |= json_object_set(req, "stop", (json_t *)c->stop);
	rc |= json_object_set_new(req, "stream", json_false());
	return rc ? PA_ENOMEM : 0;
}

static int finish_build(const struct pa_engine *e, const struct pa_job *job, json_t *req,
			char **body, struct pa_err *err)
{
	int rc = req ? add_params(e, req) : PA_ENOMEM;

	/* Each sample has its own seed, so repeated samples are distinct draws. */
	if (rc == 0 && e->conf.has_seed &&
	    json_object_set_new(req, "seed", json_integer((json_int_t)(job->seed & INT64_MAX))))
		rc = PA_ENOMEM;
	if (rc == 0 && !(*body = json_dumps(req, JSON_COMPACT)))
		rc = PA_ENOMEM;
	json_decref(req);
	return rc ? pa_errf(err, rc, "cannot build request") : 0;
}

static int chat_build(const struct pa_engine *e, const struct pa_job *job, char **body,
		      struct pa_err *err)
{
	return finish_build(e, job, json_pack("{s:O}", "messages", job->messages), body, err);
}

static int completions_build(const struct pa_engine *e, const struct pa_job *job, char **body,
			     struct pa_err *err)
{
	return finish_build(e, job, json_pack("{s:s}", "prompt", job->prompt), body, err);
}

static char *dup_string(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static long usage_field(const json_t *usage, const char *key)
{
	const json_t *v = json_object_get(usage, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* Both routes answer {"choices": [...], "model", "usage"}; only where the
 * text sits differs. */
static int parse_common(const char *body, size_t len, struct pa_reply *r, bool chat,
			struct pa_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	json_t *choice, *text, *usage;
	int rc = 0;

	if (!root)
		return pa_errf(err, PA_EPROTO, "malformed JSON in answer: %d:%d: %s", je.line,
			       je.column, je.text);
	choice = json_array_get(json_object_get(root, "choices"), 0);
	text = chat ? json_object_get(json_object_get(choice, "message"), "content")
		    : json_object_get(choice, "text");
	if (!json_is_string(text)) {
		rc = pa_errf(err, PA_EPROTO, "answer has no %s",
			     chat ? "choices[0].message.content" : "choices[0].text");
		goto out;
	}
	r->len = json_string_length(text);
	r->text = malloc(r->len + 1);
	if (!r->text) {
		rc = PA_ENOMEM;
		goto out;
	}
	memcpy(r->text, json_string_value(text), r->len + 1);
	r->finish_reason = dup_string(json_object_get(choice, "finish_reason"));
	r->model = dup_string(json_object_get(root, "model"));
	usage = json_object_get(root, "usage");
	r->prompt_tokens = usage_field(usage, "prompt_tokens");
	r->completion_tokens = usage_field(usage, "completion_tokens");
out:
	json_decref(root);
	return rc;
}

static int chat_parse(const struct pa_engine *e, const char *body, size_t len, struct pa_reply *r,
		      struct pa_err *err)
{
	(void)e;
	return parse_common(body, len, r, true, err);
}

static int completions_parse(const struct pa_engine *e, const char *body, size_t len,
			     struct pa_reply *r, struct pa_err *err)
{
	(void)e;
	return parse_common(body, len, r, false, err);
}

const struct pa_engine_ops pa_engine_openai_chat = {
	.name = "openai-chat",
	.summary = "OpenAI-compatible /v1/chat/completions (vLLM, llama.cpp, SGLang, LiteLLM...)",
	.http = true,
	.path = "/chat/completions",
	.build = chat_build,
	.parse = chat_parse,
};

const struct pa_engine_ops pa_engine_openai_completions = {
	.name = "openai-completions",
	.summary = "OpenAI-compatible /v1/completions (raw prompt: system, blank line, user)",
	.http = true,
	.flat_prompt = true,
	.path = "/completions",
	.build = completions_build,
	.parse = completions_parse,
};
