/* evaluator/import/: public bias benchmarks turned into ordinary suites. */
/* Private: `parity import FORMAT IN... -o SUITE.json` turns a public bias
 * benchmark into an ordinary suite (docs/suites.md). One file per format
 * (import_bbq.c, import_crows.c, import_discrim.c, import_holistic.c)
 * exports one struct pa_importer; import.c holds the table and the writer
 * they share.
 *
 * The writer streams items into SUITE.items.jsonl beside the suite (the
 * suite names it in "items_file"), both under temporary names until
 * pa__import_end() renames them, so a failed import leaves no half-made
 * suite behind. */
#ifndef PA_IMPORT_H
#define PA_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parity/common.h"

struct pa_import_opts {
        const char *out;   /* SUITE.json */
        const char *id;    /* suite id, or NULL for the format's default */
        bool force;        /* replace an existing suite */
        const char **only; /* holistic-bias: import only these axes (NULL: all) */
        size_t n_only;
};

struct pa_import {
        const struct pa_import_opts *o;
        json_t *suite; /* the suite object without items; owned */
        json_t *ids;   /* item ids seen; owned */
        FILE *items;
        char *items_path, *items_tmp, *items_name;
        size_t n_items;
        uint64_t n_cases; /* as the writer was told (cases per item) */
};

struct pa_importer {
        const char *name;
        const char *inputs; /* what IN is, for --help */
        /* Reads the inputs, fills im->suite's header fields and adds every item
         * with pa__import_item(). */
        int (*run)(struct pa_import *im, char **in, size_t n_in, struct pa_err *err);
};

const struct pa_importer *pa__importer_find(const char *name);
/* NULL-terminated list, for usage text. */
const struct pa_importer *const *pa__importer_list(void);

/* Opens the temporary items file; im->suite starts as {"parity_suite": 1}. */
int pa__import_begin(struct pa_import *im, const struct pa_import_opts *o, struct pa_err *err);
/* Appends item (reference stolen) with its number of cases; where names
 * the input for a duplicate-id error ("'x.jsonl':12"). */
int pa__import_item(struct pa_import *im, json_t *item, uint64_t cases, const char *where,
                    struct pa_err *err);
/* Writes the suite (with "items_file") and renames both files into place. */
int pa__import_end(struct pa_import *im, struct pa_err *err);
/* Removes the temporary files and frees im; safe after pa__import_end. */
void pa__import_release(struct pa_import *im);

/* --- helpers for the format files --- */

/* A malloc'ed copy of s with "{" and "}" doubled, so it is a literal
 * template (docs/formats.md, Templates); NULL on ENOMEM. */
char *pa__import_literal(const char *s);
/* A malloc'ed copy with every run of white space one space, trimmed. */
char *pa__import_one_line(const char *s);
/* Appends to out an id part made of s: letters and digits kept, anything
 * else one '-'; returns 0 or PA_EINVAL when out (of size cap) is full. */
int pa__import_slug(char *out, size_t cap, const char *s);
/* Merges a format's suite header (id, source, defaults, scorers, metrics)
 * into the suite; takes h, which may be NULL (allocation failed). */
int pa__import_header(struct pa_import *im, json_t *h, struct pa_err *err);
/* Field helpers: the member, or an error "WHERE: /KEY: expected WHAT". */
int pa__import_str(const json_t *o, const char *key, const char **out, const char *where,
                   struct pa_err *err);
int pa__import_int(const json_t *o, const char *key, long min, long max, long *out,
                   const char *where, struct pa_err *err);
/* Calls fn for every non-blank line of a JSONL file with the parsed object
 * and "'path':LINE" as where; stops at the first error. */
int pa__import_jsonl(const char *path,
                     int (*fn)(void *ctx, const json_t *obj, const char *where, struct pa_err *err),
                     void *ctx, struct pa_err *err);
/* The input files: each IN as is, or for a directory its files ending in
 * ext, sorted. *out (n_out paths) is freed with pa__import_files_free. */
int pa__import_files(char **in, size_t n_in, const char *ext, char ***out, size_t *n_out,
                     struct pa_err *err);
void pa__import_files_free(char **v, size_t n);
/* Records an input file (path and sha256) under the suite's "import". */
int pa__import_input(struct pa_import *im, const char *path, struct pa_err *err);

#endif
