/* scorers/: where an answer is scored, one file per scorer type. */
/* parity: scorers turn a response into true, false or "not applicable".
 *
 * A scorer family member is one file in scorers/ exporting one
 * `const struct pa_scorer_ops` and one row in scorers/scorer.c's table.
 * A compiled scorer is read-only and shared by every thread; what a
 * thread needs for itself (PCRE2 match data) lives in its scratch. */
#ifndef PARITY_SCORER_H
#define PARITY_SCORER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/common.h"

#define PA_MAX_SCORERS 64

enum pa_verdict {
        PA_NA = -1, /* cannot be applied: no response, no expected value */
        PA_FALSE = 0,
        PA_TRUE = 1,
};

struct pa_scorer_ops {
        const char *name;
        /* Parses spec; where names it in errors ("scorers/invited"). */
        int (*compile)(const json_t *spec, const char *where, void **state, struct pa_err *err);
        /* Per-thread scratch; both may be NULL. */
        void *(*scratch_new)(const void *state);
        void (*scratch_free)(void *scratch);
        /* expected is the item's expected answer or NULL. */
        enum pa_verdict (*score)(const void *state, void *scratch, const char *text, size_t len,
                                 const char *expected);
        void (*free)(void *state);
        /* May be NULL. Checks what an item gives the scorer (its expected)
         * when the suite loads; where names the item. */
        int (*check_item)(const void *state, const char *expected, const char *where,
                          struct pa_err *err);
};

struct pa_scorer {
        char *name;
        const struct pa_scorer_ops *ops;
        void *state;
};

struct pa_scorer_set {
        size_t n;
        struct pa_scorer v[PA_MAX_SCORERS];
};

/* The registered scorer types; NULL when unknown. */
const struct pa_scorer_ops *pa_scorer_ops_find(const char *type);

/* Compiles every scorer of a suite's "scorers" object into set, which the
 * caller releases with pa_scorer_set_release() even on failure. */
int pa_scorer_set_compile(struct pa_scorer_set *set, const json_t *scorers, const char *file,
                          struct pa_err *err);
void pa_scorer_set_release(struct pa_scorer_set *set);
/* Index of a scorer by name, or -1. */
int pa_scorer_set_find(const struct pa_scorer_set *set, const char *name);

/* One scratch per scorer, for one thread; free with pa_scorer_scratch_free. */
void **pa_scorer_scratch_new(const struct pa_scorer_set *set);
void pa_scorer_scratch_free(const struct pa_scorer_set *set, void **scratch);

#endif
