/* The measurement of an openai-loglik record (loglik.h). */
#include <math.h>

#include "loglik.h"
#include "scorers/record_item.h"

enum pa_loglik_status pa__loglik_read(const json_t *rec, struct pa_loglik *m)
{
        size_t len;
        const char *text = pa__record_response(rec, &len);
        json_t *o, *l, *n, *s;
        enum pa_loglik_status st = PA_LOGLIK_INVALID;

        if (!text)
                return PA_LOGLIK_FAILED;
        if (!(o = json_loadb(text, len, 0, NULL)))
                return PA_LOGLIK_INVALID;
        l = json_object_get(o, "loglik");
        n = json_object_get(o, "tokens");
        s = json_object_get(o, "scored");
        /* A log-likelihood is finite and at most 0; counts are whole and
         * at least one token was scored. */
        if (json_is_number(l) && isfinite(json_number_value(l)) && json_number_value(l) <= 1e-9 &&
            json_is_integer(n) && json_is_integer(s) && json_integer_value(s) >= 1 &&
            json_integer_value(s) <= json_integer_value(n)) {
                m->loglik = json_number_value(l);
                m->tokens = (long)json_integer_value(n);
                m->scored = (long)json_integer_value(s);
                st = PA_LOGLIK_OK;
        }
        json_decref(o);
        return st;
}
