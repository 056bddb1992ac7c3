/* The openai-loglik parser on server bytes: an error leaves no text; an
 * answer it takes is a measurement the metrics read back as valid
 * (scorers/metrics/loglik.h); never a crash or a read past the buffer. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parity/engine.h"
#include "scorers/metrics/loglik.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct pa_engine_ops *ops = pa_engine_find("openai-loglik");
        char *buf = malloc(size ? size : 1);
        struct pa_reply r = {0};
        struct pa_err err = {{0}};
        struct pa_loglik m;
        json_t *rec;

        if (!buf || !ops)
                abort();
        memcpy(buf, data, size);
        if (ops->parse(NULL, buf, size, &r, &err) < 0) {
                if (r.text)
                        abort(); /* a failed parse must leave no answer */
        } else {
                rec = json_pack("{s:s}", "response", r.text);
                if (!rec || pa__loglik_read(rec, &m) != PA_LOGLIK_OK)
                        abort(); /* what the engine wrote, the metrics must read */
                json_decref(rec);
        }
        pa_reply_release(&r);
        free(buf);
        return 0;
}
