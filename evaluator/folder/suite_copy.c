/* A run folder's copy of its suite (suite_copy.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evaluator/suite/schema.h"
#include "evaluator/util/safe_file.h"
#include "evaluator/util/util.h"
#include "suite_copy.h"

/* A name from an untrusted manifest: exactly one parity writes (want,
 * or also: or_too). */
static int fixed_name(const json_t *v, const char *want, const char *or_too, const char *field,
                      struct pa_err *err)
{
        const char *got = json_string_value(v);

        if (!got || (strcmp(got, want) && (!or_too || strcmp(got, or_too))))
                return pa_errf(err, PA_EINVAL, "manifest.json: /suite/%s: expected \"%s\"%s%s%s",
                               field, want, or_too ? " or \"" : "", or_too ? or_too : "",
                               or_too ? "\"" : "");
        return 0;
}

const char *pa__suite_copy_name(const char *suite_path)
{
        return pa__suite_is_yaml(suite_path) ? PA_SUITE_COPY_YAML : PA_SUITE_COPY;
}

/* A folder written before "copy": suite/ and the basename of suite.path,
 * which must be a plain file name. */
static int legacy_name(const json_t *ms, const char **name, struct pa_err *err)
{
        const char *p = json_string_value(json_object_get(ms, "path"));

        if (!p)
                return pa_errf(err, PA_EINVAL, "manifest.json: /suite/path: expected a string");
        *name = pa__basename(p);
        if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
                return pa_errf(err, PA_EINVAL,
                               "manifest.json: /suite/path: expected a path ending in a file name");
        return 0;
}

/* suite/ must be a directory of the folder, not a symlink out of it. */
static int check_suite_dir(const char *dir, struct pa_err *err)
{
        char *p = pa__path_join(dir, "suite");
        struct stat st;
        int rc = 0;

        if (!p)
                return PA_ENOMEM;
        if (lstat(p, &st) != 0)
                rc = pa_errf(err, PA_EIO, "suite/: %s", strerror(errno));
        else if (!S_ISDIR(st.st_mode))
                rc = pa_errf(err, PA_EINVAL, "suite/: expected a directory");
        free(p);
        return rc;
}

int pa__suite_copy_paths(const char *dir, const json_t *manifest, char **suite, char **items,
                         struct pa_err *err)
{
        const json_t *ms = json_object_get(manifest, "suite"), *copy = json_object_get(ms, "copy"),
                     *ic = json_object_get(ms, "items_copy");
        const char *name = NULL;
        char *sdir = NULL;
        int rc;

        *suite = *items = NULL;
        if (json_is_null(ic))
                ic = NULL;
        if ((rc = check_suite_dir(dir, err)))
                return rc;
        if (copy) {
                if ((rc = fixed_name(copy, PA_SUITE_COPY, PA_SUITE_COPY_YAML, "copy", err)) ||
                    (ic && (rc = fixed_name(ic, PA_ITEMS_COPY, NULL, "items_copy", err))))
                        return rc;
                if (!(*suite = pa__path_join(dir, json_string_value(copy))) ||
                    (ic && !(*items = pa__path_join(dir, PA_ITEMS_COPY))))
                        goto nomem;
                return 0;
        }
        if ((rc = legacy_name(ms, &name, err)))
                return rc;
        if (!(sdir = pa__path_join(dir, "suite")) || !(*suite = pa__path_join(sdir, name)))
                goto nomem;
        free(sdir);
        return 0;
nomem:
        free(sdir);
        free(*suite);
        free(*items);
        *suite = *items = NULL;
        return pa_errf(err, PA_ENOMEM, "out of memory");
}

int pa__suite_copy_load(const char *dir, const json_t *manifest, struct pa_suite *s,
                        struct pa_err *err)
{
        char *suite = NULL, *items = NULL;
        struct pa_suite_opts o = {.run_copy = true};
        int rc;

        memset(s, 0, sizeof(*s));
        if ((rc = pa__suite_copy_paths(dir, manifest, &suite, &items, err)))
                return rc;
        o.items_copy = items;
        rc = pa_suite_load_opts(s, suite, &o, err);
        free(suite);
        free(items);
        return rc;
}

int pa__manifest_read(const char *dir, json_t **m, struct pa_err *err)
{
        char *path = pa__path_join(dir, "manifest.json");
        int rc;

        *m = NULL;
        if (!path)
                return pa_errf(err, PA_ENOMEM, "out of memory");
        rc =
            pa__json_load_regular(path, "manifest.json", 0, PA_MANIFEST_MAX_BYTES, 0, m, NULL, err);
        free(path);
        return rc;
}
