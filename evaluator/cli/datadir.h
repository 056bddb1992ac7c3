/* Private: where the shipped suites and the demo profiles are found, in an
 * installed copy and in the build tree alike; no source path is compiled
 * in (docs/install.md). */
#ifndef PA_CLI_DATADIR_H
#define PA_CLI_DATADIR_H

#include "parity/common.h"

/* The environment variable that names the data directory. */
#define PA_DATA_DIR_ENV "PARITY_DATA_DIR"

/* The first of these that holds a suites/ folder: $PARITY_DATA_DIR (when
 * set, the only place looked); the data directory relative to the
 * executable's prefix (PA_DATA_REL, "../share/parity" from bin/); the
 * executable's own folder (the build tree, where meson links suites/ to
 * the source tree's). *dir is malloc'ed, the caller's; on failure the
 * error names every place looked. */
int pa__data_dir(char **dir, struct pa_err *err);

/* pa__data_dir()/rel, e.g. rel "suites/demo/demo.json"; malloc'ed. */
int pa__data_path(const char *rel, char **path, struct pa_err *err);

#endif
