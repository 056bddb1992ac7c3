/* Private to evaluator/engines/openai*.c: the event-stream parser
 * (openai_sse.c) and the answer helpers it shares with openai.c. */
#ifndef PA_ENGINES_OPENAI_H
#define PA_ENGINES_OPENAI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "parity/engine.h"

/* usage[key] when an integer, else -1. */
long pa__openai_usage_field(const json_t *usage, const char *key);
/* The "error" of an answer that carries one instead of choices: PA_EPROTO
 * with its message. */
int pa__openai_answer_error(const json_t *root, struct pa_err *err);
/* A server-sent-events answer (body past any BOM and leading blanks) into
 * r; chat reads delta.content, otherwise text. */
/* The served-model identity probes of the OpenAI-compatible engines
 * (models list, llama.cpp's /props), shared with openai_loglik.c. */
void pa__openai_identify(const struct pa_engine *e, json_t *id);
int pa__openai_parse_sse(const char *body, size_t len, struct pa_reply *r, bool chat,
                         struct pa_err *err);
/* The completions engine's chat_prompt (openai_template.c): the server's
 * POST /apply-template. */
int pa__openai_apply_template(const struct pa_engine *e, const json_t *messages, char **prompt,
                              struct pa_err *err);

#endif
