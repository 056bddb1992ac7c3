/* The answer scanner against jansson: what it accepts, jansson accepts
 * (jscan.h's contract); never a crash or a read past the buffer. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "evaluator/json/jscan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A copy of exactly size bytes: ASan sees any read past them. */
        char *buf = malloc(size ? size : 1);
        struct pa__js s;
        json_t *v;

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        s = (struct pa__js){.p = buf, .end = buf + size};
        if (pa__js_skip(&s) == 0 && pa__js_end(&s) == 0) {
                if (!(v = json_loadb(buf, size, JSON_DECODE_ANY, NULL)))
                        abort(); /* the scanner took text jansson refuses */
                json_decref(v);
        }
        free(buf);
        return 0;
}
