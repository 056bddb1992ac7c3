/* Private: JSON text written straight into a pa_buf, byte for byte as
 * jansson's json_dumps(JSON_COMPACT) writes the same values (keys in the
 * order they are written, as jansson keeps insertion order). For the hot
 * path (request bodies, results.jsonl lines), where building jansson values
 * to dump them once costs more than the request itself.
 *
 * Every function appends to b and returns 0, PA_ENOMEM, or PA_EINVAL when
 * the buffer's cap would be passed or jansson would have refused the value
 * (invalid UTF-8 in a strict string, a real that is not finite). */
#ifndef PA_JSONW_H
#define PA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "parity/engine.h"
#include "evaluator/util/util.h"

/* pa__buf_add(), inline while the buffer has room: the writer appends
 * many short pieces. */
static inline int pa__jw_put(struct pa_buf *b, const void *s, size_t n)
{
        if (n < b->cap - b->len && n <= b->max - b->len) {
                memcpy(b->p + b->len, s, n);
                b->len += n;
                b->p[b->len] = '\0';
                return 0;
        }
        return pa__buf_add(b, s, n);
}

/* A literal piece of JSON text. */
#define PA__JW_LIT(b, s) pa__jw_put(b, s, sizeof(s) - 1)
/* ,"key": for a key spelt in the code (plain ASCII: nothing to escape). */
#define PA__JW_KEY(b, key) PA__JW_LIT(b, ",\"" key "\":")

/* A string as json_string() + json_dumps(): \" \\ \b \f \n \r \t, other
 * control bytes as \u00XX, the rest as is; invalid UTF-8 is PA_EINVAL
 * (json_string() refuses it). */
int pa__jw_string(struct pa_buf *b, const char *s, size_t n);
/* The same with invalid bytes written as U+FFFD instead, as result.c's
 * response_json() stores an answer that is not UTF-8. */
int pa__jw_string_lossy(struct pa_buf *b, const char *s, size_t n);
/* A C string (lossy), or null for NULL. */
int pa__jw_cstr(struct pa_buf *b, const char *s);
/* "key": after a comma unless first. */
int pa__jw_key(struct pa_buf *b, const char *key, bool first);
int pa__jw_int(struct pa_buf *b, long long v);
/* A real as jansson writes it with JSON_REAL_PRECISION(precision) ("%.*g",
 * ".0" when it would read as an integer, the exponent without '+' and
 * leading zeros); jansson's default precision is 17. */
int pa__jw_real(struct pa_buf *b, double v, int precision);
/* An array of strings (conf.stop) as json_dumps(JSON_COMPACT) writes it. */
int pa__jw_string_array(struct pa_buf *b, const json_t *a);

/* The chat messages of job as json_dumps(pa_job_messages(job), JSON_COMPACT)
 * writes them: [{"role":"system","content":...},{"role":"user",...}]. */
int pa__jw_messages(struct pa_buf *b, const struct pa_job *job);

#endif
