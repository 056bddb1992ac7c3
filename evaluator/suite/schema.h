/* Private: the suite's keys (the one table of what each object may hold,
 * schema.c), the checks against it, and the diagnostics a load collects
 * so that every error of a file is reported in one pass (up to a cap),
 * each as "FILE:LINE:COL: /json/pointer: message". */
#ifndef PA_SCHEMA_H
#define PA_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parity/common.h"
#include "evaluator/util/util.h"

/* The most errors one load reports; the rest are counted. */
#define PA_SUITE_MAX_ERRORS 20

/* The kinds of object a suite holds; each has its rows in key_table. */
enum pa__okind {
        PA_K_SUITE,
        PA_K_SOURCE,
        PA_K_DEFAULTS,
        PA_K_AXIS,
        PA_K_SCORER,
        PA_K_ITEM,
        PA_K_MESSAGE,
        PA_K_OPEN, /* any keys: group slots, metric metadata (checked by their readers) */
};

/* What a load reports: lines joined by '\n' in out. The suite's text is
 * read again on the first error that needs a line and column (errors are
 * rare, and a suite keeps no positions while it loads). */
struct pa__diags {
        const char *path; /* as the user named it: "path:line:col" */
        const char *file; /* its base name, for errors that have no place */
        unsigned open_flags;
        char *text; /* owned, NULL until needed */
        size_t len;
        bool text_tried;
        size_t n, total;
        char prefix[384];      /* set: errors of one items file line, "REL:LINE" */
        const char *line_text; /* that line, to place an error's column in */
        size_t line_len;
        struct pa_buf out;
};

void pa__diags_init(struct pa__diags *d, const char *path, const char *file, unsigned open_flags);
void pa__diags_release(struct pa__diags *d);
/* An error at JSON pointer ptr of the suite file, located when it can be. */
void pa__diag(struct pa__diags *d, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error message in the loader's form ("suite 'FILE': /ptr: why", or
 * any other line, kept as it is), located when it names a pointer. */
void pa__diag_msg(struct pa__diags *d, const char *msg);
/* PA_EINVAL with every error in err (joined by '\n', with a last line
 * counting those past the cap), or 0 when there were none. */
int pa__diags_finish(struct pa__diags *d, struct pa_err *err);

/* Checks obj, an object of kind k at pointer ptr, against key_table:
 * unknown keys (with a did-you-mean), missing required keys, values of
 * the wrong JSON type; recurses into the objects its keys hold. */
void pa__schema_check(struct pa__diags *d, const json_t *obj, enum pa__okind k, const char *ptr);
/* The same for one item of a JSONL items file, obj read from the line
 * text[0..len): errors read "suite 'FILE': REL:LINE:COL: /key: why" (no
 * COL when the key cannot be placed). Returns the errors found. */
size_t pa__schema_check_line(struct pa__diags *d, const json_t *obj, const char *rel, size_t lineno,
                             const char *text, size_t len);

/* The closest of the n words to word by Damerau-Levenshtein distance
 * (adjacent swaps count one), or NULL when none is close enough to be the
 * word meant (at most 2 edits, and fewer than half its letters). */
const char *pa__did_you_mean(const char *word, const char *const *words, size_t n);

/* The 1-based line and column of the node at JSON pointer ptr in a JSON
 * or YAML text (of a member: its key); -1 when it is not found. */
int pa__json_locate(const char *text, size_t len, const char *ptr, int *line, int *col);
int pa__yaml_locate(const char *text, size_t len, const char *ptr, int *line, int *col);

/* YAML (yaml.c): whether a path names a YAML file (.yaml, .yml); a
 * YAML text as the jansson tree the same JSON would give; the same read
 * from a regular file as pa__json_load_regular reads one. Errors name
 * what, line and column. */
bool pa__suite_is_yaml(const char *path);
int pa__yaml_parse(const char *text, size_t len, const char *what, json_t **out,
                   struct pa_err *err);
int pa__yaml_load_regular(const char *path, const char *what, unsigned flags, uint64_t max,
                          json_t **out, char *sha, struct pa_err *err);
/* root written to the file to, as YAML when its name says so, else JSON
 * (convert.c), through a temporary file and a rename; refused (nothing
 * written) unless the text reads back as the same tree. */
int pa__suite_convert(const json_t *root, const char *to, struct pa_err *err);

#endif
