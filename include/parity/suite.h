/* parity: suites (docs/formats.md) and their expansion into cases.
 *
 * A suite is loaded and validated whole before anything is written, so a
 * bad suite never leaves a half-made run folder. Yet memory stays flat in
 * the item count: a suite keeps of each item only its kind (what reports
 * need: domain, outcome, axes) and, for an items_file, where its line
 * starts; an item's strings are read back from the open items file (inline
 * items: from the suite's JSON) when a case of it is built. Cases are
 * built one at a time on demand, so a suite's cases are never all in
 * memory together. */
#ifndef PARITY_SUITE_H
#define PARITY_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* An item in full, as a case sees it (pa_case_build) or as read back
 * (pa_suite_item_read). */
struct pa_item {
        const char *id, *domain, *prompt, *system, *outcome, *expected;
        /* The turns [{"role", "content"}...] of an item with "messages"
         * (then prompt is NULL), or NULL; while read back only. */
        const json_t *messages;
        size_t n_axes;
        size_t axes[PA_MAX_AXES]; /* indexes into suite->axes */
        int outcome_scorer;       /* index into suite->scorers, or -1 */
        uint64_t scorer_mask;     /* which of suite->scorers apply */
        uint64_t n_cases;         /* product of the group counts of its axes */
};

/* What a suite keeps of its items: the fields reports need, shared by the
 * items alike in all of them (a suite has few: its domains x outcomes x
 * axes x scorer lists). */
struct pa_item_kind {
        char *domain;  /* "general" when the item names none */
        char *outcome; /* NULL: none */
        size_t n_axes;
        size_t axes[PA_MAX_AXES];
        int outcome_scorer;
        uint64_t scorer_mask;
        uint64_t n_cases;
        bool has_expected;
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
        json_t *root; /* owned */
        struct pa_defaults defaults;
        size_t n_axes;
        struct pa_axis *axes;
        struct pa_scorer_set scorers;
        /* Items: root's /items (n_inline), then the items_file's lines; the
         * arrays, the kinds and the open file are owned. */
        size_t n_items, n_inline;
        uint32_t *kind_of; /* per item: index into kinds */
        uint64_t *line_at; /* per items_file item: byte offset of its line */
        size_t n_kinds;
        struct pa_item_kind *kinds;
        FILE *items_file; /* the items_file, open for reading items back */
        uint64_t n_cases;
        bool has_messages; /* some item has "messages" (engines must send turns) */
};

/* One counterfactual variant of an item. item (with its strings), prompt
 * and system are owned; item's domain and outcome are the suite's (its
 * kinds). */
struct pa_case {
        const struct pa_item *item;
        size_t item_index;
        uint64_t variant;           /* 0 .. item->n_cases - 1 */
        size_t groups[PA_MAX_AXES]; /* group index per item axis */
        char id[17];
        char *prompt, *system;
        /* An item with messages: every turn filled, the system prompt (the
         * item's or the default) first unless its own turns start with one,
         * a new reference; prompt and system are then the last user turn
         * and the system text. NULL for a prompt item. */
        json_t *messages;
};

/* How a suite file is trusted. Every path a suite names (items_file) is
 * resolved against the suite's folder and must stay inside it, symlinks
 * resolved, unless allow_outside (--allow-outside-paths). run_copy: the
 * copy in a run folder, read without following a symlink, its items from
 * items_copy (the copy parity wrote) whatever items_file says. */
struct pa_suite_opts {
        bool allow_outside;
        bool run_copy;
        const char *items_copy;
        uint64_t max_cases; /* the most cases a suite may expand to; 0: PA_MAX_CASES */
};

/* The default --max-cases: large, but a suite that expands past it is
 * refused before anything runs (8 axes of 256 groups would be 2^64). */
#define PA_MAX_CASES 10000000ull

/* Loads and validates path; on failure err holds one line naming the file,
 * the location and what was expected (never the bytes of a file that is
 * not a suite). Release with pa_suite_release(). pa_suite_load: default
 * opts. */
int pa_suite_load(struct pa_suite *s, const char *path, struct pa_err *err);
int pa_suite_load_opts(struct pa_suite *s, const char *path, const struct pa_suite_opts *o,
                       struct pa_err *err);
void pa_suite_release(struct pa_suite *s);

/* The kind of item i. */
static inline const struct pa_item_kind *pa_suite_kind(const struct pa_suite *s, size_t i)
{
        return &s->kinds[s->kind_of[i]];
}

/* Reads item i back in full into *it, whose strings point into *obj (a new
 * reference the caller releases; domain and outcome are the suite's).
 * PA_EIO when the items file cannot be read or its line no longer reads as
 * an item (it changed since it was loaded; a rewrite that leaves another
 * item at the same offset is not noticed). Thread-safe. */
int pa_suite_item_read(const struct pa_suite *s, size_t i, struct pa_item *it, json_t **obj,
                       struct pa_err *err);
/* Calls fn on every item in order, read back as by pa_suite_item_read
 * (it and obj valid during the call only); stops at fn's first nonzero
 * return and returns it. */
typedef int (*pa_item_fn)(void *ud, size_t i, const struct pa_item *it, const json_t *obj);
int pa_suite_each_item(const struct pa_suite *s, pa_item_fn fn, void *ud, struct pa_err *err);
/* Index of an item by id, or -1 (reads every item; for tools, not hot
 * paths). */
long pa_suite_find_item(const struct pa_suite *s, const char *id);
/* {"item id": index} of every item; *map a new reference. */
int pa_suite_id_index(const struct pa_suite *s, json_t **map, struct pa_err *err);
/* Copies the items file to `to` (through a temporary file and rename) from
 * the open file, checking its bytes are those loaded (items_sha256), and
 * reads items from the copy from then on. PA_EINVAL when they are not. */
int pa_suite_copy_items(struct pa_suite *s, const char *to, struct pa_err *err);

/* Every item in full at once, for tools that need them all (re-scoring):
 * v[i] for item i, its strings in one owned block but domain and outcome,
 * which are the suite's (valid while it is). */
struct pa_items {
        size_t n;
        struct pa_item *v;
        char *text;
};

int pa_suite_items_load(const struct pa_suite *s, struct pa_items *all, struct pa_err *err);
void pa_items_release(struct pa_items *all);

/* Builds variant v of item i; release with pa_case_release(). */
int pa_case_build(const struct pa_suite *s, size_t i, uint64_t v, struct pa_case *c,
                  struct pa_err *err);
/* The same from item i as pa_suite_item_read gave it (it), so a caller
 * walking an item's variants reads it once. */
int pa_case_build_item(const struct pa_suite *s, size_t i, const struct pa_item *it, uint64_t v,
                       struct pa_case *c, struct pa_err *err);
void pa_case_release(struct pa_case *c);
/* {"axis": "group", ...} for a case; new reference. */
json_t *pa_case_groups_json(const struct pa_suite *s, const struct pa_case *c);

#endif
