/* parity: suites (docs/formats.md) and their expansion into cases.
 *
 * A suite is loaded and validated whole before anything is written, so a
 * bad suite never leaves a half-made run folder. Items keep pointers into
 * the parsed JSON; cases are built one at a time on demand, so a suite's
 * cases are never all in memory together. */
#ifndef PARITY_SUITE_H
#define PARITY_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/scorer.h"

#define PA_MAX_AXES 8

struct pa_group {
        const char *name;
        const json_t *slots; /* object: slot -> string */
};

struct pa_axis {
        const char *name;
        size_t ref; /* index of the reference group */
        size_t n_groups;
        struct pa_group *groups;
};

struct pa_item {
        const char *id, *domain, *prompt, *system, *outcome, *expected;
        size_t n_axes;
        size_t axes[PA_MAX_AXES]; /* indexes into suite->axes */
        int outcome_scorer;       /* index into suite->scorers, or -1 */
        uint64_t scorer_mask;     /* which of suite->scorers apply */
        uint64_t n_cases;         /* product of the group counts of its axes */
};

struct pa_defaults {
        const char *system;
        bool has_temperature, has_top_p;
        double temperature, top_p;
        long max_tokens;    /* -1: unset */
        const json_t *stop; /* array of strings or NULL */
};

struct pa_suite {
        char *path, *items_path;
        const char *id, *version;
        char sha256[65], items_sha256[65];
        json_t *root, *jsonl_items; /* owned */
        struct pa_defaults defaults;
        size_t n_axes;
        struct pa_axis *axes;
        struct pa_scorer_set scorers;
        size_t n_items;
        struct pa_item *items;
        uint64_t n_cases;
};

/* One counterfactual variant of an item. prompt and system are owned. */
struct pa_case {
        const struct pa_item *item;
        size_t item_index;
        uint64_t variant;           /* 0 .. item->n_cases - 1 */
        size_t groups[PA_MAX_AXES]; /* group index per item axis */
        char id[17];
        char *prompt, *system;
};

/* Loads and validates path; on failure err holds one line naming the file,
 * the location and what was expected. Release with pa_suite_release(). */
int pa_suite_load(struct pa_suite *s, const char *path, struct pa_err *err);
void pa_suite_release(struct pa_suite *s);
/* Index of an item by id, or -1 (linear; for tools, not hot paths). */
long pa_suite_find_item(const struct pa_suite *s, const char *id);

/* Builds variant v of item i; release with pa_case_release(). */
int pa_case_build(const struct pa_suite *s, size_t i, uint64_t v, struct pa_case *c,
                  struct pa_err *err);
void pa_case_release(struct pa_case *c);
/* {"axis": "group", ...} for a case; new reference. */
json_t *pa_case_groups_json(const struct pa_suite *s, const struct pa_case *c);

#endif
