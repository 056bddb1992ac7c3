/* A results.jsonl line loaded with only the members a reader needs: the
 * rest is validated by the scanner (evaluator/json/jscan.h) but never
 * built, which is most of a record's bytes (messages, usage) and most of
 * jansson's cost. */
#ifndef PA_RECORD_LOAD_H
#define PA_RECORD_LOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The object line[0, len) is, holding only the members named in keys
 * (at most 32), each as json_loadb(line, len, 0) would give it; or, when
 * the scanner does not take the line (malformed, not an object, a named
 * key given twice, jansson's limits), exactly what json_loadb(line, len,
 * 0, je) returns, every member included. A member not named reads as
 * absent: callers name every member they or their callees read. The
 * caller owns the result (json_decref). */
json_t *pa__record_load(const char *line, size_t len, const char *const *keys, size_t n_keys,
                        json_error_t *je);

/* A member's value left as its JSON text: p NULL when the line has no
 * such member. */
struct pa__raw_member {
        const char *p;
        size_t len;
};

/* pa__record_load, but the members named in raw (keys and raw together at
 * most 32) are not built: raw_out[i] receives the text of raw[i]'s value,
 * validated by the scanner (p NULL when absent), for a caller that reads
 * it with the scanner. *whole is set when the scanner did not take the
 * line: the result is then json_loadb's, raw members included, and
 * raw_out is all NULL. */
json_t *pa__record_load_raw(const char *line, size_t len, const char *const *keys, size_t n_keys,
                            const char *const *raw, size_t n_raw, struct pa__raw_member *raw_out,
                            bool *whole, json_error_t *je);

/* The members a reader names: it and its callees read no other. */
struct pa__members {
        const char *const *keys;
        size_t n;
};

/* pa_results_scan (result.h) with each record holding only want's members
 * and "seq" and "prev" (the chain's, which want must name too); want NULL:
 * every member. */
int pa__results_scan_named(const char *path, const struct pa__members *want,
                           int (*each)(void *ud, json_t *rec, struct pa_err *err), void *ud,
                           uint64_t *n, char head[65], struct pa_err *err);

#endif
