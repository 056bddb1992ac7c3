/* Private: where a run folder keeps its copy of the suite, under names
 * parity chooses (never the suite's own file names), and how readers
 * (score, summary, verify, diff, merge) load it: only the copy, no symlink
 * followed, nothing outside the folder. */
#ifndef PA_SUITE_COPY_H
#define PA_SUITE_COPY_H

#include <jansson.h>

#include "parity/suite.h"

#define PA_SUITE_COPY      "suite/suite.json"
#define PA_SUITE_COPY_YAML "suite/suite.yaml" /* a YAML suite's: its format is its name's */
#define PA_ITEMS_COPY      "suite/items.jsonl"
/* The most bytes read of a manifest.json. */
#define PA_MANIFEST_MAX_BYTES ((uint64_t)64 << 20)

/* The copy's paths in dir as manifest.suite names them: "copy" and
 * "items_copy" must be the names above; a folder written before them
 * keeps suite/<basename of suite.path> and its items_file inside suite/
 * (*items NULL: the loader resolves it, confined). Both malloc'ed. */
int pa__suite_copy_paths(const char *dir, const json_t *manifest, char **suite, char **items,
                         struct pa_err *err);
/* The copy's name for the suite at suite_path: YAML stays YAML. */
const char *pa__suite_copy_name(const char *suite_path);
/* Loads the copy as pa__suite_copy_paths finds it. */
int pa__suite_copy_load(const char *dir, const json_t *manifest, struct pa_suite *s,
                        struct pa_err *err);
/* manifest.json of dir, a regular file (no symlink) of bounded size; *m a
 * new reference. */
int pa__manifest_read(const char *dir, json_t **m, struct pa_err *err);

#endif
