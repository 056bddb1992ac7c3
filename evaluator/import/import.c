/* The importer table and the suite writer they share (import.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
    &pa__import_bbq, &pa__import_crows, &pa__import_discrim, &pa__import_holistic,
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

static char *concat(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        char *s = malloc(la + lb + 1);

        if (s) {
                memcpy(s, a, la);
                memcpy(s + la, b, lb + 1);
        }
        return s;
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
        if (!im->items_path || !(im->items_tmp = concat(im->items_path, ".tmp")))
                return PA_ENOMEM;
        return 0;
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
        if (!(im->items = fopen(im->items_tmp, "w")))
                return pa_errf(err, PA_EIO, "import: cannot create '%s': %s", im->items_tmp,
                               strerror(errno));
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
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s': %s", im->items_tmp,
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

int pa__import_end(struct pa_import *im, struct pa_err *err)
{
        char *tmp = concat(im->o->out, ".tmp");
        int rc = 0, closed;

        if (!tmp || json_object_set_new(im->suite, "items_file", json_string(im->items_name))) {
                free(tmp);
                return pa_errf(err, PA_ENOMEM, "import: out of memory");
        }
        closed = fclose(im->items);
        im->items = NULL;
        if (closed)
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s': %s", im->items_tmp,
                             strerror(errno));
        else if (json_dump_file(im->suite, tmp, JSON_INDENT(2) | JSON_ENSURE_ASCII))
                rc = pa_errf(err, PA_EIO, "import: cannot write '%s'", tmp);
        else if ((rc = check_made(im, tmp, err)) == 0 &&
                 (rename(im->items_tmp, im->items_path) || rename(tmp, im->o->out)))
                rc = pa_errf(err, PA_EIO, "import: cannot rename into '%s': %s", im->o->out,
                             strerror(errno));
        if (rc) {
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
