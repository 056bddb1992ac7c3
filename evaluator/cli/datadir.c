/* The data directory: where parity finds the suites it ships (datadir.h). */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "evaluator/util/util.h"

/* From the executable's folder to the data directory, set by meson from
 * bindir and datadir ("../share/parity" for the defaults). */
#ifndef PA_DATA_REL
#define PA_DATA_REL "../share/parity"
#endif

static bool has_suites(const char *dir)
{
        char *p = pa__path_join(dir, "suites");
        struct stat st;
        bool ok = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);

        free(p);
        return ok;
}

/* The folder of the running executable (/proc/self/exe), malloc'ed, or NULL. */
static char *exe_dir(void)
{
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

        if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
                return NULL;
        buf[n] = '\0';
        return pa__dirname(buf);
}

/* dir/rel canonical when it exists (so printed paths carry no "bin/.."),
 * else as joined; malloc'ed. An absolute rel stands alone. */
static char *resolve(const char *dir, const char *rel)
{
        char *joined = rel[0] == '/' ? strdup(rel) : pa__path_join(dir, rel), *real;

        if (joined && (real = realpath(joined, NULL))) {
                free(joined);
                return real;
        }
        return joined;
}

int pa__data_dir(char **dir, struct pa_err *err)
{
        const char *env = getenv(PA_DATA_DIR_ENV);
        char *bin, *installed = NULL;
        int rc = 0;

        *dir = NULL;
        if (env && *env) {
                if (!has_suites(env))
                        return pa_errf(err, PA_EINVAL,
                                       "data directory '%s' (" PA_DATA_DIR_ENV
                                       "): no suites folder in it",
                                       env);
                return (*dir = strdup(env)) ? 0 : pa_errf(err, PA_ENOMEM, "out of memory");
        }
        if (!(bin = exe_dir()))
                return pa_errf(err, PA_EINVAL,
                               "cannot find parity's own executable (/proc/self/exe) to find its "
                               "data directory: set " PA_DATA_DIR_ENV);
        if (!(installed = resolve(bin, PA_DATA_REL))) {
                rc = pa_errf(err, PA_ENOMEM, "out of memory");
        } else if (has_suites(installed)) {
                *dir = installed;
                installed = NULL;
        } else if (has_suites(bin)) {
                *dir = bin;
                bin = NULL;
        } else {
                rc = pa_errf(
                    err, PA_EINVAL,
                    "cannot find parity's data directory (the shipped suites): no "
                    "suites folder in '%s' (installed) or '%s' (build tree); set " PA_DATA_DIR_ENV,
                    installed, bin);
        }
        free(bin);
        free(installed);
        return rc;
}

int pa__data_path(const char *rel, char **path, struct pa_err *err)
{
        char *dir;
        int rc;

        *path = NULL;
        if ((rc = pa__data_dir(&dir, err)))
                return rc;
        *path = pa__path_join(dir, rel);
        free(dir);
        return *path ? 0 : pa_errf(err, PA_ENOMEM, "out of memory");
}
