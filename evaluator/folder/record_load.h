/* A results.jsonl line loaded with only the members a reader needs: the
 * rest is validated by the scanner (evaluator/json/jscan.h) but never
 * built, which is most of a record's bytes (messages, usage) and most of
 * jansson's cost. */
#ifndef PA_RECORD_LOAD_H
#define PA_RECORD_LOAD_H

#include <jansson.h>
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
