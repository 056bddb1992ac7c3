/* The server-sent-events answer of the OpenAI-compatible engines
 * (openai.c), apart from the JSON one because a stream has its own
 * grammar: lines, fields, events.
 *
 * parse() reads the whole buffered stream (the scheduler keeps the body,
 * capped, and times the first byte): the text is the concatenation of the
 * chunks' delta.content (chat) or choices[0].text (completions),
 * finish_reason the last one given, usage from the chunk that carries it.
 * A stream must end with "data: [DONE]" or have given a finish_reason
 * (llama.cpp's native route sends no [DONE]); otherwise it was cut short. */
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "openai.h"
#include "evaluator/util/util.h"

/* What the chunks of one stream add up to. */
struct sse {
        struct pa_buf text, data; /* the answer; the pending event's data */
        char *finish_reason, *model;
        long prompt_tokens, completion_tokens;
        bool chat, done;
        size_t events, data_line; /* line of the pending event's first data */
};

static int set_string(char **dst, const json_t *v)
{
        if (!json_is_string(v))
                return 0;
        free(*dst);
        return (*dst = strdup(json_string_value(v))) ? 0 : PA_ENOMEM;
}

/* The choice with index 0 (chunks of n > 1 interleave choices). */
static const json_t *first_choice(const json_t *chunk)
{
        const json_t *choices = json_object_get(chunk, "choices"), *c;
        size_t i;

        json_array_foreach(choices, i, c)
        {
                const json_t *idx = json_object_get(c, "index");

                if (!idx || (json_is_integer(idx) && json_integer_value(idx) == 0))
                        return c;
        }
        return NULL;
}

static int sse_chunk(struct sse *s, const json_t *chunk, struct pa_err *err)
{
        const json_t *c = first_choice(chunk), *usage = json_object_get(chunk, "usage"), *t;

        if (!json_is_object(chunk))
                return pa_errf(err, PA_EPROTO, "malformed stream event at line %zu: not an object",
                               s->data_line);
        if (json_object_get(chunk, "error") && !c)
                return pa__openai_answer_error(chunk, err);
        t = s->chat ? json_object_get(json_object_get(c, "delta"), "content")
                    : json_object_get(c, "text");
        if (json_is_string(t) && pa__buf_add(&s->text, json_string_value(t), json_string_length(t)))
                return pa_errf(err, PA_ENOMEM, "out of memory");
        if (set_string(&s->finish_reason, json_object_get(c, "finish_reason")) ||
            set_string(&s->model, json_object_get(chunk, "model")))
                return PA_ENOMEM;
        if (json_is_object(usage)) {
                s->prompt_tokens = pa__openai_usage_field(usage, "prompt_tokens");
                s->completion_tokens = pa__openai_usage_field(usage, "completion_tokens");
        }
        return 0;
}

/* The pending event's data: [DONE], or one JSON chunk. */
static int sse_dispatch(struct sse *s, struct pa_err *err)
{
        json_t *chunk;
        int rc;

        if (!s->data.p || s->done) {
                pa__buf_release(&s->data);
                return 0;
        }
        s->events++;
        if (!strcmp(s->data.p, "[DONE]")) {
                s->done = true;
                return 0;
        }
        if (!(chunk = json_loadb(s->data.p, s->data.len, 0, NULL)))
                return pa_errf(err, PA_EPROTO, "malformed stream event at line %zu", s->data_line);
        rc = sse_chunk(s, chunk, err);
        json_decref(chunk);
        pa__buf_release(&s->data);
        return rc;
}

/* A field name ("data", "event", "id", "retry", or another word). */
static bool field_name(const char *p, size_t n)
{
        if (!n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(p[i] == '_' || p[i] == '-' || (p[i] >= 'a' && p[i] <= 'z') ||
                      (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
                        return false;
        return true;
}

/* One line of the stream (without its end of line). */
static int sse_line(struct sse *s, const char *p, size_t n, size_t lineno, struct pa_err *err)
{
        const char *colon = memchr(p, ':', n), *v;
        size_t name = colon ? (size_t)(colon - p) : n, vn;

        if (n == 0)
                return sse_dispatch(s, err);
        if (p[0] == ':') /* a comment, e.g. ": ping" keep-alives */
                return 0;
        if (!field_name(p, name))
                return pa_errf(err, PA_EPROTO, "not an event stream: line %zu: '%.*s'", lineno,
                               (int)(n < 40 ? n : 40), p);
        if (name != 4 || memcmp(p, "data", 4))
                return 0; /* event:, id:, retry: and unknown fields are ignored */
        v = colon ? colon + 1 : p + n;
        vn = (size_t)(p + n - v);
        if (vn && *v == ' ') {
                v++;
                vn--;
        }
        if (s->data.p && pa__buf_add(&s->data, "\n", 1))
                return PA_ENOMEM;
        if (!s->data.p)
                s->data_line = lineno;
        if (pa__buf_add(&s->data, v, vn))
                return PA_ENOMEM;
        return 0;
}

static int sse_finish(struct sse *s, struct pa_reply *r, struct pa_err *err)
{
        if (!s->events)
                return pa_errf(err, PA_EPROTO, "empty event stream");
        if (!s->done && !s->finish_reason)
                return pa_errf(err, PA_EPROTO,
                               "truncated stream: no [DONE] and no finish_reason after %zu events",
                               s->events);
        if (!s->text.p && pa__buf_add(&s->text, "", 0))
                return PA_ENOMEM;
        r->text = s->text.p;
        r->len = s->text.len;
        s->text.p = NULL;
        r->finish_reason = s->finish_reason;
        r->model = s->model;
        s->finish_reason = s->model = NULL;
        r->prompt_tokens = s->prompt_tokens;
        r->completion_tokens = s->completion_tokens;
        return 0;
}

int pa__openai_parse_sse(const char *body, size_t len, struct pa_reply *r, bool chat,
                         struct pa_err *err)
{
        struct sse s = {.chat = chat, .prompt_tokens = -1, .completion_tokens = -1};
        size_t lineno = 0;
        int rc = 0;

        pa__buf_init(&s.text, len + 1);
        pa__buf_init(&s.data, len + 1);
        for (size_t i = 0; rc == 0 && i < len && !s.done;) {
                size_t j = i;

                while (j < len && body[j] != '\n' && body[j] != '\r')
                        j++;
                rc = sse_line(&s, body + i, j - i, ++lineno, err);
                /* "\r\n", "\n" and "\r" all end a line. */
                if (j < len && body[j] == '\r' && j + 1 < len && body[j + 1] == '\n')
                        j++;
                i = j + 1;
        }
        /* A last event without its blank line still counts. */
        if (rc == 0)
                rc = sse_dispatch(&s, err);
        if (rc == 0)
                rc = sse_finish(&s, r, err);
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
        pa__buf_release(&s.text);
        pa__buf_release(&s.data);
        free(s.finish_reason);
        free(s.model);
        return rc;
}
