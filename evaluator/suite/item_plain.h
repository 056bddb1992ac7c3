/* Private: an items-file line read without jansson when it is plain
 * (item_plain.c), for the loader's fast path (suite_stream.c). */
#ifndef PA_ITEM_PLAIN_H
#define PA_ITEM_PLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parity/suite.h"

/* The most names an item's "scorers" may list on the fast path. */
#define PA__PLAIN_MAX_SCORERS 64

/* What a plain line holds: its strings decoded into buf (owned, reused
 * from line to line), pointed to by it and the name lists. */
struct pa__plain_item {
        struct pa_item it; /* id, prompt, domain ("general" when absent), system,
                              outcome, expected; nothing else set */
        const char *axes[PA_MAX_AXES];
        size_t n_axes;
        const char *scorers[PA__PLAIN_MAX_SCORERS];
        size_t n_scorers;
        bool has_scorers;
        char *buf;
        size_t cap;
};

/* 0 when line (n bytes) is a plain item: one JSON object whose members
 * are among "id", "prompt", "domain", "system", "outcome", "expected"
 * (strings) and "axes", "scorers" (arrays of strings), each at most once,
 * with a non-empty id and a prompt. Such a line passes the strict schema
 * check (schema.c) by its form, and jansson reads the same strings from
 * it (jscan.h). 1 for any other line, or when memory ran out: the caller
 * then reads it with jansson, which decides and words its errors. */
int pa__plain_item_scan(struct pa__plain_item *p, const char *line, size_t n);
/* The checks the loader makes of an item read with jansson, on a plain
 * line's item, into *it: its axes and scorers are the suite's, the item
 * expands to at most max_cases, which the suite's n_cases so far plus its
 * own do not pass, and its templates fill. 0 when it passes every one, 1
 * when not: the loader's full path then words why, so both refuse a line
 * alike. */
int pa__plain_item_check(const struct pa_suite *s, const struct pa__plain_item *p,
                         uint64_t max_cases, uint64_t n_cases, struct pa_item *it);
void pa__plain_item_release(struct pa__plain_item *p);

/* Tests set it to read every line with jansson, to compare both paths. */
extern bool pa__items_plain_off;

#endif
