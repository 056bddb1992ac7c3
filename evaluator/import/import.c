/* The importer table and the suite writer they share (import.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "parity/suite.h"
#include "evaluator/util/util.h"

extern const struct pa_importer pa__import_bbq;
extern const struct pa_importer pa__import_crows;
extern const struct pa_importer pa__import_crows_ll;
extern const struct pa_importer pa__import_discrim;
extern const struct pa_importer pa__import_discrim_ll;
extern const struct pa_importer pa__import_holistic;
extern const struct pa_importer pa__import_holistic_ll;

static const struct pa_importer *const importer_table[] = {
    &pa__import_bbq,      &pa__import_crows,      &pa__import_discrim,     &pa__import_holistic,
    &pa__import_crows_ll, &pa__import_discrim_ll, &pa__import_holistic_ll, NULL,
};

const struct pa_importer *pa__importer_find(const char *name)
{
        for (size_t i = 0; importer_table[i]; i++)
                if (!strcmp(importer_table[i]->name, name))
                        return importer_table[i];
        return NULL;
}

const struct pa_importer *const *pa__importer_list(void)
{
        return importer_table;
}

/* A new file beside path under a name of its own ("path.tmp.XXXXXX",
 * into *tmp, owned): O_EXCL, so nothing planted there (a symlink, a stale
 * file) is followed or reused; the mode fopen would give. NULL on error. */
static FILE *open_tmp(const char *path, char **tmp)
{
        size_t n = strlen(path);
        mode_t mask = umask(0);
        FILE *f = NULL;
        int fd;

        umask(mask);
        if (!(*tmp = malloc(n + sizeof(".tmp.XXXXXX"))))
                return NULL;
        memcpy(*tmp, path, n);
        memcpy(*tmp + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
        if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0) {
                free(*tmp);
                *tmp = NULL;
                return NULL;
        }
        if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w"))) {
                close(fd);
                unlink(*tmp);
                free(*tmp);
                *tmp = NULL;
        }
        return f;
}

/* SUITE.json -> SUITE.items.jsonl, beside it. */
static int items_names(struct pa_import *im, const char *out)
{
        const char *base = pa__basename(out);
        size_t stem = strlen(base);
        char *dir = pa__dirname(out), *name;

        if (stem > 5 && !strcmp(base + stem - 5, ".json"))
                stem -= 5;
        name = malloc(stem + sizeof(".items.jsonl"));
        if (!dir || !name) {
                free(dir);
                free(name);
                return PA_ENOMEM;
        }
        memcpy(name, base, stem);
        memcpy(name + stem, ".items.jsonl", sizeof(".items.jsonl"));
        im->items_name = name;
        im->items_path = pa__path_join(dir, name);
        free(dir);
        return im->items_path ? 0 : PA_ENOMEM;
}

int pa__import_begin(struct pa_import *im, const struct pa_import_opts *o, struct pa_err *err)
{
        int rc;

        memset(im, 0, sizeof(*im));
        im->o = o;
        if (!(im->suite = json_pack("{s:i}", "parity_suite", 1)) || !(im->ids = json_object()) ||
            (rc = items_names(im, o->out)))
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        if (!o->force && (access(o->out, F_OK) == 0 || access(im->items_path, F_OK) == 0))
                return pa_errf(err, PA_EEXIST, "import: refusing to overwrite '%s' (use --force)",
                               access(o->out, F_OK) == 0 ? o->out : im->items_path);
        if (!(im->items = open_tmp(im->items_path, &im->items_tmp)))
                return pa_errf(err, PA_EIO, "import: cannot create a file beside '%s': %s",
                               im->items_path, strerror(errno));
        return 0;
}

int pa__import_item(struct pa_import *im, json_t *item, uint64_t cases, const char *where,
                    struct pa_err *err)
{
        const char *id = json_string_value(json_object_get(item, "id"));
        char *line = NULL;
        int rc = 0;

        if (!id)
                rc = pa_errf(err, PA_EINVAL, "%s: item without an id", where);
        else if (json_object_get(im->ids, id))
                rc = pa_errf(err, PA_EINVAL, "%s: item id '%s' is made twice (a repeated row?)",
                             where, id);
        else if (json_object_set_new(im->ids, id, json_true()) ||
                 !(line = json_dumps(item, JSON_COMPACT)))
                rc = pa_errf(err, PA_ENOMEM, "import: out of memory");
        else if (fputs(line, im->items) < 0 || putc('\n', im->items) < 0)
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s': %s", im->items_path,
                             strerror(errno));
        free(line);
        json_decref(item);
        if (rc == 0) {
                im->n_items++;
                im->n_cases += cases;
        }
        return rc;
}

/* The suite made (tmp, its items still under their temporary name) must
 * load as any suite does before it takes its place: a dataset that makes
 * a bad axis name or an empty group leaves nothing behind. */
static int check_made(struct pa_import *im, const char *tmp, struct pa_err *err)
{
        struct pa_suite_opts so = {.items_copy = im->items_tmp};
        struct pa_suite s;
        char msg[sizeof(err->msg)];
        int rc = pa_suite_load_opts(&s, tmp, &so, err);

        pa_suite_release(&s);
        if (rc) {
                snprintf(msg, sizeof(msg), "%s", err->msg);
                rc = pa_errf(err, rc, "import: the suite made from the inputs does not load: %s",
                             msg);
        }
        return rc;
}

/* The suite object into a new temporary file beside SUITE.json (*tmp). */
static int write_suite(struct pa_import *im, char **tmp, struct pa_err *err)
{
        FILE *f = open_tmp(im->o->out, tmp);
        int rc = 0;

        if (!f)
                return pa_errf(err, PA_EIO, "import: cannot create a file beside '%s': %s",
                               im->o->out, strerror(errno));
        if (json_dumpf(im->suite, f, JSON_INDENT(2) | JSON_ENSURE_ASCII))
                rc = PA_EIO;
        if (fclose(f) || rc)
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s': %s", im->o->out,
                             strerror(errno));
        return rc;
}

int pa__import_end(struct pa_import *im, struct pa_err *err)
{
        char *tmp = NULL;
        int rc = 0, closed;

        if (json_object_set_new(im->suite, "items_file", json_string(im->items_name)))
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        closed = fclose(im->items);
        im->items = NULL;
        if (closed)
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s': %s", im->items_path,
                             strerror(errno));
        else if ((rc = write_suite(im, &tmp, err)) == 0 && (rc = check_made(im, tmp, err)) == 0 &&
                 (rename(im->items_tmp, im->items_path) || rename(tmp, im->o->out)))
                rc = pa_errf(err, PA_EIO, "import: cannot rename into '%s': %s", im->o->out,
                             strerror(errno));
        if (rc) {
                if (tmp)
                        unlink(tmp);
                unlink(im->items_tmp);
        }
        free(tmp);
        return rc;
}

void pa__import_release(struct pa_import *im)
{
        if (im->items) {
                fclose(im->items);
                unlink(im->items_tmp);
        }
        im->items = NULL;
        json_decref(im->suite);
        json_decref(im->ids);
        free(im->items_path);
        free(im->items_tmp);
        free(im->items_name);
        memset(im, 0, sizeof(*im));
}

int pa__import_input(struct pa_import *im, const char *path, struct pa_err *err)
{
        char hex[PA_SHA256_HEX];
        json_t *imp = json_object_get(im->suite, "import"), *inputs;
        int rc;

        if ((rc = pa__sha256_file(path, hex, err)))
                return rc;
        if (!imp) {
                imp = json_pack("{s:s, s:s, s:[]}", "tool", "parity " PA_VERSION, "format", "",
                                "inputs");
                if (!imp || json_object_set_new(im->suite, "import", imp))
                        return pa_errf(err, PA_ENOMEM, "import: out of memory");
        }
        inputs = json_object_get(imp, "inputs");
        if (json_array_append_new(
                inputs, json_pack("{s:s, s:s}", "file", pa__basename(path), "sha256", hex)))
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        return 0;
}
