/* An HTTP engine's answer parser, the first byte choosing the engine: JSON
 * bodies, OpenAI's server-sent events and Ollama's NDJSON streams (each
 * parse() reads every shape). A parsed answer has its text; a failed one
 * has a message. Never a crash, a leak or a read past the body. */
#include <stdlib.h>
#include <string.h>

#include "parity/engine.h"
#include "fuzz.h"

static const char *const engines[] = {"openai-chat", "openai-completions", "ollama-chat",
                                      "ollama-generate"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pa_engine e = {0};
        struct pa_reply r = {0};
        struct pa_err err = {{0}};
        char *body;
        int rc;

        if (size < 1)
                return 0;
        e.ops = pa_engine_find(engines[data[0] % 4]);
        e.conf.stream = data[0] & 4;
        /* A copy of exactly the body's bytes: ASan sees any read past them. */
        if (!e.ops || !(body = malloc(size - 1 ? size - 1 : 1)))
                return 0;
        memcpy(body, data + 1, size - 1);
        rc = e.ops->parse(&e, body, size - 1, &r, &err);
        if (rc == 0 && !r.text)
                abort(); /* success without a text */
        if (rc < 0 && !err.msg[0])
                abort(); /* a failure without a message */
        pa_reply_release(&r);
        free(body);
        return 0;
}
